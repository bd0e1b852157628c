"""Exam readiness: one verdict from practice exams, domain mastery, memory at 30 days, coverage and pacing.

The criteria, each met or not:

- Practice-exam trend: the last three full practice exams each scored 85% or more.
- Domain mastery: in the answers of the last five practice exams (any mode), every domain
  scored 80% or more.
- Retention: mean predicted recall of the studied cards 30 days from now is 90% or more
  (`metrics.card_figures`: the stored card states and the scheduler's FSRS forgetting curve).
- Coverage: every task statement has 90% or more of its cards studied and was asked in at
  least one practice exam.
- Time management: the last three full exams finished within the time limit.

Ready means every criterion is met. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from srscards.model.exam_result import ExamItem
from srscards.store.records import ExamRecord
from srscards.study.follow import current_plan, progress, stored_plan
from srscards.study.metrics import card_figures
from srscards.study.workspace import ExamContext
from srscards.words import plural

TREND_GOAL = 0.85
DOMAIN_GOAL = 0.80
RETENTION_GOAL = 0.90
COVERAGE_GOAL = 0.90
TREND_EXAMS = 3
MASTERY_EXAMS = 5


@dataclass(frozen=True)
class Check:
    """One criterion: its name, whether it is met, and what was measured."""

    name: str
    met: bool
    detail: str


@dataclass(frozen=True)
class TaskStanding:
    task: str
    label: str
    studied: int
    cards: int
    exam_right: int
    exam_total: int

    @property
    def studied_share(self) -> float:
        return self.studied / self.cards if self.cards else 1.0

    @property
    def exam_share(self) -> float | None:
        return self.exam_right / self.exam_total if self.exam_total else None

    @property
    def weak(self) -> bool:
        share = self.exam_share
        return self.studied_share < COVERAGE_GOAL or share is None or share < DOMAIN_GOAL


@dataclass(frozen=True)
class Readiness:
    profile: str
    checks: tuple[Check, ...]
    trend: tuple[float, ...]
    domains: tuple[tuple[int, str, int, int], ...]  # number, name, right, total
    recall_30: float | None
    tasks: tuple[TaskStanding, ...]
    next_steps: tuple[str, ...]
    on_plan: str | None = None
    weak_tasks: tuple[TaskStanding, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return all(c.met for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "ready": self.ready,
            "checks": [{"name": c.name, "met": c.met, "detail": c.detail} for c in self.checks],
            "trend": [round(p * 100, 1) for p in self.trend],
            "domains": [{"domain": n, "name": name, "right": r, "total": t} for n, name, r, t in self.domains],
            "recall_30_days": self.recall_30,
            "weak_tasks": [t.task for t in self.weak_tasks],
            "next_steps": list(self.next_steps),
            "on_plan": self.on_plan,
        }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def assess(context: ExamContext, now: datetime) -> Readiness:
    """The readiness of the course's exam profile as of `now`."""
    profile = context.profile
    course = context.course.id
    records = [r for r in context.store.exams(course) if r.profile == profile.code]
    full = [r for r in records if r.mode == "full"][-TREND_EXAMS:]
    trend = tuple(r.result.share for r in full if r.result.share is not None)
    checks = []
    trend_met = len(trend) == TREND_EXAMS and all(p >= TREND_GOAL for p in trend)
    trend_text = ", ".join(_percent(p) for p in trend) or "no full exam yet"
    checks.append(Check("Practice exams", trend_met, f"last {TREND_EXAMS} full exams: {trend_text} (goal 85% each)"))

    recent = records[-MASTERY_EXAMS:]
    domains = []
    for d in profile.domains:
        right, total = _exam_tally(recent, lambda item, n=d.number: item.domain == n)
        domains.append((d.number, d.name, right, total))
    weak_domains = [n for n, _, r, t in domains if not t or r / t < DOMAIN_GOAL]
    shown = " · ".join(f"{n}: {_percent(r / t if t else None)}" for n, _, r, t in domains)
    checks.append(Check("Domain mastery", not weak_domains, f"{shown} (goal 80% each)"))

    stats = card_figures(context.store, context.scheduler, context.courses, now)  # the log is not needed
    recall = stats.recall.mean_recall
    checks.append(
        Check(
            "Retention at 30 days",
            recall is not None and recall >= RETENTION_GOAL,
            f"mean predicted recall of {stats.recall.studied} studied cards: {_percent(recall)} (goal 90%)",
        )
    )

    tasks = []
    for task, label in profile.tasks.items():
        cover = stats.states_by_task.get(task)
        studied = 0 if cover is None else cover.learning + cover.review
        cards = 0 if cover is None else cover.new + cover.learning + cover.review
        right, total = _exam_tally(recent, lambda item, t=task: t in item.tasks)
        tasks.append(TaskStanding(task, label, studied, cards, right, total))
    uncovered = [t for t in tasks if t.studied_share < COVERAGE_GOAL or not t.exam_total]
    checks.append(
        Check(
            "Coverage",
            not uncovered,
            f"{len(tasks) - len(uncovered)}/{len(tasks)} task statements with 90% of cards studied "
            "and asked in an exam",
        )
    )

    pace_ok = len(full) == TREND_EXAMS and all(not r.result.timed_out for r in full)
    averages = [r.result.average_seconds for r in full]
    pace_text = ", ".join(f"{a:.0f} s" for a in averages) or "no full exam yet"
    checks.append(
        Check("Time management", pace_ok, f"last full exams, seconds per question: {pace_text}; none ran out of time")
        if pace_ok
        else Check("Time management", False, f"last full exams, seconds per question: {pace_text}")
    )

    weak = tuple(sorted((t for t in tasks if t.weak), key=_weakness))
    steps = _next_steps(checks, weak, weak_domains, len(trend))
    on_plan = _on_plan(context, now)
    return Readiness(profile.code, tuple(checks), trend, tuple(domains), recall, tuple(tasks), steps, on_plan, weak)


