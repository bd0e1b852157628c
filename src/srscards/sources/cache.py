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
from srscards.model.card import Card, CardType, DeckFile, Fragment, Option, Pair

FORMAT = 2


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
            deck = _deck(data["deck"]) if data["deck"] is not None else None
            return deck, [_problem(p) for p in data["problems"]], data["ids"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, path: Path, key: str, deck: DeckFile | None, problems: list[Problem], ids: list[str]) -> None:
        data = {
            "ids": ids,
            "key": key,
            "path": str(path),
            "deck": _deck_json(deck) if deck is not None else None,
            "problems": [_problem_json(p) for p in problems],
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._entry(path)
        atomic_write(target, json.dumps(data, separators=(",", ":")), target.with_suffix(".tmp"))


def _frag(f: Fragment) -> list[str]:
    return [f.md, f.html]


def _card_json(c: Card) -> dict[str, Any]:
    return {
        "id": c.id,
        "type": c.type.value,
        "title": _frag(c.title),
        "prompt": _frag(c.prompt),
        "answer": _frag(c.answer),
        "extra": _frag(c.extra),
        "options": [[*_frag(o.text), o.correct, *_frag(o.explanation), o.pinned] for o in c.options],
        "steps": [_frag(s) for s in c.steps],
        "pairs": [[*_frag(p.left), *_frag(p.right)] for p in c.pairs],
        "pair_headers": list(c.pair_headers),
        "cloze_numbers": list(c.cloze_numbers),
        "domain": c.domain,
        "deck": c.deck,
        "tasks": list(c.tasks),
        "tags": list(c.tags),
        "exam": c.exam,
        "lab": c.lab,
        "cheatsheet": c.cheatsheet,
        "source": c.source,
        "difficulty": c.difficulty,
        "concepts": list(c.concepts),
        "media": [str(m) for m in c.media],
        "location": [c.location.line, c.location.line, c.location.col],
        "digest": c.digest,
    }


_EMPTY = Fragment()


def _fragment(pair: list[str]) -> Fragment:
    return Fragment(*pair) if pair[0] or pair[1] else _EMPTY  # empty fragments are many and all alike


def _card(d: dict[str, Any], path: Path) -> Card:
    return Card(
        id=d["id"],
        type=CardType(d["type"]),
        title=_fragment(d["title"]),
        prompt=_fragment(d["prompt"]),
        answer=_fragment(d["answer"]),
        extra=_fragment(d["extra"]),
        options=tuple(Option(Fragment(a, b), c, Fragment(e, f), p) for a, b, c, e, f, p in d["options"]),
        steps=tuple(Fragment(*s) for s in d["steps"]),
        pairs=tuple(Pair(Fragment(a, b), Fragment(c, e)) for a, b, c, e in d["pairs"]),
        pair_headers=tuple(d["pair_headers"]),
        cloze_numbers=tuple(d["cloze_numbers"]),
        domain=d["domain"],
        deck=d["deck"],
        tasks=tuple(d["tasks"]),
        tags=tuple(d["tags"]),
        exam=d["exam"],
        lab=d["lab"],
        cheatsheet=d["cheatsheet"],
        source=d["source"],
        difficulty=d["difficulty"],
        concepts=tuple(d["concepts"]),
        media=tuple(Path(m) for m in d["media"]),
        location=Location(path, d["location"][1], d["location"][2]),
        digest=d["digest"],
    )


def _deck_json(deck: DeckFile) -> dict[str, Any]:
    return {
        "path": str(deck.path),
        "title": deck.title,
        "domain": deck.domain,
        "subdeck": deck.subdeck,
        "cards": [_card_json(c) for c in deck.cards],
    }


def _deck(d: dict[str, Any]) -> DeckFile:
    path = Path(d["path"])  # every card of a file shares its path
    return DeckFile(path, d["title"], d["domain"], d["subdeck"], tuple(_card(c, path) for c in d["cards"]))


def _problem_json(p: Problem) -> list[Any]:
    return [str(p.location.path), p.location.line, p.location.col, p.message, p.hint, p.severity]


def _problem(d: list[Any]) -> Problem:
    return Problem(Location(Path(d[0]), d[1], d[2]), d[3], d[4], d[5])
