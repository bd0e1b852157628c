"""`check`: validate card sources without writing anything."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srscards.errors import Problem
from srscards.sources.load import find_courses, load_sources


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    cards: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def summary(self) -> str:
        total = sum(self.cards.values())
        text = f"{total} notes checked: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": not self.errors,
            "notes": dict(self.cards),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.to_json() for p in self.problems],
        }


def check_decks(root: Path) -> CheckReport:
    """Parse every course under `root` and collect all problems."""
    report = CheckReport()
    for folder in find_courses(root):
        sources, problems, _ = load_sources(folder)
        report.problems += problems
        if sources is not None:
            report.cards[sources.course.id] = len(sources.cards)
    return report
