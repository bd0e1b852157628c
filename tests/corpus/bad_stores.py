"""Bad review stores and data folders: each must give a one-line message and exit 1, never a traceback,
and leave the file as it was. `make` gets the data folder (not yet created) and a store that holds answers."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STORE = "review.sqlite3"


@dataclass(frozen=True)
class StoreCase:
    name: str
    make: Callable[[Path, bytes], None]
    expect: str


def _write(data: bytes) -> Callable[[Path, bytes], None]:
    def make(home: Path, _good: bytes) -> None:
        home.mkdir(parents=True, exist_ok=True)
        (home / STORE).write_bytes(data)

    return make


def _damaged_page(home: Path, good: bytes) -> None:
    home.mkdir(parents=True, exist_ok=True)
    data = bytearray(good)
    pages = len(data) // 4096
    data[(pages - 2) * 4096 : (pages - 1) * 4096] = bytes(range(256)) * 16
    (home / STORE).write_bytes(bytes(data))


def _truncated(home: Path, good: bytes) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / STORE).write_bytes(good[: len(good) // 2])


def _folder(home: Path, _good: bytes) -> None:
    (home / STORE).mkdir(parents=True)


def _home_file(home: Path, _good: bytes) -> None:
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("not a folder")


def _dangling(home: Path, _good: bytes) -> None:
    home.mkdir(parents=True, exist_ok=True)
    os.symlink(home / "elsewhere.sqlite3", home / STORE)


def _newer(home: Path, good: bytes) -> None:
    import sqlite3

    home.mkdir(parents=True, exist_ok=True)
    (home / STORE).write_bytes(good)
    with sqlite3.connect(home / STORE) as conn:
        conn.execute("PRAGMA user_version = 999")
    with sqlite3.connect(home / STORE) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


STORE_CASES = [
    StoreCase("empty (0-byte) store", _write(b""), "the review store is empty (0 bytes)"),
    StoreCase("zeros", _write(b"\0" * 4096), "it is not an SQLite database"),
    StoreCase("a text file", _write(b"hello\n" * 100), "it is not an SQLite database"),
    StoreCase("random bytes in an untouched page", _damaged_page, "the review store is damaged ("),
    StoreCase("store cut in half", _truncated, "the review store is damaged"),
    StoreCase("store is a folder", _folder, "the review store is a folder, not a file"),
    StoreCase("data folder is a file", _home_file, "the srscards data folder is a file"),
    StoreCase("dangling store link", _dangling, "review store"),
    StoreCase("store from a newer srscards", _newer, "was written by a newer srscards"),
]
