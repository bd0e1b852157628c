"""A practice exam as the review store keeps it: the score, each question's answer and key, the pacing.

`study.exam.Result` (with the questions' text) is what a sitting scores; `ExamResult` is the part
of it that lasts, written with `to_dict` and read back with `from_dict`. Every reader (the exam
history, readiness, the plan, the next draw) reads this type, never the stored dict.

`from_dict` reads every form a release has written: the first exams kept no option order, no
seed and no source letters, and a row a test or an old release wrote may hold only the score.
A missing value takes its default; a value of the wrong kind is kept as it is for the reader
that checks it (an option order that is not an order is refused when the exam is shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExamItem:
    """One question of a stored exam, as answered.

    `order` is the source index of the option shown at each letter (choice questions; empty
    when the options kept their places or the exam is older than shuffling). `answer` and `key`
    are in the letters the learner saw; `source_answer` and `source_key` in the source's letters.
    """

    note: str
    type: str = "choice"
    domain: int | None = None
    tasks: tuple[str, ...] = ()
    order: tuple[int, ...] = ()
    answer: str | None = None
    key: str = ""
    source_answer: str | None = None
    source_key: str | None = None
    correct: bool = False
    flagged: bool = False
    seconds: float = 0.0

    @property
    def shuffled(self) -> bool:
        """Whether the stored form gives the source letters (the options had an order)."""
        return self.source_key is not None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"note": self.note, "type": self.type, "domain": self.domain, "tasks": list(self.tasks)}
        if self.order:
            data["order"] = list(self.order)
        data["answer"] = self.answer
        data["key"] = self.key
        if self.order:
            data["source_answer"] = self.source_answer
            data["source_key"] = self.source_key
        data.update(correct=self.correct, flagged=self.flagged, seconds=self.seconds)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExamItem:
        order = data.get("order") or ()
        return cls(
            note=str(data.get("note", "")),
            type=str(data.get("type", "choice")),
            domain=data.get("domain"),
            tasks=tuple(data.get("tasks") or ()),
            order=tuple(order) if isinstance(order, list | tuple) else order,
            answer=data.get("answer"),
            key=str(data.get("key", "")),
            source_answer=data.get("source_answer"),
            source_key=data.get("source_key"),
            correct=bool(data.get("correct", False)),
            flagged=bool(data.get("flagged", False)),
            seconds=float(data.get("seconds") or 0.0),
        )


@dataclass(frozen=True)
class ExamTally:
    """Right answers out of questions, for a domain (`name` its number) or a task statement."""

    name: str
    label: str
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "correct": self.correct, "total": self.total}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExamTally:
        return cls(str(data.get("name", "")), str(data.get("label", "")), int(data["correct"]), int(data["total"]))


@dataclass(frozen=True)
class ExamResult:
    """The lasting record of one sitting (`srscards exam --json` prints the same form)."""

    mode: str
    profile: str
    correct: int
    total: int
    items: tuple[ExamItem, ...] = ()
    domains: tuple[ExamTally, ...] = ()
    tasks: tuple[ExamTally, ...] = ()
    practice: bool = False
    percent: float = 0.0  # 0-100, one decimal
    scaled_estimate: int = 0
    scaled_method: str = ""
    passing_score: int = 720
    timed_out: bool = False
    seconds_used: float = 0.0
    limit_seconds: float | None = None
    average_seconds: float = 0.0
    pacing: str = ""
    shortfall: tuple[str, ...] = ()
    seed: int = 0

    @property
    def share(self) -> float | None:
        """Right answers as a fraction of the questions; None for an exam of no question."""
        return self.correct / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "profile": self.profile,
            "practice": self.practice,
            "correct": self.correct,
            "total": self.total,
            "percent": self.percent,
            "scaled_estimate": self.scaled_estimate,
            "scaled_method": self.scaled_method,
            "passing_score": self.passing_score,
            "timed_out": self.timed_out,
            "seconds_used": self.seconds_used,
            "limit_seconds": self.limit_seconds,
            "average_seconds": self.average_seconds,
            "pacing": self.pacing,
            "domains": [t.to_dict() for t in self.domains],
            "tasks": [t.to_dict() for t in self.tasks],
            "items": [i.to_dict() for i in self.items],
            "shortfall": list(self.shortfall),
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], mode: str = "", profile: str = "") -> ExamResult:
        """Read `to_dict`'s form back, or an older release's; `mode` and `profile` stand in where it has none."""
        items = tuple(ExamItem.from_dict(i) for i in data.get("items") or ())
        total = int(data.get("total", len(items)))
        correct = int(data.get("correct", sum(i.correct for i in items)))
        limit = data.get("limit_seconds")
        return cls(
            mode=str(data.get("mode") or mode),
            profile=str(data.get("profile") or profile),
            correct=correct,
            total=total,
            items=items,
            domains=tuple(ExamTally.from_dict(t) for t in data.get("domains") or ()),
            tasks=tuple(ExamTally.from_dict(t) for t in data.get("tasks") or ()),
            practice=bool(data.get("practice", False)),
            percent=float(data.get("percent", round(correct / total * 100, 1) if total else 0.0)),
            scaled_estimate=int(data.get("scaled_estimate", 0)),
            scaled_method=str(data.get("scaled_method", "")),
            passing_score=int(data.get("passing_score", 720)),
            timed_out=bool(data.get("timed_out", False)),
            seconds_used=float(data.get("seconds_used") or 0.0),
            limit_seconds=None if limit is None else float(limit),
            average_seconds=float(data.get("average_seconds") or 0.0),
            pacing=str(data.get("pacing", "")),
            shortfall=tuple(data.get("shortfall") or ()),
            seed=int(data.get("seed") or 0),
        )
