"""Scheduling: known intervals with fuzz off, repeatable fuzz, day boundaries in local time, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from srscards.scheduling.config import ConfigError, load_settings, parse_steps
from srscards.scheduling.scheduler import (
    Memory,
    Rating,
    Scheduler,
    Settings,
    State,
    day_begins,
    format_interval,
    study_day,
)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def test_known_intervals_with_fuzz_off(time_zone):
    """Anki's defaults: steps 1m 10m, relearning 10m, desired retention 0.90."""
    time_zone("UTC")
    scheduler = Scheduler(Settings(fuzz=False))
    memory, at = Memory(), NOW
    shown = []
    for rating in (Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.GOOD):
        shown.append([format_interval(span) for span in scheduler.preview(memory, at).values()])
        memory = scheduler.answer(memory, rating, at)
        assert memory.due is not None
        at = memory.due + (timedelta(hours=5) if memory.state is State.REVIEW else timedelta())  # 09:00 on the day
    assert shown == [
        ["1m", "6m", "10m", "8d"],
        ["1m", "10m", "2d", "4d"],
        ["10m", "8d", "11d", "19d"],
        ["10m", "1.1mo", "1.5mo", "2.6mo"],
        ["10m", "3.9mo", "5.4mo", "8.8mo"],
        ["10m", "15m", "3d", "5d"],
        ["10m", "6d", "8d", "12d"],
    ]
    assert (memory.state, memory.reps, memory.lapses) == (State.REVIEW, 7, 1)
    assert memory.due == datetime(2027, 2, 5, 4, 0, tzinfo=UTC)  # review cards fall due when a study day begins


def test_fuzz_is_repeatable_with_a_seed_and_spreads_due_dates():
    memory = Memory(State.REVIEW, None, 30.0, 5.0, NOW, NOW - timedelta(days=30), 3, 0)
    plain = Scheduler(Settings(fuzz=False)).answer(memory, Rating.GOOD, NOW, "c/n/card").due
    one = Scheduler(Settings(), seed=1)
    dues = {one.answer(memory, Rating.GOOD, NOW, "c/n/card").due for _ in range(5)}
    assert len(dues) == 1  # same seed, same card, same answer: same due date
    spread = {Scheduler(Settings(), seed=s).answer(memory, Rating.GOOD, NOW, "c/n/card").due for s in range(40)}
    assert len(spread) > 3
    assert all(abs((d - plain).days) <= 10 for d in spread)  # type: ignore[operator]


def test_the_study_day_starts_at_day_start_local_time(time_zone):
    time_zone("America/New_York")
    four = Settings().day_start
    late_evening = datetime(2026, 6, 1, 23, 30).astimezone()  # local time
    small_hours = late_evening + timedelta(hours=4)  # 03:30 next morning: still the same study day
    morning = late_evening + timedelta(hours=5)  # 04:30: the next study day
    assert study_day(late_evening, four) == study_day(small_hours, four)
    assert study_day(morning, four) == study_day(late_evening, four) + 1
    day = study_day(morning, four)
    assert day_begins(day, four) == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 04:00 EDT


