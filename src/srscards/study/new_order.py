"""The order new cards are introduced in, so that a day of new cards teaches rather than gives answers away.

- **Task statements take turns.** The first new card of each task statement in the exam's order
  (1.1, 1.2, ... 4.3, then the cards without one), then the second card of each, and so on;
  within a task statement the cards keep the order of the sources. A card with several task
  statements goes with its first. A day of 20 new cards thus touches every task statement
  instead of working through one file, the interleaving that helps a learner tell topics apart.
- **Each note's first card before any note's second** (Anki's default "card type, then order
  gathered"), so a sibling never follows the card that just showed its answer.
- **A question waits for the next study day** when a concept card it tests (its `concepts:`) is
  introduced or shown that day: new today, answered today, or in today's learning or review
  cards. The other way round, a new concept card waits when a question that tests it was
  introduced today. `same_day_questions = true` (or `--allow-same-day-questions`) turns this off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from srscards.store.records import StoredCard

Note = tuple[str, str]  # (course, note id)


def task_key(tasks: Sequence[str]) -> tuple[int, tuple[int, ...], str]:
    """Where a card's first task statement comes in the exam's order: 1.2 before 1.10 before 2.1;
    cards without one last."""
    if not tasks:
        return (1, (), "")
    first = tasks[0]
    parts = first.split(".")
    numbers = tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()
    return (0, numbers, first)


def interleaved(ranked: Iterable[tuple[int, StoredCard]], courses: Sequence[str] = ()) -> list[StoredCard]:
    """Cards, each with its rank among the new cards of its task statement, with the task statements
    taking turns: every first card, then every second, ...; each turn in the exam's task order."""
    course_order = {c: i for i, c in enumerate(courses)}
    return [
        card
        for _, card in sorted(
            ranked,
            key=lambda rc: (
                rc[0],
                course_order.get(rc[1].course, len(course_order)),
                task_key(rc[1].tasks),
                rc[1].position,
            ),
        )
    ]


def ranked_by_task(cards: Iterable[StoredCard]) -> list[tuple[int, StoredCard]]:
    """Each card with its rank among `cards` of its task statement, in source order."""
    seen: Counter[tuple[str, str]] = Counter()
    ranked = []
    for card in sorted(cards, key=lambda c: (c.course, c.position)):
        group = (card.course, card.tasks[0] if card.tasks else "")
        ranked.append((seen[group], card))
        seen[group] += 1
    return ranked


def teaching_order(cards: Iterable[StoredCard]) -> list[StoredCard]:
    """A day's new cards in the order they are introduced: task statements taking turns, then each
    note's first card before any note's second. Depends only on which cards are given."""
    return first_cards_first(interleaved(ranked_by_task(cards)))


def first_cards_first(cards: list[StoredCard]) -> list[StoredCard]:
    """Today's new cards with each note's first card before any note's second (Anki's default order,
    "card type, then order gathered"), so a sibling never follows the card whose answer it shows."""
    rank: Counter[Note] = Counter()
    order = []
    for position, card in enumerate(cards):
        order.append((rank[(card.course, card.note)], position))
        rank[(card.course, card.note)] += 1
    return [cards[position] for _, position in sorted(order)]


@dataclass
class SameDayRule:
    """Which new cards wait for the next study day because a card linked to them by `concepts:` is
    introduced or shown today."""

    shown: set[Note] = field(default_factory=set)  # notes answered, queued or introduced today
    held: set[Note] = field(default_factory=set)  # concept notes of questions introduced today

    def allows(self, card: StoredCard, concepts: Sequence[str]) -> bool:
        """Whether `card`, listing `concepts`, may be introduced today."""
        if (card.course, card.note) in self.held:
            return False
        return not any((card.course, c) in self.shown for c in concepts)

    def introduce(self, card: StoredCard, concepts: Sequence[str]) -> None:
        self.shown.add((card.course, card.note))
        self.held.update((card.course, c) for c in concepts)
