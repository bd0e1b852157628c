"""`doctor` and `restore`: the state of the review store, where everything lives, and backups put back."""

from __future__ import annotations

import platform
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from srscards import __version__
from srscards.paths import cache_home
from srscards.scheduling.config import CONFIG_FILE
from srscards.store.migrations import SCHEMA_VERSION
from srscards.store.safety import Backup, StoreError, backups, check_file, restore_backup
from srscards.store.store import STORE_FILE

PACKAGES = ("fsrs", "genanki", "markdown-it-py", "nh3", "pyyaml", "rich", "click", "anki", "boto3", "weasyprint")


@dataclass
class Diagnosis:
    """What `srscards doctor` found: facts to print, and problems (each a line saying what to do)."""

    facts: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


def _size(path: Path) -> str:
    try:
        n = path.stat().st_size
    except OSError:
        return "absent"
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n} bytes"


def diagnose(home: Path) -> Diagnosis:
    """A full integrity check of the store (read-only), its version and size, backups, paths and versions."""
    d = Diagnosis()
    store = home / STORE_FILE
    d.facts += [
        ("srscards", __version__),
        ("python", platform.python_version()),
        ("sqlite", sqlite3.sqlite_version),
        *((name, _version(name)) for name in PACKAGES),
        ("data folder", str(home)),
        ("review store", f"{store} ({_size(store)}; journal {_size(store.with_name(STORE_FILE + '-wal'))})"),
        ("settings", f"{home / CONFIG_FILE} ({'present' if (home / CONFIG_FILE).is_file() else 'absent: defaults'})"),
        ("cache", str(cache_home())),
    ]
    if home.exists() and not home.is_dir():
        d.problems.append(f"{home}: the data folder is a file; move it aside or set SRSCARDS_HOME to a folder")
    elif store.is_symlink() and not store.exists():
        d.problems.append(f"{store}: the review store is a broken symbolic link; fix the link or remove it")
    elif not store.exists():
        d.facts.append(("store", "none yet: the first `srscards review` creates it"))
    elif store.is_dir():
        d.problems.append(f"{store}: the review store is a folder; move it aside")
    elif store.stat().st_size == 0:
        d.problems.append(f"{store}: the review store is empty (0 bytes); run `srscards restore` to put back a backup")
    else:
        verdict = check_file(store, full=True)
        if verdict != "ok":
            d.problems.append(f"{store}: integrity check failed ({verdict}); run `srscards restore`")
        else:
            d.facts.append(("integrity", "ok (full check)"))
            d.facts += _contents(store)
            version = next((int(v.split()[0]) for k, v in d.facts if k == "store version"), 0)
            if version > SCHEMA_VERSION:
                d.problems.append(
                    f"{store} was written by a newer srscards (store version {version}, this one reads up to "
                    f"{SCHEMA_VERSION}); upgrade srscards (pip install -U srscards)"
                )
    found = backups(store)
    d.facts.append(("backups", f"{len(found)} in {store.parent / 'backups'}"))
    d.facts += [("  " + b.name, _size(b.path)) for b in found]
    return d


def _contents(store: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
        reviews = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return [("contents", f"unreadable ({exc})")]
    finally:
        conn.close()
    state = "current" if version == SCHEMA_VERSION else f"this srscards reads version {SCHEMA_VERSION}"
    return [("store version", f"{version} ({state})"), ("cards", str(cards)), ("answers logged", str(reviews))]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def list_backups(home: Path) -> list[Backup]:
    return backups(home / STORE_FILE)


def restore(home: Path, name: str, now: datetime) -> tuple[Path, Path | None]:
    """Put the backup called `name` (or "latest") in place of the store; returns it and where the
    replaced store was kept."""
    found = backups(home / STORE_FILE)
    if not found:
        raise StoreError(f"{home / 'backups'}: no backups yet; one is taken before the first answer of each day")
    chosen = found[-1] if name == "latest" else next((b for b in found if b.name == name), None)
    if chosen is None:
        names = ", ".join(b.name for b in found)
        raise StoreError(f"no backup called {name!r}; choose one of: {names} (or latest)")
    saved = restore_backup(home / STORE_FILE, chosen.path, now)
    return chosen.path, saved
