"""Blind strategies cannot pass: over 20 seeded full MLA-C02 exams from the shipped decks, answering
without reading scores what guessing at random scores on the same forms, within 5 points."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from srscards.sources.load import load_checked
from srscards.study.exam import Question, draw

REPO = Path(__file__).resolve().parent.parent
LETTERS = "ABCDEFGHIJ"
EXAMS = 20
TOLERANCE = 0.05


@cache
def forms() -> tuple[Question, ...]:
    """The questions of 20 full C02 exams (seeds 1-20), each drawn as a new learner would get it."""
    sources = load_checked(REPO / "decks")[0]
    profile = sources.course.profile("C02")
    assert profile is not None
    questions: list[Question] = []
    for seed in range(1, EXAMS + 1):
        exam = draw(sources.cards, profile, "full", profile.exam.questions, seed)
        assert len(exam.questions) == profile.exam.questions
        questions += exam.questions
    return tuple(questions)


def chance(question: Question) -> float:
    """The chance that a random guess of the right number of letters is right."""
    n = len(question.choices)
    if question.type == "choice":
        return 1 / math.comb(n, len(question.key))
    return 1 / math.factorial(n)  # ordering and matching: one of n! orders


def starting_at(first: int) -> Callable[[Question], str]:
    """Always the same letter; on "choose N", the N letters from it."""

    def answer(q: Question) -> str:
        n = len(q.choices)
        return "".join(LETTERS[(first + j) % n] for j in range(len(q.key)))

    return answer


def longest(q: Question) -> str:
    """The longest option(s), as many as the question asks for."""
    picks = sorted(range(len(q.choices)), key=lambda i: (-len(q.choices[i]), i))[: len(q.key)]
    return "".join(LETTERS[i] for i in picks)


def b_then_first_n(q: Question) -> str:
    """B on a single answer, the first N letters on "choose N" (the strategy measured in the issue)."""
    return "B" if len(q.key) == 1 else LETTERS[: len(q.key)]


STRATEGIES: dict[str, Callable[[Question], str]] = {
    "always A": starting_at(0),
    "always B": starting_at(1),
    "always C": starting_at(2),
    "always D": starting_at(3),
    "first N letters": starting_at(0),
    "B, first N letters on choose N": b_then_first_n,
    "always the longest": longest,
}


def blind_score(strategy: Callable[[Question], str]) -> float:
    questions = forms()
    return sum(q.is_correct(strategy(q)) for q in questions) / len(questions)


def random_score() -> float:
    questions = forms()
    return sum(chance(q) for q in questions) / len(questions)


def test_the_random_guesser_anchor_agrees_with_a_simulated_guesser():
    rng = random.Random(1)
    questions = forms()
    right = 0
    for _ in range(20):
        for q in questions:
            picks = rng.sample(range(len(q.choices)), len(q.key) if q.type == "choice" else len(q.choices))
            right += q.is_correct("".join(LETTERS[i] for i in picks))
    assert right / (20 * len(questions)) == pytest.approx(random_score(), abs=0.01)
    assert 0.15 < random_score() < 0.3


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_a_blind_strategy_scores_what_random_guessing_scores(name):
    score, anchor = blind_score(STRATEGIES[name]), random_score()
    assert abs(score - anchor) <= TOLERANCE, f"{name}: {score:.1%} against random guessing {anchor:.1%}"
