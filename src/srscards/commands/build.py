from __future__ import annotations

import json
import time
from pathlib import Path

import click

from srscards.commands._study import beside_decks, decks_argument
from srscards.words import count


@click.command("build")
@decks_argument
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
@click.option(
    "--exam",
    default="each",
    show_default=True,
    help="each: one package per exam version (aws-mla-c02.apkg, aws-mla-c01.apkg); a version (C01): that one; "
    "all: one package with every card (aws-mla.apkg).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def command(decks: Path, out_dir: Path, force: bool, exam: str, as_json: bool) -> None:
    """Check the card sources, then write one Anki package per exam version of each course.

    Nothing is written if any source has an error. A note is one item of the sources (one
    id); a question is a practice-question note (choice, ordering, matching); each note gives
    one card to review, a cloze note one per deletion, a reversible note two.

    \b
    Example:
      srscards build decks/ -o exports/
      srscards build decks/ --exam all
    """
    from srscards.outputs.build import build_decks

    out_dir = beside_decks("out_dir", decks, out_dir)
    results = build_decks(decks, out_dir, now=time.time(), force=force, exam=exam)
    if as_json:
        click.echo(json.dumps({"courses": [r.to_json() for r in results]}, indent=2))
        return
    for r in results:
        state = "wrote" if r.written else "up to date:"
        version = "every exam version" if r.exam == "all" else f"exam {r.exam}"
        click.echo(f"{r.course} ({version}): {state} {r.path}")
        concept = r.notes - r.questions
        click.echo(
            f"  {count(r.notes, 'note')} ({count(concept, 'concept note')}, {count(r.questions, 'question')}) "
            f"giving {count(r.cards, 'card')} to review; {count(r.media, 'media file')}"
        )
        domains = ", ".join(f"{'domain ' + k if k != '-' else 'other'} {v:,}" for k, v in r.per_domain.items())
        click.echo(f"  cards per domain: {domains}")
        click.echo("  cards per type: " + ", ".join(f"{k} {v:,}" for k, v in r.per_type.items()))
        for warning in r.warnings:
            click.echo(f"  {warning}")
    if results:
        click.echo(
            "A note is one item of the sources; a question is a practice-question note; each note gives one card "
            "to review (a cloze one per deletion, a reversible note two)."
        )
