"""Fit FSRS parameters to the learner's own review log (fsrs-rs, no torch) and keep them if they predict better.

The log becomes fsrs-rs training items the way Anki builds them: one item per answer given on
a later study day than the card's previous answer, holding the card's answers so far, with the
study days between answers counted by the scheduler's day rule (`review_day`). The fitted
parameters are compared with those in force by fsrs-rs's own evaluation (log loss and
RMSE(bins), as Anki's Evaluate shows them); they replace them only when both are no worse
and the log loss is lower. Each adopted set is stored with the moment it came into force.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from srscards.scheduling.scheduler import Settings, State
from srscards.store.records import ReviewRow
from srscards.store.store import Store
from srscards.study.metrics import DayIndex
from srscards.study.workspace import settings_in_force

MIN_REVIEWS = 400  # answers on a later day; fewer give parameters that swing with every new answer


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float


@dataclass(frozen=True)
class Optimization:
    """The outcome of `srscards optimize`."""

    reviews: int  # answers on a later day, the ones the fit learns from
    needed: int
    before: Evaluation | None = None
    after: Evaluation | None = None
    old: tuple[float, ...] = ()
    new: tuple[float, ...] = ()
    adopted: bool = False


def training_items(rows: Sequence[ReviewRow], day_start: Any) -> list[Any]:
    """fsrs-rs items from the log: one per answer on a later study day, with the card's answers before it."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    if not rows:
        return []
    rows = sorted(rows, key=itemgetter(1))
    days = DayIndex(rows[0][1], rows[-1][1], day_start)
    by_card: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for card, ms, rating, _, state, *_ in rows:
        if state == State.NEW:
            by_card[card].clear()  # the card started again from new: its history starts here
            by_card[card].append((ms, rating))
        elif by_card[card]:
            by_card[card].append((ms, rating))
        # otherwise its history does not start with its first answer and cannot be replayed
    items = []
    for answers in by_card.values():
        reviews = []
        last = None
        for ms, rating in answers:
            day = days.review_day(ms)
            delta = 0 if last is None else day - last
            last = day
            reviews.append(FSRSReview(rating, delta))
            if delta > 0:
                items.append(FSRSItem(list(reviews)))
    return items


def optimize(store: Store, settings: Settings, now: datetime, min_reviews: int = MIN_REVIEWS) -> Optimization:
    """Fit parameters to the store's log; store them (in force from `now`) when they predict better."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    rows = store.review_rows()
    items = training_items(rows, settings.day_start)
    if len(items) < min_reviews:
        return Optimization(len(items), min_reviews)
    old = tuple(settings_in_force(store, settings).parameters or DEFAULT_PARAMETERS)
    before = FSRS(list(old)).evaluate(items)
    new = tuple(float(p) for p in FSRS(list(old)).compute_parameters(items))
    after = FSRS(list(new)).evaluate(items)
    evaluation = (Evaluation(before.log_loss, before.rmse_bins), Evaluation(after.log_loss, after.rmse_bins))
    better = after.log_loss < before.log_loss and after.rmse_bins <= before.rmse_bins
    if better:
        store.record_parameters(new, now, len(items), after.log_loss, after.rmse_bins)
    return Optimization(len(items), min_reviews, *evaluation, tuple(float(p) for p in old), new, better)


def optimize_home(home: Path, settings: Settings, now: datetime) -> Optimization:
    """`optimize` on the store in `home`."""
    with Store.open(home) as store:
        return optimize(store, settings, now)
