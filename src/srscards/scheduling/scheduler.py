"""FSRS scheduling with Anki's day boundaries: what one answer does to a card's memory and due time.

The `fsrs` package computes stability, difficulty, state and steps. Two things are decided
here, the way Anki decides them:

- Elapsed days count study-day boundaries (a day starts at `day_start` local time), not
  24-hour spans: a card reviewed at 23:00 and again at 05:00 the next morning is one day
  later. fsrs counts whole 24-hour spans, so each review is handed to it at a stand-in time
  placed on its study day, which makes fsrs's day count equal the day-boundary count.
- Fuzz is drawn from a generator seeded by the card and its review count, not from the
  global random state, so an interval shown on a key is the interval given, and replaying
  the review log gives the same due dates again.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from typing import Any


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class State(IntEnum):
    """A card's learning state; 1-3 are fsrs's own values."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True)
class Settings:
    """Scheduling settings; the defaults are Anki's."""

    desired_retention: float = 0.9
    learning_steps: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=10))
    relearning_steps: tuple[timedelta, ...] = (timedelta(minutes=10),)
    maximum_interval: int = 36500
    fuzz: bool = True
    day_start: time = time(4, 0)
    new_per_day: int = 20
    reviews_per_day: int = 200
    learn_ahead: timedelta = timedelta(minutes=20)
    parameters: tuple[float, ...] = field(default=())


@dataclass(frozen=True)
class Memory:
    """The scheduling state of one card, as it stands after its last answer."""

    state: State = State.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "state": int(self.state),
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": to_ms(self.due),
            "last_review": to_ms(self.last_review),
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Memory:
        return cls(
            State(data["state"]),
            data["step"],
            data["stability"],
            data["difficulty"],
            from_ms(data["due"]),
            from_ms(data["last_review"]),
            data["reps"],
            data["lapses"],
        )


def to_ms(moment: datetime | None) -> int | None:
    """Unix time in milliseconds (always UTC), as the store keeps it."""
    return None if moment is None else round(moment.timestamp() * 1000)


def from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def study_day(moment: datetime, day_start: time) -> int:
    """The study day of a moment (a date ordinal): the local date, with days starting at `day_start`."""
    local = moment.astimezone()
    shifted = local.replace(tzinfo=None) - timedelta(hours=day_start.hour, minutes=day_start.minute)
    return shifted.date().toordinal()


def review_day(moment: datetime, day_start: time) -> int:
    """The study day of an answer, for counting elapsed days exactly as Anki does.

    Anki counts whole seconds back from the next day start, so an answer given at the very
    second a day starts still belongs to the day that ends there.
    """
    return study_day(moment.replace(microsecond=0) - timedelta(seconds=1), day_start)


def day_begins(day: int, day_start: time) -> datetime:
    """The UTC moment study day `day` begins, in the local time zone (daylight saving included)."""
    return datetime.combine(date.fromordinal(day), day_start).astimezone().astimezone(UTC)


def _stand_in(day: int, seq: int) -> datetime:
    # fsrs takes (t2 - t1).days as the elapsed days; with every review at midnight of its day
    # plus a microsecond per review (to keep order), that equals the day-boundary count.
    return datetime.combine(date.fromordinal(day), time(0), tzinfo=UTC) + timedelta(microseconds=seq)


