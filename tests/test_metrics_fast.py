"""The fast metrics (SQL over the card states, numpy over the packed copy of the log) equal the
same figures computed the slow way: every answer decoded from the log and walked in Python, each
day found with the scheduler's own day rules, on random histories in several time zones."""

from __future__ import annotations

import math
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CourseDir
from deck_fixture import demo_deck
from srscards.scheduling.scheduler import (
    DayCount,
    Memory,
    Rating,
    Scheduler,
    Settings,
    State,
    day_begins,
    study_day,
    to_ms,
)
from srscards.store.records import ImportedAnswer
from srscards.store.store import STORE_FILE, Store
from srscards.study.metrics import FORECAST_DAYS, GOAL_DAYS, MATURE_DAYS, PERIODS, compute_stats, r_matrix_bin
from srscards.study.workspace import sync_sources

START = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
D2 = """\
---
title: Models
domain: 2
tasks: [2.3]
---

### What does recall measure?
<!-- id: rec-1 -->

The share of real positives that the model finds.

### What does precision measure?
<!-- {id: pre-1, type: reversible} -->

The share of predicted positives that are real.
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the demo course's cards, synced once; each example works on a copy."""
    root = tmp_path_factory.mktemp("fast")
    course = CourseDir(root / "decks")
    course.write("d1.md", demo_deck("### Learning card\n<!-- id: lrn-1 -->\n\nStill in its steps.\n", title="Data"))
    course.write("d2.md", D2)
    with Store.open(root / "home") as store:
        sync_sources(store, course.root, START - timedelta(days=1))
    return root / "home"


# one step of a history: (card index, rating, minutes since the step before, what happens)
step = st.tuples(
    st.integers(0, 5),  # a few cards, each with a long history
    st.sampled_from([1, 2, 3, 3, 3, 4]),
    st.one_of(
        st.integers(0, 30),  # the same day
        st.integers(60 * 20, 60 * 24 * 3),
        st.integers(60 * 24 * 19, 60 * 24 * 23),  # around the 21 days of a mature interval
        st.integers(60 * 24, 60 * 24 * 60),
    ),
    st.sampled_from(["answer"] * 8 + ["import", "import", "undo", "suspend"]),
    st.one_of(st.none(), st.integers(0, 200_000)),
)


def play(
    store: Store, steps: list[tuple[int, int, int, str, int | None]], seed: int, start: datetime = START
) -> datetime:
    """Write the history through the store, as review sessions and Anki imports do; returns its end."""
    scheduler = Scheduler(Settings(), seed=seed)
    cards = store.cards(store.course_ids())
    at = start
    latest: dict[int, int] = {}
    revlog = 1
    for index, rating, minutes, what, duration in steps:
        at += timedelta(minutes=minutes)
        card = store.card(cards[index % len(cards)].id)
        assert card is not None
        if what == "undo":
            if card.id in latest:
                store.undo(latest.pop(card.id), at)
            continue
        if what == "suspend":
            store.set_suspended(card.id, not card.suspended)
            continue
        after = scheduler.answer(card.memory, Rating(rating), at, card.key)
        if what == "import":
            kind = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}[card.memory.state]
            last = card.memory.last_review
            interval = (at - last).days if last is not None and card.memory.state is State.REVIEW else -600
            answer = ImportedAnswer(
                revlog, card.id, at, Rating(rating), duration, card.memory, after, kind, interval
            )  # fmt: skip
            revlog += 1
            store.record_imported([answer], {card.id: after})
            latest.pop(card.id, None)
        else:
            review = store.record_answer(card, after, Rating(rating), at, duration)
            assert review is not None
            latest[card.id] = review
    return at


