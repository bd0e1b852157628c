"""The tags a card carries: its own, and the ones derived from its type, exam, domain and tasks.

Anki gets all of them on every note; review, `cards` and every other filter match the same set.
"""

from __future__ import annotations

from collections.abc import Iterable


def derived_tags(kind: str, exam: str, domain: int | None, tasks: Iterable[str], own: Iterable[str] = ()) -> list[str]:
    """Every tag of a card, sorted: `type::`, `exam::`, `domain::`, `task::` and its own tags."""
    tags = {f"type::{kind}", f"exam::{exam}", *(f"task::{t}" for t in tasks), *own}
    if domain is not None:
        tags.add(f"domain::{domain}")
    return sorted(tags)