class Scheduler:
    """Answers cards with fsrs; `seed` makes fuzz repeatable."""

    def __init__(self, settings: Settings, seed: int = 0) -> None:
        import fsrs

        self.settings = settings
        self.seed = seed
        extra = {"parameters": settings.parameters} if settings.parameters else {}
        self._fsrs = fsrs.Scheduler(
            desired_retention=settings.desired_retention,
            learning_steps=settings.learning_steps,
            relearning_steps=settings.relearning_steps,
            maximum_interval=settings.maximum_interval,
            enable_fuzzing=False,
            **extra,
        )
        self._fsrs_module = fsrs

    def answer(self, memory: Memory, rating: Rating, now: datetime, key: str = "") -> Memory:
        """The card's state after answering `rating` at `now`; `key` names the card for its fuzz."""
        fsrs = self._fsrs_module
        today = review_day(now, self.settings.day_start)
        card = fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=_stand_in(today, 0))
        if memory.state is not State.NEW:
            assert memory.last_review is not None
            last_day = review_day(memory.last_review, self.settings.day_start)
            card = fsrs.Card(
                card_id=1,
                state=fsrs.State(int(memory.state)),
                step=memory.step,
                stability=memory.stability,
                difficulty=memory.difficulty,
                due=_stand_in(today, 0),
                last_review=_stand_in(last_day, memory.reps),
            )
        at = _stand_in(today, memory.reps + 1)
        after, _ = self._fsrs.review_card(card, fsrs.Rating(int(rating)), at)
        interval = after.due - at
        state = State(int(after.state))
        if state is State.REVIEW:
            days = interval.days
            if self.settings.fuzz:
                days = self._fuzzed(days, f"{self.seed}:{key}:{memory.reps}")
            due = day_begins(today + days, self.settings.day_start)
        else:
            due = now + interval
        lapse = memory.state is State.REVIEW and rating is Rating.AGAIN
        return Memory(
            state,
            after.step,
            after.stability,
            after.difficulty,
            due,
            now,
            memory.reps + 1,
            memory.lapses + lapse,
        )

    def _fuzzed(self, days: int, seed: str) -> int:
        # fsrs's own fuzz range, drawn from a generator seeded per card and answer instead of
        # the global random state (fsrs reads `random` from its module).
        import fsrs.scheduler as module

        saved = module.random
        module.random = random.Random(seed).random
        try:
            return self._fsrs._get_fuzzed_interval(interval=timedelta(days=days)).days
        finally:
            module.random = saved

    def preview(self, memory: Memory, now: datetime, key: str = "") -> dict[Rating, timedelta]:
        """The interval each rating would give now, as the rating keys show it."""
        return {rating: self.interval(self.answer(memory, rating, now, key), now) for rating in Rating}

    def interval(self, after: Memory, now: datetime) -> timedelta:
        """The gap until `after` is due: whole study days for a review card, as Anki counts them."""
        assert after.due is not None
        if after.state is State.REVIEW:
            start = self.settings.day_start
            return timedelta(days=study_day(after.due, start) - study_day(now, start))
        return after.due - now

    def replay(self, answers: Iterable[tuple[datetime, Rating]], key: str = "") -> Memory:
        """The state a card reaches from a new card through `answers` (oldest first)."""
        memory = Memory()
        for moment, rating in answers:
            memory = self.answer(memory, rating, moment, key)
        return memory

    def retrievability(self, memory: Memory, now: datetime) -> float:
        """Probability of recall now, with elapsed days counted by day boundaries."""
        if memory.stability is None or memory.last_review is None:
            return 0.0
        fsrs = self._fsrs_module
        days = review_day(now, self.settings.day_start) - review_day(memory.last_review, self.settings.day_start)
        card = fsrs.Card(card_id=1, state=fsrs.State.Review, stability=memory.stability, last_review=_stand_in(1, 0))
        return self._fsrs.get_card_retrievability(card, _stand_in(1 + max(days, 0), 1))

    @property
    def curve(self) -> tuple[float, float]:
        """(factor, decay) of fsrs's forgetting curve: recall = (1 + factor * days / stability) ** decay."""
        return float(self._fsrs._FACTOR), float(self._fsrs._DECAY)

    def recall(self, stability: float, days: int) -> float:
        """fsrs's forgetting curve: probability of recall `days` study days after the last answer."""
        factor, decay = self.curve
        return float((1 + factor * max(days, 0) / stability) ** decay)


def format_interval(span: timedelta) -> str:
    """An interval as Anki shows it on the answer buttons: 1m, 10m, 3h, 4d, 1.5mo, 2.1y."""
    seconds = max(span.total_seconds(), 0)
    if seconds < 3600:
        return f"{max(round(seconds / 60), 1)}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


def with_overrides(settings: Settings, **changes: Any) -> Settings:
    """Settings with the given fields replaced; None values are ignored."""
    return replace(settings, **{k: v for k, v in changes.items() if v is not None})
