from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("coverage")
@click.argument("decks", default="decks", type=click.Path(path_type=Path))
@click.option("--exam", help="Exam version or profile code (default: the course's first profile).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(decks: Path, exam: str | None, as_json: bool) -> None:
    """Count cards and questions per domain, task statement, type and in-scope service.

    Exits with 1 when any count is under the thresholds set in the course profile.

    \b
    Example:
      srscards coverage decks/ --exam C01
    """
    from srscards.sources.coverage import coverage
    from srscards.sources.load import load_checked

    reports = [coverage(sources, exam) for sources in load_checked(decks)]
    if as_json:
        click.echo(json.dumps({"courses": [r.to_json() for r in reports]}, indent=2))
    else:
        for r in reports:
            click.echo(f"{r.course} ({r.profile}): {r.total_cards} cards, {r.total_questions} questions")
            click.echo("  types: " + ", ".join(f"{k} {v}" for k, v in sorted(r.by_type.items())))
            for d in r.domains:
                click.echo(
                    f"  domain {d.number} {d.name} (weight {d.weight:g}%): {d.cards} cards, "
                    f"{d.questions} questions ({d.question_share:.1f}%)"
                )
                for t in d.tasks:
                    click.echo(f"    {t.task} {t.name}: {t.cards} cards, {t.questions} questions")
            missing = [s for s in r.services if s.cards < s.minimum]
            click.echo(f"  services: {len(r.services) - len(missing)} of {len(r.services)} covered")
            click.echo(f"  items: {r.items.summary()}")
            for line in r.shortfalls:
                click.echo(f"  under threshold: {line}")
    if any(not r.ok for r in reports):
        sys.exit(1)
