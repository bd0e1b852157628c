"""A parse cache keyed on content: a deck file that has not changed is not parsed again.

Entries are JSON (never pickle: a cache folder is not trusted code). The key covers the
file's bytes, the course file and every other file of the course (images), and the srscards
version, so any change that could alter the result makes a miss.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from srscards import __version__
from srscards.errors import Location, Problem
from srscards.files import atomic_write, hash_folder
from srscards.model.course import DeckFile

FORMAT = 5  # 2: cards in `Card.to_dict` form; 3: with `checked`; 4: options carry `pinned`; 5: HTML by allowlist


def assets_key(folder: Path) -> str:
    """Hash of the course file and every non-Markdown file of the course."""
    return hash_folder(folder, f"srscards {__version__} cache {FORMAT}", skip=lambda p: p.suffix == ".md")


class ParseCache:
    def __init__(self, folder: Path, course_root: Path) -> None:
        self.folder = folder
        self.assets = assets_key(course_root)

    def _entry(self, path: Path) -> Path:
        return self.folder / (hashlib.sha256(str(path).encode()).hexdigest()[:24] + ".json")

    def key(self, raw: bytes) -> str:
        return hashlib.sha256(self.assets.encode() + raw).hexdigest()

    def get(self, path: Path, key: str) -> tuple[DeckFile | None, list[Problem], list[str]] | None:
        try:
            data = json.loads(self._entry(path).read_text())
            if data.get("key") != key or data.get("path") != str(path):
                return None
            deck = DeckFile.from_dict(data["deck"]) if data["deck"] is not None else None
            return deck, [_problem(p) for p in data["problems"]], data["ids"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, path: Path, key: str, deck: DeckFile | None, problems: list[Problem], ids: list[str]) -> None:
        data = {
            "ids": ids,
            "key": key,
            "path": str(path),
            "deck": deck.to_dict() if deck is not None else None,
            "problems": [_problem_json(p) for p in problems],
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._entry(path)
        atomic_write(target, json.dumps(data, separators=(",", ":")), target.with_suffix(".tmp"))


def _problem_json(p: Problem) -> list[Any]:
    return [str(p.location.path), p.location.line, p.location.col, p.message, p.hint, p.severity]


def _problem(d: list[Any]) -> Problem:
    return Problem(Location(Path(d[0]), d[1], d[2]), d[3], d[4], d[5])