def _exam_tally(records: Sequence[ExamRecord], wanted: Callable[[ExamItem], bool]) -> tuple[int, int]:
    right = total = 0
    for record in records:
        for item in record.result.items:
            if wanted(item):
                total += 1
                right += item.correct
    return right, total


def _weakness(task: TaskStanding) -> tuple[float, float, str]:
    share = task.exam_share
    return (-1.0 if share is None else share, task.studied_share, task.task)


def _next_steps(
    checks: Sequence[Check], weak: Sequence[TaskStanding], weak_domains: Sequence[int], full_exams: int
) -> tuple[str, ...]:
    met = {c.name: c.met for c in checks}
    steps = []
    if weak:
        names = ", ".join(t.task for t in weak[:3])
        steps.append(f"Drill your weakest task statements ({names}): srscards exam --adaptive")
    for number in weak_domains[:2]:
        steps.append(f"Practise domain {number}: srscards exam --domain {number} --practice")
    if not met.get("Retention at 30 days", True) or not met.get("Coverage", True):
        steps.append("Keep up daily review so every card is studied and holds for 30 days: srscards review")
    if not met.get("Practice exams", True) or not met.get("Time management", True):
        more = max(TREND_EXAMS - full_exams, 1)
        steps.append(f"Sit {more} more full timed {plural('exam', more)} and aim for 85%: srscards exam --full")
    if not steps:
        steps.append("Keep reviewing daily and sit one more full exam a few days before the real one.")
    return tuple(steps)


def _on_plan(context: ExamContext, now: datetime) -> str | None:
    """Progress against the stored plan (made again when the learner left it) and its predicted exam-day recall."""
    course = context.course.id
    before = stored_plan(context.store, course)
    if before is None:
        return None
    status = progress(context.store, before, now, context.scheduler.settings.day_start)
    plan = current_plan(context.store, context.scheduler, course, now)
    assert plan is not None
    recall = plan.prediction.exam_recall
    expect = (
        f"predicted exam-day recall {recall.middle:.1%} ({recall.low:.1%}-{recall.high:.1%}), "
        f"covering {plan.coverage:.0%} of the weighted content"
    )
    if plan is not before and plan.made_at != before.made_at:
        return f"{status.describe()}; planned again from today: {expect}"
    return f"{status.describe()}; {expect}"
