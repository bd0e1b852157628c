"""The append-only review log: answers, undos and the answers imported from Anki."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from srscards.scheduling.scheduler import Memory, Rating, State, from_ms, to_ms
from srscards.store.base import ORIGINS, StoreBase, memory_values
from srscards.store.records import (
    ImportedAnswer,
    LoggedReview,
    ReviewRow,
    StoredCard,
)


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
                "coalesce(json_extract(state_before, '$.last_review'), -1) "
                "FROM reviews WHERE id NOT IN (SELECT review FROM undone) ORDER BY id"
            ).fetchall()
        return rows

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
                    (*memory_values(memory), card_id),
                )
        return added
