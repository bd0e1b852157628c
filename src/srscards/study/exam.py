"""Practice exams: drawing questions from the bank, grading answers, scoring a sitting.

The bank is the choice, ordering and matching cards of a course that belong to an exam
version. Everything here is pure: no store, no clock, no printing. The draw takes a `seed`,
so an exam can be drawn again exactly; the scoring takes the answers and the time used.

Scaled score: AWS reports 100-1000 with 720 to pass, from a scaling model it does not
publish (and unscored questions it does not mark). The estimate here is NOT official: a
piecewise linear map of percent correct, 0% -> 100, 72% -> 720, 100% -> 1000. It says
how far a result is from the pass line in the exam's units, nothing more.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from srscards.errors import SrsError
from srscards.model.card import Card, CardType, letter
from srscards.model.course import Profile
from srscards.model.exam_result import ExamItem, ExamResult, ExamTally
from srscards.model.shuffle import is_order, shuffled_order, source_letters
from srscards.words import count as counted
from srscards.words import plural

MODES = ("full", "domain", "quick", "adaptive")
PASS_PERCENT = 0.72  # percent correct mapped to the 720 pass line by the estimate
SCALED_METHOD = (
    "estimate, not official: percent correct mapped linearly, 0% -> 100, 72% -> 720, 100% -> 1000 "
    "(AWS does not publish its scaling)"
)


class ExamError(SrsError):
    """An exam cannot be drawn as asked (for example, the bank holds no question that fits)."""


@dataclass(frozen=True)
class Question:
    """One question as an exam shows it: choices in display order and the answer key.

    `key` is the exact answer: the correct letters (sorted) for a choice question, the
    letters of the choices in the right order for an ordering question, and for a matching
    question the letter of the matching choice for each row, in row order.
    """

    note: str
    type: str
    domain: int | None
    tasks: tuple[str, ...]
    stem: str
    choices: tuple[str, ...]
    key: str
    explanations: tuple[str, ...] = ()  # per choice, for choice questions
    rows: tuple[str, ...] = ()  # left column of a matching question
    extra: str = ""
    concepts: tuple[str, ...] = ()
    difficulty: str = ""
    order: tuple[int, ...] = ()  # choice questions: the source index of the option shown at each letter

    @property
    def multiple(self) -> bool:
        return self.type == "choice" and len(self.key) > 1

    @property
    def letters(self) -> str:
        return "".join(letter(i) for i in range(len(self.choices)))

    def normalise(self, answer: str) -> str:
        """An answer as graded: upper case letters; sorted and unique for choice questions."""
        letters = "".join(ch for ch in answer.upper() if ch.isalpha())
        if self.type == "choice":
            return "".join(sorted(set(letters)))
        return letters

    def is_correct(self, answer: str | None) -> bool:
        """Exactly the key: all correct options and no other; unanswered is wrong."""
        return answer is not None and self.normalise(answer) == self.key

    def as_source(self, letters: str) -> str:
        """Letters as shown, given as the letters of the options in the source (choice questions)."""
        return source_letters(letters, self.order) if self.order else letters


def question_from_card(card: Card, seed: int, order: Sequence[int] | None = None) -> Question:
    """The exam form of a question card, shuffled by `seed`: choice options (pinned ones stay in
    place), ordering steps, matching answers. `order` gives the options of a choice question the
    display order of an earlier sitting instead (as `Question.order` kept it)."""
    rng = random.Random(f"{seed}:{card.id}")
    common: dict[str, Any] = {
        "note": card.id,
        "type": str(card.type),
        "domain": card.domain,
        "tasks": card.tasks,
        "stem": card.prompt.md or card.title.md,
        "extra": card.extra.md,
        "concepts": card.concepts,
        "difficulty": card.difficulty,
    }
    if card.type is CardType.ORDERING:
        order = list(range(len(card.steps)))
        rng.shuffle(order)
        choices = tuple(card.steps[i].md for i in order)
        key = "".join(letter(order.index(i)) for i in range(len(card.steps)))
        return Question(**common, choices=choices, key=key)
    if card.type is CardType.MATCHING:
        order = list(range(len(card.pairs)))
        rng.shuffle(order)
        choices = tuple(card.pairs[i].right.md for i in order)
        key = "".join(letter(order.index(i)) for i in range(len(card.pairs)))
        rows = tuple(p.left.md for p in card.pairs)
        return Question(**common, choices=choices, key=key, rows=rows)
    if order is None:
        order = shuffled_order([o.pinned for o in card.options], rng)
    elif not is_order(order, len(card.options)):
        raise ExamError(
            f"the stored option order of {card.id} ({list(order)}) does not fit its {len(card.options)} options"
        )
    shown = [card.options[i] for i in order]
    choices = tuple(o.text.md for o in shown)
    explanations = tuple(o.explanation.md for o in shown)
    key = "".join(letter(i) for i, o in enumerate(shown) if o.correct)
    return Question(**common, choices=choices, key=key, explanations=explanations, order=tuple(order))


def bank(cards: Iterable[Card], version: str) -> list[Card]:
    """The question cards of an exam version, in source order."""
    return [c for c in cards if c.is_question and c.in_exam(version)]


def quotas(weights: Mapping[int, float], total: int) -> dict[int, int]:
    """Split `total` questions across domains by weight, largest remainder first (ties: lower domain)."""
    if total <= 0 or not weights:
        return {d: 0 for d in weights}
    whole = sum(weights.values())
    exact = {d: total * w / whole for d, w in weights.items()}
    counts = {d: math.floor(x) for d, x in exact.items()}
    left = total - sum(counts.values())
    for d in sorted(exact, key=lambda d: (-(exact[d] - counts[d]), d))[:left]:
        counts[d] += 1
    return counts


@dataclass(frozen=True)
class Draw:
    """The questions of one exam, and what the bank could not give."""

    questions: tuple[Question, ...]
    requested: int
    shortfall: tuple[str, ...] = ()  # one line per shortage, for the user

    @property
    def short(self) -> bool:
        return len(self.questions) < self.requested


def _ranked(cards: Sequence[Card], last_seen: Mapping[str, int], rng: random.Random) -> list[Card]:
    """Never-seen questions first (shuffled), then the ones seen longest ago."""
    shuffled = list(cards)
    rng.shuffle(shuffled)
    return sorted(shuffled, key=lambda c: last_seen.get(c.id, -1))


def draw(
    cards: Sequence[Card],
    profile: Profile,
    mode: str,
    count: int,
    seed: int,
    last_seen: Mapping[str, int] | None = None,
    domain: int | None = None,
    task_weakness: Mapping[str, float] | None = None,
) -> Draw:
    """Draw `count` questions of `profile`'s version for an exam `mode`.

    - full / quick: domains in proportion to their weights (largest remainder quotas);
      a domain short of questions is topped up from the others.
    - domain: only questions of `domain`.
    - adaptive: task statements in order of `task_weakness` (higher is weaker), questions
      spread over the weakest ones, shown weakest first.

    `last_seen` maps a question id to the number of the latest exam it was in; questions
    never seen come first, then those seen longest ago, so exams repeat as late as possible.
    No question appears twice in one exam.
    """
    if mode not in MODES:
        raise ExamError(f"unknown exam mode {mode!r}; use one of {', '.join(MODES)}")
    rng = random.Random(seed)
    seen = last_seen or {}
    pool = bank(cards, profile.version)
    if mode == "domain":
        if profile.domain(domain or 0) is None:
            numbers = ", ".join(str(d.number) for d in profile.domains)
            raise ExamError(f"{profile.code} has no domain {domain}; choose one of {numbers}")
        pool = [c for c in pool if c.domain == domain]
    if not pool:
        where = f" in domain {domain}" if mode == "domain" else ""
        raise ExamError(
            f"the bank has no {profile.code} question{where}; add choice cards to the decks (see docs/card-format.md)"
        )
    if mode == "adaptive":
        chosen = _adaptive(pool, profile, count, seen, rng, task_weakness or {})
    elif mode == "domain":
        chosen = _ranked(pool, seen, rng)[:count]
    else:
        chosen = _by_weight(pool, profile, count, seen, rng)
    shortfall: list[str] = []
    if len(chosen) < count:
        where = f" in domain {domain}" if mode == "domain" else ""
        shortfall.append(
            f"The bank holds only {len(chosen)} {profile.code} {plural('question', len(chosen))}{where}; "
            f"{count} were asked for. "
            f"This exam has {len(chosen)}."
        )
    if mode in ("full", "quick"):
        want = quotas({d.number: d.weight for d in profile.domains}, min(count, len(chosen)))
        for d in profile.domains:
            got = sum(1 for c in chosen if c.domain == d.number)
            if got < want[d.number]:
                shortfall.append(
                    f"Domain {d.number} has only {counted(got, 'question')} for a quota of {want[d.number]}; "
                    "other domains filled the gap."
                )
    questions = tuple(question_from_card(c, seed) for c in chosen)
    return Draw(questions, count, tuple(shortfall))


def _by_weight(
    pool: Sequence[Card], profile: Profile, count: int, seen: Mapping[str, int], rng: random.Random
) -> list[Card]:
    want = quotas({d.number: d.weight for d in profile.domains}, count)
    ranked = {d.number: _ranked([c for c in pool if c.domain == d.number], seen, rng) for d in profile.domains}
    chosen: list[Card] = []
    for number, n in want.items():
        chosen += ranked[number][:n]
    if len(chosen) < count:  # top up from what is left, least recently seen first
        taken = {c.id for c in chosen}
        rest = _ranked([c for c in pool if c.id not in taken], seen, rng)
        chosen += rest[: count - len(chosen)]
    rng.shuffle(chosen)  # the real exam mixes domains
    return chosen


def _adaptive(
    pool: Sequence[Card],
    profile: Profile,
    count: int,
    seen: Mapping[str, int],
    rng: random.Random,
    weakness: Mapping[str, float],
) -> list[Card]:
    asked = {t for c in pool for t in c.tasks}
    tasks = sorted((t for t in profile.tasks if t in asked), key=lambda t: (-weakness.get(t, 0.5), t))
    by_task = {t: _ranked([c for c in pool if t in c.tasks], seen, rng) for t in tasks}
    chosen: list[Card] = []
    taken: set[str] = set()
    # weakest tasks get more questions: quotas by weakness, asked weakest first
    want = quotas({i: max(weakness.get(t, 0.5), 0.05) for i, t in enumerate(tasks)}, count)
    for i, task in enumerate(tasks):
        fresh = [c for c in by_task[task] if c.id not in taken][: want[i]]
        chosen += fresh
        taken.update(c.id for c in fresh)
    if len(chosen) < count:
        rest = _ranked([c for c in pool if c.id not in taken], seen, rng)
        chosen += rest[: count - len(chosen)]
    return chosen


# -- scoring ------------------------------------------------------------------------------


def scaled_estimate(fraction: float) -> int:
    """Estimated scaled score (100-1000) of a fraction correct; see SCALED_METHOD. Not official."""
    fraction = min(max(fraction, 0.0), 1.0)
    if fraction <= PASS_PERCENT:
        value = 100 + fraction / PASS_PERCENT * 620
    else:
        value = 720 + (fraction - PASS_PERCENT) / (1 - PASS_PERCENT) * 280
    return round(value)


@dataclass(frozen=True)
class Item:
    """One question of a sitting as answered."""

    question: Question
    answer: str | None
    flagged: bool
    seconds: float

    @property
    def correct(self) -> bool:
        return self.question.is_correct(self.answer)

    def to_record(self) -> ExamItem:
        """The lasting form: answer and key in the letters shown and, when the options had an order, the source's."""
        question = self.question
        answer = None if self.answer is None else question.normalise(self.answer)
        shuffled = bool(question.order)
        return ExamItem(
            note=question.note,
            type=question.type,
            domain=question.domain,
            tasks=question.tasks,
            order=question.order,
            answer=answer,
            key=question.key,
            source_answer=question.as_source(answer) if shuffled and answer is not None else None,
            source_key=question.as_source(question.key) if shuffled else None,
            correct=self.correct,
            flagged=self.flagged,
            seconds=round(self.seconds, 1),
        )

    def to_json(self) -> dict[str, Any]:
        return self.to_record().to_dict()


