"""The one card model: built once by the parser, read by every output, kept by the store.

Every record serialises itself both ways (`to_dict`/`from_dict`); the parse cache and the
review store keep exactly that form.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from srscards.errors import Location


class CardType(StrEnum):
    BASIC = "basic"
    REVERSIBLE = "reversible"
    CLOZE = "cloze"
    CHOICE = "choice"
    ORDERING = "ordering"
    MATCHING = "matching"


DIFFICULTIES = ("easy", "medium", "hard")


@dataclass(frozen=True)
class Fragment:
    """A piece of card content: its Markdown source and the HTML rendered from it."""

    md: str = ""
    html: str = ""

    def __bool__(self) -> bool:
        return bool(self.md.strip())

    def to_dict(self) -> list[str]:
        return [self.md, self.html]

    @classmethod
    def from_dict(cls, data: list[str]) -> Fragment:
        return cls(*data) if data[0] or data[1] else EMPTY  # empty fragments are many and all alike


EMPTY = Fragment()


@dataclass(frozen=True)
class Option:
    """One option of a choice question, with the explanation of why it is right or wrong."""

    text: Fragment
    correct: bool
    explanation: Fragment
    pinned: bool = False  # kept in its source place when the options are shuffled (`{pin}` in the source)

    def to_dict(self) -> list[Any]:
        return [*self.text.to_dict(), self.correct, *self.explanation.to_dict(), *([True] if self.pinned else [])]

    @classmethod
    def from_dict(cls, data: list[Any]) -> Option:
        return cls(
            Fragment(data[0], data[1]), bool(data[2]), Fragment(data[3], data[4]), len(data) > 5 and bool(data[5])
        )


@dataclass(frozen=True)
class Pair:
    """One row of a matching question."""

    left: Fragment
    right: Fragment

    def to_dict(self) -> list[str]:
        return [*self.left.to_dict(), *self.right.to_dict()]

    @classmethod
    def from_dict(cls, data: list[str]) -> Pair:
        return cls(Fragment(data[0], data[1]), Fragment(data[2], data[3]))


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
    checked: str = ""  # "YYYY-MM": when the card's facts were last checked against their source
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

    @property
    def markdown_text(self) -> str:
        """All the Markdown a learner reads on the card (to search it, or find the services it names)."""
        parts = [self.title.md, self.prompt.md, self.answer.md, self.extra.md]
        for option in self.options:
            parts += [option.text.md, option.explanation.md]
        parts += [s.md for s in self.steps]
        for pair in self.pairs:
            parts += [pair.left.md, pair.right.md]
        return "\n".join(parts)

    def in_exam(self, version: str) -> bool:
        return self.exam == "both" or self.exam == version

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data; `Card.from_dict` reads it back equal."""
        return {
            "id": self.id,
            "type": self.type.value,
            "title": self.title.to_dict(),
            "prompt": self.prompt.to_dict(),
            "answer": self.answer.to_dict(),
            "extra": self.extra.to_dict(),
            "options": [o.to_dict() for o in self.options],
            "steps": [s.to_dict() for s in self.steps],
            "pairs": [p.to_dict() for p in self.pairs],
            "pair_headers": list(self.pair_headers),
            "cloze_numbers": list(self.cloze_numbers),
            "domain": self.domain,
            "deck": self.deck,
            "tasks": list(self.tasks),
            "tags": list(self.tags),
            "exam": self.exam,
            "lab": self.lab,
            "cheatsheet": self.cheatsheet,
            "source": self.source,
            "difficulty": self.difficulty,
            "concepts": list(self.concepts),
            "checked": self.checked,
            "media": [str(m) for m in self.media],
            "location": [str(self.location.path), self.location.line, self.location.col],
            "digest": self.digest,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: Path | None = None) -> Card:
        """Read `to_dict`'s form back; `path`, when given, replaces the stored location path
        (every card of a cached file shares it). A key missing from older data takes the field's
        default, so a new field needs no store migration."""
        where = data.get("location") or [".", 0, 0]
        fragments = {k: Fragment.from_dict(data[k]) for k in ("title", "prompt", "answer", "extra") if k in data}
        return cls(
            id=data["id"],
            type=CardType(data["type"]),
            options=tuple(Option.from_dict(o) for o in data.get("options", ())),
            steps=tuple(Fragment.from_dict(s) for s in data.get("steps", ())),
            pairs=tuple(Pair.from_dict(p) for p in data.get("pairs", ())),
            pair_headers=tuple(data.get("pair_headers", ("", ""))),  # type: ignore[arg-type]
            cloze_numbers=tuple(data.get("cloze_numbers", ())),
            domain=data.get("domain"),
            deck=data.get("deck", ""),
            tasks=tuple(data.get("tasks", ())),
            tags=tuple(data.get("tags", ())),
            exam=data.get("exam", "both"),
            lab=data.get("lab", ""),
            cheatsheet=data.get("cheatsheet", False),
            source=data.get("source", ""),
            difficulty=data.get("difficulty", ""),
            concepts=tuple(data.get("concepts", ())),
            checked=data.get("checked", ""),
            media=tuple(Path(m) for m in data.get("media", ())),
            location=Location(path if path is not None else Path(where[0]), where[1], where[2]),
            digest=data.get("digest", ""),
            **{"title": EMPTY, "prompt": EMPTY, **fragments},
        )


def letter(index: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]
