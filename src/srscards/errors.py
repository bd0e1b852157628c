"""Errors the core raises; the CLI turns them into one-line messages and exit code 1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from srscards.words import count


class SrsError(Exception):
    """Base class for every error a user can act on."""


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file: 1-based line and column."""

    path: Path
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Problem:
    """One problem found in a source file, with a hint on how to fix it."""

    location: Location
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        return f"{text} (fix: {self.hint})" if self.hint else text

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.location.path),
            "line": self.location.line,
            "col": self.location.col,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class SourceError(SrsError):
    """A single located problem in a source file."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class ValidationFailed(SrsError):
    """The sources have one or more errors; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{count(len(errors), 'error')} in the card sources; nothing was written")
        self.problems = problems
