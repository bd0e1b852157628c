"""`srscards readiness`: am I ready for the exam? One screen, one verdict, the next steps."""

from __future__ import annotations

import json
from pathlib import Path

import click

from srscards.commands._study import clock as study_clock
from srscards.commands._study import decks_argument, home_option


@click.command("readiness")
@decks_argument
@home_option
@click.option(
    "--exam",
    "version",
    help="Exam version or profile code from course.yaml, such as C01 (default: the course's first profile).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
@click.pass_context
def command(
    ctx: click.Context, decks: Path, home: Path | None, version: str | None, as_json: bool, now_text: str | None
) -> None:
    """Say whether you are ready for the exam: practice-exam trend (85%), domain mastery (80%),
    recall at 30 days (90%), coverage of every task statement and time management.

    \b
    Example:
      srscards readiness decks/
    """
    from rich.console import Console
    from rich.table import Table

    from srscards.paths import home as default_home
    from srscards.study.readiness import assess
    from srscards.study.workspace import open_course

    clock = (ctx.obj or {}).get("clock") or study_clock(now_text)
    now = clock()
    context = open_course(decks, home or default_home(), now, version)
    try:
        result = assess(context, now)
    finally:
        context.store.close()
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    console = Console(highlight=False, soft_wrap=False)
    console.rule(f"Readiness for {result.profile}")
    table = Table(show_header=True)
    table.add_column("Check")
    table.add_column("Met")
    table.add_column("Measured")
    for check in result.checks:
        table.add_row(check.name, "yes" if check.met else "no", check.detail)
    console.print(table)
    if result.weak_tasks:
        console.print("Weak task statements:")
        for task in result.weak_tasks[:5]:
            share = "not asked yet" if task.exam_share is None else f"{task.exam_share:.0%} in exams"
            console.print(f"  {task.task} {task.label}: {share}, {task.studied_share:.0%} of cards studied")
    if result.on_plan:
        console.print(f"Plan: {result.on_plan}")
    verdict = "READY" if result.ready else "NOT YET"
    console.print(f"Verdict: {verdict}")
    console.print("Next steps:")
    for step in result.next_steps:
        console.print(f"  - {step}")
