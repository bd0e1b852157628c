from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command("check")
@click.argument("decks", default="decks", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def command(decks: Path, as_json: bool) -> None:
    """Validate the card sources without building anything.

    Every problem is printed as path:line:col with a hint; the exit code is 1 if there is
    any error.

    \b
    Example:
      srscards check decks/
    """
    from srscards.sources.check import check_decks

    report = check_decks(decks)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for problem in report.problems:
            click.echo(str(problem), err=problem.severity == "error")
        click.echo(report.summary())
    if report.errors:
        sys.exit(1)
