"""Property tests: any input gives cards or located problems, never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srscards.errors import SourceError
from srscards.sources.course_file import load_course
from srscards.sources.parser import QUICK_ID_RE, parse_file
from srscards.sources.yaml_positions import load

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


@settings(max_examples=500, deadline=None)
@given(
    st.text(" \t", max_size=3),
    st.text(" \t", min_size=1, max_size=3),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,39}", fullmatch=True)
    | st.sampled_from(["null", "true", "no", "0123", "1e3", "0x1f", "1-2", "12-31"]),
    st.text(" \t#", max_size=3),
)
def test_quick_id_comment_reads_as_yaml_does(lead: str, gap: str, value: str, trail: str) -> None:
    """`<!-- id: X -->` skips the YAML parser: when it does, the id and its column are YAML's."""
    inner = f"{lead}id:{gap}{value}{trail}"
    quick = QUICK_ID_RE.fullmatch(inner)
    try:
        doc = load(inner, Path("q.md"))
    except SourceError:
        assert quick is None  # what YAML refuses never takes the quick path
        return
    if quick is None:
        return
    assert set(doc.data) == {"id"}
    assert quick.group(1) == doc.text("id") == value
    assert quick.start(1) + 1 == doc.value("id").col
