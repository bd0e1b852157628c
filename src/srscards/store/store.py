"""The review store: one SQLite file with every card's state and the append-only review log.

Cards are keyed by course, note id and variant (`forward`, `c2`, ...). The log is the record:
a card's state columns are a copy of the state after its last answer that was not undone,
and can always be computed again from the log. Rows of the log are never changed or deleted
(triggers refuse it); an undo is a row in `undone`.

Every write is one transaction; the file runs in WAL mode, so an answer is on disk before the
next card is shown, a killed process leaves a consistent file, and two sessions can share it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from srscards.clock import Clock, utc_now
from srscards.files import write_failure
from srscards.install import install_command
from srscards.store.base import (
    ORIGINS,
    IntegrityCheck,
    StoreBase,
    StoreError,
    _corrupt_message,
    one_line,
    record_checked,
    unchanged_since_checked,
)
from srscards.store.card_actions import CardActionLog
from srscards.store.cards import CardTable
from srscards.store.exams import ExamTable
from srscards.store.labs import LabTable
from srscards.store.migrations import MIGRATIONS, SCHEMA_VERSION, statements
from srscards.store.parameters import ParameterTable
from srscards.store.review_log import ReviewLog
from srscards.store.safety import check_location, classify, take_backup

__all__ = ["ORIGINS", "STORE_FILE", "Store", "StoreBase", "StoreError"]


STORE_FILE = "review.sqlite3"

_SQLITE_HEADER = b"SQLite format 3\x00"


class Store(CardTable, ReviewLog, CardActionLog, ParameterTable, LabTable, ExamTable):
    """An open review store. Use `Store.open(home)`; close it when done.

    Each concept lives in a module of its own (cards, review log, card actions, parameters, labs,
    exams and plans); this class joins them over one connection and owns opening and the schema.
    """

    @classmethod
    def open(cls, home: Path, clock: Clock = utc_now) -> Store:
        """Open (or create) the store in `home`, bringing its schema up to date.

        A file that is not a database, is damaged, is empty, or comes from a newer srscards is refused
        with StoreError and never written to. A new store is made beside its place and moved there
        complete, so an interrupted start never leaves an empty file behind. Before a migration the
        store is copied to `backups/`.
        """
        path = home / STORE_FILE
        check_location(home, path)
        if not path.exists():
            cls._create(home, path)
        with path.open("rb") as fh:
            if fh.read(16) != _SQLITE_HEADER:
                raise StoreError(_corrupt_message(path, "it is not an SQLite database"))
        try:
            conn = sqlite3.connect(path, timeout=15, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise classify(path, exc) from exc
        store = cls(path, conn, clock)
        try:
            with store._guard():
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise StoreError(
                        f"{path} was written by a newer srscards (store version {version}, this one reads up to "
                        f"{SCHEMA_VERSION}); upgrade srscards ({install_command(upgrade=True)}) to use it"
                    )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
                if version < SCHEMA_VERSION:
                    verdict = one_line(str(conn.execute("PRAGMA quick_check").fetchone()[0]))
                    if verdict != "ok":
                        raise StoreError(_corrupt_message(path, f"quick check: {verdict}"))
                    take_backup(conn, path, clock().astimezone(), f"before-v{SCHEMA_VERSION}")
                    store.migrate(SCHEMA_VERSION)
                elif unchanged_since_checked(path):
                    store._verified = True  # not a byte changed since a session checked it and closed it
                else:
                    store._check = IntegrityCheck(path)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def _create(cls, home: Path, path: Path) -> None:
        """A new store with the current schema, made under a temporary name and moved into place."""
        tmp = path.with_name(f".{path.name}.new")
        try:
            home.mkdir(parents=True, exist_ok=True)
            for stale in (tmp, tmp.with_name(tmp.name + "-journal")):
                stale.unlink(missing_ok=True)
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                store = cls(tmp, conn)
                store.migrate(SCHEMA_VERSION)
            finally:
                conn.close()
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(write_failure(exc, Path(exc.filename or home), "the review store").args[0]) from exc
        except StoreError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(str(exc).replace(str(tmp), str(path))) from exc

    def close(self) -> None:
        """Close the store; StoreError if the integrity check started on open failed.

        A store that passed the check is stamped as srscards leaves it (size, times, inode), so the next
        open can skip the check when not a byte of the file changed in between."""
        try:
            self._await_check()
        except StoreError:
            self._conn.close()
            raise
        self._conn.close()
        if self._verified:
            record_checked(self.path)

    def defer_checkpoints(self) -> None:
        """Keep SQLite's write-ahead log from being copied into the file inside a write (every 1,000
        pages by default, which made one answer in a thousand take a quarter of a second on a large
        store); the copy is made when the last connection closes, or by a later open's writes.
        For sessions of many small writes, such as a review."""
        with self._guard():
            self._conn.execute("PRAGMA wal_autocheckpoint=0")

    @staticmethod
    def peek_remembered(home: Path, key: str) -> str | None:
        """A remembered value, read without creating, migrating or writing the store (None if absent)."""
        path = home / STORE_FILE
        if not path.is_file():
            return None
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error:
            return None
        try:
            row = conn.execute("SELECT value FROM remembered WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None  # an older store, or not a store: nothing remembered
        finally:
            conn.close()
        return None if row is None else str(row[0])

    def __enter__(self) -> Store:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
            return
        try:  # an error is already on its way out: it is the one to report
            self.close()
        except StoreError:
            pass

    @property
    def version(self) -> int:
        with self._guard():
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Apply the numbered migrations after the current version, up to `target`, each in one transaction."""
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                current = self._conn.execute("PRAGMA user_version").fetchone()[0]
                for number in range(current + 1, target + 1):
                    migration = MIGRATIONS[number - 1]
                    if callable(migration):
                        migration(self._conn)
                    else:
                        for statement in statements(migration):
                            self._conn.execute(statement)
                    self._conn.execute(f"PRAGMA user_version = {number}")
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def integrity(self) -> str:
        with self._guard():
            return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])
