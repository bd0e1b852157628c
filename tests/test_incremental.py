"""The per-card parse cache: after any edit, reusing the unchanged cards gives what a full parse gives."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srscards.sources.course_file import load_course
from srscards.sources.incremental import Entry, parse_incremental
from srscards.sources.load import load_sources
from srscards.sources.markdown import markdown
from srscards.sources.parser import ParsedFile, parse_file

REPO = Path(__file__).resolve().parent.parent
COURSE = load_course(REPO / "decks" / "aws-mla")
PATH = REPO / "decks" / "aws-mla" / "incremental.md"
FRONT = "---\ntitle: T\ndomain: 1\ntasks: [1.1]\n---\n\n"

# Card bodies and pieces that reach over the next heading line when left open (fences, HTML blocks,
# display math, front matter), that bind the whole file (link references), or that look like
# headings without being top-level ones (inside lists, code, comments).
PIECES = [
    "answer\n", "\n", "***\n", "- [x] yes\n  because\n", "- [ ] no\n  not so\n", "{{c1::a}}\n", "{{c1::",
    "1. step\n2. next\n", "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n", "```py\nx\n```\n", "```\n",
    "~~~\n", "<div>\n", "</div>\n", "<!--\n", "-->\n", "<pre>\n", "</pre>\n", "\\[ y \\]\n", "\\[\n", "\\]\n",
    "[ref]: https://example.com/r\n", "see [the doc][ref]\n", "- item\n\n  ### nested\n", "  ### indented\n",
    "    ### code\n", "> ### quoted\n", "Setext\n===\n", "1.2 Section\n---\n", "## 1.3 Data\n", "# Part\n",
    "## Plain section\n", "#not a heading\n", "####### seven\n", "#### four\n", "<!-- {bad -->\n",
    "<!-- id: dup-1 -->\n", "concepts here\n", "\\( x \\)\n", "é\n", "---\n", "...\n", "tasks: [9.9]\n",
]  # fmt: skip

cards = st.builds(
    lambda n, meta, body: f"### Question {n}\n{meta}\n" + "".join(body),
    st.integers(0, 40),
    st.sampled_from(
        ["<!-- id: c-{n} -->", "<!-- {id: c-{n}, tasks: [1.2]} -->", "<!-- {id: c-{n}, type: reversible} -->", ""]
    ).map(lambda m: m),
    st.lists(st.sampled_from(PIECES), max_size=6),
)
fronts = st.sampled_from(
    [FRONT, FRONT + "Intro text\n\n", "---\ntitle: T\n# a comment\ndomain: 1\n---\n", "---\ntitle: T\n", "", "\n"]
)


def deck(front: str, parts: list[str]) -> str:
    return front + "".join(p.replace("{n}", str(i)) for i, p in enumerate(parts))


def stored(entry: Entry) -> Entry:
    return json.loads(json.dumps(entry))  # what the cache file gives back


def same(a: ParsedFile, b: ParsedFile) -> None:
    assert a.problems == b.problems
    assert a.deck == b.deck
    assert a.spans == b.spans
    assert a.ids == b.ids


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fronts, st.lists(cards | st.sampled_from(PIECES), max_size=12))
def test_first_parse_equals_a_full_parse(front: str, parts: list[str]) -> None:
    text = deck(front, parts)
    result, _ = parse_incremental(PATH, COURSE, text, "salt", None)
    same(result, parse_file(PATH, COURSE, text=text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fronts,
    st.lists(cards | st.sampled_from(PIECES), min_size=1, max_size=12),
    st.lists(
        st.tuples(
            st.sampled_from(["replace", "insert", "delete"]), st.integers(0, 20), cards | st.sampled_from(PIECES)
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_parse_after_edits_equals_a_full_parse(front: str, parts: list[str], edits: list[tuple[str, int, str]]) -> None:
    text = deck(front, parts)
    _, entry = parse_incremental(PATH, COURSE, text, "salt", None)
    for action, where, piece in edits:
        i = where % (len(parts) + 1)
        if action == "insert":
            parts.insert(i, piece)
        elif parts and action == "replace":
            parts[i % len(parts)] = piece
        elif parts:
            del parts[i % len(parts)]
        text = deck(front, parts)
        result, entry = parse_incremental(PATH, COURSE, text, "salt", stored(entry))
        same(result, parse_file(PATH, COURSE, text=text))


def _cards(n: int) -> str:
    return "".join(f"### Question {i}\n<!-- id: q-{i} -->\n\nAnswer {i}.\n\n" for i in range(n))


def test_an_edit_parses_only_the_edited_card(monkeypatch):
    """One card's answer edited in a file of 50: markdown-it sees the front of the file and that card only."""
    text = FRONT + "## 1.2 Section\n\n" + _cards(50)
    _, entry = parse_incremental(PATH, COURSE, text, "salt", None)
    seen: list[str] = []
    md = markdown()
    real = md.parse
    monkeypatch.setattr(md, "parse", lambda src, env=None: seen.append(src) or real(src, env))
    edited = text.replace("Answer 30.", "Answer thirty.")
    result, _ = parse_incremental(PATH, COURSE, edited, "salt", stored(entry))
    monkeypatch.setattr(md, "parse", real)
    same(result, parse_file(PATH, COURSE, text=edited))
    assert len(seen) == 2
    assert seen[0].startswith("---\n") and "Question" not in seen[0]
    assert seen[1].startswith("### Question 30\n") and "Answer thirty." in seen[1]
    assert [c.location.line for c in result.deck.cards][:2] == [9, 14]


