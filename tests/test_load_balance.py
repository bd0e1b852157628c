"""Anki's load balancer and learning-step fuzz: srscards picks days and step delays as the real Anki does.

The real `anki` package schedules many cards against a prepared daily load under a frozen clock
(tests/anki_balance.py, inside libfaketime). Anki seeds its draws from the card, srscards from
its own seed, so single draws differ; what must agree is where the draws may land and how often
each day is picked.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srscards.scheduling.load_balance import DueLoad, day_weights, sibling_modifiers
from srscards.scheduling.scheduler import (
    Memory,
    Rating,
    Scheduler,
    Settings,
    State,
    fuzz_bounds,
    fuzzed_interval,
    learning_fuzz_seconds,
    study_day,
)

FAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), Path("libfaketime.so.1"))
DRIVER = Path(__file__).with_name("anki_balance.py")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday, mid-day in every zone tested
MEMORY = {"stability": 3.2, "difficulty": 5.0, "elapsed": 3, "previous": 3}
# cards due on each coming day: uneven, none empty up to day 40 (an empty day would take every draw)
LOAD = {k: 1 + (k * 7) % 11 for k in range(1, 41)}
REVIEWS, LEARN, DRAWS = 1500, 150, 2500
BUTTONS = ("hard", "good", "easy")


def anki_weight(count: int, days: int) -> float:
    """Anki's weight of a day (load_balancer.rs, `select_weighted_interval`), written out again here."""
    return 1.0 if count == 0 else (1 / count) ** 2.15 * (1 / days) ** 3


def in_anki(tmp_path: Path, zone: str, **spec: object) -> dict:  # type: ignore[type-arg]
    """Run the driver in the real Anki under a frozen clock at NOW in `zone`; its figures."""
    assert FAKETIME.is_file(), f"{FAKETIME} is missing: install libfaketime (apt-get install faketime)"
    from zoneinfo import ZoneInfo

    test_mode = bool(spec.pop("test_mode", False))
    base = {"now": NOW.timestamp(), "load_balancer": True, "load": LOAD, "memory": MEMORY, "reviews": REVIEWS}
    full = {**base, "learn": LEARN, **spec}
    folder = tmp_path / f"anki-{len(list(tmp_path.glob('anki-*')))}"
    folder.mkdir()
    (folder / "spec.json").write_text(json.dumps(full))
    clock = folder / "clock"
    clock.write_text(NOW.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S\n"))
    env = {
        **os.environ,
        "TZ": zone,
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
    }
    env.pop("ANKI_TEST_MODE", None)
    if test_mode:
        env["ANKI_TEST_MODE"] = "1"  # Anki's switch that turns its fuzz (and so its load balancer) off
    out = folder / "out.json"
    run = [sys.executable, str(DRIVER), str(folder / "c.anki2"), str(folder / "spec.json"), str(out)]
    done = subprocess.run(run, env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(out.read_text())


def reviewed() -> Memory:
    last = NOW - timedelta(days=MEMORY["elapsed"])
    return Memory(State.REVIEW, None, MEMORY["stability"], MEMORY["difficulty"], NOW, last, 5, 0)


def our_intervals(scheduler: Scheduler, load: DueLoad | None, draws: int = DRAWS) -> list[list[int]]:
    """srscards' Hard, Good and Easy intervals for the test memory, one draw per card key."""
    memory = reviewed()
    result = []
    for n in range(draws):
        days = []
        for rating in (Rating.HARD, Rating.GOOD, Rating.EASY):
            after = scheduler.answer(memory, rating, NOW, f"c/n{n}/card", previous=MEMORY["previous"], load=load)
            days.append(scheduler.interval(after, NOW).days)
        result.append(days)
    return result


def the_load(counted: list[list[int]] | None = None) -> DueLoad:
    today = study_day(NOW, Settings().day_start)
    source = counted if counted is not None else [[k, v] for k, v in LOAD.items()]
    return DueLoad.of(today, ((today + day, "x/filler") for day, count in source for _ in range(count)))


def homogeneity(ours: Counter[int], theirs: Counter[int]) -> tuple[float, float]:
    """Chi-square test that two samples of days come from one distribution: (p-value, total variation)."""
    from scipy.stats import chi2_contingency

    days = sorted(set(ours) | set(theirs))
    table = [[ours[d] for d in days], [theirs[d] for d in days]]
    tv = 0.5 * sum(abs(ours[d] / ours.total() - theirs[d] / theirs.total()) for d in days)
    if len(days) == 1:
        return 1.0, tv
    return float(chi2_contingency(table).pvalue), tv


# -- the weights, against Anki's formula written out in the test --------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=99, max_size=99),
    st.floats(2.5, 90.0),
    st.integers(1, 30),
)
def test_day_weights_are_ankis_formula(counts: list[int], interval: float, minimum: int) -> None:
    today = 740_000
    load = DueLoad.of(today, ((today + d, "x/y") for d, n in enumerate(counts) for _ in range(n)))
    lower, upper = fuzz_bounds(interval, minimum, 36500)
    weights = day_weights(lower, upper, load)
    expected = [anki_weight(counts[d] if d < 99 else 0, d) for d in range(lower, upper + 1)]
    assert weights == pytest.approx(expected, rel=1e-12)


def test_picked_days_follow_the_weights():
    """Over many seeded draws, each day of the fuzz range is picked as often as its weight says."""
    from scipy.stats import chisquare

    load = the_load()
    lower, upper = fuzz_bounds(9.4, 1, 36500)
    weights = [anki_weight(LOAD.get(d, 0), d) for d in range(lower, upper + 1)]
    import random

    rng = random.Random(5)
    picked = Counter(fuzzed_interval(9.4, 1, 36500, rng.random(), load) for _ in range(20000))
    observed = [picked[d] for d in range(lower, upper + 1)]
    expected = [w / sum(weights) * 20000 for w in weights]
    assert set(picked) <= set(range(lower, upper + 1))
    assert chisquare(observed, expected).pvalue > 0.001, (observed, expected)


def test_siblings_are_kept_apart_as_in_ankis_example():
    """Anki's own worked example (load_balancer.rs): siblings on days 2 and 8, days 0 to 10."""
    got = sibling_modifiers({2, 8}, 0, 10)
    expected = [0.40, 0.20, 0.0, 0.20, 0.32, 0.36, 0.32, 0.20, 0.0, 0.20, 0.40]
    assert got == pytest.approx(expected, abs=1e-6)


def test_without_the_load_balancer_or_fuzz_the_load_is_ignored():
    load = the_load()
    balanced = our_intervals(Scheduler(Settings()), load, 300)
    plain = our_intervals(Scheduler(Settings(load_balancer=False)), load, 300)
    unloaded = our_intervals(Scheduler(Settings()), None, 300)
    assert plain == unloaded != balanced
    assert our_intervals(Scheduler(Settings(fuzz=False)), load, 5) == our_intervals(
        Scheduler(Settings(fuzz=False)), None, 5
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 20000), st.floats(0.0, 0.999999))
def test_learning_fuzz_is_ankis_bounds(step: int, draw: float) -> None:
    extra = learning_fuzz_seconds(step, draw)
    span = int(min(step * 0.25, 300.0))  # Anki: secs..secs + floor(min(secs * 0.25, 300)), upper exclusive
    assert 0 <= extra < max(span, 1)


