"""The study plan: the best plan a daily budget allows to exam day, found and checked by simulation.

How a plan is made:

- Content: the exam version's cards (not suspended). Cards already studied are reviewed
  anyway; new cards are introduced in `triage.priority_order` (exam weight times weakness
  over cost), as many as the budget allows. The plan says what share of the weighted content
  it covers and, when it is not all, what daily budget (or else what exam date) would cover it.
- Pace: day by day, cards are added to the day's new cards while the expected load of every
  day to the exam stays within the budget with a margin for chance (MARGIN_Z standard
  deviations). The expected load is the expected seconds a day of the studied cards and of
  each day's new cards, each new card followed through a simulated cohort with the
  scheduler's real intervals, limits and the learner's grades (`simulate`). New cards are
  also spread evenly over the days left for them; two cards of one note never start the
  same day, nor a question and a concept card it tests (its `concepts:`), and today's
  questions leave out those whose concept cards are answered or due today (unless
  `same_day_questions` is set), as review would hold them back (see `new_order`). Each day's
  cards are listed in the order review introduces them (task statements taking turns).
- Last days: new cards stop `reserve` days before the exam (a tenth, a fifth or a third of the
  time left, at most 7, 14 or 28 days; the one with the best simulated recall on exam day and 30 days after it wins),
  so the last days are for reviews and practice exams.
- Predictions: RUNS simulated learners follow the plan: recall on exam day per domain and task
  statement, the share of the planned cards at 90% recall or more 30 days after the exam, the
  10th-90th percentile range of each, and the share of days within the budget.
"""

from __future__ import annotations

import copy
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from srscards.errors import SrsError
from srscards.scheduling.scheduler import Scheduler, State, day_begins, study_day
from srscards.store.records import ExamRecord, StoredCard
from srscards.study.learner import Learner, learning_outcomes
from srscards.study.new_order import teaching_order
from srscards.study.simulate import NOT_DUE, Deck, Model, Run, simulate, simulate_split
from srscards.study.triage import PlanProfile, exam_weights, priority_order, weak_tasks

if TYPE_CHECKING:
    from srscards.study.simulate import Floats

MIN_MINUTES = 1
MAX_MINUTES = 600
RUNS = 200
SEARCH_RUNS = 16
BASE_RUNS = 8
COHORT_CARDS = 1000
MARGIN_Z = 2.2
GOAL_RECALL = 0.9
AFTER_EXAM = 30
EXAM_EVERY = 7
EXAM_EVERY_LATE = 3
LATE_DAYS = 14
RESCUE_DAYS = 7
RESERVE_SHARES = ((0.1, 7), (0.2, 14), (1 / 3, 28))  # share of the days left, at most so many days
LATER_WEEKS = 52  # how far a suggested exam date may move
PLAN_FORMAT = 2  # the stored form of `Plan`; a plan of another format is made again from its date and budget


class PlanError(SrsError):
    """A plan cannot be made."""


class PlanInputError(PlanError):
    """The exam date, the budget or the course cannot be planned for (a usage error)."""


@dataclass(frozen=True)
class Range:
    """The 10th, 50th and 90th percentile over the simulated runs."""

    low: float
    middle: float
    high: float

    @classmethod
    def of(cls, values: Any) -> Range:
        import numpy as np

        low, middle, high = np.percentile(values, [10, 50, 90])
        return cls(float(low), float(middle), float(high))

    def to_json(self) -> dict[str, float]:
        return {"p10": round(self.low, 4), "p50": round(self.middle, 4), "p90": round(self.high, 4)}

    @classmethod
    def from_json(cls, data: dict[str, float]) -> Range:
        return cls(data["p10"], data["p50"], data["p90"])

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class PlanDay:
    date: str
    new: int
    cards: tuple[str, ...]  # note/variant of each new card
    reviews: float  # mean over the runs
    reviews_high: float  # 90th percentile
    minutes: float
    minutes_high: float
    focus: tuple[int, ...]
    exam: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "new": self.new,
            "cards": list(self.cards),
            "reviews": round(self.reviews, 1),
            "reviews_p90": round(self.reviews_high, 1),
            "minutes": round(self.minutes, 1),
            "minutes_p90": round(self.minutes_high, 1),
            "focus": list(self.focus),
            "exam": self.exam,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PlanDay:
        return cls(
            d["date"],
            d["new"],
            tuple(d["cards"]),
            d["reviews"],
            d["reviews_p90"],
            d["minutes"],
            d["minutes_p90"],
            tuple(d["focus"]),
            d["exam"],
        )


