"""The order in which a choice question's options are shown: shuffled, pinned options in place.

An order is a tuple of source indices, one per display position: `order[0]` is the source
index of the option shown as A. Every place that shows a question (exam, review, Anki) draws
one, so the position of the right answer carries no information.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from srscards.model.card import letter


def shuffled_order(pinned: Sequence[bool], rng: random.Random) -> tuple[int, ...]:
    """A display order for options with these pin flags: pinned ones keep their source place."""
    free = [i for i, pin in enumerate(pinned) if not pin]
    moved = free[:]
    rng.shuffle(moved)
    order = list(range(len(pinned)))
    for slot, source in zip(free, moved, strict=True):
        order[slot] = source
    return tuple(order)


def is_order(order: Sequence[object], size: int) -> bool:
    """Whether `order` is a display order of `size` options (each source index exactly once)."""
    return (
        len(order) == size
        and all(isinstance(i, int) and not isinstance(i, bool) for i in order)
        and sorted(order) == list(range(size))  # type: ignore[type-var]
    )


def source_letters(letters: str, order: Sequence[int]) -> str:
    """Display letters (as the learner saw them) as the letters of the source, sorted."""
    return "".join(sorted(letter(order[ord(ch) - 65]) for ch in letters if 0 <= ord(ch) - 65 < len(order)))
