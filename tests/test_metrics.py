"""Metrics on a hand-built review log whose answers are known: every figure checked by hand."""

from __future__ import annotations

import math
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deck_fixture import demo_deck
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State, review_day, study_day, to_ms
from srscards.store.records import ImportedAnswer, StoredCard
from srscards.store.store import Store
from srscards.study.metrics import DayIndex, PassTally, calibration, compute_stats, r_matrix_bin
from srscards.study.workspace import sync_sources

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
D1 = demo_deck(
    """\
### Learning card
<!-- id: lrn-1 -->

Still in its steps.
""",
    title="Data",
)
D2 = """\
---
title: Models
domain: 2
tasks: [2.3]
---

### What does recall measure?
<!-- id: rec-1 -->

The share of real positives that the model finds.

### Removed later
<!-- id: old-1 -->

Gone.
"""
DECAY = -0.1542  # FSRS-6 default w20
FACTOR = 0.9 ** (1 / DECAY) - 1


def R(days: float, stability: float) -> float:  # noqa: N802 - the curve's usual name
    return (1 + FACTOR * days / stability) ** DECAY


pytestmark = pytest.mark.usefixtures("utc")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Log:
    """Writes answers with hand-chosen states after each one, so every figure is known."""

    def __init__(self, store: Store, course: str) -> None:
        self.store = store
        self.cards = {f"{c.note}/{c.variant}": c for c in store.cards([course])}

    def answer(
        self, key: str, when: str, rating: int, state: State, stability: float, due: str, ms: int = 10_000
    ) -> int:
        card = self.cards[key]
        m = card.memory
        after = Memory(state, None, stability, 5.0, at(due), at(when), m.reps + 1, m.lapses)
        review = self.store.record_answer(card, after, Rating(rating), at(when), ms)
        assert review is not None
        self.cards[key] = StoredCard(**{**card.__dict__, "memory": after})
        return review


def build(course, home: Path) -> tuple[Store, list[str]]:
    course.write("d1.md", D1)
    course.write("d2.md", D2)
    store = Store.open(home)
    sync_sources(store, course.root, at("2026-09-01T10:00"))
    (course.path / "d2.md").write_text(D2.split("### Removed")[0])
    courses, _ = sync_sources(store, course.root, at("2026-09-02T10:00"))
    log = Log(store, courses[0])
    R_, L, RL = State.REVIEW, State.LEARNING, State.RELEARNING
    log.answer("fmt-1/card", "2026-11-01T10:00", 3, L, 2, "2026-11-01T10:10")
    log.answer("fmt-1/card", "2026-11-01T10:10", 3, R_, 3, "2026-11-04T04:00")
    log.answer("fmt-1/card", "2026-11-04T09:00", 3, R_, 25, "2026-11-29T04:00")
    log.answer("fmt-1/card", "2026-11-27T08:00", 1, RL, 5, "2026-11-27T08:10")
    log.answer("fmt-1/card", "2026-11-27T08:10", 3, R_, 6, "2026-12-03T04:00")
    log.answer("clz-1/c1", "2026-11-20T10:00", 3, R_, 4, "2026-11-24T04:00")
    log.answer("clz-1/c1", "2026-11-25T10:00", 2, R_, 8, "2026-12-03T04:00")
    log.answer("clz-1/c1", "2026-11-26T03:00", 1, RL, 2, "2026-11-26T03:10")  # before 04:00: still Nov 25
    log.answer("clz-1/c1", "2026-11-26T05:00", 3, R_, 40, "2027-01-05T04:00")
    log.answer("rec-1/card", "2026-10-01T10:00", 4, R_, 15, "2026-10-16T04:00", ms=120_000)
    log.answer("rec-1/card", "2026-10-20T10:00", 3, R_, 60, "2026-12-19T04:00")
    undone = log.answer("rec-1/card", "2026-11-27T09:00", 1, RL, 3, "2026-11-27T09:10")
    assert store.undo(undone, at("2026-11-27T09:01")) is not None
    log.answer("lrn-1/card", "2026-11-27T09:30", 1, L, 1, "2026-11-27T09:31")
    store.set_suspended(log.cards["clz-1/c2"].id)
    return store, courses


