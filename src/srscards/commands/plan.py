"""`srscards plan`: a day-by-day study plan to exam day, kept in the store."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from srscards.commands._study import clock as study_clock
from srscards.commands._study import home_option


@click.command("plan")
@click.argument("decks", default="decks", type=click.Path(path_type=Path))
@click.option("--exam-date", help="Your exam day, YYYY-MM-DD (default: the one of your stored plan).")
@click.option(
    "--minutes-per-day", type=click.IntRange(min=1), help="Study time a day (default: the stored plan's, or 30)."
)
@home_option
@click.option(
    "--exam",
    "version",
    help="Exam version or profile code from course.yaml, such as C01 (default: the course's first profile).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
@click.pass_context
def command(
    ctx: click.Context,
    decks: Path,
    exam_date: str | None,
    minutes_per_day: int | None,
    home: Path | None,
    version: str | None,
    as_json: bool,
    now_text: str | None,
) -> None:
    """Plan each day to the exam: new cards so all content holds for 30 days by exam day,
    expected reviews, practice exams (weekly, then every few days), weak domains first.
    `srscards review` takes its daily new cards from the plan unless --new-limit is given.
    Without --exam-date the stored plan is made again from today, with its exam date.

    \b
    Example:
      srscards plan decks/ --exam-date 2027-01-15 --minutes-per-day 45
      srscards plan decks/
    """
    from rich.console import Console
    from rich.table import Table

    from srscards.paths import home as default_home
    from srscards.study.plan import NEW_SECONDS, REVIEW_SECONDS, plan_to_exam, stored_settings
    from srscards.study.workspace import open_course

    day: date | None = None
    if exam_date is not None:
        try:
            day = date.fromisoformat(exam_date)
        except ValueError as exc:
            raise click.BadParameter(f"{exam_date!r} is not a date like 2027-01-15", param_hint="--exam-date") from exc
    clock = (ctx.obj or {}).get("clock") or study_clock(now_text)
    now = clock()
    context = open_course(decks, home or default_home(), now, version)
    try:
        stored = stored_settings(context)
        if day is None:
            if stored is None:
                raise click.UsageError("no stored plan yet: give your exam day, e.g. --exam-date 2027-01-15")
            day = stored[0]
        if minutes_per_day is None:
            minutes_per_day = stored[1] if stored is not None else 30
        plan = plan_to_exam(context, now, day, minutes_per_day)
        code = context.profile.code
    finally:
        context.store.close()
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2))
        return
    console = Console(highlight=False, soft_wrap=False)
    console.print(
        f"Plan to {code} on {plan.exam_date}: {plan.new_cards} new cards, {plan.new_per_day} a day until "
        f"{plan.last_new_day or '-'} (each needs about {plan.ramp} days to hold for 30 days)."
    )
    console.print(f"Busiest day: {plan.peak_minutes:.0f} of {plan.minutes_per_day} minutes.")
    table = Table()
    for name in ("Date", "New", "Reviews", "Minutes", "Focus", "Practice exam"):
        table.add_column(name, justify="right" if name in ("New", "Reviews", "Minutes") else "left")
    for d in plan.days:
        focus = ", ".join(f"D{n}" for n in d.focus) or "-"
        table.add_row(d.date, str(d.new), f"{d.reviews:.0f}", f"{d.minutes:.0f}", focus, "full exam" if d.exam else "")
    console.print(table)
    console.print(
        f"[dim]Reviews assume every answer is Good (lapses add more); time counts {NEW_SECONDS} s a new card and "
        f"{REVIEW_SECONDS} s a review; practice exams are extra.[/dim]"
    )
    console.print("The plan is saved: srscards review introduces its new cards each day; srscards readiness checks it.")
