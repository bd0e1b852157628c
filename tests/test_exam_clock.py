"""A clock that goes back or jumps forward during an exam sitting is handled as in review: one
rule (`SteadyClock`), tested on its own and through sittings with an injected clock."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import run
from exam_fixture import START, StepClock, write_bank
from srscards.clock import MAX_ANSWER_MS, SteadyClock
from srscards.paths import home
from srscards.store.store import Store
from srscards.study.sitting import ExamSpec, record, start_exam
from srscards.study.workspace import open_course

pytestmark = pytest.mark.usefixtures("utc")
LONGEST = timedelta(milliseconds=MAX_ANSWER_MS["exam"])


@given(
    steps=st.lists(st.integers(min_value=-50_000, max_value=50_000), max_size=30),
    floor=st.none() | st.integers(min_value=-5_000, max_value=5_000),
)
def test_the_steady_clock_never_goes_back_and_counts_a_jump_as_one_bounded_step(steps, floor):  # type: ignore[no-untyped-def]
    wall = StepClock(START)
    steady = SteadyClock(wall, None if floor is None else START + timedelta(seconds=floor), LONGEST)
    readings = [steady()]
    counted = timedelta(0)
    went_back = floor is not None and floor > 0
    jumped = False
    for step in steps:
        wall.now += timedelta(seconds=step)
        before = readings[-1]
        went_back |= wall.now < before
        readings.append(steady())
        moved = readings[-1] - before
        jumped |= moved > LONGEST
        counted += min(moved, LONGEST)
    assert readings == sorted(readings)
    assert floor is None or readings[0] >= START + timedelta(seconds=floor)
    assert all(r == max(w, prev) for r, prev, w in zip(readings[1:], readings[:-1], _walls(steps), strict=True))
    assert steady.spent == counted
    assert (steady.went_back, steady.jumped) == (went_back, jumped)


def _walls(steps: list[int]) -> list:  # type: ignore[type-arg]
    now, out = START, []
    for step in steps:
        now += timedelta(seconds=step)
        out.append(now)
    return out


def sitting(course, clock: StepClock, count: int = 4, minutes: float | None = 8.0):  # type: ignore[no-untyped-def]
    context = open_course(course.root, home(), clock.now)
    return context, start_exam(context, ExamSpec("quick", count, minutes), clock, seed=1)


def test_a_clock_going_back_during_a_sitting_counts_no_time_and_logs_answers_in_order(course):
    write_bank(course)
    assert (
        run("exam", str(course.root), "--quick", "4", "--seed", "9", input="B\n" * 4, clock=StepClock()).exit_code == 0
    )
    clock = StepClock(START + timedelta(minutes=10))
    context, session = sitting(course, clock)
    try:
        clock.now += timedelta(seconds=30)
        assert session.answer("B")
        session.go(1)
        clock.now -= timedelta(hours=2)  # back, to before the first exam's answers were logged
        assert session.answer("B")
        session.go(2)
        clock.now += timedelta(seconds=20)  # still behind: no time counted
        assert session.answer("B")
        assert session.remaining() == timedelta(minutes=8) - timedelta(seconds=30)
        result = session.submit()
        assert record(context, session, result) is not None
        assert session.clock_went_back and not session.clock_jumped
        assert [round(i.seconds) for i in result.items] == [30, 0, 0, 0]
        assert result.pacing.seconds_used == 30 and not result.timed_out
        times = [r.reviewed_at for r in context.store.log()]
        assert times == sorted(times) and len(times) > 4
        second = context.store.exams("aws-mla")[-1]
        assert second.finished_at >= second.started_at >= times[3]
    finally:
        context.store.close()


def test_a_clock_jumping_forward_counts_as_the_longest_answer_and_does_not_end_the_exam(course):
    write_bank(course)
    clock = StepClock(START)
    context, session = sitting(course, clock, count=12, minutes=40.0)
    try:
        clock.now += timedelta(seconds=30)
        assert session.answer("B")
        session.go(1)
        clock.now += timedelta(hours=5)  # a laptop woken from sleep
        assert session.answer("B")  # the exam is not over
        assert session.clock_jumped and not session.clock_went_back
        assert session.remaining() == timedelta(minutes=40) - timedelta(seconds=30) - LONGEST
        session.go(2)
        clock.now += timedelta(seconds=15)
        result = session.submit()
        record(context, session, result)
        assert [i.seconds for i in result.items[:3]] == [30.0, LONGEST.total_seconds(), 15.0]
        assert result.pacing.seconds_used == 30 + LONGEST.total_seconds() + 15 and not result.timed_out
        durations = sorted(r.duration_ms for r in context.store.log() if r.duration_ms is not None)
        assert durations == [30_000, MAX_ANSWER_MS["exam"]]  # the same bound the review log applies
    finally:
        context.store.close()


def test_time_still_runs_out_on_a_steady_clock(course):
    write_bank(course)
    clock = StepClock(START)
    context, session = sitting(course, clock, count=4, minutes=8.0)
    try:
        for _ in range(3):
            clock.now += timedelta(minutes=5)  # each step under the bound: real time, counted in full
            session.answer("B")
            session.go(session.current + 1)
        assert session.expired()
        result = session.submit()
        assert result.timed_out and result.pacing.seconds_used == 8 * 60
        assert session.submitted_at == START + timedelta(minutes=8)
    finally:
        context.store.close()


def test_a_sitting_resumed_on_a_clock_that_went_back_keeps_its_time_and_its_order(course):
    write_bank(course)
    left = run(
        "exam", str(course.root), "--quick", "4", "--seed", "1", input="B\nq\ny\n", clock=StepClock(START, step=1)
    )
    assert "Saved as sitting P1" in left.output
    with Store.open(home()) as store:
        (paused,) = store.paused_exams("aws-mla")
    used = paused.state["elapsed"]
    behind = StepClock(START - timedelta(hours=3), step=1)  # the clock now reads before the sitting was saved
    resumed = run("exam", str(course.root), "--resume", "--json", input="B\nB\nB\n", clock=behind)
    assert resumed.exit_code == 0, resumed.output
    data = json.loads(resumed.stdout)
    assert data["seconds_used"] == round(used, 1)  # no time counted while the clock was behind
    assert [i["answer"] for i in data["items"]] == ["B"] * 4
    assert "The system clock went back during the exam" in " ".join(resumed.stderr.split())
    with Store.open(home()) as store:
        (exam,) = store.exams("aws-mla")
        times = [r.reviewed_at for r in store.log()]
    assert exam.finished_at >= paused.saved_at and times == sorted(times)
    assert all(t >= paused.saved_at for t in times)
