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

from srscards.clock import MAX_ANSWER_MS, Clock, SteadyClock
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
    """An exam in progress. Answers are kept by question index until submitted.

    Time is counted on a `SteadyClock` (the rule review follows too): when the system clock goes
    back, no time is counted until it catches up and nothing is logged before an earlier answer;
    a jump forward counts as at most MAX_ANSWER_MS["exam"], so it neither ends the exam nor
    gives one question hours.
    """

    profile: Profile
    spec: ExamSpec
    draw: Draw
    clock: SteadyClock
    started: datetime
    answers: dict[int, str] = field(default_factory=dict)
    flags: set[int] = field(default_factory=set)
    current: int = 0
    seconds: dict[int, float] = field(default_factory=dict)
    _since: timedelta | None = None  # the clock's time spent when the question on screen was last timed
    submitted_at: datetime | None = None
    seed: int = 0
    paused_id: int | None = None  # the stored paused sitting this one continues
    earlier: float = 0.0  # seconds used before the sitting was resumed

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.draw.questions

    @property
    def limit(self) -> float | None:
        """The time limit in seconds; None when untimed."""
        return None if self.spec.minutes is None else self.spec.minutes * 60

    def _used(self) -> float:
        """Seconds used so far, past the limit too: the time before a resume and what the clock counted since."""
        self.clock()
        return self.earlier + self.clock.spent.total_seconds()

    def remaining(self) -> timedelta | None:
        """Time left, never below zero; None when untimed."""
        if self.limit is None:
            return None
        return timedelta(seconds=max(self.limit - self._used(), 0.0))

    def expired(self) -> bool:
        return self.limit is not None and self._used() >= self.limit

    @property
    def clock_went_back(self) -> bool:
        return self.clock.went_back

    @property
    def clock_jumped(self) -> bool:
        return self.clock.jumped

    def question(self) -> Question:
        return self.questions[self.current]

    def _tick(self) -> None:
        self.clock()
        spent = self.clock.spent
        if self.limit is not None:
            spent = min(spent, timedelta(seconds=max(self.limit - self.earlier, 0.0)))
        if self._since is not None:
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + (spent - self._since).total_seconds()
        self._since = spent

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
        used = self._used()
        return used if self.limit is None else min(used, self.limit)

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
        """End the exam and score it; after the time limit, the exam ends when the time ran out."""
        self._tick()
        now = self.clock()
        used = self.earlier + self.clock.spent.total_seconds()
        timed_out = self.limit is not None and used >= self.limit
        if timed_out:
            assert self.limit is not None
            now -= timedelta(seconds=used - self.limit)  # within the last step, so never before an earlier reading
            used = self.limit
        self.submitted_at = now
        return score(
            self.profile,
            self.spec.mode,
            self.questions,
            self.answers,
            self.flags,
            self.seconds,
            used,
            self.limit,
            timed_out,
            self.spec.practice,
            self.draw.shortfall,
        )


# -- history ------------------------------------------------------------------------------


def last_seen(records: Sequence[ExamRecord]) -> dict[str, int]:
    """Question id -> index of the latest exam (oldest is 0) it appeared in."""
    seen: dict[str, int] = {}
    for number, record in enumerate(records):
        for item in record.result.items:
            seen[item.note] = number
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
        for item in record.result.items:
            for task in item.tasks:
                if task in total:
                    total[task] += 1
                    right[task] += item.correct
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


def steady(clock: Clock, store: Store, since: datetime | None = None) -> SteadyClock:
    """The sitting's clock: never before the last answer logged (nor `since`, when the sitting was
    saved), a jump forward counted as at most one exam answer's longest time."""
    floors = [t for t in (store.latest_answer_at(), since) if t is not None]
    longest = timedelta(milliseconds=MAX_ANSWER_MS["exam"])
    return SteadyClock(clock, max(floors, default=None), longest)


def start_exam(context: ExamContext, spec: ExamSpec, clock: Clock, seed: int) -> ExamSession:
    """Draw the questions (avoiding recent ones, weakest tasks first when adaptive) and start the clock.

    The bank is the course's question cards as the store keeps them since the last sync."""
    course = context.course.id
    records = [r for r in context.store.exams(course) if r.profile == context.profile.code]
    weakness = None
    if spec.mode == "adaptive":
        weakness = task_weakness(context.profile, records, context.store, [course])
    drawn = draw(
        context.questions,
        context.profile,
        spec.mode,
        spec.count,
        seed,
        last_seen(records),
        spec.domain,
        weakness,
    )
    timer = steady(clock, context.store)
    session = ExamSession(context.profile, spec, drawn, timer, timer(), seed=seed)
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
    course = context.course.id
    exam_id = context.store.record_exam(
        course, context.profile.code, result.mode, session.started, finished, result.to_record(session.seed)
    )
    log_answers(context.store, context.scheduler, course, result, finished)
    return exam_id


