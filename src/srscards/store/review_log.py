"""The append-only review log: answers, undos and the answers imported from Anki."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from srscards.clock import MAX_ANSWER_MS
from srscards.scheduling.scheduler import Memory, Rating, State, from_ms, to_ms
from srscards.store.base import ORIGINS, StoreBase, StoreError, memory_values
from srscards.store.records import (
    ImportedAnswer,
    LoggedReview,
    ReviewRow,
    StoredCard,
)

if TYPE_CHECKING:
    import numpy as np

# The numbers of each answer that metrics read, with their numpy types, in the order they are packed
# into `answer_columns`. Times are Unix milliseconds; the state before the answer is its state,
# stability, due and last review (-1, or 0.0 for stability, where it has none); `kind` is the Anki
# revlog type of an imported answer (-1 for answers given here) and `interval` Anki's interval
# before it (days when positive, seconds when negative; 0 for answers given here).
ANSWER_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "<i4"),
    ("card", "<i4"),
    ("ms", "<i8"),
    ("rating", "i1"),
    ("duration", "<i4"),  # -1 when not recorded
    ("state", "i1"),
    ("stability", "<f8"),
    ("due", "<i8"),
    ("last", "<i8"),
    ("kind", "i1"),
    ("interval", "<i4"),
)
_ANSWER_SELECT = (
    "SELECT r.id, r.card, r.reviewed_at, r.rating, coalesce(r.duration_ms, -1), "
    "json_extract(r.state_before, '$.state'), coalesce(json_extract(r.state_before, '$.stability'), 0.0), "
    "coalesce(json_extract(r.state_before, '$.due'), -1), coalesce(json_extract(r.state_before, '$.last_review'), -1), "
    "coalesce(a.kind, -1), coalesce(a.last_interval, 0) "
    "FROM reviews r LEFT JOIN anki_reviews a ON a.review = r.id WHERE r.id > ? ORDER BY r.id"
)
_MAX_CHUNKS = 8  # past this many, the copy is written again as one


@dataclass(frozen=True)
class AnswerColumns:
    """The review log as numpy columns (`ANSWER_FIELDS`), in the order written, undone answers left out."""

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["id"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]


def _pack(columns: dict[str, np.ndarray]) -> bytes:
    return b"".join(columns[name].astype(kind, copy=False).tobytes() for name, kind in ANSWER_FIELDS)


def _concatenate(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    import numpy as np

    return {name: np.concatenate([p[name] for p in parts]) for name, _ in ANSWER_FIELDS}


__all__ = ["ANSWER_FIELDS", "MAX_ANSWER_MS", "AnswerColumns", "ReviewLog"]


class ReviewLog(StoreBase):
    """The append-only review log: a part of `Store`."""

    def answered_between(self, start: datetime, end: datetime) -> list[tuple[int, str, str, State]]:
        """(card, course, note, state before) of each answer in [start, end) that was not undone."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT r.card, c.course, c.note, r.state_before FROM reviews r JOIN cards c ON c.id = r.card "
                "WHERE r.reviewed_at >= ? AND r.reviewed_at < ? AND r.id NOT IN (SELECT review FROM undone)",
                (to_ms(start), to_ms(end)),
            ).fetchall()
        return [(r[0], r[1], r[2], State(json.loads(r[3])["state"])) for r in rows]

    def log(self, card_id: int | None = None, with_undone: bool = False) -> list[LoggedReview]:
        """The review log (oldest first), without undone answers unless asked; one card's when `card_id` is given."""
        where = "WHERE 1" if with_undone else "WHERE r.id NOT IN (SELECT review FROM undone)"
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

    def undone_reviews(self, card_id: int) -> set[int]:
        """The ids of a card's answers that were undone."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT u.review FROM undone u JOIN reviews r ON r.id = u.review WHERE r.card = ?", (card_id,)
            ).fetchall()
        return {r[0] for r in rows}

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
                "coalesce(json_extract(state_before, '$.last_review'), -1), "
                "coalesce(a.kind, -1), coalesce(a.last_interval, 0) "
                "FROM reviews r LEFT JOIN anki_reviews a ON a.review = r.id "
                "WHERE r.id NOT IN (SELECT review FROM undone) ORDER BY r.id"
            ).fetchall()
        return rows

    def answer_columns(self) -> AnswerColumns:
        """The log's numbers as numpy columns, for metrics over millions of answers.

        Reading millions of rows into Python costs seconds, and decoding each state before an
        answer from its JSON more; so the numbers are kept packed in `answer_columns`, written
        once and extended by the answers logged since. The log is append-only, so the copy stays
        true; one that no longer matches the log's rows (a store restored from a backup) is
        written again. Undone answers are left out as the copy is read. Where the store cannot be
        written, the copy is made in memory only.
        """
        import numpy as np

        with self._guard():
            chunks = self._conn.execute(
                "SELECT last_review, answers, last_card, last_at FROM answer_columns ORDER BY last_review"
            ).fetchall()
            stale = not self._copy_matches(chunks)
            if stale:
                chunks = []
            parts = [self._chunk(last_review, answers) for last_review, answers, _, _ in chunks]
            new = self._new_answers(chunks[-1][0] if chunks else 0)
            if new is not None:
                parts.append(new)
            if not parts:
                parts.append({name: np.zeros(0, kind) for name, kind in ANSWER_FIELDS})
            columns = parts[0] if len(parts) == 1 else _concatenate(parts)
            if new is not None and len(chunks) < _MAX_CHUNKS:
                self._store_columns(new, chunks)  # appended to the copy
            elif new is not None or stale:
                self._store_columns(columns, [])  # the copy written again as one
            undone = [r[0] for r in self._conn.execute("SELECT review FROM undone")]
        if undone:
            keep = ~np.isin(columns["id"], np.array(undone, np.int64))
            columns = {name: column[keep] for name, column in columns.items()}
        return AnswerColumns(columns)

    def _copy_matches(self, chunks: list[tuple[int, int, int, int]]) -> bool:
        """Whether the log still holds the answer each chunk ends with: a restored backup either lacks
        it or holds another answer under its id (ids go on from the backup's last one)."""
        for last_review, _, card, at in chunks:
            row = self._conn.execute("SELECT card, reviewed_at FROM reviews WHERE id = ?", (last_review,)).fetchone()
            if row != (card, at):
                return False
        return True

    def _chunk(self, last_review: int, answers: int) -> dict[str, np.ndarray]:
        """One chunk, read column by column straight from the blob (a query would hold it twice)."""
        import numpy as np

        columns, offset = {}, 0
        with self._conn.blobopen("answer_columns", "data", last_review, readonly=True) as blob:
            for name, kind in ANSWER_FIELDS:
                size = answers * np.dtype(kind).itemsize
                blob.seek(offset)
                columns[name] = np.frombuffer(blob.read(size), kind, answers)
                offset += size
        return columns

    def _new_answers(self, after: int) -> dict[str, np.ndarray] | None:
        """The answers logged after review id `after`, read 100,000 at a time; None when there are none."""
        import numpy as np

        cursor = self._conn.execute(_ANSWER_SELECT, (after,))
        parts = []
        while batch := cursor.fetchmany(100_000):
            table = np.array(batch, np.float64)  # every time in ms is exact in a double (far below 2**53)
            parts.append(
                {name: table[:, i].astype(kind) for i, (name, kind) in enumerate(ANSWER_FIELDS) if name != "stability"}
                | {"stability": table[:, 6].copy()}
            )
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else _concatenate(parts)

    def _store_columns(self, columns: dict[str, np.ndarray] | None, kept: list[Any]) -> None:
        """Append `columns` as a chunk after the `kept` ones, or with None, clear the copy; skipped
        (the copy stays in memory) when the store cannot be written now."""
        self._await_check()  # nothing is written into a file that fails the check started on open
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return
        try:
            if not kept:
                self._conn.execute("DELETE FROM answer_columns")
            if columns is not None and len(columns["id"]):
                last = int(columns["id"][-1])
                self._conn.execute(
                    "INSERT OR REPLACE INTO answer_columns (last_review, first_review, answers, last_card, last_at, "
                    "data) VALUES (?, ?, ?, ?, ?, ?)",
                    (last, int(columns["id"][0]), len(columns["id"]), int(columns["card"][-1]),
                     int(columns["ms"][-1]), _pack(columns)),
                )  # fmt: skip
        except sqlite3.OperationalError:
            self._conn.execute("ROLLBACK")
            return
        self._conn.execute("COMMIT")

    def answers_by_card(self) -> Iterator[tuple[int, int, int, int]]:
        """(card, ms, rating, review id) of every answer that was not undone, card by card and in
        time order within a card (ties in the order written), read as they are consumed: a
        recompute or an optimize of millions of answers never holds the log's rows all at once."""
        with self._guard():
            cursor = self._conn.execute(
                "SELECT card, reviewed_at, rating, id FROM reviews "
                "WHERE id NOT IN (SELECT review FROM undone) ORDER BY card, reviewed_at, id"
            )
        while True:
            with self._guard():
                rows = cursor.fetchmany(4096)
            if not rows:
                return
            yield from rows

    def answer_batches(self, size: int = 65536) -> Iterator[list[tuple[int, int, int, int]]]:
        """The rows of `answers_by_card` in no particular order, `size` at a time, for a reader that
        packs them into arrays and sorts those: the table read straight through, which costs less
        than visiting it in card order through an index."""
        with self._guard():
            cursor = self._conn.execute(
                "SELECT card, reviewed_at, rating, id FROM reviews WHERE id NOT IN (SELECT review FROM undone)"
            )
        while True:
            with self._guard():
                rows = cursor.fetchmany(size)
            if not rows:
                return
            yield rows

    def latest_answer_at(self) -> datetime | None:
        """When the last answer given here (not imported) was logged: a session never goes back before it."""
        with self._guard():
            (ms,) = self._conn.execute("SELECT max(reviewed_at) FROM reviews WHERE origin != 'import'").fetchone()
        return from_ms(ms) if ms is not None else None

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
        if before.last_review is not None and at < before.last_review:
            raise StoreError(
                f"the clock went backwards: {card.key} was last answered at {before.last_review:%Y-%m-%d %H:%M:%S} "
                f"UTC, after now ({at:%Y-%m-%d %H:%M:%S} UTC); nothing was written. Check the system clock"
            )
        if duration_ms is not None:  # a break or a clock jump is not study time
            duration_ms = min(max(int(duration_ms), 0), MAX_ANSWER_MS[origin])
        with self._write() as db:
            changed = db.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ? AND reps = ? AND last_review IS ?",
                (*memory_values(after), card.id, before.reps, to_ms(before.last_review)),
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
                (*memory_values(before), row[0]),
            )
        return before

    def anki_revlog_ids(self) -> set[int]:
        """Anki revlog ids whose answers or resets are already in the store."""
        with self._guard():
            answers = {r[0] for r in self._conn.execute("SELECT revlog_id FROM anki_reviews")}
            resets = {r[0] for r in self._conn.execute("SELECT anki_revlog_id FROM resets WHERE anki_revlog_id > 0")}
        return answers | resets

    def resets(self, card_id: int | None = None) -> dict[int, list[datetime]]:
        """When each card was started over (oldest first); one card's when `card_id` is given."""
        where, args = ("WHERE card = ?", (card_id,)) if card_id is not None else ("", ())
        with self._guard():
            rows = self._conn.execute(f"SELECT card, reset_at FROM resets {where} ORDER BY reset_at, id", args)
            found: dict[int, list[datetime]] = {}
            for card, at in rows:
                found.setdefault(card, []).append(from_ms(at))
        return found

    def record_imported(
        self,
        answers: Sequence[ImportedAnswer],
        states: dict[int, Memory],
        resets: Sequence[tuple[int, int, datetime]] = (),
    ) -> int:
        """Add answers given in Anki (origin `import`), the resets done there (revlog id, card,
        moment) and set the cards' states, in one transaction.

        An answer or reset whose Anki revlog id is already recorded is skipped; returns how many
        answers were added.
        """
        added = 0
        with self._write() as db:
            for revlog_id, card_id, at in resets:
                db.execute(
                    "INSERT OR IGNORE INTO resets (card, reset_at, anki_revlog_id) VALUES (?, ?, ?)",
                    (card_id, to_ms(at), revlog_id),
                )
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
                    "INSERT INTO anki_reviews (revlog_id, review, kind, last_interval) VALUES (?, ?, ?, ?)",
                    (a.revlog_id, cursor.lastrowid, a.kind, a.last_interval),
                )
                added += 1
            for card_id, memory in states.items():
                db.execute(
                    "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                    "reps = ?, lapses = ? WHERE id = ?",
                    (*memory_values(memory), card_id),
                )
        return added
