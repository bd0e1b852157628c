from __future__ import annotations

from pathlib import Path

import click


@click.command("ids")
@click.argument("decks", default="decks", type=click.Path(path_type=Path))
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
        click.echo(f"{item.path}: added {item.added} id(s)")
    if not written:
        click.echo("every card already has an id")