def slow_stats(home: Path, scheduler: Scheduler, now: datetime) -> dict[str, Any]:
    """The figures of `compute_stats`, from every answer of the log decoded and walked one at a time."""
    day_start = scheduler.settings.day_start
    count = DayCount(now, day_start)
    today = study_day(now, day_start)
    factor, decay = scheduler.curve
    with Store.open(home) as store:
        log = store.log()
        cards = {c.id: c for c in store.cards(store.course_ids())}
        suspended = {c.id for c in cards.values() if c.suspended}
    with sqlite3.connect(home / STORE_FILE) as db:
        anki = {r[0]: (r[1], r[2]) for r in db.execute("SELECT review, kind, last_interval FROM anki_reviews")}
    retention: dict[tuple[str, int | None], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    studied_days, capped, timed, seconds = set(), 0, 0, 0.0
    by_card: dict[int, list[Any]] = defaultdict(list)
    for review in log:
        ms = to_ms(review.reviewed_at) or 0
        before, passed = review.before, review.rating > 1
        studied_days.add(count.day_ms(ms))
        if review.duration_ms is not None:
            timed += 1
            capped += min(review.duration_ms, 60_000)
            seconds += review.duration_ms / 1000
        if review.id in anki:
            kind, interval = anki[review.id]
            kept = kind == 1 or interval >= 1 or interval <= -86_400
            mature = interval >= MATURE_DAYS
        else:
            known = before.last_review is not None and before.due is not None
            span = (before.due - before.last_review) if known else timedelta(0)  # type: ignore[operator]
            kept = known and (
                before.state is State.REVIEW
                or (before.state in (State.LEARNING, State.RELEARNING) and span >= timedelta(days=1))
            )
            mature = (
                kept
                and before.state is State.REVIEW
                and study_day(before.due, day_start) - study_day(before.last_review, day_start) >= MATURE_DAYS  # type: ignore[arg-type]
            )
        if kept:
            back = (count.next_s - 1 - ms // 1000) // 86400
            for name, span_days in PERIODS:
                if span_days is None or back < span_days:
                    tally = retention[(name, cards[review.card].domain)]
                    tally[2 * mature] += passed
                    tally[2 * mature + 1] += 1
        if before.last_review is not None and before.state is not State.NEW:
            elapsed = count.day(review.reviewed_at) - count.day(before.last_review)
            if elapsed >= 1:
                by_card[review.card].append((ms, review.id, elapsed, passed, before.stability or 0.0))
    bins: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    loss, scored = 0.0, 0
    for answers in by_card.values():
        lapses = 0
        for so_far, (_, _, elapsed, passed, stability) in enumerate(sorted(answers), start=1):
            if stability > 0:
                p = (1 + factor * elapsed / stability) ** decay
                loss -= math.log(p) if passed else math.log(1 - p)
                acc = bins[r_matrix_bin(elapsed, so_far + 1, lapses)]
                acc[0] += p
                acc[1] += passed
                acc[2] += 1
                scored += 1
            lapses += not passed
    rmse = math.sqrt(sum((p / n - y / n) ** 2 * n for p, y, n in bins.values()) / scored) if scored else None

    target = count.day(now + timedelta(days=GOAL_DAYS))
    recall = [0, 0.0, 0, 0]
    due = [0] * FORECAST_DAYS
    states: dict[str, int] = defaultdict(int)
    for card in cards.values():
        m = card.memory
        column = "suspended" if card.id in suspended else m.state.name.lower()  # no card is retired here
        states["learning" if column == "relearning" else column] += 1
        if m.state is State.NEW or m.stability is None or m.last_review is None:
            continue
        p = (1 + factor * max(target - count.day(m.last_review), 0) / m.stability) ** decay
        recall[0] += 1
        recall[1] += p
        recall[2] += m.stability >= GOAL_DAYS
        recall[3] += p >= 0.9
        if card.id not in suspended and m.due is not None:
            offset = max(study_day(m.due, day_start) - today, 0)
            if offset < FORECAST_DAYS:
                due[offset] += 1
    return {
        "retention": {k: v for k, v in retention.items()},
        "calibration": (scored, loss / scored if scored else None, rmse),
        "days": len(studied_days),
        "reviews": len(log),
        "time": (capped, timed, round(seconds, 6)),
        "recall": recall,
        "due": due,
        "states": dict(states),
    }


def compare(slow: dict[str, Any], stats: Any) -> None:
    # retention per period and domain is not kept by compute_stats; per period overall and per
    # domain over all time are, and they are sums of the slow tallies
    for name, _ in PERIODS:
        want = [0, 0, 0, 0]
        for (period, _), tally in slow["retention"].items():
            if period == name:
                want = [a + b for a, b in zip(want, tally, strict=True)]
        r = stats.periods[name]
        assert [r.young.passed, r.young.total, r.mature.passed, r.mature.total] == want, name
    for domain, r in stats.by_domain.items():
        want = slow["retention"].get(("all time", domain), [0, 0, 0, 0])
        assert [r.young.passed, r.young.total, r.mature.passed, r.mature.total] == want, domain
    scored, loss, rmse = slow["calibration"]
    assert stats.calibration.reviews == scored
    assert stats.calibration.log_loss == (None if loss is None else pytest.approx(loss, rel=1e-9))
    assert stats.calibration.rmse_bins == (None if rmse is None else pytest.approx(rmse, rel=1e-9, abs=1e-12))
    assert stats.days_studied == slow["days"]
    assert stats.reviews == slow["reviews"]
    capped, timed, seconds = slow["time"]
    per_answer = capped / timed / 60_000 if timed else 0.0
    assert stats.seconds_studied == pytest.approx(seconds)
    assert [f.cards for f in stats.forecast] == slow["due"]
    assert [f.minutes for f in stats.forecast] == pytest.approx([n * per_answer for n in slow["due"]])
    studied, recall_sum, stable, meeting = slow["recall"]
    assert (stats.recall.studied, stats.recall.stable, stats.recall.meeting) == (studied, stable, meeting)
    assert stats.recall.recall_sum == pytest.approx(recall_sum, rel=1e-12)
    assert {k: v for k, v in vars(stats.states).items() if v} == slow["states"]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Australia/Lord_Howe"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(step, min_size=0, max_size=150),
    seed=st.integers(0, 3),
    later=st.integers(0, 60 * 24 * 90),
    day_start=st.integers(0, 23),
)
def test_fast_metrics_equal_a_walk_through_every_answer(template, time_zone, zone, steps, seed, later, day_start):
    time_zone(zone)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(template, home)
        with Store.open(home) as store:
            end = play(store, steps, seed)
        now = end + timedelta(minutes=later)
        scheduler = Scheduler(Settings(day_start=time(day_start)))
        slow = slow_stats(home, scheduler, now)
        with Store.open(home) as store:
            stats = compute_stats(store, scheduler, store.course_ids(), now)
            again = compute_stats(store, scheduler, store.course_ids(), now)  # read from the stored copy this time
        assert again.to_json() == stats.to_json()
        compare(slow, stats)


def test_the_stored_copy_of_the_log_follows_new_answers_undos_and_a_restored_backup(template, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(template, home)
    with Store.open(home) as store:
        play(store, [(i, 3, 60 * 24 * (i % 5), "answer", 5000) for i in range(30)], 0)
        first = store.answer_columns()
        assert len(first) == 30
    backup = tmp_path / "backup"
    shutil.copytree(home, backup)
    with Store.open(home) as store:
        play(store, [(i, 1 + i % 4, 60 * 24, "answer", None) for i in range(12)], 1, START + timedelta(days=400))
        review = store.log()[-1]
        store.undo(review.id, datetime(2027, 6, 1, tzinfo=UTC))
        columns = store.answer_columns()
        assert len(columns) == 41
        assert columns["id"].tolist() == [r.id for r in store.log()]
    # a backup put back in place: its copy ends before the answers it lacks, which get new ids
    shutil.rmtree(home)
    shutil.copytree(backup, home)
    with Store.open(home) as store:
        play(store, [(i, 2, 60 * 24 * 2, "answer", 7000) for i in range(3)], 2, START + timedelta(days=800))
        columns = store.answer_columns()
        log = store.log()
        assert columns["id"].tolist() == [r.id for r in log]
        assert columns["ms"].tolist() == [to_ms(r.reviewed_at) for r in log]
        assert columns["rating"].tolist() == [int(r.rating) for r in log]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_mature_means_21_study_days_across_daylight_saving(template, tmp_path, time_zone, zone):
    """Intervals of 19 to 22 study days, given before a clock change and answered after it: only
    21 and 22 days count as mature, though a 21-day interval then spans less than 21 x 24 hours."""
    time_zone(zone)
    home = tmp_path / "home"
    shutil.copytree(template, home)
    day_start = time(4)
    with Store.open(home) as store:
        cards = store.cards(store.course_ids())[:6]
        for i, (card, days) in enumerate(zip(cards, [19, 20, 21, 20, 21, 22], strict=True)):
            # the first three start before the March change, the others before the October one
            first = datetime(2026, 3, 12, 23, 30, tzinfo=UTC) if i < 3 else datetime(2026, 10, 8, 3, 59, tzinfo=UTC)
            day = study_day(first, day_start)
            due = day_begins(day + days, day_start)
            after = Memory(State.REVIEW, None, 30.0, 5.0, due, first, 1, 0)
            assert store.record_answer(card, after, Rating.GOOD, first, 8000) is not None
            card = store.card(card.id)
            later = Memory(State.REVIEW, None, 60.0, 5.0, due + timedelta(days=60), due, 2, 0)
            assert store.record_answer(card, later, Rating.GOOD if i % 2 else Rating.AGAIN, due, 8000) is not None
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    scheduler = Scheduler(Settings(day_start=day_start))
    slow = slow_stats(home, scheduler, now)
    with Store.open(home) as store:
        stats = compute_stats(store, scheduler, store.course_ids(), now)
    compare(slow, stats)
    every = stats.periods["all time"]
    assert (every.mature.passed, every.mature.total) == (1, 3)  # the 21- and 22-day intervals
    assert (every.young.passed, every.young.total) == (2, 3)
