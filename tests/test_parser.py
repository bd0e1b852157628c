"""The parser turns deck files into the card model, and reports bad input with its location."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

import srscards.sources.load as sources_module
from srscards.model.card import CardType
from srscards.sources.load import load_sources

DECKS = Path(__file__).resolve().parent.parent / "decks" / "aws-mla"
HEADER = "---\ntitle: Demo\ndomain: 1\ntasks: [1.1]\n---\n\n"


def problems_of(course, text: str, name: str = "d1.md") -> list[str]:
    course.write(name, text)
    _, problems, _ = load_sources(course.path)
    return [str(p).replace(str(course.path) + "/", "") for p in problems]


def test_golden_deck_gives_known_cards(course):
    course.write(
        "d1.md",
        HEADER
        + """\
# Storage

Notes for the reader that are not cards.

## 1.2 Transform data

### What does one-hot encoding make of a column with 3 categories?
<!-- id: onehot-1 -->
<!-- {tags: [encoding], source: "https://docs.aws.amazon.com/sagemaker/latest/dg/data-wrangler-transform.html"} -->

Three binary columns, one per category.

### Log transform
<!-- {id: logt-1, type: reversible, cheatsheet: true} -->

Replaces a value by its logarithm to compress a long right tail.

## Other

### Min-max scaling maps values into {{c1::[0, 1]}} using the {{c2::minimum and maximum}}.
<!-- {id: minmax-1, exam: C01} -->
""",
    )
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    cards = {c.id: c for c in sources.cards}
    assert list(cards) == ["onehot-1", "logt-1", "minmax-1"]
    onehot = cards["onehot-1"]
    assert onehot.type is CardType.BASIC
    assert onehot.tasks == ("1.2",)
    assert onehot.tags == ("encoding",)
    assert onehot.answer.html == "<p>Three binary columns, one per category.</p>"
    assert onehot.source.startswith("https://docs.aws.amazon.com/")
    assert onehot.deck == "AWS ML Engineer Associate::1 Data Preparation for ML and AI"
    assert onehot.location.line == 13
    logt = cards["logt-1"]
    assert logt.type is CardType.REVERSIBLE and logt.variants == ("forward", "reverse")
    assert logt.cheatsheet is True
    minmax = cards["minmax-1"]
    # "## Other" has no task number: the file default applies again.
    assert minmax.type is CardType.CLOZE and minmax.tasks == ("1.1",)
    assert minmax.cloze_numbers == (1, 2) and minmax.exam == "C01"


def test_choice_card_options_and_explanations(course):
    course.write(
        "q.md",
        HEADER
        + """\
### Pick storage
<!-- {id: q-1, difficulty: hard} -->

A team needs a shared POSIX file system for training. Which TWO options work? (Choose two.)

- [x] Amazon EFS
  A managed NFS file system.
- [ ] Amazon S3 Glacier Deep Archive
  Archive storage with retrieval in hours.
- [X] Amazon FSx for Lustre

  A high-performance file system.

  It can link to an S3 bucket.

Both file systems mount on training instances.
""",
    )
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    (card,) = sources.cards
    assert card.type is CardType.CHOICE
    assert [o.correct for o in card.options] == [True, False, True]
    assert card.correct_letters == "AC"
    assert card.options[0].text.md == "Amazon EFS"
    assert card.options[0].explanation.md == "A managed NFS file system."
    assert card.options[0].text.html == "Amazon EFS"
    assert card.options[0].explanation.html == "<p>A managed NFS file system.</p>"
    assert (
        card.options[2].explanation.html
        == "<p>A high-performance file system.</p>\n<p>It can link to an S3 bucket.</p>"
    )
    assert card.options[2].explanation.md == "A high-performance file system.\n\nIt can link to an S3 bucket."
    assert card.prompt.md.startswith("A team needs")
    assert card.extra.html == "<p>Both file systems mount on training instances.</p>"
    assert card.difficulty == "hard"


def test_code_math_and_table_render(course):
    course.write(
        "d1.md",
        HEADER
        + """\
### Code and math
<!-- id: render-1 -->

```python
x = 1
```

| a | b |
|---|---|
| 1 | 2 |

Inline \\( a < b \\) and display:

