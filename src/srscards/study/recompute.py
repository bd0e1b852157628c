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
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import groupby, repeat
from operator import itemgetter
from typing import TypeAlias

from srscards.scheduling.scheduler import Memory, Rating, Scheduler, from_ms, to_ms
from srscards.store.store import Store
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


def _change(old: Memory, new: Memory) -> float:
    if old.stability is None or new.stability is None:
        return 0.0 if old.stability == new.stability else 1.0
    return abs(new.stability / old.stability - 1)


# A card's answers as `Store.answers_by_card` gives them (card, ms, rating, review id), kept compactly
# between reading and replaying: the ms, the ratings and the review ids, each in an array.
KeptAnswers: TypeAlias = "tuple[array[int], bytes, array[int]]"


def keep_answers(rows: Sequence[tuple[int, int, int, int]]) -> KeptAnswers:
    return array("q", [r[1] for r in rows]), bytes(r[2] for r in rows), array("q", [r[3] for r in rows])


def _kept_rows(kept: dict[int, KeptAnswers]) -> Iterator[tuple[int, Iterable[tuple[int, int, int, int]]]]:
    for card, (moments, ratings, reviews) in kept.items():
        yield card, zip(repeat(card), moments, ratings, reviews, strict=False)  # repeat: as long as the others


def answers_since_reset(
    store: Store, kept: dict[int, KeptAnswers] | None = None
) -> Iterator[tuple[int, list[tuple[int, int]]]]:
    """(card, its (ms, rating) answers in time order) for each card with answers that count: those after
    the card's last reset (Anki's Forget) and not set aside by a forget (`srscards cards forget`).
    Read from the store, or from answers already read (`kept`, as `keep_answers` holds them)."""
    forgotten = store.forgotten_before()
    last_reset = {card: to_ms(max(at)) or 0 for card, at in store.resets().items() if at}
    grouped = _kept_rows(kept) if kept is not None else groupby(store.answers_by_card(), itemgetter(0))
    for card, rows in grouped:
        set_aside, reset = forgotten.get(card, 0), last_reset.get(card, -1)
        answers = [(ms, rating) for _, ms, rating, review in rows if review > set_aside and ms > reset]
        if answers:
            yield card, answers


def recompute_states(
    store: Store,
    scheduler: Scheduler,
    courses: Sequence[str],
    now: datetime,
    kept: dict[int, KeptAnswers] | None = None,
) -> Recompute:
    """Compute every card's state again from the review log, as of `now`; store those that moved.

    A card whose last answer is the one its stored state comes from keeps its due date, so only its
    memory is replayed (`Scheduler.replay_memory`); the others are replayed whole, due dates included.
    `kept`: the log as the caller has just read it (every card's answers, `keep_answers`), so it is
    not read again."""
    cards = store.cards(list(courses), include_retired=True)
    wanted = {card.id for card in cards}
    by_card = {card: answers for card, answers in answers_since_reset(store, kept) if card in wanted}
    moved: dict[int, Memory] = {}
    changes: list[float] = []
    for card in cards:
        answers = by_card.pop(card.id, [])
        memory = scheduler.replay_memory(answers, now)
        old = card.memory
        if old.due is not None and (memory.state, memory.last_review, memory.reps) == (
            old.state,
            old.last_review,
            old.reps,
        ):
            memory = replace(memory, due=old.due)  # the card keeps the due date it was given
        else:
            moments = [(from_ms(ms), Rating(rating)) for ms, rating in answers]
            memory = scheduler.replay(moments, card.key, now)  # type: ignore[arg-type]
        if memory != card.memory:
            moved[card.id] = memory
            changes.append(_change(card.memory, memory))
    if moved:
        store.set_memories(moved)
    return Recompute(len(cards), len(moved), statistics.median(changes) if changes else 0.0, max(changes, default=0.0))
