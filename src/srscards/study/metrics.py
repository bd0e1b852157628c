"""Where a learner stands: retention, memory at 30 days, coverage, forecast, calibration, streak.

Everything is computed from the store's review log and card states with the scheduler's own
FSRS model (its forgetting curve, `Scheduler.recall`) and its day rule (`review_day` for the
days between answers, `study_day` for due dates). Nothing here prints.

Definitions:

- True retention, as Anki's stats screen counts it: among answers to cards whose interval was
  a day or more (review cards, and learning steps of a day or more), the share that were not
  Again; an answer imported from Anki is judged by its revlog type and the interval Anki had
  given the card. Periods are 24-hour blocks back from the next day start (today, 7, 30 days, all
  time). Young: the review interval before the answer was under 21 days (learning steps count
  as young); mature: 21 days or more.
- Recall 30 days from now: for studied cards (not new, not retired), fsrs's probability of
  recall on the day 30 days from now; the goal is 90%: per group, the mean and the share of
  cards at 90% or more (and, for reference, the share with stability of 30 days or more).
- Calibration, two ways, each labelled: (1) as Anki's Evaluate, fsrs-rs's `evaluate` over the
  training items Anki builds from the log (`optimize.timed_items`); (2) per answer given on a
  later day than the card's previous one, each answer counted once (unweighted, as the
  srs-benchmark computes it): log loss is the mean binary cross-entropy of the predicted recall against
  passed (1) or failed (0). RMSE(bins) groups answers by fsrs-rs's `r_matrix_index`: elapsed
  days `t` go to bin `round(2.48 * 3.62 ** floor(log(t, 3.62)) * 100)`, the number of
  answers on an earlier day so far, this one included, plus one (`n`) to
  `round(1.99 * 1.89 ** floor(log(n, 1.89)))`, and earlier lapses (Again on an earlier day,
  `l`) to 0 or `round(1.65 * 1.73 ** floor(log(l, 1.73)))`; within each bin it compares the
  mean prediction with the mean outcome, and weighs the squared gaps by the bin's size.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from srscards.scheduling.scheduler import DayCount, Scheduler, Settings, State, day_begins, from_ms, study_day, to_ms
from srscards.store.records import LabCompletion, ReviewRow
from srscards.store.store import Store
from srscards.study.optimize import timed_items
from srscards.study.recompute import history_starts
from srscards.study.workspace import open_workspace

GOAL = 0.9
GOAL_DAYS = 30
MATURE_DAYS = 21
FORECAST_DAYS = 30
MAX_ANSWER_MS = 60_000  # Anki's default cap on the time one answer counts for
PERIODS = (("today", 1), ("7 days", 7), ("30 days", 30), ("all time", None))
T = TypeVar("T")


class DayIndex:
    """Study days of many moments at once.

    `study_day(m)` is the calendar rule (`scheduler.study_day`), looked up by bisection, for due
    dates; `review_day(m)` is Anki's day count for answers (`scheduler.DayCount`): whole 24-hour
    blocks back from the day start after `now` (default: after `last_ms`).
    """

    def __init__(self, first_ms: int, last_ms: int, day_start: time, now: datetime | None = None) -> None:
        lo = study_day(from_ms(first_ms), day_start) - 1  # type: ignore[arg-type]
        hi = study_day(from_ms(last_ms), day_start) + 2  # type: ignore[arg-type]
        self.first = lo
        self.begins = [to_ms(day_begins(d, day_start)) or 0 for d in range(lo, hi + 1)]
        self.count = DayCount(now if now is not None else from_ms(last_ms), day_start)  # type: ignore[arg-type]

    def study_day(self, ms: int) -> int:
        return self.first + bisect_right(self.begins, ms) - 1

    def review_day(self, ms: int) -> int:
        return self.count.day_ms(ms)

    def review_days(self, ms: Any) -> Any:
        """`review_day` of a numpy array of Unix milliseconds."""
        return self.count.today - (self.count.next_s - ms // 1000) // 86400

    def period_days(self, ms: Any) -> Any:
        """The day of each moment for Anki's stats periods: today is the 24 hours up to (not
        including) the next day start, yesterday the 24 before, and so on."""
        return self.count.today - (self.count.next_s - 1 - ms // 1000) // 86400


@dataclass
class PassTally:
    """Passed answers out of all counted answers."""

    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.passed / self.total if self.total else None

    def add(self, passed: bool, count: int = 1) -> None:
        self.passed += passed * count
        self.total += count

    def to_json(self) -> dict[str, float | int | None]:
        return {"passed": self.passed, "total": self.total, "rate": self.rate}


@dataclass
class Retention:
    """True retention of one period or group, young and mature apart."""

    young: PassTally = field(default_factory=PassTally)
    mature: PassTally = field(default_factory=PassTally)

    @property
    def all(self) -> PassTally:
        return PassTally(self.young.passed + self.mature.passed, self.young.total + self.mature.total)

    def add(self, passed: bool, mature: bool, count: int = 1) -> None:
        (self.mature if mature else self.young).add(passed, count)

    def to_json(self) -> dict[str, object]:
        return {"all": self.all.to_json(), "young": self.young.to_json(), "mature": self.mature.to_json()}


@dataclass
class Coverage:
    new: int = 0
    learning: int = 0
    review: int = 0
    suspended: int = 0
    retired: int = 0


@dataclass
class Recall30:
    """Memory 30 days from now over the studied cards of a group, against the 90% goal."""

    studied: int = 0
    recall_sum: float = 0.0
    stable: int = 0  # stability of 30 days or more
    meeting: int = 0  # predicted recall 30 days from now of 90% or more

    @property
    def mean_recall(self) -> float | None:
        return self.recall_sum / self.studied if self.studied else None

    @property
    def stable_share(self) -> float | None:
        return self.stable / self.studied if self.studied else None

    @property
    def goal_share(self) -> float | None:
        """The share of studied cards whose recall 30 days from now is predicted at 90% or more."""
        return self.meeting / self.studied if self.studied else None

    @property
    def meets_goal(self) -> bool:
        return self.mean_recall is not None and self.mean_recall >= GOAL

    def to_json(self) -> dict[str, object]:
        return {
            "studied": self.studied,
            "mean_recall": self.mean_recall,
            "stable_share": self.stable_share,
            "goal_share": self.goal_share,
            "goal": GOAL,
            "meets_goal": self.meets_goal,
        }


@dataclass(frozen=True)
class Calibration:
    """How well the model's predicted recall matched the answers: log loss and RMSE(bins)."""

    reviews: int
    log_loss: float | None
    rmse_bins: float | None


