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
@click.option(
    "--decks",
    type=click.Path(path_type=Path),
    default="decks",
    show_default=True,
    help="Folder of the course sources, synced first when the review store is still empty.",
)
@click.option(
    "--use-anki-settings",
    is_flag=True,
    help="Take the collection's FSRS parameters, desired retention, day start, steps and limits into "
    "config.toml and recompute every card with them.",
)
@home_option
def import_history(path: Path, decks: Path, use_anki_settings: bool, home: Path | None) -> None:
    """Add the reviews done in Anki to the local review log, for the notes srscards exported.

    PATH is a collection (collection.anki2 in the Anki profile folder; close Anki first) or a
    .colpkg backup. The Anki file is only read. Running it again adds only newer reviews.
    Cards reset in Anki (Forget) start their history again; answers in a filtered deck that
    does not reschedule (cramming) are left out, as Anki leaves them out.

    \b
    Example:
      srscards anki import-history backup.colpkg
      srscards anki import-history backup.colpkg --use-anki-settings
    """
    from srscards.clock import utc_now
    from srscards.paths import home as default_home
    from srscards.scheduling.config import load_settings, save_settings
    from srscards.study.anki_history import import_history as run

    folder = home or default_home()
    settings = load_settings(folder)
    result = run(path, folder, settings, utc_now(), use_anki_settings, decks)
    if result.synced_courses:
        click.echo(f"The review store was empty: synced {', '.join(result.synced_courses)} from {decks}.")
    click.echo(
        f"{count(result.added, 'new review')} added from {count(result.notes_matched, 'note')}; "
        f"{result.already:,} already imported; {count(result.cards_updated, 'card state')} recomputed."
    )
    if result.resets:
        click.echo(f"{count(result.resets, 'reset')} (Forget) taken over: those cards' histories start again there.")
    if result.cram:
        click.echo(f"{count(result.cram, 'cram answer')} (filtered deck without rescheduling) left out, as Anki does.")
    if result.skipped:
        click.echo(
            f"{count(result.skipped, 'review')} with an impossible time (before 2006 or after year 9999) left out."
        )
    if result.other_notes:
        verb = "was" if result.other_notes == 1 else "were"
        click.echo(f"{count(result.other_notes, 'review')} of notes not exported by srscards {verb} left out.")
    anki = result.anki_settings
    if anki is not None:
        params = "Anki's defaults" if not anki.parameters else f"{len(anki.parameters)} fitted"
        click.echo(
            f"Anki's settings (preset {anki.preset!r}, FSRS {'on' if anki.fsrs else 'off'}): FSRS parameters "
            f"{params}, desired retention {anki.desired_retention:.2f}, day starts at {anki.day_start_hour:02d}:00, "
            f"load balancer {'on' if anki.load_balancer else 'off'}, easy days {easy_days_text(anki.easy_days)}, "
            f"siblings buried: {buried_text(anki.bury_new, anki.bury_reviews)}."
        )
        if result.settings_used:
            saved = save_settings(folder, anki.applied_to(settings))
            click.echo(f"Using them: written to {saved}.")
            if result.recompute is not None:
                click.echo(result.recompute.describe())
        else:
            click.echo("To use them here too: run again with --use-anki-settings.")


def easy_days_text(easy_days: tuple[float, ...]) -> str:
    """Anki's easy days in words: "none" when every day is a normal day, else e.g. "Sat reduced, Sun minimum"."""
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    kinds = [
        f"{name} {'minimum' if value == 0 else 'reduced'}"
        for name, value in zip(names, easy_days, strict=True)
        if value != 1.0
    ]
    return ", ".join(kinds) or "none"


def buried_text(new: bool, reviews: bool) -> str:
    return " and ".join(k for k, on in (("new", new), ("reviews", reviews)) if on) or "none"
