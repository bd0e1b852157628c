"""`srscards due`: what today's queue holds, per exam domain."""

from __future__ import annotations

import json
from typing import Any

import click

from srscards.commands._study import resolve, study_options
from srscards.words import count


@click.command("due")
@study_options
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def command(as_json: bool, **kwargs: Any) -> None:
    """Show the cards to study today per exam domain: learning, reviews and new cards (within the daily limits).

    Like review, it takes the course's default exam version's cards unless --exam says otherwise.

    \b
    Example:
      srscards due decks/ --json
    """
    from srscards.study.review import due_today

    options = resolve(kwargs)
    rows = due_today(kwargs["decks"], options["home"], options["settings"], options["filters"], options["clock"])
    total = {k: sum(getattr(r, k) for r in rows) for k in ("learning", "review", "new")}
    if as_json:
        data = {
            "domains": [{"domain": r.domain, "learning": r.learning, "review": r.review, "new": r.new} for r in rows],
            "total": total,
        }
        click.echo(json.dumps(data, indent=2))
        return
    for r in rows:
        name = f"domain {r.domain}" if r.domain is not None else "other"
        cards = r.learning + r.review + r.new
        click.echo(f"{name}: {count(cards, 'card')} ({r.learning} learning, {r.review} review, {r.new} new)")
    cards = sum(total.values())
    click.echo(
        f"total: {count(cards, 'card')} ({total['learning']} learning, {total['review']} review, {total['new']} new)"
    )
    click.echo(
        "Cards to study today, within the daily limits; a note gives one card to review (a cloze one per "
        "deletion, a reversible note two)."
    )
