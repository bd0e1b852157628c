from __future__ import annotations

import json
import time
from pathlib import Path

import click


@click.command("build")
@click.argument("decks", default="decks", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="exports",
    type=click.Path(path_type=Path),
    show_default=True,
    help="Folder for the .apkg files.",
)
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(decks: Path, out_dir: Path, force: bool, as_json: bool) -> None:
    """Check the card sources, then write one Anki package per course.

    Nothing is written if any source has an error.

    \b
    Example:
      srscards build decks/ -o exports/
    """
    from srscards.outputs.build import build_decks

    results = build_decks(decks, out_dir, now=time.time(), force=force)
    if as_json:
        click.echo(json.dumps({"courses": [r.to_json() for r in results]}, indent=2))
        return
    for r in results:
        state = "wrote" if r.written else "up to date:"
        click.echo(f"{r.course}: {state} {r.path} ({r.notes} notes, {r.cards} cards, {r.media} media)")
        domains = ", ".join(f"{'domain ' + k if k != '-' else 'other'} {v}" for k, v in r.per_domain.items())
        click.echo(f"  cards per domain: {domains}")
        click.echo("  cards per type: " + ", ".join(f"{k} {v}" for k, v in r.per_type.items()))
        for warning in r.warnings:
            click.echo(f"  {warning}")
