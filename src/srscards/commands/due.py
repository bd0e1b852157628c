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
    """Show what is due today per exam domain: learning, reviews and new cards (within the daily limits).

    With a study plan (srscards plan), the new cards are the plan's for today, as in srscards review,
    and the plan's expected reviews and minutes for today are shown.
    Like review, it takes the course's default exam version's cards unless --exam says otherwise.

    \b
    Example:
      srscards due decks/ --json
    """
    from srscards.study.review import due_today

    options = resolve(kwargs)
    rows, days = due_today(
        kwargs["decks"],
        options["home"],
        options["settings"],
        options["filters"],
        options["clock"],
        kwargs["new_limit"] is None,
    )
    total = {k: sum(getattr(r, k) for r in rows) for k in ("learning", "review", "new")}
    plans = [
        {
            "exam": plan.profile.code,
            "exam_date": plan.exam_date,
            "new": day.new,
            "reviews": round(day.reviews, 1),
            "minutes": round(day.minutes, 1),
            "minutes_per_day": plan.minutes_per_day,
        }
        for plan, day in days
    ]
    if as_json:
        data = {
            "domains": [{"domain": r.domain, "learning": r.learning, "review": r.review, "new": r.new} for r in rows],
            "total": total,
            "plan": plans,
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
    for p in plans:
        click.echo(
            f"plan for {p['exam']} on {p['exam_date']}: {p['new']} new today, about {p['reviews']:.0f} reviews, "
            f"{p['minutes']:.0f} of {p['minutes_per_day']} minutes"
        )
