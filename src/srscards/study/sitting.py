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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from srscards.clock import Clock
from srscards.model.card import Card
from srscards.model.course import Profile
from srscards.model.shuffle import is_order
from srscards.scheduling.scheduler import Rating, Scheduler, State, study_day
from srscards.store.records import ExamRecord, PausedExam, StoredCard
from srscards.store.store import Store
from srscards.study.exam import Draw, ExamError, Question, Result, draw, question_from_card, score
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
    seed: int = 0
    paused_id: int | None = None  # the stored paused sitting this one continues

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

    def elapsed(self) -> float:
        """Seconds of exam time used so far (never past the time limit)."""
        now = self.clock()
        if self.deadline is not None:
            now = min(now, self.deadline)
        return max((now - self.started).total_seconds(), 0.0)

    def to_state(self) -> dict[str, Any]:
        """Everything needed to continue this sitting later: the questions with their option
        order, answers, flags, time per question and the time used."""
        self._tick()
        spec = self.spec
        return {
            "spec": {
                "mode": spec.mode,
                "count": spec.count,
                "minutes": spec.minutes,
                "domain": spec.domain,
                "practice": spec.practice,
                "beta": spec.beta,
            },
            "seed": self.seed,
            "requested": self.draw.requested,
            "shortfall": list(self.draw.shortfall),
            "questions": [{"note": q.note, "order": list(q.order)} for q in self.questions],
            "answers": {str(i): a for i, a in self.answers.items()},
            "flags": sorted(self.flags),
            "seconds": {str(i): t for i, t in self.seconds.items()},
            "current": self.current,
            "elapsed": self.elapsed(),
        }

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
    session = ExamSession(context.profile, spec, drawn, clock, now, seed=seed)
    session.go(0)
    return session


def record(context: ExamContext, session: ExamSession, result: Result) -> int | None:
    """Keep the exam in the store and log its answers as exam reviews (see the module doc).

    A sitting that ended with no answer given is neither scored nor kept: returns None.
    """
    if session.paused_id is not None:
        context.store.finish_paused(session.paused_id)
    if not session.answers:
        return None
    finished = session.submitted_at or session.clock()
    course = context.sources.course.id
    exam_id = context.store.record_exam(
        course, context.profile.code, result.mode, session.started, finished, {**result.to_json(), "seed": session.seed}
    )
    log_answers(context.store, context.scheduler, course, context.sources.cards, result, finished)
    return exam_id


def pause(context: ExamContext, session: ExamSession) -> int:
    """Keep a sitting left part-way so `resume` can continue it; returns its paused id."""
    state = session.to_state()
    session.paused_id = context.store.save_paused(
        context.sources.course.id,
        session.profile.code,
        session.spec.mode,
        session.started,
        session.clock(),
        state,
        session.paused_id,
    )
    return session.paused_id


def latest_paused(context: ExamContext) -> PausedExam:
    """The sitting of this course left most recently (not discarded)."""
    paused = context.store.paused_exams(context.sources.course.id)
    if not paused:
        raise ExamError("no sitting is waiting to be resumed; start one with srscards exam")
    return paused[-1]


def resume(context: ExamContext, paused: PausedExam, clock: Clock) -> tuple[ExamContext, ExamSession]:
    """Continue a paused sitting: the same questions in the same order, its answers, flags and time left.

    The clock restarts where it stopped, so the time left is what it was when the sitting was left.
    """
    aside = f"srscards exams discard {paused.label} sets it aside"
    profile = context.sources.course.profile(paused.profile)
    if profile is None:
        raise ExamError(
            f"paused sitting {paused.label} is of {paused.profile}, which the course no longer has; {aside}"
        )
    try:
        state = paused.state
        raw = state["spec"]
        spec = ExamSpec(
            str(raw["mode"]), int(raw["count"]), None if raw["minutes"] is None else float(raw["minutes"]),
            None if raw["domain"] is None else int(raw["domain"]), bool(raw["practice"]), bool(raw["beta"]),
        )  # fmt: skip
        by_id = {c.id: c for c in context.sources.cards}
        questions = []
        for number, entry in enumerate(state["questions"], 1):
            card = by_id.get(entry["note"])
            if card is None or not card.is_question:
                raise ExamError(f"question {number} ({entry['note']}) is no longer in the decks")
            order = entry["order"]
            questions.append(question_from_card(card, int(state["seed"]), order or None))
        answers = {int(i): str(a) for i, a in state["answers"].items()}
        flags = {int(i) for i in state["flags"]}
        seconds = {int(i): float(t) for i, t in state["seconds"].items()}
        current, elapsed = int(state["current"]), float(state["elapsed"])
        if not questions or not 0 <= current < len(questions) or any(not 0 <= i < len(questions) for i in answers):
            raise ExamError("its questions, answers and current question do not fit together")
    except ExamError as exc:
        raise ExamError(f"paused sitting {paused.label} cannot be resumed: {exc}; {aside}") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExamError(f"paused sitting {paused.label} is damaged ({type(exc).__name__}: {exc}); {aside}") from exc
    drawn = Draw(tuple(questions), int(state.get("requested", len(questions))), tuple(state.get("shortfall", ())))
    now = clock()
    session = ExamSession(
        profile, spec, drawn, clock, now - timedelta(seconds=elapsed), answers, flags, current, seconds,
        seed=int(state["seed"]), paused_id=paused.id,
    )  # fmt: skip
    session.go(current)
    return replace(context, profile=profile), session


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
    settings = scheduler.settings
    balanced = settings.load_balancer and settings.fuzz  # Anki's load balancer: the store's load, read once
    today = study_day(at, settings.day_start)
    load = store.due_load(today, settings.day_start, settings.bury_reviews) if balanced else None

    def rate(note: str, variant: str, rating: Rating, duration: float | None) -> None:
        card = stored.get((note, variant))
        if card is None or card.id in done:
            return
        fresh = store.card(card.id)
        note = f"{fresh.course}/{fresh.note}"
        after = scheduler.answer(fresh.memory, rating, at, fresh.key, load=load, note=note)
        ms = None if duration is None else int(duration * 1000)
        if store.record_answer(fresh, after, rating, at, ms, origin="exam") is not None:
            done.add(card.id)
            if load is not None and after.state is State.REVIEW and after.due is not None:
                load.add(study_day(after.due, settings.day_start), note)
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


def stored_questions(record: ExamRecord, cards: Sequence[Card]) -> list[Question | None]:
    """The questions of a stored exam as the learner saw them, options in the stored order.

    None where the card has left the decks or no longer has the options it had. A stored order
    that is not an order at all means the record is damaged: an ExamError says so.
    """
    by_id = {c.id: c for c in cards}
    seed = int(record.result.get("seed", 0))
    questions: list[Question | None] = []
    for number, item in enumerate(record.result.get("items", []), 1):
        order = item.get("order", [])
        if not isinstance(order, list) or (order and not is_order(order, len(order))):
            raise ExamError(
                f"exam {record.id} is damaged: the stored option order of question {number} ({order!r}) is not an "
                f"order of its options; srscards exams discard {record.id} takes it out of readiness"
            )
        card = by_id.get(item.get("note", ""))
        if card is None or not card.is_question or (order and len(order) != len(card.options)):
            questions.append(None)
            continue
        questions.append(question_from_card(card, seed, order or None))
    return questions
