"""What the review store hands out: cards with their memory state, log entries, exams, labs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from srscards.model.exam_result import ExamResult
from srscards.scheduling.scheduler import Memory, Rating, State, from_ms


@dataclass(frozen=True)
class StoredCard:
    """One reviewable card as the store holds it."""

    id: int
    course: str
    note: str
    variant: str
    type: str
    deck: str
    domain: int | None
    tasks: tuple[str, ...]
    tags: tuple[str, ...]
    exam: str
    path: str
    line: int
    position: int
    memory: Memory
    suspended: bool
    buried_day: int | None

    @property
    def key(self) -> str:
        return f"{self.course}/{self.note}/{self.variant}"


@dataclass(frozen=True)
class SyncReport:
    added: int = 0
    updated: int = 0
    retired: int = 0
    revived: int = 0


@dataclass(frozen=True)
class LoggedReview:
    id: int
    card: int
    reviewed_at: datetime
    rating: Rating
    duration_ms: int | None
    origin: str
    before: Memory
    after: Memory


# One answer as metrics read it, a plain tuple of numbers so that a long log reads fast:
# (card, reviewed_ms, rating, duration_ms, state before, stability before, due before in ms,
# last review before in ms, Anki revlog type, Anki's interval before the answer); times are
# Unix milliseconds, -1 (0.0 for stability) when unknown; the revlog type is -1 and the
# interval 0 for answers not imported from Anki (the interval: days if positive, seconds if negative).
ReviewRow = tuple[int, int, int, int, int, float, int, int, int, int]
# One card as metrics read it: (id, domain, tasks separated by spaces, state, stability, due in
# ms, last review in ms, suspended, retired); None where the card has no such value yet.
CardSummary = tuple[int, int | None, str, int, float | None, int | None, int | None, int, int]


@dataclass(frozen=True)
class ImportedAnswer:
    """An answer given in Anki, with the card's state before and after it in the merged log."""

    revlog_id: int
    card: int
    reviewed_at: datetime
    rating: Rating
    duration_ms: int | None
    before: Memory
    after: Memory
    kind: int | None = None  # Anki's revlog type
    last_interval: int | None = None  # the card's interval before it in Anki: days, or -seconds


@dataclass(frozen=True)
class ParameterSet:
    """FSRS parameters fitted to the log, in force from `since` until the next set."""

    parameters: tuple[float, ...]
    since: datetime
    reviews: int
    log_loss: float | None
    rmse_bins: float | None


@dataclass(frozen=True)
class Orphan:
    course: str
    note: str
    variant: str
    path: str
    line: int
    retired_at: datetime
    reviews: int


@dataclass(frozen=True)
class LabCompletion:
    """A lab walkthrough whose steps all passed, on the emulator or on AWS."""

    lab: str
    target: str
    completed_at: datetime


@dataclass(frozen=True)
class ExamRecord:
    """A practice exam as kept: `result` is read back with `ExamResult.from_dict` (older rows too)."""

    id: int
    course: str
    profile: str
    mode: str
    started_at: datetime
    finished_at: datetime
    result: ExamResult
    discarded_at: datetime | None = None


@dataclass(frozen=True)
class PausedExam:
    """A sitting left part-way (`srscards exam --resume` continues it): `state` is `ExamSession.to_state()`."""

    id: int
    course: str
    profile: str
    mode: str
    started_at: datetime
    saved_at: datetime
    state: dict[str, Any]
    discarded_at: datetime | None = None

    @property
    def label(self) -> str:
        """How a paused sitting is named to the user (its id among paused sittings, with a P)."""
        return f"P{self.id}"


def row_to_card(row: Sequence[Any]) -> StoredCard:
    memory = Memory(State(row[13]), row[14], row[15], row[16], from_ms(row[17]), from_ms(row[18]), row[19], row[20])
    return StoredCard(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        tuple(row[7].split()),
        tuple(row[8].split()),
        row[9],
        row[10],
        row[11],
        row[12],
        memory,
        bool(row[21]),
        row[22],
    )
