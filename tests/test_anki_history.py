"""`srscards anki import-history`: reviews answered in a real Anki collection join the local log."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import CourseDir, run
from srscards.outputs.build import build_decks
from srscards.scheduling.scheduler import Rating, Scheduler, Settings, from_ms
from srscards.store.store import Store
from srscards.study.metrics import compute_stats
from srscards.study.workspace import sync_sources
from test_metrics import D1

DECK_NAME = "AWS ML Engineer Associate"
OTHER = """\
---
title: Other
domain: 3
tasks: [3.1]
---

### Never exported to this collection
<!-- id: new-1 -->

Only in the sources.
"""


@dataclass
class Anki:
    decks: Path
    collection: Path
    package: Path
    answers: int


def answer_in_anki(folder: Path, package: Path, eases: list[int]) -> Path:
    """A collection with the package imported and cards answered through Anki's own scheduler."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    path = folder / "collection.anki2"
    col = Collection(str(path))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions()))
        col.decks.select(col.decks.id_for_name(DECK_NAME))
        for ease in eases:
            card = col.sched.getCard()
            assert card is not None
            col.sched.answerCard(card, ease)
        basic = col.models.by_name("Basic")
        note = col.new_note(basic)
        note["Front"], note["Back"] = "a note of the user's own", "b"
        col.add_note(note, col.decks.id("Default"))
        col.decks.select(col.decks.id("Default"))
        col.sched.answerCard(col.sched.getCard(), 3)
    finally:
        col.close()
    return path


@pytest.fixture(scope="module")
def anki(tmp_path_factory: pytest.TempPathFactory) -> Anki:
    root = tmp_path_factory.mktemp("anki")
    course = CourseDir(root / "decks")
    course.write("d1.md", D1)
    (build,) = build_decks(course.root, root / "exports", now=1_790_000_000.0)
    course.write("d3.md", OTHER)
    eases = [3, 1, 3, 3, 1, 3]
    path = answer_in_anki(root, build.path, eases)
    return Anki(course.root, path, build.path, len(eases))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def synced_home(tmp_path: Path, decks: Path) -> Path:
    home = tmp_path / "home"
    with Store.open(home) as store:
        sync_sources(store, decks, datetime.now(UTC))
    return home


def revlog(path: Path) -> list[tuple[int, str, int, int]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT r.id, n.guid, c.ord, r.ease FROM revlog r JOIN cards c ON c.id = r.cid "
            "JOIN notes n ON n.id = c.nid ORDER BY r.id"
        ).fetchall()


def test_anki_reviews_join_the_log_once_and_set_the_card_states(anki, tmp_path):
    from srscards.model.anki_ids import note_guid

    collection = shutil.copy(anki.collection, tmp_path / "collection.anki2")
    before = digest(collection)
    home = synced_home(tmp_path, anki.decks)
    result = run("anki", "import-history", str(collection), "--home", str(home))
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"{anki.answers} new reviews added from 3 notes; 0 already imported; 4 card states recomputed.\n"
        "1 review of notes not exported by srscards was left out.\n"
    )
    assert digest(collection) == before
    with Store.open(home) as store:
        log = store.log()
        cards = {(c.note, c.variant): c for c in store.cards(store.course_ids())}
    assert len(log) == anki.answers and {r.origin for r in log} == {"import"}
    ordinal = {"card": 0, "c1": 0, "c2": 1}
    scheduler = Scheduler(Settings())
    answered = revlog(collection)
    for (note, variant), card in cards.items():
        mine = [
            (from_ms(rid), Rating(ease))
            for rid, guid, ord_, ease in answered
            if guid == note_guid("aws-mla", note) and ord_ == ordinal[variant]
        ]
        assert card.memory == scheduler.replay(mine, card.key), (note, variant)  # type: ignore[arg-type]
        assert [r.reviewed_at for r in log if r.card == card.id] == [m[0] for m in mine]
    assert cards[("new-1", "card")].memory.reps == 0

    again = run("anki", "import-history", str(collection), "--home", str(home))
    assert again.exit_code == 0, again.output
    assert again.output == (
        f"0 new reviews added from 3 notes; {anki.answers} already imported; 0 card states recomputed.\n"
        "1 review of notes not exported by srscards was left out.\n"
    )
    with Store.open(home) as store:
        assert len(store.log()) == anki.answers
        stats = compute_stats(store, Scheduler(Settings()), store.course_ids(), datetime.now(UTC))
    assert digest(collection) == before
    # the answers given in Anki count in the stats: all of them today, on new cards
    assert stats.reviews == anki.answers and stats.streak == 1 and stats.coverage.learning == 3


def test_a_colpkg_backup_gives_the_same_reviews(anki, tmp_path):
    from anki.collection import Collection

    work = shutil.copy(anki.collection, tmp_path / "work.anki2")
    col = Collection(str(work))
    try:
        col.export_collection_package(str(tmp_path / "backup.colpkg"), include_media=False, legacy=False)
    finally:
        col.close()
    package = tmp_path / "backup.colpkg"
    assert "collection.anki21b" in zipfile.ZipFile(package).namelist()
    before = digest(package)
    home = synced_home(tmp_path, anki.decks)
    result = run("anki", "import-history", str(package), "--home", str(home))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{anki.answers} new reviews added from 3 notes;")
    assert digest(package) == before


def test_missing_corrupt_locked_and_unrelated_collections_are_refused(anki, tmp_path):
    home = synced_home(tmp_path, anki.decks)
    missing = tmp_path / "nope.anki2"
    result = run("anki", "import-history", str(missing), "--home", str(home))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {missing}: no such file; give the path of an Anki collection (collection.anki2 in your Anki "
        "profile folder) or of a .colpkg backup (Anki: File > Export, Anki Collection Package)\n"
    )

    junk = tmp_path / "junk.anki2"
    junk.write_bytes(b"not a database at all" * 10)
    result = run("anki", "import-history", str(junk), "--home", str(home))
    assert result.exit_code == 1
    assert result.output == f"Error: {junk}: not an Anki collection (not an SQLite file, nor a .colpkg)\n"

    damaged = tmp_path / "damaged.anki2"
    damaged.write_bytes(anki.collection.read_bytes()[:4096] + b"\x00" * 4096)
    result = run("anki", "import-history", str(damaged), "--home", str(home))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {damaged}: the Anki collection cannot be read (")
    assert result.output.endswith("check it in Anki (Tools > Check Database) or use a recent backup\n")

    broken = tmp_path / "broken.colpkg"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    result = run("anki", "import-history", str(broken), "--home", str(home))
    assert result.exit_code == 1 and result.output.startswith("Error: ")

    locked = shutil.copy(anki.collection, tmp_path / "locked.anki2")
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run("anki", "import-history", str(locked), "--home", str(home))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {locked}: the collection is open in Anki (it is locked); close Anki or switch profiles, "
        "or import a .colpkg backup instead\n"
    )

    from anki.collection import Collection

    unrelated = tmp_path / "unrelated.anki2"
    col = Collection(str(unrelated))
    try:
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "q", "a"
        col.add_note(note, col.decks.id("Default"))
        col.sched.answerCard(col.sched.getCard(), 3)
    finally:
        col.close()
    result = run("anki", "import-history", str(unrelated), "--home", str(home))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {unrelated}: none of its 1 notes were exported by srscards for the courses in the review store; "
        "import the package from `srscards build` into this Anki profile, and sync the store with your decks "
        "first (srscards stats decks/)\n"
    )
    with Store.open(home) as store:
        assert store.log() == []
