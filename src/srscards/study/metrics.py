"""Where a learner stands: retention, memory at 30 days, cards by state, forecast, calibration, streak.

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
  training items Anki builds from the log (`optimize.timed_items`), computed only when asked, since
  it replays every card's history as Anki's Evaluate button does; (2) per answer given on a
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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
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
class StateCounts:
    """Cards counted by state: new, learning (or relearning), in review, suspended, retired."""

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
    states: StateCounts
    states_by_domain: dict[int | None, StateCounts]
    states_by_task: dict[str, StateCounts]
    forecast: list[ForecastDay]
    calibration: Calibration  # per answer on a later day, unweighted (as srs-benchmark)
    evaluate: Calibration | None  # as Anki's Evaluate: fsrs-rs over the training items Anki builds (when asked)
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
            "cards_by_state": vars(self.states),
            "cards_by_state_by_domain": [{"domain": k, **vars(c)} for k, c in self.states_by_domain.items()],
            "cards_by_state_by_task": [{"task": k, **vars(c)} for k, c in self.states_by_task.items()],
            "forecast": [{"day": _iso(f.day), "cards": f.cards, "minutes": round(f.minutes, 1)} for f in self.forecast],
            "calibration": vars(self.calibration),
            "calibration_anki_evaluate": vars(self.evaluate) if self.evaluate is not None else None,
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


def compute_stats(
    store: Store, scheduler: Scheduler, courses: Sequence[str], now: datetime, evaluate: bool = False
) -> Stats:
    """Every figure of `srscards stats` for the cards of `courses`, as of `now`.

    The figures come from the store's packed copy of the log (`Store.answer_columns`) and its
    card states, aggregated in SQL and numpy; no card's history is replayed. Anki's Evaluate
    (`evaluate`) replays every card's history through fsrs-rs, as Anki does when asked: it is
    computed only when asked for, and is None otherwise.
    """
    day_start = scheduler.settings.day_start
    answers = store.answer_columns()
    count = DayCount(now, day_start)
    cards = card_figures(store, scheduler, courses, now)
    group_ids: dict[tuple[int | None, tuple[str, ...]], int] = {}
    lookup = _group_lookup(store, courses, group_ids, answers)
    columns = dict(answers.columns)  # emptied by `_answer_figures` as it goes: each column is let go once used
    del answers
    figures = _answer_figures(columns, lookup, len(group_ids) or 1, now, day_start, scheduler.curve, FORECAST_DAYS)
    today, answer_today = cards.today, count.today

    periods = {name: Retention() for name, _ in PERIODS}
    daily: dict[int, PassTally] = {d: PassTally() for d in range(today - FORECAST_DAYS + 1, today + 1)}
    by_domain: dict[int | None, Retention] = defaultdict(Retention)
    by_task: dict[str, Retention] = defaultdict(Retention)
    group_list = list(group_ids)
    for (day, group, mature, passed), n in figures.counts.items():
        domain, tasks = group_list[group]
        groups = [by_domain[domain], *(by_task[t] for t in tasks)]
        groups += [periods[name] for name, span in PERIODS if span is None or day > answer_today - span]
        for retention in groups:
            retention.add(passed, mature, n)
        if day in daily:
            daily[day].add(passed, n)

    per_answer = figures.capped_ms / figures.timed / 60_000 if figures.timed else 0.0
    forecast = [ForecastDay(today + i, n, n * per_answer) for i, n in enumerate(cards.due_per_day)]
    studied_days = figures.days
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
        recall=cards.recall,
        recall_by_domain=cards.recall_by_domain,
        recall_by_task=cards.recall_by_task,
        states=cards.states,
        states_by_domain=cards.states_by_domain,
        states_by_task=cards.states_by_task,
        forecast=forecast,
        calibration=figures.fit.result(),
        evaluate=anki_evaluate(store.review_rows(), scheduler, now, history_starts(store)) if evaluate else None,
        streak=streak,
        days_studied=len(studied_days),
        reviews=figures.reviews,
        seconds_studied=figures.seconds,
        labs=store.lab_completions(),
    )


@dataclass(frozen=True)
class CardFigures:
    """What the cards' current states say: memory 30 days from now, cards by state, and due dates."""

    today: int
    recall: Recall30
    recall_by_domain: dict[int | None, Recall30]
    recall_by_task: dict[str, Recall30]
    states: StateCounts
    states_by_domain: dict[int | None, StateCounts]
    states_by_task: dict[str, StateCounts]
    due_per_day: list[int]  # studied, active cards due on each of the next FORECAST_DAYS days (overdue on the first)