def test_every_figure_of_a_known_log(course, tmp_path):
    store, courses = build(course, tmp_path / "home")
    stats = compute_stats(store, Scheduler(Settings(fuzz=False)), courses, NOW, evaluate=True)
    store.close()
    got = stats.to_json()

    def tally(passed: int, total: int) -> dict[str, object]:
        return {"passed": passed, "total": total, "rate": passed / total if total else None}

    # as Anki's stats screen: answers to review cards (and learning steps of a day or more);
    # the 03:00 Again on Nov 26 counts (a review card), the relearning steps after Agains do not
    assert got["retention"] == {
        "today": {"all": tally(0, 1), "young": tally(0, 0), "mature": tally(0, 1)},
        "7 days": {"all": tally(1, 3), "young": tally(1, 2), "mature": tally(0, 1)},
        "30 days": {"all": tally(2, 4), "young": tally(2, 3), "mature": tally(0, 1)},
        "all time": {"all": tally(3, 5), "young": tally(3, 4), "mature": tally(0, 1)},
    }
    assert got["retention_by_domain"] == [
        {"domain": 1, "all": tally(2, 4), "young": tally(2, 3), "mature": tally(0, 1)},
        {"domain": 2, "all": tally(1, 1), "young": tally(1, 1), "mature": tally(0, 0)},
    ]
    assert [(t["task"], t["all"]) for t in got["retention_by_task"]] == [("1.1", tally(2, 4)), ("2.3", tally(1, 1))]
    by_day = {d["day"]: (d["passed"], d["total"]) for d in got["retention_by_day"] if d["total"]}
    assert by_day == {"2026-11-04": (1, 1), "2026-11-25": (1, 2), "2026-11-27": (0, 1)}
    assert len(got["retention_by_day"]) == 30 and got["retention_by_day"][-1]["day"] == "2026-11-27"

    # 30 days from now is study day Dec 27: fmt-1 last answered Nov 27 (S 6), clz-1/c1 Nov 26 (S 40),
    # rec-1 Oct 20 (S 60), lrn-1 Nov 27 (S 1).
    d1 = [R(30, 6), R(31, 40), R(30, 1)]
    d2 = [R(68, 60)]
    recall = got["recall_30_days"]
    assert recall["studied"] == 4 and recall["stable_share"] == 0.5 and recall["meets_goal"] is False
    assert recall["mean_recall"] == pytest.approx(sum(d1 + d2) / 4, abs=1e-12)
    domains = got["recall_30_days_by_domain"]
    assert domains[0]["domain"] == 1 and domains[0]["mean_recall"] == pytest.approx(sum(d1) / 3, abs=1e-12)
    assert domains[0]["stable_share"] == pytest.approx(1 / 3)
    assert domains[1] == {
        "domain": 2,
        "studied": 1,
        "mean_recall": pytest.approx(R(68, 60), abs=1e-12),
        "stable_share": 1.0,
        "goal_share": 0.0,  # stable for 60 days, but last seen 38 days ago: 68 days by then
        "goal": 0.9,
        "meets_goal": False,
    }
    # the goal per card: recall 30 days from now of 90% or more
    assert recall["goal_share"] == sum(p >= 0.9 for p in d1 + d2) / 4 == 0.25  # only clz-1/c1 (S 40)
    tasks = {t["task"]: t for t in got["recall_30_days_by_task"]}
    assert tasks["1.1"]["mean_recall"] == pytest.approx(sum(d1) / 3)
    assert tasks["1.1"]["goal_share"] == pytest.approx(1 / 3)
    assert tasks["2.3"]["goal_share"] == 0.0

    assert got["cards_by_state"] == {"new": 0, "learning": 1, "review": 3, "suspended": 1, "retired": 1}
    assert got["cards_by_state_by_domain"] == [
        {"domain": 1, "new": 0, "learning": 1, "review": 2, "suspended": 1, "retired": 0},
        {"domain": 2, "new": 0, "learning": 0, "review": 1, "suspended": 0, "retired": 1},
    ]
    assert [c["task"] for c in got["cards_by_state_by_task"]] == ["1.1", "2.3"]

    per_answer = (11 * 10_000 + 60_000) / 12 / 60_000  # the 120 s answer counts as 60 s
    forecast = got["forecast"]
    assert len(forecast) == 30 and forecast[0]["day"] == "2026-11-27"
    assert {f["day"]: f["cards"] for f in forecast if f["cards"]} == {"2026-11-27": 1, "2026-12-03": 1, "2026-12-19": 1}
    assert forecast[0]["minutes"] == round(per_answer, 1)
    assert stats.forecast[6].minutes == pytest.approx(per_answer)

    # calibration: five answers on a later day, in fsrs-rs's bins (elapsed, length, lapses)
    samples = {
        (248, 4, 0): [(R(3, 3), 1), (R(1, 2), 1)],
        (3250, 4, 0): [(R(23, 25), 0), (R(19, 15), 1)],
        (898, 4, 0): [(R(5, 4), 1)],
    }
    flat = [s for group in samples.values() for s in group]
    loss = -sum(math.log(p) if y else math.log(1 - p) for p, y in flat) / 5
    rmse = math.sqrt(
        sum((sum(p for p, _ in g) / len(g) - sum(y for _, y in g) / len(g)) ** 2 * len(g) for g in samples.values()) / 5
    )
    assert got["calibration"] == {"reviews": 5, "log_loss": pytest.approx(loss), "rmse_bins": pytest.approx(rmse)}
    # as Anki's Evaluate: fsrs-rs over the items Anki builds (one per answer on a later day, each with
    # the card's answers so far), in the time order of their last answer
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

    def item(*reviews: tuple[int, int]) -> FSRSItem:
        return FSRSItem([FSRSReview(rating, delta) for rating, delta in reviews])

    items = [
        item((4, 0), (3, 19)),  # rec-1, Oct 20
        item((3, 0), (3, 0), (3, 3)),  # fmt-1, Nov 4
        item((3, 0), (2, 5)),  # clz-1/c1, Nov 25
        item((3, 0), (2, 5), (1, 0), (3, 1)),  # clz-1/c1, Nov 26 05:00 (the 03:00 Again is on Nov 25)
        item((3, 0), (3, 0), (3, 3), (1, 23)),  # fmt-1, Nov 27
    ]
    anki = FSRS(DEFAULT_PARAMETERS).evaluate(items)
    assert got["calibration_anki_evaluate"] == {
        "reviews": 5,
        "log_loss": pytest.approx(anki.log_loss),
        "rmse_bins": pytest.approx(anki.rmse_bins),
    }

    assert got["streak"] == 3  # Nov 25, 26 and 27 (the 03:00 answer belongs to Nov 25)
    assert got["days_studied"] == 8
    assert got["reviews"] == 12  # the undone answer is not counted
    assert got["minutes_studied"] == round(170 / 60, 1)  # the 120 s answer counts 60 s, as in Anki


