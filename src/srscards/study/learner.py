"""The simulated learner: how a person grades and how long each answer takes.

Before the log holds enough answers, the learner is Anki's own simulator default (the
`fsrs-rs` simulator config that Anki's FSRS simulator starts from): first-answer ratings,
ratings of recalled reviews, rating transitions within learning and relearning steps, and
seconds per answer by state and rating. Once the log holds enough answers, each part is
taken from it instead: the learner's own rating shares and median answer times.

Whether a review is recalled is not part of the learner: the scheduler's FSRS forgetting
curve (with the parameters in force) says how likely it is.

`learning_outcomes` follows a new card through its learning steps with the real scheduler,
so the simulation starts every card from the state and interval the scheduler gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from srscards.scheduling.scheduler import Memory, Rating, Scheduler, State, study_day, with_overrides
from srscards.store.records import ReviewRow

# Anki's simulator defaults (fsrs-rs `DEFAULT_*`, as `fsrs_rs_python.default_simulator_config()` gives them).
FIRST_RATING = (0.24, 0.094, 0.495, 0.171)
REVIEW_RATING = (0.224, 0.631, 0.145)  # hard, good, easy of a recalled review
LEARNING_TRANSITIONS = (
    (0.3686, 0.0628, 0.5108, 0.0577),
    (0.0442, 0.4553, 0.4457, 0.0549),
    (0.0519, 0.0470, 0.8462, 0.0550),
)
RELEARNING_TRANSITIONS = (
    (0.2157, 0.0643, 0.6595, 0.0604),
    (0.0500, 0.4638, 0.4475, 0.0387),
    (0.1057, 0.1434, 0.7266, 0.0244),
)
# Seconds per answer: rows learning, review, relearning; columns again, hard, good, easy.
SECONDS = (
    (19.58, 18.79, 13.78, 10.71),
    (19.38, 17.59, 12.38, 8.94),
    (16.44, 15.25, 12.32, 8.03),
)
# Reading a question with four options and their explanations takes longer than a flashcard;
# used until the log has answers of that card type.
TYPE_FACTORS = {"choice": 1.6, "ordering": 1.6, "matching": 1.6}
ENOUGH_FIRST_ANSWERS = 100
ENOUGH_REVIEWS = 300
ENOUGH_TIMES = 30
LONGEST_ANSWER_MS = 120_000


@dataclass(frozen=True)
class Learner:
    """Rating shares and answer times of one learner."""

    first_rating: tuple[float, ...] = FIRST_RATING
    review_rating: tuple[float, ...] = REVIEW_RATING
    learning_transitions: tuple[tuple[float, ...], ...] = LEARNING_TRANSITIONS
    relearning_transitions: tuple[tuple[float, ...], ...] = RELEARNING_TRANSITIONS
    seconds: tuple[tuple[float, ...], ...] = SECONDS
    type_factors: dict[str, float] = field(default_factory=lambda: dict(TYPE_FACTORS))
    source: str = "Anki's simulator defaults"

    def type_factor(self, card_type: str) -> float:
        return self.type_factors.get(card_type, 1.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "first_rating": [round(p, 3) for p in self.first_rating],
            "review_rating": [round(p, 3) for p in self.review_rating],
            "seconds": [[round(s, 1) for s in row] for row in self.seconds],
            "type_factors": {k: round(v, 2) for k, v in sorted(self.type_factors.items())},
        }


def _shares(counts: Sequence[int]) -> tuple[float, ...]:
    total = sum(counts)
    return tuple(c / total for c in counts)


def learner_from_log(rows: Sequence[ReviewRow], card_types: dict[int, str]) -> Learner:
    """The learner as the log shows them; each part falls back to the defaults until the log has enough."""
    learner = Learner()
    parts = []
    first = [0, 0, 0, 0]
    recalled = [0, 0, 0]
    times: dict[tuple[int, int], list[int]] = {}
    by_type: dict[str, list[int]] = {}
    for card, _at, rating, duration, state, *_ in rows:
        if state == State.NEW:
            first[rating - 1] += 1
        elif state == State.REVIEW and rating > 1:
            recalled[rating - 2] += 1
        if 0 < duration <= LONGEST_ANSWER_MS:
            row = 0 if state in (State.NEW, State.LEARNING) else 1 if state == State.REVIEW else 2
            times.setdefault((row, rating - 1), []).append(duration)
            if state == State.REVIEW:
                by_type.setdefault(card_types.get(card, ""), []).append(duration)
    if sum(first) >= ENOUGH_FIRST_ANSWERS:
        learner = replace(learner, first_rating=_shares(first))
        parts.append(f"first ratings of {sum(first)} new cards")
    if sum(recalled) >= ENOUGH_REVIEWS:
        learner = replace(learner, review_rating=_shares(recalled))
        parts.append(f"ratings of {sum(recalled)} recalled reviews")
    seconds = [list(row) for row in learner.seconds]
    timed = 0
    for (row, column), values in times.items():
        if len(values) >= ENOUGH_TIMES:
            seconds[row][column] = median(values) / 1000
            timed += len(values)
    if timed:
        learner = replace(learner, seconds=tuple(tuple(row) for row in seconds))
        parts.append(f"times of {timed} answers")
    everyone = [d for values in by_type.values() for d in values]
    factors = dict(learner.type_factors)
    if len(everyone) >= ENOUGH_REVIEWS:
        middle = median(everyone)
        for kind, values in by_type.items():
            if kind and len(values) >= ENOUGH_TIMES:
                factors[kind] = median(values) / middle
        learner = replace(learner, type_factors=factors)
    if parts:
        learner = replace(learner, source="your review log (" + ", ".join(parts) + "); the rest Anki's defaults")
    return learner


@dataclass(frozen=True)
class Outcome:
    """One way through the learning steps: its probability, seconds, and the graduated state."""

    probability: float
    seconds: float
    stability: float
    difficulty: float
    interval: int  # days from the day the card was introduced to its first review
    last_day: int  # days from the introduction to the last learning answer
    answers: int


def learning_outcomes(scheduler: Scheduler, learner: Learner, now: datetime, cutoff: float = 1e-4) -> list[Outcome]:
    """Every way a new card goes through its learning steps, answered with the real scheduler (fuzz off)."""
    plain = Scheduler(with_overrides(scheduler.settings, fuzz=False))
    day_start = plain.settings.day_start
    today = study_day(now, day_start)
    outcomes: list[Outcome] = []

    def walk(memory: Memory, at: datetime, rating: Rating, probability: float, seconds: float, depth: int) -> None:
        after = plain.answer(memory, rating, at)
        seconds += learner.seconds[0][rating - 1]
        assert after.due is not None
        if after.state is State.REVIEW or depth >= 8:
            last = study_day(at, day_start) - today
            interval = study_day(after.due, day_start) - today
            stability, difficulty = after.stability or 0.0, after.difficulty or 0.0
            outcomes.append(Outcome(probability, seconds, stability, difficulty, interval, last, depth + 1))
            return
        row = list(learner.learning_transitions[min(rating, 3) - 1])
        for k, share in enumerate(row):  # ways too unlikely to follow count as Good
            if k != Rating.GOOD - 1 and probability * share < cutoff:
                row[Rating.GOOD - 1] += share
                row[k] = 0.0
        for following, share in zip(Rating, row, strict=True):
            if share and probability * share >= cutoff:
                walk(
                    after, max(after.due, at + timedelta(seconds=1)), following, probability * share, seconds, depth + 1
                )

    for first, share in zip(Rating, learner.first_rating, strict=True):
        walk(Memory(), now, first, share, 0.0, 0)
    total = sum(o.probability for o in outcomes)
    return [replace(o, probability=o.probability / total) for o in outcomes]
