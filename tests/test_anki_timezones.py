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
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import CourseDir
from srscards.model.anki_ids import note_guid
from srscards.outputs.build import build_decks
from srscards.scheduling.scheduler import Settings
from srscards.store.store import Store
from srscards.study.anki_history import anki_ordinal, import_history

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
    clock.write_text("@2025-01-06 12:00:00\n")
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
def zone_tz(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def relative(a: float, b: float) -> float:
    return abs(a / b - 1)


@pytest.mark.parametrize("zone_tz", ZONES, indirect=True)
def test_imported_memory_equals_ankis_in_every_time_zone(tmp_path, zone_tz):
    decks, collection, anki = studied_in_anki(tmp_path, zone_tz, seed=7)
    now = datetime.fromtimestamp(anki["now"], UTC)
    home = tmp_path / "home"
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
