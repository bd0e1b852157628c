"""The review store: one SQLite file with every card's state and the append-only review log.

Cards are keyed by course, note id and variant (`forward`, `c2`, ...). The log is the record:
a card's state columns are a copy of the state after its last answer that was not undone,
and can always be computed again from the log. Rows of the log are never changed or deleted
(triggers refuse it); an undo is a row in `undone`.

Every write is one transaction; the file runs in WAL mode, so an answer is on disk before the
next card is shown, a killed process leaves a consistent file, and two sessions can share it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from srscards.errors import SrsError
from srscards.model.card import CourseSources
from srscards.scheduling.scheduler import Memory, Rating, State, from_ms, to_ms
from srscards.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from srscards.store.records import (
    CardSummary,
    ExamRecord,
    ImportedAnswer,
    LabCompletion,
    LoggedReview,
    Orphan,
    ParameterSet,
    ReviewRow,
    StoredCard,
    SyncReport,
    note_content,
    row_to_card,
)

STORE_FILE = "review.sqlite3"
ORIGINS = ("review", "exam", "import")

_SQLITE_HEADER = b"SQLite format 3\x00"
_CARD_COLUMNS = (
    "id, course, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
    "state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried_day"
)


class StoreError(SrsError):
    """The review store cannot be used as it is; it is left untouched."""


class Store:
    """An open review store. Use `Store.open(home)`; close it when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    @classmethod
    def open(cls, home: Path) -> Store:
        """Open (or create) the store in `home`, bringing its schema up to date.

        A file that is not a database, is damaged, or comes from a newer srscards is refused
        with StoreError and never written to.
        """
        path = home / STORE_FILE
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            with path.open("rb") as fh:
                if fh.read(16) != _SQLITE_HEADER:
                    raise StoreError(_corrupt_message(path, "it is not an SQLite database"))
        else:
            home.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the review store ({exc}); check the folder's permissions") from exc
        store = cls(path, conn)
        try:
            with store._guard():
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{path} was written by a newer srscards (store version {version}, this one reads up to "
                        f"{SCHEMA_VERSION}); upgrade srscards (pip install -U srscards) to use it"
                    )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
                if version < SCHEMA_VERSION:
                    store.migrate(SCHEMA_VERSION)
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"{self.path}: the review store stayed locked by another srscards process; try again"
                ) from exc
            raise StoreError(_corrupt_message(self.path, str(exc))) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(_corrupt_message(self.path, str(exc))) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so two sessions queue instead of failing."""
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # -- schema -------------------------------------------------------------------------

    @property
    def version(self) -> int:
        with self._guard():
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Apply the numbered migrations after the current version, up to `target`, each in one transaction."""
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                current = self._conn.execute("PRAGMA user_version").fetchone()[0]
                for number in range(current + 1, target + 1):
                    for statement in statements(MIGRATIONS[number - 1]):
                        self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {number}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def integrity(self) -> str:
        with self._guard():
            return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    # -- sync with the sources ----------------------------------------------------------

    def source_fingerprint(self, root: str) -> tuple[str, list[str]] | None:
        """The fingerprint and course ids of a source folder at its last sync."""
        with self._guard():
            row = self._conn.execute("SELECT fingerprint, courses FROM source_roots WHERE root = ?", (root,)).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def sync(
        self, courses: Sequence[CourseSources], now: datetime, root: str = "", fingerprint: str = ""
    ) -> SyncReport:
        """Match the store to the sources: add new cards, update edited ones, retire removed ones.

        Cards are matched by course, id and variant; state and history stay with the id.
        Retired cards keep their rows and history and come back if their id returns.
        """
        now_ms = to_ms(now)
        added = updated = retired = revived = 0
        with self._write() as db:
            for sources in courses:
                course = sources.course.id
                existing = {
                    (r[1], r[2]): r
                    for r in db.execute(
                        "SELECT id, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
                        "retired_at FROM cards WHERE course = ?",
                        (course,),
                    )
                }
                digests = dict(db.execute("SELECT note, digest FROM notes WHERE course = ?", (course,)).fetchall())
                seen = set()
                edited: set[str] = set()
                position = 0
                resolved: dict[Path, str] = {}
                for card in sources.cards:
                    digest = card.digest or json.dumps(note_content(card), sort_keys=True)
                    if card.id in digests and digests[card.id] != digest:
                        edited.add(card.id)
                    if digests.get(card.id) != digest:
                        db.execute(
                            "INSERT OR REPLACE INTO notes (course, note, digest, content) VALUES (?, ?, ?, ?)",
                            (course, card.id, digest, json.dumps(note_content(card))),
                        )
                    for variant in card.variants:
                        position += 1
                        seen.add((card.id, variant))
                        values = (
                            str(card.type),
                            card.deck,
                            card.domain,
                            " ".join(card.tasks),
                            " ".join(card.tags),
                            card.exam,
                            resolved.get(card.location.path) or _resolved(resolved, card.location.path),
                            card.location.line,
                            position,
                        )
                        row = existing.get((card.id, variant))
                        if row is None:
                            db.execute(
                                "INSERT INTO cards (course, note, variant, type, deck, domain, tasks, tags, exam, "
                                "path, line, position, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (course, card.id, variant, *values, now_ms),
                            )
                            added += 1
                        elif tuple(row[3:12]) != values or row[12] is not None:
                            db.execute(
                                "UPDATE cards SET type = ?, deck = ?, domain = ?, tasks = ?, tags = ?, exam = ?, "
                                "path = ?, line = ?, position = ?, retired_at = NULL WHERE id = ?",
                                (*values, row[0]),
                            )
                            if row[12] is not None:
                                revived += 1
                            elif tuple(row[3:9]) != values[:6]:
                                edited.add(card.id)
                gone = [r[0] for key, r in existing.items() if key not in seen and r[12] is None]
                db.executemany("UPDATE cards SET retired_at = ? WHERE id = ?", [(now_ms, i) for i in gone])
                retired += len(gone)
                updated += len(edited)
            if root:
                db.execute(
                    "INSERT OR REPLACE INTO source_roots (root, fingerprint, courses, synced_at) VALUES (?, ?, ?, ?)",
                    (root, fingerprint, json.dumps([s.course.id for s in courses]), now_ms),
                )
        return SyncReport(added, updated, retired, revived)

    # -- reading --------------------------------------------------------------------------

    def cards(self, courses: Sequence[str], include_retired: bool = False) -> list[StoredCard]:
        """Every card of the given courses (retired ones only when asked)."""
        marks = ",".join("?" * len(courses))
        retired = "" if include_retired else " AND retired_at IS NULL"
        with self._guard():
            query = f"SELECT {_CARD_COLUMNS} FROM cards WHERE course IN ({marks}){retired} ORDER BY position"
            rows = self._conn.execute(query, tuple(courses)).fetchall()
        return [row_to_card(r) for r in rows]

    def due_cards(self, courses: Sequence[str], before: datetime) -> list[StoredCard]:
        """Cards in learning or review, due before `before`, neither suspended nor retired."""
        marks = ",".join("?" * len(courses))
        query = (
            f"SELECT {_CARD_COLUMNS} FROM cards INDEXED BY cards_due WHERE state > 0 AND due < ? "
            f"AND retired_at IS NULL AND suspended = 0 AND course IN ({marks})"
        )
        with self._guard():
            rows = self._conn.execute(query, (to_ms(before), *courses)).fetchall()
        return [row_to_card(r) for r in rows]

    def new_cards(self, courses: Sequence[str]) -> Iterator[StoredCard]:
        """New cards in source order, read as they are taken (a day needs only a few of them)."""
        for course in courses:
            query = (
                f"SELECT {_CARD_COLUMNS} FROM cards INDEXED BY cards_new WHERE course = ? AND state = 0 "
                "AND retired_at IS NULL AND suspended = 0 ORDER BY position"
            )
            with self._guard():
                cursor = self._conn.execute(query, (course,))
            while True:
                with self._guard():
                    rows = cursor.fetchmany(64)
                if not rows:
                    break
                yield from (row_to_card(r) for r in rows)

    def card(self, card_id: int) -> StoredCard:
        with self._guard():
            row = self._conn.execute(f"SELECT {_CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: card {card_id} is not in the store")
        return row_to_card(row)

    def content(self, course: str, note: str) -> dict[str, Any]:
        with self._guard():
            query = "SELECT content FROM notes WHERE course = ? AND note = ?"
            row = self._conn.execute(query, (course, note)).fetchone()
        return {} if row is None else json.loads(row[0])

    def answered_between(self, start: datetime, end: datetime) -> list[tuple[int, str, str, State]]:
        """(card, course, note, state before) of each answer in [start, end) that was not undone."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT r.card, c.course, c.note, r.state_before FROM reviews r JOIN cards c ON c.id = r.card "
                "WHERE r.reviewed_at >= ? AND r.reviewed_at < ? AND r.id NOT IN (SELECT review FROM undone)",
                (to_ms(start), to_ms(end)),
            ).fetchall()
        return [(r[0], r[1], r[2], State(json.loads(r[3])["state"])) for r in rows]

    def log(self, card_id: int | None = None) -> list[LoggedReview]:
        """The review log (oldest first), without undone answers; one card's when `card_id` is given."""
        where = "WHERE r.id NOT IN (SELECT review FROM undone)"
        args: tuple[Any, ...] = ()
        if card_id is not None:
            where += " AND r.card = ?"
            args = (card_id,)
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, card, reviewed_at, rating, duration_ms, origin, state_before, state_after "
                f"FROM reviews r {where} ORDER BY r.id",
                args,
            ).fetchall()
        return [
            LoggedReview(
                r[0],
                r[1],
                from_ms(r[2]),  # type: ignore[arg-type]
                Rating(r[3]),
                r[4],
                r[5],
                Memory.from_json(json.loads(r[6])),
                Memory.from_json(json.loads(r[7])),
            )
            for r in rows
        ]

    def course_ids(self) -> list[str]:
        """Every course with cards in the store."""
        with self._guard():
            return [r[0] for r in self._conn.execute("SELECT DISTINCT course FROM cards ORDER BY course")]

    def review_rows(self) -> list[ReviewRow]:
        """The log without undone answers, in the order written, with the few fields metrics need.

        Answers imported from Anki are written after answers given later in the terminal: sort
        by time (the second field) where order matters.

        The state before each answer is read inside SQLite, so a long log is read without
        decoding every row's JSON in Python.
        """
        with self._guard():
            rows = self._conn.execute(
                "SELECT card, reviewed_at, rating, coalesce(duration_ms, -1), json_extract(state_before, '$.state'), "
                "coalesce(json_extract(state_before, '$.stability'), 0.0), "
                "coalesce(json_extract(state_before, '$.due'), -1), "
                "coalesce(json_extract(state_before, '$.last_review'), -1) "
                "FROM reviews WHERE id NOT IN (SELECT review FROM undone) ORDER BY id"
            ).fetchall()
        return rows

    def card_summaries(self, courses: Sequence[str]) -> list[CardSummary]:
        """Every card of `courses`, retired ones included, with only what metrics need."""
        marks = ",".join("?" * len(courses))
        with self._guard():
            return self._conn.execute(
                "SELECT id, domain, tasks, state, stability, due, last_review, suspended, retired_at IS NOT NULL "
                f"FROM cards WHERE course IN ({marks})",
                tuple(courses),
            ).fetchall()

    def orphans(self) -> list[Orphan]:
        """Cards whose id left the sources: kept with their history, never shown."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT c.course, c.note, c.variant, c.path, c.line, c.retired_at, "
                "(SELECT count(*) FROM reviews r WHERE r.card = c.id AND r.id NOT IN (SELECT review FROM undone)) "
                "FROM cards c WHERE c.retired_at IS NOT NULL ORDER BY c.course, c.path, c.line, c.variant"
            ).fetchall()
        return [Orphan(r[0], r[1], r[2], r[3], r[4], from_ms(r[5]), r[6]) for r in rows]  # type: ignore[arg-type]

    # -- writing --------------------------------------------------------------------------

    def record_answer(
        self,
        card: StoredCard,
        after: Memory,
        rating: Rating,
        at: datetime,
        duration_ms: int | None,
        origin: str = "review",
    ) -> int | None:
        """Log an answer and store the card's new state, in one transaction.

        Returns the review id, or None when the card changed since `card` was read (another
        session answered it first): then nothing is written, so no answer counts twice.
        """
        if origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}")
        before = card.memory
        with self._write() as db:
            changed = db.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ? AND reps = ? AND last_review IS ?",
                (*_memory_values(after), card.id, before.reps, to_ms(before.last_review)),
            ).rowcount
            if not changed:
                return None
            cursor = db.execute(
                "INSERT INTO reviews (card, reviewed_at, rating, duration_ms, origin, state_before, state_after) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    card.id,
                    to_ms(at),
                    int(rating),
                    duration_ms,
                    origin,
                    json.dumps(before.to_json()),
                    json.dumps(after.to_json()),
                ),
            )
            return cursor.lastrowid

    def undo(self, review_id: int, now: datetime) -> Memory | None:
        """Take back an answer: the card returns to its state before it; the log records the undo.

        Only the card's latest answer can be undone; returns None if it is no longer the latest.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT card, state_before, state_after FROM reviews WHERE id = ? AND id NOT IN "
                "(SELECT review FROM undone)",
                (review_id,),
            ).fetchone()
            if row is None:
                return None
            latest = db.execute(
                "SELECT max(id) FROM reviews WHERE card = ? AND id NOT IN (SELECT review FROM undone)", (row[0],)
            ).fetchone()[0]
            if latest != review_id:
                return None
            before = Memory.from_json(json.loads(row[1]))
            db.execute("INSERT INTO undone (review, undone_at) VALUES (?, ?)", (review_id, to_ms(now)))
            db.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ?",
                (*_memory_values(before), row[0]),
            )
        return before

    def bury(self, card_id: int, until_day: int) -> None:
        """Hide a card until study day `until_day` begins."""
        with self._write() as db:
            db.execute("UPDATE cards SET buried_day = ? WHERE id = ?", (until_day, card_id))

    def set_suspended(self, card_id: int, suspended: bool = True) -> None:
        with self._write() as db:
            db.execute("UPDATE cards SET suspended = ? WHERE id = ?", (int(suspended), card_id))

    def set_memory(self, card_id: int, memory: Memory) -> None:
        """Overwrite a card's state columns (used when recomputing them from the log)."""
        with self._write() as db:
            db.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ?",
                (*_memory_values(memory), card_id),
            )

    # -- reviews from Anki -------------------------------------------------------------

    def anki_revlog_ids(self) -> set[int]:
        """Anki revlog ids whose answers are already in the log."""
        with self._guard():
            return {r[0] for r in self._conn.execute("SELECT revlog_id FROM anki_reviews")}

    def record_imported(self, answers: Sequence[ImportedAnswer], states: dict[int, Memory]) -> int:
        """Add answers given in Anki (origin `import`) and set the cards' states, in one transaction.

        An answer whose Anki revlog id is already recorded is skipped; returns how many were added.
        """
        added = 0
        with self._write() as db:
            for a in answers:
                if db.execute("SELECT 1 FROM anki_reviews WHERE revlog_id = ?", (a.revlog_id,)).fetchone():
                    continue
                cursor = db.execute(
                    "INSERT INTO reviews (card, reviewed_at, rating, duration_ms, origin, state_before, state_after) "
                    "VALUES (?, ?, ?, ?, 'import', ?, ?)",
                    (
                        a.card,
                        to_ms(a.reviewed_at),
                        int(a.rating),
                        a.duration_ms,
                        json.dumps(a.before.to_json()),
                        json.dumps(a.after.to_json()),
                    ),
                )
                db.execute(
                    "INSERT INTO anki_reviews (revlog_id, review) VALUES (?, ?)", (a.revlog_id, cursor.lastrowid)
                )
                added += 1
            for card_id, memory in states.items():
                db.execute(
                    "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                    "reps = ?, lapses = ? WHERE id = ?",
                    (*_memory_values(memory), card_id),
                )
        return added

    # -- FSRS parameters ----------------------------------------------------------------

    def record_parameters(
        self, parameters: Sequence[float], since: datetime, reviews: int, log_loss: float, rmse_bins: float
    ) -> None:
        """Put fitted FSRS parameters in force from `since`; the earlier ones stay on record."""
        with self._write() as db:
            db.execute(
                "INSERT INTO fsrs_parameters (parameters, since, reviews, log_loss, rmse_bins) VALUES (?, ?, ?, ?, ?)",
                (json.dumps([float(p) for p in parameters]), to_ms(since), reviews, log_loss, rmse_bins),
            )

    def parameter_history(self) -> list[ParameterSet]:
        """Every set of fitted parameters, oldest first; the last one is in force."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT parameters, since, reviews, log_loss, rmse_bins FROM fsrs_parameters ORDER BY since, id"
            ).fetchall()
        return [ParameterSet(tuple(json.loads(r[0])), from_ms(r[1]), r[2], r[3], r[4]) for r in rows]  # type: ignore[arg-type]

    # -- labs ---------------------------------------------------------------------------

    def record_lab(self, lab: str, target: str, now: datetime) -> None:
        """Record that every step of a lab passed on `target` ("emulator" or "aws") at `now` (UTC)."""
        with self._write() as db:
            db.execute("INSERT INTO lab_runs (lab, target, completed_at) VALUES (?, ?, ?)", (lab, target, to_ms(now)))

    def lab_completions(self, lab: str | None = None) -> list[LabCompletion]:
        """Completed lab runs, oldest first; only those of `lab` when given."""
        query = "SELECT lab, target, completed_at FROM lab_runs"
        args: tuple[str, ...] = ()
        if lab is not None:
            query, args = query + " WHERE lab = ?", (lab,)
        with self._guard():
            rows = self._conn.execute(query + " ORDER BY completed_at, id", args).fetchall()
        return [LabCompletion(name, target, from_ms(ms)) for name, target, ms in rows]  # type: ignore[arg-type]

    # -- practice exams and the study plan ------------------------------------------------

    def record_exam(
        self,
        course: str,
        profile: str,
        mode: str,
        started: datetime,
        finished: datetime,
        result: dict[str, Any],
    ) -> int:
        """Keep a finished exam (`result` is its JSON form, with every question and answer)."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO exams (course, profile, mode, started_at, finished_at, correct, total, seconds_used, "
                "limit_seconds, timed_out, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    course,
                    profile,
                    mode,
                    to_ms(started),
                    to_ms(finished),
                    result["correct"],
                    result["total"],
                    result["seconds_used"],
                    result["limit_seconds"],
                    int(result["timed_out"]),
                    json.dumps(result),
                ),
            )
            return int(cursor.lastrowid or 0)

    def exams(self, course: str) -> list[ExamRecord]:
        """The exams of a course, oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, profile, mode, started_at, finished_at, result FROM exams WHERE course = ? "
                "ORDER BY finished_at, id",
                (course,),
            ).fetchall()
        return [
            ExamRecord(r[0], course, r[1], r[2], from_ms(r[3]), from_ms(r[4]), json.loads(r[5]))  # type: ignore[arg-type]
            for r in rows
        ]

    def save_plan(self, course: str, exam_date: str, plan: dict[str, Any], now: datetime) -> None:
        """Store the study plan of a course, replacing the previous one."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO study_plans (course, created_at, exam_date, plan) VALUES (?, ?, ?, ?)",
                (course, to_ms(now), exam_date, json.dumps(plan)),
            )

    def plan(self, course: str) -> dict[str, Any] | None:
        """The stored study plan of a course, or None."""
        with self._guard():
            row = self._conn.execute("SELECT plan FROM study_plans WHERE course = ?", (course,)).fetchone()
        return None if row is None else json.loads(row[0])


def _resolved(cache: dict[Path, str], path: Path) -> str:
    cache[path] = str(path.resolve())
    return cache[path]


def _memory_values(memory: Memory) -> tuple[Any, ...]:
    return (
        int(memory.state),
        memory.step,
        memory.stability,
        memory.difficulty,
        to_ms(memory.due),
        to_ms(memory.last_review),
        memory.reps,
        memory.lapses,
    )


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"{path}: the review store is damaged ({detail}); it was left untouched. Move it aside to start a new "
        "store, or restore a backup"
    )