# -- against the real Anki ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_load_balanced_days_are_distributed_as_ankis(tmp_path, time_zone, zone):
    time_zone(zone)
    anki = in_anki(tmp_path, zone)
    load = the_load(anki["counted"])
    ours = our_intervals(Scheduler(Settings()), load)
    bounds = Scheduler(Settings()).interval_bounds
    figures = {}
    for i, name in enumerate(BUTTONS):
        rating = Rating(i + 2)
        low, high = bounds(reviewed(), rating, NOW, MEMORY["previous"])  # type: ignore[misc]
        theirs_days = Counter(o[i] for o in anki["offered"])
        ours_days = Counter(o[i] for o in ours)
        assert min(theirs_days) >= low and max(theirs_days) <= high, (name, theirs_days, (low, high))
        assert min(ours_days) >= low and max(ours_days) <= high, (name, ours_days, (low, high))
        p, tv = homogeneity(ours_days, theirs_days)
        assert p > 0.001, (name, sorted(ours_days.items()), sorted(theirs_days.items()))
        figures[name] = {"range": [low, high], "p": round(p, 3), "total variation": round(tv, 3)}
    # the load balancer really shaped the picks: not the plain uniform fuzz
    plain = Counter(o[1] for o in our_intervals(Scheduler(Settings(load_balancer=False)), None))
    assert homogeneity(plain, Counter(o[1] for o in anki["offered"]))[0] < 1e-6
    print(json.dumps({"zone": zone, **figures}))