@dataclass(frozen=True)
class ForecastDay:
    day: int  # study day ordinal
    cards: int
    minutes: float


@dataclass(frozen=True)
class DailyRetention:
    day: int
    passed: int
    total: int


@dataclass
class Stats:
    """Every figure `srscards stats` and `srscards report` show."""

    now: datetime
    today: int
    periods: dict[str, Retention]
    daily: list[DailyRetention]
    by_domain: dict[int | None, Retention]
    by_task: dict[str, Retention]
    recall: Recall30
    recall_by_domain: dict[int | None, Recall30]
    recall_by_task: dict[str, Recall30]
    coverage: Coverage
    coverage_by_domain: dict[int | None, Coverage]
    coverage_by_task: dict[str, Coverage]
    forecast: list[ForecastDay]
    calibration: Calibration  # per answer on a later day, unweighted (as srs-benchmark)
    evaluate: Calibration  # as Anki's Evaluate: fsrs-rs over the training items Anki builds
    streak: int
    days_studied: int
    reviews: int
    seconds_studied: float
    labs: list[LabCompletion]

    def to_json(self) -> dict[str, object]:
        """Plain data for `--json` (domains as numbers, or null for cards without one)."""
        return {
            "now": self.now.replace(microsecond=0).isoformat(),
            "retention": {name: r.to_json() for name, r in self.periods.items()},
            "retention_by_day": [{"day": _iso(d.day), "passed": d.passed, "total": d.total} for d in self.daily],
            "retention_by_domain": [{"domain": k, **r.to_json()} for k, r in self.by_domain.items()],
            "retention_by_task": [{"task": k, **r.to_json()} for k, r in self.by_task.items()],
            "recall_30_days": self.recall.to_json(),
            "recall_30_days_by_domain": [{"domain": k, **r.to_json()} for k, r in self.recall_by_domain.items()],
            "recall_30_days_by_task": [{"task": k, **r.to_json()} for k, r in self.recall_by_task.items()],
            "coverage": vars(self.coverage),
            "coverage_by_domain": [{"domain": k, **vars(c)} for k, c in self.coverage_by_domain.items()],
            "coverage_by_task": [{"task": k, **vars(c)} for k, c in self.coverage_by_task.items()],
            "forecast": [{"day": _iso(f.day), "cards": f.cards, "minutes": round(f.minutes, 1)} for f in self.forecast],
            "calibration": vars(self.calibration),
            "calibration_anki_evaluate": vars(self.evaluate),
            "streak": self.streak,
            "days_studied": self.days_studied,
            "reviews": self.reviews,
            "minutes_studied": round(self.seconds_studied / 60, 1),
            "labs": [
                {"lab": lab.lab, "target": lab.target, "completed_at": lab.completed_at.isoformat()}
                for lab in self.labs
            ],
        }


