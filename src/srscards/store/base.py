"""What every part of the review store shares: the connection, its guard and the write transaction."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from srscards.clock import Clock, utc_now
from srscards.files import write_failure
from srscards.scheduling.scheduler import Memory, to_ms
from srscards.store.safety import StoreError, classify, damaged_message, has_backup_of_day, take_backup

__all__ = ["CARD_COLUMNS", "ORIGINS", "StoreBase", "StoreError", "memory_values"]

ORIGINS = ("review", "exam", "import")  # where an answer in the log came from
CARD_COLUMNS = (
    "id, course, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
    "state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried_day"
)


class IntegrityCheck:
    """SQLite's quick check of a store file, run on a connection of its own in a background thread.

    The check reads every page (about 0.2 s of CPU for a 100 MB store). Run beside the start, it
    costs the first card nothing; the first write and the close wait for its verdict, so nothing
    is written into, and no command ends its work on, a file that fails it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.verdict = "ok"
        self._thread = threading.Thread(target=self._run, name="srscards-quick-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=15)
            try:
                self.verdict = one_line(str(conn.execute("PRAGMA quick_check").fetchone()[0]))
            finally:
                conn.close()
        except sqlite3.Error as exc:  # the sqlite3 module releases the GIL while the check runs
            self.verdict = one_line(str(exc))

    def wait(self) -> None:
        """Block until the check is done; StoreError if the file failed it."""
        self._thread.join()
        if self.verdict != "ok":
            raise StoreError(damaged_message(self.path, f"quick check: {self.verdict}"))


def one_line(text: str) -> str:
    return " ".join(text.split())


class StoreBase:
    """An open SQLite connection with srscards' error handling; the store's parts build on it."""

    def __init__(self, path: Path, conn: sqlite3.Connection, clock: Clock = utc_now) -> None:
        self.path = path
        self._conn = conn
        self.clock = clock
        self._backed_up = False
        self._check: IntegrityCheck | None = None

    def _await_check(self) -> None:
        """Wait for the integrity check started on open (if any) and raise if it failed."""
        check, self._check = self._check, None
        if check is not None:
            try:
                check.wait()
            except StoreError:
                self._check = check  # every later write is refused as well
                raise

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise classify(self.path, exc) from exc
        except OSError as exc:  # a backup that could not be written
            raise StoreError(write_failure(exc, Path(exc.filename or self.path), "the backup").args[0]) from exc

    def _daily_backup(self) -> None:
        """Before the first write of a (local) day, copy the store to `backups/`."""
        if self._backed_up:
            return
        now = self.clock().astimezone()
        if not has_backup_of_day(self.path, now):
            take_backup(self._conn, self.path, now, "daily")
        self._backed_up = True

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so two sessions queue instead of failing."""
        self._await_check()
        with self._guard():
            self._daily_backup()
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


def _corrupt_message(path: Path, detail: str) -> str:
    return damaged_message(path, detail)


def memory_values(memory: Memory) -> tuple[Any, ...]:
    """The state columns of a card, in the order the cards table has them."""
    return (
        int(memory.state),
        memory.step,
        memory.stability,
        memory.difficulty,
        to_ms(memory.due),
        to_ms(memory.last_review),
        memory.reps,
        memory.lapses,
    )
