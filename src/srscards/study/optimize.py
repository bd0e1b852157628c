"""Fit FSRS parameters to the learner's own review log (fsrs-rs, no torch) and keep them if they predict better.

The log becomes fsrs-rs training items the way Anki builds them: one item per answer given on
a later day than the card's previous answer, holding the card's answers so far (since its last
reset), with days counted as Anki counts them (24-hour blocks back from the day start after
now), and the items in the time order of their last answer, as Anki sorts them by revlog id.

Whether new parameters are kept is decided on answers the fit has not seen: the items are
split in time, parameters are fitted to the earlier 80% and both sets are evaluated on the
latest 20% (log loss and RMSE(bins), fsrs-rs's evaluation as Anki's Evaluate shows it). When
the fitted set predicts the held-out answers better (lower log loss, RMSE(bins) no worse), the
parameters fitted to every item are adopted, stored with the moment they came into force, and
every card's state is recomputed with them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from srscards.scheduling.scheduler import DayCount, Scheduler, Settings, to_ms
from srscards.store.records import ReviewRow
from srscards.store.store import Store
from srscards.study.recompute import Recompute, history_starts, recompute_states
from srscards.study.workspace import settings_in_force

MIN_REVIEWS = 400  # answers on a later day; fewer give parameters that swing with every new answer
HELD_OUT = 0.2  # the latest share of items the keep-or-adopt decision is made on


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
    held_out: int = 0  # the latest items, not seen by the fit the decision is made with
    held_out_before: Evaluation | None = None  # parameters in force, on the held-out items
    held_out_after: Evaluation | None = None  # parameters fitted to the earlier items, on the held-out items
    recompute: Recompute | None = None  # card states recomputed with the adopted parameters


def timed_items(
    rows: Sequence[ReviewRow], day_start: Any, now: datetime, resets: dict[int, list[datetime]] | None = None
) -> list[tuple[int, Any]]:
    """(ms of the last answer, fsrs-rs item) pairs, oldest first: one per answer on a later day than
    the card's previous one, with the card's answers since its last reset before it."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    count = DayCount(now, day_start)
    last_reset = {card: to_ms(max(at)) or 0 for card, at in (resets or {}).items() if at}
    by_card: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for card, ms, rating, *_ in sorted(rows, key=itemgetter(1)):
        if ms > last_reset.get(card, -1):
            by_card[card].append((ms, rating))
    items = []
    for answers in by_card.values():
        reviews = []
        last = None
        for ms, rating in answers:
            day = count.day_ms(ms)
            delta = 0 if last is None else day - last
            last = day
            reviews.append(FSRSReview(rating, delta))
            if delta > 0:
                items.append((ms, FSRSItem(list(reviews))))
    items.sort(key=itemgetter(0))
    return items


def _evaluation(params: Sequence[float], items: list[Any]) -> Evaluation:
    from fsrs_rs_python import FSRS

    result = FSRS(list(params)).evaluate(items)
    return Evaluation(result.log_loss, result.rmse_bins)


def _better(after: Evaluation, before: Evaluation) -> bool:
    return after.log_loss < before.log_loss and after.rmse_bins <= before.rmse_bins


def optimize(store: Store, settings: Settings, now: datetime, min_reviews: int = MIN_REVIEWS) -> Optimization:
    """Fit parameters to the store's log; adopt them (in force from `now`) when they predict held-out answers better."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    items = [item for _, item in timed_items(store.review_rows(), settings.day_start, now, history_starts(store))]
    if len(items) < min_reviews:
        return Optimization(len(items), min_reviews)
    in_force = settings_in_force(store, settings)
    old = tuple(float(p) for p in (in_force.parameters or DEFAULT_PARAMETERS))
    split = len(items) - max(1, round(len(items) * HELD_OUT))
    earlier, latest = items[:split], items[split:]
    trial = [float(p) for p in FSRS(list(old)).compute_parameters(earlier)]
    held_before, held_after = _evaluation(old, latest), _evaluation(trial, latest)
    new = tuple(float(p) for p in FSRS(list(old)).compute_parameters(items))
    before, after = _evaluation(old, items), _evaluation(new, items)
    adopted = _better(held_after, held_before)
    recompute = None
    if adopted:
        store.record_parameters(new, now, len(items), after.log_loss, after.rmse_bins)
        if not settings.parameters:  # config.toml's own parameters stay in force otherwise
            scheduler = Scheduler(settings_in_force(store, settings))
            recompute = recompute_states(store, scheduler, store.course_ids(), now)
    return Optimization(
        len(items), min_reviews, before, after, old, new, adopted, len(latest), held_before, held_after, recompute
    )


def optimize_home(home: Path, settings: Settings, now: datetime) -> Optimization:
    """`optimize` on the store in `home`."""
    with Store.open(home) as store:
        return optimize(store, settings, now)