@pytest.mark.slow
def test_easy_days_are_kept_as_ankis(tmp_path, utc):
    easy = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]  # Saturday reduced, Sunday kept free
    anki = in_anki(tmp_path, "UTC", easy_days=easy, learn=0)
    ours = our_intervals(Scheduler(Settings(easy_days=tuple(easy))), the_load(anki["counted"]))
    figures = {}
    for i, name in enumerate(BUTTONS):
        theirs_days = Counter(o[i] for o in anki["offered"])
        ours_days = Counter(o[i] for o in ours)
        p, tv = homogeneity(ours_days, theirs_days)
        assert p > 0.001, (name, sorted(ours_days.items()), sorted(theirs_days.items()))
        figures[name] = {"p": round(p, 3), "total variation": round(tv, 3)}
    print(json.dumps({"easy days": easy, **figures}))
    sundays = [d for d in range(1, 40) if (NOW + timedelta(days=d)).weekday() == 6]
    good = Counter(o[1] for o in ours)
    assert sum(good[d] for d in sundays) < good.total() * 0.01  # hardly any card lands on a Sunday


@pytest.mark.slow
def test_without_load_balancer_days_are_uniform_over_the_range_as_ankis(tmp_path, utc):
    anki = in_anki(tmp_path, "UTC", load_balancer=False, learn=0)
    ours = our_intervals(Scheduler(Settings(load_balancer=False)), the_load(anki["counted"]))
    figures = {}
    for i, name in enumerate(BUTTONS):
        p, tv = homogeneity(Counter(o[i] for o in ours), Counter(o[i] for o in anki["offered"]))
        assert p > 0.001, name
        figures[name] = {"p": round(p, 3), "total variation": round(tv, 3)}
    print(json.dumps({"load balancer": "off", **figures}))


@pytest.mark.slow
def test_with_fuzz_off_every_interval_and_step_equals_ankis(tmp_path, utc):
    anki = in_anki(tmp_path, "UTC", test_mode=True, reviews=20)
    ours = our_intervals(Scheduler(Settings(fuzz=False)), the_load(anki["counted"]), 1)[0]
    assert all(o == ours for o in anki["offered"]), (ours, anki["offered"][:3])
    expected = {"again": 60, "hard": 330, "good": 600, "relearn": 600}
    assert {k: set(v) for k, v in anki["steps"].items()} == {k: {s} for k, s in expected.items()}
    plain = Scheduler(Settings(fuzz=False))
    assert (plain.answer(Memory(), Rating.AGAIN, NOW).due - NOW).total_seconds() == 60  # type: ignore[operator]
    assert (plain.answer(Memory(), Rating.HARD, NOW).due - NOW).total_seconds() == 330  # type: ignore[operator]
    assert (plain.answer(Memory(), Rating.GOOD, NOW).due - NOW).total_seconds() == 600  # type: ignore[operator]
    assert (plain.answer(reviewed(), Rating.AGAIN, NOW).due - NOW).total_seconds() == 600  # type: ignore[operator]


