"""`srscards restore`: put a backup of the review store back."""

from __future__ import annotations

from pathlib import Path

import click

from srscards.commands._study import home_option


@click.command("restore")
@click.argument("backup", required=False)
@home_option
def command(backup: str | None, home: Path | None) -> None:
    """List the backups of the review store, or put one back (a name from the list, or `latest`).

    A backup is taken before the first answer of each day and before every store upgrade; the last
    7 are kept. The store being replaced is kept as a backup too, so a restore can be undone.

    \b
    Example:
      srscards restore
      srscards restore latest
    """
    from srscards.clock import utc_now
    from srscards.paths import home as default_home
    from srscards.study.doctor import list_backups, restore

    folder = home or default_home()
    if backup is None:
        found = list_backups(folder)
        if not found:
            click.echo("No backups yet: one is taken before the first answer of each day.")
        for b in found:
            click.echo(f"{b.name}  ({b.reason}, {b.taken:%Y-%m-%d %H:%M})")
        return
    restored, saved = restore(folder, backup, utc_now().astimezone())
    click.echo(f"Restored {restored.name}.")
    if saved is not None:
        click.echo(f"The store it replaced is kept as {saved}.")
