"""`srscards cards`: list and search your cards, read their memory state, suspend, unsuspend, unbury, forget."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srscards.commands._study import clock, home_option

if TYPE_CHECKING:
    from srscards.study.cards import CardInfo

CHANGE_WORDS = ("suspend", "unsuspend", "unbury", "forget", "undo")
UNDO = {"suspend": "unsuspend", "unsuspend": "suspend", "unbury": None, "forget": None}


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


@click.command("cards")
@click.argument("words", nargs=-1)
@home_option
@click.option(
    "--decks",
    type=click.Path(path_type=Path, file_okay=False),
    help="Sync the store with this decks folder first (default: ./decks when it exists).",
)
@click.option("--suspended", is_flag=True, help="Only suspended cards.")
@click.option("--buried", is_flag=True, help="Only cards buried until a later day.")
@click.option("--due", is_flag=True, help="Only cards due today (learning and review).")
@click.option("--domain", type=int, help="Only cards of this exam domain.")
@click.option("--task", help="Only cards of this task statement, e.g. 2.3.")
@click.option("--tag", help="Only cards with this tag, e.g. type::cloze.")
@click.option("--json", "as_json", is_flag=True, help="Print the cards as JSON.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
def command(
    words: tuple[str, ...],
    home: Path | None,
    decks: Path | None,
    suspended: bool,
    buried: bool,
    due: bool,
    domain: int | None,
    task: str | None,
    tag: str | None,
    as_json: bool,
    now_text: str | None,
) -> None:
    """List and search your cards with their memory state; suspend, unsuspend, unbury or forget them.

    A search matches words in the card's text, its id and its tags; field:value terms narrow
    it: id:, tag:, domain:, task:, deck:, type:, state:, exam:. Given card ids alone, it shows
    each card's info and history, like Anki's card info. A note id names all its cards
    (clz-1 is clz-1/c1 and clz-1/c2). Each change is logged, so it can be undone: undo takes
    back the latest change (of the ids given), forget included.

    \b
    Example:
      srscards cards athena parquet
      srscards cards tag:type::cloze --due
      srscards cards --suspended
      srscards cards clz-1/c2 --json
      srscards cards suspend clz-1/c2 fmt-1
      srscards cards unsuspend clz-1/c2
      srscards cards forget fmt-1
      srscards cards undo
    """
    from srscards.paths import home as default_home
    from srscards.study.daily_queue import Filters
    from srscards.study.filters import ALL_EXAMS, check_filters
    from srscards.study.workspace import open_workspace

    now = clock(now_text)()
    source = decks if decks is not None else (Path("decks") if Path("decks").is_dir() else None)
    if decks is not None and not decks.is_dir():
        raise click.BadParameter(f"{decks}: no such folder", param_hint="--decks")
    with open_workspace(source, home or default_home(), now, require_decks=False) as space:
        if words and words[0] in CHANGE_WORDS:
            _change(space, words[0], words[1:], now, as_json)
            return
        filters = check_filters(space.store, space.courses, Filters(domain=domain, task=task, tag=tag, exam=ALL_EXAMS))
        flags = suspended or buried or due or domain is not None or task or tag
        if words and not flags:
            shown = _by_ids(space, words, now)
            if shown is not None:
                _print_infos(shown, as_json)
                return
        _list(space, " ".join(words), filters, suspended, buried, due, now, as_json)


def _by_ids(space: Any, words: tuple[str, ...], now: datetime) -> list[CardInfo] | None:
    """Each card the words name, with its history; None when a word is not a card id (a search, then)."""
    from srscards.errors import SrsError
    from srscards.study.cards import cards_by_id, info

    try:
        cards = cards_by_id(space.store, space.courses, words)
    except SrsError:
        return None
    return [info(space.store, space.scheduler, c, now, history=True) for c in cards]


def _list(
    space: Any, query: str, filters: Any, suspended: bool, buried: bool, due: bool, now: datetime, as_json: bool
) -> None:
    from srscards.study.cards import find_cards

    found = find_cards(space.store, space.scheduler, space.courses, now, query, filters, suspended, buried, due)
    if as_json:
        click.echo(json.dumps({"count": len(found), "cards": [c.to_json() for c in found]}, indent=2))
        return
    if not found:
        total = len(space.store.cards(space.courses))
        click.echo(f"No card matches (the store holds {plural(total, 'card')}).")
        return
    # cut the fronts to the terminal's width; piped to a file or grep, lines stay whole
    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else 10_000
    for text in _table(found, width):
        click.echo(text)
    click.echo(f"{plural(len(found), 'card')}.")


def state_label(item: CardInfo) -> str:
    marks = [item.state]
    if item.card.suspended:
        marks.append("suspended")
    if item.buried:
        marks.append("buried")
    return ", ".join(marks)


def _table(found: list[CardInfo], width: int) -> list[str]:
    """One line per card, the front cut to the terminal's width (the whole card: srscards cards ID)."""
    rows = []
    for item in found:
        memory = item.card.memory
        rows.append(
            (
                item.id,
                state_label(item),
                "-" if item.due_day is None else item.due_day.isoformat(),
                "-" if memory.stability is None else f"{memory.stability:.1f}d",
                "-" if memory.difficulty is None else f"{memory.difficulty:.1f}",
                "-" if item.retrievability is None else f"{item.retrievability:.0%}",
            )
        )
    head = ("id", "state", "due", "stab.", "diff.", "recall")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...], front: str) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        left = "  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in pairs)
        room = max(width - len(left) - 2, 12)
        front = front if len(front) <= room else front[: room - 1].rstrip() + "…"
        return f"{left}  {front}".rstrip()

    return [line(head, "front"), *(line(r, item.front) for r, item in zip(rows, found, strict=True))]


