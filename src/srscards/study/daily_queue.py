"""Today's queue: which cards a session shows, in what order, within the daily limits.

Like Anki: learning cards as they fall due (and up to `learn_ahead` early when nothing else
is left), then the reviews due today, then new cards in the order `new_order` gives (task
statements taking turns, each note's first card before any note's second, a question never on
the day a concept card it tests is introduced or shown). Siblings (the other
cards of a note: a cloze's other deletions, a reverse side) are buried as Anki's settings say,
and Anki's defaults bury none: with `bury_reviews`, a review card waits for tomorrow once a
card of its note was answered or queued today; with `bury_new`, a new card does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from srscards.model.tags import derived_tags
from srscards.scheduling.scheduler import Settings, State, day_begins, study_day
from srscards.store.records import StoredCard
from srscards.study.new_order import Note, SameDayRule, first_cards_first

__all__ = ["Filters", "Links", "Queue", "build_queue", "first_cards_first", "no_links"]

LEARNING = (State.LEARNING, State.RELEARNING)
Links = Callable[[Sequence[Note]], Mapping[Note, tuple[str, ...]]]  # the concept notes each note lists


@dataclass(frozen=True)
class Filters:
    """Which cards a session studies; None means any."""

    deck: str | None = None
    domain: int | None = None
    task: str | None = None
    tag: str | None = None
    exam: str | None = None

    def matches(self, card: StoredCard) -> bool:
        if self.deck is not None:
            deck, wanted = card.deck.lower(), self.deck.lower()
            if not (deck == wanted or deck.startswith(wanted + "::") or wanted in deck.split("::")):
                return False
        if self.domain is not None and card.domain != self.domain:
            return False
        if self.task is not None and self.task not in card.tasks:
            return False
        if self.tag is not None and self.tag.lower() not in (
            t.lower() for t in derived_tags(card.type, card.exam, card.domain, card.tasks, card.tags)
        ):
            return False
        if self.exam is not None and card.exam not in ("both", self.exam):
            return False
        return True


@dataclass
class Queue:
    """The cards left for today. Lists are consumed by the session as it goes."""

    learning: list[StoredCard] = field(default_factory=list)  # by due time
    review: list[StoredCard] = field(default_factory=list)
    new: list[StoredCard] = field(default_factory=list)
    day: int = 0
    day_end: datetime | None = None
    shown_notes: set[tuple[str, str]] = field(default_factory=set)
    front: list[StoredCard] = field(default_factory=list)  # undone cards, shown again first
    bury_new: bool = False
    bury_reviews: bool = False

    def next_card(self, now: datetime, settings: Settings) -> StoredCard | None:
        """The card to show now, or None when nothing is left for this session."""
        if self.front:
            return self.front[0]
        if self.learning and _due(self.learning[0]) <= now:
            return self.learning[0]
        if self.review:
            return self.review[0]
        if self.new:
            return self.new[0]
        if self.learning and _due(self.learning[0]) <= now + settings.learn_ahead:
            return self.learning[0]
        return None

    def take(self, card: StoredCard) -> None:
        """Remove a card (it was answered, buried or suspended) and keep its siblings out today."""
        for items in (self.front, self.learning, self.review, self.new):
            items[:] = [c for c in items if c.id != card.id]
        note = (card.course, card.note)
        self.shown_notes.add(note)
        if self.bury_reviews:
            self.review[:] = [c for c in self.review if (c.course, c.note) != note]
        if self.bury_new:
            self.new[:] = [c for c in self.new if (c.course, c.note) != note]

    def put_back(self, card: StoredCard) -> None:
        """Return a card to the queue after an answer, where its new state says."""
        for items in (self.front, self.learning, self.review, self.new):
            items[:] = [c for c in items if c.id != card.id]
        state = card.memory.state
        if state in LEARNING:
            if self.day_end is None or _due(card) < self.day_end:
                self.learning.append(card)
                self.learning.sort(key=_due)
        elif state is State.NEW:
            self.new.insert(0, card)
        elif self.day_end is None or _due(card) < self.day_end:
            self.review.insert(0, card)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(reviews due, new, learning) left today."""
        front = Counter(
            "new" if c.memory.state is State.NEW else "review" if c.memory.state is State.REVIEW else "learning"
            for c in self.front
        )
        return len(self.review) + front["review"], len(self.new) + front["new"], len(self.learning) + front["learning"]


def _due(card: StoredCard) -> datetime:
    assert card.memory.due is not None
    return card.memory.due


def build_queue(
    due: Iterable[StoredCard],
    new: Iterable[StoredCard],
    answered_today: Sequence[tuple[int, str, str, State]],
    now: datetime,
    settings: Settings,
    filters: Filters = Filters(),
    links: Links | None = None,
) -> Queue:
    """Today's queue from the cards due today, the new cards (in the order to introduce them, read
    only as far as needed), today's answers (for the limits, the siblings and the questions) and
    `links`, which gives the concept notes listed by the notes asked for (see `new_order`)."""
    links = links or no_links
    today = study_day(now, settings.day_start)
    end = day_begins(today + 1, settings.day_start)
    new_done = sum(1 for a in answered_today if a[3] is State.NEW)
    reviews_done = sum(1 for a in answered_today if a[3] is State.REVIEW)
    touched = {(a[1], a[2]) for a in answered_today}
    learning: list[StoredCard] = []
    reviews: list[StoredCard] = []

    def wanted(card: StoredCard) -> bool:
        if card.suspended or (card.buried_day is not None and card.buried_day > today):
            return False
        return filters.matches(card)

    for card in due:
        if not wanted(card) or _due(card) >= end:
            continue
        if card.memory.state in LEARNING:
            learning.append(card)
        elif card.memory.state is State.REVIEW:
            reviews.append(card)
    learning.sort(key=_due)
    reviews.sort(key=lambda c: (_due(c), c.position))
    shown = touched | {(c.course, c.note) for c in learning}
    queue = Queue(
        learning, [], [], today, end, set(touched), bury_new=settings.bury_new, bury_reviews=settings.bury_reviews
    )
    review_room = max(settings.reviews_per_day - reviews_done, 0)
    for card in reviews:
        if len(queue.review) >= review_room:
            break
        if not settings.bury_reviews or (card.course, card.note) not in shown:
            shown.add((card.course, card.note))
            queue.review.append(card)
    new_room = max(settings.new_per_day - new_done, 0)
    if new_room:
        rule = SameDayRule(shown)
        if not settings.same_day_questions:
            introduced = sorted({(a[1], a[2]) for a in answered_today if a[3] is State.NEW})
            for (course, _), concepts in links(introduced).items():
                rule.held.update((course, c) for c in concepts)
        cards = iter(new)
        while len(queue.new) < new_room:
            read = list(islice(cards, new_room - len(queue.new)))  # only as many as may still be taken
            if not read:
                break
            chunk = [c for c in read if c.memory.state is State.NEW and wanted(c)]
            concepts = {} if settings.same_day_questions else links([(c.course, c.note) for c in chunk])
            for card in chunk:
                note = (card.course, card.note)
                if settings.bury_new and note in shown:
                    continue
                listed = concepts.get(note, ())
                if not rule.allows(card, listed):
                    continue
                rule.introduce(card, listed)
                queue.new.append(card)
                if len(queue.new) >= new_room:
                    break
        queue.new[:] = first_cards_first(queue.new)
    return queue


def no_links(notes: Sequence[Note]) -> dict[Note, tuple[str, ...]]:
    """No card lists concepts (for a queue built without a store)."""
    return {}
