"""FSRS scheduling with Anki's day boundaries: what one answer does to a card's memory and due time.

The `fsrs` package computes stability, difficulty, state and steps. Two things are decided
here, the way Anki decides them:

- Elapsed days are counted as Anki counts them: whole 24-hour blocks back from the next day
  start (`day_start` in the UTC offset in force at the moment of counting), so a card reviewed
  at 23:00 and again at 05:00 the next morning is one day later. Anki anchors the blocks on the
  day start after "now" (the moment it answers, recomputes, evaluates or optimizes); `DayCount`
  does the same, so the count agrees with Anki's in every time zone, daylight saving included.
  fsrs counts whole 24-hour spans, so each review is handed to it at a stand-in time placed on
  its day, which makes fsrs's day count equal the block count.
- Intervals in days follow Anki's rules on top of the FSRS interval: after a review, Hard,
  Good and Easy are each at least a day longer than the one before, and an interval that grew
  is not fuzzed below the previous one; leaving (re)learning, Easy is at least the (fuzzed)
  Good interval plus one. Fuzz picks a day from Anki's fuzz range (`fuzz_bounds`), with one
  draw per answer shared by the three buttons, as Anki draws it.
- The fuzz draw comes from a generator seeded by the card and its review count, not from the
  global random state, so an interval shown on a key is the interval given, and replaying
  the review log gives the same due dates again.
- With a `DueLoad` (the cards due on each coming day) and `load_balancer` on, the day within
  the fuzz range is picked as Anki's load balancer picks it (`load_balance`), by the same draw.
- With `fuzz` on, a (re)learning step that ends before the next day start is lengthened as
  Anki lengthens it (`learning_fuzz`): by a whole number of seconds drawn from 0 up to a quarter of the step, at
  most 299.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import cached_property
from typing import Any

from srscards.scheduling.load_balance import DueLoad, balanced_day, day_weights, is_balanced


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
    bury_new: bool = False  # Anki's default: new siblings of a card answered today are shown too
    bury_reviews: bool = False  # Anki's default: so are review siblings
    same_day_questions: bool = False  # a new question may come on a day its concept card is shown
    load_balancer: bool = True  # Anki's default: the day within the fuzz range evens out the daily load
    learning_fuzz: bool = True  # Anki's: learning steps a little longer, at random (only with `fuzz` on)
    easy_days: tuple[float, ...] = (1.0,) * 7  # Monday first; Anki's default: every day a normal day


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


def next_day_at(now: datetime, day_start: time) -> datetime:
    """The next day start after `now`, as Anki's `next_day_at`: in the UTC offset in force at `now`."""
    local = now.astimezone()  # a fixed offset: a day added below is exactly 86,400 seconds
    start = local.replace(hour=day_start.hour, minute=day_start.minute, second=0, microsecond=0)
    if start <= local.replace(microsecond=0):
        start += timedelta(days=1)
    return start.astimezone(UTC)