def _iso(day: int) -> str:
    from datetime import date

    return date.fromordinal(day).isoformat()


@lru_cache(maxsize=65536)
def r_matrix_bin(elapsed: int, length: int, lapses: int) -> tuple[int, int, int]:
    """fsrs-rs's bin of one answer for RMSE(bins) (`FSRSItem::r_matrix_index`)."""
    t = round(2.48 * 3.62 ** math.floor(math.log(elapsed, 3.62)) * 100) if elapsed > 0 else 0
    n = round(1.99 * 1.89 ** math.floor(math.log(length, 1.89)))
    lapse = round(1.65 * 1.73 ** math.floor(math.log(lapses, 1.73))) if lapses else 0
    return t, n, lapse


class CalibrationSum:
    """Sums for log loss and RMSE(bins), one predicted recall and outcome at a time (as fsrs-rs evaluates)."""

    def __init__(self) -> None:
        self.loss = 0.0
        self.count = 0
        self.bins: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])

    def add(self, predicted: float, passed: bool, key: tuple[int, int, int]) -> None:
        p = min(max(predicted, 1e-7), 1 - 1e-7)  # keeps log finite; torch's BCE clamps at -100 instead
        self.loss -= math.log(p) if passed else math.log(1 - p)
        acc = self.bins[key]
        acc[0] += predicted
        acc[1] += passed
        acc[2] += 1

    def result(self) -> Calibration:
        self.count = int(sum(acc[2] for acc in self.bins.values()))
        if not self.count:
            return Calibration(0, None, None)
        gaps = sum((p / n - y / n) ** 2 * n for p, y, n in self.bins.values())
        return Calibration(self.count, self.loss / self.count, math.sqrt(gaps / self.count))


def calibration(samples: Iterable[tuple[float, bool, tuple[int, int, int]]]) -> Calibration:
    """Log loss and RMSE(bins) of (predicted recall, passed, bin) samples."""
    total = CalibrationSum()
    for predicted, passed, key in samples:
        total.add(predicted, passed, key)
    return total.result()


