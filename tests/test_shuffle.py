"""Options shuffled at delivery: pins, the exam's recorded order, review's fresh order each showing."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from exam_fixture import StepClock, write_bank
from srscards.cli import main
from srscards.model.shuffle import is_order, shuffled_order, source_letters
from srscards.sources.load import load_checked, load_sources
from srscards.study.exam import question_from_card
from srscards.study.review import ReviewSession

HEADER = "---\ntitle: Demo\ndomain: 1\ntasks: [1.1]\n---\n\n"
PINNED = (
    HEADER
    + "### Q\n<!-- id: p-1 -->\n\nWhich one?\n\n"
    + "- [ ] Alpha\n  Not alpha.\n"
    + "- [x] Beta **bold**\n  Beta is right.\n"
    + "- [ ] Gamma\n  Not gamma.\n"
    + "- [ ] None of these {pin}\n  One of them is right.\n"
)

pytestmark = pytest.mark.usefixtures("utc")


@given(st.lists(st.booleans(), min_size=1, max_size=8), st.integers())
def test_a_shuffle_is_a_permutation_that_keeps_pinned_options_in_place(pins, seed):
    order = shuffled_order(pins, random.Random(seed))
    assert is_order(order, len(pins))
    assert all(order[i] == i for i, pin in enumerate(pins) if pin)
    assert source_letters("".join(chr(65 + i) for i in range(len(pins))), order) == "ABCDEFGH"[: len(pins)]


def test_unpinned_options_take_every_position(course):
    course.write("d1.md", PINNED)
    (card,) = load_checked(course.root)[0].cards
    places = set()
    for seed in range(60):
        q = question_from_card(card, seed)
        assert q.choices[3] == "None of these"  # pinned: always D
        assert {q.choices[ord(k) - 65] for k in q.key} == {"Beta **bold**"}
        assert q.explanations[ord(q.key) - 65] == "Beta is right."  # the explanation follows its option
        assert q.as_source(q.key) == "B"
        places.add(q.key)
    assert places == {"A", "B", "C"}
    assert question_from_card(card, 7) == question_from_card(card, 7)


def test_pin_is_parsed_and_left_out_of_the_text(course):
    course.write("d1.md", PINNED)
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    options = sources.cards[0].options
    assert [o.pinned for o in options] == [False, False, False, True]
    assert options[3].text.md == "None of these" and options[3].text.html == "None of these"
    assert options[1].text.html == "Beta <strong>bold</strong>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PINNED.replace("- [ ] Alpha", "- [ ] Al {pin} pha"),
            "d1.md:12:10: error: {pin} is misplaced (fix: put {pin} at the end of the option's first line)",
        ),
        (
            PINNED.replace("Not gamma.", "Not {pin} gamma."),
            "d1.md:17:7: error: {pin} is misplaced (fix: put {pin} at the end of the option's first line)",
        ),
        (
            HEADER + "### O\n<!-- {id: o-1, type: ordering} -->\n\nOrder.\n\n1. One {pin}\n2. Two\n",
            "d1.md:12:8: error: {pin} is misplaced (fix: only choice options can be pinned; ordering steps are "
            "always shuffled)",
        ),
        (
            HEADER + "### M\n<!-- {id: m-1, type: matching} -->\n\n| A | B |\n|---|---|\n| x {pin} | 1 |\n| y | 2 |\n",
            "d1.md:12:5: error: {pin} is misplaced (fix: only choice options can be pinned; matching is shuffled)",
        ),
        (
            HEADER + "### Q\n<!-- id: p-2 -->\n\nWhich?\n\n- [x] {pin}\n  Why.\n- [ ] Other\n  Why not.\n",
            "d1.md:12:1: error: option has no text (fix: write the option before {pin})",
        ),
    ],
)
def test_a_misplaced_pin_is_a_located_error(course, text, expected):
    course.write("d1.md", text)
    _, problems, _ = load_sources(course.path)
    found = [str(p).replace(str(course.path) + "/", "") for p in problems]
    assert expected in found, found


def sit(course, stdin: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["exam", str(course.root), *args], input=stdin, obj={"clock": StepClock()})


def test_an_exam_records_the_order_it_showed_and_the_source_letters(course):
    write_bank(course, pinned=False)
    probe = json.loads(sit(course, "A\n" * 4, "--quick", "4", "--seed", "11", "--json").stdout)
    # the same draw again in a fresh store: answer every question with its source letter B, as shown
    answers = []
    for item in probe["items"]:
        assert sorted(item["order"]) == [0, 1, 2, 3] and item["source_key"] == "B"
        answers.append(chr(65 + item["order"].index(1)))
    assert answers != ["B"] * 4, "seed 11 happens to keep B in place on every question"
    assert [i["key"] for i in probe["items"]] == answers
    second = CliRunner().invoke(
        main,
        ["exam", str(course.root), "--quick", "4", "--seed", "11", "--json", "--home", str(course.root / "h2")],
        input="\n".join(answers) + "\n",
        obj={"clock": StepClock()},
    )
    data = json.loads(second.stdout)
    assert data["correct"] == 4
    assert [(i["answer"], i["source_answer"]) for i in data["items"]] == [(a, "B") for a in answers]


def test_results_show_the_letters_as_seen_and_in_the_source(course):
    write_bank(course, pinned=False)
    probe = json.loads(sit(course, "A\n", "--quick", "1", "--seed", "3", "--json").stdout)
    order = probe["items"][0]["order"]
    shown_key = chr(65 + order.index(1))
    wrong = next(ch for ch in "ABCD" if ch != shown_key)
    result = CliRunner().invoke(
        main,
        ["exam", str(course.root), "--quick", "1", "--seed", "3", "--home", str(course.root / "h2")],
        input=f"{wrong}\n",
        obj={"clock": StepClock()},
    )
    out = [line.rstrip() for line in result.output.splitlines()]
    source_wrong = chr(65 + order[ord(wrong) - 65])
    assert f"Wrong: you answered {wrong}, the answer is {shown_key} (in the source: {source_wrong}, B)" in out
    assert f"Answers: 1 {wrong} (source {source_wrong})" in out
    assert any(line.startswith(f"✓ {shown_key}. Option two of") and line.endswith("· source B") for line in out)


def test_each_sitting_shows_a_new_order(course):
    write_bank(course, pinned=False)
    orders = set()
    for seed in range(6):
        data = json.loads(
            sit(course, "A\n" * 3, "--domain", "1", "--count", "3", "--seed", str(seed), "--json", "--untimed").stdout
        )
        orders.add(tuple((i["note"], tuple(i["order"])) for i in sorted(data["items"], key=lambda i: i["note"])))
    assert len(orders) == 6


def test_review_shows_a_fresh_order_each_time_and_grades_it(course, tmp_path):
    course.write("d1.md", PINNED)
    now = datetime(2026, 11, 27, 10, tzinfo=UTC)
    session = ReviewSession.start(course.root, tmp_path / "home", seed=5, clock=lambda: now)
    try:
        seen = []
        for _ in range(12):
            shown = session.next()
            assert shown is not None
            texts = [o[0] for o in shown.text.options]
            assert texts[3] == "None of these" and sorted(texts) == sorted(
                ["Alpha", "Beta **bold**", "Gamma", "None of these"]
            )
            seen.append(tuple(texts))
        assert len(set(seen)) > 1
        right = shown.text.correct_letters
        assert texts[ord(right) - 65] == "Beta **bold**"
        assert [o[2] for o in shown.text.options][ord(right) - 65] == "Beta is right."
        assert session.answer_choice(right.lower()).rating.name == "GOOD"
    finally:
        session.close()
