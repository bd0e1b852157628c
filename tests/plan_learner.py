"""A simulated learner who follows a study plan card by card through the real scheduler.

Independent of the plan's vectorised simulation: every answer goes through
`Scheduler.answer` (fuzz on, real day boundaries, learning and relearning steps at their real
times, the load balancer fed the learner's cards due on each coming day as a review session
feeds it), recall is drawn from the scheduler's own retrievability, ratings and seconds from
the learner model, and at most `reviews_per_day` reviews are done a day (earliest due first).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from srscards.scheduling.load_balance import DueLoad
from srscards.scheduling.scheduler import Rating, Scheduler, State, day_begins, study_day
from srscards.store.records import StoredCard
from srscards.study.learner import Learner
from srscards.study.plan import Plan


@dataclass(frozen=True)
class Outcome:
    minutes: list[float]  # per study day
    exam_recall: float  # weighted by `weights`
    held_after: float  # share of studied cards at >= 90% recall 30 days after the exam


def _pick(rng: random.Random, shares: Sequence[float]) -> int:
    draw, total = rng.random(), 0.0
    for i, share in enumerate(shares):
        total += share
        if draw < total:
            return i
    return len(shares) - 1


def follow(
    plan: Plan,
    cards: Sequence[StoredCard],
    weights: Sequence[float],
    scheduler: Scheduler,
    learner: Learner,
    seed: int,
) -> Outcome:
    rng = random.Random(seed)
    settings = scheduler.settings
    start = date.fromisoformat(plan.days[0].date).toordinal()
    by_key = {f"{c.note}/{c.variant}": i for i, c in enumerate(cards)}
    memory = {i: c.memory for i, c in enumerate(cards)}
    minutes = []
    load = DueLoad(0)

    def steps(i: int, rating: Rating, at: datetime, row: int) -> float:
        """Answer `rating` at `at`, then the learning or relearning steps; the seconds spent."""
        card = cards[i]
        factor = learner.type_factor(card.type)
        spent = 0.0
        while True:
            memory[i] = scheduler.answer(memory[i], rating, at, card.key, load=load)
            spent += learner.seconds[row][rating - 1] * factor
            state = memory[i].state
            if state not in (State.LEARNING, State.RELEARNING):
                load.add(study_day(memory[i].due, settings.day_start))  # type: ignore[arg-type]
                return spent
            transitions = learner.learning_transitions if state is State.LEARNING else learner.relearning_transitions
            row = 0 if state is State.LEARNING else 2
            rating = Rating(1 + _pick(rng, transitions[min(int(rating), 3) - 1]))
            due = memory[i].due
            assert due is not None
            at = max(due, at + timedelta(seconds=1))

    for offset, day in enumerate(plan.days):
        at = day_begins(start + offset, settings.day_start) + timedelta(hours=6)
        due = [
            i
            for i, m in memory.items()
            if m.state is not State.NEW and m.due is not None and study_day(m.due, settings.day_start) <= start + offset
        ]
        due.sort(key=lambda i: memory[i].due)  # type: ignore[arg-type, return-value]
        load = DueLoad.of(
            start + offset,
            ((study_day(m.due, settings.day_start), "") for m in memory.values() if m.state is not State.NEW and m.due),
        )
        seconds = 0.0
        for i in due[: settings.reviews_per_day]:
            recalled = rng.random() < scheduler.retrievability(memory[i], at)
            rating = Rating(2 + _pick(rng, learner.review_rating)) if recalled else Rating.AGAIN
            seconds += steps(i, rating, at, 1)
        for key in day.cards:
            i = by_key[key]
            seconds += steps(i, Rating(1 + _pick(rng, learner.first_rating)), at, 0)
        minutes.append(seconds / 60)
    exam = day_begins(date.fromisoformat(plan.exam_date).toordinal(), settings.day_start) + timedelta(hours=6)
    recall = [scheduler.retrievability(memory[i], exam) if memory[i].state is not State.NEW else 0.0 for i in memory]
    later = exam + timedelta(days=30)
    studied = [i for i in memory if memory[i].state is not State.NEW]
    held = sum(scheduler.retrievability(memory[i], later) >= 0.9 for i in studied) / max(len(studied), 1)
    return Outcome(minutes, sum(r * w for r, w in zip(recall, weights, strict=True)), held)