class DayCount:
    """Anki's day count for answers, anchored on the day start after `now`.

    An answer belongs to the day `today - k` (`today`: the study day of `now`) when it lies k
    whole 24-hour blocks (counted in whole seconds) before the next day start; so an answer
    given at the very second a day starts still belongs to the day that ends there. Blocks are
    exactly 24 hours long, also across daylight-saving changes, as in Anki's recompute,
    Evaluate and Optimize.
    """

    def __init__(self, now: datetime, day_start: time) -> None:
        self.next_s = int(next_day_at(now, day_start).timestamp())
        self.today = study_day(now, day_start)

    def day(self, moment: datetime) -> int:
        return self.today - (self.next_s - math.floor(moment.timestamp())) // 86400

    def day_ms(self, ms: Any) -> Any:
        """The day of Unix milliseconds `ms`: an int, or a numpy array of them (the same arithmetic)."""
        return self.today - (self.next_s - ms // 1000) // 86400


def review_day(moment: datetime, day_start: time, now: datetime | None = None) -> int:
    """The day of an answer as Anki counts it from `now` (by default from the answer itself)."""
    return DayCount(moment if now is None else now, day_start).day(moment)


def day_begins(day: int, day_start: time) -> datetime:
    """The UTC moment study day `day` begins, in the local time zone (daylight saving included)."""
    return datetime.combine(date.fromordinal(day), day_start).astimezone().astimezone(UTC)


def _stand_in(day: int, seq: int) -> datetime:
    # fsrs takes (t2 - t1).days as the elapsed days; with every review at midnight of its day
    # plus a microsecond per review (to keep order), that equals the day-boundary count.
    return datetime.combine(date.fromordinal(day), time(0), tzinfo=UTC) + timedelta(microseconds=seq)


FUZZ_RANGES = ((2.5, 7.0, 0.15), (7.0, 20.0, 0.1), (20.0, math.inf, 0.05))


def _round(value: float) -> int:
    """Rounding half away from zero, as Rust's `round` (Python's `round` rounds half to even)."""
    return math.floor(value + 0.5)


def fuzz_bounds(interval: float, minimum: int, maximum: int) -> tuple[int, int]:
    """Anki's fuzz range for an interval in days, kept within [minimum, maximum] (Anki's `constrained_fuzz_bounds`)."""
    minimum = min(minimum, maximum)
    interval = min(max(interval, minimum), maximum)
    delta = 0.0
    if interval >= 2.5:
        delta = 1.0 + sum(factor * max(min(interval, end) - start, 0.0) for start, end, factor in FUZZ_RANGES)
    lower = min(max(_round(interval - delta), minimum), maximum)
    upper = min(max(_round(interval + delta), minimum), maximum)
    if upper == lower and 2 < upper < maximum:
        upper = lower + 1
    return lower, upper


def fuzzed_interval(
    interval: float,
    minimum: int,
    maximum: int,
    factor: float | None,
    load: DueLoad | None = None,
    easy_days: tuple[float, ...] = (1.0,) * 7,
    note: str | None = None,
) -> int:
    """An interval in days as Anki gives it: a day of the fuzz range picked by `factor` in [0, 1) (floor,
    not round), or without fuzz (`factor` None) the interval rounded, within [minimum, maximum].

    With a `load`, a fuzzed interval of at most 90 days is picked by Anki's load balancer
    instead: each day of the range weighted by the cards due on it (see `load_balance`)."""
    maximum = max(maximum, 1)
    minimum = min(max(minimum, 1), maximum)
    if factor is None:
        return min(max(_round(interval), minimum), maximum)
    lower, upper = fuzz_bounds(interval, minimum, maximum)
    if load is not None and is_balanced(interval, minimum):
        return balanced_day(lower, upper, day_weights(lower, upper, load, easy_days, note), factor)
    return math.floor(lower + factor * (1 + upper - lower))


def learning_fuzz_seconds(step: int, draw: float) -> int:
    """Anki's extra seconds on a learning step of `step` seconds: a whole number from 0 up to
    min(floor(step / 4), 300) - 1, picked by `draw` in [0, 1) (none for steps under 8 seconds)."""
    span = math.floor(min(step * 0.25, 300.0))
    return 0 if span <= 0 else min(math.floor(draw * span), span - 1)


class Scheduler:
    """Answers cards with fsrs; `seed` makes fuzz repeatable."""

    def __init__(self, settings: Settings, seed: int = 0) -> None:
        self.settings = settings
        self.seed = seed

    @cached_property
    def _fsrs_module(self) -> Any:
        """The fsrs package, imported on the first answer or interval (not to show the first card)."""
        import fsrs

        return fsrs

    @cached_property
    def _fsrs(self) -> Any:
        settings = self.settings
        extra = {"parameters": settings.parameters} if settings.parameters else {}
        return self._fsrs_module.Scheduler(
            desired_retention=settings.desired_retention,
            learning_steps=settings.learning_steps,
            relearning_steps=settings.relearning_steps,
            maximum_interval=settings.maximum_interval,
            enable_fuzzing=False,
            **extra,
        )

    def answer(
        self,
        memory: Memory,
        rating: Rating,
        now: datetime,
        key: str = "",
        anchor: datetime | None = None,
        previous: int | None = None,
        load: DueLoad | None = None,
        note: str | None = None,
        step_fuzz: bool = True,
    ) -> Memory:
        """The card's state after answering `rating` at `now`; `key` names the card for its fuzz.

        Without `anchor`, days are counted as Anki counts them when it answers; a replay of the
        log passes the moment it runs as `anchor`, and days are counted as Anki's recompute
        counts them (see `_days`). `previous` is the interval the card
        was last given (default: from its due date). With `load` (the cards due on each coming
        day) and the load balancer on, the day is picked as Anki's load balancer picks it;
        `note` names the card's note, so that with review siblings buried its siblings' days
        are avoided as Anki avoids them. `step_fuzz` false leaves a learning step unfuzzed (what
        Anki shows on its answer buttons).
        """
        fsrs = self._fsrs_module
        today, day_of = self._days(now, anchor)
        card = self._fsrs_card(memory, today, day_of)
        at = _stand_in(today, memory.reps + 1)
        after, _ = self._fsrs.review_card(card, fsrs.Rating(int(rating)), at)
        interval = after.due - at
        state = State(int(after.state))
        if state is State.REVIEW:
            factor = random.Random(f"{self.seed}:{key}:{memory.reps}").random() if self.settings.fuzz else None
            balance = self._balance(load, note)
            ivl = self._review_days(card, memory, rating, at, after.stability, factor, previous, balance)
            due = day_begins(today + ivl, self.settings.day_start)
        else:
            due = now + interval
            step = int(interval.total_seconds())
            fuzz = step_fuzz and self.settings.fuzz and self.settings.learning_fuzz
            if fuzz and now + interval < next_day_at(now, self.settings.day_start):
                draw = random.Random(f"{self.seed}:{key}:{memory.reps}:step").random()
                due += timedelta(seconds=learning_fuzz_seconds(step, draw))
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

    def _balance(self, load: DueLoad | None, note: str | None) -> tuple[DueLoad, str | None] | None:
        """The load to balance by (with the note whose siblings to avoid), when the settings balance."""
        if load is None or not (self.settings.load_balancer and self.settings.fuzz):
            return None
        return load, note if self.settings.bury_reviews else None

    def _days(self, now: datetime, anchor: datetime | None) -> tuple[int, Callable[[datetime], int]]:
        """The day of `now` and the day rule for earlier answers.

        Both count 24-hour blocks back from the next day start. An answer given now (no
        `anchor`) counts from the day start after now and is itself on today, as Anki's answer
        counts; a replay counts every answer, this one included, from the day start after
        `anchor`, as Anki's recompute does. They differ only for an answer at the very second
        a day starts and around a daylight-saving change.
        """
        count = DayCount(now if anchor is None else anchor, self.settings.day_start)
        return (count.today if anchor is None else count.day(now)), count.day

    def _fsrs_card(self, memory: Memory, today: int, day_of: Callable[[datetime], int]) -> Any:
        """`memory` as an fsrs card answered on stand-in days (see the module docstring)."""
        fsrs = self._fsrs_module
        if memory.state is State.NEW:
            return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=_stand_in(today, 0))
        assert memory.last_review is not None
        return fsrs.Card(
            card_id=1,
            state=fsrs.State(int(memory.state)),
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=_stand_in(today, 0),
            last_review=_stand_in(day_of(memory.last_review), memory.reps),
        )

    def raw_interval(self, stability: float) -> float:
        """FSRS's interval in days for a stability, before rounding: recall falls to the desired retention."""
        factor, decay = self.curve
        return stability / factor * (self.settings.desired_retention ** (1 / decay) - 1)

    def previous_interval(self, memory: Memory) -> int:
        """The interval in days the card was last given (due day minus the day of its last answer)."""
        if memory.state is not State.REVIEW or memory.due is None or memory.last_review is None:
            return 0
        start = self.settings.day_start
        return max(study_day(memory.due, start) - study_day(memory.last_review, start), 0)

    def _review_days(
        self,
        card: Any,
        memory: Memory,
        rating: Rating,
        at: datetime,
        stability: float,
        factor: float | None,
        previous: int | None = None,
        balance: tuple[DueLoad, str | None] | None = None,
    ) -> int:
        """Days until a card that is (or becomes) a review card is due, by Anki's rules."""
        maximum = self.settings.maximum_interval
        load, note = balance if balance is not None else (None, None)
        easy_days = self.settings.easy_days

        def fuzzed(value: float, minimum: int) -> int:
            return fuzzed_interval(value, minimum, maximum, factor, load, easy_days, note)

        def raw(r: Rating) -> float:
            if r is rating:
                return self.raw_interval(stability)
            other, _ = self._fsrs.review_card(card, self._fsrs_module.Rating(int(r)), at)
            return self.raw_interval(other.stability)

        if memory.state is State.REVIEW and rating is not Rating.AGAIN:
            last = self.previous_interval(memory) if previous is None else previous

            def floor_of(value: float) -> int:
                # an interval that grew stays longer than the previous one; one whose fuzz range
                # reaches the previous interval is not fuzzed below it
                if _round(value) > last:
                    return last + 1
                return last if fuzz_bounds(value, 1, maximum)[1] >= last else 0

            days = 0
            for r in (Rating.HARD, Rating.GOOD, Rating.EASY):
                value = raw(r)
                days = fuzzed(value, max(floor_of(value), days + 1))
                if r is rating:
                    return days
        if rating is Rating.EASY:
            good = fuzzed(raw(Rating.GOOD), 1)
            return fuzzed(max(_round(raw(Rating.EASY)), 1), good + 1)
        return fuzzed(max(_round(raw(rating)), 1), 1)

    def interval_bounds(
        self, memory: Memory, rating: Rating, now: datetime, previous: int | None = None
    ) -> tuple[int, int] | None:
        """The shortest and longest interval in days an answer can give with fuzz (None: not a review card after it).

        `previous` is the interval the card was last given (default: from its due date).
        """
        fsrs = self._fsrs_module
        today, day_of = self._days(now, None)
        card = self._fsrs_card(memory, today, day_of)
        at = _stand_in(today, memory.reps + 1)
        after, _ = self._fsrs.review_card(card, fsrs.Rating(int(rating)), at)
        if State(int(after.state)) is not State.REVIEW:
            return None
        return (
            self._review_days(card, memory, rating, at, after.stability, 0.0, previous),
            self._review_days(card, memory, rating, at, after.stability, 1.0 - 1e-9, previous),
        )

    def preview(
        self, memory: Memory, now: datetime, key: str = "", load: DueLoad | None = None, note: str | None = None
    ) -> dict[Rating, timedelta]:
        """The interval each rating would give now, as the rating keys show it (as Anki's buttons show
        them: a learning step without its fuzz)."""
        return {
            rating: self.interval(self.answer(memory, rating, now, key, load=load, note=note, step_fuzz=False), now)
            for rating in Rating
        }

    def interval(self, after: Memory, now: datetime) -> timedelta:
        """The gap until `after` is due: whole study days for a review card, as Anki counts them."""
        assert after.due is not None
        if after.state is State.REVIEW:
            start = self.settings.day_start
            return timedelta(days=study_day(after.due, start) - study_day(now, start))
        return after.due - now

    def replay(self, answers: Iterable[tuple[datetime, Rating]], key: str = "", now: datetime | None = None) -> Memory:
        """The state a card reaches from a new card through `answers` (oldest first).

        With `now`, days are counted from the day start after `now` for every answer, as Anki's
        recompute counts them; without it, each answer counts from its own moment, as it did
        when it was given.
        """
        memory = Memory()
        for moment, rating in answers:
            memory = self.answer(memory, rating, moment, key, now)
        return memory

    def replay_memory(self, answers: Iterable[tuple[int, int]], now: datetime) -> Memory:
        """`replay` of (ms, rating) answers (oldest first) with days counted from `now`, without due dates.

        State, step, stability and difficulty never depend on a due date or on fuzz, so this gives
        every field of `replay(..., now=now)` but `due` (None), without the interval rules that make
        most of an answer's cost: a recompute that keeps each card's due date needs no more. It
        follows fsrs's `review_card` for the memory alone, with fsrs's formulas written out term by
        term in fsrs's order (so the floats are the same to the last bit) and their constant parts
        taken from fsrs's own methods once; days are whole days, as `answer` hands them to fsrs.
        `memory_replay.replay_memories` does the same for many cards at once (the recompute uses
        it); `tests/test_optimize_paths.py` checks both against `replay` on random histories and settings.
        """
        constants = self._memory_constants
        p, factor, decay, initial_s, initial_d, easy_d, lowest_s, lowest_d, highest_d = constants[:9]
        recall_base, forget_short, short_terms, deltas, bonuses = constants[9:]
        p7, p9, p11, p12, p13, p14, p19 = p[7], p[9], p[11], p[12], p[13], p[14], p[19]
        learning_steps, relearning_steps = len(self._fsrs.learning_steps), len(self._fsrs.relearning_steps)
        review, relearning, learning = State.REVIEW, State.RELEARNING, State.LEARNING
        count = DayCount(now, self.settings.day_start)
        next_s, count_today = count.next_s, count.today
        new = state = State.NEW
        step, stability, difficulty = None, 0.0, 0.0
        last_ms, last_day, reps, lapses = None, 0, 0, 0
        for ms, rating in answers:
            today = count_today - (next_s - ms // 1000) // 86400  # DayCount.day_ms
            days = today - last_day  # fsrs's days since the last review, on stand-in days
            if state is new:  # fsrs's learning card at step 0, without a stability yet
                stability, difficulty = initial_s[rating], initial_d[rating]
            else:
                if days < 1:  # fsrs's _short_term_stability
                    increase = short_terms[rating] * (stability**-p19)
                    if rating != 1:
                        increase = max(increase, 1.0)
                    stability = max(stability * increase, lowest_s)
                else:
                    recall = (1 + factor * max(0, days) / stability) ** decay
                    if rating == 1:  # fsrs's _next_forget_stability
                        long_term = (
                            p11
                            * (difficulty**-p12)
                            * (((stability + 1) ** (p13)) - 1)
                            * (math.e ** ((1 - recall) * p14))
                        )
                        stability = max(min(long_term, stability / forget_short), lowest_s)
                    else:  # fsrs's _next_recall_stability
                        hard, easy = bonuses[rating]
                        stability = max(
                            stability
                            * (
                                1
                                + recall_base
                                * (11 - difficulty)
                                * (stability**-p9)
                                * ((math.e ** ((1 - recall) * p[10])) - 1)
                                * hard
                                * easy
                            ),
                            lowest_s,
                        )
                # fsrs's _next_difficulty: linear damping, then mean reversion to the initial Easy difficulty
                damped = difficulty + (10.0 - difficulty) * deltas[rating] / 9.0
                difficulty = min(max(p7 * easy_d + (1 - p7) * damped, lowest_d), highest_d)
            lapses += state is review and rating == 1
            if state is review:
                if rating == 1 and relearning_steps:
                    state, step = relearning, 0
            else:
                again = relearning if state is relearning else learning
                steps = relearning_steps if state is relearning else learning_steps
                at = step if step is not None else 0
                if steps == 0 or (at >= steps and rating != 1):
                    state, step = review, None
                elif rating == 1:
                    state, step = again, 0
                elif rating == 2:
                    state, step = again, at
                elif rating == 3 and at + 1 != steps:
                    state, step = again, at + 1
                else:
                    state, step = review, None
            last_ms, last_day, reps = ms, today, reps + 1
        if reps == 0:
            return Memory()
        return Memory(state, step, stability, difficulty, None, from_ms(last_ms), reps, lapses)

    @cached_property
    def _memory_constants(self) -> tuple[Any, ...]:
        """fsrs's parameters, curve and bounds, and the parts of its formulas that depend on the rating
        alone, for `replay_memory` (taken once per scheduler)."""
        import fsrs.scheduler as fsrs_scheduler

        f, rating_of = self._fsrs, self._fsrs_module.Rating
        initial_s = {int(r): f._initial_stability(rating=rating_of(int(r))) for r in Rating}
        initial_d = {int(r): f._initial_difficulty(rating=rating_of(int(r)), clamp=True) for r in Rating}
        easy_d = f._initial_difficulty(rating=rating_of.Easy, clamp=False)
        lowest_s = fsrs_scheduler.STABILITY_MIN
        lowest_d, highest_d = fsrs_scheduler.MIN_DIFFICULTY, fsrs_scheduler.MAX_DIFFICULTY
        p = tuple(f.parameters)
        recall_base = math.e ** (p[8])
        forget_short = math.e ** (p[17] * p[18])
        short_terms = {r: math.e ** (p[17] * (r - 3 + p[18])) for r in range(1, 5)}
        deltas = {r: -(p[6] * (r - 3)) for r in range(1, 5)}
        bonuses = {2: (p[15], 1), 3: (1, 1), 4: (1, p[16])}
        curve = (f._FACTOR, f._DECAY)
        bounds = (lowest_s, lowest_d, highest_d)
        terms = (recall_base, forget_short, short_terms, deltas, bonuses)
        return (p, *curve, initial_s, initial_d, easy_d, *bounds, *terms)

    def retrievability(self, memory: Memory, now: datetime) -> float:
        """Probability of recall now, with elapsed days counted by day boundaries."""
        if memory.stability is None or memory.last_review is None:
            return 0.0
        fsrs = self._fsrs_module
        count = DayCount(now, self.settings.day_start)
        days = count.day(now) - count.day(memory.last_review)
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
