"""Built packages imported into a real Anki collection (the `anki` package from PyPI)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from srscards.errors import ValidationFailed
from srscards.outputs.build import build_decks

T0 = 1_790_000_000.0
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)

DECK = """\
---
title: Data
domain: 1
tasks: [1.1]
tags: [starter]
---

## 1.2 Transform

### Which format is columnar?
<!-- {id: fmt-1, source: "https://docs.aws.amazon.com/athena/latest/ug/columnar-storage.html"} -->

Parquet, shown here: ![layout](media/pic.png)

### Stratified split
<!-- {id: split-1, type: reversible} -->

Keeps class proportions in every split.

### Recall is {{c1::TP / (TP + FN)}} and precision is {{c2::TP / (TP + FP)}}.
<!-- id: metric-1 -->
"""

QUESTIONS = """\
---
title: Data questions
domain: 1
subdeck: Practice questions
tasks: [1.1]
---

### Choose storage
<!-- {id: q-1, concepts: [fmt-1]} -->

Which service is a managed NFS file system?

- [x] Amazon EFS
  Managed NFS.
- [ ] Amazon S3
  Object storage, not NFS.
"""


@pytest.fixture
def demo(course):
    (course.path / "media").mkdir()
    (course.path / "media" / "pic.png").write_bytes(PNG)
    course.write("d1.md", DECK)
    course.write("q1.md", QUESTIONS)
    return course


def open_collection(tmp_path: Path, name: str = "col") -> Collection:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_package(col: Collection, package: Path):
    request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def test_package_imports_with_decks_tags_media_and_fields(demo, tmp_path):
    (result,) = build_decks(demo.root, tmp_path / "out", now=T0)
    assert result.written and result.notes == 4 and result.cards == 6
    col = open_collection(tmp_path)
    log = import_package(col, result.path)
    assert len(log.new) == 4 and not log.duplicate
    assert col.note_count() == 4
    assert col.card_count() == 6  # basic 1 + reversible 2 + cloze 2 + choice 1
    names = {d.name for d in col.decks.all_names_and_ids()}
    root = "AWS ML Engineer Associate"
    assert {
        root,
        f"{root}::1 Data Preparation for ML and AI",
        f"{root}::1 Data Preparation for ML and AI::Practice questions",
    } <= names
    fmt = col.get_note(col.find_notes('"CardId:fmt-1"')[0])
    assert fmt.note_type()["name"] == "srscards Basic"
    assert sorted(fmt.tags) == ["domain::1", "exam::both", "starter", "task::1.2", "type::basic"]
    assert fmt["Front"] == "Which format is columnar?"
    assert '<img src="aws-mla_media_pic.png" alt="layout"' in fmt["Back"]
    media_file = Path(col.media.dir()) / "aws-mla_media_pic.png"
    assert media_file.read_bytes() == PNG
    cloze_cards = col.find_cards('"CardId:metric-1"')
    assert len(cloze_cards) == 2
    question = col.get_card(cloze_cards[0]).question()
    assert "[...]" in question and "TP / (TP + FP)" in question
    choice = col.get_note(col.find_notes('"CardId:q-1"')[0])
    assert "<li>Amazon EFS</li>" in choice["Items"] and choice["Answer"] == "Answer: A"
    assert "Object storage, not NFS." in choice["Explanations"]
    choice_card = col.get_card(col.find_cards('"CardId:q-1"')[0])
    assert col.decks.name(choice_card.did).endswith("::Practice questions")
    col.close()


def test_edit_then_reimport_updates_in_place_and_keeps_history(demo, tmp_path):
    out = tmp_path / "out"
    (first,) = build_decks(demo.root, out, now=T0)
    col = open_collection(tmp_path)
    import_package(col, first.path)
    col.decks.select(col.decks.id_for_name("AWS ML Engineer Associate"))
    card = col.sched.getCard()
    col.sched.answerCard(card, 3)
    answered = col.get_card(card.id)
    assert answered.reps == 1
    # Edit one card, reorder, and move a card to a renamed file: ids keep identity.
    edited = DECK.replace("Parquet, shown here", "Apache Parquet, shown here")
    (demo.path / "d1.md").write_text(edited.split("### Recall")[0])
    (demo.path / "q1.md").rename(demo.path / "questions-renamed.md")
    moved = DECK.split("## 1.2")[0] + "## 1.2 Moved\n\n### Recall" + DECK.split("### Recall")[1]
    demo.write("sub/moved.md", moved)
    (second,) = build_decks(demo.root, out, now=T0 + 60)
    log = import_package(col, second.path)
    # Anki lists notes it matched but did not need to change as "duplicate".
    assert len(log.updated) == 1 and not log.new and len(log.duplicate) == 3
    assert col.note_count() == 4 and col.card_count() == 6
    note = col.get_note(col.find_notes('"CardId:fmt-1"')[0])
    assert note["Back"].startswith("<p>Apache Parquet, shown here")
    after = col.get_card(card.id)
    assert (after.reps, after.type, after.queue, after.due) == (
        answered.reps,
        answered.type,
        answered.queue,
        answered.due,
    )
    col.close()


def test_edit_reaches_anki_even_when_the_clock_went_back(demo, tmp_path):
    out = tmp_path / "out"
    (first,) = build_decks(demo.root, out, now=T0)
    col = open_collection(tmp_path)
    import_package(col, first.path)
    (demo.path / "d1.md").write_text(DECK.replace("Keeps class", "Keeps the class"))
    (second,) = build_decks(demo.root, out, now=T0 - 3600)
    log = import_package(col, second.path)
    assert len(log.updated) == 1
    note = col.get_note(col.find_notes('"CardId:split-1"')[0])
    assert note["Back"] == "<p>Keeps the class proportions in every split.</p>"
    col.close()


def test_unchanged_sources_give_a_byte_identical_package(demo, tmp_path):
    out = tmp_path / "out"
    (first,) = build_decks(demo.root, out, now=T0)
    digest = hashlib.sha256(first.path.read_bytes()).hexdigest()
    (again,) = build_decks(demo.root, out, now=T0 + 500)
    assert not again.written and again.notes == 4
    (forced,) = build_decks(demo.root, out, now=T0 + 900, force=True)
    assert forced.written
    assert hashlib.sha256(forced.path.read_bytes()).hexdigest() == digest
    # A fresh import of the rebuilt package changes nothing in a collection that has it.
    col = open_collection(tmp_path)
    import_package(col, first.path)
    log = import_package(col, forced.path)
    assert not log.new and not log.updated and len(log.duplicate) == 4
    col.close()


def test_errors_write_nothing(demo, tmp_path):
    out = tmp_path / "out"
    (first,) = build_decks(demo.root, out, now=T0)
    before = first.path.read_bytes()
    demo.write("broken.md", "---\ntitle: Broken\ndomain: 1\n---\n\n### Q\n<!-- id: fmt-1 -->\n\nA\n")
    with pytest.raises(ValidationFailed) as failure:
        build_decks(demo.root, out, now=T0 + 10)
    assert any("duplicate card id 'fmt-1'" in str(p) for p in failure.value.problems)
    assert first.path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".srscards", "aws-mla.apkg"]


def test_parse_cache_gives_the_same_package_and_notices_changes(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("SRSCARDS_CACHE", str(tmp_path / "cache-a"))
    (cold,) = build_decks(demo.root, tmp_path / "a", now=T0)
    (warm,) = build_decks(demo.root, tmp_path / "b", now=T0)  # parse cache filled by the first build
    assert warm.path.read_bytes() == cold.path.read_bytes()
    # A removed image is noticed although the Markdown did not change.
    (demo.path / "media" / "pic.png").unlink()
    with pytest.raises(ValidationFailed) as failure:
        build_decks(demo.root, tmp_path / "c", now=T0)
    assert [p.message for p in failure.value.problems] == ["image 'media/pic.png' not found"]
