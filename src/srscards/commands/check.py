from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from srscards.commands._study import clock, decks_argument
from srscards.words import count


@click.command("check")
@decks_argument
@click.option("--json", "as_json", is_flag=True, help="Print the problems and the item-writing figures as JSON.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any warning).")
@click.option(
    "--stale", metavar="AGE", help="Also list cards whose facts were last checked more than AGE ago (6m, 1y)."
)
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
def command(decks: Path, as_json: bool, strict: bool, stale: str | None, now_text: str | None) -> None:
    """Validate the card sources without building anything.

    Every problem is printed as path:line:col with a hint: errors in the sources, and warnings
    on item writing (cues that give the key away, near-duplicate questions, overlong answers;
    see docs/item-writing.md). The exit code is 1 if there is any error, or with --strict any
    warning.

    \b
    Example:
      srscards check decks/
      srscards check decks/ --strict --json
      srscards check decks/ --stale 6m
    """
    from srscards.sources.check import check_decks
    from srscards.sources.freshness import parse_age

    months = parse_age(stale) if stale else None
    report = check_decks(decks, strict=strict, stale_months=months, now=clock(now_text)())
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for problem in report.problems:
            click.echo(str(problem), err=problem.severity == "error")
        for course, figures in report.items.items():
            click.echo(f"{course}: {figures.summary()}")
        if months is not None:
            click.echo(f"{count(len(report.stale), 'card')} last checked more than {months} months ago or never")
        click.echo(report.summary())
    if report.failed:
        sys.exit(1)
