"""The review store: migrations, refusing damaged or newer files, syncing with the sources, the log."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deck_fixture import demo_deck
from srscards.errors import SrsError
from srscards.install import install_command
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State
from srscards.sources.load import load_checked
from srscards.store.migrations import MIGRATIONS, SCHEMA_VERSION
from srscards.store.store import STORE_FILE, Store, StoreError
from srscards.study.review import ReviewSession
from srscards.study.workspace import open_course

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
DECK = demo_deck(
    """\
### Stratified split
<!-- {id: rev-1, type: reversible} -->

Keeps the class proportions in every part.
""",
)

TABLES = {
    1: {"cards", "notes", "reviews"},
    2: {"cards", "notes", "reviews", "undone", "source_roots"},
    3: {"cards", "notes", "reviews", "undone", "source_roots"},
    4: {"cards", "notes", "reviews", "undone", "source_roots", "lab_runs"},
    5: {"cards", "notes", "reviews", "undone", "source_roots", "lab_runs", "anki_reviews", "fsrs_parameters"},
    6: {
        "cards",
        "notes",
        "reviews",
        "undone",
        "source_roots",
        "lab_runs",
        "anki_reviews",
        "fsrs_parameters",
        "exams",
        "study_plans",
    },
}
TABLES[7] = TABLES[6]  # 7 changes the form of the note content, not the tables
TABLES[8] = TABLES[7] | {"paused_exams"}
TABLES[9] = TABLES[8] | {"card_actions", "undone_actions", "remembered"}
TABLES[10] = TABLES[9] | {"resets"}
TABLES[11] = TABLES[10]  # 11 adds an index
TABLES[12] = TABLES[11] | {"answer_columns"}
TABLES[13] = TABLES[12]  # 13 adds an index


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.parametrize("number", range(1, SCHEMA_VERSION + 1))
def test_each_migration_applies_to_a_blank_file(tmp_path, number):
    path = tmp_path / "blank.sqlite3"
    store = Store(path, sqlite3.connect(path, isolation_level=None))
    store.migrate(number)
    assert store.version == number
    assert store.integrity() == "ok"
    store.close()
    assert tables(path) == TABLES[number]


def test_every_migration_is_listed_for_the_tests():
    assert set(TABLES) == set(range(1, len(MIGRATIONS) + 1))


def test_opening_an_old_store_migrates_it_and_keeps_its_data(tmp_path, course):
    course.write("d1.md", DECK)
    path = tmp_path / STORE_FILE
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(1)
    old._conn.execute(
        "INSERT INTO cards (course, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
        "added_at) VALUES ('aws-mla', 'fmt-1', 'card', 'basic', 'D', 1, '1.1', '', 'both', 'd1.md', 7, 1, 0)"
    )
    old.close()
    with Store.open(tmp_path) as store:
        assert store.version == SCHEMA_VERSION
        cards = store.cards(["aws-mla"])
        assert [(c.note, c.variant, c.memory.state) for c in cards] == [("fmt-1", "card", State.NEW)]


def test_a_store_of_the_previous_release_migrates_its_note_content_to_the_card_model(tmp_path, course):
    """Release 6 kept a display-only dict per note; it becomes a card the terminal can show at once,
    and the next sync writes the whole card without counting the note as edited."""
    course.write("d1.md", DECK)
    path = tmp_path / STORE_FILE
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(6)
    fmt = next(c for c in load_checked(course.root)[0].cards if c.id == "fmt-1")
    old._conn.execute(
        "INSERT INTO cards (course, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
        "added_at) VALUES ('aws-mla', 'fmt-1', 'card', 'basic', ?, 1, '1.1', '', 'both', ?, ?, 1, 0)",
        (fmt.deck, str(fmt.location.path.resolve()), fmt.location.line),
    )
    old._conn.execute(
        "INSERT INTO notes (course, note, digest, content) VALUES ('aws-mla', 'fmt-1', 'old-digest', ?)",
        (
            json.dumps(
                {"type": "basic", "title": "Columnar format?", "prompt": "", "answer": "Parquet.", "extra": "",
                 "options": [], "steps": [], "pairs": [], "pair_headers": ["", ""], "source": "", "path": "d1.md",
                 "line": 7}
            ),
        ),
    )  # fmt: skip
    old.close()
    with Store.open(tmp_path) as store:
        assert store.version == SCHEMA_VERSION
        card = store.content("aws-mla", "fmt-1")
        assert (card.type, card.title.md, card.answer.md) == ("basic", "Columnar format?", "Parquet.")
        report = store.sync(load_checked(course.root), datetime(2026, 9, 1, tzinfo=UTC))
        assert report.updated == 0  # refreshed content is not an edit
        assert store.content("aws-mla", "fmt-1").answer.html.startswith("<p>")


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / STORE_FILE
    path.write_bytes(b"these are my notes, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path)
    assert str(info.value) == (
        f"{path}: the review store is damaged (it is not an SQLite database); it was left untouched. "
        "Run `srscards restore` to put back a backup, or move the file aside to start a new store"
    )
    assert path.read_bytes() == before


def test_a_damaged_database_is_refused_and_left_untouched(tmp_path, course):
    course.write("d1.md", DECK)
    with Store.open(tmp_path) as store:
        store.sync(load_checked(course.root), NOW)
    path = tmp_path / STORE_FILE
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page + 100 : page * 3] = b"\xff" * (page * 2 - 100)  # overwrite most of pages 2 and 3
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        ReviewSession.start(course.root, tmp_path)  # opens, syncs and builds the queue: reads before it writes
    assert str(info.value).startswith(f"{path}: the review store is damaged (")
    assert str(info.value).endswith(
        "it was left untouched. Run `srscards restore` to put back a backup, or move the file aside to start a "
        "new store"
    )
    assert path.read_bytes() == bytes(data)


def test_a_store_from_a_newer_version_is_refused_and_left_untouched(tmp_path):
    Store.open(tmp_path).close()
    path = tmp_path / STORE_FILE
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StoreError) as info:
        Store.open(tmp_path)
    assert str(info.value) == (
        f"{path} was written by a newer srscards (store version {SCHEMA_VERSION + 1}, this one reads up to "
        f"{SCHEMA_VERSION}); upgrade srscards ({install_command(upgrade=True)}) to use it"
    )
    assert path.read_bytes() == before


def test_the_review_log_is_append_only(tmp_path, course):
    course.write("d1.md", DECK)
    with Store.open(tmp_path) as store:
        store.sync(load_checked(course.root), NOW)
        card = store.cards(["aws-mla"])[0]
        after = Scheduler(Settings()).answer(card.memory, Rating.GOOD, NOW, card.key)
        assert store.record_answer(card, after, Rating.GOOD, NOW, 1500) is not None
        for statement in ("UPDATE reviews SET rating = 1", "DELETE FROM reviews"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                store._conn.execute(statement)
        assert len(store.log()) == 1


def test_sync_adds_keeps_retires_and_revives_cards_by_id(tmp_path, course):
    deck = course.write("d1.md", DECK)
    scheduler = Scheduler(Settings(fuzz=False))
    with Store.open(tmp_path) as store:
        report = store.sync(load_checked(course.root), NOW)
        assert (report.added, report.updated, report.retired) == (5, 0, 0)
        cards = {c.key.split("/", 1)[1]: c for c in store.cards(["aws-mla"])}
        assert sorted(cards) == ["clz-1/c1", "clz-1/c2", "fmt-1/card", "rev-1/forward", "rev-1/reverse"]
        assert all(c.memory == Memory() for c in cards.values())
        card = cards["fmt-1/card"]
        after = scheduler.answer(card.memory, Rating.GOOD, NOW, card.key)
        store.record_answer(card, after, Rating.GOOD, NOW, 2000)

        # edit the answer and move the card below another: same id, same state and history
        edited = DECK.replace("Parquet.", "Apache Parquet (or ORC).")
        edited = edited.replace(
            "### Which format", "### Stratified split!\n<!-- id: new-1 -->\n\nNew.\n\n### Which format"
        )
        deck.write_text(edited)
        report = store.sync(load_checked(course.root), NOW + timedelta(minutes=5))
        assert (report.added, report.updated, report.retired) == (1, 1, 0)  # the moved cards are not edits
        moved = next(c for c in store.cards(["aws-mla"]) if c.note == "fmt-1")
        assert moved.memory == after and moved.line == 12
        assert store.content("aws-mla", "fmt-1").answer.md == "Apache Parquet (or ORC)."
        assert [r.rating for r in store.log(moved.id)] == [Rating.GOOD]

        # remove it: retired, never deleted, listed as an orphan with its history
        deck.write_text(edited.replace("### Which format lets Athena read only some columns?\n<!-- id: fmt-1 -->", ""))
        report = store.sync(load_checked(course.root), NOW + timedelta(days=1))
        assert report.retired == 1
        assert "fmt-1" not in {c.note for c in store.cards(["aws-mla"])}
        orphans = store.orphans()
        assert [(o.note, o.variant, o.reviews) for o in orphans] == [("fmt-1", "card", 1)]
        assert orphans[0].retired_at == NOW + timedelta(days=1)

        # it comes back: same state again
        deck.write_text(edited)
        report = store.sync(load_checked(course.root), NOW + timedelta(days=2))
        assert report.revived == 1 and store.orphans() == []
        assert next(c for c in store.cards(["aws-mla"]) if c.note == "fmt-1").memory == after


def test_state_is_recomputable_from_the_log_and_undo_is_recorded(tmp_path, course):
    course.write("d1.md", DECK)
    scheduler = Scheduler(Settings(), seed=7)
    with Store.open(tmp_path) as store:
        store.sync(load_checked(course.root), NOW)
        at = NOW
        for rating in (Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD):
            card = store.cards(["aws-mla"])[0]
            after = scheduler.answer(card.memory, rating, at, card.key)
            review = store.record_answer(card, after, rating, at, 1000)
            at = max(after.due, at + timedelta(minutes=1))  # type: ignore[type-var]
        card = store.cards(["aws-mla"])[0]
        assert store.undo(review, at) is not None  # type: ignore[arg-type]
        assert store.undo(review, at) is None  # once only
        undone = store.cards(["aws-mla"])[0]
        assert undone.memory.reps == card.memory.reps - 1
        log = store.log(card.id)
        assert len(log) == 5 and store._conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 6
        replayed = scheduler.replay([(r.reviewed_at, r.rating) for r in log], card.key)
        assert replayed == undone.memory
        assert all(r.origin == "review" for r in log)


def test_a_stale_answer_is_not_written(tmp_path, course):
    """Two sessions hold the same card; the second answer finds it changed and writes nothing."""
    course.write("d1.md", DECK)
    scheduler = Scheduler(Settings())
    with Store.open(tmp_path) as one, Store.open(tmp_path) as two:
        one.sync(load_checked(course.root), NOW)
        card_one, card_two = one.cards(["aws-mla"])[0], two.cards(["aws-mla"])[0]
        after = scheduler.answer(card_one.memory, Rating.GOOD, NOW, card_one.key)
        assert one.record_answer(card_one, after, Rating.GOOD, NOW, 100) is not None
        assert two.record_answer(card_two, after, Rating.GOOD, NOW, 100) is None
        assert len(two.log()) == 1


def test_recompute_restores_states_from_the_log_and_origins_are_kept(tmp_path, course):
    from srscards.study.recompute import recompute_states

    course.write("d1.md", DECK)
    scheduler = Scheduler(Settings(), seed=3)
    with Store.open(tmp_path) as store:
        store.sync(load_checked(course.root), NOW)
        first, second = store.cards(["aws-mla"])[:2]
        store.record_answer(first, scheduler.answer(first.memory, Rating.GOOD, NOW, first.key), Rating.GOOD, NOW, 900)
        exam = scheduler.answer(second.memory, Rating.AGAIN, NOW, second.key)
        store.record_answer(second, exam, Rating.AGAIN, NOW, None, origin="exam")
        with pytest.raises(ValueError, match="origin must be one of"):
            store.record_answer(second, exam, Rating.AGAIN, NOW, None, origin="guess")
        expected = {c.id: c.memory for c in store.cards(["aws-mla"])}
        store._conn.execute("UPDATE cards SET state = 0, stability = NULL, reps = 0, due = NULL, last_review = NULL")
        report = recompute_states(store, scheduler, ["aws-mla"], NOW)
        assert (report.moved, report.median_change, report.max_change) == (2, 1.0, 1.0)
        assert {c.id: c.memory for c in store.cards(["aws-mla"])} == expected
        # new parameters move the memory, not the due dates (as Anki without "reschedule on change")
        from fsrs_rs_python import DEFAULT_PARAMETERS

        other = Scheduler(Settings(parameters=tuple(p * 1.05 for p in DEFAULT_PARAMETERS)), seed=3)
        moved = recompute_states(store, other, ["aws-mla"], NOW)
        after = {c.id: c.memory for c in store.cards(["aws-mla"])}
        assert moved.moved == 2 and 0 < moved.median_change <= moved.max_change
        for i in (first.id, second.id):
            assert after[i].due == expected[i].due and after[i].stability != expected[i].stability
        assert recompute_states(store, scheduler, ["aws-mla"], NOW).moved == 2
        again = recompute_states(store, scheduler, ["aws-mla"], NOW)
        assert (again.moved, again.describe()) == (
            0,
            f"{again.cards} card states recomputed from the log; none moved.",
        )
        assert [r.origin for r in store.log()] == ["review", "exam"]


def test_exams_and_plans_refuse_a_folder_of_several_courses_instead_of_taking_the_first(course, tmp_path):
    course.write("d1.md", DECK)
    other = course.root / "second"
    other.mkdir()
    (other / "course.yaml").write_text((course.path / "course.yaml").read_text().replace("id: aws-mla", "id: other"))
    (other / "d1.md").write_text(DECK)
    with pytest.raises(SrsError) as info:
        open_course(course.root, tmp_path / "home", datetime(2026, 9, 1, tzinfo=UTC))
    assert str(info.value) == (
        f"{course.root} holds 2 courses ({course.path}, {other}); give the folder of one, e.g. {course.path}"
    )
    with open_course(course.path, tmp_path / "home", datetime(2026, 9, 1, tzinfo=UTC)).store:
        pass  # one course folder opens
