"""Card states computed again from the review log, as Anki recomputes them.

The log is the record; a card's state columns are a copy. When the FSRS parameters or the
scheduling settings change (an `optimize` that adopts new parameters, settings taken from an
Anki collection), every card's state is replayed from its log with the new settings, the way
Anki recomputes memory states on a parameter change: days counted from the day start after
the moment of the recompute, and a card's history starting again after its last reset. As in
Anki (without its "reschedule cards on change" option), a card keeps the due date it was given
when its last answer is the same: only its memory (stability, difficulty) moves.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from srscards.scheduling.memory_replay import replay_memories
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, from_ms
from srscards.store.base import memory_values
from srscards.store.store import Store
from srscards.study.answer_log import AnswerLog, lookup, read_answer_log, runs
from srscards.words import count


@dataclass(frozen=True)
class Recompute:
    """What a recompute changed: cards whose state moved, and by how much their stability moved."""

    cards: int
    moved: int
    median_change: float  # relative change of stability, over the cards that moved
    max_change: float

    def describe(self) -> str:
        if not self.moved:
            return f"{count(self.cards, 'card state')} recomputed from the log; none moved."
        return (
            f"{count(self.cards, 'card state')} recomputed from the log; {self.moved:,} moved "
            f"(stability changed by {self.median_change:.1%} median, {self.max_change:.1%} at most)."
        )


def history_starts(store: Store) -> dict[int, list[datetime]]:
    """When each card's history starts again: its resets (Anki's Forget, imported), and for a
    card forgotten with `srscards cards forget`, the moment of its last answer set aside."""
    starts = store.resets()
    forgotten = store.forgotten_before()
    if forgotten:
        for review in store.log():
            if review.id <= forgotten.get(review.card, 0):
                starts.setdefault(review.card, []).append(review.reviewed_at)
    return starts


def since_last_reset(answers: Sequence[tuple[datetime, Rating]], resets: Sequence[datetime]) -> list:  # type: ignore[type-arg]
    """The answers after a card's last reset (Anki's Forget): its history starts again there."""
    if not resets:
        return list(answers)
    last = max(resets)
    return [a for a in answers if a[0] > last]


def replay_card(
    scheduler: Scheduler,
    answers: Iterable[tuple[datetime, Rating]],
    resets: Sequence[datetime],
    key: str,
    now: datetime,
) -> Memory:
    """A card's state from its answers (oldest first) and resets, days counted from `now`."""
    return scheduler.replay(since_last_reset(sorted(answers, key=lambda a: a[0]), resets), key, now)


# The state columns as `memory_values` gives them, in the order `Store.state_values` reads them.
STATE, STEP, STABILITY, DIFFICULTY, DUE, LAST_REVIEW, REPS, LAPSES = range(8)
_WHOLE_NUMBERS = (STATE, STEP, DUE, LAST_REVIEW, REPS, LAPSES)
_MEMORY = (STABILITY, DIFFICULTY)
_NOT_MEMORY = [column for column in range(8) if column not in _MEMORY]


def recompute_states(
    store: Store,
    scheduler: Scheduler,
    courses: Sequence[str],
    now: datetime,
    log: AnswerLog | None = None,
) -> Recompute:
    """Compute every card's state again from the review log, as of `now`; store those that moved.

    A card whose last answer is the one its stored state comes from keeps its due date, so only its
    memory is replayed, every such card at once (`replay_memories`, which equals
    `Scheduler.replay_memory` card by card); the others are replayed whole, due dates included.
    Old and new states are compared as arrays of doubles (NaN for NULL: every value is a whole
    number far below 2**53 or a double already). `log`: the log as the caller has just read it."""
    import numpy as np

    log = log if log is not None else read_answer_log(store)
    counted = np.flatnonzero(log.after(store, forgotten_by_time=False))
    ms, ratings = log.ms[counted], log.rating[counted]
    cards, starts, counts = runs(log.card[counted])
    stored = np.array(store.state_values(courses), np.float64).reshape(-1, 9)  # id, then the state columns
    ids, old = stored[:, 0].astype(np.int64), stored[:, 1:]
    found = lookup(cards, ids)  # len(cards): no answers
    first, answers = np.append(starts, 0)[found], np.append(counts, 0)[found]
    replayed = replay_memories(scheduler, ms, ratings, first, answers, now)
    answered, none = replayed.reps > 0, np.nan
    new = np.column_stack(
        [
            np.where(answered, replayed.state, 0),
            np.where(answered & (replayed.step >= 0), replayed.step, none),
            np.where(answered, replayed.stability, none),
            np.where(answered, replayed.difficulty, none),
            np.full(len(ids), none),  # the due date: kept below, or from a whole replay
            np.where(answered, replayed.last_ms, none),
            replayed.reps,
            np.where(answered, replayed.lapses, 0),
        ]
    )

    def same(a: Any, b: Any) -> Any:
        return (a == b) | (np.isnan(a) & np.isnan(b))

    last_answer = [STATE, LAST_REVIEW, REPS]  # the state comes from the same last answer
    keeps_due = ~np.isnan(old[:, DUE]) & same(new[:, last_answer], old[:, last_answer]).all(1)
    new[keeps_due, DUE] = old[keeps_due, DUE]
    if (answered & ~keeps_due).any():
        keys = dict(store.card_keys(ids[answered & ~keeps_due].tolist()))
        for index in np.flatnonzero(answered & ~keeps_due).tolist():  # replayed whole, due date included
            begin, end = int(first[index]), int(first[index] + answers[index])
            moments = zip(ms[begin:end].tolist(), ratings[begin:end].tolist(), strict=True)
            memory = scheduler.replay([(from_ms(m), Rating(r)) for m, r in moments], keys[int(ids[index])], now)  # type: ignore[misc]
            new[index] = [none if v is None else v for v in memory_values(memory)]
    unchanged = same(new, old)
    moved = np.flatnonzero(~unchanged.all(1))
    before, after = old[moved, STABILITY], new[moved, STABILITY]
    neither = np.isnan(before) & np.isnan(after)
    with np.errstate(divide="ignore", invalid="ignore"):
        changes = np.where(np.isnan(before) | np.isnan(after), np.where(neither, 0.0, 1.0), np.abs(after / before - 1))
    if len(moved):
        # most moved cards keep everything but their memory: writing those two columns alone spares
        # SQLite the indexes on state and due
        memory = moved[unchanged[moved][:, _NOT_MEMORY].all(1)]
        whole = np.setdiff1d(moved, memory, assume_unique=True)
        store.set_state_values(_rows(new[whole], ids[whole], range(8)), _rows(new[memory], ids[memory], _MEMORY))
    median = statistics.median(changes.tolist()) if len(changes) else 0.0
    return Recompute(len(ids), len(moved), median, max(changes.tolist(), default=0.0))


def _rows(values: Any, ids: Any, columns: Sequence[int]) -> list[tuple[Any, ...]]:
    """(the given state columns, card id) rows to write: whole numbers as ints, NaN as NULL."""
    import numpy as np

    written = []
    for column in columns:
        numbers = values[:, column]
        missing = np.isnan(numbers)
        python = np.where(missing, 0, numbers).astype(np.int64) if column in _WHOLE_NUMBERS else numbers
        python = python.astype(object)
        python[missing] = None
        written.append(python.tolist())
    return list(zip(*written, ids.tolist(), strict=True))
