"""Fit FSRS parameters to the learner's own review log (fsrs-rs, no torch) and keep them if they predict better.

The log becomes fsrs-rs training items the way Anki builds them: one item per answer given on
a later day than the card's previous answer, holding the card's answers so far (since its last
reset), with days counted as Anki counts them (24-hour blocks back from the day start after
now), and the items in the time order of their last answer, as Anki sorts them by revlog id.
The fit is the one Anki's optimiser makes (fsrs-rs told each item's card, the preset's number
of relearning steps, 8 passes), so on the same history both fit the same parameters.

Whether new parameters are kept is decided on answers the fit has not seen: the items are
split in time, parameters are fitted to the earlier 80% and both sets are evaluated on the
latest 20% (log loss and RMSE(bins), fsrs-rs's evaluation as Anki's Evaluate shows it). When
the fitted set predicts the held-out answers better (lower log loss, RMSE(bins) no worse), the
parameters fitted to every item are adopted, stored with the moment they came into force, and
every card's state is recomputed with them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from srscards.scheduling.scheduler import DayCount, Scheduler, Settings, to_ms
from srscards.store.records import ReviewRow
from srscards.store.store import Store
from srscards.study.answer_log import AnswerLog, read_answer_log
from srscards.study.recompute import Recompute, recompute_states
from srscards.study.workspace import settings_in_force

MIN_REVIEWS = 400  # answers on a later day; fewer give parameters that swing with every new answer
HELD_OUT = 0.2  # the latest share of items the keep-or-adopt decision is made on
EPOCHS = 8  # passes over the items in a fit, as Anki's optimiser makes them


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
) -> list[tuple[int, int, Any]]:
    """(ms of the last answer, card, fsrs-rs item), oldest first: one per answer on a later day than
    the card's previous one, with the card's answers since its last reset before it."""
    from fsrs_rs_python import FSRSItem, FSRSReview

    count = DayCount(now, day_start)
    last_reset = {card: to_ms(max(at)) or 0 for card, at in (resets or {}).items() if at}
    by_card: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for card, ms, rating, *_ in sorted(rows, key=itemgetter(1)):
        if ms > last_reset.get(card, -1):
            by_card[card].append((ms, rating))
    items = []
    for card, answers in by_card.items():
        reviews = []
        last = None
        for ms, rating in answers:
            day = count.day_ms(ms)
            delta = 0 if last is None else day - last
            last = day
            reviews.append(FSRSReview(rating, delta))
            if delta > 0:
                items.append((ms, card, FSRSItem(list(reviews))))
    items.sort(key=itemgetter(0))
    return items


def training_set(
    store: Store, day_start: Any, now: datetime, log: AnswerLog | None = None
) -> tuple[list[Any], list[int]]:
    """The fsrs-rs items of `timed_items(store.review_rows(), day_start, now, history_starts(store))`,
    oldest first, and the card of each, built over the log's arrays (`log`, read from the store when
    not given): which answers count, their days and the order of the items are numpy over every
    answer; Python only makes one review object per (rating, days) pair and one item per answer on
    a later day."""
    import numpy as np
    from fsrs_rs_python import FSRSItem, FSRSReview

    log = log if log is not None else read_answer_log(store)
    kept = np.flatnonzero(log.after(store, forgotten_by_time=True))
    card, ms, review = log.card[kept], log.ms[kept], log.review[kept]
    count = DayCount(now, day_start)
    day = count.day_ms(ms)
    first = np.r_[True, card[1:] != card[:-1]] if len(kept) else np.zeros(0, bool)  # a card's first answer
    delta = np.diff(day, prepend=day[:1])
    delta[first] = 0
    # each answer's review object, shared by every answer with its (rating, days)
    pairs, shared = _distinct(delta * 4 + (log.rating[kept] - 1))
    objects = [FSRSReview(int(pair % 4) + 1, int(pair // 4)) for pair in pairs.tolist()]
    reviews = list(map(objects.__getitem__, shared.tolist()))
    # an item per answer on a later day than the card's previous one, holding the card's answers
    # so far; in the time order of its last answer, ties (two cards answered in the same
    # millisecond) in the order of each card's first answer, as the row list's stable sort gives
    ends = np.flatnonzero(delta > 0)
    begins = np.maximum.accumulate(np.where(first, np.arange(len(kept)), 0))[ends]
    order = np.lexsort((review[begins], ms[begins], ms[ends]))
    items = [FSRSItem(reviews[b:e]) for b, e in zip(begins[order].tolist(), (ends[order] + 1).tolist(), strict=True)]
    return items, card[ends[order]].tolist()


def _distinct(keys: Any) -> tuple[Any, Any]:
    """`np.unique(keys, return_inverse=True)`; by a table of the keys seen rather than a sort where
    they are small and not negative, as (days, rating) pairs are."""
    import numpy as np

    if not len(keys) or keys.min() < 0 or keys.max() >= 1 << 22:
        return np.unique(keys, return_inverse=True)
    seen = np.zeros(int(keys.max()) + 1, bool)
    seen[keys] = True
    return np.flatnonzero(seen), (np.cumsum(seen) - 1)[keys]


def _evaluation(params: Sequence[float], items: list[Any]) -> Evaluation:
    from fsrs_rs_python import FSRS

    result = FSRS(list(params)).evaluate(items)
    return Evaluation(result.log_loss, result.rmse_bins)


def _better(after: Evaluation, before: Evaluation) -> bool:
    return after.log_loss < before.log_loss and after.rmse_bins <= before.rmse_bins


def _fit(items: list[Any], cards: list[int], relearning_steps: int) -> tuple[float, ...]:
    """fsrs-rs's fit as Anki's optimiser calls it: the card of each item given (each card's items
    are then fitted in one pass over its answers), `relearning_steps` as the preset has them, and
    8 passes over the items."""
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, TrainingConfig

    fitted = FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(
        items, card_ids=cards, num_relearning_steps=relearning_steps, training_config=TrainingConfig(num_epochs=EPOCHS)
    )
    return tuple(float(p) for p in fitted)


def _with_old_parameters(
    old: tuple[float, ...], items: list[Any], cards: list[int], split: int, relearning_steps: int
) -> Iterator[tuple[Evaluation, ...]]:
    """What needs the parameters in force and not the fit to every item: first the held-out figures
    of the parameters in force and of those fitted to the items before `split` (the decision), then
    the in-sample figure of the parameters in force."""
    trial = _fit(items[:split], cards[:split], relearning_steps)
    latest = items[split:]
    yield _evaluation(old, latest), _evaluation(trial, latest)
    yield (_evaluation(old, items),)


def optimize(store: Store, settings: Settings, now: datetime, min_reviews: int = MIN_REVIEWS) -> Optimization:
    """Fit parameters to the store's log; adopt them (in force from `now`) when they predict held-out answers better.

    The fit to the earlier items with the evaluations of the parameters in force (the decision and
    the figure before) and the fit to every item (the parameters adopted) are independent: on Linux
    the first runs in a forked process while this one makes the second, and the recompute starts as
    soon as the decision is known; the figures are the same either way."""
    from fsrs_rs_python import DEFAULT_PARAMETERS

    log = read_answer_log(store)  # the recompute needs it again
    items, cards = training_set(store, settings.day_start, now, log)
    if len(items) < min_reviews:
        return Optimization(len(items), min_reviews)
    in_force = settings_in_force(store, settings)
    old = tuple(float(p) for p in (in_force.parameters or DEFAULT_PARAMETERS))
    split = len(items) - max(1, round(len(items) * HELD_OUT))
    steps = len(in_force.relearning_steps)
    figures = _Results(_with_old_parameters, old, items, cards, split, steps)
    try:
        new = _fit(items, cards, steps)
        after = _evaluation(new, items)
        held_before, held_after = figures.next()
        adopted = _better(held_after, held_before)
        recompute = None
        if adopted:
            store.record_parameters(new, now, len(items), after.log_loss, after.rmse_bins)
            if not settings.parameters:  # config.toml's own parameters stay in force otherwise
                scheduler = Scheduler(settings_in_force(store, settings))
                recompute = recompute_states(store, scheduler, store.course_ids(), now, log)
        (before,) = figures.next()
    finally:
        figures.close()
    return Optimization(
        len(items),
        min_reviews,
        before,
        after,
        old,
        new,
        adopted,
        len(items) - split,
        held_before,
        held_after,
        recompute,
    )


class _Results:
    """The values `call(*args)` yields, one by one (`next`): on Linux made in a forked process, which
    shares this one's memory (the items are not copied or pickled), while this one goes on; here,
    when each is asked for, where forking is not safe (not Linux: macOS system libraries may crash
    in a forked child; one core; another Python thread running) or the process failed."""

    def __init__(self, call: Callable[..., Iterator[Any]], *args: Any) -> None:
        self.call, self.args = call, args
        self.taken = 0  # values handed out
        self.local: Iterator[Any] | None = None
        self.process, self.connection = _fork(call, args)
        if self.process is None:
            self.local = call(*args)

    def next(self) -> Any:
        if self.local is None:
            try:
                value = self.connection.recv()
            except (EOFError, OSError):  # the process failed: make them here, past those handed out
                self.close()
                self.local = self.call(*self.args)
                for _ in range(self.taken):
                    next(self.local)
            else:
                self.taken += 1
                return value
        self.taken += 1
        return next(self.local)

    def close(self) -> None:
        if self.process is not None:
            self.connection.close()
            self.process.join()
            self.process = None


def _fork(call: Callable[..., Iterator[Any]], args: tuple[Any, ...]) -> tuple[Any, Any]:
    """(process, receiving end) of `call(*args)` started in a forked process; (None, None) where
    forking is not safe or failed."""
    import multiprocessing
    import os
    import sys
    import threading

    if not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2 or threading.active_count() > 1:
        return None, None
    try:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_send_results, args=(send, call, args), daemon=True)
        process.start()
    except OSError:
        return None, None
    send.close()
    return process, receive


def _send_results(connection: Any, call: Callable[..., Iterator[Any]], args: tuple[Any, ...]) -> None:
    try:
        for value in call(*args):
            connection.send(value)
    except BaseException:  # noqa: BLE001 - the parent makes the rest itself
        pass
    finally:
        connection.close()


def optimize_home(home: Path, settings: Settings, now: datetime) -> Optimization:
    """`optimize` on the store in `home`."""
    with Store.open(home) as store:
        return optimize(store, settings, now)