\\[ \\sum_i x_i \\]
""",
    )
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    html = sources.cards[0].answer.html
    assert '<pre class="highlight"><code><span class="n">x</span>' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "\\( a &lt; b \\)" in html
    assert '<div class="math">\\[ \\sum_i x_i \\]</div>' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\ntitle: [oops\n---\n",
            "d1.md:3:1: error: invalid YAML: did not find expected ',' or ']'",
        ),
        (
            "---\ntitle: Demo\ncolour: red\n---\n\n### Q\n<!-- id: a-1 -->\n\nA\n",
            "d1.md:3:1: error: unknown front matter key 'colour' "
            "(fix: use one of: cheatsheet, checked, domain, exam, subdeck, tags, tasks, title)",
        ),
        (
            HEADER + "### Q\n<!-- {id: a-1, tasks: [1.1], colour: red} -->\n\nA\n",
            "d1.md:8:30: error: unknown card key 'colour'",
        ),
        (
            HEADER + "### Q\n<!-- {id: [bad -->\n\nA\n",
            "d1.md:8:16: error: invalid YAML: did not find expected ',' or ']'",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n",
            "d1.md:7:1: error: card has no answer",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nSome {{c1::text and more\n",
            "d1.md:10:6: error: unclosed cloze deletion (fix: close it with }})",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nSome {{c1::  }} text\n",
            "d1.md:10:6: error: empty cloze deletion",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nSome {{c1:text}} here\n",
            "d1.md:10:6: error: malformed cloze deletion (fix: write {{c1::answer}} or {{c1::answer::hint}})",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nStem\n\n- [ ] A\n  no\n- [ ] B\n  no\n",
            "d1.md:7:1: error: choice card has no correct option (fix: mark the right option(s) with [x])",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nStem\n\n- [x] A\n  yes\n- [ ] B\n",
            "d1.md:14:1: error: option has no explanation",
        ),
        (
            HEADER + "### Q\n<!-- {id: a-1, tasks: [9.9]} -->\n\nA\n",
            "d1.md:8:23: error: unknown task statement '9.9'",
        ),
        (
            "---\ntitle: Demo\ndomain: 7\n---\n\n### Q\n<!-- id: a-1 -->\n\nA\n",
            "d1.md:3:9: error: unknown exam domain 7 (fix: use one of: 1, 2, 3, 4, or leave `domain` out)",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\n![x](media/missing.png)\n",
            "d1.md:10:6: error: image 'media/missing.png' not found",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\n![x](../outside.png)\n",
            "d1.md:10:6: error: image '../outside.png' points outside the course folder",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\n![x](/etc/passwd)\n",
            "d1.md:10:6: error: image '/etc/passwd' is not a path inside the course folder",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nA\n\n<script>alert(1)</script>\n",
            "d1.md:12:1: error: element <script> is not allowed in cards",
        ),
        (
            HEADER + "### Q\n<!-- id: a-1 -->\n\nA <iframe src=x></iframe>\n",
            "d1.md:10:3: error: element <iframe> is not allowed in cards",
        ),
        (
            HEADER + '### Q\n<!-- id: a-1 -->\n\nA <img src="x.png" onerror="alert(1)">\n',
            "d1.md:10:20: error: attribute 'onerror' of <img> is not allowed in cards",
        ),
        (
            "   \n\n",
            "d1.md:1:1: error: empty deck file (fix: add front matter and cards, or delete the file)",
        ),
        (
            "---\ntitle: Demo\n---\n\nJust notes.\n",
            "d1.md:4:1: error: deck file has no cards",
        ),
        (
            HEADER + "### Q\n\nA\n",
            "d1.md:7:1: error: card has no id (fix: run `srscards ids` to add one)",
        ),
        (
            HEADER + "### Q\n<!-- {id: a-1, type: flashcard} -->\n\nA\n",
            "d1.md:8:22: error: unknown card type 'flashcard'",
        ),
        (
            HEADER + "### Q\n<!-- {id: a-1, tasks: [2.1]} -->\n\nA\n",
            "d1.md:7:1: error: task statement(s) 2.1 are not in domain 1",
        ),
    ],
)
def test_bad_input_gets_a_located_error(course, text, expected):
    found = problems_of(course, text)
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_has_a_fix_hint(course):
    for text in (HEADER + "### Q\n<!-- {id: a-1, colour: x} -->\n\nA\n", "---\ntitle: [\n---\n"):
        for problem in problems_of(course, text):
            assert "(fix: " in problem


def test_file_that_is_not_utf8(course):
    (course.path / "d1.md").write_bytes(b"---\ntitle: Demo\n---\n\n### Caf\xe9\n")
    _, problems, _ = load_sources(course.path)
    assert [str(p).split("demo/")[1] for p in problems] == [
        "d1.md:5:8: error: file is not UTF-8 (byte 0xe9) (fix: save the file as UTF-8)"
    ]


def test_duplicate_ids_across_files(course):
    course.write("a.md", HEADER + "### Q1\n<!-- id: same-1 -->\n\nA\n")
    found = problems_of(course, HEADER + "\n### Q2\n<!-- id: same-1 -->\n\nB\n", name="b.md")
    assert len(found) == 1
    assert found[0].startswith("b.md:8:1: error: duplicate card id 'same-1' (fix: the id is already used at ")
    assert "a.md:7:1" in found[0]


def test_symlinked_image_pointing_outside(course, tmp_path: Path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG")
    (course.path / "media").mkdir()
    os.symlink(secret, course.path / "media" / "link.png")
    found = problems_of(course, HEADER + "### Q\n<!-- id: a-1 -->\n\n![x](media/link.png)\n")
    assert found == [
        "d1.md:10:6: error: image 'media/link.png' points outside the course folder "
        "(fix: keep images inside the course folder and use a relative path without ../)"
    ]


def test_unknown_concept_link(course):
    found = problems_of(course, HEADER + "### Q\n<!-- {id: a-1, concepts: [nope-1]} -->\n\nA\n")
    assert found == [
        "d1.md:7:1: error: concepts names unknown card id 'nope-1' (fix: list ids of cards that exist in this course)"
    ]


def test_broken_course_file(course):
    (course.path / "course.yaml").write_text("name: X\nprofiles: []\nextra: 1\n")
    _, problems, _ = load_sources(course.path)
    assert [str(p).split("demo/")[1] for p in problems] == [
        "course.yaml:3:1: error: unknown key 'extra' (fix: use one of: deck, id, name, profiles, services)"
    ]


def test_numeric_looking_id_is_kept_as_written(course):
    course.write("d1.md", HEADER + "### Q\n<!-- id: 00123456 -->\n\nA\n")
    sources, problems, _ = load_sources(course.path)
    assert problems == [] and sources.cards[0].id == "00123456"


def test_cloze_that_starts_with_display_math(course):
    course.write(
        "d1.md", HEADER + "### F1\n<!-- id: f1-1 -->\n\n\\[ F_1 = 2PR/(P+R) \\]\n\nF1 is the {{c1::harmonic}} mean.\n"
    )
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    (card,) = sources.cards
    assert card.cloze_numbers == (1,)
    assert card.prompt.md.startswith("\\[ F_1 = 2PR/(P+R) \\]")
    assert '<div class="math">\\[ F_1 = 2PR/(P+R) \\]</div>' in card.prompt.html


def test_cloze_closed_inside_braces_is_an_error(course):
    body = "### Scale\n<!-- id: s-1 -->\n\nIt is {{c1::\\( \\frac{a}{b_{max}} \\)}}.\n"
    found = problems_of(course, HEADER + body)
    assert found == [
        "d1.md:10:31: error: cloze deletion ends inside braces: Anki closes a deletion at the first }} "
        "(fix: write the inner braces apart (} }) or keep the formula outside the deletion)"
    ]
    course.write("d1.md", HEADER + body.replace("b_{max}}", "b_{max} }"))
    sources, problems, _ = load_sources(course.path)
    assert problems == [] and sources.cards[0].cloze_numbers == (1,)


def test_all_digit_ids_in_concepts_are_kept_as_written(course):
    course.write(
        "d1.md", HEADER + "### Q\n<!-- id: 01701174 -->\n\nA\n\n### Q2\n<!-- {id: q-2, concepts: [01701174]} -->\n\nB\n"
    )
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    assert sources.cards[1].concepts == ("01701174",)


_parse_share = sources_module._parse_share
_PIDS: list[Path] = []


def _recording_share(course, files):
    """Runs in whichever process parses a share of the files; notes which process that is."""
    with _PIDS[0].open("a") as f:
        f.write(f"{os.getpid()}\n")
    return _parse_share(course, files)


@pytest.mark.slow
def test_parsing_in_several_processes_gives_the_same_result(course, monkeypatch):
    """Large courses are parsed by forked workers; cards, problems and their order must not change."""
    for path in sorted(DECKS.glob("*.md")):
        shutil.copyfile(path, course.path / path.name)
    broken = course.path / "d2-model-development.md"
    broken.write_text(broken.read_text() + "\n### No answer here\n<!-- id: no-answer-1 -->\n")
    course.write("zz-bad.md", "---\ntitle: [unclosed\n---\n")
    pids = course.root / "pids"
    monkeypatch.setattr(sources_module, "_parse_share", _recording_share)
    monkeypatch.setattr(sys.modules[__name__], "_PIDS", [pids])
    alone = load_sources(course.path, jobs=1)
    pids.unlink()
    shared = load_sources(course.path, jobs=2)
    assert len(set(pids.read_text().split())) == 2  # really two processes
    assert shared[0] == alone[0] and shared[1] == alone[1]
    assert [(p.spans, p.ids) for p in shared[2]] == [(p.spans, p.ids) for p in alone[2]]
    messages = [p.message for p in alone[1]]
    assert "card has no answer" in messages and any("invalid YAML" in m for m in messages)
    assert len(alone[0].cards) > 1000


def test_garbage_collector_runs_again_after_parsing(course):
    """Parsing pauses Python's cycle collector; a long review session must get it back, also after errors."""
    import gc

    course.write("d1.md", HEADER + "### Q\n<!-- id: a-1 -->\n\nA\n")
    course.write("d2.md", "---\ntitle: [unclosed\n---\n")
    assert gc.isenabled()
    _, problems, _ = load_sources(course.path)
    assert problems and gc.isenabled()
    gc.disable()
    try:
        load_sources(course.path)
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()
