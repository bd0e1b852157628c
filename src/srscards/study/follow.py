"""Keeping to the stored plan: today's planned cards, progress against the plan, re-planning.

Every study command reads the plan through `current_plan`: when the learner sat a practice
exam since the plan was made (the weak task statements may have changed), or, on a later
study day, fell behind (a planned card of an earlier day is still new) or got ahead (more cards
studied than planned by today), the plan is made again from today with its exam date and
budget, and stored.

A planned question that review held back (a concept card it tests was shown that day, see
`new_order`) is not falling behind: it comes again after the next day's planned cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from srscards.scheduling.scheduler import Scheduler, State, day_begins, study_day, to_ms
from srscards.store.records import ReviewRow, StoredCard
from srscards.store.store import Store
from srscards.study.learner import LONGEST_ANSWER_MS, learner_from_log
from srscards.study.plan import RUNS, Plan, make_plan, saved_plan
from srscards.study.triage import PlanProfile

QUESTION_TYPES = ("choice", "ordering", "matching")


def stored_plan(store: Store, course: str) -> Plan | None:
    """The course's stored plan; None without one (or with one of an older format, to be made again)."""
    saved = saved_plan(store, course)
    return None if saved is None else saved.plan


def stored_settings(store: Store, course: str) -> tuple[date, int] | None:
    """Exam date and minutes a day of the course's stored plan (any format), to plan again from today."""
    saved = saved_plan(store, course)
    return None if saved is None else (saved.exam_date, saved.minutes_per_day)


def plan_and_save(
    store: Store,
    scheduler: Scheduler,
    course: str,
    profile: PlanProfile,
    now: datetime,
    exam_date: date,
    minutes: int,
    runs: int = RUNS,
    seed: int = 0,
) -> Plan:
    """Make the plan from the store (cards, log, practice exams) and keep it; a bad request changes nothing."""
    cards = store.cards([course])
    rows = store.review_rows()
    learner = learner_from_log(rows, {c.id: c.type for c in cards})
    spent = seconds_today(rows, {c.id for c in cards}, now, scheduler.settings.day_start)
    plan = make_plan(
        cards,
        profile,
        scheduler,
        learner,
        store.exams(course),
        now,
        exam_date,
        minutes,
        course,
        runs,
        seed,
        spent,
        store.concept_links(course),
    )
    store.save_plan(course, plan.exam_date, plan.to_json(), now)
    return plan


def seconds_today(rows: Sequence[ReviewRow], cards: set[int], now: datetime, day_start: time) -> float:
    """Seconds spent today answering `cards` (each answer at most LONGEST_ANSWER_MS)."""
    start = to_ms(day_begins(study_day(now, day_start), day_start))
    assert start is not None
    return sum(
        min(max(duration, 0), LONGEST_ANSWER_MS) / 1000
        for card, at, _, duration, *_ in rows
        if at >= start and card in cards
    )


@dataclass(frozen=True)
class Progress:
    """Studied new cards against the plan, as of today."""

    planned: int  # new cards the plan gave for the days before today
    done: int  # of those, studied
    studied: int  # cards of the plan's version studied now
    expected: int  # cards the plan expects studied before today
    exams_since: int  # practice exams finished after the plan was made
    carried: int = 0  # of those not studied, questions that come again today (held back by review)

    @property
    def behind(self) -> int:
        return self.planned - self.done - self.carried

    @property
    def ahead(self) -> int:
        return max(self.studied - self.expected, 0)

    @property
    def on_plan(self) -> bool:
        return not self.behind and not self.ahead

    def describe(self) -> str:
        if self.behind:
            return f"behind plan: {self.done} of {self.planned} planned new cards studied; {self.behind} still new"
        if self.ahead:
            return f"ahead of plan: {self.studied} cards studied, {self.expected} planned by today"
        return f"on plan: {self.done} of {self.planned} planned new cards studied by today"


def progress(store: Store, plan: Plan, now: datetime, day_start: time) -> Progress:
    today = date.fromordinal(study_day(now, day_start)).isoformat()
    cards = {f"{c.note}/{c.variant}": c for c in store.cards([plan.course]) if plan.profile.covers(c)}
    past = [key for d in plan.days if d.date < today for key in d.cards]
    done = sum(1 for key in past if key in cards and cards[key].memory.state is not State.NEW)
    carried = len(_carried(plan, today, cards))
    if carried != len(past) - done:
        carried = 0  # other planned cards are still new too: the learner left the plan
    studied = sum(1 for c in cards.values() if c.memory.state is not State.NEW)
    made = datetime.fromisoformat(plan.made_at)
    exams = sum(1 for r in store.exams(plan.course) if r.profile == plan.profile.code and r.finished_at > made)
    expected = plan.studied_at_start + len(past)
    # cards studied today count as on plan when they are today's
    todays = plan.day(date.fromisoformat(today))
    if todays is not None:
        expected += sum(1 for key in todays.cards if key in cards and cards[key].memory.state is not State.NEW)
    return Progress(len(past), done, studied, expected, exams, carried)


def _carried(plan: Plan, today: str, cards: dict[str, StoredCard]) -> list[StoredCard]:
    """Planned questions of earlier days still new: review held them back, so they come again."""
    found = (cards.get(key) for d in plan.days if d.date < today for key in d.cards)
    return [c for c in found if c is not None and c.memory.state is State.NEW and c.type in QUESTION_TYPES]


@dataclass(frozen=True)
class PlanInForce:
    """The plan for today, and why it was made again (None when the stored one stands)."""

    plan: Plan
    remade: str | None


def plan_in_force(
    store: Store, scheduler: Scheduler, course: str, now: datetime, runs: int = RUNS
) -> PlanInForce | None:
    """The course's plan for today: the stored one, made again first when the learner left it."""
    plan = stored_plan(store, course)
    if plan is None:
        return None
    day_start = scheduler.settings.day_start
    today = date.fromordinal(study_day(now, day_start))
    if date.fromisoformat(plan.exam_date) <= today:
        return PlanInForce(plan, None)
    status = progress(store, plan, now, day_start)
    if not status.exams_since and (plan.made_on >= today.isoformat() or status.on_plan):
        return PlanInForce(plan, None)
    why = f"{status.exams_since} practice exam(s) since it was made" if status.exams_since else status.describe()
    exam_date = date.fromisoformat(plan.exam_date)
    again = plan_and_save(store, scheduler, course, plan.profile, now, exam_date, plan.minutes_per_day, runs)
    return PlanInForce(again, why)


def current_plan(store: Store, scheduler: Scheduler, course: str, now: datetime, runs: int = RUNS) -> Plan | None:
    """The course's plan for today (see `plan_in_force`)."""
    found = plan_in_force(store, scheduler, course, now, runs)
    return None if found is None else found.plan


def todays_new_cards(store: Store, plans: Sequence[Plan], now: datetime, day_start: time) -> list[StoredCard]:
    """The plans' new cards for today that are still new, in the plans' order, then the planned
    questions of earlier days that review held back."""
    today = date.fromordinal(study_day(now, day_start))
    chosen = []
    for plan in plans:
        day = plan.day(today)
        if day is None:
            continue
        cards = {f"{c.note}/{c.variant}": c for c in store.cards([plan.course])}
        for key in day.cards:
            card = cards.get(key)
            if card is not None and card.memory.state is State.NEW and not card.suspended:
                chosen.append(card)
        chosen += [c for c in _carried(plan, today.isoformat(), cards) if not c.suspended]
    return chosen
