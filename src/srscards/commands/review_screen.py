"""The full-screen review: one card per screen, in the terminal's alternate screen.

Drawn with rich (already loaded for the card text, so it costs the start nothing), keys read one
at a time by `Keys`; the session (`study.review.ReviewSession`) schedules. Every screen is drawn
whole, each line placed by position and padded to the width, so nothing of an earlier card or
answer stays on screen. The text keeps to a readable width (at most MAX_WIDTH columns, centred);
a card longer than the screen scrolls with the arrow and Page keys.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text

from srscards.commands.keys import COMMANDS, END, NAMED, NAMES, PREFIX, WHITESPACE, Keys
from srscards.scheduling.scheduler import Rating, State, format_interval

if TYPE_CHECKING:
    from rich.console import Console

    from srscards.study.review import Answered, ReviewSession, Shown

MAX_WIDTH = 100  # columns: longer lines are hard to read, so a wide terminal gets a centred column
CODE_THEME = "monokai"
RATING_STYLES = {1: "bold red", 2: "bold yellow", 3: "bold green", 4: "bold blue"}
STATE_NAMES = {
    State.NEW: "new card",
    State.LEARNING: "learning",
    State.REVIEW: "review",
    State.RELEARNING: "relearning",
}
QUESTIONS = ("choice", "ordering", "matching")
SCROLL_HINT = "↑↓ PgUp PgDn scroll"


@dataclass(eq=False)  # one per showing: compared by identity
class OnScreen:
    """The card on screen and how far the learner got with it."""

    shown: Shown
    revealed: bool = False
    chosen: list[str] = field(default_factory=list)  # option letters, in the order pressed
    result: Answered | None = None  # a question, once graded
    offset: int = 0  # first body line on screen, when the card is longer than the screen


class ReviewScreen:
    """`srscards review` in a terminal: one card per screen until the day is done or the learner quits."""

    def __init__(self, session: ReviewSession, console: Console, keys: Keys, decks: Path, notices: list[str]) -> None:
        self.session = session
        self.console = console
        self.keys = keys
        self.decks = decks
        self.status: Text | None = Text(" ".join(notices)) if notices else None
        self.prompting = False  # `:` pressed, a command letter awaited
        self.card: OnScreen | None = None
        self._size = console.size
        self._max_offset = 0
        self._room = 1
        self._body: tuple[tuple[object, ...], list[list[Segment]]] | None = None  # the card's lines, kept

    def run(self) -> None:
        """Study from the card the session shows now; Ctrl-C anywhere quits, the screen restored."""
        try:
            with self.console.screen(hide_cursor=True):
                self._study()
        except KeyboardInterrupt:
            pass

    def _study(self) -> None:
        shown = self.session.shown or self.session.next()
        while shown is not None:
            self.card = OnScreen(shown)
            action = self._ask_choice(self.card) if shown.text.is_choice else self._ask(self.card)
            if action == "quit":
                return
            shown = self.session.next()

    # keys

    def _key(self) -> str:
        """The next key, once the screen shows where things stand (not drawn while typed keys wait:
        the keys typed ahead act at once, and the screen after the last of them is drawn)."""
        if not self.keys.pending():
            self.draw()
        return self.keys.get(idle=self._resized)

    def _resized(self) -> None:
        if self.console.size != self._size:
            self.draw()

    def _scrolled(self, card: OnScreen, key: str) -> bool:
        """Move the card up or down for a scroll key; False for any other key."""
        if key not in NAMED:
            return False
        page = max(self._room - 2, 1)
        step = {"up": -1, "down": 1, "pgup": -page, "pgdn": page, "home": -card.offset, "end": self._max_offset}[key]
        card.offset = min(max(card.offset + step, 0), self._max_offset)
        return True

    def _ask(self, card: OnScreen) -> str:
        """A card to recall: reveal, then rate (or undo, bury, suspend, edit, quit)."""
        while True:
            key = self._key()
            if self._scrolled(card, key):
                continue
            if key in WHITESPACE:
                if not card.revealed:
                    self._reveal(card)
                continue
            if len(key) == 1 and key in "1234":
                self._rated(self.session.answer(Rating(int(key))))
                return "next"
            action = self._command(card, key)
            if action:
                return action

    def _reveal(self, card: OnScreen) -> None:
        card.revealed = True
        front = self._lines(self._front(card), self._width()[0])
        # the answer's first lines on screen when the front alone fills it
        card.offset = min(max(len(front) - 2, 0), max(len(front) + 1 - self._room // 2, 0))

    def _ask_choice(self, card: OnScreen) -> str:
        """A question: option letters (enter submits several), graded, then every option explained."""
        text = card.shown.text
        valid = "".join(chr(65 + i) for i in range(len(text.options)))
        needed = len(text.correct_letters)
        while True:
            key = self._key()
            if self._scrolled(card, key):
                continue
            upper = key.upper()
            if len(key) == 1 and key.isalpha() and upper not in valid:
                self.status = Text(f"{upper} is not an option: answer with {valid[0]}-{valid[-1]}.", style="yellow")
                continue
            if len(key) == 1 and upper in valid:
                if upper in card.chosen:
                    card.chosen.remove(upper)
                else:
                    card.chosen.append(upper)
                if needed == 1:
                    break
                continue
            if key in ("\n", "\r") and card.chosen:
                break
            if key in WHITESPACE:
                continue
            action = self._command(card, key)
            if action:
                return action
        card.result = self.session.answer_choice("".join(card.chosen))
        card.revealed = True
        card.offset = 0
        self.status = None  # the verdict under the question says how it went
        while True:
            key = self._key()
            if self._scrolled(card, key):
                continue
            if key == END:
                return "quit"
            if key == PREFIX:
                self.prompting = True
                letter = self._key()
                self.prompting = False
                if letter == "u":
                    self._undo()
                elif letter in ("q", END):
                    return "quit"
            self.status = None
            return "next"

    def _command(self, card: OnScreen, key: str) -> str:
        """END quits; `:` and a letter undo, bury, suspend, edit or quit. An action ('next', 'quit') or ''."""
        if key == END:
            return "quit"
        if key != PREFIX:
            return ""
        self.prompting = True
        letter = self._key()
        self.prompting = False
        if letter == END or letter == "q":
            return "quit"
        if letter == "u":
            return "next" if self._undo() else ""
        name = _card_name(card.shown)
        if letter == "b":
            self.session.bury()
            self.status = Text(f"Buried until tomorrow (:u takes it back; later, srscards cards unbury {name}).")
            return "next"
        if letter == "s":
            self.session.suspend()
            self.status = Text(f"Suspended (:u takes it back; later, srscards cards unsuspend {name}).")
            return "next"
        if letter == "e":
            self._edit(card.shown)
            return ""
        self.status = Text(f"Unknown command :{letter.strip()}; {COMMANDS}", style="yellow")
        return ""

    def _undo(self) -> bool:
        last = self.session.done[-1] if self.session.done else None
        if self.session.undo() is None:
            self.status = Text("Nothing to undo.", style="yellow")
            return False
        what = "the bury" if getattr(last, "action", "") == "bury" else "the suspend"
        rating = getattr(last, "rating", None)
        if rating is not None:
            what = f"the answer {NAMES[rating.value]}"
        self.status = Text(f"Undone: {what}; the card is shown again.")
        return True

    def _edit(self, shown: Shown) -> None:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.status = Text("Set $EDITOR to open the card's source (e.g. export EDITOR=nano).", style="yellow")
            return
        self.console.set_alt_screen(False)
        self.console.show_cursor(True)
        try:
            with self.keys.paused():
                subprocess.call([*shlex.split(editor), f"+{shown.card.line}", str(Path(shown.card.path))])
        except OSError as exc:
            self.status = Text(f"Could not start {editor!r}: {exc}", style="yellow")
            return
        finally:
            self.console.set_alt_screen(True)
            self.console.show_cursor(False)
        self.status = Text("Saved edits reach the review store at the next start of `srscards review`.")

    def _rated(self, answered: Answered) -> None:
        self.status = Text.assemble("Last card: ", self._rated_text(answered))

    def _rated_text(self, answered: Answered) -> Text:
        if answered.review_id is None:
            return Text("answered in another session meanwhile; this answer was not counted.", "yellow")
        assert answered.after.last_review is not None
        gap = format_interval(self.session.scheduler.interval(answered.after, answered.after.last_review))
        rating = answered.rating.value
        return Text.assemble((NAMES[rating], RATING_STYLES[rating]), f", next in {gap}.")

    # drawing

    def _width(self) -> tuple[int, int]:
        """The text column's width and its left margin."""
        width = self.console.size.width
        inner = min(width, MAX_WIDTH)
        return inner, (width - inner) // 2

    def _lines(self, renderable: RenderableType, width: int) -> list[list[Segment]]:
        return self.console.render_lines(renderable, self.console.options.update(width=width, height=None), pad=True)

    def draw(self) -> None:
        """The whole screen: header, as much of the card as fits, footer."""
        assert self.card is not None
        self._size = self.console.size
        width, height = self._size
        inner, margin = self._width()
        header = self._lines(self._header(inner), inner)
        footer = self._lines(self._footer(), inner)
        body = self._body_lines(self.card, inner)
        room = max(height - len(header) - len(footer), 1)
        self._room = room
        if len(body) > room:
            room -= 1  # a line says where the visible part is
            self._max_offset = len(body) - room
            offset = self.card.offset = min(self.card.offset, self._max_offset)
            shown = body[offset : offset + room]
            more = f"lines {offset + 1}-{offset + room} of {len(body)}"
            hint = Rule(f"{more} · {SCROLL_HINT}", style="dim", align="right")
            body = shown + self._lines(hint, inner)
        else:
            self._max_offset = self.card.offset = 0
            body = body + [[]] * (room - len(body))
        lines = [[Segment(" " * margin), *line] if margin else line for line in header + body + footer]
        self.console.update_screen_lines(Segment.set_shape(lines, width, height))

    def _body_lines(self, card: OnScreen, width: int) -> list[list[Segment]]:
        """The card's lines at `width`, rendered again only when the card, its state or the width changed."""
        key = (card, card.revealed, tuple(card.chosen), card.result is not None, width)
        if self._body is None or self._body[0] != key:
            self._body = (key, self._lines(self._card_body(card), width))
        return self._body[1]

    def _header(self, width: int) -> RenderableType:
        """Where the cards come from, what is left, a progress bar, the card's deck and state."""
        due, new, learning = self.session.counts()
        counts = Text.assemble(
            (str(due), "green"), " due · ", (str(new), "blue"), " new · ", (str(learning), "red"), " learning"
        )
        path = _home_relative(self.decks)
        room = width - counts.cell_len - 2
        if len(path) > room:
            path = "…" + path[len(path) - room + 1 :] if room > 1 else ""
        top = Text(path, style="dim")
        top.append(" " * max(width - top.cell_len - counts.cell_len, 1))
        top.append_text(counts)
        answered = len(self.session.history)
        left = due + new + learning
        label = f" {answered} answered · {left} left"
        bar = max(width - len(label), 4)
        filled = round(bar * answered / (answered + left)) if answered + left else bar
        progress = Text.assemble(("█" * filled, "green"), ("░" * (bar - filled), "dim"), label)
        assert self.card is not None
        card = self.card.shown.card
        state = STATE_NAMES.get(card.memory.state, "")
        if card.type in QUESTIONS:
            kind = "new question" if card.memory.state is State.NEW else f"question · {state}"
        else:
            kind = state
        where = Text(f"{card.deck.split('::')[-1]} · {kind}", style="dim", overflow="ellipsis", no_wrap=True)
        return Group(top, progress, where, Rule(style="dim"))

    def _front(self, card: OnScreen) -> RenderableType:
        return Markdown(card.shown.text.front, code_theme=CODE_THEME)

    def _card_body(self, card: OnScreen) -> RenderableType:
        text = card.shown.text
        if text.is_choice:
            return self._question(card)
        if not card.revealed:
            return self._front(card)
        back = Markdown(text.back or "_(no answer text)_", code_theme=CODE_THEME)
        if card.shown.card.type == "cloze":  # the back is the whole text with the deletion shown: once
            return back
        return Group(self._front(card), Rule("answer", characters="┄", style="dim"), back)

    def _question(self, card: OnScreen) -> RenderableType:
        """The options; once graded, each marked right or wrong with its explanation right under it."""
        text = card.shown.text
        graded = card.result is not None
        parts: list[RenderableType] = [self._front(card), Text("")]
        if graded:
            chosen = "".join(sorted(card.chosen))
            right = chosen == text.correct_letters
            verdict = Text.assemble(
                ("✓ Correct" if right else "✗ Wrong", "bold green" if right else "bold red"),
                f": you chose {', '.join(chosen) or '-'}; the answer is {', '.join(text.correct_letters)}. ",
                self._rated_text(card.result),
            )
            parts += [verdict, Text("")]
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        several = len(text.correct_letters) > 1
        for index, (option, correct, why) in enumerate(text.options):
            letter = chr(65 + index)
            picked = letter in card.chosen
            label = Text(f"{letter}.", style="bold reverse" if picked else "bold")
            if graded:
                mark = Text("✓" if correct else "✗", style="bold green" if correct else "bold red")
                pointer = Text(">" if picked else " ", style="bold")
                content: RenderableType = Group(
                    Markdown(option + ("  *(your choice)*" if picked else ""), code_theme=CODE_THEME),
                    Markdown(why, code_theme=CODE_THEME) if why else Text(""),
                )
                table.add_row(Text.assemble(pointer, " ", mark), label, content)
            else:
                box = ("[x]" if picked else "[ ]") if several else ">" if picked else " "
                table.add_row(Text(box, style="bold"), label, Markdown(option, code_theme=CODE_THEME))
        parts.append(table)
        if graded and text.back:
            parts.append(Markdown(text.back, code_theme=CODE_THEME))
        return Group(*parts)

    def _footer(self) -> RenderableType:
        """A rule, the last thing that happened, and the keys that work now."""
        assert self.card is not None
        card = self.card
        lines: list[RenderableType] = [Rule(style="dim")]
        if self.status is not None:
            lines.append(self.status)
        dim = Style(dim=True)
        if self.prompting:
            lines.append(Text("command: u undo · b bury · s suspend · e edit · q quit (press the letter)", "bold"))
            return Group(*lines)
        text = card.shown.text
        if card.result is not None:
            lines.append(Text("any key: next card · :u undo · :q quit", style=dim))
            return Group(*lines)
        if text.is_choice:
            valid = "".join(chr(65 + i) for i in range(len(text.options)))
            needed = len(text.correct_letters)
            if needed == 1:
                ask = f"answer with a letter ({valid[0]}-{valid[-1]})"
            else:
                ask = f"choose {needed} letters ({valid[0]}-{valid[-1]}), then enter"
                ask += f" · chosen: {', '.join(sorted(card.chosen)) or '-'}"
            lines.append(Text(ask, style="bold"))
        elif card.revealed:
            keys = Text()
            for rating, interval in card.shown.intervals.items():
                style = RATING_STYLES[rating.value]
                keys.append_text(
                    Text.assemble(
                        (str(rating.value), style), f" {NAMES[rating.value]} ", (format_interval(interval), style)
                    )
                )
                keys.append("   ")
            keys.rstrip()
            lines.append(keys)
        else:
            lines.append(Text.assemble(("space", "bold"), "/", ("enter", "bold"), ": show answer · 1-4 rate"))
        lines.append(Text(COMMANDS, style=dim))
        return Group(*lines)


def _card_name(shown: Shown) -> str:
    """The id `srscards cards` takes for the card: the note's id, with the variant when it has several."""
    card = shown.card
    return card.note if card.variant == "card" else f"{card.note}/{card.variant}"


def _home_relative(path: Path) -> str:
    """The decks folder as a person writes it: absolute, with ~ for the home folder."""
    full = path.resolve()
    home = Path.home()
    try:
        return "~/" + str(full.relative_to(home)) if full != home else "~"
    except ValueError:
        return str(full)
