"""A day-by-day study plan to exam day: new cards per day, expected reviews, practice exams.

How it is computed (all with the scheduler's FSRS model, fuzz off):

- The ramp: a new card answered Good at every due review reaches a stability of 30 days
  after `ramp` days (about three weeks with the default parameters). Every new card must be
  introduced at least `ramp` days before the exam, so all new cards are spread evenly over
  the days from today to exam day minus the ramp.
- The expected review load: every studied card, and every card the plan introduces, is
  followed along its Good path (each review answered Good when due), like Anki's forecast;
  lapses would add to it.
- Time: NEW_SECONDS per new card (its learning steps included) and REVIEW_SECONDS per
  review. A plan whose busiest day needs more than the minutes per day does not fit.
- Practice exams: a full exam every 7 days, then every 3 days in the last 14 days, the last
  one two days before the exam. Their time is not counted in the daily minutes.
- Weak domains first: new cards are introduced domain by domain, in the order given
  (weakest first), in source order within a domain.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from srscards.errors import SrsError
from srscards.model.course import Profile
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, State, day_begins, study_day, with_overrides
from srscards.store.records import ExamRecord, StoredCard
from srscards.store.store import Store
from srscards.study.workspace import ExamContext

GOAL_STABILITY = 30.0
NEW_SECONDS = 45
REVIEW_SECONDS = 15
EXAM_EVERY = 7
EXAM_EVERY_LATE = 3
LATE_DAYS = 14
RESCUE_DAYS = 7


class PlanError(SrsError):
    """A plan cannot be made as asked (past date, too little time)."""


@dataclass(frozen=True)
class PlanDay:
    date: str
    new: int
    reviews: float
    minutes: float
    focus: tuple[int, ...]
    exam: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "new": self.new,
            "reviews": round(self.reviews, 1),
            "minutes": round(self.minutes, 1),
            "focus": list(self.focus),
            "exam": self.exam,
        }


@dataclass(frozen=True)
class Plan:
    exam_date: str
    minutes_per_day: int
    ramp: int
    new_cards: int
    new_per_day: int
    introduced_at_start: int
    days: tuple[PlanDay, ...]

    @property
    def peak_minutes(self) -> float:
        return max((d.minutes for d in self.days), default=0.0)

    @property
    def last_new_day(self) -> str | None:
        return next((d.date for d in reversed(self.days) if d.new), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "exam_date": self.exam_date,
            "minutes_per_day": self.minutes_per_day,
            "ramp_days": self.ramp,
            "new_cards": self.new_cards,
            "new_per_day": self.new_per_day,
            "introduced_at_start": self.introduced_at_start,
            "peak_minutes": round(self.peak_minutes, 1),
            "days": [d.to_json() for d in self.days],
        }


def good_path(scheduler: Scheduler, memory: Memory, start: datetime, horizon: datetime) -> list[datetime]:
    """The moments a card is answered when every answer is Good at its due time, from `start` to `horizon`."""
    moments = []
    at = start if memory.due is None else max(memory.due, start)
    while at < horizon:
        moments.append(at)
        memory = scheduler.answer(memory, Rating.GOOD, at)
        assert memory.due is not None
        at = memory.due
    return moments


def ramp_days(scheduler: Scheduler, now: datetime) -> int:
    """Study days from a new card's first answer until Good answers bring its stability to 30 days."""
    day_start = scheduler.settings.day_start
    memory, at = Memory(), now
    for _ in range(50):
        memory = scheduler.answer(memory, Rating.GOOD, at)
        if memory.state is State.REVIEW and (memory.stability or 0) >= GOAL_STABILITY:
            return study_day(at, day_start) - study_day(now, day_start)
        assert memory.due is not None
        at = memory.due
    raise PlanError("the scheduling settings never reach a 30-day stability; check config.toml")


def exam_days(days_left: int) -> set[int]:
    """Day offsets of practice exams: weekly, then every few days, the last two days before the exam."""
    chosen = set()
    day = days_left - 2
    while day >= 0:
        chosen.add(day)
        day -= EXAM_EVERY_LATE if day > days_left - LATE_DAYS else EXAM_EVERY
    return chosen


