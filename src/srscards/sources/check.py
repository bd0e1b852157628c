"""`check`: validate card sources without writing anything."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from srscards.errors import Problem
from srscards.sources.freshness import stale_cards
from srscards.sources.item_quality import ItemFigures, check_items
from srscards.sources.load import find_courses, load_sources
from srscards.words import count


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    cards: Counter[str] = field(default_factory=Counter)
    items: dict[str, ItemFigures] = field(default_factory=dict)
    stale: list[Problem] = field(default_factory=list)
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def summary(self) -> str:
        total = sum(self.cards.values())
        problems = f"{count(len(self.errors), 'error')}, {count(len(self.warnings), 'warning')}"
        text = f"{count(total, 'note')} checked: {problems}"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.failed,
            "strict": self.strict,
            "notes": dict(self.cards),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_json() for p in self.problems],
            "items": {course: figures.to_json() for course, figures in self.items.items()},
        }


def check_decks(
    root: Path, *, strict: bool = False, stale_months: int | None = None, now: datetime | None = None
) -> CheckReport:
    """Parse every course under `root` and collect all problems, item-writing warnings included.

    With `strict`, warnings count as errors. With `stale_months`, cards whose facts were last
    checked more than that many months before `now` are reported as warnings too."""
    report = CheckReport(strict=strict)
    for folder in find_courses(root):
        sources, problems, _ = load_sources(folder)
        report.problems += problems
        if sources is None:
            continue
        report.cards[sources.course.id] = len(sources.cards)
        if any(p.severity == "error" for p in problems):
            continue  # item rules read a whole course; fix the errors first
        items = check_items(sources)
        report.items[sources.course.id] = items.figures
        report.problems += items.problems
        if stale_months is not None:
            if now is None:
                raise ValueError("stale_months needs now")
            found = stale_cards(sources.cards, stale_months, now)
            report.stale += found
            report.problems += found
    if strict:
        report.problems = [Problem(p.location, p.message, p.hint, "error") for p in report.problems]
    report.problems.sort(key=lambda p: (p.location, p.message))
    return report
