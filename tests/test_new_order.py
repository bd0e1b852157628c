"""The order new cards come in: task statements take turns, and a question never comes on the day a
concept card it tests is introduced or shown, unless the learner asks for it.

The days are real `srscards review` sessions with piped keys over a real store and real deck
files; what each day introduced is read back from the review log, so the checks do not depend on
how the screen looks.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run
from exam_fixture import START, StepClock, write_bank
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State, day_begins, study_day
from srscards.store.records import StoredCard
from srscards.store.store import Store
from srscards.study.daily_queue import build_queue
from srscards.study.follow import stored_plan
from srscards.study.new_order import interleaved, ranked_by_task, task_key, teaching_order
from srscards.study.review import new_cards_in_order

pytestmark = pytest.mark.usefixtures("utc")
DAY1 = datetime(2026, 11, 27, 10, tzinfo=UTC)
# every card answered, whatever its type: a question takes the A (its right option), a card with a
# back takes the 4 (Easy), and each ignores the other key
KEYS = "A4" * 400


def concept_deck(task: str, count: int, prefix: str) -> str:
    domain = task.split(".")[0]
    parts = [f"---\ntitle: Task {task}\ndomain: {domain}\ntasks: [{task}]\n---\n"]
    for i in range(count):
        parts.append(f"### Concept {prefix}{i}\n<!-- id: {prefix}{i} -->\n\nWhat is {prefix}{i}?\n\n***\n\nIdea {i}.\n")
    return "\n".join(parts)


def question(note: str, concepts: list[str]) -> str:
    listed = ", ".join(concepts)
    return (
        f"### Question {note}\n<!-- {{id: {note}, concepts: [{listed}]}} -->\n\nWhich is right for {note}?\n\n"
        f"- [x] Right {note} {{pin}}\n  Because right.\n- [ ] Wrong {note} {{pin}}\n  Because wrong.\n"
    )


def write_course(course) -> None:  # type: ignore[no-untyped-def]
    """Three task statements of concept cards; task 1.1's file puts each question right after the
    concept card it tests, as a source file often does."""
    parts = ["---\ntitle: Task 1.1\ndomain: 1\ntasks: [1.1]\n---\n"]
    for i in range(6):
        parts.append(f"### Concept ka{i}\n<!-- id: ka{i} -->\n\nWhat is ka{i}?\n\n***\n\nIdea {i}.\n")
        parts.append(question(f"qa{i}", [f"ka{i}"]))
    course.write("t11.md", "\n".join(parts))
    course.write("t12.md", concept_deck("1.2", 6, "kb"))
    course.write("t21.md", concept_deck("2.1", 6, "kc"))


def introduced_by_day(home: Path) -> dict[int, list[StoredCard]]:
    """The cards each study day introduced (their first answer), in the order they were shown."""
    days: dict[int, list[StoredCard]] = {}
    with Store.open(home) as store:
        for entry in store.log():
            if entry.before.state is State.NEW:
                day = study_day(entry.reviewed_at, Settings().day_start)
                days.setdefault(day, []).append(store.card(entry.card))
    return days


def study_days(course, days: int, *options: str) -> dict[int, list[StoredCard]]:  # type: ignore[no-untyped-def]
    for n in range(days):
        result = run(
            "review", str(course.root), "--no-fuzz", "--new-limit", "6", *options,
            input=KEYS, clock=StepClock(DAY1 + timedelta(days=n), step=1),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return introduced_by_day(Path(os.environ["SRSCARDS_HOME"]))


def notes(cards: list[StoredCard]) -> list[str]:
    return [c.note for c in cards]


def test_task_statements_take_turns_and_questions_wait_a_day(course):
    write_course(course)
    days = study_days(course, 5)
    first = days[min(days)]
    # the first turn gives every task statement its first card, the second turn their second: task
    # 1.1's second is qa0, which waits (ka0 is new today), so ka1 comes in the third turn
    assert [c.tasks[0] for c in first] == ["1.1", "1.2", "2.1", "1.2", "2.1", "1.1"]
    assert notes(first) == ["ka0", "kb0", "kc0", "kb1", "kc1", "ka1"]
    second = days[min(days) + 1]
    assert notes(second)[0] == "qa0"  # a day later it comes first, as its place says
    assert [c.tasks[0] for c in second][:3] == ["1.1", "1.2", "2.1"]
    # on no day did a question come with a concept card it tests (new or answered that day)
    with Store.open(Path(os.environ["SRSCARDS_HOME"])) as store:
        answered: dict[int, set[str]] = {}
        for entry in store.log():
            day = study_day(entry.reviewed_at, Settings().day_start)
            answered.setdefault(day, set()).add(store.card(entry.card).note)
    for day, cards in days.items():
        for card in cards:
            if card.note.startswith("qa"):
                assert "k" + card.note[1:] not in answered[day], (day, notes(cards))
    # six a day while there were cards to give: a held question leaves no gap; the last two wait a day
    assert [len(days[d]) for d in sorted(days)] == [6, 6, 6, 4, 2]
    assert notes(days[max(days)]) == ["qa4", "qa5"]


def test_the_opt_out_puts_a_question_right_after_its_concept_again(course):
    write_course(course)
    days = study_days(course, 1, "--allow-same-day-questions")
    assert notes(days[min(days)]) == ["ka0", "kb0", "kc0", "qa0", "kb1", "kc1"]


def test_the_setting_in_config_toml_does_the_same(course):
    write_course(course)
    home = Path(os.environ["SRSCARDS_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[review]\nsame_day_questions = true\n")
    days = study_days(course, 1)
    assert notes(days[min(days)]) == ["ka0", "kb0", "kc0", "qa0", "kb1", "kc1"]


def test_a_concept_card_shown_as_a_review_holds_its_question_that_day(course):
    write_course(course)
    study_days(course, 1)  # a0 is studied (Easy) on day 1 and due again days later
    home = Path(os.environ["SRSCARDS_HOME"])
    with Store.open(home) as store:
        a0 = next(c for c in store.cards(["aws-mla"]) if c.note == "ka0")
        due = a0.memory.due
    assert due is not None
    due_day = study_day(due, Settings().day_start)
    # study nothing new until the day a0 is due, then ask for today's cards
    when = day_begins(due_day, Settings().day_start) + timedelta(hours=6)
    result = run("due", str(course.root), "--json", "--new-limit", "6", "--no-fuzz", clock=StepClock(when))
    assert result.exit_code == 0, result.output
    review = run("review", str(course.root), "--no-fuzz", "--new-limit", "6", input=KEYS, clock=StepClock(when, 1))
    assert review.exit_code == 0, review.output
    days = introduced_by_day(home)
    assert "qa0" not in notes(days[due_day])  # a0 was reviewed that day
    assert json.loads(result.output)["total"]["new"] == len(days[due_day])  # `due` said what review gave
    assert json.loads(result.output)["total"]["review"] >= 1


def test_due_counts_what_review_introduces(course):
    write_course(course)
    due = run("due", str(course.root), "--json", "--new-limit", "10", clock=StepClock(DAY1))
    assert due.exit_code == 0, due.output
    result = run("review", str(course.root), "--new-limit", "10", input=KEYS, clock=StepClock(DAY1, 1))
    assert result.exit_code == 0, result.output
    days = introduced_by_day(Path(os.environ["SRSCARDS_HOME"]))
    # 10 asked for: a0..a3's questions wait, so the 10 are concept cards of the three task statements
    assert json.loads(due.output)["total"]["new"] == 10 == len(days[min(days)])
    assert not any(n.startswith("q") for n in notes(days[min(days)]))


def test_task_order_is_the_exams():
    assert sorted(["2.1", "1.10", "1.2", "", "4.3"], key=lambda t: task_key((t,) if t else ())) == [
        "1.2",
        "1.10",
        "2.1",
        "4.3",
        "",
    ]


# --- random courses -----------------------------------------------------------------------------


def card(i: int, note: str, variant: str, task: str, kind: str = "basic") -> StoredCard:
    return StoredCard(
        i, "c", note, variant, kind, "Deck", 1, (task,) if task else (), (), "both", "x.md", i, i, Memory(), False, None
    )


@st.composite
def courses(draw: st.DrawFn) -> tuple[list[StoredCard], dict[tuple[str, str], tuple[str, ...]]]:
    """A course of notes over a few task statements, some with two cards, some questions testing
    concept notes, in a random source order."""
    tasks = draw(st.lists(st.sampled_from(["1.1", "1.2", "2.1", "3.3", ""]), min_size=1, max_size=4, unique=True))
    count = draw(st.integers(1, 30))
    with_questions = draw(st.booleans())
    cards: list[StoredCard] = []
    links: dict[tuple[str, str], tuple[str, ...]] = {}
    concepts: list[str] = []
    for n in range(count):
        task = draw(st.sampled_from(tasks))
        if with_questions and concepts and draw(st.booleans()):
            note = f"q{n}"
            links[("c", note)] = tuple(draw(st.lists(st.sampled_from(concepts), min_size=1, max_size=2)))
            cards.append(card(len(cards), note, "card", task, "choice"))
        else:
            note = f"n{n}"
            concepts.append(note)
            for variant in ("c1", "c2")[: draw(st.integers(1, 2))]:
                cards.append(card(len(cards), note, variant, task))
    return cards, links


@settings(max_examples=150, deadline=None)
@given(courses(), st.integers(0, 25), st.booleans(), st.data())
def test_a_days_new_cards_keep_every_rule(course, limit, allow, data):
    cards, links = course
    already = data.draw(st.lists(st.sampled_from(cards), max_size=3, unique=True)) if cards else []
    answered = [(c.id, c.course, c.note, State.NEW) for c in already]
    fresh = [c for c in cards if c not in already]
    now = DAY1
    chosen = build_queue(
        [],
        interleaved(ranked_by_task(fresh)),
        answered,
        now,
        Settings(new_per_day=limit + len(answered), same_day_questions=allow),
        links=lambda asked: {n: links[n] for n in asked if n in links},
    ).new
    assert len(chosen) <= limit
    # each note's first card before any note's second
    seen: set[str] = set()
    for position, c in enumerate(chosen):
        if c.note in seen:
            assert all(other.note in {x.note for x in chosen[:position]} for other in chosen[position:])
        seen.add(c.note)
    today = {c.note for c in chosen} | {c.note for c in already}
    if not allow:
        for c in chosen:  # no question with a concept card it tests, nor the other way round
            assert not set(links.get(("c", c.note), ())) & today
        introduced = [c for c in chosen + already if ("c", c.note) in links]
        for q in introduced:
            for c in chosen:
                assert c.note not in links[("c", q.note)]
    # nothing left out that the rules allowed, while there was room
    if len(chosen) < limit:
        for c in fresh:
            if c in chosen:
                continue
            blocked = not allow and (
                set(links.get(("c", c.note), ())) & today
                or any(c.note in links[("c", q.note)] for q in chosen + already if ("c", q.note) in links)
            )
            assert blocked, (c.note, notes(chosen))
    # without questions, the task statements take turns: no task gets two more than another still holding cards
    if not links and len(chosen) == limit:

        def task(c: StoredCard) -> str:
            return c.tasks[0] if c.tasks else ""

        counts = {t: sum(1 for c in chosen if task(c) == t) for t in {task(c) for c in fresh}}
        left = {t for t in counts if any(task(c) == t and c not in chosen for c in fresh)}
        if left:
            assert max(counts.values()) - min(counts[t] for t in left) <= 1, counts


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["1.1", "1.2", "2.3", "4.1"]), st.integers(1, 40)), min_size=1, max_size=4))
def test_the_store_gives_the_new_cards_in_the_same_order_as_the_rule_read_a_few_at_a_time(tmp_path_factory, files):
    """The store reads a few cards of each task statement, then more; the whole stream is the
    order the rule gives over all the new cards."""
    from conftest import CourseDir
    from srscards.study.workspace import sync_sources

    root = tmp_path_factory.mktemp("order")
    course = CourseDir(root / "decks")
    for n, (task, count) in enumerate(files):
        course.write(f"f{n}.md", concept_deck(task, count, f"f{n}x"))
    with Store.open(root / "home") as store:
        courses_, _ = sync_sources(store, course.root, DAY1)
        streamed = [c.id for c in new_cards_in_order(store, courses_, want=0, per_task=2)]
        whole = [c.id for c in interleaved(ranked_by_task(store.cards(courses_)), courses_)]
    assert streamed == whole
    assert len(whole) == sum(count for _, count in files)


def test_a_plan_day_lists_its_cards_in_the_order_review_gives():
    cards = [card(i, f"n{i}", "card", t) for i, t in enumerate(["1.1", "1.1", "1.1", "1.2", "1.2", "2.1"])]
    assert [c.note for c in teaching_order(reversed(cards))] == ["n0", "n3", "n5", "n1", "n4", "n2"]


# --- the study plan keeps the same rules --------------------------------------------------------


def write_planned_bank(course) -> None:  # type: ignore[no-untyped-def]
    """Four domains of a concept card and three questions testing it (B is right), and facts."""
    write_bank(course)
    for n in range(1, 5):
        course.write(f"facts{n}.md", concept_deck(f"{n}.2", 15, f"fact{n}x"))


def planned_days() -> list[tuple[str, list[str]]]:
    with Store.open(Path(os.environ["SRSCARDS_HOME"])) as store:
        plan = stored_plan(store, "aws-mla")
    assert plan is not None
    return [(d.date, [key.split("/")[0] for key in d.cards]) for d in plan.days]


def test_a_plan_never_starts_a_question_and_its_concept_card_the_same_day(course):
    write_planned_bank(course)
    result = run("plan", str(course.root), "--exam-date", "2026-12-01", "--runs", "20", clock=StepClock(START))
    assert result.exit_code == 0, result.output
    days = planned_days()
    assert sum(len(notes) for _, notes in days) == 4 * 4 + 60  # every card has its day
    for _, notes_ in days:
        for domain in range(1, 5):
            assert not (f"concept-{domain}" in notes_ and any(n.startswith(f"q{domain}-") for n in notes_)), notes_
    with Store.open(Path(os.environ["SRSCARDS_HOME"])) as store:
        by_note = {c.note: c for c in store.cards(["aws-mla"])}
    for _, notes_ in days:  # each day's cards in the order review introduces them
        assert notes_ == [c.note for c in teaching_order(by_note[n] for n in notes_)]


def test_a_planned_question_held_back_comes_the_next_day_without_planning_again(course):
    write_planned_bank(course)
    assert (
        run("plan", str(course.root), "--exam-date", "2026-12-20", "--runs", "20", clock=StepClock(START)).exit_code
        == 0
    )
    days = planned_days()
    # a question planned for day 1 whose concept card the plan starts on day 0
    question = next(n for n in days[1][1] if n.startswith("q") and f"concept-{n[1]}" in days[0][1])
    concept = f"concept-{question[1]}"
    keys = "B4" * 300
    day0 = run("review", str(course.root), "--no-fuzz", input=keys, clock=StepClock(START, 1))
    assert day0.exit_code == 0, day0.output
    home = Path(os.environ["SRSCARDS_HOME"])
    day1 = START + timedelta(days=1)
    scheduler = Scheduler(Settings(fuzz=False))
    with Store.open(home) as store:  # the concept card answered early on day 1 (in another session)
        card = next(c for c in store.cards(["aws-mla"]) if c.note == concept)
        assert card.memory.state is not State.NEW
        store.record_answer(card, scheduler.answer(card.memory, Rating.GOOD, day1, card.key), Rating.GOOD, day1, 5000)
    later = day1 + timedelta(hours=1)
    due = json.loads(run("due", str(course.root), "--json", "--no-fuzz", clock=StepClock(later)).output)
    assert due["total"]["new"] == len(days[1][1]) - 1  # the question waits
    first = run("review", str(course.root), "--no-fuzz", input=keys, clock=StepClock(later, 1))
    assert first.exit_code == 0, first.output
    assert question not in notes(introduced_by_day(home)[study_day(later, Settings().day_start)])
    # the next day: on plan (no planning again), and the question comes after that day's cards
    day2 = START + timedelta(days=2)
    text = run("due", str(course.root), "--no-fuzz", clock=StepClock(day2)).output
    assert "planned again" not in text, text
    second = run("review", str(course.root), "--no-fuzz", input=keys, clock=StepClock(day2, 1))
    assert second.exit_code == 0, second.output
    assert "planned again" not in second.output
    shown = notes(introduced_by_day(home)[study_day(day2, Settings().day_start)])
    assert shown == [n for n in days[2][1]] + [question]


def test_a_store_of_the_previous_schema_gets_the_index_and_the_order(tmp_path, course):
    """Migration 11 adds the index of new cards by task statement to a store with cards in it."""
    import sqlite3

    from srscards.store.migrations import SCHEMA_VERSION
    from srscards.store.store import STORE_FILE
    from srscards.study.workspace import sync_sources

    write_course(course)
    path = tmp_path / STORE_FILE
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(10)
    courses_, _ = sync_sources(old, course.root, DAY1)
    old.close()
    with Store.open(tmp_path) as store:
        assert store.version == SCHEMA_VERSION  # 11 and every later migration
        plan = store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM cards WHERE course = 'aws-mla' AND state = 0 AND retired_at IS NULL "
            "AND suspended = 0 AND substr(tasks, 1, instr(tasks || ' ', ' ') - 1) = '1.2' ORDER BY position"
        ).fetchall()
        assert "cards_new_task" in plan[0][3]
        order = [c.note for c in new_cards_in_order(store, courses_)]
    assert order[:6] == ["ka0", "kb0", "kc0", "qa0", "kb1", "kc1"]
    assert len(order) == 24