def test_an_empty_store_has_no_rates_and_no_streak(tmp_path):
    with Store.open(tmp_path / "home") as store:
        stats = compute_stats(store, Scheduler(Settings()), [], NOW)
    assert stats.periods["all time"].all.rate is None
    assert stats.calibration.log_loss is None and stats.streak == 0 and stats.recall.mean_recall is None
    assert [f.cards for f in stats.forecast] == [0] * 30


def test_the_streak_survives_until_the_day_ends(course, tmp_path):
    store, courses = build(course, tmp_path / "home")
    # Nov 28 before anything is answered: yesterday's streak still stands
    stats = compute_stats(store, Scheduler(Settings()), courses, at("2026-11-28T12:00"))
    assert stats.streak == 3
    stats = compute_stats(store, Scheduler(Settings()), courses, at("2026-11-29T12:00"))
    store.close()
    assert stats.streak == 0


def test_r_matrix_bins_are_fsrs_rs_bins():
    assert r_matrix_bin(1, 2, 0) == (248, 4, 0)
    assert r_matrix_bin(4, 4, 1) == (898, 7, 2)
    assert r_matrix_bin(100, 10, 5) == (11765, 13, 5)  # 2.48*3.62**3, 1.99*1.89**3, 1.65*1.73**2


def test_calibration_of_perfect_and_hopeless_predictions():
    sure = calibration([(0.999999, True, (1, 1, 0))] * 4)
    assert sure.log_loss == pytest.approx(1e-6, rel=1e-3) and sure.rmse_bins == pytest.approx(1e-6, rel=1e-3)
    half = calibration([(0.5, True, (1, 1, 0)), (0.5, False, (1, 1, 0))])
    assert half.log_loss == pytest.approx(math.log(2)) and half.rmse_bins == 0


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_day_index_agrees_with_the_scheduler_day_rule(time_zone, zone):
    time_zone(zone)
    settings = Settings()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=300)
    index = DayIndex(to_ms(start) or 0, to_ms(end) or 0, settings.day_start, end)
    for day in range(index.first + 1, index.first + 290, 7):
        begins = index.begins[day - index.first]
        for delta in (-1001, -1000, -1, 0, 1, 999, 1000, 1001, 3_600_000):
            ms = begins + delta
            moment = datetime.fromtimestamp(ms / 1000, UTC)
            assert index.study_day(ms) == study_day(moment, settings.day_start), (zone, day, delta)
            assert index.review_day(ms) == review_day(moment, settings.day_start, end), (zone, day, delta)
    assert os.environ["TZ"] == zone


