"""Card identity: ids written into the sources, and the Anki identifiers derived from them."""

from __future__ import annotations

import codecs
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from srscards.errors import Problem, SourceError, ValidationFailed
from srscards.files import atomic_write
from srscards.sources.course_file import load_course
from srscards.sources.load import deck_files, find_courses
from srscards.sources.parser import LONE_CR_MESSAGE, parse_file
from srscards.sources.reading import decode, read_source_bytes

FILE_PROBLEMS = {LONE_CR_MESSAGE}  # problems that leave a file's cards unknown to `ids`

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


@dataclass(frozen=True)
class IdsWritten:
    path: Path
    added: int


def write_ids(root: Path, rng: random.Random | None = None) -> list[IdsWritten]:
    """Add an id line under every card heading that has none; touch nothing else."""
    written = []
    unreadable: list[Problem] = []
    plans = []
    for folder in find_courses(root):
        course = load_course(folder)
        files = []
        existing: set[str] = set()
        for path in deck_files(folder):
            try:
                raw = read_source_bytes(path)
                text = decode(path, raw)
            except SourceError as exc:  # ids cannot be added safely to a file that cannot be read
                unreadable.append(exc.problem)
                continue
            parsed = parse_file(path, course, text=text)
            unreadable += [p for p in parsed.problems if p.message in FILE_PROBLEMS]
            existing |= {c.id for c in parsed.deck.cards} if parsed.deck else set()
            files.append((path, raw, text, parsed))
        plans.append((files, existing))
    if unreadable:  # nothing is written while any file cannot be read
        raise ValidationFailed(unreadable)
    for files, existing in plans:
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
            atomic_write(path, data, path.with_name(f".{path.name}.srscards-tmp"))
            written.append(IdsWritten(path, len(missing)))
    return written