def test_daylight_saving_changes_keep_the_day_start_at_local_time(time_zone):
    time_zone("Europe/Berlin")
    four = Settings().day_start
    before = study_day(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), four)  # Saturday, CET
    # the clocks go forward on Sunday 29 March: that study day is 23 hours long
    assert day_begins(before + 1, four) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 CEST
    assert day_begins(before + 1, four) - day_begins(before, four) == timedelta(hours=23)
    scheduler = Scheduler(Settings(fuzz=False))
    memory = Memory(State.REVIEW, None, 3.0, 5.0, None, datetime(2026, 3, 27, 12, tzinfo=UTC), 2, 0)
    after = scheduler.answer(memory, Rating.GOOD, datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert after.due is not None and after.due.astimezone().hour == 4  # still 04:00 local after the change


def test_a_time_zone_move_keeps_the_due_date(time_zone):
    """Times are stored in UTC; after a move from Berlin to Tokyo a card falls due on the same date."""
    time_zone("Europe/Berlin")
    four = Settings().day_start
    after = Scheduler(Settings(fuzz=False)).answer(Memory(), Rating.EASY, datetime(2026, 11, 2, 9, tzinfo=UTC))
    assert after.due is not None
    due_in_berlin = study_day(after.due, four)
    time_zone("Asia/Tokyo")
    assert study_day(after.due, four) == due_in_berlin
    assert after.due.astimezone().hour == 12  # 04:00 in Berlin is noon in Tokyo: due that day, not lost


def test_settings_file_and_its_errors(tmp_path):
    assert load_settings(tmp_path) == Settings()
    (tmp_path / "config.toml").write_text(
        '[review]\ndesired_retention = 0.85\nlearning_steps = ["30s", "5m", "1h"]\nday_start = "06:30"\n'
        "new_per_day = 5\nfuzz = false\n"
    )
    settings = load_settings(tmp_path)
    assert settings.desired_retention == 0.85 and settings.new_per_day == 5 and not settings.fuzz
    assert settings.learning_steps == (timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=1))
    assert (settings.day_start.hour, settings.day_start.minute) == (6, 30)
    (tmp_path / "config.toml").write_text("[review]\nretention = 0.9\n")
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'config.toml'}: unknown setting 'retention'; use one of: bury_new, bury_reviews, day_start, "
        "desired_retention, easy_days, fuzz, learning_fuzz, learning_steps, load_balancer, maximum_interval, "
        "new_per_day, parameters, relearning_steps, reviews_per_day, same_day_questions"
    )
    with pytest.raises(ConfigError, match="'10x' is not a step; write steps like 1m 10m"):
        parse_steps("1m 10x", "--learning-steps")


# Anki's own expectations for its fuzz (rslib/src/scheduler/states/fuzz.rs, `with_review_fuzz`):
# (interval, minimum, maximum) -> the interval at fuzz factors 0.0, 0.5 and 0.99
ANKI_FUZZ_CASES = [
    ((1.0, 1, 1000), (1, 1, 1)),
    ((2.49, 1, 1000), (2, 2, 2)),
    ((2.5, 1, 1000), (2, 3, 4)),
    ((7.0, 1, 1000), (5, 7, 9)),
    ((17.0, 1, 1000), (14, 17, 20)),
    ((37.0, 1, 1000), (33, 37, 41)),
    ((2.0, 2, 1000), (2, 2, 2)),
    ((2.0, 3, 1000), (3, 4, 4)),
    ((2.0, 3, 3), (3, 3, 3)),
    ((6.9, 3, 1000), (5, 7, 9)),
    ((7.1, 3, 1000), (5, 7, 9)),
    ((19.9, 3, 1000), (17, 20, 23)),
    ((20.1, 3, 1000), (17, 20, 23)),
    ((100.0, 101, 1000), (101, 105, 108)),
    ((100.0, 1, 99), (92, 96, 99)),
    ((100.0, 97, 103), (97, 100, 103)),
]


@pytest.mark.parametrize(("args", "expected"), ANKI_FUZZ_CASES)
def test_fuzz_gives_ankis_intervals(args, expected):
    from srscards.scheduling.scheduler import fuzzed_interval

    assert tuple(fuzzed_interval(*args, factor) for factor in (0.0, 0.5, 0.99)) == expected


def test_without_fuzz_the_interval_is_rounded_half_up_and_kept_in_bounds():
    from srscards.scheduling.scheduler import fuzzed_interval

    assert [fuzzed_interval(*args, None) for args in ((1.5, 1, 100), (0.1, 1, 100), (101.0, 1, 100))] == [2, 1, 100]


@given(
    st.floats(0.01, 40000.0),
    st.integers(0, 500),
    st.integers(1, 36500),
    st.floats(0.0, 0.999999),
)
def test_a_fuzzed_interval_stays_inside_ankis_range(interval, minimum, maximum, factor):
    from srscards.scheduling.scheduler import fuzz_bounds, fuzzed_interval

    days = fuzzed_interval(interval, minimum, maximum, factor)
    lower, upper = fuzz_bounds(interval, max(min(minimum, maximum), 1), maximum)
    assert lower <= days <= upper and 1 <= days <= maximum
