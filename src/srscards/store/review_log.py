"""The append-only review log: answers, undos and the answers imported from Anki."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from srscards.clock import MAX_ANSWER_MS
from srscards.scheduling.scheduler import Memory, Rating, State, from_ms, to_ms
from srscards.store.base import ORIGINS, StoreBase, StoreError, memory_values
from srscards.store.records import (
    ImportedAnswer,
    LoggedReview,
    ReviewRow,
    StoredCard,
)

__all__ = ["MAX_ANSWER_MS", "ReviewLog"]


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
