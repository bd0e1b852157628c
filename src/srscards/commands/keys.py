"""Single keypresses for `srscards review`: from the terminal in cbreak mode, or one character at a time from a pipe."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

END = "\x04"  # what Keys.get gives at the end of input, on Ctrl-C and on Ctrl-D: quit
NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
WHITESPACE = (" ", "\n", "\r")
# Letters are option letters on a question, so commands are a colon and a letter on every card:
# one set of keys that never clashes with an answer.
PREFIX = ":"
COMMANDS = ":u undo · :b bury · :s suspend · :e edit · :q quit"

# The escape sequences of the keys the full-screen review scrolls with (both cursor-key modes),
# named; any other sequence (a function key, say) is read whole and dropped.
SEQUENCES = {
    b"[A": "up",
    b"OA": "up",
    b"[B": "down",
    b"OB": "down",
    b"[5~": "pgup",
    b"[6~": "pgdn",
    b"[H": "home",
    b"OH": "home",
    b"[1~": "home",
    b"[F": "end",
    b"OF": "end",
    b"[4~": "end",
}
NAMED = frozenset(SEQUENCES.values())


class Keys:
    """Single keypresses: from the terminal in cbreak mode, or one character at a time from a pipe.

    The terminal stays in cbreak mode for the whole session (restored on exit), so a key
    pressed while the next card is being drawn is kept, not echoed and lost. Arrow, Page and
    Home/End keys come back as their names (`up`, `down`, `pgup`, `pgdn`, `home`, `end`).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._saved: list[Any] | None = None

    def __enter__(self) -> Keys:
        if self.tty:
            try:
                import termios
                import tty
            except ImportError:  # no termios (Windows): click reads raw keys itself
                return self
            fd = self.stream.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The terminal as it was before the session (line mode, echo), e.g. while an editor runs."""
        if self._saved is None:
            yield
            return
        import termios
        import tty

        fd = self.stream.fileno()
        termios.tcsetattr(fd, termios.TCSADRAIN, self._saved)
        try:
            yield
        finally:
            tty.setcbreak(fd)

    def pending(self) -> bool:
        """A key was typed and not read yet (in a terminal): a screen about to be replaced need not be drawn."""
        if self._saved is None:
            return False
        import select

        return bool(select.select([self.stream.fileno()], [], [], 0)[0])

    def get(self, idle: Callable[[], None] | None = None) -> str:
        """The next key; END at the end of piped input, on Ctrl-C or Ctrl-D.

        `idle` is called about five times a second while no key comes (the full-screen review
        redraws there when the terminal was resized).
        """
        if not self.tty:
            key = self.stream.read(1)
            return key if key else END
        if self._saved is None:
            key = click.getchar()
            return END if key in ("\x03", "\x04") else key
        import select

        fd = self.stream.fileno()
        try:
            while idle is not None and not select.select([fd], [], [], 0.2)[0]:
                idle()
            data = os.read(fd, 1)
            if data == b"\x1b":  # an arrow, Page or function key: read the whole sequence, no more
                return SEQUENCES.get(_sequence(fd), "")
        except KeyboardInterrupt:
            return END
        if data in (b"", b"\x03", b"\x04"):
            return END
        return data.decode("latin-1")


def _sequence(fd: int) -> bytes:
    """The rest of an escape sequence after ESC: `[` parameters and a final byte, or `O` and one byte.

    Read a byte at a time, so a key typed right after it is kept for the next read.
    """
    import select

    def byte() -> bytes:
        return os.read(fd, 1) if select.select([fd], [], [], 0.05)[0] else b""

    first = byte()
    if first == b"O":
        return first + byte()
    if first != b"[":
        return first
    rest = first
    while len(rest) < 16:
        b = byte()
        rest += b
        if not b or 0x40 <= b[0] <= 0x7E:
            break
    return rest
