"""The review log as numpy arrays, card by card in time order, for work over every answer at once.

`optimize` builds its training items from it and the recompute after it replays every card's
memory from it: both read the log once, here, and then work on whole arrays rather than in
Python per answer. Which answers count differs between them (see `AnswerLog.after`), so the
log is kept whole and each takes its own mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

from srscards.scheduling.scheduler import to_ms
from srscards.store.store import Store

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]
    Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class AnswerLog:
    """Every answer not undone, ordered by card, time and review id (`Store.answers_by_card`), as
    columns; `cards`, `starts` and `counts` give each card's run of answers."""

    card: Ints
    ms: Ints
    rating: Ints  # int8
    review: Ints
    cards: Ints  # each card with answers, in the log's order
    starts: Ints  # where its answers start
    counts: Ints  # how many it has

    def __len__(self) -> int:
        return len(self.ms)

    def per_answer(self, values: dict[int, int], default: int) -> Ints:
        """A value per answer: its card's in `values` (cards missing there, or without answers: `default`)."""
        import numpy as np

        by_card = np.full(len(self.cards) + 1, default, np.int64)  # the last one for cards without answers
        if values:
            by_card[lookup(self.cards, np.fromiter(values, np.int64, len(values)))] = list(values.values())
        return np.repeat(by_card[:-1], self.counts)

    def after(self, store: Store, forgotten_by_time: bool) -> Bools:
        """Which answers count towards the card's history: those after its last reset (Anki's
        Forget) and not set aside by a forget (`srscards cards forget`).

        A forget sets aside the answers up to a review id. The recompute leaves out exactly those;
        the training items (`forgotten_by_time`) start the history again after the latest of them
        in time, as a reset at that moment would, which also leaves out an answer imported later
        but dated before it."""
        import numpy as np

        last_reset = {card: to_ms(max(at)) or 0 for card, at in store.resets().items() if at}
        counts = self.ms > self.per_answer(last_reset, -1)
        forgotten = store.forgotten_before()
        if forgotten:
            set_aside = self.review <= self.per_answer(forgotten, 0)
            if not forgotten_by_time:
                return counts & ~set_aside
            # the latest answer set aside, per card (-1 where none is), as a moment to start after
            latest = np.maximum.reduceat(np.where(set_aside, self.ms, -1), self.starts) if len(self) else self.ms
            counts &= self.ms > np.repeat(latest, self.counts)
        return counts


def lookup(ids: Ints, wanted: Ints) -> Ints:
    """Where each of `wanted` is in the sorted `ids`; `len(ids)` for those not there."""
    import numpy as np

    found = np.searchsorted(ids, wanted)
    there = found < len(ids)
    there[there] = ids[found[there]] == wanted[there]
    return np.where(there, found, len(ids))


def runs(card: Ints) -> tuple[Ints, Ints, Ints]:
    """(cards, starts, counts) of the runs of equal values in `card` (sorted by card)."""
    import numpy as np

    if not len(card):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    starts = np.flatnonzero(np.r_[True, card[1:] != card[:-1]])
    return card[starts].astype(np.int64), starts, np.diff(np.r_[starts, len(card)])


def read_answer_log(store: Store) -> AnswerLog:
    """Every answer not undone, as `AnswerLog` columns: read in batches, so the log's rows are never
    held all at once (8 bytes a number in the arrays, against some 30 in a row of Python ints), then
    put in card, time and review id order by numpy, as `Store.answers_by_card` orders them."""
    import numpy as np

    parts = [
        np.fromiter(chain.from_iterable(rows), np.int64, 4 * len(rows)).reshape(-1, 4)
        for rows in store.answer_batches()
    ]
    table = np.concatenate(parts) if parts else np.zeros((0, 4), np.int64)
    del parts
    order = np.lexsort((table[:, 3], table[:, 1], table[:, 0]))  # by card, time, then review id
    card = table[order, 0]
    return AnswerLog(card, table[order, 1], table[order, 2].astype(np.int8), table[order, 3], *runs(card))