def _print_infos(shown: list[CardInfo], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({item.id: item.to_json() for item in shown}, indent=2))
        return
    for index, item in enumerate(shown):
        if index:
            click.echo()
        _print_info(item)


def _print_info(item: CardInfo) -> None:
    from srscards.scheduling.scheduler import State
    from srscards.study.cards import RATING_NAMES, tags_of

    card, memory = item.card, item.card.memory
    click.echo(f"{item.id} · {card.type} · {card.deck}")
    click.echo(textwrap.fill(item.front, min(shutil.get_terminal_size().columns, 100)))
    rows = [("state", state_label(item))]
    if item.due_day is not None and memory.due is not None:
        when = memory.due.astimezone()
        rows.append(("due", item.due_day.isoformat() if memory.state is State.REVIEW else f"{when:%Y-%m-%d %H:%M}"))
    if memory.stability is not None:
        rows.append(("stability", f"{memory.stability:.2f} days"))
    if memory.difficulty is not None:
        rows.append(("difficulty", f"{memory.difficulty:.2f} of 10"))
    if item.retrievability is not None:
        rows.append(("retrievability", f"{item.retrievability:.1%}"))
    rows.append(("reviews", f"{plural(memory.reps, 'answer')}, {plural(memory.lapses, 'lapse')}"))
    rows.append(("tags", " ".join(tags_of(card))))
    rows.append(("source", f"{card.path}:{card.line}"))
    for name, value in rows:
        click.echo(f"  {name:<15}{value}")
    if item.history:
        click.echo("  history")
        for entry in item.history:
            what = entry.kind if entry.rating is None else f"{entry.kind} {RATING_NAMES[entry.rating]}"
            if entry.interval_days is not None:
                what += f", next in {plural(entry.interval_days, 'day')}"
            if entry.undone:
                what += " (undone)"
            click.echo(f"    {entry.at.astimezone():%Y-%m-%d %H:%M}  {what}  [{entry.origin}]")


def _change(space: Any, action: str, ids: tuple[str, ...], now: datetime, as_json: bool) -> None:
    from srscards.study.cards import card_id, cards_by_id, change_cards

    if action == "undo":
        _undo(space, ids, now)
        return
    if not ids:
        raise click.UsageError(f"give the ids of the cards to {action}, e.g. srscards cards {action} fmt-1")
    cards = cards_by_id(space.store, space.courses, ids)
    changes = change_cards(space.store, space.scheduler, cards, action, now)
    if as_json:
        rows = [{"id": card_id(c.card), "action": action, "changed": c.done} for c in changes]
        click.echo(json.dumps({"changes": rows}, indent=2))
        return
    for change in changes:
        click.echo(change.message)
    done = [card_id(c.card) for c in changes if c.done]
    back = UNDO[action]
    if done and back:
        click.echo(f"Undo with: srscards cards {back} {' '.join(done)}")
    elif done and action == "forget":
        click.echo("The answers before stay in the history; the card starts again as new.")
        click.echo("Undo with: srscards cards undo")


def _undo(space: Any, ids: tuple[str, ...], now: datetime) -> None:
    from srscards.errors import SrsError
    from srscards.study.cards import card_id, cards_by_id, undo_last

    cards = cards_by_id(space.store, space.courses, ids) if ids else []
    change = undo_last(space.store, space.courses, now, cards)
    if change is None:
        click.echo("Nothing to undo: no card change is left to take back.")
        return
    if not change.done:
        raise SrsError(
            f"{card_id(change.card)} was answered or changed after the {change.action}; it was left as it is "
            f"(see srscards cards {card_id(change.card)})"
        )
    click.echo(f"Undone: {change.action} of {card_id(change.card)}.")
