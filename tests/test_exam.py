"""Practice exams: the draw, grading, scoring golden figures, CLI sittings with a fixed seed and clock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run
from exam_fixture import MULTI, START, StepClock, write_bank
from srscards.model.card import Card
from srscards.paths import home
from srscards.scheduling.scheduler import Settings, State, day_begins, study_day
from srscards.sources.load import load_checked
from srscards.store.store import Store
from srscards.study.exam import SCALED_METHOD, draw, question_from_card, quotas, scaled_estimate, score

REPO = Path(__file__).resolve().parent.parent


ORDERING = """\
---
title: Order
domain: 3
tasks: [3.3]
exam: C01
---

### Steps
<!-- {id: ord-1, type: ordering} -->

Order these.

1. First
2. Second
3. Third
"""
MATCHING = """
### Pairs
<!-- {id: mat-1, type: matching} -->

| Thing | Kind |
|---|---|
| Apple | Fruit |
| Carrot | Vegetable |
| Salmon | Fish |
"""


pytestmark = pytest.mark.usefixtures("utc")


def sit(course, stdin: str, *args: str, clock: StepClock | None = None):  # type: ignore[no-untyped-def]
    clock = clock or StepClock()
    return run("exam", str(course.root), *args, input=stdin, clock=clock)


def cards_of(root: Path) -> tuple[list[Card], object]:
    sources = load_checked(root)[0]
    return list(sources.cards), sources.course.default


# -- the draw -----------------------------------------------------------------------------


def test_quotas_use_the_largest_remainder():
    weights = {1: 28, 2: 24, 3: 24, 4: 24}
    assert quotas(weights, 65) == {1: 18, 2: 16, 3: 16, 4: 15}
    assert quotas(weights, 85) == {1: 24, 2: 21, 3: 20, 4: 20}
    assert quotas(weights, 4) == {1: 1, 2: 1, 3: 1, 4: 1}
    assert sum(quotas(weights, 17).values()) == 17


def test_a_draw_follows_the_weights_never_repeats_and_is_repeatable(course):
    write_bank(course)
    cards, profile = cards_of(course.root)
    first = draw(cards, profile, "quick", 8, seed=3)
    again = draw(cards, profile, "quick", 8, seed=3)
    notes = [q.note for q in first.questions]
    assert notes == [q.note for q in again.questions]
    assert len(set(notes)) == 8
    assert sorted(q.domain for q in first.questions) == [1, 1, 2, 2, 3, 3, 4, 4]  # 2.24/1.92/1.92/1.92
    assert not first.shortfall


def test_recently_seen_questions_come_last(course):
    write_bank(course)
    cards, profile = cards_of(course.root)
    first = draw(cards, profile, "quick", 4, seed=1)
    seen = {q.note: 0 for q in first.questions}
    second = draw(cards, profile, "quick", 4, seed=1, last_seen=seen)
    assert not {q.note for q in first.questions} & {q.note for q in second.questions}


def test_a_short_bank_says_so_and_offers_what_it_has(course):
    write_bank(course)
    cards, profile = cards_of(course.root)
    drill = draw(cards, profile, "domain", 10, seed=1, domain=2)
    assert [q.domain for q in drill.questions] == [2, 2, 2]
    assert drill.shortfall == (
        "The bank holds only 3 MLA-C02 questions in domain 2; 10 were asked for. This exam has 3.",
    )
    full = draw(cards, profile, "full", 65, seed=1)
    assert len(full.questions) == 12
    assert full.shortfall[0] == "The bank holds only 12 MLA-C02 questions; 65 were asked for. This exam has 12."


def test_adaptive_asks_about_the_weakest_task_first(course):
    write_bank(course)
    cards, profile = cards_of(course.root)
    weakness = {"3.1": 0.9, "1.1": 0.1, "2.1": 0.5, "4.1": 0.5}
    drawn = draw(cards, profile, "adaptive", 4, seed=2, task_weakness=weakness)
    assert drawn.questions[0].tasks == ("3.1",)
    assert sum(q.tasks == ("3.1",) for q in drawn.questions) >= 2


@pytest.mark.slow
def test_five_full_exams_from_the_real_decks_never_repeat():
    sources = load_checked(REPO / "decks")[0]
    profile = sources.course.profile("C02")
    seen: dict[str, int] = {}
    everything: list[str] = []
    for number in range(5):
        exam = draw(sources.cards, profile, "full", 65, seed=number, last_seen=seen)
        assert len(exam.questions) == 65 and not exam.shortfall
        assert sorted(q.domain for q in exam.questions).count(1) == 18
        for q in exam.questions:
            seen[q.note] = number
        everything += [q.note for q in exam.questions]
    assert len(everything) == len(set(everything)) == 325


# -- grading and scoring ------------------------------------------------------------------


def test_grading_is_exact(course):
    write_bank(course)
    course.write("m.md", MULTI)
    course.write("order.md", ORDERING + "\n" + MATCHING)
    by_id = {c.id: c for c in load_checked(course.root)[0].cards}
    multi = question_from_card(by_id["qm-1"], seed=0)
    assert multi.multiple and {multi.choices[ord(k) - 65] for k in multi.key} == {"First right", "Second right"}
    assert multi.as_source(multi.key) == "AC"
    assert multi.is_correct(multi.key.lower()) and multi.is_correct(" ".join(multi.key[::-1]))
    wrong = next(ch for ch in "ABCD" if ch not in multi.key)
    assert not multi.is_correct(multi.key[0]) and not multi.is_correct(multi.key + wrong)
    assert not multi.is_correct(None)
    ordering = question_from_card(by_id["ord-1"], seed=5)
    assert [ordering.choices[ord(k) - 65] for k in ordering.key] == ["First", "Second", "Third"]
    assert ordering.is_correct(ordering.key.lower()) and not ordering.is_correct(ordering.key[::-1])
    matching = question_from_card(by_id["mat-1"], seed=5)
    assert [matching.choices[ord(k) - 65] for k in matching.key] == ["Fruit", "Vegetable", "Fish"]
    assert matching.rows == ("Apple", "Carrot", "Salmon")


def test_scaled_score_estimate_golden():
    assert [scaled_estimate(f) for f in (0, 0.5, 0.72, 0.85, 1)] == [100, 531, 720, 850, 1000]
    assert "not official" in SCALED_METHOD


def test_score_golden(course):
    write_bank(course)
    cards, profile = cards_of(course.root)
    questions = draw(cards, profile, "quick", 8, seed=3).questions
    # domain 1 and 2 all right, domain 3 one wrong answer and one unanswered, domain 4 one wrong
    answers: dict[int, str] = {}
    wrong_in: dict[int | None, int] = {}
    for i, q in enumerate(questions):
        if q.domain == 3 and wrong_in.get(3):
            continue
        wrong = q.domain in (3, 4) and not wrong_in.get(q.domain)
        answers[i] = "A" if wrong else "B"
        wrong_in[q.domain] = wrong_in.get(q.domain, 0) + wrong
    result = score(profile, "quick", questions, answers, seconds_used=600, limit_seconds=960)
    assert (result.correct, result.total, round(result.percent, 3), result.scaled) == (5, 8, 0.625, 638)
    domains = [(t.name, t.correct, t.total) for t in result.domains]
    assert domains == [("1", 2, 2), ("2", 2, 2), ("3", 0, 2), ("4", 1, 2)]
    assert [(t.name, t.correct, t.total) for t in result.tasks] == [
        ("1.1", 2, 2),
        ("2.1", 2, 2),
        ("3.1", 0, 2),
        ("4.1", 1, 2),
    ]
    assert result.pacing.average == 75.0 and result.pacing.allowed_per_question == 120.0
    assert result.pacing.verdict == "on pace: finished within the time limit"
    assert sum(i.answer is None for i in result.items) == 1


# -- sittings through the CLI ----------------------------------------------------------------


def test_an_exam_session_with_flag_go_back_review_and_submit(course):
    write_bank(course)
    # seed 1 draws questions of domains 3, 4, 1, 2 (the first line of each screen shows it)
    result = sit(course, "B\nA\nf\np\nC\nn\nn\nB\nr\ns\ny\n", "--quick", "4", "--seed", "1")
    assert result.exit_code == 0, result.output
    out = result.output
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[:3] == [
        "Quick quiz · MLA-C02 · 4 questions · 8 minutes · feedback: at the end",
        "Seed: 1",
        "Assumed time: MLA-C02's exam time is not published; 130 minutes assumed.",
    ]
    assert "Question 2/4 · 0:08:00 left · answer A" in out  # came back to question 2 after answering it
    assert "Question 3/4 · 0:08:00 left · flagged" in out
    assert "Review · 0:08:00 left" in lines
    assert ["Answered: 3/4", "Unanswered: 3", "Flagged: 3"] == lines[lines.index("Review · 0:08:00 left") + 1 :][:3]
    assert "Submit now? y submits; anything else goes back." in lines
    assert "Score: 2/4 (50%)" in lines
    assert "Estimated scaled score: 531 (below the 720 pass line)" in lines
    assert "Time used: 0m 00s of 8m 00s · 0 s per question (the format allows 120 s)" in lines
    assert "Pacing: on pace: finished within the time limit" in lines
    assert "Wrong: you answered C, the answer is B" in lines
    assert "✓ B. Option two of 4-1" in lines and "Right because two." in lines
    assert "Unanswered: you answered -, the answer is B" in lines
    said = " ".join(out.split())
    assert "Wrong answers (2)" in said
    assert said.endswith(
        "1 wrong answer was logged: those questions and the concepts they test are due in review today."
    )


def test_time_checks_are_announced_once_each_as_the_marks_pass(course):
    """An 8-minute quiz crosses the 5- and 1-minute marks; each is announced once, in order, even
    while the same question stays on screen (30 and 15 minutes lie beyond the quiz's length)."""
    write_bank(course)
    result = sit(course, "B\nB\n" + "f\nn\np\n" * 6, "--quick", "4", "--seed", "1", clock=StepClock(step=20))
    assert result.exit_code == 0, result.output
    checks = [line for line in result.output.splitlines() if line.startswith("Time check")]
    assert checks == ["Time check: 0:04:20 left.", "Time check: 0:00:40 left."]
    out = result.output
    assert out.index("Time check: 0:00:40 left.") < out.index("Time is up")


def test_an_exam_that_runs_out_of_time_is_submitted(course):
    write_bank(course)
    clock = StepClock(step=50)
    result = sit(course, "B\nB\nB\nB\n", "--quick", "4", "--seed", "1", "--json", clock=clock)
    assert result.exit_code == 0, result.output
    assert "Time is up: the exam was submitted with the answers given." in result.output
    data = json.loads(result.stdout)
    assert data["timed_out"] is True
    assert data["seconds_used"] == data["limit_seconds"] == 480
    assert data["pacing"].startswith("out of time")
    assert 0 < sum(i["answer"] is not None for i in data["items"]) < 4
    assert data["total"] == 4 and data["scaled_method"] == SCALED_METHOD


def test_practice_mode_gives_feedback_after_each_question(course):
    write_bank(course)
    result = sit(course, "B\nA\n", "--domain", "2", "--count", "2", "--practice", "--seed", "4")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[0] == "Domain 2 drill · MLA-C02 · 2 questions · 4 minutes · feedback: each answer"
    assert lines.index("Correct: you answered B, the answer is B") < lines.index(
        "Wrong: you answered A, the answer is B"
    )
    assert "Score: 1/2 (50%)" in lines


def test_a_short_bank_is_announced_before_the_exam(course):
    write_bank(course)
    result = sit(course, "q\n", "--domain", "1", "--count", "5", "--seed", "1")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "The bank holds only 3 MLA-C02 questions in domain 1; 5 were asked for. This exam has 3." in said
    assert result.output.rstrip().endswith("Left the exam before answering anything: nothing was saved.")


def test_bad_choices_are_clear_errors(course):
    write_bank(course)
    result = sit(course, "", "--domain", "7")
    assert result.exit_code == 1
    assert result.output == "Error: MLA-C02 has no domain 7; choose one of 1, 2, 3, 4\n"
    result = sit(course, "", "--beta", "--exam", "C01")
    assert result.output == "Error: MLA-C01 has no beta format; leave out --beta\n"
    missing = run("exam", str(course.root / "nowhere"), clock=StepClock())
    assert missing.exit_code == 1
    assert missing.output == (
        f"Error: {course.root / 'nowhere'}: no such folder; give the folder of your decks, e.g. srscards exam decks/\n"
    )


def test_a_wrong_answer_brings_the_question_and_its_concept_back_today(course):
    write_bank(course)
    result = sit(course, "A\nB\nB\nB\n", "--quick", "4", "--seed", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    wrong = next(i for i in data["items"] if not i["correct"])
    concept = f"concept-{wrong['domain']}"
    with Store.open(home()) as store:
        cards = {c.note: c for c in store.cards(["aws-mla"])}
        log = store.log()
        cards_by_id = {c.id: c.note for c in cards.values()}
        assert {r.origin for r in log} == {"exam"}
        day_start = Settings().day_start
        tomorrow = day_begins(study_day(START, day_start) + 1, day_start)
        due_today = {c.note for c in store.due_cards(["aws-mla"], tomorrow)}
        assert {wrong["note"], concept} <= due_today
        assert cards[concept].memory.state is State.LEARNING
        ratings = {cards_by_id[r.card]: r.rating for r in log}
        assert ratings == {**{i["note"]: 3 if i["correct"] else 1 for i in data["items"]}, concept: 1}
        assert len(log) == 5  # four answers and one concept
        exams = store.exams("aws-mla")
        assert len(exams) == 1 and exams[0].result.correct == 3


def test_the_next_exam_avoids_the_questions_of_the_last_one(course):
    write_bank(course)
    first = json.loads(sit(course, "B\n" * 4, "--quick", "4", "--seed", "1", "--json").stdout)
    second = json.loads(sit(course, "B\n" * 4, "--quick", "4", "--seed", "1", "--json").stdout)
    third = json.loads(sit(course, "B\n" * 4, "--quick", "4", "--seed", "1", "--json").stdout)
    asked = [[i["note"] for i in exam["items"]] for exam in (first, second, third)]
    assert len({n for notes in asked for n in notes}) == 12  # the whole bank, no repeat


def test_adaptive_starts_with_the_task_missed_in_the_last_exam(course):
    write_bank(course)
    drill = json.loads(sit(course, "A\nA\nA\n", "--domain", "3", "--count", "3", "--seed", "2", "--json").stdout)
    assert drill["correct"] == 0
    result = sit(course, "q\n", "--adaptive", "--count", "4", "--seed", "2")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert lines[0] == "Adaptive quiz · MLA-C02 · 4 questions · 8 minutes · feedback: at the end"
    first = next(n for n, line in enumerate(lines) if "Question 1/4" in line)
    assert lines[first + 1].startswith("Stem of question 3-")  # task 3.1 first, though its questions were just asked


def test_an_ordering_question_in_the_terminal(course):
    course.write("order.md", ORDERING)
    result = sit(course, "AB\nZZZ\nCAB\n", "--exam", "C01", "--quick", "1", "--seed", "5", "--json")
    assert result.exit_code == 0, result.output
    assert "Not understood: 'AB'. Answer with 3 letters from A-C." in result.output
    assert "Not understood: 'ZZZ'. Answer with 3 letters from A-C." in result.output
    assert "Put these in order (answer with the letters in order):" in result.output
    data = json.loads(result.stdout)
    assert data["items"][0]["answer"] == "CAB"
    assert data["correct"] == int(data["items"][0]["key"] == "CAB")


def test_go_to_clear_and_going_back_from_the_submit_prompt(course):
    write_bank(course)
    result = sit(course, "g 3\nA\ng 3\nx\ns\nn\ng 9\ns\ny\n", "--quick", "4", "--seed", "1")
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert any("Question 3/4 · 0:08:00 left · answer A" in line for line in lines)
    assert "Answer to question 3 cleared." in lines
    assert lines.count("Unanswered: 1, 2, 3, 4") == 2
    assert "Give a question number from 1 to 4, e.g. g 3" in lines
    assert lines[-1] == "No answer was given: the sitting is not scored or stored."
    assert "Score:" not in result.output
    with Store.open(home()) as store:  # a sitting without answers would lower readiness: not kept
        assert store.log() == [] and store.exams("aws-mla", include_discarded=True) == []
