"""A study session: sync with the sources, build today's queue, answer cards, undo, summarise.

The core of `srscards review`; it never prints and never reads keys. Time comes from an
injected clock, so tests and scripts can replay a day.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from srscards.clock import Clock, SteadyClock, utc_now
from srscards.errors import SrsError
from srscards.scheduling.load_balance import DueLoad
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State, day_begins, study_day
from srscards.store.card_actions import CardState
from srscards.store.records import StoredCard, SyncReport
from srscards.store.store import Store
from srscards.study.daily_queue import Filters, Links, Queue, build_queue
from srscards.study.filters import check_filters
from srscards.study.follow import plan_in_force, todays_new_cards
from srscards.study.new_order import interleaved
from srscards.study.plan import Plan, PlanDay, exam_day_reviews
from srscards.study.workspace import open_workspace
from srscards.views.terminal import CardText, card_text


def todays_queue(
    store: Store,
    courses: list[str],
    now: datetime,
    settings: Settings,
    filters: Filters,
    plans: list[Plan] | None = None,
) -> Queue:
    """Today's queue, reading only the cards due today and as many new cards as it takes.

    With `plans`, the new cards are exactly the plans' cards for today (no daily count applies).
    """
    today = study_day(now, settings.day_start)
    end = day_begins(today + 1, settings.day_start)
    answered = store.answered_between(day_begins(today, settings.day_start), end)
    new: Iterable[StoredCard] = new_cards_in_order(store, courses, settings.new_per_day)
    if plans is not None:
        new = todays_new_cards(store, plans, now, settings.day_start)
        settings = replace(settings, new_per_day=1 << 30)
    return build_queue(store.due_cards(courses, end), new, answered, now, settings, filters, store_links(store))


def new_cards_in_order(store: Store, courses: list[str], want: int = 20, per_task: int = 2) -> Iterator[StoredCard]:
    """The new cards in the order they are introduced (task statements taking turns, see `new_order`),
    read as they are taken: enough of each task statement for `want` cards, then more when a day
    needs them (cards held back, or task statements that run out)."""
    given: set[int] = set()
    while True:
        ranked, more = store.new_cards_by_task(courses, per_task, want)
        want = 0
        for card in interleaved(ranked, courses):
            if card.id not in given:
                given.add(card.id)
                yield card
        if not more:
            return
        per_task = 4 * (1 + max(rank for rank, _ in ranked))


def store_links(store: Store) -> Links:
    """The concept notes the store's notes list, asked for a few notes at a time."""

    def links(notes: Sequence[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, ...]]:
        by_course: dict[str, list[str]] = {}
        for course, note in notes:
            by_course.setdefault(course, []).append(note)
        return {
            (course, note): concepts
            for course, names in by_course.items()
            for note, concepts in store.concepts(course, names).items()
        }

    return links


@dataclass(frozen=True)
class Shown:
    """The card on screen, with what each rating key would give."""

    card: StoredCard
    text: CardText
    intervals: dict[Rating, timedelta]
    shown_at: datetime


@dataclass(frozen=True)
class Answered:
    card: StoredCard
    rating: Rating
    after: Memory
    review_id: int | None  # None: another session answered this card first; nothing was written


@dataclass(frozen=True)
class Acted:
    """A bury or suspend pressed in this session, kept so `u` can take it back."""

    card: StoredCard
    action: str
    action_id: int | None  # None: another session changed this card first; nothing was written


@dataclass(frozen=True)
class Summary:
    studied: int
    seconds: float
    again: int
    due_tomorrow: int
    learning_later: int

    @property
    def again_rate(self) -> float:
        return self.again / self.studied if self.studied else 0.0


