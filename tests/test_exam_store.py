"""Exams read their questions from the review store, as review reads its cards: the same exam as
from the parsed sources, nothing parsed when no source changed, and exam records and plans read
back typed, those an older release wrote included."""

from __future__ import annotations

import functools
import json
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run
from exam_fixture import START, StepClock, write_bank
from srscards.model.course import Course
from srscards.model.exam_result import ExamItem, ExamResult, ExamTally
from srscards.paths import home
from srscards.sources.load import load_checked
from srscards.store.store import Store
from srscards.study.exam import draw
from srscards.study.filters import course_key, facts_key
from srscards.study.follow import stored_plan, stored_settings
from srscards.study.plan import saved_plan
from srscards.study.sitting import last_seen, stored_questions, task_weakness
from srscards.study.triage import PlanProfile, weak_tasks
from srscards.study.workspace import open_course

REPO = Path(__file__).resolve().parent.parent
DECKS = REPO / "decks"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("utc")


@functools.cache
def shipped() -> tuple[Path, list[object]]:
    """A store synced once with the shipped decks, and those decks parsed (for the side-by-side draws)."""
    store_home = Path(tempfile.mkdtemp(prefix="exam-store-"))
    open_course(DECKS, store_home, NOW).store.close()
    return store_home, list(load_checked(DECKS)[0].cards)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    mode=st.sampled_from(["full", "quick", "domain", "adaptive"]),
    version=st.sampled_from(["C01", "C02"]),
    count=st.integers(min_value=1, max_value=80),
    domain=st.integers(min_value=1, max_value=4),
    seen=st.lists(st.integers(min_value=0, max_value=6), max_size=40),
)
def test_an_exam_from_the_store_equals_the_exam_from_the_parsed_sources(seed, mode, version, count, domain, seen):  # type: ignore[no-untyped-def]
    store_home, parsed = shipped()
    context = open_course(DECKS, store_home, NOW, version)
    try:
        stored = context.questions
        bank = [c for c in parsed if c.is_question]  # type: ignore[attr-defined]
        assert [c.id for c in stored] == [c.id for c in bank]
        last = {c.id: n for c, n in zip(bank, seen, strict=False)}  # type: ignore[attr-defined]
        weakness = {t: (hash(t) % 7) / 7 for t in context.profile.tasks} if mode == "adaptive" else None
        args = (context.profile, mode, count, seed, last, domain if mode == "domain" else None, weakness)
        from_store = draw(stored, *args)
        from_sources = draw(bank, *args)  # type: ignore[arg-type]
    finally:
        context.store.close()
    assert from_store == from_sources
    assert from_store.questions  # stems, choices, keys and option orders all compared above


