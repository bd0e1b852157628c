"""`srscards due`: what today's queue holds, per exam domain."""

from __future__ import annotations

import json
from typing import Any

import click

from srscards.commands._study import resolve, study_options


@click.command("due")
@study_options
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def command(as_json: bool, **kwargs: Any) -> None:
    """Show what is due today per exam domain: learning, reviews and new cards (within the daily limits).

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
        click.echo(f"{name}: {r.learning} learning, {r.review} review, {r.new} new")
    click.echo(f"total: {total['learning']} learning, {total['review']} review, {total['new']} new")
