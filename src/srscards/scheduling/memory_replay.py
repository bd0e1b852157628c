"""The memory of many cards replayed at once: `Scheduler.replay_memory` over numpy arrays.

A recompute after new parameters are adopted replays every card's memory (state, step,
stability, difficulty) from its answers; a card at a time, that is Python per answer for a
whole history of millions. Here every card is replayed together, answer index by answer index:
step k applies each card's k-th answer, the cards sorted longest history first so that those
still answering are a prefix of the arrays.

The arithmetic is `replay_memory`'s (fsrs's formulas), operation for operation and in its
order. Additions, multiplications, divisions, minimum and maximum are exactly rounded in IEEE
doubles, so numpy gives the bits Python gives; powers are the exception (numpy's vectorised
`power` may differ from the C library's `pow` in the last bit), so they go through `math.pow`,
which is the `pow` Python's `**` calls. Every stability and difficulty is therefore equal to
`replay_memory`'s to the last bit; `tests/test_optimize_paths.py` checks it card by card.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

from srscards.scheduling.scheduler import DayCount, Scheduler, State

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]
    Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Memories:
    """Replayed memories, one element per card in the order the cards were given.

    A card without answers is new: state 0, reps 0, and its other values (step -1, stability and
    difficulty 0.0, last answer -1) stand for None. Otherwise `step` is -1 where it is None."""

    state: Ints
    step: Ints
    stability: Floats
    difficulty: Floats
    last_ms: Ints  # the moment of the last answer, Unix ms
    reps: Ints
    lapses: Ints


def _pow(base: Floats, exponent: float) -> Floats:
    """`base ** exponent` element by element, through the C library's `pow` as Python computes it."""
    import numpy as np

    return np.fromiter(map(math.pow, base.tolist(), repeat(exponent)), np.float64, len(base))


def _exp(exponent: Floats) -> Floats:
    """`math.e ** exponent` element by element, as `_pow` (fsrs writes e to a power, not `exp`)."""
    import numpy as np

    return np.fromiter(map(math.pow, repeat(math.e), exponent.tolist()), np.float64, len(exponent))


