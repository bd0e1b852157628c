"""Sittings that keep their word: leave and resume, nothing stored without answers, conflicting
modes, the list of past sittings, discarding one, and bad input that changes nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from datetime import timedelta

import pytest

from conftest import run as run_cli
from exam_fixture import START, StepClock, write_bank
from srscards.paths import home
from srscards.store.store import Store

pytestmark = pytest.mark.usefixtures("utc")
CLI = [sys.executable, "-c", "from srscards.cli import main; main()"]


def run(*args: str, stdin: str = "", clock: StepClock | None = None):  # type: ignore[no-untyped-def]
    """`srscards ARGS` on a clock standing at the bank's start, unless another is given."""
    return run_cli(*args, input=stdin, clock=clock or StepClock())


def said(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(result.output.split())


def dump() -> list[str]:
    """Every row of the store, to show that a refused command changed nothing."""
    with sqlite3.connect(home() / "review.sqlite3") as conn:
        return list(conn.iterdump())


def test_leaving_saves_the_sitting_and_resume_continues_it(course):
    write_bank(course, pinned=False)
    clock = StepClock()
    first = run("exam", str(course.root), "--quick", "4", "--seed", "5", stdin="A\nf\nn\nq\nn\nq\ny\n", clock=clock)
    assert first.exit_code == 0, first.output
    out = said(first)
    assert out.count("Leave the exam? y leaves and saves it (srscards exam --resume continues it)") == 2
    assert "Left the exam with 0:08:00 left and 1 of 4 answered. Saved as sitting P1: srscards exam --resume" in out
    with Store.open(home()) as store:
        (paused,) = store.paused_exams("aws-mla")
        assert store.exams("aws-mla") == [] and store.log() == []
    listing = run("exams", "--decks", str(course.root), "--json")
    assert json.loads(listing.output)["paused"][0] | {"saved_at": ""} == {
        "id": "P1", "profile": "MLA-C02", "mode": "quick", "saved_at": "", "answered": 1, "total": 4,
        "discarded_at": None,
    }  # fmt: skip
    # an hour later: the time left is what it was, the same questions in the same order, the answer and flag kept
    later = StepClock(START + timedelta(hours=1))
    resumed = run("exam", str(course.root), "--resume", "--json", stdin="r\ns\ny\n", clock=later)
    assert resumed.exit_code == 0, resumed.output
    lines = [line.rstrip() for line in resumed.output.splitlines()]
    assert "Resuming sitting P1, left 2026-11-27 10:00: 1 of 4 answered · 0:08:00 left" in lines
    assert any(line.startswith("─") and "Question 3/4 · 0:08:00 left" in line for line in lines)
    assert "Answered: 1/4" in lines and "Flagged: 2" in lines
    data = json.loads(resumed.stdout)
    assert [i["note"] for i in data["items"]] == [q["note"] for q in paused.state["questions"]]
    assert [i["order"] for i in data["items"]] == [q["order"] for q in paused.state["questions"]]
    assert data["items"][0]["answer"] == "A" and data["items"][1]["flagged"] is True and data["seed"] == 5
    with Store.open(home()) as store:
        assert store.paused_exams("aws-mla", include_discarded=True) == []  # it is an exam now
        assert len(store.exams("aws-mla")) == 1


def test_the_clock_stops_while_a_sitting_waits(course):
    write_bank(course)
    run("exam", str(course.root), "--quick", "2", "--seed", "1", stdin="B\nq\ny\n", clock=StepClock(step=1))
    resumed = run("exam", str(course.root), "--resume", stdin="", clock=StepClock(START + timedelta(days=2)))
    said_text = said(resumed)
    with Store.open(home()) as store:
        (record,) = store.exams("aws-mla")
    # one-second ticks before leaving; the two days away do not count
    assert 0 < record.result.seconds_used < 60 and not record.result.timed_out
    assert "Resuming sitting P1" in said_text


def test_ctrl_c_asks_first_and_a_second_one_leaves(course, tmp_path):
    """In a real terminal Ctrl-C used to end the exam with "Aborted!" and lose it."""
    import pty
    import select

    write_bank(course)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"SRSCARDS_HOME": str(tmp_path / "home"), "TZ": "UTC"})
        os.execv(sys.executable, [*CLI, "exam", str(course.root), "--quick", "3", "--seed", "1"])
    seen = b""

    def read_until(marker: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while marker not in seen:
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    seen += os.read(fd, 65536)
                except OSError:  # the exam ended and closed the terminal
                    break

    read_until(b"Question 1/3")
    os.write(fd, b"B\n")
    read_until(b"Question 2/3")
    os.write(fd, b"\x03")
    read_until(b"Leave the exam?")
    os.write(fd, b"\x03")
    read_until(b"Saved as sitting P1")
    os.waitpid(pid, 0)
    os.close(fd)
    text = seen.decode(errors="replace")
    assert "Aborted" not in text and "Traceback" not in text
    with Store.open(tmp_path / "home") as store:
        (paused,) = store.paused_exams("aws-mla")
        assert paused.state["answers"] == {"0": "B"}


def test_a_sitting_without_answers_is_neither_scored_nor_stored(course):
    write_bank(course)
    result = run("exam", str(course.root), "--quick", "10", stdin="")
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("No answer was given: the sitting is not scored or stored.")
    readiness = json.loads(run("readiness", str(course.root), "--json").output)
    assert readiness["trend"] == []
    with Store.open(home()) as store:
        assert store.exams("aws-mla", include_discarded=True) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quick", "10", "--full"], "Error: --full and --quick are different exams; choose one of them"),
        (["--domain", "2", "--adaptive"], "Error: --domain and --adaptive are different exams; choose one of them"),
        (["--quick", "5", "--domain", "1"], "Error: --domain and --quick are different exams; choose one of them"),
        (["--quick", "5", "--beta"], "Error: --beta is a format of the full exam; it does not go with --quick"),
        (["--quick", "5", "--count", "3"], "Error: --count sets the length of --domain or --adaptive; for a quick"),
        (["--resume", "--full"], "Error: --resume continues a sitting as it was; leave out --full"),
        (["--resume", "--seed", "3", "--untimed"], "Error: --resume continues a sitting as it was; leave out --seed,"),
    ],
)
def test_conflicting_options_are_a_usage_error(course, args, message):
    write_bank(course)
    result = run("exam", str(course.root), *args, stdin="B\n")
    assert result.exit_code == 2
    assert message in result.output
    assert not (home() / "review.sqlite3").exists()  # refused before anything was opened


