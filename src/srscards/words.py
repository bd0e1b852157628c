"""Counted words as people write them: "1 day", "2 days", "1,362 notes"."""

from __future__ import annotations

IRREGULAR = {"query": "queries", "entry": "entries", "media file": "media files", "anki": "anki"}


def plural(word: str, number: float) -> str:
    """`word` for one of it, its plural otherwise (`1 card`, `0 cards`, `2.5 days`)."""
    if number == 1:
        return word
    if word in IRREGULAR:
        return IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def count(number: int, word: str) -> str:
    """`1 card`, `1,362 cards`: the number with thousands separators and the word in agreement."""
    return f"{number:,} {plural(word, number)}"