def test_exam_start_parses_nothing_when_the_sources_are_unchanged(tmp_path):
    """In a fresh process: the second start loads neither the parser nor the YAML reader."""
    store_home = tmp_path / "home"
    code = (
        "import sys; from datetime import UTC, datetime; from pathlib import Path\n"
        "from srscards.study.workspace import open_course\n"
        "from srscards.study.sitting import full_spec, start_exam\n"
        "now = datetime(2026, 12, 1, 9, tzinfo=UTC)\n"
        f"context = open_course(Path({str(DECKS)!r}), Path({str(store_home)!r}), now)\n"
        "session = start_exam(context, full_spec(context.profile), lambda: now, 3)\n"
        "print(len(session.questions), sorted(m for m in ('srscards.sources.parser', "
        "'srscards.sources.course_file', 'srscards.sources.load', 'yaml', 'markdown_it') if m in sys.modules))\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.split(" ", 1)[1].strip() != "[]"  # the first start syncs: it parses
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "65 []"


def test_the_course_kept_in_the_store_is_the_course_file():
    store_home, _ = shipped()
    parsed = load_checked(DECKS)[0].course
    assert Course.from_dict(json.loads(json.dumps(parsed.to_dict()))) == parsed
    context = open_course(DECKS, store_home, NOW, "C01")
    context.store.close()
    assert context.course == parsed and context.profile == parsed.profile("C01")


def test_an_edited_question_reaches_the_next_exam(course):
    write_bank(course)
    first = run("exam", str(course.root), "--quick", "12", "--seed", "3", "--json", input="", clock=StepClock())
    assert first.exit_code == 0
    deck = course.path / "d2.md"
    deck.write_text(deck.read_text().replace("Option two of 2-1", "A rewritten right option"))
    shown = run("exam", str(course.root), "--quick", "12", "--seed", "3", input="n\n" * 12, clock=StepClock())
    assert "A rewritten right option" in shown.output and "Option two of 2-1 " not in shown.output


def test_an_old_store_without_the_course_reads_the_course_file_once(course):
    """A store of the previous release remembers only the course's versions."""
    write_bank(course)
    assert run("exam", str(course.root), "--quick", "1", input="B\n", clock=StepClock()).exit_code == 0
    with Store.open(home()) as store:
        store._conn.execute("DELETE FROM remembered WHERE key = ?", (course_key("aws-mla"),))
        assert json.loads(store.remembered(facts_key("aws-mla")) or "{}") == {"versions": ["C02", "C01"]}
    again = run("exam", str(course.root), "--quick", "1", "--seed", "1", input="B\n", clock=StepClock())
    assert again.exit_code == 0 and "Quick quiz · MLA-C02 · 1 question" in again.output
    with Store.open(home()) as store:
        remembered = json.loads(store.remembered(course_key("aws-mla")) or "{}")
    assert remembered["id"] == "aws-mla" and [p["version"] for p in remembered["profiles"]] == ["C02", "C01"]


# -- typed records ------------------------------------------------------------------------------------

names = st.text("abcdefghij-", min_size=1, max_size=8)
items = st.builds(
    ExamItem,
    note=names,
    type=st.sampled_from(["choice", "ordering", "matching"]),
    domain=st.none() | st.integers(1, 4),
    tasks=st.lists(st.sampled_from(["1.1", "2.3", "4.2"]), max_size=2).map(tuple),
    order=st.permutations(range(4)).map(tuple) | st.just(()),
    answer=st.none() | st.text("ABCD", min_size=1, max_size=4),
    key=st.text("ABCD", min_size=1, max_size=4),
    correct=st.booleans(),
    flagged=st.booleans(),
    seconds=st.floats(0, 600).map(lambda x: round(x, 1)),
).map(lambda i: replace(i, source_answer=i.answer and i.answer[::-1], source_key=i.key[::-1]) if i.order else i)
tallies = st.builds(ExamTally, names, names, st.integers(0, 9), st.integers(1, 9))
results = st.builds(
    ExamResult,
    mode=st.sampled_from(["full", "quick", "domain", "adaptive"]),
    profile=st.sampled_from(["MLA-C01", "MLA-C02"]),
    correct=st.integers(0, 65),
    total=st.integers(0, 65),
    items=st.lists(items, max_size=5).map(tuple),
    domains=st.lists(tallies, max_size=4).map(tuple),
    tasks=st.lists(tallies, max_size=4).map(tuple),
    practice=st.booleans(),
    timed_out=st.booleans(),
    limit_seconds=st.none() | st.floats(60, 7800),
    shortfall=st.lists(st.text(max_size=20), max_size=2).map(tuple),
    seed=st.integers(0, 2**32),
)


@given(results)
def test_an_exam_result_survives_the_store_form(result):  # type: ignore[no-untyped-def]
    assert ExamResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_the_stored_record_is_the_json_the_exam_printed(course):
    write_bank(course, pinned=False)
    sat = run("exam", str(course.root), "--quick", "3", "--seed", "9", "--json", input="A\nB\n", clock=StepClock())
    assert sat.exit_code == 0
    with Store.open(home()) as store:
        (record,) = store.exams("aws-mla")
    assert record.result.to_dict() == json.loads(sat.stdout)
    assert record.result == ExamResult.from_dict(json.loads(sat.stdout))
    assert [i.answer is not None for i in record.result.items] == [True, True, False]


# The first release of exams (store schema 6) kept results without seed, option orders or source
# letters; these rows are as it wrote them.
FIRST_RELEASE_RESULT = {
    "mode": "full", "profile": "MLA-C02", "practice": False, "correct": 3, "total": 4, "percent": 75.0,
    "scaled_estimate": 736, "scaled_method": "estimate, not official", "passing_score": 720, "timed_out": False,
    "seconds_used": 200.0, "limit_seconds": 480.0, "average_seconds": 50.0, "pacing": "on pace",
    "domains": [{"name": "1", "label": "Data", "correct": 1, "total": 1},
                {"name": "2", "label": "Models", "correct": 2, "total": 3}],
    "tasks": [{"name": "1.1", "label": "Ingest", "correct": 1, "total": 1},
              {"name": "2.1", "label": "Train", "correct": 2, "total": 3}],
    "items": [
        {"note": "q1-1", "type": "choice", "domain": 1, "tasks": ["1.1"], "answer": "B", "key": "B", "correct": True,
         "flagged": False, "seconds": 40.0},
        {"note": "q2-1", "type": "choice", "domain": 2, "tasks": ["2.1"], "answer": "A", "key": "B", "correct": False,
         "flagged": True, "seconds": 60.0},
        {"note": "q2-2", "type": "choice", "domain": 2, "tasks": ["2.1"], "answer": "B", "key": "B", "correct": True,
         "flagged": False, "seconds": 50.0},
        {"note": "q2-3", "type": "choice", "domain": 2, "tasks": ["2.1"], "answer": "B", "key": "B", "correct": True,
         "flagged": False, "seconds": 50.0},
    ],
    "shortfall": [],
}  # fmt: skip
FIRST_RELEASE_PLAN = {"exam_date": "2027-01-15", "minutes_per_day": 40, "days": []}  # before plan format 2


def old_store(schema: int) -> None:
    """A store as the release of `schema` left it: one exam of the first release's form, one plan of the
    first plan format and, from schema 8 on, one exam of the form written since options are shuffled."""
    path = home() / "review.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(schema)
    rows = [json.dumps(FIRST_RELEASE_RESULT)]
    if schema >= 8:
        shuffled = {
            **FIRST_RELEASE_RESULT,
            "seed": 7,
            "items": [
                {**FIRST_RELEASE_RESULT["items"][0], "order": [2, 0, 1, 3], "answer": "C", "key": "C",  # type: ignore[dict-item]
                 "source_answer": "B", "source_key": "B"},
            ],
        }  # fmt: skip
        rows.append(json.dumps(shuffled))
    for n, row in enumerate(rows):
        old._conn.execute(
            "INSERT INTO exams (course, profile, mode, started_at, finished_at, correct, total, seconds_used, "
            "limit_seconds, timed_out, result) VALUES ('aws-mla', 'MLA-C02', 'full', ?, ?, 3, 4, 200, 480, 0, ?)",
            (int(START.timestamp() * 1000) - 3_600_000 + n, int(START.timestamp() * 1000) - 3_000_000 + n, row),
        )
    old._conn.execute(
        "INSERT INTO study_plans (course, created_at, exam_date, plan) VALUES ('aws-mla', 0, '2027-01-15', ?)",
        (json.dumps(FIRST_RELEASE_PLAN),),
    )
    old.close()


@pytest.mark.parametrize("schema", [6, 9])
def test_exam_records_and_plans_of_an_older_release_read_back_typed(course, schema):
    write_bank(course)
    old_store(schema)
    with Store.open(home()) as store:
        records = store.exams("aws-mla")
        first = records[0].result
        assert first.seed == 0 and first.items[1] == ExamItem(
            "q2-1", "choice", 2, ("2.1",), (), "A", "B", None, None, False, True, 60.0
        )
        assert (first.correct, first.total, first.share, first.domains[1].percent) == (3, 4, 0.75, 2 / 3)
        assert last_seen(records)["q2-3"] == 0
        profile = open_course(course.root, home(), START).profile
        weakness = task_weakness(profile, records, store, ["aws-mla"])
        assert weakness["2.1"] == pytest.approx(1 - 3 / 5)  # two of three right, smoothed
        expected = {**dict.fromkeys(profile.tasks, 1.0), "2.1": pytest.approx(1 + 1 / 3)}  # one in three wrong
        assert weak_tasks([], PlanProfile.of(profile), records) == expected
        saved = saved_plan(store, "aws-mla")
        assert saved is not None and (saved.exam_date.isoformat(), saved.minutes_per_day, saved.plan) == (
            "2027-01-15",
            40,
            None,
        )
        assert stored_plan(store, "aws-mla") is None  # an older plan format is made again
        assert stored_settings(store, "aws-mla") == (saved.exam_date, 40)
        if schema >= 8:
            shuffled = records[1].result.items[0]
            assert (shuffled.order, shuffled.source_answer, shuffled.shuffled, records[1].result.seed) == (
                (2, 0, 1, 3),
                "B",
                True,
                7,
            )
            (question,) = stored_questions(records[1], list(open_course(course.root, home(), START).questions))
            assert question is not None and question.order == (2, 0, 1, 3)
    listing = json.loads(run("exams", "--decks", str(course.root), "--json", clock=StepClock()).output)
    assert [(e["correct"], e["total"], e["domains"]) for e in listing["exams"]][0] == (
        3,
        4,
        {"1": [1, 1], "2": [2, 3]},
    )
    shown = run("exams", "--decks", str(course.root), "show", "1", clock=StepClock())
    assert shown.exit_code == 0, shown.output
    assert "You answered A, the key is B" in shown.output and "in the source" not in shown.output
    readiness = run("readiness", str(course.root), "--json", clock=StepClock())
    assert readiness.exit_code == 0, readiness.output
    domains = {d["domain"]: (d["right"], d["total"]) for d in json.loads(readiness.output)["domains"]}
    assert domains[1] == (1 + (schema >= 8), 1 + (schema >= 8)) and domains[2] == (2, 3)
    nxt = run("exam", str(course.root), "--quick", "4", "--seed", "1", "--json", input="B\n" * 4, clock=StepClock())
    assert nxt.exit_code == 0
    asked = {i["note"] for i in json.loads(nxt.stdout)["items"]}
    assert "q1-1" not in asked and len(asked & {"q2-1", "q2-2", "q2-3"}) == 1  # the old exam's questions come last


def test_a_plan_read_back_is_the_plan_stored(course):
    write_bank(course)
    made = run("plan", str(course.root), "--exam-date", "2027-01-08", "--runs", "10", "--json", clock=StepClock())
    assert made.exit_code == 0, made.output
    with Store.open(home()) as store:
        saved = saved_plan(store, "aws-mla")
    assert saved is not None and saved.plan is not None
    assert saved.plan.to_json() == json.loads(made.output)
    assert (saved.exam_date, saved.minutes_per_day) == (START.date() + timedelta(days=42), 30)