@dataclass(frozen=True)
class Pacing:
    seconds_used: float
    limit_seconds: float | None
    average: float
    allowed_per_question: float | None
    verdict: str


def pacing(seconds_used: float, limit_seconds: float | None, questions: int, timed_out: bool) -> Pacing:
    """Average seconds per question against the time the format allows per question, and a verdict."""
    average = seconds_used / questions if questions else 0.0
    if limit_seconds is None or not questions:
        return Pacing(seconds_used, limit_seconds, average, None, "untimed")
    allowed = limit_seconds / questions
    if timed_out:
        verdict = "out of time: aim for about 90 s per question and flag hard ones for later"
    elif seconds_used > 0.9 * limit_seconds:
        verdict = "tight: finished with under 10% of the time left"
    else:
        verdict = "on pace: finished within the time limit"
    return Pacing(seconds_used, limit_seconds, average, allowed, verdict)


@dataclass(frozen=True)
class Result:
    """The score of one sitting."""

    mode: str
    profile: str
    items: tuple[Item, ...]
    domains: tuple[ExamTally, ...]
    tasks: tuple[ExamTally, ...]
    pacing: Pacing
    timed_out: bool
    practice: bool = False
    shortfall: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def correct(self) -> int:
        return sum(1 for i in self.items if i.correct)

    @property
    def percent(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def scaled(self) -> int:
        return scaled_estimate(self.percent)

    @property
    def passed(self) -> bool:
        return self.scaled >= 720

    @property
    def wrong(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if not i.correct)

    def to_record(self, seed: int) -> ExamResult:
        """What the store keeps of this sitting (drawn with `seed`), read back as the same type."""
        return ExamResult(
            mode=self.mode,
            profile=self.profile,
            correct=self.correct,
            total=self.total,
            items=tuple(i.to_record() for i in self.items),
            domains=self.domains,
            tasks=self.tasks,
            practice=self.practice,
            percent=round(self.percent * 100, 1),
            scaled_estimate=self.scaled,
            scaled_method=SCALED_METHOD,
            passing_score=720,
            timed_out=self.timed_out,
            seconds_used=round(self.pacing.seconds_used, 1),
            limit_seconds=self.pacing.limit_seconds,
            average_seconds=round(self.pacing.average, 1),
            pacing=self.pacing.verdict,
            shortfall=self.shortfall,
            seed=seed,
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON form without the seed (`to_record(seed).to_dict()` has it)."""
        data = self.to_record(0).to_dict()
        del data["seed"]
        return data


def score(
    profile: Profile,
    mode: str,
    questions: Sequence[Question],
    answers: Mapping[int, str],
    flags: Iterable[int] = (),
    seconds: Mapping[int, float] | None = None,
    seconds_used: float = 0.0,
    limit_seconds: float | None = None,
    timed_out: bool = False,
    practice: bool = False,
    shortfall: Sequence[str] = (),
) -> Result:
    """Score a sitting: answers by question index; missing answers count as wrong."""
    flagged = set(flags)
    spent = seconds or {}
    items = tuple(Item(q, answers.get(i), i in flagged, spent.get(i, 0.0)) for i, q in enumerate(questions))
    domains = []
    for d in profile.domains:
        mine = [i for i in items if i.question.domain == d.number]
        if mine:
            domains.append(ExamTally(str(d.number), d.name, sum(i.correct for i in mine), len(mine)))
    tasks = []
    for task, label in profile.tasks.items():
        mine = [i for i in items if task in i.question.tasks]
        if mine:
            tasks.append(ExamTally(task, label, sum(i.correct for i in mine), len(mine)))
    pace = pacing(seconds_used, limit_seconds, len(items), timed_out)
    return Result(mode, profile.code, items, tuple(domains), tuple(tasks), pace, timed_out, practice, tuple(shortfall))
