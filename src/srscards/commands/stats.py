"""`srscards stats`: retention, memory at 30 days, coverage, forecast and calibration, per exam domain."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from srscards.commands._study import clock, decks_argument, home_option
from srscards.words import count

if TYPE_CHECKING:
    from rich.console import Console

    from srscards.study.metrics import PassTally, Stats

SPARKS = "▁▂▃▄▅▆▇█"


def percent(tally: PassTally) -> str:
    return "-" if tally.rate is None else f"{tally.rate:.1%} ({tally.passed}/{tally.total})"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def sparkline(values: list[float | None], top: float | None = None) -> str:
    """One character per value, scaled to `top` (the largest value when not given); a dot where there is none."""
    known = [v for v in values if v is not None]
    top = top if top is not None else max(known, default=0)
    if not top:
        return "".join("·" if v is None else SPARKS[0] for v in values)
    return "".join("·" if v is None else SPARKS[min(int(v / top * (len(SPARKS) - 1) + 0.5), 7)] for v in values)


def bar(value: float, top: float, width: int = 30) -> str:
    return "█" * (round(value / top * width) if top else 0)


def domain_name(domain: int | None) -> str:
    return f"domain {domain}" if domain is not None else "other"


def render(stats: Stats, console: Console) -> None:
    """The stats as terminal tables and charts."""
    from rich import box
    from rich.table import Table

    def table(title: str, *columns: str) -> Table:
        t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for i, name in enumerate(columns):
            t.add_column(name, justify="left" if i == 0 else "right")
        return t

    periods = stats.periods
    t = table("True retention as Anki's stats screen counts it; Again fails", "", *periods)
    t.add_row("all", *(percent(r.all) for r in periods.values()))
    t.add_row("young (<21d)", *(percent(r.young) for r in periods.values()))
    t.add_row("mature", *(percent(r.mature) for r in periods.values()))
    console.print(t)
    daily = [d.passed / d.total if d.total else None for d in stats.daily]
    first, last = date.fromordinal(stats.daily[0].day), date.fromordinal(stats.daily[-1].day)
    console.print(f"Retention per day, {first:%b %d} to {last:%b %d}: {sparkline(daily, 1.0)}")
    console.print()

    t = table("Per domain: goal 90% recall 30 days from now", "", "retention", "recall in 30d", "cards ≥90%", "of goal")
    for domain, recall in stats.recall_by_domain.items():
        retention = stats.by_domain.get(domain)
        goal = (
            "-" if recall.mean_recall is None else ("met" if recall.meets_goal else f"{recall.mean_recall / 0.9:.0%}")
        )
        t.add_row(
            domain_name(domain),
            "-" if retention is None else percent(retention.all),
            share(recall.mean_recall),
            share(recall.goal_share),
            goal,
        )
    r = stats.recall
    total_goal = "-" if r.mean_recall is None else ("met" if r.meets_goal else f"{r.mean_recall / 0.9:.0%}")
    t.add_row("all", percent(periods["all time"].all), share(r.mean_recall), share(r.goal_share), total_goal)
    console.print(t)

    t = table("Cards by state (every exam version)", "", "new", "learning", "review", "suspended", "retired")
    for domain, c in stats.states_by_domain.items():
        t.add_row(domain_name(domain), *(str(v) for v in vars(c).values()))
    t.add_row("all", *(str(v) for v in vars(stats.states).values()))
    console.print(t)

    t = table("Per task statement", "", "retention", "new", "learning", "review", "suspended", "retired")
    for task, c in stats.states_by_task.items():
        retention = stats.by_task.get(task)
        t.add_row(task, "-" if retention is None else percent(retention.all), *(str(v) for v in vars(c).values()))
    console.print(t)

    t = table("Per task: goal 90% recall in 30 days", "", "recall in 30d", "cards ≥90%", "of goal")
    for task, recall in stats.recall_by_task.items():
        goal = (
            "-" if recall.mean_recall is None else ("met" if recall.meets_goal else f"{recall.mean_recall / 0.9:.0%}")
        )
        t.add_row(task, share(recall.mean_recall), share(recall.goal_share), goal)
    console.print(t)

    forecast = stats.forecast
    cards = sum(f.cards for f in forecast)
    minutes = sum(f.minutes for f in forecast)
    console.print(f"Forecast: {count(cards, 'card')} due in the next 30 days, about {count(round(minutes), 'minute')}")
    console.print(f"  per day: {sparkline([float(f.cards) for f in forecast])}")
    top = max(f.cards for f in forecast[:7])
    for f in forecast[:7]:
        day = date.fromordinal(f.day)
        console.print(f"  {day:%a %b %d} {f.cards:>5} due {f.minutes:>5.1f} min {bar(f.cards, top)}")
    console.print()

    for label, cal, unit in (
        ("as Anki's Evaluate", stats.evaluate, "item"),
        ("per answer", stats.calibration, "answer"),
    ):
        if cal is None:
            console.print(f"Calibration {label}: not computed (add --evaluate)")
        elif cal.log_loss is None or cal.rmse_bins is None:
            console.print(f"Calibration {label}: no answers on a later day yet")
        else:
            console.print(
                f"Calibration {label}: log loss {cal.log_loss:.4f}, RMSE(bins) {cal.rmse_bins:.1%} "
                f"({count(cal.reviews, unit)})"
            )
    console.print(
        f"Streak: {count(stats.streak, 'day')} · {count(stats.days_studied, 'day')} studied · "
        f"{count(stats.reviews, 'answer')} · {count(round(stats.seconds_studied / 60), 'minute')} studied"
    )
    console.print(
        "Counts are of cards to review, of every exam version in the store: a note gives one card to review "
        "(a cloze one per deletion, a reversible note two)."
    )
    if stats.labs:
        done = ", ".join(f"{lab.lab} ({lab.target}, {lab.completed_at:%Y-%m-%d})" for lab in stats.labs)
        console.print(f"Labs completed: {done}")


@click.command("stats")
@decks_argument
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print every figure as JSON.")
@click.option(
    "--evaluate",
    is_flag=True,
    help="Also compute the calibration as Anki's Evaluate does (replays every card's history: slower on a long log).",
)
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
def command(decks: Path, home: Path | None, as_json: bool, evaluate: bool, now_text: str | None) -> None:
    """Show where you stand: true retention, recall 30 days from now per domain, coverage, forecast.

    Counts every answer in the review store, including reviews imported from Anki. When the
    sources folder exists, the store is synced with it first.

    \b
    Example:
      srscards stats
      srscards stats decks/ --json
      srscards stats decks/ --evaluate
    """
    from srscards.paths import home as default_home
    from srscards.scheduling.config import load_settings
    from srscards.study.metrics import load_stats

    folder = home or default_home()
    stats = load_stats(decks, folder, load_settings(folder), clock(now_text)(), evaluate)
    if as_json:
        click.echo(json.dumps(stats.to_json(), indent=2))
        return
    from rich.console import Console

    render(stats, Console(highlight=False, soft_wrap=False))
