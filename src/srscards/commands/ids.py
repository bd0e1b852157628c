from __future__ import annotations

from pathlib import Path

import click

from srscards.commands._study import decks_argument
from srscards.words import count


@click.command("ids")
@decks_argument
def command(decks: Path) -> None:
    """Give every card without an id a new random id, in place.

    Only a `<!-- id: ... -->` line under each such card heading is added; running it again
    changes nothing.

    \b
    Example:
      srscards ids decks/
    """
    from srscards.sources.ids import write_ids

    written = write_ids(decks)
    for item in written:
        click.echo(f"{item.path}: added {count(item.added, 'id')}")
    if not written:
        click.echo("every card already has an id")