def test_a_line_added_above_moves_the_cards_below(monkeypatch):
    text = FRONT + _cards(20)
    _, entry = parse_incremental(PATH, COURSE, text, "salt", None)
    edited = text.replace("Answer 3.\n", "Answer 3,\nover two lines.\n")
    result, _ = parse_incremental(PATH, COURSE, edited, "salt", stored(entry))
    same(result, parse_file(PATH, COURSE, text=edited))
    assert result.deck.cards[4].location.line == parse_file(PATH, COURSE, text=text).deck.cards[4].location.line + 1


def test_a_changed_course_file_or_image_reparses_everything(course):
    """The cache key covers the course: a new image makes a card that pointed at nothing valid."""
    course.write("d1.md", FRONT + _cards(3) + "### Picture\n<!-- id: pic-1 -->\n\n![x](media/x.png)\n")
    cache = course.root / "cache"
    _, problems, _ = load_sources(course.path, cache_dir=cache)
    assert [p.message for p in problems] == ["image 'media/x.png' not found"]
    (course.path / "media").mkdir()
    (course.path / "media" / "x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    sources, problems, _ = load_sources(course.path, cache_dir=cache)
    assert problems == [] and len(sources.cards) == 4


def test_cached_course_equals_uncached_after_edits(course):
    """Through `load_sources` and the cache files, edit after edit, with errors coming and going."""
    for path in sorted((REPO / "decks" / "aws-mla").glob("d1-*.md")):
        course.write(path.name, path.read_text())
    cache = course.root / "cache"
    target = course.path / "d1-data-preparation.md"
    original = target.read_text()
    edits = [
        original,
        original.replace("\n### ", "\n### Edited: ", 1),
        original + "\n### No answer here\n<!-- id: no-answer-1 -->\n",
        original.replace("\n### ", "\n```\n### ", 1),  # an open fence swallows every later heading
        original,
    ]
    for text in edits:
        target.write_text(text)
        cached = load_sources(course.path, cache_dir=cache)
        fresh = load_sources(course.path)
        assert cached[0] == fresh[0] and cached[1] == fresh[1]
        assert [(p.spans, p.ids) for p in cached[2]] == [(p.spans, p.ids) for p in fresh[2]]


def test_package_bytes_do_not_depend_on_the_cache(course, tmp_path, monkeypatch):
    """Edit after edit, a build through the per-card cache writes the very bytes of a build that
    parses everything again (same sources, same build time, same previous package)."""
    import shutil

    from srscards.outputs.build import build_decks

    target = course.write("d1.md", FRONT + _cards(30))
    course.write("d2.md", FRONT.replace("title: T", "title: U") + _cards(5).replace("q-", "r-"))
    build_decks(course.root, tmp_path / "cached", now=1_790_000_000.0)
    cache = os.environ["SRSCARDS_CACHE"]
    original = target.read_text()
    for n, text in enumerate([original.replace("Answer 7.", "Answer seven."), original, original + "\n"]):
        shutil.rmtree(tmp_path / "cold", ignore_errors=True)
        shutil.copytree(tmp_path / "cached", tmp_path / "cold")
        target.write_text(text)
        cached = build_decks(course.root, tmp_path / "cached", now=1_790_000_000.0 + n)[0].path.read_bytes()
        monkeypatch.setenv("SRSCARDS_CACHE", str(tmp_path / f"empty-cache{n}"))
        cold = build_decks(course.root, tmp_path / "cold", now=1_790_000_000.0 + n)[0].path.read_bytes()
        monkeypatch.setenv("SRSCARDS_CACHE", cache)
        assert cached == cold
