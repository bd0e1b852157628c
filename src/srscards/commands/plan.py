"""`srscards plan`: the best study plan to exam day that the daily budget allows, kept in the store."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from srscards.commands._study import clock as study_clock
from srscards.commands._study import decks_argument, home_option

if TYPE_CHECKING:
    from rich.console import Console

    from srscards.study.plan import Plan

BY_DAY = 14
BY_WEEK_DAYS = 26 * 7
NO_CARDS = {"course has no deck files", "deck file has no cards"}


def _usage(message: str) -> None:
    """A bad request: one line saying what is accepted, exit code 2, nothing stored."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


@click.command("plan")
@decks_argument
@click.option("--exam-date", help="Your exam day, YYYY-MM-DD, from tomorrow on (default: your stored plan's).")
@click.option("--minutes-per-day", type=int, help="Study time a day, 1 to 600 (default: the stored plan's, or 30).")
@home_option
@click.option(
    "--exam",
    "version",
    help="Exam version or profile code from course.yaml, such as C01 (default: the course's first profile).",
)
@click.option("--runs", type=click.IntRange(min=10, max=2000), default=200, help="Simulated learners (default 200).")
@click.option("--seed", type=int, default=0, help="Seed of the simulation (default 0).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole plan as JSON.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
@click.pass_context
def command(
    ctx: click.Context,
    decks: Path,
    exam_date: str | None,
    minutes_per_day: int | None,
    home: Path | None,
    version: str | None,
    runs: int,
    seed: int,
    as_json: bool,
    now_text: str | None,
) -> None:
    """Plan each day to the exam within your daily minutes: which new cards, expected reviews and
    minutes, practice exams. The plan is simulated with FSRS (your own ratings and answer times once
    your log has enough): when the minutes cannot cover everything it picks the content that
    counts most (exam weight, your weak task statements, card cost) and says what it covers and
    what would cover all. It predicts exam-day recall per domain and task statement with a
    10th-90th percentile range. srscards review introduces exactly its new cards, srscards due
    shows its numbers, and the plan is made again when you fall behind or get ahead.
    Without --exam-date the stored plan is made again from today.

    \b
    Example:
      srscards plan decks/ --exam-date 2027-01-15 --minutes-per-day 45
      srscards plan decks/ --json
    """
    from rich.console import Console

    from srscards.errors import ValidationFailed
    from srscards.paths import home as default_home
    from srscards.scheduling.scheduler import study_day
    from srscards.study.follow import plan_and_save, stored_settings
    from srscards.study.plan import MAX_MINUTES, MIN_MINUTES, PlanInputError
    from srscards.study.triage import PlanProfile
    from srscards.study.workspace import open_course

    day: date | None = None
    if exam_date is not None:
        try:
            day = date.fromisoformat(exam_date)
        except ValueError:
            _usage(f"{exam_date!r} is not a date; give the exam day as YYYY-MM-DD, e.g. --exam-date 2027-01-15")
    if minutes_per_day is not None and not MIN_MINUTES <= minutes_per_day <= MAX_MINUTES:
        _usage(f"--minutes-per-day {minutes_per_day} is out of range; give {MIN_MINUTES} to {MAX_MINUTES} minutes")
    clock = (ctx.obj or {}).get("clock") or study_clock(now_text)
    now = clock()
    try:
        context = open_course(decks, home or default_home(), now, version)
    except ValidationFailed as exc:
        if {p.message for p in exc.problems if p.severity == "error"} <= NO_CARDS:
            _usage(f"{decks} has no cards to plan; add cards to its deck files (a ### heading starts a card)")
        raise
    try:
        course = context.course.id
        stored = stored_settings(context.store, course)
        if day is None:
            if stored is None:
                today = date.fromordinal(study_day(now, context.scheduler.settings.day_start))
                _usage(f"no stored plan yet: give your exam day, e.g. --exam-date {today + timedelta(weeks=6)}")
            assert stored is not None
            day = stored[0]
        if minutes_per_day is None:
            minutes_per_day = stored[1] if stored is not None else 30
        try:
            plan = plan_and_save(
                context.store,
                context.scheduler,
                course,
                PlanProfile.of(context.profile),
                now,
                day,
                minutes_per_day,
                runs,
                seed,
            )
        except PlanInputError as exc:
            _usage(str(exc))
    finally:
        context.store.close()
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2))
        return
    show(plan, Console(highlight=False, soft_wrap=False))


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _range(r: object) -> str:
    from srscards.study.plan import Range

    assert isinstance(r, Range)
    return f"{r.middle:.1%} ({r.low:.1%}-{r.high:.1%})"


