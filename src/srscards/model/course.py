"""A course and its exam profiles, and a parsed course: the deck files and their cards."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srscards.model.card import Card


@dataclass(frozen=True)
class DeckFile:
    """One Markdown deck file and the cards it holds."""

    path: Path
    title: str
    domain: int | None
    subdeck: str
    cards: tuple[Card, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "title": self.title,
            "domain": self.domain,
            "subdeck": self.subdeck,
            "cards": [c.to_dict() for c in self.cards],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeckFile:
        path = Path(data["path"])
        return cls(
            path, data["title"], data["domain"], data["subdeck"], tuple(Card.from_dict(c, path) for c in data["cards"])
        )


@dataclass(frozen=True)
class Domain:
    number: int
    name: str
    weight: float
    tasks: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "name": self.name, "weight": self.weight, "tasks": dict(self.tasks)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Domain:
        return cls(int(data["number"]), str(data["name"]), float(data["weight"]), dict(data["tasks"]))


@dataclass(frozen=True)
class ExamFormat:
    questions: int
    minutes: int
    passing_score: int = 720
    scored: int | None = None
    score_range: tuple[int, int] = (100, 1000)
    question_types: tuple[str, ...] = ("multiple_choice", "multiple_response")
    minutes_published: bool = True  # False: the exam time is not published; `minutes` is assumed for timing

    def to_dict(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "minutes": self.minutes,
            "passing_score": self.passing_score,
            "scored": self.scored,
            "score_range": list(self.score_range),
            "question_types": list(self.question_types),
            "minutes_published": self.minutes_published,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExamFormat:
        low, high = data["score_range"]
        return cls(
            data["questions"],
            data["minutes"],
            data["passing_score"],
            data["scored"],
            (low, high),
            tuple(data["question_types"]),
            data["minutes_published"],
        )

    @property
    def time_text(self) -> str:
        """The exam time as a learner should read it, saying when it is only assumed."""
        if self.minutes_published:
            return f"{self.minutes} minutes"
        return f"{self.minutes} minutes (assumed, not yet published)"


@dataclass(frozen=True)
class Profile:
    """One exam version of a course (for example MLA-C02)."""

    code: str
    version: str
    name: str
    exam: ExamFormat
    domains: tuple[Domain, ...]
    beta: ExamFormat | None = None
    status: str = ""
    min_cards_per_task: int = 0
    min_questions_per_task: int = 0
    weight_tolerance: float | None = None  # question share per domain vs weight, in points

    def domain(self, number: int) -> Domain | None:
        return next((d for d in self.domains if d.number == number), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "exam": self.exam.to_dict(),
            "domains": [d.to_dict() for d in self.domains],
            "beta": None if self.beta is None else self.beta.to_dict(),
            "status": self.status,
            "min_cards_per_task": self.min_cards_per_task,
            "min_questions_per_task": self.min_questions_per_task,
            "weight_tolerance": self.weight_tolerance,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        beta = data["beta"]
        return cls(
            data["code"],
            data["version"],
            data["name"],
            ExamFormat.from_dict(data["exam"]),
            tuple(Domain.from_dict(d) for d in data["domains"]),
            None if beta is None else ExamFormat.from_dict(beta),
            data["status"],
            data["min_cards_per_task"],
            data["min_questions_per_task"],
            data["weight_tolerance"],
        )

    @property
    def tasks(self) -> dict[str, str]:
        return {k: v for d in self.domains for k, v in d.tasks.items()}


@dataclass(frozen=True)
class Service:
    """An in-scope service or feature that coverage counts cards for."""

    name: str
    match: tuple[str, ...]
    min_cards: int = 1
    exam: str = "both"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "match": list(self.match), "min_cards": self.min_cards, "exam": self.exam}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Service:
        return cls(data["name"], tuple(data["match"]), data["min_cards"], data["exam"])


@dataclass(frozen=True)
class Course:
    """A course folder: its exam profiles (the first is the default)."""

    id: str
    path: Path
    name: str
    deck_name: str
    profiles: tuple[Profile, ...]
    services: tuple[Service, ...] = ()

    @property
    def default(self) -> Profile:
        return self.profiles[0]

    def to_dict(self) -> dict[str, Any]:
        """The course file as JSON-ready data (the review store keeps it, so a session need not read it)."""
        return {
            "id": self.id,
            "path": str(self.path),
            "name": self.name,
            "deck_name": self.deck_name,
            "profiles": [p.to_dict() for p in self.profiles],
            "services": [s.to_dict() for s in self.services],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Course:
        return cls(
            data["id"],
            Path(data["path"]),
            data["name"],
            data["deck_name"],
            tuple(Profile.from_dict(p) for p in data["profiles"]),
            tuple(Service.from_dict(s) for s in data["services"]),
        )

    def profile(self, version_or_code: str) -> Profile | None:
        key = version_or_code.upper()
        return next((p for p in self.profiles if key in (p.version.upper(), p.code.upper())), None)

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(p.version for p in self.profiles)

    def task_domain(self, task: str) -> int | None:
        for p in self.profiles:
            for d in p.domains:
                if task in d.tasks:
                    return d.number
        return None

    def domain_deck(self, domain: int | None, title: str, subdeck: str = "") -> str:
        """The Anki deck path of a deck file: `Root::N Domain name[::subdeck]`."""
        dom = self.default.domain(domain) if domain is not None else None
        parts = [self.deck_name, f"{dom.number} {dom.name}" if dom else title]
        if subdeck:
            parts.append(subdeck)
        return "::".join(parts)


@dataclass(frozen=True)
class CourseSources:
    """A parsed course: the course file and every deck file, with problems found."""

    course: Course
    decks: tuple[DeckFile, ...]
    problems: tuple = field(default=())

    @property
    def cards(self) -> tuple[Card, ...]:
        return tuple(c for d in self.decks for c in d.cards)
