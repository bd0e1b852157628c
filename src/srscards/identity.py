"""Card identity: ids written into the sources, and the Anki identifiers derived from them."""

from __future__ import annotations

import codecs
import hashlib
import os
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from .course import load_course
from .parser import parse_file
from .sources import deck_files, find_courses

ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: ids are read by people
ID_LENGTH = 8


def new_id(existing: set[str], rng: random.Random | None = None) -> str:
    """A fresh random card id not in `existing`. Ids never come from position or text."""
    choice = rng.choice if rng is not None else secrets.choice
    while True:
        candidate = "".join(choice(ID_ALPHABET) for _ in range(ID_LENGTH))
        if candidate not in existing:
            existing.add(candidate)
            return candidate


def stable_int(*parts: str, bits: int = 52) -> int:
    """A deterministic positive integer from names (Anki deck and note type ids)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - bits)) or 1


def note_guid(course_id: str, card_id: str) -> str:
    """The Anki note GUID of a card: from the course id and card id only."""
    import genanki

    return genanki.guid_for("srscards", course_id, card_id)


@dataclass(frozen=True)
class IdsWritten:
    path: Path
    added: int


def write_ids(root: Path, rng: random.Random | None = None) -> list[IdsWritten]:
    """Add an id line under every card heading that has none; touch nothing else."""
    written = []
    for folder in find_courses(root):
        course = load_course(folder)
        files = []
        existing: set[str] = set()
        for path in deck_files(folder):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                continue  # `check` reports it with its location
            parsed = parse_file(path, course, text=text)
            existing |= {c.id for c in parsed.deck.cards} if parsed.deck else set()
            files.append((path, raw, text, parsed))
        for path, raw, text, parsed in files:
            missing = [s for s in parsed.spans if not s.has_id]
            if not missing:
                continue
            lines = text.split("\n")
            for span in sorted(missing, key=lambda s: s.insert_line, reverse=True):
                end = "\r" if lines[span.insert_line - 1].endswith("\r") else ""
                lines.insert(span.insert_line, f"<!-- id: {new_id(existing, rng)} -->{end}")
            data = "\n".join(lines).encode()
            if raw.startswith(codecs.BOM_UTF8):
                data = codecs.BOM_UTF8 + data
            _atomic_write(path, data)
            written.append(IdsWritten(path, len(missing)))
    return written


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.srscards-tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