def show(plan: Plan, console: Console) -> None:
    """The plan on screen: what it covers, what to expect, the next two weeks by day, the rest by week."""
    from rich.table import Table

    p = plan.prediction
    console.print(
        f"Plan for {plan.profile.code} on {plan.exam_date} ({len(plan.days)} days), "
        f"{plan.minutes_per_day} minutes a day."
    )
    new = plan.new_cards
    last = f", the last on {plan.last_new_day}" if plan.last_new_day else ""
    console.print(
        f"Covers {_pct(plan.coverage)} of the weighted content: {plan.planned_cards:,} of {plan.total_cards:,} cards "
        f"({plan.studied_at_start:,} studied, {new:,} new{last})."
    )
    if plan.minutes_for_all is not None:
        console.print(
            f"{plan.minutes_for_all} minutes a day would cover all of it (--minutes-per-day {plan.minutes_for_all})."
        )
    elif plan.date_for_all is not None:
        console.print(
            "No daily budget covers all of it by then within your daily review limit; an exam on "
            f"{plan.date_for_all} would at {plan.minutes_per_day} minutes a day (--exam-date {plan.date_for_all})."
        )
    elif plan.coverage < 0.9995:
        console.print("No daily budget or exam date within a year covers all of it.")
    console.print(
        f"Predicted on exam day ({p.runs} simulated learners, median and 10th-90th percentile): recall "
        f"{_range(p.exam_recall)} of all the content, {_range(p.planned_recall)} of the planned cards; "
        f"{_range(p.held_after)} of the planned cards still at 90% recall 30 days after the exam."
    )
    console.print("Exam-day recall by domain: " + " · ".join(f"D{n} {_range(r)}" for n, _, r in p.domains))
    console.print(
        f"Within {plan.minutes_per_day} minutes on {p.within_budget:.0%} of simulated days; "
        f"new cards stop {plan.reserve_days} day(s) before the exam."
    )
    table = Table(title="Next days")
    for name in ("Date", "New", "Reviews", "Minutes", "Focus", "Practice exam"):
        table.add_column(name, justify="right" if name in ("New", "Reviews", "Minutes") else "left")
    for d in plan.days[:BY_DAY]:
        focus = ", ".join(f"D{n}" for n in d.focus) or "-"
        table.add_row(d.date, str(d.new), f"{d.reviews:.0f}", f"{d.minutes:.0f}", focus, "full exam" if d.exam else "")
    console.print(table)
    rest = plan.days[BY_DAY:]
    if rest:
        span = 7 if len(rest) <= BY_WEEK_DAYS else 28  # a far exam: by four weeks, to keep the table short
        weeks = Table(title="Then by week" if span == 7 else "Then by four weeks")
        for name in ("From", "Days", "New", "Reviews a day", "Minutes a day", "Practice exams"):
            weeks.add_column(name, justify="left" if name == "From" else "right")
        for start in range(0, len(rest), span):
            chunk = rest[start : start + span]
            weeks.add_row(
                chunk[0].date,
                str(len(chunk)),
                str(sum(d.new for d in chunk)),
                f"{sum(d.reviews for d in chunk) / len(chunk):.0f}",
                f"{sum(d.minutes for d in chunk) / len(chunk):.0f}",
                str(sum(d.exam for d in chunk)),
            )
        console.print(weeks)
    console.print(
        f"[dim]Simulated learner: {plan.learner['source']}. Minutes are the mean of the simulated learners; "
        "practice exams are extra.[/dim]"
    )
    console.print(
        "The plan is saved: srscards review introduces exactly its new cards, srscards due shows today's numbers, "
        "and srscards readiness checks your progress; the plan is made again when you fall behind or get ahead."
    )
