"""Options shared by the study commands (review, due): store, filters, scheduling overrides."""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from srscards.clock import utc_now

F = Callable[..., Any]


def home_option(fn: F) -> F:
    return click.option(
        "--home",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder of the review store and config.toml (default: $SRSCARDS_HOME or the user data folder).",
    )(fn)


REMEMBERED = "srscards.decks_remembered"


def _find_decks(ctx: click.Context, param: click.Parameter, value: str | None) -> Path:
    """The decks folder: as given; else ./decks; else the one used last (remembered in the store), said so."""
    from srscards.paths import home as default_home
    from srscards.store.store import Store
    from srscards.study.workspace import DECKS_KEY

    if value is not None:
        return Path(value)
    here = Path("decks")
    if here.is_dir():
        return here
    home = ctx.params.get("home") or default_home()
    last = Store.peek_remembered(home, DECKS_KEY)
    if last is not None and Path(last).is_dir():
        click.echo(f"No decks/ folder here; using the decks folder used last: {last}", err=True)
        ctx.meta[REMEMBERED] = True
        return Path(last)
    return here


def decks_argument(fn: F) -> F:
    """DECKS: the folder of the card sources (default: ./decks, else the decks folder used last)."""
    return click.argument("decks", required=False, callback=_find_decks, type=click.Path(path_type=Path))(fn)


def beside_decks(name: str, decks: Path, given: Path, refuse_elsewhere: bool = False) -> Path:
    """Where an output goes: as given with its option; by default beside the decks used last when they
    were found from elsewhere (never into the folder the command runs in); else the default (exports/...).

    With `refuse_elsewhere`, a command run where there are no decks at all writes nothing.
    """
    from srscards.errors import SrsError

    ctx = click.get_current_context()
    if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
        return given
    if ctx.meta.get(REMEMBERED):
        return decks.resolve().parent / given
    if refuse_elsewhere and not decks.is_dir():
        raise SrsError(
            f"no decks/ folder here ({Path.cwd()}) and none used before, so nothing was written; run it in the "
            f"folder that holds decks/, give the decks folder, or give --{name.replace('_', '-')} to choose where "
            "to write"
        )
    return given


def study_options(fn: F) -> F:
    """Filters, scheduling overrides and the store folder."""
    options = [
        home_option,
        decks_argument,
        click.option("--deck", help="Only cards of this deck or subdeck (a deck name or a part of it between ::)."),
        click.option("--domain", type=int, help="Only cards of this exam domain."),
        click.option("--task", help="Only cards of this task statement, e.g. 2.3."),
        click.option("--tag", help="Only cards with this tag."),
        click.option(
            "--exam",
            help="Only cards of this exam version of the course (a version in course.yaml, such as C01; default: "
            "the course's default version; all: every version).",
        ),
        click.option("--new-limit", type=click.IntRange(min=0), help="New cards per day (default 20)."),
        click.option("--review-limit", type=click.IntRange(min=0), help="Reviews per day (default 200)."),
        click.option("--retention", type=float, help="Desired retention, 0.70 to 0.99 (default 0.90)."),
        click.option("--learning-steps", help='Learning steps, e.g. "1m 10m".'),
        click.option("--relearning-steps", help='Relearning steps, e.g. "10m".'),
        click.option("--max-interval", type=click.IntRange(min=1), help="Longest interval in days (default 36500)."),
        click.option("--day-start", help="Local time a study day begins, HH:MM (default 04:00)."),
        click.option("--fuzz/--no-fuzz", default=None, help="Spread due dates a little (default on)."),
        click.option(
            "--allow-same-day-questions",
            "same_day_questions",
            is_flag=True,
            default=None,
            help="Let a new question come on a day a concept card it tests is new or shown (default: the next day).",
        ),
        click.option("--seed", type=int, help="Seed for the fuzz, to repeat a session exactly."),
        click.option("--now", "now_text", hidden=True, help="Pretend the session starts at this ISO time."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def resolve(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Turn the study options into (home, settings, filters, clock, seed) for the core."""
    from srscards.paths import home as default_home
    from srscards.scheduling.config import check_retention, load_settings, parse_day_start, parse_steps
    from srscards.scheduling.scheduler import with_overrides
    from srscards.study.daily_queue import Filters

    home = kwargs["home"] or default_home()
    settings = with_overrides(
        load_settings(home),
        new_per_day=kwargs["new_limit"],
        reviews_per_day=kwargs["review_limit"],
        desired_retention=None if kwargs["retention"] is None else check_retention(kwargs["retention"], "--retention"),
        learning_steps=None
        if kwargs["learning_steps"] is None
        else parse_steps(kwargs["learning_steps"], "--learning-steps"),
        relearning_steps=None
        if kwargs["relearning_steps"] is None
        else parse_steps(kwargs["relearning_steps"], "--relearning-steps"),
        maximum_interval=kwargs["max_interval"],
        day_start=None if kwargs["day_start"] is None else parse_day_start(kwargs["day_start"], "--day-start"),
        fuzz=kwargs["fuzz"],
        same_day_questions=kwargs["same_day_questions"],
    )
    filters = Filters(kwargs["deck"], kwargs["domain"], kwargs["task"], kwargs["tag"], _exam(kwargs["exam"]))
    injected = (click.get_current_context().obj or {}).get("clock")  # tests stand in for the wall clock
    return {"home": home, "settings": settings, "filters": filters, "clock": injected or clock(kwargs["now_text"])}


def _exam(value: str | None) -> str | None:
    return None if value is None else value.upper()


def clock(now_text: str | None) -> Callable[[], datetime]:
    """The real clock, or one that starts at `now_text` and runs at the real pace."""
    if not now_text:
        return utc_now
    try:
        start = datetime.fromisoformat(now_text)
    except ValueError as exc:
        raise click.BadParameter(f"{now_text!r} is not an ISO date and time", param_hint="--now") from exc
    start = start.astimezone(UTC) if start.tzinfo else start.astimezone().astimezone(UTC)
    origin = _time.monotonic()
    return lambda: start + timedelta(seconds=_time.monotonic() - origin)
