"""The scheduler's memory state agrees with Anki's own FSRS on the same review histories."""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State, day_begins, study_day

HISTORIES = 120
REVLOG_TYPE = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}


def make_history(
    rng: random.Random, scheduler: Scheduler, start: datetime, end: datetime, kinds: Counter[str]
) -> list[tuple[datetime, Rating, State]]:
    """A review history with same-day, early, on-time and late answers, all before `end`; counts them in `kinds`."""
    memory = Memory()
    at = start
    history = []
    for _ in range(rng.randint(2, 14)):
        if at >= end:
            break
        rating = Rating(rng.choices([1, 2, 3, 4], weights=[2, 1, 6, 1])[0])
        history.append((at, rating, memory.state))
        memory = scheduler.answer(memory, rating, at)
        assert memory.due is not None
        gap = memory.due - at
        kind = rng.choice(["same-day", "early", "on-time", "late", "late"])
        if gap < timedelta(days=1):
            kind = "same-day"
        kinds[kind] += 1
        if kind == "same-day":
            at += timedelta(minutes=rng.randint(1, 300))
        elif kind == "early":
            at += gap * rng.uniform(0.1, 0.9)
        elif kind == "on-time":
            at = memory.due + timedelta(hours=rng.uniform(0, 20))
        else:
            at = memory.due + gap * rng.uniform(0.2, 3.0)
    return history


@pytest.mark.slow
def test_stability_and_difficulty_match_ankis_fsrs(tmp_path, utc):
    # Both sides count study days in local time: `utc` pins it, so their day boundaries are the same.
    from anki.collection import Collection

    ours = Scheduler(Settings(fuzz=False))
    rng = random.Random(20261127)
    col = Collection(str(tmp_path / "agreement.anki2"))
    try:
        col.set_config("fsrs", True)
        col.set_config("rollover", 4)
        model = col.models.by_name("Basic")
        deck = col.decks.id("Default")
        # histories are placed relative to the start of today, so every run has the same times of day
        now = day_begins(study_day(datetime.now(UTC), Settings().day_start), Settings().day_start)
        cases = []
        kinds: Counter[str] = Counter()
        used_ids: set[int] = set()
        for n in range(HISTORIES):
            # Anki counts days back from the end of today: every review is in the past
            start = now - timedelta(days=rng.randint(30, 1500), minutes=rng.randint(0, 1440))
            history = make_history(rng, ours, start, now - timedelta(days=2), kinds)
            note = col.new_note(model)
            note["Front"], note["Back"] = f"q{n}", "a"
            col.add_note(note, deck)
            card_id = note.cards()[0].id
            for at, rating, state in history:
                revlog_id = int(at.timestamp() * 1000)
                while revlog_id in used_ids:  # revlog ids are unique milliseconds
                    revlog_id += 1
                used_ids.add(revlog_id)
                col.db.execute(
                    "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                    "values (?, ?, -1, ?, 0, 0, 0, 5000, ?)",
                    revlog_id,
                    card_id,
                    int(rating),
                    REVLOG_TYPE[state],
                )
            cases.append((card_id, history))
        worst = 0.0
        for card_id, history in cases:
            memory = ours.replay((at, rating) for at, rating, _ in history)
            anki = col.compute_memory_state(card_id)
            assert anki.stability == pytest.approx(memory.stability, rel=1e-4), history
            assert anki.difficulty == pytest.approx(memory.difficulty, rel=1e-4), history
            worst = max(worst, abs(anki.stability / memory.stability - 1), abs(anki.difficulty / memory.difficulty - 1))
    finally:
        col.close()
    # the histories really hold every kind of gap, and the agreement is float32 rounding, not luck
    assert min(kinds[k] for k in ("same-day", "early", "on-time", "late")) >= 50, kinds
    assert worst < 1e-5


def test_elapsed_days_count_day_boundaries_not_24_hour_spans(utc):
    """With the day starting at 04:00, 23:00 then 05:00 is one day later; 23:00 then 03:00 is the same day."""
    import fsrs

    ours = Scheduler(Settings(fuzz=False))
    plain = fsrs.Scheduler(enable_fuzzing=False)
    evening = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    learned = ours.replay([(evening - timedelta(days=3), Rating.EASY)])
    card = fsrs.Card(
        card_id=1,
        state=fsrs.State.Review,
        stability=learned.stability,
        difficulty=learned.difficulty,
        last_review=evening,
        due=evening,
    )
    one_day, _ = plain.review_card(card, fsrs.Rating.Good, evening + timedelta(days=1))
    same_day, _ = plain.review_card(card, fsrs.Rating.Good, evening + timedelta(hours=1))
    reviewed = Memory(State.REVIEW, None, learned.stability, learned.difficulty, evening, evening, 1, 0)
    next_morning = ours.answer(reviewed, Rating.GOOD, evening + timedelta(hours=6))
    before_day_start = ours.answer(reviewed, Rating.GOOD, evening + timedelta(hours=4))
    assert next_morning.stability == pytest.approx(one_day.stability, rel=1e-12)
    assert before_day_start.stability == pytest.approx(same_day.stability, rel=1e-12)
    assert next_morning.stability != pytest.approx(before_day_start.stability)
    assert os.environ["TZ"] == "UTC"