@dataclass
class ReviewSession:
    """One sitting of `srscards review` over a store."""

    store: Store
    scheduler: Scheduler
    courses: list[str]
    filters: Filters
    clock: Clock
    queue: Queue = field(default_factory=Queue)
    started: datetime = field(default_factory=utc_now)
    history: list[Answered] = field(default_factory=list)
    done: list[Answered | Acted] = field(default_factory=list)  # what `u` takes back, last first
    sync_report: SyncReport | None = None
    shown: Shown | None = None
    plans: list[Plan] | None = None  # the study plans whose new cards this session introduces
    plans_in_force: list[Plan] = field(default_factory=list)
    plans_remade: list[tuple[Plan, str]] = field(default_factory=list)  # plans made again today, and why
    shuffle: random.Random = field(default_factory=random.Random)  # a fresh option order at every showing
    _steady: SteadyClock | None = None  # answers are logged on it (see _monotonic_now)
    _load: DueLoad | None = None  # the cards due on each coming day, read once a day, kept up to date

    @property
    def settings(self) -> Settings:
        return self.scheduler.settings

    @property
    def clock_went_back(self) -> bool:
        """Whether the system clock went back during the session (answers kept their order)."""
        return self._steady is not None and self._steady.went_back

    @classmethod
    def start(
        cls,
        decks: Path,
        home: Path,
        settings: Settings | None = None,
        filters: Filters | None = None,
        seed: int | None = None,
        clock: Clock = utc_now,
    ) -> ReviewSession:
        """Open the store in `home`, sync it with `decks`, and build today's queue."""
        now = clock()
        space = open_workspace(decks, home, now, settings, seed or 0)
        try:
            session = cls(
                space.store,
                space.scheduler,
                space.courses,
                check_filters(space.store, space.courses, filters or Filters()),
                clock,
                started=now,
                sync_report=space.sync_report,
                shuffle=random.Random(seed),
            )
            session.rebuild()
            space.store.defer_checkpoints()
        except BaseException:
            space.close()
            raise
        return session

    def close(self) -> None:
        self.store.close()

    def follow_plan(self, pace_new_cards: bool) -> tuple[int | None, int]:
        """Follow the stored study plans (`srscards plan`), made again first when the learner left them:
        today's new cards are exactly the plans' (when `pace_new_cards`) and, near exam day, cards
        that would not hold until then get one more review. Returns the planned new cards left
        today (None without a plan) and how many cards were brought forward."""
        now = self.clock()
        found = [f for f in (plan_in_force(self.store, self.scheduler, c, now) for c in self.courses) if f is not None]
        self.plans_remade = [(f.plan, f.remade) for f in found if f.remade is not None]
        plans = [f.plan for f in found]
        self.plans_in_force = plans
        planned = None
        if plans and pace_new_cards:
            self.plans = plans
            self.rebuild()
            planned = len(self.queue.new)
        queued = {c.id for c in self.queue.review}
        extra = [
            c
            for c in exam_day_reviews(self.store, self.scheduler, self.courses, now)
            if c.id not in queued
            and self.filters.matches(c)
            and (c.buried_day is None or c.buried_day <= self.queue.day)
        ]
        self.queue.review.extend(extra)
        return planned, len(extra)

    def rebuild(self) -> None:
        """Build today's queue again from the store."""
        self.queue = todays_queue(self.store, self.courses, self.clock(), self.settings, self.filters, self.plans)

    def next(self) -> Shown | None:
        """The next card to show (with its text and the interval of each rating), or None when done."""
        now = self.clock()
        if study_day(now, self.settings.day_start) != self.queue.day:
            self.rebuild()  # the day changed during the session
        while True:
            card = self.queue.next_card(now, self.settings)
            if card is None:
                self.shown = None
                return None
            fresh = self.store.card(card.id)
            if fresh.memory != card.memory or fresh.suspended or fresh.buried_day != card.buried_day:
                # another session changed this card: take the stored state and ask the queue again
                self._requeue(fresh)
                continue
            note = self.store.content(card.course, card.note)
            if note is None:
                raise SrsError(
                    f"{card.key}: its text is missing from the review store; run srscards review decks/ to sync"
                )
            text = card_text(note, card.variant, card.key, self.shuffle)
            intervals = self.scheduler.preview(card.memory, now, card.key, self.due_load(), _note(card))
            self.shown = Shown(card, text, intervals, now)
            return self.shown

    def _monotonic_now(self) -> datetime:
        """The clock, but never before an answer already logged (`SteadyClock`, as exam sittings use):
        when the system clock goes back, answers keep their order (the log replays to the same state)
        and `clock_went_back` says so; the store caps each answer's time at MAX_ANSWER_MS."""
        if self._steady is None:
            self._steady = SteadyClock(self.clock, self.store.latest_answer_at())
        return self._steady()

    def answer(self, rating: Rating) -> Answered:
        """Answer the card on screen: the answer is committed before this returns."""
        shown = self._current()
        now = self._monotonic_now()
        card = shown.card
        load = self.due_load()
        after = self.scheduler.answer(card.memory, rating, now, card.key, load=load, note=_note(card))
        duration = max(int((now - shown.shown_at).total_seconds() * 1000), 0)
        review_id = self.store.record_answer(card, after, rating, now, duration)
        self.queue.take(card)
        if review_id is not None:
            if load is not None and after.state is State.REVIEW and after.due is not None:
                load.add(study_day(after.due, self.settings.day_start), _note(card))  # as Anki's `add_card`
            moved = StoredCard(**{**card.__dict__, "memory": after})
            self.queue.put_back(moved)
            if after.state is State.REVIEW:
                self.queue.review[:] = [c for c in self.queue.review if c.id != card.id]
        else:
            self._requeue(self.store.card(card.id))  # answered in another session first
        result = Answered(card, rating, after, review_id)
        if review_id is not None:
            self.history.append(result)
            self.done.append(result)
        self.shown = None
        return result

    def due_load(self) -> DueLoad | None:
        """The cards due on each coming day, for the load balancer (None when it is off): read from the
        store once a day and session, then kept up to date with this session's answers."""
        settings = self.settings
        if not (settings.load_balancer and settings.fuzz):
            return None
        if self._load is None or self._load.today != self.queue.day:
            self._load = self.store.due_load(self.queue.day, settings.day_start, settings.bury_reviews)
        return self._load

    def _requeue(self, fresh: StoredCard) -> None:
        """Put a card back as the store now has it, after another session changed it."""
        self._load = None  # read the load again: the other session moved a card
        self.queue.take(fresh)
        hidden = fresh.suspended or (fresh.buried_day is not None and fresh.buried_day > self.queue.day)
        if not hidden:
            self.queue.put_back(fresh)
            if fresh.memory.state is State.REVIEW:  # answered elsewhere: not due again today
                self.queue.review[:] = [c for c in self.queue.review if c.id != fresh.id]

    def answer_choice(self, letters: str) -> Answered:
        """Grade a choice question: exactly the correct options is Good, anything else is Again."""
        shown = self._current()
        chosen = "".join(sorted(set(letters.upper())))
        rating = Rating.GOOD if chosen == shown.text.correct_letters else Rating.AGAIN
        return self.answer(rating)

    def undo(self) -> StoredCard | None:
        """Take back the last answer, bury or suspend of this session (state and log); that card is shown next."""
        while self.done:
            last = self.done.pop()
            if isinstance(last, Answered):
                self.history.remove(last)
                assert last.review_id is not None
                if self.store.undo(last.review_id, self.clock()) is None:
                    continue  # answered again since, in another session: not ours to undo
            else:
                assert last.action_id is not None
                if self.store.undo_action(last.action_id, self.clock()) is None:
                    continue  # changed since, in another session: not ours to undo
            card = self.store.card(last.card.id)
            self._load = None  # read the load again, with the card back where it was
            self.queue.take(card)
            self.queue.front.insert(0, card)
            self.shown = None
            return card
        return None

    def bury(self) -> StoredCard:
        """Hide the card on screen until tomorrow (logged, so `u` can take it back)."""
        card = self._current().card
        after = CardState(card.suspended, self.queue.day + 1, card.memory)
        return self._act(card, "bury", after)

    def suspend(self) -> StoredCard:
        """Stop showing the card on screen until it is unsuspended (logged, so `u` can take it back)."""
        card = self._current().card
        return self._act(card, "suspend", CardState(True, card.buried_day, card.memory))

    def _act(self, card: StoredCard, action: str, after: CardState) -> StoredCard:
        action_id = self.store.act(card, action, after, self.clock(), origin="review")
        if action_id is not None:
            self.done.append(Acted(card, action, action_id))
        self.queue.take(card)
        self.shown = None
        return card

    def counts(self) -> tuple[int, int, int]:
        """(reviews due, new, learning) left in this session."""
        return self.queue.counts

    def summary(self) -> Summary:
        """Cards studied, time spent, again count, and how many cards are due tomorrow."""
        now = self.clock()
        studied = len({a.card.id for a in self.history})
        again = sum(1 for a in self.history if a.rating is Rating.AGAIN)
        tomorrow_end = day_begins(self.queue.day + 2, self.settings.day_start)
        due = sum(1 for c in self.store.due_cards(self.courses, tomorrow_end) if self.filters.matches(c))
        return Summary(studied, (now - self.started).total_seconds(), again, due, len(self.queue.learning))

    def _current(self) -> Shown:
        if self.shown is None:
            raise SrsError("no card is on screen")
        return self.shown