@pytest.mark.slow
@pytest.mark.parametrize("zone", ["UTC", "Australia/Lord_Howe"])
def test_learning_steps_are_delayed_within_ankis_bounds(tmp_path, time_zone, zone):
    from scipy.stats import ks_2samp

    time_zone(zone)
    anki = in_anki(tmp_path, zone, reviews=60)
    scheduler = Scheduler(Settings())
    steps = {"again": 60, "hard": 330, "good": 600, "relearn": 600}
    figures = {}
    for name, step in steps.items():
        span = min(step // 4, 300)
        theirs = [d - step for d in anki["steps"][name]]
        rating = {"again": Rating.AGAIN, "hard": Rating.HARD, "good": Rating.GOOD, "relearn": Rating.AGAIN}[name]
        memory = reviewed() if name == "relearn" else Memory()
        ours = [
            int((scheduler.answer(memory, rating, NOW, f"c/n{n}/card").due - NOW).total_seconds()) - step  # type: ignore[operator]
            for n in range(2000)
        ]
        assert len(theirs) >= 20
        assert 0 <= min(theirs) and max(theirs) <= span - 1, (name, theirs)
        assert 0 <= min(ours) and max(ours) <= span - 1, (name, min(ours), max(ours))
        assert min(ours) == 0 and max(ours) == span - 1  # the whole range is used
        p = float(ks_2samp(ours, theirs).pvalue)
        assert p > 0.001, (name, sorted(theirs))
        figures[name] = {"step": step, "extra": [0, span - 1], "anki": [min(theirs), max(theirs)], "p": round(p, 3)}
    print(json.dumps({"zone": zone, **figures}))


def test_the_settings_are_in_config_toml_with_ankis_defaults(tmp_path):
    from srscards.scheduling.config import ConfigError, load_settings, save_settings

    assert load_settings(tmp_path) == Settings()
    defaults = Settings()
    assert defaults.load_balancer and defaults.learning_fuzz and defaults.easy_days == (1.0,) * 7
    changed = Settings(load_balancer=False, learning_fuzz=False, easy_days=(1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0))
    text = save_settings(tmp_path, changed).read_text()
    assert "load_balancer = false\nlearning_fuzz = false\neasy_days = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0]\n" in text
    assert load_settings(tmp_path) == changed
    (tmp_path / "config.toml").write_text("[review]\neasy_days = [1, 1, 1]\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'config.toml'}: easy_days must be 7 numbers from 0 to 1, Monday first (1 normal, 0.5 reduced, "
        "0 minimum), e.g. [1, 1, 1, 1, 1, 0.5, 0] (got [1, 1, 1])"
    )
    (tmp_path / "config.toml").write_text("[review]\nload_balancer = 1\n")
    with pytest.raises(ConfigError, match="load_balancer must be true or false"):
        load_settings(tmp_path)


def test_the_plan_simulation_picks_the_days_the_scheduler_picks():
    """The study plan's array version of the load balancer gives, draw for draw, the scheduler's day."""
    import random

    import numpy as np

    from srscards.study.learner import Learner
    from srscards.study.simulate import Model

    model = Model.of(Scheduler(Settings()), Learner(), ())
    assert model.load_balancer and not Model.of(Scheduler(Settings(load_balancer=False)), Learner(), ()).load_balancer
    rng = random.Random(3)
    today = study_day(NOW, Settings().day_start)
    loads = [
        DueLoad.of(today, ((today + rng.randint(0, 120), "") for _ in range(rng.randint(0, 900)))) for _ in range(3)
    ]
    table = np.array([load.counts for load in loads])
    cases = [(rng.uniform(0.5, 130.0), rng.randint(1, 95), rng.random(), rng.randrange(3)) for _ in range(5000)]
    ours = [fuzzed_interval(i, m, 36500, d, loads[r]) for i, m, d, r in cases]
    arrays = [np.array([c[k] for c in cases]) for k in range(4)]
    theirs = model.days(arrays[0], arrays[1].astype(np.int64), arrays[2], (table, arrays[3].astype(np.int64)))
    assert theirs.tolist() == ours
    plain = [fuzzed_interval(i, m, 36500, d) for i, m, d, _ in cases]
    assert sum(a != b for a, b in zip(ours, plain, strict=True)) > 1000  # the load really moved many days


# -- in a review session, on a real store ---------------------------------------------------------------


def home_with_review_cards(course, tmp_path, count: int, due_day) -> tuple:
    """A store of `count` one-card notes, each a review card due on the study day `due_day(n, today)`;
    returns the home folder, today and the settings."""
    from srscards.scheduling.scheduler import day_begins
    from srscards.store.store import Store
    from srscards.study.review import ReviewSession

    notes = "\n".join(f"### Question {i}\n<!-- id: q-{i} -->\n\nAnswer {i}.\n" for i in range(count))
    course.write("d1.md", f"---\ntitle: Many\ndomain: 1\ntasks: [1.1]\n---\n\n{notes}")
    home = tmp_path / "home"
    ReviewSession.start(course.root, home, clock=lambda: NOW).close()
    settings = Settings()
    today = study_day(NOW, settings.day_start)
    with Store.open(home) as store:
        cards = sorted(store.cards(store.course_ids()), key=lambda c: c.key)
        for n, card in enumerate(cards):
            due = day_begins(due_day(n, today), settings.day_start)
            after = Memory(State.REVIEW, None, 3.2, 5.0, due, NOW - timedelta(days=3))
            assert store.record_answer(card, after, Rating.GOOD, NOW - timedelta(days=3), 5000) is not None
    return home, today, settings


def test_a_review_session_balances_by_the_stores_load_read_once(course, tmp_path, utc):
    """The session reads the cards due on each coming day in one query, gives each answer the day the
    scheduler picks with that load, shows that day on the key, and keeps its load equal to the store's."""
    from srscards.study.review import ReviewSession

    # 30 due today, 50 spread over 13 days
    home, today, settings = home_with_review_cards(
        course, tmp_path, 80, lambda n, today: today if n < 30 else today + 1 + (n * 7) % 13
    )
    session = ReviewSession.start(course.root, home, clock=lambda: NOW)
    queries: list[str] = []
    try:
        expected = session.store.due_load(today, settings.day_start)
        session.store._conn.set_trace_callback(
            lambda sql: queries.append(sql) if "INDEXED BY cards_due" in sql else None
        )
        assert expected.counts[1:14] == [sum(1 for n in range(30, 80) if 1 + (n * 7) % 13 == k) for k in range(1, 14)]
        answered = 0
        while (shown := session.next()) is not None:
            card = shown.card
            note = f"{card.course}/{card.note}"
            want = session.scheduler.answer(card.memory, Rating.GOOD, NOW, card.key, load=expected, note=note)
            done = session.answer(Rating.GOOD)
            assert done.after.due == want.due, card.key
            gap = session.scheduler.interval(done.after, NOW)
            assert shown.intervals[Rating.GOOD] == gap  # the key showed the day it gave
            expected.add(study_day(done.after.due, settings.day_start), note)  # type: ignore[arg-type]
            answered += 1
        assert answered == 30
        due_queries = [q for q in queries if "GROUP BY due" in q]
        assert len(due_queries) == 1  # the load was read once, then kept up to date
        fresh = session.store.due_load(today, settings.day_start)
        assert session.due_load() is not None and session.due_load().counts[1:] == fresh.counts[1:]  # type: ignore[union-attr]
        assert fresh.counts[1:] == expected.counts[1:]
        with_notes = session.store.due_load(today, settings.day_start, notes=True)
        assert with_notes.counts == fresh.counts and fresh.notes == {}
        assert sum(len(days) for days in with_notes.notes.values()) == 80  # each card once, on its day
    finally:
        session.close()


def test_the_plan_simulation_gives_the_schedulers_hard_good_and_easy_under_load():
    """After a passed review, the simulation's day for the rating given equals the scheduler's, with the load."""
    import random

    import numpy as np

    from srscards.study.learner import Learner
    from srscards.study.simulate import Model

    scheduler = Scheduler(Settings())
    model = Model.of(scheduler, Learner(), ())
    rng = random.Random(11)
    load = the_load()
    table = np.array([load.counts])
    cases = []
    for _ in range(400):
        memory = replace(reviewed(), stability=rng.uniform(1.0, 40.0), difficulty=rng.uniform(2.0, 9.0))
        previous, rating, draw = rng.randint(1, 30), Rating(rng.randint(2, 4)), rng.random()
        stabilities = []
        for r in (Rating.HARD, Rating.GOOD, Rating.EASY):
            stabilities.append(scheduler.answer(memory, r, NOW, "k", previous=previous).stability)
        cases.append((memory, previous, rating, draw, stabilities))
    arrays = [np.array([c[4][k] for c in cases]) for k in range(3)]
    got = model.passed_review_days(
        arrays,
        np.array([c[1] for c in cases]),
        np.array([int(c[2]) for c in cases]),
        np.array([c[3] for c in cases]),
        (table, np.zeros(len(cases), dtype=np.int64)),
    )
    for (memory, previous, rating, draw, stabilities), days in zip(cases, got.tolist(), strict=True):
        lower, upper = scheduler.interval_bounds(memory, rating, NOW, previous)  # type: ignore[misc]
        assert lower <= days <= upper
        # the scheduler's rule for a passed review (Scheduler._review_days), with the same draw and load
        expected = 0
        for r, stability in zip((Rating.HARD, Rating.GOOD, Rating.EASY), stabilities, strict=True):
            raw = scheduler.raw_interval(stability)
            if math.floor(raw + 0.5) > previous:
                floor = previous + 1
            else:
                floor = previous if fuzz_bounds(raw, 1, 36500)[1] >= previous else 0
            expected = fuzzed_interval(raw, max(floor, expected + 1), 36500, draw, load)
            if r is rating:
                break
        assert days == expected


def test_suspended_and_buried_cards_count_in_the_load_as_in_anki(course, tmp_path, utc):
    """Anki's load balancer counts every card whose due day falls in its window, suspended ones too."""
    from srscards.store.store import Store

    # three cards on each of two days
    home, today, settings = home_with_review_cards(course, tmp_path, 6, lambda n, today: today + 2 + n % 2)
    with Store.open(home) as store:
        cards = sorted(store.cards(store.course_ids()), key=lambda c: c.key)
        before = store.due_load(today, settings.day_start)
        assert before.counts[2:4] == [3, 3]
        store.set_suspended(cards[0].id, True)
        store.set_suspended(cards[1].id, True)
        after_suspending = store.due_load(today, settings.day_start)
        assert after_suspending.counts == before.counts
        with_notes = store.due_load(today, settings.day_start, notes=True)
        assert with_notes.counts == before.counts