def compute_stats(store: Store, scheduler: Scheduler, courses: Sequence[str], now: datetime) -> Stats:
    """Every figure of `srscards stats` for the cards of `courses`, as of `now`."""
    day_start = scheduler.settings.day_start
    cards = store.card_summaries(courses)
    rows = store.review_rows()
    if set(store.course_ids()) - set(courses):
        ids = {c[0] for c in cards}
        rows = [r for r in rows if r[0] in ids]
    now_ms = to_ms(now) or 0
    horizon = to_ms(now + timedelta(days=GOAL_DAYS + FORECAST_DAYS + 2)) or 0
    # an answer's previous answer is in the log too, so the first answer starts the days needed
    first_ms = min(now_ms, min(map(itemgetter(1), rows), default=now_ms))
    days = DayIndex(first_ms, max([horizon, *(c[5] for c in cards if c[5] is not None)]), day_start, now)
    today = days.study_day(now_ms)
    answer_today = days.review_day(now_ms)

    group_ids: dict[tuple[int | None, tuple[str, ...]], int] = {}
    group_of = {c[0]: group_ids.setdefault((c[1], tuple(c[2].split())), len(group_ids)) for c in cards}
    width = len(group_ids) or 1
    answers = _answer_figures(rows, days, group_of, width, scheduler.curve)
    counts, fit, studied_days = answers.counts, answers.fit, answers.days

    periods = {name: Retention() for name, _ in PERIODS}
    daily: dict[int, PassTally] = {d: PassTally() for d in range(today - FORECAST_DAYS + 1, today + 1)}
    by_domain: dict[int | None, Retention] = defaultdict(Retention)
    by_task: dict[str, Retention] = defaultdict(Retention)
    group_list = list(group_ids)
    for key, n in counts.items():
        passed, mature = bool(key & 1), bool(key >> 1 & 1)
        day, group = divmod(key >> 2, width)
        domain, tasks = group_list[group]
        groups = [by_domain[domain], *(by_task[t] for t in tasks)]
        groups += [periods[name] for name, span in PERIODS if span is None or day > answer_today - span]
        for group in groups:
            group.add(passed, mature, n)
        if day in daily:
            daily[day].add(passed, n)

    recall = Recall30()
    recall_by_domain: dict[int | None, Recall30] = defaultdict(Recall30)
    recall_by_task: dict[str, Recall30] = defaultdict(Recall30)
    coverage = Coverage()
    coverage_by_domain: dict[int | None, Coverage] = defaultdict(Coverage)
    coverage_by_task: dict[str, Coverage] = defaultdict(Coverage)
    target_day = days.review_day(to_ms(now + timedelta(days=GOAL_DAYS)) or 0)
    due_per_day = [0] * FORECAST_DAYS
    kinds: Counter[tuple[int, str]] = Counter()
    factor, decay = scheduler.curve
    for card_id, domain, tasks, state, stability, due, last, suspended, retired in cards:
        kind = _coverage_kind(state, bool(suspended), bool(retired))
        kinds[(group_of[card_id], kind)] += 1
        if retired or state == State.NEW or stability is None or last is None:
            continue
        p = (1 + factor * max(target_day - days.review_day(last), 0) / stability) ** decay
        for group30 in (recall, recall_by_domain[domain], *(recall_by_task[t] for t in tasks.split())):
            group30.studied += 1
            group30.recall_sum += p
            group30.stable += stability >= GOAL_DAYS
            group30.meeting += p >= GOAL
        if not suspended and due is not None:
            offset = max(days.study_day(due) - today, 0)
            if offset < FORECAST_DAYS:
                due_per_day[offset] += 1
    for (group, kind), n in kinds.items():
        domain, tasks = group_list[group]
        for cover in (coverage, coverage_by_domain[domain], *(coverage_by_task[t] for t in tasks)):
            setattr(cover, kind, getattr(cover, kind) + n)
    per_answer = answers.capped_ms / answers.timed / 60_000 if answers.timed else 0.0
    forecast = [ForecastDay(today + i, n, n * per_answer) for i, n in enumerate(due_per_day)]

    streak = 0
    day = answer_today if answer_today in studied_days else answer_today - 1
    while day in studied_days:
        streak += 1
        day -= 1
    return Stats(
        now=now,
        today=today,
        periods=periods,
        daily=[DailyRetention(d, t.passed, t.total) for d, t in daily.items()],
        by_domain=_sorted(by_domain),
        by_task=dict(sorted(by_task.items(), key=lambda kv: _task_key(kv[0]))),
        recall=recall,
        recall_by_domain=_sorted({d: recall_by_domain[d] for d in coverage_by_domain}),  # every domain, studied or not
        recall_by_task={t: recall_by_task[t] for t in sorted(coverage_by_task, key=_task_key)},
        coverage=coverage,
        coverage_by_domain=_sorted(coverage_by_domain),
        coverage_by_task=dict(sorted(coverage_by_task.items(), key=lambda kv: _task_key(kv[0]))),
        forecast=forecast,
        calibration=fit.result(),
        evaluate=anki_evaluate(rows, scheduler, now, history_starts(store)),
        streak=streak,
        days_studied=len(studied_days),
        reviews=len(rows),
        seconds_studied=answers.seconds,
        labs=store.lab_completions(),
    )


