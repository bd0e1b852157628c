"""Anki's load balancer: which day of the fuzz range a review card is given, from the cards due each day.

Anki (rslib/src/scheduler/states/load_balancer.rs) picks the day within the fuzz range at
random, each day weighted by how many cards are already due on it:

- a day with no card due weighs 1;
- a day with n cards due, `target` days from today, weighs `n ** -2.15 * target ** -3`, times
  the easy-day and sibling modifiers below;
- easy days (one setting per weekday, Monday first): 1.0 is a normal day; 0.0 a day kept almost
  free (its weight times 0.0001); anything between a reduced day, which counts as a normal day
  until its cards due (doubled) exceed the other days' cards per unit of their capacity (a
  normal day 1, a reduced one 0.5, a minimum one 0.0001), and as a minimum day after that;
- with review siblings buried, a day that already holds a card of the same note weighs almost
  nothing (times 0.000001), and the days 1-4 before and after it times 0.2, 0.4, 0.6 and 0.8.

It balances only intervals of at most 90 days (longer ones are fuzzed as usual), and only when
fuzz is on. Anki counts every card whose due day lies in the next 99 days; srscards counts its
learning and review cards that are neither suspended nor retired. Cards answered during a
session are added to the day they are given, as in Anki.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

MAX_LOAD_BALANCE_INTERVAL = 90
LOAD_BALANCE_DAYS = 99  # Anki keeps 10% more days than it balances: a card can land past day 90
SIBLING_STEPS = range(-5, 6)
SIBLING_MODIFIERS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.000001, 0.2, 0.4, 0.6, 0.8, 1.0)
EASY_MINIMUM, EASY_REDUCED, EASY_NORMAL = 0.0001, 0.5, 1.0


@dataclass
class DueLoad:
    """The cards due on each of the next `LOAD_BALANCE_DAYS` study days (index 0: `today`), with their notes."""

    today: int
    counts: list[int] = field(default_factory=lambda: [0] * LOAD_BALANCE_DAYS)
    notes: dict[str, set[int]] = field(default_factory=dict)  # note -> the day indexes holding one of its cards

    @classmethod
    def of(cls, today: int, due_days: Iterable[tuple[int, str]]) -> DueLoad:
        """A load from (study day, note) of each card due."""
        load = cls(today)
        for day, note in due_days:
            load.add(day, note)
        return load

    def add(self, day: int, note: str | None = None, count: int = 1) -> None:
        """Count `count` more cards due on study day `day` (ignored outside the days kept)."""
        index = day - self.today
        if 0 <= index < LOAD_BALANCE_DAYS:
            self.counts[index] += count
            if note is not None:
                self.notes.setdefault(note, set()).add(index)


def easy_day_kind(value: float) -> float:
    """The load modifier of an easy-day setting: 1.0 normal, 0.0 minimum, anything else reduced."""
    if value == 1.0:
        return EASY_NORMAL
    if value == 0.0:
        return EASY_MINIMUM
    return EASY_REDUCED


def easy_day_modifiers(easy_days: Sequence[float], weekdays: Sequence[int], counts: Sequence[int]) -> list[float]:
    """Anki's `calculate_easy_days_modifiers`: 1.0 for a day open to the card, 0.0001 for one kept free."""
    kinds = [easy_day_kind(easy_days[w]) for w in weekdays]
    total_count = sum(counts)
    total_percent = sum(kinds)
    modifiers = []
    for kind, count in zip(kinds, counts, strict=True):
        if kind == EASY_REDUCED:
            others = total_count - count
            threshold = others / (total_percent - 0.5) if total_percent != 0.5 else float("inf")
            kind = EASY_MINIMUM if count / 0.5 > threshold else EASY_NORMAL
        modifiers.append(kind)
    return modifiers


def sibling_modifiers(sibling_days: Iterable[int], lower: int, upper: int) -> list[float]:
    """Anki's `calculate_sibling_modifiers`: days near one holding a sibling weigh less."""
    modifiers = [1.0] * (upper - lower + 1)
    for day in sibling_days:
        for step, value in zip(SIBLING_STEPS, SIBLING_MODIFIERS, strict=True):
            index = day + step - lower
            if 0 <= index < len(modifiers):
                modifiers[index] *= value
    return modifiers


def day_weights(
    lower: int,
    upper: int,
    load: DueLoad,
    easy_days: Sequence[float] = (1.0,) * 7,
    note: str | None = None,
) -> list[float]:
    """The weight of each interval from `lower` to `upper` days (Anki's `select_weighted_interval`)."""
    counts = [load.counts[i] if i < LOAD_BALANCE_DAYS else 0 for i in range(lower, upper + 1)]
    weekdays = [date.fromordinal(load.today + i).weekday() for i in range(lower, upper + 1)]
    easy = easy_day_modifiers(easy_days, weekdays, counts)
    siblings = sibling_modifiers(load.notes.get(note, ()) if note is not None else (), lower, upper)
    weights = []
    for target, count, e, s in zip(range(lower, upper + 1), counts, easy, siblings, strict=True):
        weights.append(1.0 if count == 0 else count**-2.15 * float(target) ** -3 * s * e)
    return weights


def balanced_day(lower: int, upper: int, weights: Sequence[float], draw: float) -> int:
    """The interval the draw in [0, 1) picks, each interval with its share of the weights."""
    cumulative = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    index = bisect.bisect_right(cumulative, draw * total)
    return lower + min(index, upper - lower)


def is_balanced(interval: float, minimum: int) -> bool:
    """Anki balances an interval of at most 90 days (its whole part) whose minimum is at most 90 days."""
    return int(interval) <= MAX_LOAD_BALANCE_INTERVAL and minimum <= MAX_LOAD_BALANCE_INTERVAL


def count_days(starts: Sequence[int], due_ms: int) -> int:
    """The index of the day a due time (ms) falls on, given the start (ms) of each day; -1 before the first."""
    return bisect.bisect_right(starts, due_ms) - 1
