"""A parse cache keyed on content: a deck file that has not changed is not parsed again, and in
a file that changed only the cards whose text changed are (see `sources/incremental.py`).

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
from srscards.files import atomic_write, hash_folder

# 2: cards in `Card.to_dict` form; 3: with `checked`; 4: options carry `pinned`;
# 5: one entry per file, cut into chunks that are reused card by card; 6: card HTML by allowlist
FORMAT = 6


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

    def get(self, path: Path) -> tuple[str, dict[str, Any]] | None:
        """The key and entry last stored for `path` (whatever the file held then)."""
        try:
            data = json.loads(self._entry(path).read_text())
            if data.get("path") != str(path) or data.get("assets") != self.assets:
                return None
            return data["key"], data["entry"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, path: Path, key: str, entry: dict[str, Any]) -> None:
        data = {"key": key, "path": str(path), "assets": self.assets, "entry": entry}
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._entry(path)
        atomic_write(target, json.dumps(data, separators=(",", ":")), target.with_suffix(".tmp"))