@dataclass
class _AnswerFigures:
    counts: dict[int, int]  # (study day, group, mature, passed) packed into an int -> answers
    fit: CalibrationSum
    days: set[int]  # study days with an answer
    capped_ms: int  # answer times, each counted up to MAX_ANSWER_MS
    timed: int  # answers with a recorded time
    seconds: float


def _answer_figures(
    rows: Sequence[ReviewRow], days: DayIndex, group_of: dict[int, int], width: int, curve: tuple[float, float]
) -> _AnswerFigures:
    """Retention counts, calibration sums and study time over the log, as whole-array operations.

    A long log is the common case (200,000 answers is a few years of study), so the per-answer
    work is done by numpy; each step is the per-answer rule written in the module docstring.
    """
    import numpy as np

    n = len(rows)
    if not n:
        return _AnswerFigures({}, CalibrationSum(), set(), 0, 0, 0.0)
    table = np.array(rows, dtype=np.float64)  # times in ms stay exact: they are far below 2**53
    card, ms, rating, duration, state = (table[:, i].astype(np.int64) for i in range(5))
    stability = table[:, 5]
    due, last = table[:, 6].astype(np.int64), table[:, 7].astype(np.int64)
    begins = np.array(days.begins, np.int64)

    day = days.review_days(ms)
    timed = duration >= 0
    # calibration: answers to cards last answered on an earlier day
    last_day = days.review_days(last)
    counted = (last >= 0) & (state != int(State.NEW)) & (day - last_day >= 1)
    idx = np.nonzero(counted)[0]
    elapsed = (day - last_day)[idx]
    passed = rating[idx] > 1

    # true retention as Anki's stats screen counts it: answers to cards whose interval was a
    # day or more (review cards, and learning steps of a day or more), in periods of 24 hours
    # back from the next day start; mature when the review interval was 21 days or more
    # answers imported from Anki are counted by Anki's own revlog type and interval before them
    anki_kind, anki_interval = table[:, 8].astype(np.int64), table[:, 9].astype(np.int64)
    from_anki = anki_kind >= 0
    anki_kept = (anki_kind == 1) | (anki_interval >= 1) | (anki_interval <= -86_400)
    known = (last >= 0) & (due >= 0)
    review = state == int(State.REVIEW)
    learning = (state == int(State.LEARNING)) | (state == int(State.RELEARNING))
    interval = np.searchsorted(begins, due, "right") - np.searchsorted(begins, last, "right")  # study days
    own_kept = known & (review | (learning & (due - last >= 86_400_000)))
    kept = np.nonzero(np.where(from_anki, anki_kept, own_kept))[0]
    mature = np.where(from_anki, anki_interval >= MATURE_DAYS, review & (interval >= MATURE_DAYS))[kept]
    period_day = days.period_days(ms[kept])
    lookup = np.zeros(max(int(card.max()), *group_of) + 1, np.int64)
    lookup[list(group_of)] = list(group_of.values())
    keys = ((period_day * width + lookup[card[kept]]) * 2 + mature) * 2 + (rating[kept] > 1)
    unique_keys, key_counts = np.unique(keys, return_counts=True)

    # per card, in time order: answers on an earlier day so far (this one included), earlier lapses
    cards = card[idx]
    order = np.lexsort((ms[idx], cards))
    ordered = cards[order]
    position = np.arange(len(idx))
    starts = np.maximum.accumulate(np.where(np.r_[True, ordered[1:] != ordered[:-1]], position, 0))
    fails = (~passed[order]).astype(np.int64)
    before = np.cumsum(fails) - fails
    so_far = np.empty(len(idx), np.int64)
    so_far[order] = position - starts + 1
    lapses = np.empty(len(idx), np.int64)
    lapses[order] = before - before[starts]

    fit = CalibrationSum()
    scored = np.nonzero(stability[idx] > 0)[0]
    if len(scored):
        factor, decay = curve
        t = elapsed[scored]
        recall = (1 + factor * t / stability[idx][scored]) ** decay
        outcome = passed[scored]
        fit.loss = float(-(np.log(recall[outcome]).sum() + np.log(1 - recall[~outcome]).sum()))
        triples, which = np.unique(
            np.stack([t, so_far[scored] + 1, lapses[scored]], axis=1), axis=0, return_inverse=True
        )
        which = which.reshape(-1)
        sums = np.bincount(which, weights=recall), np.bincount(which, weights=outcome), np.bincount(which)
        for k, (a, b, c) in enumerate(triples.tolist()):
            acc = fit.bins[r_matrix_bin(a, b, c)]
            acc[0] += float(sums[0][k])
            acc[1] += float(sums[1][k])
            acc[2] += float(sums[2][k])
    return _AnswerFigures(
        dict(zip(unique_keys.tolist(), key_counts.tolist(), strict=True)),
        fit,
        set(np.unique(day).tolist()),
        int(np.minimum(duration[timed], MAX_ANSWER_MS).sum()),
        int(timed.sum()),
        float(duration[timed].sum()) / 1000,
    )