@dataclass(frozen=True)
class Prediction:
    """What the simulated learners reached by following the plan."""

    runs: int
    exam_recall: Range  # weighted over all the exam's content (cards left out count as forgotten)
    planned_recall: Range  # over the planned cards
    held_after: Range  # share of planned cards at >= 90% recall 30 days after the exam
    within_budget: float  # share of simulated days within the budget
    domains: tuple[tuple[int, str, Range], ...]
    tasks: tuple[tuple[str, str, Range], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "exam_day_recall": self.exam_recall.to_json(),
            "planned_recall": self.planned_recall.to_json(),
            "held_30_days_after": self.held_after.to_json(),
            "days_within_budget": round(self.within_budget, 4),
            "domains": [{"domain": n, "name": name, **r.to_json()} for n, name, r in self.domains],
            "tasks": [{"task": t, "label": label, **r.to_json()} for t, label, r in self.tasks],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Prediction:
        return cls(
            d["runs"],
            Range.from_json(d["exam_day_recall"]),
            Range.from_json(d["planned_recall"]),
            Range.from_json(d["held_30_days_after"]),
            d["days_within_budget"],
            tuple((x["domain"], x["name"], Range.from_json(x)) for x in d["domains"]),
            tuple((x["task"], x["label"], Range.from_json(x)) for x in d["tasks"]),
        )


@dataclass(frozen=True)
class Plan:
    course: str
    profile: PlanProfile
    exam_date: str
    minutes_per_day: int
    made_at: str
    made_on: str
    coverage: float  # share of the weighted content the plan studies
    planned_cards: int
    total_cards: int
    studied_at_start: int
    reserve_days: int
    minutes_for_all: int | None  # the smallest budget that covers all, when this one does not
    date_for_all: str | None  # an exam date that covers all at this budget, when no budget does
    days: tuple[PlanDay, ...]
    prediction: Prediction
    learner: dict[str, Any]

    @property
    def new_cards(self) -> int:
        return sum(d.new for d in self.days)

    @property
    def left_out(self) -> int:
        return self.total_cards - self.planned_cards

    @property
    def last_new_day(self) -> str | None:
        return next((d.date for d in reversed(self.days) if d.new), None)

    @property
    def peak_minutes(self) -> float:
        return max((d.minutes for d in self.days), default=0.0)

    def day(self, when: date) -> PlanDay | None:
        key = when.isoformat()
        return next((d for d in self.days if d.date == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": PLAN_FORMAT,
            "course": self.course,
            "profile": self.profile.to_json(),
            "exam_date": self.exam_date,
            "minutes_per_day": self.minutes_per_day,
            "made_at": self.made_at,
            "made_on": self.made_on,
            "coverage": round(self.coverage, 4),
            "planned_cards": self.planned_cards,
            "total_cards": self.total_cards,
            "studied_at_start": self.studied_at_start,
            "new_cards": self.new_cards,
            "last_new_day": self.last_new_day,
            "reserve_days": self.reserve_days,
            "minutes_for_all": self.minutes_for_all,
            "date_for_all": self.date_for_all,
            "peak_minutes": round(self.peak_minutes, 1),
            "prediction": self.prediction.to_json(),
            "learner": self.learner,
            "days": [d.to_json() for d in self.days],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Plan:
        return cls(
            d["course"],
            PlanProfile.from_json(d["profile"]),
            d["exam_date"],
            d["minutes_per_day"],
            d["made_at"],
            d["made_on"],
            d["coverage"],
            d["planned_cards"],
            d["total_cards"],
            d["studied_at_start"],
            d["reserve_days"],
            d["minutes_for_all"],
            d["date_for_all"],
            tuple(PlanDay.from_json(x) for x in d["days"]),
            Prediction.from_json(d["prediction"]),
            d["learner"],
        )


@dataclass(frozen=True)
class SavedPlan:
    """A course's plan as the store keeps it: the exam date and daily budget every format has, and
    the plan itself when it is of the current format (an older one is made again from the first two)."""

    exam_date: date
    minutes_per_day: int
    plan: Plan | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedPlan:
        current = data.get("format") == PLAN_FORMAT
        return cls(
            date.fromisoformat(data["exam_date"]),
            int(data["minutes_per_day"]),
            Plan.from_json(data) if current else None,
        )


def saved_plan(store: Any, course: str) -> SavedPlan | None:
    """The course's stored plan, read back typed; None without one."""
    raw = store.plan(course)
    return None if raw is None else SavedPlan.from_dict(raw)


def exam_days(days_left: int) -> set[int]:
    """Day offsets of practice exams: weekly, then every few days, the last two days before the exam."""
    chosen = set()
    day = days_left - 2
    while day >= 0:
        chosen.add(day)
        day -= EXAM_EVERY_LATE if day > days_left - LATE_DAYS else EXAM_EVERY
    return chosen


def reserves(days_left: int) -> list[int]:
    """Candidate numbers of last days without new cards."""
    if days_left <= 2:
        return [0]
    return sorted({min(max(1, round(days_left * share)), days_left - 1, most) for share, most in RESERVE_SHARES})


def check_request(exam_date: date, today: date, minutes: int) -> None:
    """Raise PlanInputError unless the exam is from tomorrow on and the budget within bounds."""
    if exam_date <= today:
        tomorrow = (today + timedelta(days=1)).isoformat()
        raise PlanInputError(
            f"the exam date {exam_date.isoformat()} is not after today ({today.isoformat()}); "
            f"give a date from {tomorrow} on"
        )
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise PlanInputError(
            f"{minutes} minutes a day cannot be planned; give --minutes-per-day from {MIN_MINUTES} to {MAX_MINUTES}"
        )


def _deck(cards: Sequence[StoredCard], today: int, day_start: Any, learner: Learner) -> Deck:
    import numpy as np

    count = len(cards)
    stability = np.full(count, np.nan)
    difficulty = np.full(count, np.nan)
    last = np.zeros(count, dtype=np.int64)
    due = np.full(count, NOT_DUE, dtype=np.int64)
    for i, card in enumerate(cards):
        m = card.memory
        if m.state is State.NEW:
            continue
        stability[i] = m.stability if m.stability else 0.1
        difficulty[i] = m.difficulty if m.difficulty else 5.0
        last[i] = study_day(m.last_review, day_start) - today if m.last_review else 0
        due[i] = max(study_day(m.due, day_start) - today, 0) if m.due else 0
    cost = np.array([learner.type_factor(c.type) for c in cards])
    return Deck(stability, difficulty, last, due, cost)


class Planner:
    """Expected daily load of the studied cards and of a new card's cohort, and the schedules they allow."""

    def __init__(
        self,
        model: Model,
        deck: Deck,
        notes: Sequence[str],
        days: int,
        seed: int,
        spent_today: float = 0.0,
        links: Sequence[frozenset[str]] = (),
        held_today: frozenset[int] = frozenset(),
    ) -> None:
        """`links`: for each card, the notes it may not start a day with (the concept notes of a
        question, the questions of a concept note); `held_today`: cards that may not start today."""
        import numpy as np

        self.model, self.deck, self.notes, self.days, self.seed = model, deck, notes, days, seed
        self.links = links or [frozenset()] * len(notes)
        self.held_today = held_today
        cohort = Deck(
            np.full(COHORT_CARDS, np.nan),
            np.full(COHORT_CARDS, np.nan),
            np.zeros(COHORT_CARDS, dtype=np.int64),
            np.full(COHORT_CARDS, NOT_DUE, dtype=np.int64),
            np.ones(COHORT_CARDS),
        )
        # one card's expected load, unbounded by the daily review limit (which a cohort of this size would hit)
        run = simulate(replace(model, reviews_per_day=1 << 30), cohort, days, 1, seed + 1, [range(COHORT_CARDS)])
        self.cohort = (run.seconds[0] / COHORT_CARDS, run.answers[0] / COHORT_CARDS, run.reviews[0] / COHORT_CARDS)
        if np.isnan(deck.stability).all():
            self.base = (np.zeros(days), np.zeros(days), np.zeros(days))
        else:
            base = simulate(model, deck, days, BASE_RUNS, seed + 2)
            self.base = (base.seconds.mean(0), base.answers.mean(0), base.reviews.mean(0))
        if days:
            self.base[0][0] += spent_today  # today's answers so far count against today's minutes
        self.second_moment = model.mean_answer_seconds()[1]

    def shorter(self, days: int) -> Planner:
        """The same planner for an exam `days` days away (the loads of the first days do not depend on the last)."""
        other = copy.copy(self)
        other.days = days
        other.cohort = tuple(a[:days] for a in self.cohort)  # type: ignore[assignment]
        other.base = tuple(a[:days] for a in self.base)  # type: ignore[assignment]
        return other

    def schedule(self, order: Sequence[int], last_new: int, minutes: int) -> list[list[int]]:
        """The new cards of each day: as many as fit the budget, in `order`, until day `last_new`."""
        import numpy as np

        budget = minutes * 60.0
        seconds, answers, reviews = (a.copy() for a in self.base)
        cs, ca, cr = self.cohort
        factors = self.deck.cost
        base_high = seconds + MARGIN_Z * np.sqrt(answers * self.second_moment)
        backlog = base_high > budget  # days the studied cards alone overrun: new cards are not blamed
        queue = deque(order)
        days: list[list[int]] = []
        for t in range(self.days):
            chosen: list[int] = []
            if t <= last_new and queue:
                cap = math.ceil(len(queue) / (last_new - t + 1))
                notes: set[str] = set()
                linked: set[str] = set()
                held: list[int] = []
                while queue and len(chosen) < cap:  # the next cards, two of one note never on one day
                    i = queue.popleft()
                    note = self.notes[i]
                    if note in notes or note in linked or (t == 0 and i in self.held_today):
                        held.append(i)
                    else:
                        chosen.append(i)
                        notes.add(note)
                        linked.update(self.links[i])
                span = self.days - t
                weight = np.concatenate(([0.0], np.cumsum(factors[chosen])))

                low, high = 0, len(chosen)  # the most of them that fit
                while low < high:
                    middle = (low + high + 1) // 2
                    added = (weight[middle] * cs[:span], middle * ca[:span], middle * cr[:span])
                    fits = self._fits(t, added, seconds, answers, reviews, budget, backlog)
                    low, high = (middle, high) if fits else (low, middle - 1)
                seconds[t:] += weight[low] * cs[:span]
                answers[t:] += low * ca[:span]
                reviews[t:] += low * cr[:span]
                queue.extendleft(reversed(held + chosen[low:]))
                chosen = chosen[:low]
            days.append(chosen)
        return days

    def _fits(
        self,
        t: int,
        added: tuple[Floats, Floats, Floats],
        seconds: Floats,
        answers: Floats,
        reviews: Floats,
        budget: float,
        backlog: Any,
    ) -> bool:
        """Whether every day from `t` on stays within the budget (with the margin) and the review limit."""
        import numpy as np

        high = seconds[t:] + added[0] + MARGIN_Z * np.sqrt((answers[t:] + added[1]) * self.second_moment)
        if ((high > budget) & ~backlog[t:]).any():
            return False
        return not (reviews[t:] + added[2] > self.model.reviews_per_day).any()

    def run(self, schedule: Sequence[Sequence[int]], runs: int, seed: int) -> Run:
        return simulate_split(self.model, self.deck, self.days, runs, seed, schedule)


def _same_day_links(
    cards: Sequence[StoredCard], concepts: Mapping[str, Sequence[str]], now: datetime, day_start: Any
) -> tuple[list[frozenset[str]], frozenset[int]]:
    """For each card, the notes it may not start a day with (both ways of a question's `concepts:`),
    and the new questions that may not start today: a concept card they test is answered or due today."""
    today = study_day(now, day_start)
    linked: dict[str, set[str]] = {}
    for question, listed in concepts.items():
        for concept in listed:
            linked.setdefault(question, set()).add(concept)
            linked.setdefault(concept, set()).add(question)
    shown = {
        c.note
        for c in cards
        if c.memory.state is not State.NEW
        and (
            (c.memory.due is not None and study_day(c.memory.due, day_start) <= today)
            or (c.memory.last_review is not None and study_day(c.memory.last_review, day_start) == today)
        )
    }
    held = frozenset(
        i for i, c in enumerate(cards) if c.memory.state is State.NEW and shown.intersection(concepts.get(c.note, ()))
    )
    return [frozenset(linked.get(c.note, ())) for c in cards], held


def _coverage(weights: Sequence[float], studied: Sequence[bool], schedule: Sequence[Sequence[int]]) -> float:
    chosen = {i for day in schedule for i in day}
    return sum(w for i, w in enumerate(weights) if studied[i] or i in chosen)


def make_plan(
    cards: Sequence[StoredCard],
    profile: PlanProfile,
    scheduler: Scheduler,
    learner: Learner,
    records: Sequence[ExamRecord],
    now: datetime,
    exam_date: date,
    minutes: int,
    course: str = "",
    runs: int = RUNS,
    seed: int = 0,
    spent_today: float = 0.0,
    concepts: Mapping[str, Sequence[str]] | None = None,
) -> Plan:
    """The best plan for `profile`'s cards among `cards` from `now` to `exam_date` at `minutes` a day
    (`spent_today`: seconds already studied today, which today's new cards must leave room for;
    `concepts`: the concept notes each question lists)."""
    import numpy as np

    day_start = scheduler.settings.day_start
    today = study_day(now, day_start)
    check_request(exam_date, date.fromordinal(today), minutes)
    mine = sorted((c for c in cards if profile.covers(c)), key=lambda c: c.position)
    if not mine:
        raise PlanInputError(
            f"the course has no cards for exam version {profile.version} ({profile.code}); "
            "add cards to its decks or choose another version with --exam"
        )
    days_left = exam_date.toordinal() - today
    weights = exam_weights(mine, profile)
    order = priority_order(mine, weights, profile, weak_tasks(mine, profile, records), learner)
    studied = [c.memory.state is not State.NEW for c in mine]
    model = Model.of(scheduler, learner, learning_outcomes(scheduler, learner, now))
    deck = _deck(mine, today, day_start, learner)
    notes = [c.note for c in mine]
    links, held_today = ([], frozenset[int]())
    if not scheduler.settings.same_day_questions:
        links, held_today = _same_day_links(mine, concepts or {}, now, day_start)
    planner = Planner(model, deck, notes, days_left, seed, spent_today, links, held_today)
    w = np.array(weights)
    candidates = {r: planner.schedule(order, days_left - 1 - r, minutes) for r in reserves(days_left)}
    reserve = min(candidates)
    if len(candidates) > 1:
        best = -1.0
        for r, schedule in candidates.items():
            trial = planner.run(schedule, SEARCH_RUNS, seed + 3)
            score = float(
                ((trial.recall_on(model, days_left) + trial.recall_on(model, days_left + AFTER_EXAM)) @ w).mean()
            )
            if score > best + 1e-9:
                best, reserve = score, r
    schedule = candidates[reserve]
    coverage = _coverage(weights, studied, schedule)
    minutes_for_all, date_for_all = None, None
    if coverage < 1 - 1e-9 and order:
        minutes_for_all, date_for_all = _what_covers_all(
            planner, order, weights, studied, days_left, minutes, model, deck, notes, seed, exam_date
        )
    run = planner.run(schedule, runs, seed + 4)
    prediction = _predict(run, model, mine, profile, weights, studied, schedule, days_left, minutes)
    plan_days = _days(run, mine, schedule, today, days_left)
    planned = sum(studied) + sum(len(d) for d in schedule)
    made_on = date.fromordinal(today).isoformat()
    return Plan(
        course,
        profile,
        exam_date.isoformat(),
        minutes,
        now.isoformat(),
        made_on,
        coverage,
        planned,
        len(mine),
        sum(studied),
        reserve,
        minutes_for_all,
        date_for_all,
        plan_days,
        prediction,
        learner.to_json(),
    )


def _what_covers_all(
    planner: Planner,
    order: Sequence[int],
    weights: Sequence[float],
    studied: Sequence[bool],
    days_left: int,
    minutes: int,
    model: Model,
    deck: Deck,
    notes: Sequence[str],
    seed: int,
    exam_date: date,
) -> tuple[int | None, str | None]:
    """The smallest budget at which every candidate plan covers all; else the first later exam date that does."""
    hardest = max(reserves(days_left))

    def covers(p: Planner, days: int, budget: int, reserve: int) -> bool:
        return _coverage(weights, studied, p.schedule(order, days - 1 - reserve, budget)) >= 1 - 1e-9

    if covers(planner, days_left, MAX_MINUTES, hardest):
        low, high = minutes, MAX_MINUTES  # low does not cover, high does
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if covers(planner, days_left, middle, hardest) else (middle, high)
        return high, None

    longest = Planner(
        model, deck, notes, days_left + 7 * LATER_WEEKS, seed, links=planner.links, held_today=planner.held_today
    )

    def covers_by(days: int) -> bool:
        return covers(longest.shorter(days), days, minutes, max(reserves(days)))

    if not covers_by(days_left + 7 * LATER_WEEKS):
        return None, None
    low, high = 0, LATER_WEEKS  # weeks later: low does not cover, high does
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if covers_by(days_left + 7 * middle) else (middle, high)
    return None, (exam_date + timedelta(weeks=high)).isoformat()


def _predict(
    run: Run,
    model: Model,
    cards: Sequence[StoredCard],
    profile: PlanProfile,
    weights: Sequence[float],
    studied: Sequence[bool],
    schedule: Sequence[Sequence[int]],
    days_left: int,
    minutes: int,
) -> Prediction:
    import numpy as np

    at_exam = run.recall_on(model, days_left)
    after = run.recall_on(model, days_left + AFTER_EXAM)
    planned = np.array(studied)
    for day in schedule:
        planned[list(day)] = True
    w = np.array(weights)
    planned_w = w * planned
    exam_recall = Range.of(at_exam @ w)
    planned_recall = Range.of(at_exam @ planned_w / planned_w.sum()) if planned_w.sum() else Range(0, 0, 0)
    held = Range.of((after[:, planned] >= GOAL_RECALL).mean(axis=1)) if planned.any() else Range(0, 0, 0)
    within = float((run.seconds <= minutes * 60 + 1e-6).mean())
    domains = []
    for number, name, _, _ in profile.domains:
        mask = np.array([c.domain == number for c in cards])
        if mask.any():
            domains.append((number, name, Range.of(at_exam[:, mask].mean(axis=1))))
    tasks = []
    for task, label in profile.tasks.items():
        mask = np.array([task in c.tasks for c in cards])
        if mask.any():
            tasks.append((task, label, Range.of(at_exam[:, mask].mean(axis=1))))
    return Prediction(run.seconds.shape[0], exam_recall, planned_recall, held, within, tuple(domains), tuple(tasks))


def _days(
    run: Run, cards: Sequence[StoredCard], schedule: Sequence[Sequence[int]], today: int, days_left: int
) -> tuple[PlanDay, ...]:
    import numpy as np

    exams = exam_days(days_left)
    minutes = run.seconds / 60
    mean_m, high_m = minutes.mean(0), np.percentile(minutes, 90, axis=0)
    mean_r, high_r = run.reviews.mean(0), np.percentile(run.reviews, 90, axis=0)
    days = []
    for t, chosen in enumerate(schedule):
        keys = tuple(f"{c.note}/{c.variant}" for c in teaching_order(cards[i] for i in chosen))
        focus = tuple(sorted({d for i in chosen if (d := cards[i].domain) is not None}))
        days.append(
            PlanDay(
                date.fromordinal(today + t).isoformat(),
                len(chosen),
                keys,
                float(mean_r[t]),
                float(high_r[t]),
                float(mean_m[t]),
                float(high_m[t]),
                focus,
                t in exams,
            )
        )
    return tuple(days)


def exam_day_reviews(store: Any, scheduler: Scheduler, courses: Sequence[str], now: datetime) -> list[StoredCard]:
    """Cards to bring forward today so they hold on exam day (the exam date of each course's stored plan).

    In the last RESCUE_DAYS days before the exam, a studied card whose next review falls on
    or after exam day, while its predicted recall on exam day is under the desired retention
    (fuzz, a changed retention or new parameters can do that), gets one more review now.
    """
    settings = scheduler.settings
    today = study_day(now, settings.day_start)
    chosen = []
    for course in courses:
        stored = saved_plan(store, course)
        if stored is None:
            continue
        exam_day = stored.exam_date.toordinal()
        if not 0 < exam_day - today <= RESCUE_DAYS:
            continue
        during_exam = day_begins(exam_day, settings.day_start) + timedelta(hours=6)
        for card in store.cards([course]):
            memory = card.memory
            if card.suspended or memory.state is not State.REVIEW or memory.due is None:
                continue
            if study_day(memory.due, settings.day_start) < exam_day:
                continue  # reviewed before the exam anyway
            if scheduler.retrievability(memory, during_exam) < settings.desired_retention:
                chosen.append(card)
    return chosen
