"""Anki's own scheduler, driven under a controlled clock, and srscards agree on every card's memory.

A deck exported by srscards is studied in the real `anki` package for fifteen months of local
days (tests/anki_study.py, run inside libfaketime): sessions just before, at and after the 04:00
day start, late evenings, long breaks, undo, Forget, set-due-date and cram answers, across the
daylight-saving changes of each zone (Lord Howe shifts by half an hour). srscards imports the
collection as of the same moment, and every card's stability and difficulty must equal Anki's
`compute_memory_state` within 1e-4 relative.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import CourseDir
from srscards.model.anki_ids import note_guid
from srscards.outputs.build import build_decks
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State
from srscards.store.store import Store
from srscards.study.anki_history import anki_ordinal, import_history
from srscards.study.metrics import compute_stats

ZONES = ("UTC", "America/New_York", "Australia/Lord_Howe")
FAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), Path("libfaketime.so.1"))
DRIVER = Path(__file__).with_name("anki_study.py")
NOTES = 40


def studied_in_anki(root: Path, zone: str, seed: int) -> tuple[Path, Path, dict]:  # type: ignore[type-arg]
    """Build the package, study it in Anki under a fake clock in `zone`; the decks, collection and Anki's figures."""
    assert FAKETIME.is_file(), f"{FAKETIME} is missing: install libfaketime (apt-get install faketime)"
    course = CourseDir(root / "decks")
    notes = "\n".join(f"### Question {i}\n<!-- id: q-{i} -->\n\nAnswer {i}.\n" for i in range(NOTES))
    course.write("d1.md", f"---\ntitle: Many\ndomain: 1\ntasks: [1.1]\n---\n\n{notes}")
    (build,) = build_decks(course.root, root / "exports", now=1_790_000_000.0)
    clock = root / "clock"
    clock.write_text("2025-01-06 12:00:00\n")
    collection, out = root / "collection.anki2", root / "anki.json"
    env = {
        **os.environ,
        "TZ": zone,
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(clock),
        "FAKETIME_NO_CACHE": "1",
    }
    subprocess.run(
        [sys.executable, str(DRIVER), str(build.path), str(collection), str(out), str(seed)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return course.root, collection, json.loads(out.read_text())


@pytest.fixture
def zone_tz(request: pytest.FixtureRequest, time_zone) -> str:  # type: ignore[no-untyped-def]
    time_zone(request.param)
    return request.param


_RUNS: dict[str, tuple[Path, Path, dict, Path]] = {}  # type: ignore[type-arg]


def imported(tmp_path_factory: pytest.TempPathFactory, zone: str) -> tuple[Path, Path, dict, Path]:  # type: ignore[type-arg]
    """One Anki study run per zone, imported into a fresh store (shared by the tests of this module)."""
    if zone not in _RUNS:
        root = tmp_path_factory.mktemp(zone.replace("/", "-"))
        decks, collection, anki = studied_in_anki(root, zone, seed=7)
        _RUNS[zone] = (decks, collection, anki, root / "home")
    return _RUNS[zone]


def relative(a: float, b: float) -> float:
    return abs(a / b - 1)


@pytest.mark.parametrize("zone_tz", ZONES, indirect=True)
def test_imported_memory_equals_ankis_in_every_time_zone(tmp_path_factory, zone_tz):
    decks, collection, anki, _ = imported(tmp_path_factory, zone_tz)
    home = tmp_path_factory.mktemp("home")  # a store of its own, empty whatever ran before
    now = datetime.fromtimestamp(anki["now"], UTC)
    result = import_history(collection, home, Settings(), now, decks=decks)
    assert result.synced_courses == ("aws-mla",)
    # the histories hold every kind of event the test is about
    kinds = anki["kinds"]
    assert kinds["reset"] >= 3 and kinds["set due date"] >= 3 and kinds["cram answer"] >= 10, kinds
    assert kinds["undo"] >= 3 and kinds["long break"] >= 1, kinds
    assert min(kinds[f"session {t}"] for t in ("03:59", "04:00", "04:01", "23:55")) >= 10, kinds
    assert result.resets == kinds["reset"] and result.cram == kinds["cram answer"]
    with Store.open(home) as store:
        cards = store.cards(store.course_ids())
    assert len(cards) == NOTES
    diffs: list[float] = []
    for card in cards:
        theirs = anki["cards"][f"{note_guid(card.course, card.note)} {anki_ordinal(card)}"]
        mine = card.memory
        if theirs["stability"] is None:
            assert mine.stability is None, (card.key, mine)
            continue
        assert mine.stability is not None and mine.difficulty is not None, (card.key, theirs)
        assert mine.stability == pytest.approx(theirs["stability"], rel=1e-4), card.key
        assert mine.difficulty == pytest.approx(theirs["difficulty"], rel=1e-4), card.key
        diffs += [relative(mine.stability, theirs["stability"]), relative(mine.difficulty, theirs["difficulty"])]
    assert len(diffs) >= NOTES  # most cards have a memory state to compare
    figures = {"zone": zone_tz, "max": max(diffs), "median": statistics.median(diffs), "cards": len(diffs) // 2}
    print(json.dumps(figures))


@pytest.mark.parametrize("zone_tz", ZONES, indirect=True)
def test_every_interval_anki_offers_is_inside_the_range_srscards_gives(tmp_path_factory, zone_tz):
    """For each review card Anki showed, its Hard, Good and Easy intervals (fuzzed, as Anki draws them) lie in
    srscards's fuzz range for the same memory, moment and previous interval; where the range is one day
    (fuzz off or too short to fuzz) they are equal; and srscards's own intervals keep Hard < Good < Easy."""
    _, _, anki, _ = imported(tmp_path_factory, zone_tz)
    scheduler, plain = Scheduler(Settings()), Scheduler(Settings(fuzz=False))
    checked, one_day = 0, 0
    for offer in anki["offered"]:
        now = datetime.fromtimestamp(offer["now"], UTC)
        last = datetime.fromtimestamp(offer["last_review"], UTC)
        memory = Memory(State.REVIEW, None, offer["stability"], offer["difficulty"], None, last, 5, 0)
        unfuzzed = []
        for rating, name in ((Rating.HARD, "hard"), (Rating.GOOD, "good"), (Rating.EASY, "easy")):
            bounds = scheduler.interval_bounds(memory, rating, now, offer["ivl"])
            assert bounds is not None
            assert bounds[0] <= offer[name] <= bounds[1], (name, offer, bounds)
            checked += 1
            one_day += bounds[0] == bounds[1]
            after = plain.answer(memory, rating, now, "k", previous=offer["ivl"])
            unfuzzed.append(plain.interval(after, now).days)
        assert unfuzzed[0] < unfuzzed[1] < unfuzzed[2], (offer, unfuzzed)
        assert offer["hard"] < offer["good"] < offer["easy"], offer
    assert checked >= 300 and one_day >= 10, (checked, one_day)
    print(json.dumps({"zone": zone_tz, "intervals": checked, "one-day ranges": one_day}))


@pytest.mark.parametrize("zone_tz", ZONES, indirect=True)
def test_true_retention_equals_ankis_stats_screen(tmp_path_factory, zone_tz):
    decks, collection, anki, home = imported(tmp_path_factory, zone_tz)
    now = datetime.fromtimestamp(anki["now"], UTC)
    if not (home / "review.sqlite3").exists():
        import_history(collection, home, Settings(), now, decks=decks)
    with Store.open(home) as store:
        stats = compute_stats(store, Scheduler(Settings()), store.course_ids(), now, evaluate=True)
    figures = {}
    for period, name in (("today", "today"), ("week", "7 days"), ("month", "30 days"), ("all_time", "all time")):
        theirs, mine = anki["true_retention"][period], stats.periods[name]
        for group in ("young", "mature"):
            passed, failed = theirs[group]
            tally = getattr(mine, group)
            assert (tally.passed, tally.total) == (passed, passed + failed), (period, group)
        total = sum(sum(theirs[g]) for g in ("young", "mature"))
        rate = sum(theirs[g][0] for g in ("young", "mature")) / total if total else None
        assert mine.all.rate == pytest.approx(rate, abs=1e-3) if rate is not None else mine.all.rate is None
        figures[name] = (mine.all.passed, mine.all.total)
    assert figures["all time"][1] >= 300 and figures["30 days"][1] >= 1, figures
    # calibration as Anki's Evaluate equals the Evaluate of Anki itself (default parameters in force)
    assert stats.evaluate.log_loss == pytest.approx(anki["evaluate"]["log_loss"], rel=1e-4)
    assert stats.evaluate.rmse_bins == pytest.approx(anki["evaluate"]["rmse_bins"], rel=1e-4)
    print(json.dumps({"zone": zone_tz, "true retention": figures, "evaluate": anki["evaluate"]}))
