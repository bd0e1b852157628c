"""Freshness (`checked:` months, `check --stale`) and an exam time that is not published."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import run
from srscards.errors import SrsError
from srscards.sources.check import check_decks
from srscards.sources.course_file import load_course
from srscards.sources.freshness import months_since, parse_age
from srscards.sources.load import load_sources

REPO = Path(__file__).resolve().parent.parent
DECK = """\
---
title: Demo
domain: 1
tasks: [1.1]
checked: 2026-01
---

### Old card
<!-- id: old-1 -->

Parquet.

### Re-checked card
<!-- {id: new-1, checked: 2026-11} -->

ORC.
"""


def test_checked_defaults_from_the_front_matter_and_a_card_overrides_it(course):
    course.write("d1.md", DECK)
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    assert {c.id: c.checked for c in sources.cards} == {"old-1": "2026-01", "new-1": "2026-11"}
    course.write("d1.md", DECK.replace("checked: 2026-01\n", ""))
    sources, _, _ = load_sources(course.path)
    assert {c.id: c.checked for c in sources.cards} == {"old-1": "", "new-1": "2026-11"}


def test_a_checked_that_is_not_a_month_is_a_located_error(course):
    course.write("d1.md", DECK.replace("checked: 2026-11", "checked: last spring"))
    _, problems, _ = load_sources(course.path)
    assert [str(p) for p in problems] == [
        f"{course.path / 'd1.md'}:14:27: error: `checked` must be a year and month, not 'last spring' "
        "(fix: write the month the facts were last checked, e.g. checked: 2026-12)"
    ]


def test_stale_lists_cards_older_than_the_limit_with_the_clock_injected(course):
    course.write("d1.md", DECK)
    path = course.path / "d1.md"
    report = check_decks(course.root, stale_months=6, now=datetime(2027, 6, 10, tzinfo=UTC))
    assert [str(p) for p in report.stale] == [
        f"{path}:8:1: warning: old-1: facts last checked 2026-01, 17 months ago (limit 6) "
        "(fix: check the card against its source, then update `checked:` to this month)",
        f"{path}:13:1: warning: new-1: facts last checked 2026-11, 7 months ago (limit 6) "
        "(fix: check the card against its source, then update `checked:` to this month)",
    ]
    assert (
        check_decks(course.root, stale_months=6, now=datetime(2027, 5, 1, tzinfo=UTC))
        .stale[0]
        .message.startswith("old-1:")
    )
    assert len(check_decks(course.root, stale_months=6, now=datetime(2027, 5, 1, tzinfo=UTC)).stale) == 1
    assert check_decks(course.root).stale == []  # without --stale nothing is listed


def test_stale_on_the_command_line(course):
    course.write("d1.md", DECK)
    result = run("check", str(course.root), "--stale", "6m", "--now", "2026-12-15T12:00:00+00:00")
    assert result.exit_code == 0
    assert "old-1: facts last checked 2026-01, 11 months ago (limit 6)" in result.stdout
    assert "new-1" not in result.stdout
    assert "1 card last checked more than 6 months ago or never\n" in result.stdout
    strict = run("check", str(course.root), "--stale", "1y", "--strict", "--now", "2027-02-01")
    assert strict.exit_code == 1 and "old-1: facts last checked 2026-01, 13 months ago (limit 12)" in strict.stderr
    bad = run("check", str(course.root), "--stale", "soon")
    assert bad.exit_code == 1
    assert bad.output == "Error: unknown age 'soon'; write months or years, e.g. 6m or 1y\n"


def test_a_card_never_checked_is_stale(course):
    course.write("d1.md", DECK.replace("checked: 2026-01\n", ""))
    report = check_decks(course.root, stale_months=6, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert [p.message for p in report.stale] == ["old-1: no record of when the facts were last checked"]


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(0, 600))
def test_months_since_counts_calendar_months(year, month, later):
    then = datetime(year, month, 1, tzinfo=UTC)
    total = year * 12 + month - 1 + later
    now = datetime(total // 12, total % 12 + 1, 28, tzinfo=UTC)
    assert months_since(f"{then:%Y-%m}", now) == later


def test_ages_read_in_months_and_years():
    assert [parse_age(a) for a in ("6m", "1y", "18 months", "2 years")] == [6, 12, 18, 24]
    with pytest.raises(SrsError):
        parse_age("6 weeks")


def test_shipped_decks_are_all_checked():
    sources, _, _ = load_sources(REPO / "decks" / "aws-mla")
    assert {c.checked for c in sources.cards} == {"2026-12"}


def test_the_c02_exam_time_is_marked_as_assumed_and_the_beta_time_is_not():
    course = load_course(REPO / "decks" / "aws-mla")
    c02, c01 = course.profile("C02"), course.profile("C01")
    assert c02.exam.minutes == 130 and not c02.exam.minutes_published
    assert c02.exam.time_text == "130 minutes (assumed, not yet published)"
    assert c02.beta is not None and c02.beta.minutes_published and c02.beta.time_text == "170 minutes"
    assert c01.exam.minutes_published and c01.exam.time_text == "130 minutes"


def test_minutes_published_must_be_true_or_false(course):
    text = (course.path / "course.yaml").read_text()
    (course.path / "course.yaml").write_text(text.replace("minutes_published: false", "minutes_published: maybe"))
    result = run("check", str(course.root), "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert [p["message"] for p in data["problems"]] == ["expected true or false"]