def card_figures(store: Store, scheduler: Scheduler, courses: Sequence[str], now: datetime) -> CardFigures:
    """Recall 30 days from now, cards by state and the due forecast, from the stored card states
    (each card's memory as its last answer left it), counted in SQL."""
    import numpy as np

    day_start = scheduler.settings.day_start
    count = DayCount(now, day_start)
    today = study_day(now, day_start)
    target_day = count.day(now + timedelta(days=GOAL_DAYS))
    recall = Recall30()
    recall_by_domain: dict[int | None, Recall30] = defaultdict(Recall30)
    recall_by_task: dict[str, Recall30] = defaultdict(Recall30)
    states = StateCounts()
    states_by_domain: dict[int | None, StateCounts] = defaultdict(StateCounts)
    states_by_task: dict[str, StateCounts] = defaultdict(StateCounts)
    rows = store.state_figures(courses, count.next_s, target_day, count.today, scheduler.curve)
    for domain, task_text, kind, n, studied, recall_sum, stable, meeting in rows:
        tasks = task_text.split()
        for counts in (states, states_by_domain[domain], *(states_by_task[t] for t in tasks)):
            setattr(counts, kind, getattr(counts, kind) + n)
        if not studied:
            continue
        for group in (recall, recall_by_domain[domain], *(recall_by_task[t] for t in tasks)):
            group.studied += studied
            group.recall_sum += recall_sum
            group.stable += stable
            group.meeting += meeting
    ends = np.array([to_ms(day_begins(today + i, day_start)) or 0 for i in range(1, FORECAST_DAYS + 1)], np.int64)
    due_per_day = [0] * FORECAST_DAYS
    dues = store.due_counts(courses, int(ends[-1]))
    if dues:
        due, n = np.array(dues, np.int64).T
        offsets = np.searchsorted(ends, due, "right")  # the first day whose end is after the due moment
        due_per_day = np.bincount(offsets, weights=n, minlength=FORECAST_DAYS).astype(np.int64).tolist()
    return CardFigures(
        today=today,
        recall=recall,
        recall_by_domain=_sorted({d: recall_by_domain[d] for d in states_by_domain}),  # every domain, studied or not
        recall_by_task={t: recall_by_task[t] for t in sorted(states_by_task, key=_task_key)},
        states=states,
        states_by_domain=_sorted(states_by_domain),
        states_by_task=dict(sorted(states_by_task.items(), key=lambda kv: _task_key(kv[0]))),
        due_per_day=due_per_day,
    )


def _group_lookup(
    store: Store, courses: Sequence[str], group_ids: dict[tuple[int | None, tuple[str, ...]], int], answers: Any
) -> Any:
    """Each card id's group (its domain and tasks) as a numpy array indexed by card id; -1 for
    cards outside `courses`. Fills `group_ids`."""
    import numpy as np

    groups = store.card_groups(courses)
    ids = [np.array(text.split(","), np.int64) for _, _, text in groups]
    top = max([0, *(int(i.max()) for i in ids), int(answers["card"].max()) if len(answers) else 0])
    lookup = np.full(top + 1, -1, np.int64)
    for (domain, tasks, _), members in zip(groups, ids, strict=True):
        lookup[members] = group_ids.setdefault((domain, tuple(tasks.split())), len(group_ids))
    return lookup