def make_plan(
    cards: Sequence[StoredCard],
    scheduler: Scheduler,
    now: datetime,
    exam_date: date,
    minutes_per_day: int,
    domain_order: Sequence[int] = (),
    suggest: bool = True,
) -> Plan:
    """The plan from `now` to `exam_date` for `cards` (the exam version's cards, not suspended)."""
    scheduler = Scheduler(with_overrides(scheduler.settings, fuzz=False))
    day_start = scheduler.settings.day_start
    today = study_day(now, day_start)
    days_left = exam_date.toordinal() - today
    if days_left <= 0:
        soon = date.fromordinal(today + 30).isoformat()
        raise PlanError(
            f"the exam date {exam_date.isoformat()} is not after today ({date.fromordinal(today).isoformat()}); "
            f"give a future date, e.g. --exam-date {soon}"
        )
    ramp = ramp_days(scheduler, now)
    new = [c for c in cards if c.memory.state is State.NEW and not c.suspended]
    order = {d: i for i, d in enumerate(domain_order)}
    new.sort(key=lambda c: (order.get(c.domain, len(order)) if c.domain is not None else len(order) + 1, c.position))
    last_intro = days_left - ramp
    if new and last_intro < 0:
        later = date.fromordinal(today + ramp).isoformat()
        raise PlanError(
            f"{len(new)} new cards need about {ramp} days of reviews to hold for 30 days, and the exam is in "
            f"{days_left} day(s); choose an exam date on or after {later}, or review what you have studied"
        )
    window = last_intro + 1
    per_day = math.ceil(len(new) / window) if new else 0
    horizon = datetime.combine(exam_date, day_start).astimezone()
    reviews = [0.0] * days_left
    for card in cards:
        if card.memory.state is State.NEW or card.suspended:
            continue
        for moment in good_path(scheduler, card.memory, now, horizon):
            offset = study_day(moment, day_start) - today
            if 0 <= offset < days_left:
                reviews[offset] += 1
    cohort = [study_day(m, day_start) - today for m in good_path(scheduler, Memory(), now, horizon)]
    plan_days = []
    introduced = 0
    exams = exam_days(days_left)
    for offset in range(days_left):
        count = min(per_day, len(new) - introduced) if offset <= last_intro else 0
        batch = new[introduced : introduced + count]
        introduced += count
        for gap in cohort[1:]:  # the first answer is the introduction itself
            if offset + gap < days_left and count:
                reviews[offset + gap] += count
        focus = tuple(dict.fromkeys(c.domain for c in batch if c.domain is not None))
        plan_days.append((offset, count, focus))
    days = []
    for offset, count, focus in plan_days:
        minutes = (count * NEW_SECONDS + reviews[offset] * REVIEW_SECONDS) / 60
        day = date.fromordinal(today + offset).isoformat()
        days.append(PlanDay(day, count, reviews[offset], minutes, focus, offset in exams))
    introduced_before = sum(1 for c in cards if c.memory.state is not State.NEW)
    plan = Plan(exam_date.isoformat(), minutes_per_day, ramp, len(new), per_day, introduced_before, tuple(days))
    if plan.peak_minutes > minutes_per_day:
        busiest = max(plan.days, key=lambda d: d.minutes)
        later = _later_date(cards, scheduler, now, exam_date, minutes_per_day, domain_order) if suggest else ""
        raise PlanError(
            f"the plan needs up to {math.ceil(plan.peak_minutes)} minutes on {busiest.date} ({busiest.new} new cards, "
            f"{busiest.reviews:.0f} reviews) but you have {minutes_per_day}; raise --minutes-per-day to "
            f"{math.ceil(plan.peak_minutes)}{later}"
        )
    return plan


def _later_date(
    cards: Sequence[StoredCard],
    scheduler: Scheduler,
    now: datetime,
    exam_date: date,
    minutes: int,
    domain_order: Sequence[int],
) -> str:
    """`, or move the exam to DATE` for the first of some later weeks where the plan fits, within a year."""
    for weeks in (1, 2, 3, 4, 6, 8, 12, 16, 26, 52):
        later = exam_date + timedelta(weeks=weeks)
        try:
            make_plan(cards, scheduler, now, later, minutes, domain_order, suggest=False)
        except PlanError:
            continue
        return f", or move the exam to {later.isoformat()} or later"
    return ""


def domain_order(profile: Profile, records: Sequence[ExamRecord]) -> list[int]:
    """Domains weakest first: by share of right exam answers (no answers: weakest), then by weight."""

    def share(number: int) -> float:
        items = [i for r in records for i in r.result.get("items", []) if i.get("domain") == number]
        return sum(bool(i["correct"]) for i in items) / len(items) if items else -1.0

    return [d.number for d in sorted(profile.domains, key=lambda d: (share(d.number), -d.weight, d.number))]


def plan_to_exam(context: ExamContext, now: datetime, exam_date: date, minutes_per_day: int) -> Plan:
    """Make the plan for the course's exam version from the store and keep it in the store."""
    profile = context.profile
    course = context.sources.course.id
    cards = [c for c in context.store.cards([course]) if c.exam in ("both", profile.version) and not c.suspended]
    records = [r for r in context.store.exams(course) if r.profile == profile.code]
    plan = make_plan(cards, context.scheduler, now, exam_date, minutes_per_day, domain_order(profile, records))
    context.store.save_plan(course, plan.exam_date, plan.to_json(), now)
    return plan


def stored_settings(context: ExamContext) -> tuple[date, int] | None:
    """Exam date and minutes a day of the course's stored plan, to plan again from today."""
    stored = context.store.plan(context.sources.course.id)
    if stored is None:
        return None
    return date.fromisoformat(stored["exam_date"]), int(stored["minutes_per_day"])


def planned_new_cards(store: Store, courses: Sequence[str], now: datetime, day_start: time) -> int | None:
    """New cards the stored plans give for today's study day, summed over `courses`; None without a plan for today."""
    today = date.fromordinal(study_day(now, day_start)).isoformat()
    counts = []
    for course in courses:
        stored = store.plan(course)
        if stored is None:
            continue
        counts += [d["new"] for d in stored["days"] if d["date"] == today]
    return sum(counts) if counts else None


def exam_day_reviews(store: Store, scheduler: Scheduler, courses: Sequence[str], now: datetime) -> list[StoredCard]:
    """Cards to bring forward today so they hold on exam day (the exam date of each course's stored plan).

    In the last RESCUE_DAYS days before the exam, a studied card whose next review falls on
    or after exam day, while its predicted recall on exam day is under the desired retention
    (fuzz, a changed retention or new parameters can do that), gets one more review now.
    """
    settings = scheduler.settings
    today = study_day(now, settings.day_start)
    chosen = []
    for course in courses:
        stored = store.plan(course)
        if stored is None:
            continue
        exam_day = date.fromisoformat(stored["exam_date"]).toordinal()
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
