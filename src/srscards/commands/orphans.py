"""`srscards orphans`: cards whose id left the sources, kept in the store with their history."""

from __future__ import annotations

import json
from pathlib import Path

import click

from srscards.commands._study import home_option
from srscards.words import count


@click.command("orphans")
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def command(home: Path | None, as_json: bool) -> None:
    """List retired cards: in the review store, no longer in the sources.

    Their review history is kept; if a card with the same id comes back, it keeps its state.

    \b
    Example:
      srscards orphans --json
    """
    from srscards.paths import home as default_home
    from srscards.store.store import Store

    with Store.open(home or default_home()) as store:
        orphans = store.orphans()
    if as_json:
        rows = [
            {
                "course": o.course,
                "id": o.note,
                "variant": o.variant,
                "path": o.path,
                "line": o.line,
                "retired_at": o.retired_at.isoformat(),
                "reviews": o.reviews,
            }
            for o in orphans
        ]
        click.echo(json.dumps({"orphans": rows}, indent=2))
        return
    for o in orphans:
        click.echo(
            f"{o.course}/{o.note}/{o.variant}: last seen at {o.path}:{o.line}, retired {o.retired_at:%Y-%m-%d}, "
            f"{count(o.reviews, 'review')}"
        )
    if not orphans:
        click.echo("no retired cards")
