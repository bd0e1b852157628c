"""`srscards review`: study today's cards in the terminal, one keypress per answer."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from srscards.commands._study import resolve, study_options
from srscards.commands.keys import COMMANDS, END, NAMES, PREFIX, WHITESPACE, Keys
from srscards.words import count

if TYPE_CHECKING:
    from rich.console import Console

    from srscards.study.review import Answered, ReviewSession, Shown


@click.command("review")
@study_options
@click.option(
    "--plain",
    is_flag=True,
    help="Print a scrolling transcript instead of the full-screen review (as when keys are piped).",
)
def command(plain: bool, **kwargs: Any) -> None:
    """Study today's due cards in the terminal, scheduled with FSRS.

    In a terminal the review takes the whole screen, one card at a time: a header with the
    decks folder and what is left, the card, then the answer in its place. Keys: space or enter
    shows the answer; 1-4 rate Again, Hard, Good, Easy (each shows the interval it gives); for
    questions, type the option letters (enter submits several): on a question every letter is
    an option. Commands are a colon and a letter on every card: :u undoes the last answer, bury
    or suspend, :b buries the card until tomorrow, :s suspends it, :e opens its source in
    $EDITOR, :q quits (so do Ctrl-C and Ctrl-D). Up/Down and PgUp/PgDn scroll a card longer
    than the screen. Keys can also be piped (then, or with --plain, the session is printed as a
    transcript); the end of the input quits. With a study plan (srscards plan), the day's new
    cards follow it unless --new-limit is given.

    \b
    Example:
      srscards review decks/ --domain 2 --new-limit 10
      printf '3331B:q' | srscards review decks/
    """
    from rich.console import Console

    from srscards.study.review import ReviewSession

    options = resolve(kwargs)
    session = ReviewSession.start(
        kwargs["decks"], options["home"], options["settings"], options["filters"], kwargs["seed"], options["clock"]
    )
    console = Console(highlight=False, soft_wrap=False)
    full_screen = not plain and sys.stdin.isatty() and console.is_terminal and not console.is_dumb_terminal
    try:
        notices = _follow_plan(session, kwargs["new_limit"] is None)
        report = session.sync_report
        if report is not None and (report.added or report.updated or report.retired or report.revived):
            notices.insert(
                0,
                f"Synced with the sources: {report.added} new, {report.updated} edited, {report.retired} retired, "
                f"{report.revived} back.",
            )
        for notice in notices:
            console.print(notice)
        with Keys(sys.stdin) as keys:
            if full_screen and session.next() is not None:
                from srscards.commands.review_screen import ReviewScreen

                ReviewScreen(session, console, keys, kwargs["decks"], notices).run()
            else:
                _study(session, console, keys)
        _print_summary(session, console)
    finally:
        session.close()


def _follow_plan(session: ReviewSession, pace_new_cards: bool) -> list[str]:
    """Follow the study plans; what the learner should be told about them."""
    planned, brought_forward = session.follow_plan(pace_new_cards)
    said = [
        f"Your study plan was made again from today ({why}): it covers {plan.coverage:.0%} of the weighted "
        f"content by {plan.exam_date}."
        for plan, why in session.plans_remade
    ]
    if planned is not None and pace_new_cards:
        said.append(f"Following your study plan: {count(planned, 'new card')} today.")
    if brought_forward:
        they = "it holds" if brought_forward == 1 else "they hold"
        said.append(f"Exam day is near: {count(brought_forward, 'card')} brought forward so {they} on exam day.")
    return said


def _study(session: ReviewSession, console: Console, keys: Keys) -> None:
    """The transcript: each card printed below the last (keys piped, or --plain)."""
    while True:
        shown = session.next()
        if shown is None:
            return
        _print_front(session, shown, console)
        ask = _ask_choice if shown.text.is_choice else _ask
        action = ask(session, shown, console, keys)
        if action == "quit":
            return


def _print_front(session: ReviewSession, shown: Shown, console: Console) -> None:
    from rich.markdown import Markdown
    from rich.rule import Rule

    due, new, learning = session.counts()
    card = shown.card
    console.print(Rule(f"{due} due · {new} new · {learning} learning", style="dim"))
    console.print(f"[dim]{card.note}/{card.variant} · {card.deck}[/dim]")
    console.print(Markdown(shown.text.front, code_theme="monokai"))
    for index, (text, _correct, _why) in enumerate(shown.text.options):
        console.print(Markdown(f"**{chr(65 + index)}.** {text}", code_theme="monokai"))


def _rating_line(shown: Shown) -> str:
    from srscards.scheduling.scheduler import format_interval

    return "  ".join(
        f"[bold]{r.value}[/bold] {NAMES[r.value]} ({format_interval(shown.intervals[r])})" for r in shown.intervals
    )


def _ask(session: ReviewSession, shown: Shown, console: Console, keys: Keys) -> str:
    """Front shown: reveal, then rate (or undo, bury, suspend, edit, quit)."""
    from rich.markdown import Markdown

    revealed = False
    console.print(f"[dim]space/enter: show answer · {COMMANDS}[/dim]")
    while True:
        key = keys.get()
        if key in WHITESPACE:
            if not revealed:
                console.print(Markdown(shown.text.back or "_(no answer text)_", code_theme="monokai"))
                console.print(_rating_line(shown))
                revealed = True
            continue
        if key in "1234" and key:
            if not revealed:
                console.print(Markdown(shown.text.back or "_(no answer text)_", code_theme="monokai"))
            from srscards.scheduling.scheduler import Rating

            _print_answered(session, session.answer(Rating(int(key))), console)
            return "next"
        action = _command(session, shown, console, keys, key)
        if action:
            return action


def _ask_choice(session: ReviewSession, shown: Shown, console: Console, keys: Keys) -> str:
    """A question: option letters (enter submits several), graded automatically."""
    letters = shown.text.options
    valid = "".join(chr(65 + i) for i in range(len(letters)))
    needed = len(shown.text.correct_letters)
    if needed == 1:
        console.print(f"[dim]answer with a letter ({valid[0]}-{valid[-1]}) · {COMMANDS}[/dim]")
    else:
        console.print(f"[dim]choose {needed} letters ({valid[0]}-{valid[-1]}), then enter · {COMMANDS}[/dim]")
    chosen: list[str] = []
    while True:
        key = keys.get()
        upper = key.upper()
        if len(key) == 1 and key.isalpha() and upper not in valid:
            console.print(f"{upper} is not an option: answer with {valid[0]}-{valid[-1]} ({COMMANDS})")
            continue
        if len(key) == 1 and upper in valid:
            if upper in chosen:
                chosen.remove(upper)
            else:
                chosen.append(upper)
            if needed == 1:
                break
            console.print(f"chosen: {', '.join(sorted(chosen)) or '-'}")
            continue
        if key in ("\n", "\r") and chosen:
            break
        if key in WHITESPACE:
            continue
        action = _command(session, shown, console, keys, key)
        if action:
            return action
    answered = session.answer_choice("".join(chosen))
    _print_explanations(shown, "".join(sorted(chosen)), console)
    _print_answered(session, answered, console)
    if keys.tty:
        console.print("[dim]any key: next card · :u undo · :q quit[/dim]")
        key = keys.get()
        if key == END:
            return "quit"
        if key == PREFIX:
            key = keys.get()
            if key == "u":
                _undo(session, console)
            elif key in ("q", END):
                return "quit"
    return "next"


def _print_explanations(shown: Shown, chosen: str, console: Console) -> None:
    from rich.markdown import Markdown

    right = chosen == shown.text.correct_letters
    console.print(
        f"[bold {'green' if right else 'red'}]{'Correct' if right else 'Wrong'}[/]: you chose "
        f"{chosen or '-'}, the answer is {shown.text.correct_letters}"
    )
    for index, (text, correct, why) in enumerate(shown.text.options):
        letter = chr(65 + index)
        mark = "✓" if correct else "✗"
        console.print(Markdown(f"{mark} **{letter}.** {text}\n\n{why}", code_theme="monokai"))
    if shown.text.back:
        console.print(Markdown(shown.text.back, code_theme="monokai"))


def _command(session: ReviewSession, shown: Shown, console: Console, keys: Keys, key: str) -> str:
    """A command on any card: END quits; `:` and a letter undo, bury, suspend, edit or quit.

    Returns an action ('next', 'quit') or '' to stay on the card.
    """
    if key == END:
        return "quit"
    if key != PREFIX:
        return ""
    letter = keys.get()
    if letter == END:
        return "quit"
    if letter not in "ubseq" or not letter:
        console.print(f"Unknown command :{letter.strip()}; {COMMANDS}")
        return ""
    return _common_key(session, shown, console, letter)


def _common_key(session: ReviewSession, shown: Shown, console: Console, key: str) -> str:
    """The command letter after `:`: undo, bury, suspend, edit, quit. Returns an action or ''."""
    if key == "q":
        return "quit"
    if key == "u":
        if _undo(session, console):
            return "next"
        return ""
    if key == "b":
        session.bury()
        console.print("Buried until tomorrow.")
        return "next"
    if key == "s":
        session.suspend()
        console.print("Suspended.")
        return "next"
    if key == "e":
        _edit(Path(shown.card.path), shown.card.line, console)
        return ""
    return ""


def _undo(session: ReviewSession, console: Console) -> bool:
    card = session.undo()
    if card is None:
        console.print("Nothing to undo.")
        return False
    console.print(f"Undone: {card.note}/{card.variant} comes back.")
    return True


def _edit(path: Path, line: int, console: Console) -> None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        console.print("Set $EDITOR to open the card's source (e.g. export EDITOR=nano).")
        return
    try:
        subprocess.call([*shlex.split(editor), f"+{line}", str(path)])
    except OSError as exc:
        console.print(f"Could not start {editor!r}: {exc}")
        return
    console.print("Saved edits reach the review store at the next start of `srscards review`.")


def _print_answered(session: ReviewSession, answered: Answered, console: Console) -> None:
    from srscards.scheduling.scheduler import format_interval

    if answered.review_id is None:
        console.print("[yellow]This card was answered in another session meanwhile; this answer was not counted.[/]")
        return
    assert answered.after.last_review is not None
    gap = format_interval(session.scheduler.interval(answered.after, answered.after.last_review))
    console.print(f"{NAMES[answered.rating.value]}: next in {gap}.")


def _print_summary(session: ReviewSession, console: Console) -> None:
    for line in summary_lines(session):
        console.print(line, soft_wrap=True)


def summary_lines(session: ReviewSession) -> list[str]:
    """The end of a session: what was studied, what comes back later today, what is due tomorrow.

    The learning cards of later today are not counted again in tomorrow's figure, and each line
    says what it counts.
    """
    from srscards.scheduling.scheduler import format_interval

    summary = session.summary()
    minutes, seconds = divmod(round(summary.seconds), 60)
    lines = [f"Studied {count(summary.studied, 'card')} in {minutes}m {seconds:02d}s · again {summary.again_rate:.0%}"]
    if summary.learning_later:
        wait = summary.next_learning
        lines.append(
            f"Later today: {count(summary.learning_later, 'learning card')} "
            f"{'comes' if summary.learning_later == 1 else 'come'} back"
            + (f", the next in {format_interval(wait)}." if wait else ".")
        )
    elif session.shown is None and not any(session.counts()):
        lines.append("Nothing more is due today.")
    above = "the one above" if summary.learning_later == 1 else f"the {summary.learning_later} above"
    besides = f" or {above}" if summary.learning_later else ""
    lines.append(f"Due tomorrow: {count(summary.due_tomorrow, 'card')}, not counting new cards{besides}.")
    return lines
