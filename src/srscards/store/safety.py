"""Keeping the review store safe: errors that say what really went wrong, integrity checks and backups.

A store that cannot be written is not a damaged store: a read-only file or folder and a full disk get
messages of their own, because "move it aside" would throw good answers away. Before the first write
of each day and before every migration a copy goes to `backups/` beside the store (the last
`KEEP_BACKUPS` are kept); `srscards restore` puts one back.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from srscards.errors import SrsError

BACKUP_DIR = "backups"
KEEP_BACKUPS = 7
_BACKUP_RE = re.compile(r"review-(\d{8})-(\d{6})-([a-z0-9-]+)\.sqlite3")


class StoreError(SrsError):
    """The review store cannot be used as it is; it is left untouched."""


def damaged_message(path: Path, detail: str) -> str:
    return (
        f"{path}: the review store is damaged ({detail}); it was left untouched. Run `srscards restore` to put "
        "back a backup, or move the file aside to start a new store"
    )


def classify(path: Path, exc: sqlite3.Error) -> StoreError:
    """A StoreError that tells a damaged store from one that is read-only, locked or on a full disk."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    if name.startswith("SQLITE_BUSY") or name.startswith("SQLITE_LOCKED") or "locked" in text:
        return StoreError(f"{path}: the review store stayed locked by another srscards process; try again")
    if name == "SQLITE_FULL" or "disk is full" in text or (name.startswith("SQLITE_IOERR") and _nearly_full(path)):
        return StoreError(
            f"{path}: the disk is full; nothing was written and the store is intact. Free some space and try again"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text or name == "SQLITE_PERM":
        return StoreError(read_only_message(path))
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            return StoreError(read_only_message(path))
        return StoreError(f"{path}: cannot open the review store ({text}); check the path and its permissions")
    if name.startswith("SQLITE_IOERR"):
        return StoreError(f"{path}: the disk reported an error while using the review store ({text}); check the disk")
    return StoreError(damaged_message(path, text))


def _nearly_full(path: Path) -> bool:
    """In WAL mode a full disk shows as an I/O error while the journal grows; free space tells them apart."""
    try:
        return shutil.disk_usage(path.parent).free < 1024 * 1024
    except OSError:
        return False


def read_only_message(path: Path) -> str:
    return (
        f"{path}: the review store cannot be written (the file or its folder is read-only); it is intact. "
        f"Make both writable (chmod u+w {path} {path.parent}) or point SRSCARDS_HOME at a writable folder"
    )


def check_location(home: Path, path: Path) -> None:
    """Clear errors for a home that is a file and a store path that is a folder."""
    if home.exists() and not home.is_dir():
        raise StoreError(f"{home}: the srscards data folder is a file; move it aside or set SRSCARDS_HOME to a folder")
    if path.is_symlink() and not path.exists():
        raise StoreError(
            f"{path}: the review store is a broken symbolic link (to {os.readlink(path)}); fix the link or remove it"
        )
    if path.is_dir():
        raise StoreError(f"{path}: the review store is a folder, not a file; move it aside (or remove it if empty)")
    if path.exists() and path.stat().st_size == 0:
        raise StoreError(
            f"{path}: the review store is empty (0 bytes): it was truncated, so its answers are gone from this file. "
            "Run `srscards restore` to put back a backup, or delete the file to start a new store"
        )


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime
    reason: str

    @property
    def name(self) -> str:
        return self.path.name


def backups(store_path: Path) -> list[Backup]:
    """The backups beside a store, oldest first."""
    folder = store_path.parent / BACKUP_DIR
    found = []
    for path in folder.glob("review-*.sqlite3") if folder.is_dir() else ():
        m = _BACKUP_RE.fullmatch(path.name)
        if m:
            found.append(Backup(path, datetime.strptime(m[1] + m[2], "%Y%m%d%H%M%S"), m[3]))
    return sorted(found, key=lambda b: (b.taken, b.name))


def take_backup(conn: sqlite3.Connection, store_path: Path, now: datetime, reason: str) -> Path:
    """Copy the open database (a consistent snapshot, through SQLite's backup API) into `backups/`,
    then keep only the newest KEEP_BACKUPS."""
    folder = store_path.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    target = folder / f"review-{now:%Y%m%d-%H%M%S}-{reason}.sqlite3"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"review-{now:%Y%m%d-%H%M%S}-{reason}-{n}.sqlite3"
    tmp = target.with_suffix(".tmp")
    try:
        dest = sqlite3.connect(tmp)
        try:
            conn.backup(dest)
        finally:
            dest.close()
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    for old in backups(store_path)[:-KEEP_BACKUPS]:
        old.path.unlink(missing_ok=True)
    return target


def has_backup_of_day(store_path: Path, now: datetime) -> bool:
    return any(b.taken.date() == now.date() for b in backups(store_path))


def check_file(path: Path, full: bool = False) -> str:
    """SQLite's verdict on a database file: "ok" or the first problem found."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pragma = "integrity_check" if full else "quick_check"
        return " ".join(str(conn.execute(f"PRAGMA {pragma}").fetchone()[0]).split())
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def restore_backup(store_path: Path, backup: Path, now: datetime) -> Path | None:
    """Put `backup` in place of the store; the store as it was goes to `backups/` first (when it is a
    readable database). Returns where the replaced store was saved."""
    verdict = check_file(backup, full=True)
    if verdict != "ok":
        raise StoreError(f"{backup}: this backup is damaged too ({verdict}); choose another one")
    saved = None
    folder = store_path.parent / BACKUP_DIR
    if store_path.is_file() and store_path.stat().st_size > 0:
        folder.mkdir(exist_ok=True)
        saved = folder / f"review-{now:%Y%m%d-%H%M%S}-before-restore.sqlite3"
        try:
            source = sqlite3.connect(store_path)
            try:
                dest = sqlite3.connect(saved)
                source.backup(dest)
                dest.close()
            finally:
                source.close()
        except sqlite3.DatabaseError:  # too damaged to read: keep its bytes as they are
            saved.write_bytes(store_path.read_bytes())
    tmp = store_path.with_name(f".{store_path.name}.restore-tmp")
    tmp.write_bytes(backup.read_bytes())
    for suffix in ("-wal", "-shm"):  # a journal of the old file must not be applied to the restored one
        store_path.with_name(store_path.name + suffix).unlink(missing_ok=True)
    os.replace(tmp, store_path)
    return saved
