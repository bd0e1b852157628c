"""A real `srscards review` in a pseudo-terminal, read back through a terminal emulator (pyte).

The process gets a terminal of the given size (ptyprocess); everything it writes goes through
pyte, which keeps the screen a person would see: `screen()` is that text, line by line.
"""

from __future__ import annotations

import os
import re
import select
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyte
from ptyprocess import PtyProcess

CLI = [sys.executable, "-c", "from srscards.cli import main; main()"]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
# Set to rewrite the snapshots from what the screens show now (then read the diff before committing).
UPDATE = os.environ.get("SRSCARDS_UPDATE_SNAPSHOTS") == "1"


class Terminal:
    """`srscards ARGS` running in a `columns` x `rows` terminal."""

    def __init__(self, args: list[str], columns: int, rows: int, env: dict[str, str], cwd: Path) -> None:
        self.columns, self.rows = columns, rows
        self.emulator = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.emulator)
        self.raw = b""
        full = {**env, "TERM": "xterm-256color"}
        for fixed in ("COLUMNS", "LINES"):  # the size comes from the terminal, and follows it when it changes
            full.pop(fixed, None)
        self.process = PtyProcess.spawn([*CLI, *args], dimensions=(rows, columns), env=full, cwd=str(cwd))

    def _read(self, timeout: float) -> bool:
        """Feed what the process wrote within `timeout` to the emulator; False when nothing came."""
        fd = self.process.fd
        if not select.select([fd], [], [], timeout)[0]:
            return False
        try:
            data = os.read(fd, 65536)
        except OSError:  # the process ended and closed its side
            return False
        if not data:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def screen(self) -> str:
        """The screen as text, trailing spaces removed."""
        return "\n".join(line.rstrip() for line in self.emulator.display)

    def wait_for(self, condition: Callable[[str], bool] | str, timeout: float = 60) -> str:
        """Read until `condition` holds for the screen (a string: appears on it), then until the output
        rests; the screen. The deadline only bounds a hung process."""
        test = (lambda screen: condition in screen) if isinstance(condition, str) else condition
        deadline = time.monotonic() + timeout
        while not test(self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"not on screen in {timeout} s; the screen:\n{self.screen()}")
            self._read(0.05)
        while self._read(0.15):  # the rest of this drawing
            pass
        return self.screen()

    def press(self, keys: str | bytes) -> None:
        self.process.write(keys.encode() if isinstance(keys, str) else keys)

    def output_text(self) -> str:
        """Everything the process wrote, escape sequences removed (what stays after the full screen ends)."""
        return re.sub(r"\x1b(\[[0-9;?]*[a-zA-Z]|[()][0-9A-Za-z]|[=>78])", "", self.raw.decode(errors="replace"))

    def finish(self, timeout: float = 60) -> int:
        """Wait for the process to end; its exit status."""
        deadline = time.monotonic() + timeout
        while self.process.isalive():
            if time.monotonic() > deadline:
                self.process.kill(9)
                raise AssertionError(f"still running after {timeout} s; the screen:\n{self.screen()}")
            self._read(0.05)
        while self._read(0.05):
            pass
        return self.process.exitstatus if self.process.exitstatus is not None else -1

    def close(self) -> None:
        if self.process.isalive():
            self.process.kill(9)
        self.process.close(force=True)


def mask(screen: str) -> str:
    """A screen with what changes from run to run hidden: the time a session took."""
    return re.sub(r"\b\d+m \d\ds\b", "0m 00s", screen)


def check_snapshot(name: str, screen: str) -> None:
    """The screen equals its snapshot in tests/snapshots/ (written anew with SRSCARDS_UPDATE_SNAPSHOTS=1)."""
    path = SNAPSHOTS / f"{name}.txt"
    text = mask(screen).rstrip("\n") + "\n"
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            raise AssertionError(f"{path} was missing and has been written; check it and run the test again")
    assert text == path.read_text(encoding="utf-8"), f"{name}: the screen differs from its snapshot:\n{text}"
