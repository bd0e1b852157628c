"""The identifiers Anki knows a card by, derived from a card's own id so they never change."""

from __future__ import annotations

import hashlib
from pathlib import PurePath


def stable_int(*parts: str, bits: int = 52) -> int:
    """A deterministic positive integer from names (Anki deck and note type ids)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - bits)) or 1


def note_guid(course_id: str, card_id: str) -> str:
    """The Anki note GUID of a card: from the course id and card id only."""
    import genanki  # third-party, only needed by outputs that talk to Anki

    return genanki.guid_for("srscards", course_id, card_id)


def media_name(course_id: str, relative: PurePath) -> str:
    """The flat file name a course's media file (path relative to the course folder) gets in Anki's media folder."""
    return f"{course_id}_" + "_".join(relative.parts)
