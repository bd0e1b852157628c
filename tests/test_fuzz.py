"""Property tests: any input gives cards or located problems, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srscards.course import load_course
from srscards.parser import parse_file

REPO = Path(__file__).resolve().parent.parent
COURSE = load_course(REPO / "decks" / "aws-mla")

PIECES = [
    "---\n", "title: T\n", "domain: 1\n", "domain: x\n", "tasks: [1.1]\n", "### Q\n", "## 1.2 S\n",
    "# H\n", "<!-- id: abc-1 -->\n", "<!-- {id: x, tasks: [9.9]} -->\n", "<!-- {bad -->\n", "answer\n",
    "\n", "***\n", "- [x] yes\n  because\n", "- [ ] no\n", "{{c1::a}}", "{{c1::", "}}", "{{c2::b::h}}",
    "1. step\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "```py\nx\n```\n", "![i](media/x.png)\n",
    "<script>", "\\( x \\)", "\\[ y \\]\n", "<!-- id: 123 -->\n", "<!--\n", "-->\n", "    code\n", "> quote\n", "é",
]  # fmt: skip


def check(text: str) -> None:
    result = parse_file(REPO / "decks" / "aws-mla" / "fuzz.md", COURSE, text=text)
    for problem in result.problems:
        assert problem.location.line >= 1 and problem.location.col >= 1
        assert problem.message and problem.hint
    if result.deck is not None:
        for card in result.deck.cards:
            assert card.id and card.variants


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_structured_fuzz(pieces: list[str]) -> None:
    check("".join(pieces))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    check(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "  ", "\n"]), min_size=4, max_size=4))
def test_ids_survive_whitespace_edits(pads: list[str]) -> None:
    text = (
        f"---\ntitle: T\ndomain: 1\n---\n{pads[0]}\n### Q one{pads[1]}\n<!-- id: one-1 -->\n\nA{pads[2]}\n"
        f"{pads[3]}\n### Q two\n<!-- id: two-2 -->\n\nB\n"
    )
    result = parse_file(REPO / "decks" / "aws-mla" / "fuzz.md", COURSE, text=text)
    assert result.problems == []
    assert [c.id for c in result.deck.cards] == ["one-1", "two-2"]