def test_recall_is_the_scheduler_retrievability():
    scheduler = Scheduler(Settings())
    memory = Memory(State.REVIEW, None, 7.5, 5.0, at("2026-11-30T04:00"), at("2026-11-20T10:00"), 3, 0)
    assert scheduler.recall(7.5, 12) == pytest.approx(scheduler.retrievability(memory, at("2026-12-02T10:00")))
    assert scheduler.recall(7.5, 12) == pytest.approx(R(12, 7.5))


def test_answers_imported_later_count_in_time_order(course, tmp_path):
    store, courses = build(course, tmp_path / "home")
    rec = next(c for c in store.cards(courses) if c.note == "rec-1")
    before = Memory(State.REVIEW, None, 15, 5.0, at("2026-10-16T04:00"), at("2026-10-01T10:00"), 1, 0)
    after = Memory(State.RELEARNING, None, 3, 6.0, at("2026-10-10T10:10"), at("2026-10-10T10:00"), 2, 1)
    answer = ImportedAnswer(1_791_000_000_000, rec.id, at("2026-10-10T10:00"), Rating.AGAIN, 9000, before, after)
    assert store.record_imported([answer], {}) == 1
    assert store.record_imported([answer], {}) == 0  # keyed by the Anki revlog id
    stats = compute_stats(store, Scheduler(Settings()), courses, NOW)
    store.close()
    assert stats.periods["all time"].all == PassTally(3, 6) and stats.by_domain[2].young == PassTally(1, 2)
    # the Oct 20 answer, written before the import, comes after the Oct 10 lapse: lapse bin 2
    samples = {
        (248, 4, 0): [(R(3, 3), 1), (R(1, 2), 1)],
        (3250, 4, 0): [(R(23, 25), 0)],
        (898, 4, 0): [(R(5, 4), 1), (R(9, 15), 0)],
        (3250, 4, 2): [(R(19, 15), 1)],
    }
    rmse = math.sqrt(
        sum((sum(p for p, _ in g) / len(g) - sum(y for _, y in g) / len(g)) ** 2 * len(g) for g in samples.values()) / 6
    )
    assert stats.calibration.reviews == 6 and stats.calibration.rmse_bins == pytest.approx(rmse)