def test_exams_lists_past_sittings_and_discard_takes_one_out_of_readiness(course):
    write_bank(course)
    for _ in range(3):
        assert run("exam", str(course.root), "--full", "--seed", "1", stdin="B\n" * 12).exit_code == 0
    listing = run("exams", "--decks", str(course.root))
    lines = [line.rstrip() for line in listing.output.splitlines()]
    assert listing.exit_code == 0 and lines[0] == "Practice exams"
    assert sum("│ 2026-11-27 10:00 │ MLA-C02 │ full │ 12/12 100% │" in line for line in lines) == 3
    assert sum("counted" in line for line in lines) == 3
    assert json.loads(run("readiness", str(course.root), "--json").output)["checks"][0]["met"] is True
    discarded = run("exams", "--decks", str(course.root), "discard", "2")
    assert discarded.exit_code == 0
    assert discarded.output == (
        "Exam 2 (full, 12/12 100%) discarded: readiness and the plan leave it out. The record stays.\n"
    )
    readiness = json.loads(run("readiness", str(course.root), "--json").output)
    assert readiness["checks"][0]["met"] is False and readiness["trend"] == [100.0, 100.0]
    data = json.loads(run("exams", "--decks", str(course.root), "--json").output)
    assert [e["discarded_at"] is not None for e in data["exams"]] == [False, True, False]
    assert "discarded 2026-11-27" in run("exams", "--decks", str(course.root)).output


def test_a_later_look_shows_the_letters_as_seen_and_in_the_source(course):
    write_bank(course, pinned=False)
    assert run("exam", str(course.root), "--quick", "2", "--seed", "4", stdin="A\nA\n").exit_code == 0
    with Store.open(home()) as store:
        (record,) = store.exams("aws-mla")
    shown = run("exams", "--decks", str(course.root), "show", str(record.id))
    assert shown.exit_code == 0, shown.output
    lines = [line.rstrip() for line in shown.output.splitlines()]
    for item in record.result.items:
        assert f"You answered A, the key is {item.key} · in the source: answered {item.source_answer}, key B" in lines
        source_of_a = chr(65 + item.order[0])
        assert any(line.startswith("A. Option ") and line.endswith(f"· source {source_of_a}") for line in lines)


# -- bad input: one line, exit 1 or 2, the store unchanged ------------------------------------