def anki_evaluate(
    rows: Sequence[ReviewRow], scheduler: Scheduler, now: datetime, resets: dict[int, list[datetime]]
) -> Calibration:
    """Log loss and RMSE(bins) as Anki's Evaluate shows them: fsrs-rs's `evaluate` of the parameters
    in force over the training items Anki builds from the log (`optimize.timed_items`)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    items = [item for _, item in timed_items(rows, scheduler.settings.day_start, now, resets)]
    if not items:
        return Calibration(0, None, None)
    result = FSRS(list(scheduler.settings.parameters or DEFAULT_PARAMETERS)).evaluate(items)
    return Calibration(len(items), float(result.log_loss), float(result.rmse_bins))


def _coverage_kind(state: int, suspended: bool, retired: bool) -> str:
    """The coverage column of a card: retired and suspended first, then its learning state."""
    if retired:
        return "retired"
    if suspended:
        return "suspended"
    return {State.NEW: "new", State.REVIEW: "review"}.get(State(state), "learning")


def _sorted(groups: dict[int | None, T]) -> dict[int | None, T]:
    return {k: groups[k] for k in sorted(groups, key=lambda d: (d is None, d or 0))}


def _task_key(task: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in task.split("."))


def load_stats(decks: Path | None, home: Path, settings: Settings, now: datetime) -> Stats:
    """Open the store in `home`, sync it with `decks` when that folder exists, and compute the stats.

    Without a sources folder, every course in the store is counted as it was last synced.
    """
    with open_workspace(decks, home, now, settings, require_decks=False) as space:
        return compute_stats(space.store, space.scheduler, space.courses, now)