def replay_memories(
    scheduler: Scheduler, ms: Ints, ratings: Any, starts: Ints, counts: Ints, now: datetime
) -> Memories:
    """`scheduler.replay_memory` of every card at once: card i's answers (oldest first) are
    `ms[starts[i]:starts[i] + counts[i]]` with `ratings` alike; days counted from `now`."""
    import numpy as np

    p, factor, decay, initial_s, initial_d, easy_d, lowest_s, lowest_d, highest_d = scheduler._memory_constants[:9]
    recall_base, forget_short, short_terms, deltas, bonuses = scheduler._memory_constants[9:]
    learning_steps, relearning_steps = len(scheduler.settings.learning_steps), len(scheduler.settings.relearning_steps)
    # the parts of the formulas that depend on the rating alone, indexed by rating (1-4)
    by_rating = {
        name: np.array([0.0, *(float(table[r]) for r in range(1, 5))])
        for name, table in (
            ("initial_s", initial_s),
            ("initial_d", initial_d),
            ("short", short_terms),
            ("delta", deltas),
            ("hard", {1: 1.0, **{r: bonuses[r][0] for r in (2, 3, 4)}}),
            ("easy", {1: 1.0, **{r: bonuses[r][1] for r in (2, 3, 4)}}),
        )
    }
    mean_reversion, keep = p[7] * easy_d, 1 - p[7]
    count = DayCount(now, scheduler.settings.day_start)
    days_of = count.day_ms(np.asarray(ms, np.int64))
    ratings = np.asarray(ratings, np.int64)

    cards = len(counts)
    order = np.argsort(-np.asarray(counts, np.int64), kind="stable")  # longest history first
    length, first = np.asarray(counts, np.int64)[order], np.asarray(starts, np.int64)[order]
    state = np.zeros(cards, np.int64)
    step = np.full(cards, -1, np.int64)
    stability, difficulty = np.zeros(cards), np.zeros(cards)
    last_day, lapses = np.zeros(cards, np.int64), np.zeros(cards, np.int64)
    longest = int(length[0]) if cards else 0
    answering = cards - np.cumsum(np.bincount(length, minlength=longest + 1))  # cards with more than k answers
    review, relearning, learning = int(State.REVIEW), int(State.RELEARNING), int(State.LEARNING)
    for k in range(longest):
        m = int(answering[k])
        at = first[:m] + k
        rating, today = ratings[at], days_of[at]
        s, d = stability[:m], difficulty[:m]
        if k == 0:  # a new card: fsrs's learning card at step 0, without a stability yet
            s[:] = by_rating["initial_s"][rating]
            d[:] = by_rating["initial_d"][rating]
        else:
            days = today - last_day[:m]
            after = np.empty(m)
            short = np.flatnonzero(days < 1)
            if len(short):  # fsrs's _short_term_stability
                s_short, r_short = s[short], rating[short]
                increase = by_rating["short"][r_short] * _pow(s_short, -p[19])
                increase = np.where(r_short != 1, np.maximum(increase, 1.0), increase)
                after[short] = np.maximum(s_short * increase, lowest_s)
            longer = np.flatnonzero(days >= 1)
            if len(longer):
                s_long, d_long, r_long = s[longer], d[longer], rating[longer]
                recall = _pow(1 + factor * days[longer] / s_long, decay)
                forgot = np.flatnonzero(r_long == 1)
                if len(forgot):  # fsrs's _next_forget_stability
                    s_f, recall_f = s_long[forgot], recall[forgot]
                    long_term = (
                        p[11] * _pow(d_long[forgot], -p[12]) * (_pow(s_f + 1, p[13]) - 1) * _exp((1 - recall_f) * p[14])
                    )
                    after[longer[forgot]] = np.maximum(np.minimum(long_term, s_f / forget_short), lowest_s)
                recalled = np.flatnonzero(r_long != 1)
                if len(recalled):  # fsrs's _next_recall_stability
                    s_r, r_r = s_long[recalled], r_long[recalled]
                    growth = (
                        recall_base
                        * (11 - d_long[recalled])
                        * _pow(s_r, -p[9])
                        * (_exp((1 - recall[recalled]) * p[10]) - 1)
                        * by_rating["hard"][r_r]
                        * by_rating["easy"][r_r]
                    )
                    after[longer[recalled]] = np.maximum(s_r * (1 + growth), lowest_s)
            s[:] = after
            # fsrs's _next_difficulty: linear damping, then mean reversion to the initial Easy difficulty
            damped = d + (10.0 - d) * by_rating["delta"][rating] / 9.0
            d[:] = np.minimum(np.maximum(mean_reversion + keep * damped, lowest_d), highest_d)
        # the state and (re)learning step, as fsrs moves them
        current, current_step = state[:m], step[:m]
        was_review = current == review
        lapses[:m] += was_review & (rating == 1)
        in_relearning = current == relearning
        steps = np.where(in_relearning, relearning_steps, learning_steps)
        again = np.where(in_relearning, relearning, learning)
        at_step = np.maximum(current_step, 0)
        graduate = (steps == 0) | ((at_step >= steps) & (rating != 1))
        to_again = ~graduate & (rating == 1)
        to_same = ~graduate & (rating == 2)
        to_next = ~graduate & (rating == 3) & (at_step + 1 != steps)
        stays = to_again | to_same | to_next
        new_step = np.where(to_again, 0, np.where(to_same, at_step, np.where(to_next, at_step + 1, -1)))
        lapsed = was_review & (rating == 1) & (relearning_steps > 0)
        state[:m] = np.where(was_review, np.where(lapsed, relearning, review), np.where(stays, again, review))
        step[:m] = np.where(was_review, np.where(lapsed, 0, current_step), new_step)
        last_day[:m] = today
    last_ms = np.full(cards, -1, np.int64)
    answered = np.flatnonzero(length > 0)
    last_ms[answered] = np.asarray(ms, np.int64)[first[answered] + length[answered] - 1]
    back = np.empty(cards, np.int64)
    back[order] = np.arange(cards)  # from longest-first order back to the order given
    return Memories(
        state[back], step[back], stability[back], difficulty[back], last_ms[back], length[back], lapses[back]
    )
