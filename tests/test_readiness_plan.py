"""`srscards readiness` and `srscards plan` on a small bank, with a fixed clock and a real store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from conftest import run as run_cli
from exam_fixture import START, StepClock, write_bank
from srscards.paths import home
from srscards.scheduling.scheduler import Memory, State
from srscards.store.store import Store
from srscards.study.plan import exam_days

pytestmark = pytest.mark.usefixtures("utc")


def run(*args: str, stdin: str = "", clock: StepClock | None = None):  # type: ignore[no-untyped-def]
    """`srscards ARGS` on a clock standing at the bank's start, unless another is given."""
    return run_cli(*args, input=stdin, clock=clock or StepClock())


def test_practice_exams_are_weekly_then_every_three_days():
    assert sorted(exam_days(30)) == [2, 9, 16, 19, 22, 25, 28]


def test_plan_without_a_date_plans_again_from_the_stored_one(course):
    write_bank(course)
    first = run("plan", str(course.root))
    assert first.exit_code == 2
    assert first.output == "Error: no stored plan yet: give your exam day, e.g. --exam-date 2027-01-08\n"
    made = run("plan", str(course.root), "--exam-date", "2027-01-26", "--minutes-per-day", "45", "--json")
    assert made.exit_code == 0, made.output
    again = run("plan", str(course.root), "--json")
    assert again.exit_code == 0, again.output
    stored = json.loads(again.output)
    assert (stored["exam_date"], stored["minutes_per_day"]) == ("2027-01-26", 45)
    assert stored == json.loads(made.output)  # nothing was studied in between: the same plan (same seed)
    shorter = json.loads(run("plan", str(course.root), "--minutes-per-day", "20", "--json").output)
    assert (shorter["exam_date"], shorter["minutes_per_day"]) == ("2027-01-26", 20)


def test_review_follows_the_plans_new_cards(course):
    write_bank(course)
    assert run("plan", str(course.root), "--exam-date", "2027-01-26").exit_code == 0
    result = run_cli("review", str(course.root), "--now", START.isoformat(), input=":q")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Following your study plan: 1 new card today."
    assert "0 due · 1 new · 0 learning" in result.output


def test_readiness_after_three_perfect_full_exams(course):
    write_bank(course)
    for _ in range(3):
        sat = run("exam", str(course.root), "--full", "--seed", "1", stdin="B\n" * 12)
        assert sat.exit_code == 0, sat.output
    result = run("readiness", str(course.root), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    met = {c["name"]: c["met"] for c in data["checks"]}
    assert met == {
        "Practice exams": True,
        "Domain mastery": True,
        "Retention at 30 days": False,
        "Coverage": False,
        "Time management": True,
    }
    assert data["ready"] is False and data["trend"] == [100.0, 100.0, 100.0]
    assert data["weak_tasks"][:3] == ["1.2", "1.3", "2.2"]  # never asked
    screen = run("readiness", str(course.root))
    lines = [line.rstrip() for line in screen.output.splitlines()]
    assert "Verdict: NOT YET" in lines
    assert "  - Drill your weakest task statements (1.2, 1.3, 2.2): srscards exam --adaptive" in lines
    assert any(line.startswith("│ Practice exams       │ yes │ last 3 full exams: 100%, 100%, 100%") for line in lines)
    details = {c["name"]: c["detail"] for c in data["checks"]}
    assert details["Practice exams"] == "last 3 full exams: 100%, 100%, 100% (goal 85% each)"
    assert details["Coverage"] == "0/12 task statements with 90% of cards studied and asked in an exam"
    assert details["Domain mastery"] == "1: 100% · 2: 100% · 3: 100% · 4: 100% (goal 80% each)"


def test_readiness_with_no_history_is_not_yet(course):
    write_bank(course)
    result = run("readiness", str(course.root))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "no full exam yet" in said
    assert "Verdict: NOT YET" in said
    assert "Sit 3 more full timed exams and aim for 85%: srscards exam --full" in said


def test_readiness_says_whether_study_keeps_up_with_the_plan(course):
    write_bank(course)
    assert run("plan", str(course.root), "--exam-date", "2027-01-26").exit_code == 0
    same_day = json.loads(run("readiness", str(course.root), "--json").output)
    assert same_day["on_plan"].startswith(
        "on plan: 0 of 0 planned new cards studied by today; predicted exam-day recall "
    )
    assert same_day["on_plan"].endswith(", covering 100% of the weighted content")


def test_near_exam_day_review_brings_forward_cards_that_would_not_hold(course):
    write_bank(course)
    assert run("plan", str(course.root), "--exam-date", "2027-01-26").exit_code == 0
    last = datetime(2027, 1, 13, 10, tzinfo=UTC)
    with Store.open(home()) as store:
        cards = {c.note: c for c in store.cards(["aws-mla"])}
        weak = Memory(State.REVIEW, None, 10.0, 5.0, datetime(2027, 1, 28, 4, tzinfo=UTC), last, 3, 0)
        strong = Memory(State.REVIEW, None, 100.0, 5.0, datetime(2027, 3, 1, 4, tzinfo=UTC), last, 3, 0)
        store.set_memory(cards["concept-1"].id, weak)
        store.set_memory(cards["concept-2"].id, strong)
    result = run_cli("review", str(course.root), "--new-limit", "0", "--now", "2027-01-23T10:00:00+00:00", input=":q")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Your study plan was made again from today (behind plan: 2 of 16 planned")
    near = lines.index("Exam day is near: 1 card brought forward so it holds on exam day.")
    assert "1 due · 0 new · 0 learning" in lines[near + 1]
    assert "concept-1/card" in result.output
