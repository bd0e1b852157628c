"""What every part of the review store shares: the connection, its guard and the write transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from srscards.errors import SrsError
from srscards.scheduling.scheduler import Memory, to_ms

ORIGINS = ("review", "exam", "import")  # where an answer in the log came from
CARD_COLUMNS = (
    "id, course, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
    "state, step, stability, difficulty, due, last_review, reps, lapses, suspended, buried_day"
)


class StoreError(SrsError):
    """The review store cannot be used as it is; it is left untouched."""


class StoreBase:
    """An open SQLite connection with srscards' error handling; the store's parts build on it."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"{self.path}: the review store stayed locked by another srscards process; try again"
                ) from exc
            raise StoreError(_corrupt_message(self.path, str(exc))) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(_corrupt_message(self.path, str(exc))) from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so two sessions queue instead of failing."""
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")


def _corrupt_message(path: Path, detail: str) -> str:
    return (
        f"{path}: the review store is damaged ({detail}); it was left untouched. Move it aside to start a new "
        "store, or restore a backup"
    )


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
