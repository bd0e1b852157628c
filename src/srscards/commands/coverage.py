from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from srscards.commands._study import decks_argument
from srscards.words import count


@click.command("coverage")
@decks_argument
@click.option("--exam", help="Exam version or profile code (default: the course's first profile).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(decks: Path, exam: str | None, as_json: bool) -> None:
    """Count notes (concept notes and questions) per domain, task statement, type and in-scope service.

    Exits with 1 when any count is under the thresholds set in the course profile.

    \b
    Example:
      srscards coverage decks/ --exam C01
    """
    from srscards.sources.coverage import coverage
    from srscards.sources.load import load_checked

    reports = [coverage(sources, exam) for sources in load_checked(decks)]
    if as_json:
        click.echo(json.dumps({"courses": [r.to_json() for r in reports]}, indent=2))
    else:
        for r in reports:
            notes = r.total_cards + r.total_questions
            click.echo(
                f"{r.course} ({r.profile}): {count(notes, 'note')} ({count(r.total_cards, 'concept note')}, "
                f"{count(r.total_questions, 'question')}) giving {count(r.review_cards, 'card')} to review"
            )
            click.echo("  notes per type: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r.by_type.items())))
            for d in r.domains:
                click.echo(
                    f"  domain {d.number} {d.name} (weight {d.weight:g}%): {count(d.cards, 'concept note')}, "
                    f"{count(d.questions, 'question')} ({d.question_share:.1f}% of the questions)"
                )
                for t in d.tasks:
                    click.echo(
                        f"    {t.task} {t.name}: {count(t.cards, 'concept note')}, {count(t.questions, 'question')}"
                    )
            missing = [s for s in r.services if s.cards < s.minimum]
            click.echo(f"  services: {len(r.services) - len(missing)} of {len(r.services)} covered")
            click.echo(f"  items: {r.items.summary()}")
            for line in r.shortfalls:
                click.echo(f"  under threshold: {line}")
        if reports:
            click.echo(
                "A note is one item of the sources; a question is a practice-question note, a concept note any "
                "other; each note gives one card to review (a cloze one per deletion, a reversible note two)."
            )
    if any(not r.ok for r in reports):
        sys.exit(1)
