"""Freshness: cards whose facts were last checked too long ago (AWS renames and retires things)."""

from __future__ import annotations

import re
from datetime import datetime

from srscards.errors import Problem, SrsError
from srscards.model.card import Card

AGE_RE = re.compile(r"^(\d+)\s*(m|mo|months?|y|years?)$", re.IGNORECASE)


def parse_age(text: str) -> int:
    """An age such as `6m` or `1y` in months."""
    m = AGE_RE.match(text.strip())
    if not m:
        raise SrsError(f"unknown age {text!r}; write months or years, e.g. 6m or 1y")
    n = int(m.group(1))
    return n * 12 if m.group(2).lower().startswith("y") else n


def months_since(checked: str, now: datetime) -> int:
    """Whole calendar months from a `YYYY-MM` month to `now`'s month."""
    year, month = (int(x) for x in checked.split("-"))
    return (now.year - year) * 12 + (now.month - month)


def stale_cards(cards: tuple[Card, ...] | list[Card], months: int, now: datetime) -> list[Problem]:
    """A warning for each card last checked more than `months` months before `now`, or never."""
    out = []
    for card in cards:
        if not card.checked:
            out.append(
                Problem(
                    card.location,
                    f"{card.id}: no record of when the facts were last checked",
                    "check the card against its source and add `checked: YYYY-MM` (card or front matter)",
                    "warning",
                )
            )
        elif (age := months_since(card.checked, now)) > months:
            out.append(
                Problem(
                    card.location,
                    f"{card.id}: facts last checked {card.checked}, {age} months ago (limit {months})",
                    "check the card against its source, then update `checked:` to this month",
                    "warning",
                )
            )
    return out
