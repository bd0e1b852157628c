"""What a learner does to a card besides answering it: suspend, unsuspend, bury, unbury, forget.

Each action is a row of an append-only log with the card's state before and after it, so an
action can be undone (a row in `undone_actions`, never a deletion) and a card's history reads
whole. The cards table keeps the current state as a copy, as it does for answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from srscards.scheduling.scheduler import Memory, from_ms, to_ms
from srscards.store.base import StoreBase, memory_values
from srscards.store.records import StoredCard

ACTIONS = ("suspend", "unsuspend", "bury", "unbury", "forget")
ACTION_ORIGINS = ("review", "cards")  # a key pressed in review, or `srscards cards ...`


@dataclass(frozen=True)
class CardState:
    """What an action can change on a card: suspension, burial and (for forget) its memory."""

    suspended: bool
    buried_day: int | None
    memory: Memory

    def to_json(self) -> dict[str, Any]:
        return {"suspended": self.suspended, "buried_day": self.buried_day, "memory": self.memory.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CardState:
        return cls(bool(data["suspended"]), data["buried_day"], Memory.from_json(data["memory"]))

    @classmethod
    def of(cls, card: StoredCard) -> CardState:
        return cls(card.suspended, card.buried_day, card.memory)


@dataclass(frozen=True)
class CardAction:
    """One logged action on a card."""

    id: int
    card: int
    acted_at: datetime
    action: str
    origin: str
    before: CardState
    after: CardState
    undone_at: datetime | None = None


class CardActionLog(StoreBase):
    """The card action log: a part of `Store`."""

    def act(self, card: StoredCard, action: str, after: CardState, at: datetime, origin: str = "cards") -> int | None:
        """Log `action` on `card` and store its new state, in one transaction.

        Returns the action's id, or None when the card changed since `card` was read (then
        nothing is written).
        """
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        if origin not in ACTION_ORIGINS:
            raise ValueError(f"origin must be one of {ACTION_ORIGINS}")
        before = CardState.of(card)
        with self._write() as db:
            changed = db.execute(
                "UPDATE cards SET suspended = ?, buried_day = ?, state = ?, step = ?, stability = ?, difficulty = ?, "
                "due = ?, last_review = ?, reps = ?, lapses = ? "
                "WHERE id = ? AND reps = ? AND last_review IS ? AND suspended = ? AND buried_day IS ?",
                (
                    int(after.suspended),
                    after.buried_day,
                    *memory_values(after.memory),
                    card.id,
                    card.memory.reps,
                    to_ms(card.memory.last_review),
                    int(card.suspended),
                    card.buried_day,
                ),
            ).rowcount
            if not changed:
                return None
            mark = db.execute("SELECT coalesce(max(id), 0) FROM reviews").fetchone()[0]
            cursor = db.execute(
                "INSERT INTO card_actions (card, acted_at, action, origin, state_before, state_after, review_mark) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (card.id, to_ms(at), action, origin, json.dumps(before.to_json()), json.dumps(after.to_json()), mark),
            )
            return cursor.lastrowid

    def undo_action(self, action_id: int, now: datetime) -> CardState | None:
        """Take back an action: the card returns to its state before it; the log records the undo.

        Only when the card still stands as the action left it (nothing answered or changed it
        since); returns None otherwise, and when the action was already undone.
        """
        with self._write() as db:
            row = db.execute(
                "SELECT card, state_before, state_after FROM card_actions WHERE id = ? AND id NOT IN "
                "(SELECT action FROM undone_actions)",
                (action_id,),
            ).fetchone()
            if row is None:
                return None
            before = CardState.from_json(json.loads(row[1]))
            after = CardState.from_json(json.loads(row[2]))
            changed = db.execute(
                "UPDATE cards SET suspended = ?, buried_day = ?, state = ?, step = ?, stability = ?, difficulty = ?, "
                "due = ?, last_review = ?, reps = ?, lapses = ? "
                "WHERE id = ? AND reps = ? AND last_review IS ? AND suspended = ? AND buried_day IS ?",
                (
                    int(before.suspended),
                    before.buried_day,
                    *memory_values(before.memory),
                    row[0],
                    after.memory.reps,
                    to_ms(after.memory.last_review),
                    int(after.suspended),
                    after.buried_day,
                ),
            ).rowcount
            if not changed:
                return None
            db.execute("INSERT INTO undone_actions (action, undone_at) VALUES (?, ?)", (action_id, to_ms(now)))
        return before

    def actions(self, card_id: int | None = None) -> list[CardAction]:
        """The action log, oldest first, undone actions included (with the time of their undo)."""
        where, args = ("WHERE a.card = ?", (card_id,)) if card_id is not None else ("", ())
        with self._guard():
            rows = self._conn.execute(
                "SELECT a.id, a.card, a.acted_at, a.action, a.origin, a.state_before, a.state_after, u.undone_at "
                f"FROM card_actions a LEFT JOIN undone_actions u ON u.action = a.id {where} ORDER BY a.id",
                args,
            ).fetchall()
        return [
            CardAction(
                r[0],
                r[1],
                from_ms(r[2]),  # type: ignore[arg-type]
                r[3],
                r[4],
                CardState.from_json(json.loads(r[5])),
                CardState.from_json(json.loads(r[6])),
                from_ms(r[7]),
            )
            for r in rows
        ]

    def last_action(self, card_ids: list[int] | None = None, origin: str | None = None) -> CardAction | None:
        """The latest action not undone (of the given cards and origin, when given)."""
        found = [a for a in self.actions() if a.undone_at is None]
        found = [a for a in found if (card_ids is None or a.card in card_ids) and (origin in (None, a.origin))]
        return found[-1] if found else None

    def forgotten_before(self) -> dict[int, int]:
        """Each forgotten card's latest forget that was not undone, as the highest review id it sets
        aside: answers up to it no longer count towards the card's state."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT card, max(review_mark) FROM card_actions WHERE action = 'forget' "
                "AND id NOT IN (SELECT action FROM undone_actions) GROUP BY card"
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def remember(self, key: str, value: str, now: datetime) -> None:
        """Keep a small fact between commands (e.g. the decks folder used last)."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO remembered (key, value, updated_at) VALUES (?, ?, ?)", (key, value, to_ms(now))
            )

    def remembered(self, key: str) -> str | None:
        with self._guard():
            row = self._conn.execute("SELECT value FROM remembered WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])