@dataclass
class _AnswerFigures:
    counts: dict[tuple[int, int, bool, bool], int]  # (period day, group, mature, passed) -> answers; days
    # before the last `recent` ones are counted on the day before them
    fit: CalibrationSum
    days: set[int]  # days with an answer, as Anki counts them
    capped_ms: int  # answer times, each counted up to MAX_ANSWER_MS
    timed: int  # answers with a recorded time
    seconds: float
    reviews: int


def _answer_figures(
    answers: dict[str, Any],
    lookup: Any,
    width: int,
    now: datetime,
    day_start: time,
    curve: tuple[float, float],
    recent: int,
) -> _AnswerFigures:
    """Retention counts, calibration sums and study time over the log, as whole-array operations.

    A long log is the common case (200,000 answers is a few years of study; millions a learner's
    whole history), so each step is the per-answer rule of the module docstring over numpy
    columns; nothing here loops over answers in Python. `answers` (the columns of
    `Store.answer_columns`) is emptied as it goes: each column is let go as soon as it has served,
    so the peak memory holds the log about once.
    """
    import numpy as np

    mine = lookup[answers["card"]] >= 0 if len(answers["card"]) else np.zeros(0, bool)
    if not mine.all():
        for name in list(answers):
            answers[name] = answers[name][mine]
    del mine
    answers.pop("id")
    n = len(answers["ms"])
    if not n:
        answers.clear()
        return _AnswerFigures({}, CalibrationSum(), set(), 0, 0, 0.0, 0)
    count = DayCount(now, day_start)
    today, next_s = count.today, count.next_s

    def review_days(moments: Any) -> Any:  # as int32: day ordinals are far below 2**31
        return (today - (next_s - moments // 1000) // 86400).astype(np.int32)

    ms = answers.pop("ms")
    day = review_days(ms)

    # study time and the days studied
    duration = answers.pop("duration")
    timed = duration >= 0
    capped_ms = int(np.minimum(duration[timed], MAX_ANSWER_MS).sum(dtype=np.int64))
    timed_count = int(timed.sum())
    seconds = float(duration[timed].sum(dtype=np.int64)) / 1000
    del duration, timed
    first_day = int(day.min())
    days = set((np.nonzero(np.bincount(day - first_day))[0] + first_day).tolist())

    # true retention as Anki's stats screen counts it: answers to cards whose interval was a
    # day or more (review cards, and learning steps of a day or more), in periods of 24 hours
    # back from the next day start; mature when the review interval was 21 days or more;
    # answers imported from Anki are counted by Anki's own revlog type and interval before them
    card, state, due, last = answers.pop("card"), answers.pop("state"), answers.pop("due"), answers.pop("last")
    passed_all = answers.pop("rating") > 1
    kind, anki_interval = answers.pop("kind"), answers.pop("interval")
    from_anki = kind >= 0
    review = state == int(State.REVIEW)
    learning = (state == int(State.LEARNING)) | (state == int(State.RELEARNING))
    own_kept = (last >= 0) & (due >= 0) & (review | (learning & (due - last >= 86_400_000)))
    anki_kept = (kind == 1) | (anki_interval >= 1) | (anki_interval <= -86_400)
    del kind
    kept = np.nonzero(np.where(from_anki, anki_kept, own_kept))[0]
    del own_kept, anki_kept, learning
    mature = np.where(from_anki[kept], anki_interval[kept] >= MATURE_DAYS, _mature(due[kept], last[kept], day_start))
    mature &= from_anki[kept] | review[kept]
    del from_anki, review, anki_interval, due
    # days before the last `recent` count the same (all time only), so they are counted as one
    period_day = np.maximum(today - (next_s - 1 - ms[kept] // 1000) // 86400, today - recent)
    counts = _count_keys(period_day, lookup[card[kept]], width, mature, passed_all[kept])
    del kept, mature, period_day

    # calibration: answers to cards last answered on an earlier day
    elapsed = day - review_days(last)
    del day
    counted = np.nonzero((last >= 0) & (state != int(State.NEW)) & (elapsed >= 1))[0]
    del last, state
    stability = answers.pop("stability")
    scored = {"card": card[counted], "ms": ms[counted], "elapsed": elapsed[counted]}
    del card, ms, elapsed
    scored |= {"passed": passed_all[counted], "stability": stability[counted]}
    del passed_all, stability, counted
    fit = _calibration(scored, curve)
    return _AnswerFigures(counts, fit, days, capped_ms, timed_count, seconds, n)


def _mature(due: Any, last: Any, day_start: time) -> Any:
    """Whether each interval from `last` to `due` spans 21 study days or more (`study_day(due) -
    study_day(last)`), with the calendar consulted only where the length in hours leaves it open."""
    import numpy as np

    mature = np.zeros(len(due), bool)
    if not len(due):
        return mature
    span = due - last
    # the shortest and longest study day around the intervals (23 and 25 hours across daylight saving)
    days = DayIndex(int(last.min()), int(last.max()) + (MATURE_DAYS + 2) * 86_400_000, day_start)
    lengths = np.diff(np.array(days.begins, np.int64))
    shortest, longest = int(lengths.min()), int(lengths.max())
    mature[span >= MATURE_DAYS * longest] = True  # (last, due] holds 21 day starts at least
    open_ = np.nonzero((span > (MATURE_DAYS - 1) * shortest) & (span < MATURE_DAYS * longest))[0]
    if len(open_):
        sub = DayIndex(int(last[open_].min()), int(due[open_].max()), day_start)
        begins = np.array(sub.begins, np.int64)
        interval = np.searchsorted(begins, due[open_], "right") - np.searchsorted(begins, last[open_], "right")
        mature[open_] = interval >= MATURE_DAYS
    return mature


def _count_keys(day: Any, group: Any, width: int, mature: Any, passed: Any) -> dict[tuple[int, int, bool, bool], int]:
    """Answers per (day, group, mature, passed), counted by numpy."""
    import numpy as np

    if not len(day):
        return {}
    first = int(day.min())
    keys = (((day - first) * width + group) * 2 + mature) * 2 + passed
    size = (int(day.max()) - first + 1) * width * 4
    if size <= 4 * len(keys) + 1_000_000:  # counted in place, without sorting
        tally = np.bincount(keys, minlength=size)
        values = np.nonzero(tally)[0]
        counts = tally[values]
    else:
        values, counts = np.unique(keys, return_counts=True)
    found = {}
    for key, n in zip(values.tolist(), counts.tolist(), strict=True):
        rest, passed_bit = divmod(key, 2)
        rest, mature_bit = divmod(rest, 2)
        offset, group_index = divmod(rest, width)
        found[(first + offset, group_index, bool(mature_bit), bool(passed_bit))] = n
    return found


def _card_time_order(card: Any, ms: Any) -> Any:
    """Positions that sort the answers by card, then time, then log order."""
    import numpy as np

    total = len(card)
    bits = max(total.bit_length(), 1)
    if int(card.max()) >= 1 << (62 - bits):
        return np.lexsort((np.arange(total), ms, card))
    # the log is in time order unless answers were imported after later ones: put it in time order
    # first where it is not, then sort (card, position in time) packed in one integer, which costs
    # far less than an argsort
    in_time = total < 2 or bool((ms[1:] >= ms[:-1]).all())
    by_time = None if in_time else np.argsort(ms, kind="stable")
    cards = (card if by_time is None else card[by_time]).astype(np.int64)
    order = np.sort((cards << bits) | np.arange(total)) & ((1 << bits) - 1)
    return order if by_time is None else by_time[order]


def _calibration(columns: dict[str, Any], curve: tuple[float, float]) -> CalibrationSum:
    """Log loss and RMSE(bins) sums of answers on a later day (`columns`: card, ms, elapsed, passed
    and stability of those answers only, emptied as they are used), each scored with fsrs's curve
    over its stored stability before the answer."""
    import numpy as np

    fit = CalibrationSum()
    card, ms = columns.pop("card"), columns.pop("ms")
    elapsed, passed, stability = columns.pop("elapsed"), columns.pop("passed"), columns.pop("stability")
    total = len(card)
    if not total:
        return fit
    # per card, in time order (ties in log order): answers so far, this one included, and earlier lapses
    order = _card_time_order(card, ms)
    del ms
    ordered = card[order]
    del card
    first_of_card = np.empty(total, bool)
    first_of_card[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first_of_card[1:])
    del ordered
    position = np.arange(total, dtype=np.int32)
    starts = np.maximum.accumulate(np.where(first_of_card, position, 0))
    del first_of_card
    fails = (~passed[order]).astype(np.int32)
    before = np.cumsum(fails, dtype=np.int32) - fails
    del fails
    so_far = np.empty(total, np.int32)
    so_far[order] = position - starts + 1
    lapses = np.empty(total, np.int32)
    lapses[order] = before - before[starts]
    del order, position, starts, before

    scored = np.nonzero(stability > 0)[0]
    if not len(scored):
        return fit
    factor, decay = curve
    t = elapsed[scored]
    recall = (1 + factor * t / stability[scored]) ** decay
    outcome = passed[scored]
    fit.loss = float(-(np.log(recall[outcome]).sum() + np.log(1 - recall[~outcome]).sum()))
    # fsrs-rs's bin of each part (elapsed days, length, lapses) depends on that part alone: each
    # distinct value is binned once with `r_matrix_bin`'s own arithmetic; the answers are then
    # summed per combination of bins by their index in the list of bins of each part
    index = np.zeros(len(scored), np.int64)
    bins_of_part = []
    for i, values in enumerate((t, so_far[scored] + 1, lapses[scored])):
        distinct = np.nonzero(np.bincount(values))[0].tolist()
        binned = [r_matrix_bin(*(v if j == i else 1 for j in range(3)))[i] for v in distinct]
        kinds = sorted(set(binned))
        table = np.zeros(distinct[-1] + 1, np.int64)
        table[distinct] = [kinds.index(b) for b in binned]
        index = index * len(kinds) + table[values]
        bins_of_part.append(kinds)
    sizes = [len(k) for k in bins_of_part]
    count_all = sizes[0] * sizes[1] * sizes[2]
    sums = (
        np.bincount(index, weights=recall, minlength=count_all),
        np.bincount(index, weights=outcome, minlength=count_all),
        np.bincount(index, minlength=count_all),
    )
    for k in np.nonzero(sums[2])[0].tolist():
        rest, li = divmod(k, sizes[2])
        ti, ni = divmod(rest, sizes[1])
        key = (bins_of_part[0][ti], bins_of_part[1][ni], bins_of_part[2][li])
        fit.bins[key] = [float(sums[0][k]), float(sums[1][k]), float(sums[2][k])]
    return fit


def anki_evaluate(
    rows: Sequence[ReviewRow], scheduler: Scheduler, now: datetime, resets: dict[int, list[datetime]]
) -> Calibration:
    """Log loss and RMSE(bins) as Anki's Evaluate shows them: fsrs-rs's `evaluate` of the parameters
    in force over the training items Anki builds from the log (`optimize.timed_items`)."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    items = [item for _, _, item in timed_items(rows, scheduler.settings.day_start, now, resets)]
    if not items:
        return Calibration(0, None, None)
    result = FSRS(list(scheduler.settings.parameters or DEFAULT_PARAMETERS)).evaluate(items)
    return Calibration(len(items), float(result.log_loss), float(result.rmse_bins))


def _sorted(groups: dict[int | None, T]) -> dict[int | None, T]:
    return {k: groups[k] for k in sorted(groups, key=lambda d: (d is None, d or 0))}


def _task_key(task: str) -> tuple[int | str, ...]:
    return tuple(int(p) if p.isdigit() else p for p in task.split("."))


def load_stats(decks: Path | None, home: Path, settings: Settings, now: datetime, evaluate: bool = False) -> Stats:
    """Open the store in `home`, sync it with `decks` when that folder exists, and compute the stats
    (Anki's Evaluate too when `evaluate`).

    Without a sources folder, every course in the store is counted as it was last synced.
    """
    with open_workspace(decks, home, now, settings, require_decks=False) as space:
        return compute_stats(space.store, space.scheduler, space.courses, now, evaluate)
