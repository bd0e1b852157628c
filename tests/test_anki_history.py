"""`srscards anki import-history`: reviews answered in a real Anki collection join the local log."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

import pytest

from conftest import CourseDir, run
from srscards.outputs.build import build_decks
from srscards.scheduling.scheduler import Rating, Scheduler, Settings, day_begins, from_ms, study_day
from srscards.store.store import Store
from srscards.study.metrics import compute_stats
from srscards.study.workspace import sync_sources
from test_metrics import D1

DECK_NAME = "AWS ML Engineer Associate"
SETTINGS_LINE = (
    "Anki's settings (preset 'Default', FSRS off): FSRS parameters Anki's defaults, desired retention 0.90, "
    "day starts at 04:00, load balancer on, easy days none, siblings buried: none.\n"
)
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


def revlog(path: Path) -> list[tuple[int, str, int, int, int]]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT r.id, n.guid, c.ord, r.ease, r.ivl FROM revlog r JOIN cards c ON c.id = r.cid "
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
        f"{SETTINGS_LINE}"
        "To use them here too: run again with --use-anki-settings.\n"
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
        entries = [e for e in answered if e[1] == note_guid("aws-mla", note) and e[2] == ordinal[variant]]
        mine = [(from_ms(rid), Rating(ease)) for rid, _, _, ease, _ in entries]
        replayed = scheduler.replay(mine, card.key)  # type: ignore[arg-type]
        assert replace(card.memory, due=None) == replace(replayed, due=None), (note, variant)
        if entries:  # due when Anki scheduled it
            moment, interval = from_ms(entries[-1][0]), entries[-1][4]
            assert moment is not None
            expected = moment + timedelta(seconds=-interval)
            if interval > 0:
                expected = day_begins(study_day(moment, time_of_day(4)) + interval, time_of_day(4))
            assert card.memory.due == expected, (note, variant)
        assert [r.reviewed_at for r in log if r.card == card.id] == [m[0] for m in mine]
    assert cards[("new-1", "card")].memory.reps == 0

    again = run("anki", "import-history", str(collection), "--home", str(home))
    assert again.exit_code == 0, again.output
    assert again.output == (
        f"0 new reviews added from 3 notes; {anki.answers} already imported; 0 card states recomputed.\n"
        "1 review of notes not exported by srscards was left out.\n"
        f"{SETTINGS_LINE}"
        "To use them here too: run again with --use-anki-settings.\n"
    )
    with Store.open(home) as store:
        assert len(store.log()) == anki.answers
        stats = compute_stats(store, Scheduler(Settings()), store.course_ids(), datetime.now(UTC))
    assert digest(collection) == before
    # the answers given in Anki count in the stats: all of them today, on new cards
    assert stats.reviews == anki.answers and stats.streak == 1 and stats.states.learning == 3


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


def test_an_empty_store_is_synced_and_ankis_settings_are_reported_and_used(anki, tmp_path):
    from anki.collection import Collection

    collection = shutil.copy(anki.collection, tmp_path / "collection.anki2")
    from fsrs_rs_python import DEFAULT_PARAMETERS

    params = [round(p * 1.03, 4) for p in DEFAULT_PARAMETERS]
    col = Collection(str(collection))
    try:
        conf = col.decks.config_dict_for_deck_id(col.decks.id_for_name(DECK_NAME))
        conf["desiredRetention"] = 0.85
        conf["fsrsParams6"] = params
        conf["easyDaysPercentages"] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]
        conf["rev"]["bury"] = True
        col.decks.update_config(conf)
        col.load_balancer_enabled = False
        col.set_config("rollover", 2)
        col.set_config("fsrs", True)
    finally:
        col.close()
    home = tmp_path / "home"
    result = run(
        "anki",
        "import-history",
        str(collection),
        "--home",
        str(home),
        "--decks",
        str(anki.decks),
        "--use-anki-settings",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"The review store was empty: synced aws-mla from {anki.decks}."
    assert lines[1].startswith(f"{anki.answers} new reviews added from 3 notes; 0 already imported;")
    assert lines[3:6] == [
        "Anki's settings (preset 'Default', FSRS on): FSRS parameters 21 fitted, desired retention 0.85, "
        "day starts at 02:00, load balancer off, easy days Sat reduced, Sun minimum, siblings buried: reviews.",
        f"Using them: written to {home / 'config.toml'}.",
        lines[5],
    ]
    assert re.fullmatch(r"\d+ card states recomputed from the log; (none moved|\d+ moved .*)\.", lines[5])
    from srscards.scheduling.config import load_settings

    settings = load_settings(home)
    assert settings.desired_retention == 0.85 and settings.day_start.hour == 2
    assert not settings.load_balancer and settings.easy_days == (1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0)
    assert settings.bury_reviews and not settings.bury_new and settings.learning_fuzz
    assert settings.parameters == pytest.approx(params, rel=1e-6)
    with Store.open(home) as store:
        cards = {c.key: c for c in store.cards(store.course_ids())}
        log = store.log()
    scheduler, default = Scheduler(settings), Scheduler(Settings())
    compared = 0
    for card in cards.values():
        answers = [(r.reviewed_at, r.rating) for r in log if r.card == card.id]
        if answers:
            # the states were computed with Anki's parameters, not the defaults
            assert card.memory.stability == scheduler.replay(answers, card.key).stability
            assert card.memory.stability != default.replay(answers, card.key).stability
            compared += 1
    assert compared == 4


def test_without_sources_an_empty_store_says_where_to_run(anki, tmp_path):
    result = run(
        "anki",
        "import-history",
        str(anki.collection),
        "--home",
        str(tmp_path / "home"),
        "--decks",
        str(tmp_path / "nowhere"),
    )
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {anki.collection}: the review store holds no courses yet; run the command from the folder that "
        "holds decks/, or give --decks PATH (the folder you built the Anki package from)\n"
    )


# -- hostile or unlucky collections ---------------------------------------------------------------------


def test_a_package_that_unpacks_past_the_limit_is_too_large_not_damaged(tmp_path, monkeypatch):
    import zstandard

    from srscards.study import anki_history

    monkeypatch.setattr(anki_history, "MAX_COLLECTION_BYTES", 8 * 1024 * 1024)
    bomb = tmp_path / "bomb.colpkg"
    with zipfile.ZipFile(bomb, "w") as archive:  # 64 MB of zeros in a few kilobytes
        archive.writestr("collection.anki21b", zstandard.ZstdCompressor().compress(b"\0" * (64 * 1024 * 1024)))
    plain = tmp_path / "plain.colpkg"
    with zipfile.ZipFile(plain, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", b"SQLite format 3\0" + b"\0" * (16 * 1024 * 1024))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    for package in (bomb, plain):
        result = run("anki", "import-history", str(package), "--home", str(tmp_path / "home"))
        assert result.exit_code == 1
        assert result.output == (
            f"Error: {package}: too large: the collection would unpack to more than 8 MB, which no real Anki "
            "collection needs; export the collection again from Anki\n"
        )
        assert list((tmp_path / "tmp").iterdir()) == []  # what was unpacked is gone


def test_impossible_revlog_ids_and_negative_durations_are_left_out_or_clamped(anki, tmp_path):
    collection = shutil.copy(anki.collection, tmp_path / "collection.anki2")
    with sqlite3.connect(collection) as db:
        cid, usn = db.execute("SELECT cid, usn FROM revlog ORDER BY id LIMIT 1").fetchone()
        row = (
            "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            "VALUES (?, ?, ?, 3, 1, 0, 0, ?, 1)"
        )
        db.execute(row, (300_000_000_000_000, cid, usn, 5000))  # year 11476
        db.execute(row, (-5, cid, usn, 5000))
        db.execute("UPDATE revlog SET time = -1000 WHERE id = (SELECT max(id) FROM revlog WHERE id < 3e14)")
    home = synced_home(tmp_path, anki.decks)
    result = run("anki", "import-history", str(collection), "--home", str(home))
    assert result.exit_code == 0, result.output
    assert "2 reviews with an impossible time (before 2006 or after year 9999) left out." in result.output
    with Store.open(home) as store:
        durations = [r.duration_ms for r in store.log()]
    assert durations and min(durations) >= 0


def test_an_unknown_collection_schema_is_refused(anki, tmp_path):
    collection = shutil.copy(anki.collection, tmp_path / "collection.anki2")
    with sqlite3.connect(collection) as db:
        db.execute("UPDATE col SET ver = 99")
    result = run("anki", "import-history", str(collection), "--home", str(synced_home(tmp_path, anki.decks)))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {collection}: unknown Anki collection schema version 99 (this srscards reads 11 to 18); open it "
        "in a current Anki and export a .colpkg, or update srscards\n"
    )


def test_a_collection_with_a_held_write_lock_is_refused(anki, tmp_path):
    collection = shutil.copy(anki.collection, tmp_path / "collection.anki2")
    home = synced_home(tmp_path, anki.decks)
    holder = sqlite3.connect(collection, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = run("anki", "import-history", str(collection), "--home", str(home))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "the collection is open in Anki (it is locked); close Anki or switch profiles" in result.output


def test_an_answer_given_in_srscards_keeps_its_due_date_through_an_import(anki, tmp_path):
    """A card answered in srscards after its Anki answers keeps the day srscards gave it (which the load
    balancer may have picked inside the fuzz range), as an answer given in Anki keeps Anki's."""
    from srscards.scheduling.scheduler import State
    from srscards.study.anki_history import import_history

    start = datetime.now(UTC) + timedelta(hours=1)
    first = synced_home(tmp_path / "a", anki.decks)
    import_history(anki.collection, first, Settings(), start)
    with Store.open(first) as store:
        card = next(c for c in store.cards(store.course_ids()) if c.memory.state is not State.NEW)
    later = start + timedelta(days=3)
    given = Scheduler(Settings()).answer(card.memory, Rating.GOOD, later, card.key)
    assert given.due is not None
    moved = replace(given, due=given.due + timedelta(days=1))  # a day the load balancer could have picked
    home = synced_home(tmp_path / "b", anki.decks)
    with Store.open(home) as store:
        assert store.record_answer(store.card(card.id), moved, Rating.GOOD, later, 4000) is not None
    import_history(anki.collection, home, Settings(), later + timedelta(hours=1))
    with Store.open(home) as store:
        after = store.card(card.id).memory
    assert after.state is given.state and after.due == moved.due
    assert after.stability == pytest.approx(given.stability, rel=1e-9)
