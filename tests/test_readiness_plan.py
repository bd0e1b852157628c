"""`srscards readiness` and `srscards plan` on a small bank, with a fixed clock and a real store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from exam_fixture import START, StepClock, write_bank
from srscards.cli import main
from srscards.paths import home
from srscards.scheduling.scheduler import Memory, State
from srscards.store.store import Store
from srscards.study.plan import exam_days

pytestmark = pytest.mark.usefixtures("utc")


def run(*args: str, stdin: str = "", clock: StepClock | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin, obj={"clock": clock or StepClock()})


def test_plan_golden(course):
    write_bank(course)
    result = run("plan", str(course.root), "--exam-date", "2027-01-26", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert {k: plan[k] for k in ("ramp_days", "new_cards", "new_per_day", "introduced_at_start")} == {
        "ramp_days": 13,
        "new_cards": 16,
        "new_per_day": 1,
        "introduced_at_start": 0,
    }
    days = plan["days"]
    assert len(days) == 60 and days[0]["date"] == "2026-11-27" and days[-1]["date"] == "2027-01-25"
    assert [d["new"] for d in days] == [1] * 16 + [0] * 44
    # no exam history: domains by weight, domain 1 (28%) first
    assert [d["focus"] for d in days[:16]] == [[1]] * 4 + [[2]] * 4 + [[3]] * 4 + [[4]] * 4
    assert [d["reviews"] for d in days[:20]] == [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 1, 1]
    exams = [d["date"] for d in days if d["exam"]]
    assert exams == [
        "2026-12-01",
        "2026-12-08",
        "2026-12-15",
        "2026-12-22",
        "2026-12-29",
        "2027-01-05",
        "2027-01-12",
        "2027-01-15",
        "2027-01-18",
        "2027-01-21",
        "2027-01-24",
    ]
    assert plan["peak_minutes"] == 1.5
    with Store.open(home()) as store:
        assert store.plan("aws-mla") == plan


def test_practice_exams_are_weekly_then_every_three_days():
    assert sorted(exam_days(30)) == [2, 9, 16, 19, 22, 25, 28]


def test_plan_screen_and_bad_dates(course):
    write_bank(course)
    result = run("plan", str(course.root), "--exam-date", "2027-01-26")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[:3] == [
        "Plan to MLA-C02 on 2027-01-26: 16 new cards, 1 a day until 2026-12-12 (each",
        "needs about 13 days to hold for 30 days).",
        "Busiest day: 2 of 30 minutes.",
    ]
    assert "│ 2026-12-01 │   1 │       2 │       1 │ D2    │ full exam     │" in lines
    past = run("plan", str(course.root), "--exam-date", "2026-11-01")
    assert past.exit_code == 1
    assert past.output == (
        "Error: the exam date 2026-11-01 is not after today (2026-11-27); give a future date, "
        "e.g. --exam-date 2026-12-27\n"
    )
    soon = run("plan", str(course.root), "--exam-date", "2026-12-05")
    assert soon.output == (
        "Error: 16 new cards need about 13 days of reviews to hold for 30 days, and the exam is in 8 day(s); "
        "choose an exam date on or after 2026-12-10, or review what you have studied\n"
    )
    bad = run("plan", str(course.root), "--exam-date", "next week")
    assert bad.exit_code == 2 and "'next week' is not a date like 2027-01-15" in bad.output


def test_plan_without_a_date_plans_again_from_the_stored_one(course):
    write_bank(course)
    first = run("plan", str(course.root))
    assert first.exit_code == 2
    assert "no stored plan yet: give your exam day, e.g. --exam-date 2027-01-15" in first.output
    made = run("plan", str(course.root), "--exam-date", "2027-01-26", "--minutes-per-day", "45", "--json")
    assert made.exit_code == 0, made.output
    again = run("plan", str(course.root), "--json")
    assert again.exit_code == 0, again.output
    stored = json.loads(again.output)
    assert (stored["exam_date"], stored["minutes_per_day"]) == ("2027-01-26", 45)
    assert stored == json.loads(made.output)  # nothing was studied in between: the same plan
    shorter = json.loads(run("plan", str(course.root), "--minutes-per-day", "20", "--json").output)
    assert (shorter["exam_date"], shorter["minutes_per_day"]) == ("2027-01-26", 20)


def test_a_plan_that_does_not_fit_suggests_more_time_or_a_later_date(course):
    write_bank(course)
    for n in range(1, 5):
        course.write(
            f"extra{n}.md",
            f"---\ntitle: Extra {n}\ndomain: {n}\ntasks: [{n}.2]\n---\n\n"
            + "\n".join(
                f"### Fact {n}-{i}\n<!-- id: fact-{n}-{i} -->\n\nFact {i}?\n\n***\n\nYes.\n" for i in range(60)
            ),
        )
    result = run("plan", str(course.root), "--exam-date", "2027-01-10", "--minutes-per-day", "5")
    assert result.exit_code == 1
    assert result.output.startswith("Error: the plan needs up to ")
    assert "but you have 5; raise --minutes-per-day to" in result.output
    assert ", or move the exam to 20" in result.output


def test_review_follows_the_plans_new_cards(course):
    write_bank(course)
    assert run("plan", str(course.root), "--exam-date", "2027-01-26").exit_code == 0
    result = CliRunner().invoke(main, ["review", str(course.root), "--now", START.isoformat()], input="q")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Following your study plan: 1 new card(s) today."
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
    assert "Sit 3 more full timed exam(s) and aim for 85%: srscards exam --full" in said


def test_readiness_says_whether_study_keeps_up_with_the_plan(course):
    write_bank(course)
    assert run("plan", str(course.root), "--exam-date", "2027-01-26").exit_code == 0
    same_day = json.loads(run("readiness", str(course.root), "--json").output)
    assert same_day["on_plan"] == "on plan: 0 cards studied, 0 planned by today"
    later = StepClock(START + timedelta(days=3))
    result = run("readiness", str(course.root), clock=later)
    assert "Plan: behind plan: 0 cards studied, 3 planned by today; study 3 more new" in result.output


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
    result = CliRunner().invoke(
        main, ["review", str(course.root), "--new-limit", "0", "--now", "2027-01-23T10:00:00+00:00"], input="q"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Exam day is near: 1 card(s) brought forward so they hold on exam day."
    assert "1 due · 0 new · 0 learning" in lines[1]
    assert "concept-1/card" in result.output
