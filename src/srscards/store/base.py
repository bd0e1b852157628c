"""What every part of the review store shares: the connection, its guard and the write transaction."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from srscards.clock import Clock, utc_now
from srscards.files import write_failure
from srscards.paths import cache_home
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


def _stamp_path(path: Path) -> Path:
    """Where the stamp of a checked store file is kept: the cache folder, one small file per store."""
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:20]
    return cache_home() / "store-checks" / f"{key}.json"


def file_stamp(path: Path) -> list[int] | None:
    """Size, modification and change times and inode of the store file; None while a write-ahead log
    holds answers not yet in it (its frames are not covered by a stamp)."""
    try:
        info = path.stat()
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return None
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def unchanged_since_checked(path: Path) -> bool:
    """True when the file is exactly as srscards left it after a session whose check passed."""
    stamp = file_stamp(path)
    if stamp is None:
        return False
    try:
        return bool(json.loads(_stamp_path(path).read_text(encoding="utf-8")) == stamp)
    except (OSError, ValueError):
        return False


def record_checked(path: Path) -> None:
    """Remember the file as it is now as checked (or forget the stamp when it cannot be trusted).

    Only an optimisation: a stamp that cannot be written means the next open checks again."""
    stamp = file_stamp(path)
    target = _stamp_path(path)
    try:
        if stamp is None:
            target.unlink(missing_ok=True)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        tmp.write_text(json.dumps(stamp), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass


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
        self._verified = False  # the file passed the check on open, or was left so by a session that did

    def _await_check(self) -> None:
        """Wait for the integrity check started on open (if any) and raise if it failed."""
        check, self._check = self._check, None
        if check is not None:
            try:
                check.wait()
            except StoreError:
                self._check = check  # every later write is refused as well
                self._verified = False
                raise
            self._verified = True

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
