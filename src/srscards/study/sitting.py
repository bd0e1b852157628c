"""One sitting of a practice exam: navigation, flags, the clock, submission, and what it leaves in the store.

The core of `srscards exam`; it never prints and never reads keys. Time comes from an injected
clock, so a test can make an exam run out of time.

What an exam leaves behind, all append-only:
- one row in the store's `exams` table with every question, answer and time;
- one review per answered question, with origin "exam": Good when right, Again when wrong;
- for each wrong answer, one Again review (origin "exam") of every variant of each concept
  card the question links, so the question and what it tests come back in review today
  (a concept card never studied starts learning). Unanswered questions are not logged as
  reviews: there was no recall to record. Card state stays recomputable from the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from srscards.clock import Clock
from srscards.model.card import Card
from srscards.model.course import Profile
from srscards.scheduling.scheduler import Rating, Scheduler
from srscards.store.records import ExamRecord, StoredCard
from srscards.store.store import Store
from srscards.study.exam import Draw, ExamError, Question, Result, draw, score
from srscards.study.workspace import ExamContext


@dataclass(frozen=True)
class ExamSpec:
    """What to sit: the mode, how many questions, the time limit (None: untimed)."""

    mode: str
    count: int
    minutes: float | None
    domain: int | None = None
    practice: bool = False
    beta: bool = False


def full_spec(profile: Profile, beta: bool = False) -> ExamSpec:
    """The real format of `profile`: its question count and minutes (the beta's with `beta`)."""
    fmt = profile.exam
    if beta:
        if profile.beta is None:
            raise ExamError(f"{profile.code} has no beta format; leave out --beta")
        fmt = profile.beta
    return ExamSpec("full", fmt.questions, fmt.minutes, beta=beta)


def minutes_for(profile: Profile, count: int) -> float:
    """The time the real exam allows for `count` questions (its minutes per question)."""
    return profile.exam.minutes * count / profile.exam.questions


@dataclass
class ExamSession:
    """An exam in progress. Answers are kept by question index until submitted."""

    profile: Profile
    spec: ExamSpec
    draw: Draw
    clock: Clock
    started: datetime
    answers: dict[int, str] = field(default_factory=dict)
    flags: set[int] = field(default_factory=set)
    current: int = 0
    seconds: dict[int, float] = field(default_factory=dict)
    _since: datetime | None = None
    submitted_at: datetime | None = None

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.draw.questions

    @property
    def deadline(self) -> datetime | None:
        return None if self.spec.minutes is None else self.started + timedelta(minutes=self.spec.minutes)

    def remaining(self) -> timedelta | None:
        """Time left, never below zero; None when untimed."""
        if self.deadline is None:
            return None
        return max(self.deadline - self.clock(), timedelta(0))

    def expired(self) -> bool:
        return self.deadline is not None and self.clock() >= self.deadline

    def question(self) -> Question:
        return self.questions[self.current]

    def _tick(self) -> None:
        now = self.clock()
        if self.deadline is not None:
            now = min(now, self.deadline)
        if self._since is not None:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + (now - self._since).total_seconds()
        self._since = now

    def go(self, index: int) -> None:
        """Show question `index` (0-based), clamped to the exam."""
        self._tick()
        self.current = min(max(index, 0), len(self.questions) - 1)

    def answer(self, letters: str) -> bool:
        """Answer the current question (a new answer replaces the old); refused once time is up.

        Letters outside the question's choices, and an ordering or matching answer of the wrong
        length, are refused. Returns whether it was taken.
        """
        if self.expired() or self.submitted_at is not None:
            return False
        question = self.question()
        given = "".join(ch for ch in letters.upper() if ch.isalpha())
        if not given or any(ch not in question.letters for ch in given):
            return False
        if question.type in ("ordering", "matching") and len(given) != len(question.key):
            return False
        self._tick()
        self.answers[self.current] = given
        return True

    def clear(self) -> None:
        self.answers.pop(self.current, None)

    def toggle_flag(self) -> bool:
        """Flag the current question for review (or unflag it); returns the new flag."""
        if self.current in self.flags:
            self.flags.discard(self.current)
            return False
        self.flags.add(self.current)
        return True

    def unanswered(self) -> list[int]:
        return [i for i in range(len(self.questions)) if i not in self.answers]

    def flagged(self) -> list[int]:
        return sorted(self.flags)

    def submit(self) -> Result:
        """End the exam and score it; after the deadline, the exam ends at the deadline."""
        self._tick()
        now = self.clock()
        timed_out = self.deadline is not None and now >= self.deadline
        if timed_out:
            assert self.deadline is not None
            now = self.deadline
        self.submitted_at = now
        limit = None if self.spec.minutes is None else self.spec.minutes * 60
        return score(
            self.profile,
            self.spec.mode,
            self.questions,
            self.answers,
            self.flags,
            self.seconds,
            (now - self.started).total_seconds(),
            limit,
            timed_out,
            self.spec.practice,
            self.draw.shortfall,
        )


# -- history ------------------------------------------------------------------------------


def last_seen(records: Sequence[ExamRecord]) -> dict[str, int]:
    """Question id -> index of the latest exam (oldest is 0) it appeared in."""
    seen: dict[str, int] = {}
    for number, record in enumerate(records):
        for item in record.result.get("items", []):
            seen[item["note"]] = number
    return seen


def task_weakness(
    profile: Profile, records: Sequence[ExamRecord], store: Store, courses: Sequence[str]
) -> dict[str, float]:
    """Estimated weakness of each task statement, 0 (strong) to 1 (weak).

    One minus the smoothed share of right answers, counting exam answers and review answers
    (a review rated Hard, Good or Easy is right) of cards tagged with the task: (right + 1) /
    (answers + 2), so a task with no evidence sits at 0.5.
    """
    right = dict.fromkeys(profile.tasks, 0)
    total = dict.fromkeys(profile.tasks, 0)
    for record in records:
        for item in record.result.get("items", []):
            for task in item.get("tasks", []):
                if task in total:
                    total[task] += 1
                    right[task] += bool(item["correct"])
    tasks_of = {c.id: c.tasks for c in store.cards(courses)}
    for review in store.log():
        if review.origin == "exam":
            continue  # already counted from the exam records
        for task in tasks_of.get(review.card, ()):
            if task in total:
                total[task] += 1
                right[task] += review.rating is not Rating.AGAIN
    return {t: 1 - (right[t] + 1) / (total[t] + 2) for t in profile.tasks}


# -- starting and finishing -----------------------------------------------------------------


def start_exam(context: ExamContext, spec: ExamSpec, clock: Clock, seed: int) -> ExamSession:
    """Draw the questions (avoiding recent ones, weakest tasks first when adaptive) and start the clock."""
    records = [r for r in context.store.exams(context.sources.course.id) if r.profile == context.profile.code]
    weakness = None
    if spec.mode == "adaptive":
        weakness = task_weakness(context.profile, records, context.store, [context.sources.course.id])
    drawn = draw(
        context.sources.cards,
        context.profile,
        spec.mode,
        spec.count,
        seed,
        last_seen(records),
        spec.domain,
        weakness,
    )
    now = clock()
    session = ExamSession(context.profile, spec, drawn, clock, now)
    session.go(0)
    return session


def record(context: ExamContext, session: ExamSession, result: Result) -> int:
    """Keep the exam in the store and log its answers as exam reviews (see the module doc)."""
    finished = session.submitted_at or session.clock()
    course = context.sources.course.id
    exam_id = context.store.record_exam(
        course, context.profile.code, result.mode, session.started, finished, result.to_json()
    )
    log_answers(context.store, context.scheduler, course, context.sources.cards, result, finished)
    return exam_id


def log_answers(
    store: Store, scheduler: Scheduler, course: str, cards: Sequence[Card], result: Result, at: datetime
) -> list[str]:
    """Log each answered question (Good or Again) and Again for the concepts of each wrong one.

    Returns the keys of the cards rated Again, in order.
    """
    stored: Mapping[tuple[str, str], StoredCard] = {(c.note, c.variant): c for c in store.cards([course])}
    by_id = {c.id: c for c in cards}
    again: list[str] = []
    done: set[int] = set()

    def rate(note: str, variant: str, rating: Rating, duration: float | None) -> None:
        card = stored.get((note, variant))
        if card is None or card.id in done:
            return
        fresh = store.card(card.id)
        after = scheduler.answer(fresh.memory, rating, at, fresh.key)
        ms = None if duration is None else int(duration * 1000)
        if store.record_answer(fresh, after, rating, at, ms, origin="exam") is not None:
            done.add(card.id)
            if rating is Rating.AGAIN:
                again.append(fresh.key)

    for item in result.items:
        if item.answer is None:
            continue
        rate(item.question.note, "card", Rating.GOOD if item.correct else Rating.AGAIN, item.seconds)
    for item in result.items:
        if item.answer is None or item.correct:
            continue
        for concept in item.question.concepts:
            card = by_id.get(concept)
            for variant in card.variants if card is not None else ():
                rate(concept, variant, Rating.AGAIN, None)
    return again