def pause(context: ExamContext, session: ExamSession) -> int:
    """Keep a sitting left part-way so `resume` can continue it; returns its paused id."""
    state = session.to_state()
    session.paused_id = context.store.save_paused(
        context.course.id,
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
    paused = context.store.paused_exams(context.course.id)
    if not paused:
        raise ExamError("no sitting is waiting to be resumed; start one with srscards exam")
    return paused[-1]


def resume(context: ExamContext, paused: PausedExam, clock: Clock) -> tuple[ExamContext, ExamSession]:
    """Continue a paused sitting: the same questions in the same order, its answers, flags and time left.

    The clock restarts where it stopped, so the time left is what it was when the sitting was left
    (also when the system clock now reads earlier than when it was saved).
    """
    aside = f"srscards exams discard {paused.label} sets it aside"
    profile = context.course.profile(paused.profile)
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
        entries = state["questions"]
        by_id = {c.id: c for c in context.notes([str(e["note"]) for e in entries])}
        questions = []
        for number, entry in enumerate(entries, 1):
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
    timer = steady(clock, context.store, paused.saved_at)
    now = timer()
    session = ExamSession(
        profile, spec, drawn, timer, now - timedelta(seconds=elapsed), answers, flags, current, seconds,
        seed=int(state["seed"]), paused_id=paused.id, earlier=elapsed,
    )  # fmt: skip
    session.go(current)
    return replace(context, profile=profile), session


def log_answers(store: Store, scheduler: Scheduler, course: str, result: Result, at: datetime) -> list[str]:
    """Log each answered question (Good or Again) and Again for the concepts of each wrong one.

    Concept cards are read from the store as last synced. Returns the keys of the cards rated
    Again, in order.
    """
    stored: Mapping[tuple[str, str], StoredCard] = {(c.note, c.variant): c for c in store.cards([course])}
    wrong = [i for i in result.items if i.answer is not None and not i.correct]
    concepts = {c.id: c for c in store.contents(course, notes=[n for i in wrong for n in i.question.concepts])}
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
        sibling = f"{fresh.course}/{fresh.note}"  # the load balancer's name of the card's note
        after = scheduler.answer(fresh.memory, rating, at, fresh.key, load=load, note=sibling)
        ms = None if duration is None else int(duration * 1000)
        if store.record_answer(fresh, after, rating, at, ms, origin="exam") is not None:
            done.add(card.id)
            if load is not None and after.state is State.REVIEW and after.due is not None:
                load.add(study_day(after.due, settings.day_start), sibling)
            if rating is Rating.AGAIN:
                again.append(fresh.key)

    for item in result.items:
        if item.answer is None:
            continue
        rate(item.question.note, "card", Rating.GOOD if item.correct else Rating.AGAIN, item.seconds)
    for item in wrong:
        for concept in item.question.concepts:
            card = concepts.get(concept)
            for variant in card.variants if card is not None else ():
                rate(concept, variant, Rating.AGAIN, None)
    return again


def stored_questions(record: ExamRecord, cards: Sequence[Card]) -> list[Question | None]:
    """The questions of a stored exam as the learner saw them, options in the stored order.

    `cards` holds (at least) the exam's question cards. None where the card has left the decks or
    no longer has the options it had. A stored order that is not an order at all means the record
    is damaged: an ExamError says so.
    """
    by_id = {c.id: c for c in cards}
    seed = record.result.seed
    questions: list[Question | None] = []
    for number, item in enumerate(record.result.items, 1):
        order = item.order
        if not isinstance(order, tuple) or (order and not is_order(order, len(order))):
            shown = list(order) if isinstance(order, tuple) else order
            raise ExamError(
                f"exam {record.id} is damaged: the stored option order of question {number} ({shown!r}) is not an "
                f"order of its options; srscards exams discard {record.id} takes it out of readiness"
            )
        card = by_id.get(item.note)
        if card is None or not card.is_question or (order and len(order) != len(card.options)):
            questions.append(None)
            continue
        questions.append(question_from_card(card, seed, order or None))
    return questions