def _note(card: StoredCard) -> str:
    """The note of a card as the load balancer names it (siblings share it)."""
    return f"{card.course}/{card.note}"


@dataclass(frozen=True)
class DueDomain:
    domain: int | None
    learning: int
    review: int
    new: int


def due_today(
    decks: Path,
    home: Path,
    settings: Settings | None = None,
    filters: Filters | None = None,
    clock: Clock = utc_now,
    pace_new_cards: bool = True,
) -> tuple[list[DueDomain], list[tuple[Plan, PlanDay]]]:
    """What today's queue holds, per exam domain, after syncing with the sources (following the
    study plans as `review` does), and each plan's day for today."""
    session = ReviewSession.start(decks, home, settings, filters, clock=clock)
    try:
        session.follow_plan(pace_new_cards)
        queue = session.queue
        counts: dict[int | None, Counter[str]] = {}
        for kind, cards in (("learning", queue.learning), ("review", queue.review), ("new", queue.new)):
            for card in cards:
                counts.setdefault(card.domain, Counter())[kind] += 1
        today = date.fromordinal(queue.day)
        days = [(p, d) for p in session.plans_in_force if (d := p.day(today)) is not None]
    finally:
        session.close()
    order = sorted(counts, key=lambda d: (d is None, d or 0))
    return [DueDomain(d, counts[d]["learning"], counts[d]["review"], counts[d]["new"]) for d in order], days