def test_resume_with_nothing_to_resume(course):
    write_bank(course)
    run("exam", str(course.root), "--quick", "1", stdin="B\n")
    before = dump()
    result = run("exam", str(course.root), "--resume")
    assert (result.exit_code, result.output) == (
        1,
        "Error: no sitting is waiting to be resumed; start one with srscards exam\n",
    )
    assert dump() == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["discard", "9"], 1, "Error: no exam has the id 9; srscards exams lists them\n"),
        (["discard", "P9"], 1, "Error: no paused sitting has the id P9; srscards exams lists them\n"),
        (["show", "9"], 1, "Error: no exam has the id 9; srscards exams lists them\n"),
        (["discard", "x1"], 2, "Error: Invalid value: 'x1' is not a sitting id; use a number such as 3 (P3 for a "),
    ],
)
def test_unknown_sitting_ids(course, args, code, message):
    write_bank(course)
    run("exam", str(course.root), "--quick", "1", stdin="B\n")
    before = dump()
    result = run("exams", "--decks", str(course.root), *args)
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output
    assert dump() == before


def test_discarding_twice(course):
    write_bank(course)
    run("exam", str(course.root), "--quick", "1", stdin="B\n")
    run("exam", str(course.root), "--quick", "2", stdin="B\nq\ny\n")
    assert run("exams", "--decks", str(course.root), "discard", "1").exit_code == 0
    assert run("exams", "--decks", str(course.root), "discard", "P1").exit_code == 0
    before = dump()
    again = run("exams", "--decks", str(course.root), "discard", "1")
    assert (again.exit_code, again.output) == (1, "Error: exam 1 was already discarded on 2026-11-27\n")
    again = run("exams", "--decks", str(course.root), "discard", "P1")
    assert (again.exit_code, again.output) == (1, "Error: paused sitting P1 was already discarded on 2026-11-27\n")
    assert dump() == before
    # a discarded paused sitting is not resumed
    assert run("exam", str(course.root), "--resume").exit_code == 1


def corrupt(table: str, column: str, change) -> None:  # type: ignore[no-untyped-def]
    with sqlite3.connect(home() / "review.sqlite3") as conn:
        (text,) = conn.execute(f"SELECT {column} FROM {table}").fetchone()
        conn.execute(f"UPDATE {table} SET {column} = ?", (change(text),))


def test_a_corrupt_stored_order_is_refused(course):
    write_bank(course, pinned=False)
    run("exam", str(course.root), "--quick", "2", "--seed", "2", stdin="A\nq\ny\n")

    def break_order(text: str) -> str:
        state = json.loads(text)
        state["questions"][1]["order"] = [0, 0, 7]
        return json.dumps(state)

    corrupt("paused_exams", "state", break_order)
    before = dump()
    result = run("exam", str(course.root), "--resume")
    assert result.exit_code == 1
    assert result.output.startswith("Error: paused sitting P1 cannot be resumed: the stored option order of ")
    assert result.output.endswith("([0, 0, 7]) does not fit its 4 options; srscards exams discard P1 sets it aside\n")
    assert result.output.count("\n") == 1 and dump() == before

    corrupt("paused_exams", "state", lambda text: "{not json")
    before = dump()
    result = run("exam", str(course.root), "--resume")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert result.output.startswith("Error: paused sitting P1 is damaged (KeyError: 'spec')")
    assert dump() == before


def test_a_corrupt_order_in_a_stored_exam_is_refused_by_show(course):
    write_bank(course, pinned=False)
    run("exam", str(course.root), "--quick", "1", "--seed", "2", stdin="A\n")

    def break_order(text: str) -> str:
        result = json.loads(text)
        result["items"][0]["order"] = [3, 3, "x", 1]
        return json.dumps(result)

    corrupt("exams", "result", break_order)
    before = dump()
    shown = run("exams", "--decks", str(course.root), "show", "1")
    assert (shown.exit_code, shown.output) == (
        1,
        "Error: exam 1 is damaged: the stored option order of question 1 ([3, 3, 'x', 1]) is not an order of its "
        "options; srscards exams discard 1 takes it out of readiness\n",
    )
    assert dump() == before


def test_a_store_of_the_previous_schema_gains_the_new_columns(course, tmp_path):
    from srscards.store.migrations import SCHEMA_VERSION

    path = tmp_path / "review.sqlite3"
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(7)
    old._conn.execute(
        "INSERT INTO exams (course, profile, mode, started_at, finished_at, correct, total, seconds_used, "
        "limit_seconds, timed_out, result) VALUES ('aws-mla', 'MLA-C02', 'quick', 0, 1000, 1, 1, 1.0, 120, 0, "
        '\'{"correct": 1, "total": 1, "items": []}\')'
    )
    old.close()
    with Store.open(tmp_path) as store:
        assert store.version == SCHEMA_VERSION
        (record,) = store.exams("aws-mla")
        assert record.discarded_at is None and record.result.correct == 1
        assert store.paused_exams("aws-mla") == []
