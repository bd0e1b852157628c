"""`srscards doctor`: a full check of the review store, and where everything lives."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from srscards.commands._study import home_option


@click.command("doctor")
@home_option
def command(home: Path | None) -> None:
    """Check the review store in full and show sizes, versions, backups and where everything lives.

    Nothing is written. The exit code is 1 if the store is damaged.

    \b
    Example:
      srscards doctor
    """
    from srscards.paths import home as default_home
    from srscards.study.doctor import diagnose

    found = diagnose(home or default_home())
    width = max(len(k) for k, _ in found.facts)
    for key, value in found.facts:
        click.echo(f"{key:<{width}}  {value}")
    for problem in found.problems:
        click.echo(f"Error: {problem}", err=True)
    if not found.healthy:
        sys.exit(1)
