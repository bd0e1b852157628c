"""The one card model: built once by the parser, read by every output."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from srscards.errors import Location


class CardType(StrEnum):
    BASIC = "basic"
    REVERSIBLE = "reversible"
    CLOZE = "cloze"
    CHOICE = "choice"
    ORDERING = "ordering"
    MATCHING = "matching"


EXAM_VERSIONS = ("both", "C01", "C02")
DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Fragment:
    """A piece of card content: its Markdown source and the HTML rendered from it."""

    md: str = ""
    html: str = ""

    def __bool__(self) -> bool:
        return bool(self.md.strip())


@dataclass(frozen=True)
class Option:
    """One option of a choice question, with the explanation of why it is right or wrong."""

    text: Fragment
    correct: bool
    explanation: Fragment
    pinned: bool = False  # kept in its source place when the options are shuffled (`{pin}` in the source)


@dataclass(frozen=True)
class Pair:
    """One row of a matching question."""

    left: Fragment
    right: Fragment


@dataclass(frozen=True)
class Card:
    """One note of the sources: a single id, one or more reviewable variants."""

    id: str
    type: CardType
    title: Fragment
    prompt: Fragment
    answer: Fragment = Fragment()
    extra: Fragment = Fragment()
    options: tuple[Option, ...] = ()
    steps: tuple[Fragment, ...] = ()
    pairs: tuple[Pair, ...] = ()
    pair_headers: tuple[str, str] = ("", "")
    cloze_numbers: tuple[int, ...] = ()
    domain: int | None = None
    deck: str = ""
    tasks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exam: str = "both"
    lab: str = ""
    cheatsheet: bool = False
    source: str = ""
    difficulty: str = ""
    concepts: tuple[str, ...] = ()
    media: tuple[Path, ...] = ()
    location: Location = Location(Path("."))
    digest: str = ""

    @property
    def variants(self) -> tuple[str, ...]:
        """The reviewable cards of this note, as Anki makes them (one per template or cloze)."""
        if self.type is CardType.REVERSIBLE:
            return ("forward", "reverse")
        if self.type is CardType.CLOZE:
            return tuple(f"c{n}" for n in self.cloze_numbers)
        return ("card",)

    @property
    def is_question(self) -> bool:
        return self.type in (CardType.CHOICE, CardType.ORDERING, CardType.MATCHING)

    @property
    def correct_letters(self) -> str:
        return "".join(letter(i) for i, o in enumerate(self.options) if o.correct)

    def in_exam(self, version: str) -> bool:
        return self.exam == "both" or self.exam == version


def letter(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]


@dataclass(frozen=True)
class DeckFile:
    """One Markdown deck file and the cards it holds."""

    path: Path
    title: str
    domain: int | None
    subdeck: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Domain:
    number: int
    name: str
    weight: float
    tasks: dict[str, str]


@dataclass(frozen=True)
class ExamFormat:
    questions: int
    minutes: int
    passing_score: int = 720
    scored: int | None = None
    score_range: tuple[int, int] = (100, 1000)
    question_types: tuple[str, ...] = ("multiple_choice", "multiple_response")


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
