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


# -- strategies for hostile documents: the shapes that once crashed the parser -------------------------

YAML_SCALARS = st.sampled_from(
    ["1", "0", "-1", "1.5", "true", "null", "~", "''", '"x\\n"', "abc", "[1]", "{a: 1}", "[]", "{}", "9" * 30,
     ".nan", ".inf", "2026-01-01", "!!binary aGk=", "&a 1", "*a", "[*a]", "{a: *a}", "[[[[1]]]]", '"\\t"']
)  # fmt: skip
FRONT_KEYS = st.sampled_from(["title", "domain", "subdeck", "tasks", "tags", "exam", "cheatsheet", "other"])
CARD_KEYS = st.sampled_from(
    ["id", "type", "tasks", "tags", "exam", "lab", "cheatsheet", "source", "difficulty", "concepts"]
)
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def hostile_documents(draw: st.DrawFn) -> str:
    """A deck file whose front matter and card comments hold any YAML value under any key, with
    mixed line endings, cloze numbers of any size and choice cards with or without options."""
    front = [f"{draw(FRONT_KEYS)}: {draw(YAML_SCALARS)}" for _ in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()):
        front.insert(0, "title: T")
    lines = ["---", *front, "---", ""]
    for n in range(draw(st.integers(1, 3))):
        meta = ", ".join(f"{draw(CARD_KEYS)}: {draw(YAML_SCALARS)}" for _ in range(draw(st.integers(0, 3))))
        lines += [f"### Q{n}", f"<!-- {{id: card-{n}{', ' + meta if meta else ''}}} -->", ""]
        number = draw(st.integers(0, 10**25) | st.integers(0, 600))
        lines.append(draw(st.sampled_from([f"{{{{c{number}::x}}}}", "answer", "- [x] a\n  why", "- [ ] b\n  why"])))
        lines.append("")
    end = draw(LINE_ENDS)
    text = "\n".join(lines)
    return text.replace("\n", end) if draw(st.booleans()) else text.replace("\n", end, draw(st.integers(0, 3)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_documents())
def test_hostile_documents_give_located_problems(text: str) -> None:
    check(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**30), st.integers(min_value=0, max_value=5))
def test_cloze_numbers_agree_with_anki_or_are_refused(number: int, zeros: int) -> None:
    """Anki numbers cards c1 to c500; any other number is refused with a located problem."""
    text = f"---\ntitle: T\ndomain: 1\n---\n\n### Q\n<!-- id: clz-1 -->\n\nA {{{{c{'0' * zeros}{number}::x}}}}.\n"
    result = parse_file(REPO / "decks" / "aws-mla" / "fuzz.md", COURSE, text=text)
    if 1 <= number <= 500:
        assert result.problems == []
        assert result.deck.cards[0].cloze_numbers == (number,)
    else:
        assert len(result.problems) == 1 and result.problems[0].location.line == 9
