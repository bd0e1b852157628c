"""`srscards anki`: work with an Anki collection; `import-history` brings its reviews into the store."""

from __future__ import annotations

from pathlib import Path

import click

from srscards.commands._study import home_option
from srscards.words import count


@click.group("anki")
def command() -> None:
    """Work with Anki collections.

    \b
    Example:
      srscards anki import-history ~/.local/share/Anki2/"User 1"/collection.anki2
    """


@command.command("import-history")
@click.argument("path", type=click.Path(path_type=Path))
@home_option
def import_history(path: Path, home: Path | None) -> None:
    """Add the reviews done in Anki to the local review log, for the notes srscards exported.

    PATH is a collection (collection.anki2 in the Anki profile folder; close Anki first) or a
    .colpkg backup. The Anki file is only read. Running it again adds only newer reviews.

    \b
    Example:
      srscards anki import-history backup.colpkg
    """
    from srscards.paths import home as default_home
    from srscards.scheduling.config import load_settings
    from srscards.study.anki_history import import_history as run

    folder = home or default_home()
    result = run(path, folder, load_settings(folder))
    click.echo(
        f"{count(result.added, 'new review')} added from {count(result.notes_matched, 'note')}; "
        f"{result.already:,} already imported; {count(result.cards_updated, 'card state')} recomputed."
    )
    if result.other_notes:
        verb = "was" if result.other_notes == 1 else "were"
        click.echo(f"{count(result.other_notes, 'review')} of notes not exported by srscards {verb} left out.")
