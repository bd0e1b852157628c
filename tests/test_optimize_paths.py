"""The fast paths of `optimize` and of the recompute give exactly what the straightforward ones give.

`optimize` reads the log once into arrays and builds its items over them without a row list, fits
the decision's parameters in a forked process, and the recompute replays the memory of every card
that keeps its due date at once, answer index by answer index (`replay_memories`). Each is checked
here against the plain computation it replaced (items from the row list, every fsrs-rs call in turn
in one process, every card replayed whole, one at a time), on a log with what makes the paths
differ: resets, forgets, undone answers, answers imported out of time order, two cards answered in
the same millisecond, and stale stored states; and with hypothesis on random logs and settings.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import tempfile
import threading
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srscards.scheduling.memory_replay import replay_memories
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State, from_ms, to_ms
from srscards.store.base import memory_values
from srscards.store.store import STORE_FILE, Store
from srscards.study.answer_log import read_answer_log
from srscards.study.optimize import Evaluation, Optimization, optimize, timed_items, training_set
from srscards.study.recompute import history_starts, recompute_states, replay_card
from srscards.study.workspace import settings_in_force
from test_optimize import NOW, simulated_home

OTHER_PARAMETERS = (
    0.3, 1.1, 2.9, 9.0, 6.6, 0.5, 2.9, 0.01, 1.6, 0.1, 1.0, 1.9, 0.1, 0.3, 2.3, 0.2, 3.0, 0.5, 0.7, 0.1, 0.2,
)  # fmt: skip


def awkward_home(course, tmp_path: Path) -> Path:
    """A simulated log with every case the fast paths must get right."""
    home = simulated_home(course, tmp_path, cards=60, seed=11)
    with sqlite3.connect(home / STORE_FILE) as db:
        cards = [r[0] for r in db.execute("SELECT DISTINCT card FROM reviews ORDER BY card")]

        def answers(card: int) -> list[tuple[int, int]]:
            return db.execute("SELECT id, reviewed_at FROM reviews WHERE card = ? ORDER BY id", (card,)).fetchall()

        def add(card: int, ms: int, rating: int, origin: str = "review") -> int:
            state = json.dumps(Memory().to_json())
            return db.execute(
                "INSERT INTO reviews (card, reviewed_at, rating, duration_ms, origin, state_before, state_after) "
                "VALUES (?, ?, ?, 5000, ?, ?, ?)",
                (card, ms, rating, origin, state, state),
            ).lastrowid

        # answers imported from Anki, dated before the card's first answer here but written after
        first = answers(cards[0])[0][1]
        for k, rating in enumerate((3, 1, 3)):
            add(cards[0], first - (9 - 3 * k) * 86_400_000, rating, "import")
        # two cards answered in the same millisecond, later than their last answers
        same = max(answers(cards[1])[-1][1], answers(cards[2])[-1][1]) + 3 * 86_400_000
        add(cards[2], same, 3)
        add(cards[1], same, 3)
        # a reset (Anki's Forget) in the middle of a card's history
        history = answers(cards[3])
        db.execute("INSERT INTO resets (card, reset_at, anki_revlog_id) VALUES (?, ?, 1)", (cards[3], history[3][1]))
        # a forget (srscards cards forget) that set aside a card's answers so far, then an imported
        # answer dated before the forget's last answer but written after it
        history = answers(cards[4])
        state = json.dumps({})
        db.execute(
            "INSERT INTO card_actions (card, acted_at, action, origin, state_before, state_after, review_mark) "
            "VALUES (?, ?, 'forget', 'cards', ?, ?, ?)",
            (cards[4], history[4][1] + 1000, state, state, history[4][0]),
        )
        add(cards[4], history[4][1] - 60_000, 1, "import")
        # the last answer of a card undone
        db.execute("INSERT INTO undone (review, undone_at) VALUES (?, ?)", (answers(cards[5])[-1][0], to_ms(NOW)))
        # stored states: most cards as their last answer left them, some stale
        for card in cards[6:]:
            history = answers(card)
            after = db.execute("SELECT state_after FROM reviews WHERE id = ?", (history[-1][0],)).fetchone()[0]
            memory = Memory.from_json(json.loads(after))
            if card % 5 == 0:
                memory = replace(memory, reps=memory.reps + 1)  # not the log's last answer: replayed whole
            db.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ?",
                (*memory_values(memory), card),
            )
    return home


def copy_home(home: Path, name: str) -> Path:
    copy = home.parent / name
    shutil.copytree(home, copy)
    return copy


def replayed_whole(store: Store, scheduler: Scheduler, now: datetime) -> dict[int, Memory]:
    """Every card's state the straightforward way: its log read whole, each answer replayed with
    its due date, the due date kept where the last answer is the one the state came from."""
    by_card: dict[int, list[tuple[datetime, Rating]]] = {}
    forgotten = store.forgotten_before()
    for review in store.log():
        if review.id <= forgotten.get(review.card, 0):
            continue
        by_card.setdefault(review.card, []).append((review.reviewed_at, review.rating))
    resets = store.resets()
    states = {}
    for card in store.cards(store.course_ids(), include_retired=True):
        memory = replay_card(scheduler, by_card.get(card.id, []), resets.get(card.id, []), card.key, now)
        old = card.memory
        if old.due is not None and (memory.state, memory.last_review, memory.reps) == (
            old.state,
            old.last_review,
            old.reps,
        ):
            memory = replace(memory, due=old.due)
        states[card.id] = memory
    return states


def same_outcome(a: Optimization, b: Optimization) -> bool:
    """Equal outcomes. RMSE(bins) is compared to 1e-6: fsrs-rs sums its bins in an order that varies
    from call to call (the same evaluation twice in one process differs in the 8th digit)."""

    def close(x: Evaluation | None, y: Evaluation | None) -> bool:
        if x is None or y is None:
            return x is y
        return x.log_loss == y.log_loss and y.rmse_bins == pytest.approx(x.rmse_bins, rel=1e-6, abs=0)

    pairs = [(a.before, b.before), (a.after, b.after), (a.held_out_before, b.held_out_before)]
    pairs.append((a.held_out_after, b.held_out_after))
    plain = ("reviews", "needed", "old", "new", "adopted", "held_out", "recompute")
    return all(close(x, y) for x, y in pairs) and all(getattr(a, f) == getattr(b, f) for f in plain)


def stored_states(home: Path) -> dict[int, Memory]:
    with Store.open(home) as store:
        return {card.id: card.memory for card in store.cards(store.course_ids(), include_retired=True)}


def test_the_training_set_is_the_items_and_cards_of_the_row_list(course, tmp_path):
    home = awkward_home(course, tmp_path)
    with Store.open(home) as store:
        day_start = Settings().day_start
        timed = timed_items(store.review_rows(), day_start, NOW, history_starts(store))
        fast, cards = training_set(store, day_start, NOW)
    assert len(fast) > 400
    assert [repr(item) for item in fast] == [repr(item) for _, _, item in timed]
    assert cards == [card for _, card, _ in timed]


def test_recompute_gives_every_card_the_state_of_a_whole_replay(course, tmp_path):
    home = awkward_home(course, tmp_path)
    scheduler = Scheduler(Settings(parameters=OTHER_PARAMETERS))
    with Store.open(home) as store:
        expected = replayed_whole(store, scheduler, NOW)
        before = {card.id: card.memory for card in store.cards(store.course_ids(), include_retired=True)}
        result = recompute_states(store, scheduler, store.course_ids(), NOW)
    after = stored_states(home)
    assert after == expected
    moved = sum(before[card] != after[card] for card in after)
    assert result.cards == len(after) and result.moved == moved and moved > 40
    # the stale states were replayed whole: most get the replay's due date, not the stored one
    stale = [card for card in after if card % 5 == 0 and before[card].reps > 0]
    assert len(stale) > 5 and sum(after[card].due != before[card].due for card in stale) > len(stale) // 2


def test_optimize_in_a_fork_gives_the_figures_of_every_call_made_in_turn(course, tmp_path):
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, TrainingConfig

    home = awkward_home(course, tmp_path)
    in_turn = copy_home(home, "in-turn")
    with Store.open(home) as store:
        forked = optimize(store, Settings(), NOW)
    # with another thread running, optimize makes every fsrs-rs call in this process
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        with Store.open(in_turn) as store:
            alone = optimize(store, Settings(), NOW)
    finally:
        stop.set()
        waiting.join()
    assert same_outcome(forked, alone)
    assert stored_states(home) == stored_states(in_turn)
    # the calls the plain version made, in its order, on the items of the row list
    plain = copy_home(tmp_path / "home", "plain")
    with Store.open(plain) as store:
        day_start = Settings().day_start
        timed = timed_items(store.review_rows(), day_start, NOW, history_starts(store))
        items, cards = [item for _, _, item in timed], [card for _, card, _ in timed]
        old = list(DEFAULT_PARAMETERS)
        split = len(items) - max(1, round(len(items) * 0.2))

        def fit(items: list, cards: list[int]) -> list[float]:  # as Anki's optimiser calls fsrs-rs
            config = TrainingConfig(num_epochs=8)
            return FSRS(old).compute_parameters(items, card_ids=cards, num_relearning_steps=1, training_config=config)

        trial = fit(items[:split], cards[:split])
        held = [FSRS(p).evaluate(items[split:]) for p in (old, trial)]
        new = tuple(float(p) for p in fit(items, cards))
        whole = [FSRS(list(p)).evaluate(items) for p in (old, new)]
    assert forked.new == new and forked.reviews == len(items) and forked.held_out == len(items) - split
    figures = (forked.held_out_before, forked.held_out_after, forked.before, forked.after)
    for got, plain_figure in zip(figures, (*held, *whole), strict=True):
        assert got is not None
        assert got.log_loss == plain_figure.log_loss
        assert got.rmse_bins == pytest.approx(plain_figure.rmse_bins, rel=1e-6, abs=0)
    # adopted, and every card's state is what a whole replay with the adopted parameters gives
    assert forked.adopted and forked.recompute is not None
    with Store.open(plain) as store:
        adopted = settings_in_force(store, Settings(parameters=new))
        assert stored_states(home) == replayed_whole(store, Scheduler(adopted), NOW)


answer_lists = st.lists(
    st.tuples(
        st.sampled_from([1, 2, 3, 4]),
        st.one_of(st.integers(0, 30 * 60_000), st.integers(0, 90 * 86_400_000)),  # minutes or days later
    ),
    max_size=14,
)


steps = {
    "learning": [(), (timedelta(minutes=1),), (timedelta(minutes=1), timedelta(minutes=10)), (timedelta(hours=2),) * 3],
    "relearning": [(), (timedelta(minutes=10),), (timedelta(minutes=5), timedelta(hours=1))],
}
schedulers = st.builds(
    lambda learning, relearning, parameters, day_start: Scheduler(
        Settings(learning_steps=learning, relearning_steps=relearning, parameters=parameters, day_start=day_start)
    ),
    learning=st.sampled_from(steps["learning"]),
    relearning=st.sampled_from(steps["relearning"]),
    parameters=st.sampled_from([(), OTHER_PARAMETERS]),
    day_start=st.sampled_from([time(4), time(0), time(23, 30)]),
)


@settings(max_examples=150, deadline=None)
@given(answers=answer_lists, scheduler=schedulers, start_ms=st.integers(1_700_000_000_000, 1_790_000_000_000))
def test_a_replay_of_the_memory_alone_is_the_whole_replay_but_its_due_date(answers, scheduler, start_ms):
    timed, ms = [], start_ms
    for rating, gap in answers:
        ms += gap
        timed.append((ms, rating))
    now = from_ms(ms + 3_600_000)
    assert now is not None
    whole = scheduler.replay([(from_ms(m), Rating(r)) for m, r in timed], "c/n/v", now)  # type: ignore[misc]
    assert scheduler.replay_memory(timed, now) == replace(whole, due=None)


def test_the_log_is_read_card_by_card_in_time_order(course, tmp_path):
    home = awkward_home(course, tmp_path)
    with Store.open(home) as store:
        rows = list(store.answers_by_card())
        log = store.log()
        arrays = read_answer_log(store)
    expected = sorted(((r.card, to_ms(r.reviewed_at), int(r.rating), r.id) for r in log), key=lambda r: r[:2] + r[3:])
    assert rows == expected
    columns = (arrays.card.tolist(), arrays.ms.tolist(), arrays.rating.tolist(), arrays.review.tolist())
    assert list(zip(*columns, strict=True)) == expected
    runs = [(card, len(list(group))) for card, group in groupby(expected, itemgetter(0))]
    assert list(zip(arrays.cards.tolist(), arrays.counts.tolist(), strict=True)) == runs
    assert arrays.starts.tolist() == [sum(n for _, n in runs[:i]) for i in range(len(runs))]
    assert all(isinstance(v, int) for row in rows for v in row)
    assert datetime.fromtimestamp(0, UTC) < from_ms(rows[0][1])  # type: ignore[operator]


def memories_of(scheduler: Scheduler, histories: list[list[tuple[int, int]]], now: datetime) -> list[Memory]:
    """`replay_memories` of every history at once, as the memories `replay_memory` gives."""
    ms = [m for history in histories for m, _ in history]
    ratings = [r for history in histories for _, r in history]
    counts = [len(history) for history in histories]
    starts = [sum(counts[:i]) for i in range(len(counts))]
    got = replay_memories(scheduler, np.array(ms, np.int64), np.array(ratings, np.int8), np.array(starts, np.int64),
                          np.array(counts, np.int64), now)  # fmt: skip
    memories = []
    for i in range(len(histories)):
        if not got.reps[i]:
            memories.append(Memory())
            continue
        step = int(got.step[i])
        memories.append(
            Memory(State(int(got.state[i])), None if step < 0 else step, float(got.stability[i]),
                   float(got.difficulty[i]), None, from_ms(int(got.last_ms[i])), int(got.reps[i]), int(got.lapses[i]))
        )  # fmt: skip
    return memories


gaps = st.one_of(
    st.just(0),  # the same millisecond
    st.integers(0, 30 * 60_000),  # within a learning step
    st.integers(0, 3 * 86_400_000),  # around a day start
    st.integers(0, 200 * 86_400_000),  # days to months
)
histories = st.lists(st.lists(st.tuples(st.sampled_from([1, 2, 3, 4]), gaps), max_size=25), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(cards=histories, scheduler=schedulers, start_ms=st.integers(1_600_000_000_000, 1_790_000_000_000))
def test_every_card_replayed_at_once_equals_each_replayed_alone(cards, scheduler, start_ms):
    """Bit for bit: the same stability and difficulty (not just close), state, step, reps and lapses."""
    timed = []
    for answers in cards:
        ms, history = start_ms, []  # every card starts at the same moment: answers in the same millisecond
        for rating, gap in answers:
            ms += gap
            history.append((ms, rating))
        timed.append(history)
    now = from_ms(max((h[-1][0] for h in timed if h), default=start_ms) + 3_600_000)
    assert now is not None
    together = memories_of(scheduler, timed, now)
    for history, memory in zip(timed, together, strict=True):
        assert memory == scheduler.replay_memory(history, now)
        whole = scheduler.replay([(from_ms(m), Rating(r)) for m, r in history], "c/n/v", now)  # type: ignore[misc]
        assert memory == replace(whole, due=None)


def store_with(home: Path, cards: list[dict[str, object]], start_ms: int) -> None:
    """A store holding `cards`: each a history of (rating, gap) answers and what happened to it."""
    Store.open(home).close()
    default = Scheduler(Settings())
    with sqlite3.connect(home / STORE_FILE) as db:
        empty = json.dumps(Memory().to_json())

        def add(card: int, ms: int, rating: int, origin: str = "review") -> int:
            return db.execute(
                "INSERT INTO reviews (card, reviewed_at, rating, duration_ms, origin, state_before, state_after) "
                "VALUES (?, ?, ?, 5000, ?, ?, ?)",
                (card, ms, rating, origin, empty, empty),
            ).lastrowid

        for n, case in enumerate(cards):
            card = db.execute(
                "INSERT INTO cards (course, note, variant, type, deck, tasks, tags, exam, path, line, position, "
                "added_at) VALUES ('c', ?, 'card', 'basic', 'd', '', '', 'both', 'p.md', 1, ?, 0)",
                (f"n{n}", n),
            ).lastrowid
            ms, written = start_ms, []
            for rating, gap in case["answers"]:  # type: ignore[attr-defined]
                ms += gap
                written.append((add(card, ms, rating), ms))
            event, at = case["event"], case["at"]
            if written and event == "reset":
                db.execute("INSERT INTO resets (card, reset_at, anki_revlog_id) VALUES (?, ?, ?)",
                           (card, written[at % len(written)][1], n))  # fmt: skip
            elif written and event == "forget":
                review, moment = written[at % len(written)]
                db.execute(
                    "INSERT INTO card_actions (card, acted_at, action, origin, state_before, state_after, "
                    "review_mark) VALUES (?, ?, 'forget', 'cards', '{}', '{}', ?)",
                    (card, moment + 1, review),
                )
                add(card, moment - 60_000, 1, "import")  # written after the forget, dated before its last answer
            elif written and event == "undo":
                db.execute("INSERT INTO undone (review, undone_at) VALUES (?, ?)", (written[-1][0], ms))
            elif written and event == "import":
                add(card, written[0][1] - 2 * 86_400_000, 3, "import")  # before the card's first answer here
            if case["stored"] != "new":  # the state its answers left (by the default settings), or stale
                with Store.open(home) as store:
                    answers = [(r.reviewed_at, r.rating) for r in store.log(card)]
                    resets = store.resets(card).get(card, [])
                memory = replay_card(default, answers, resets, f"c/n{n}/card", from_ms(ms + 3_600_000))  # type: ignore[arg-type]
                if case["stored"] == "stale":
                    memory = replace(memory, reps=memory.reps + 1)
                db.execute(
                    "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                    "reps = ?, lapses = ? WHERE id = ?",
                    (*memory_values(memory), card),
                )


cases = st.fixed_dictionaries(
    {
        "answers": st.lists(st.tuples(st.sampled_from([1, 2, 3, 4]), gaps), max_size=15),
        "event": st.sampled_from(["none", "reset", "forget", "undo", "import"]),
        "at": st.integers(0, 20),
        "stored": st.sampled_from(["new", "as answered", "stale"]),
    }
)


@settings(max_examples=40, deadline=None)
@given(
    cards=st.lists(cases, min_size=1, max_size=8),
    learning=st.sampled_from(steps["learning"]),
    relearning=st.sampled_from(steps["relearning"]),
    day_start=st.sampled_from([time(4), time(0), time(23, 30)]),
    start_ms=st.integers(1_600_000_000_000, 1_790_000_000_000),
)
def test_a_recompute_and_the_items_equal_the_plain_computation_on_random_logs(
    cards, learning, relearning, day_start, start_ms
):
    """Resets, forgets (with an answer imported under them), undone and imported answers, single
    answers, answers in the same millisecond, learning steps; stored states new, as the last
    answer left them (due date kept) or stale (replayed whole)."""
    scheduler = Scheduler(
        Settings(learning_steps=learning, relearning_steps=relearning, parameters=OTHER_PARAMETERS, day_start=day_start)
    )
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store_with(home, cards, start_ms)
        with Store.open(home) as store:
            now = from_ms(max(to_ms(r.reviewed_at) or 0 for r in store.log()) + 3_600_000) if store.log() else NOW
            assert now is not None
            timed = timed_items(store.review_rows(), day_start, now, history_starts(store))
            items, item_cards = training_set(store, day_start, now)
            assert [repr(item) for item in items] == [repr(item) for _, _, item in timed]
            assert item_cards == [card for _, card, _ in timed]
            before = {card.id: card.memory for card in store.cards(store.course_ids(), include_retired=True)}
            expected = replayed_whole(store, scheduler, now)
            result = recompute_states(store, scheduler, store.course_ids(), now)
        after = stored_states(home)
    assert after == expected
    moved = [card for card in after if before[card] != after[card]]
    changes = [
        abs(after[c].stability / before[c].stability - 1)  # type: ignore[operator]
        if after[c].stability is not None and before[c].stability is not None
        else float(after[c].stability != before[c].stability)
        for c in moved
    ]
    median = statistics.median(changes) if changes else 0.0
    assert (result.cards, result.moved, result.median_change, result.max_change) == (
        len(after), len(moved), median, max(changes, default=0.0)
    )  # fmt: skip


def values_made_here_after_the_first(parent: int):  # type: ignore[no-untyped-def]
    """1, 2, 3; a forked process dies after sending the first."""
    import os

    yield 1
    if os.getpid() != parent:
        os._exit(1)
    yield 2
    yield 3


def test_a_forked_process_that_dies_midway_leaves_the_rest_to_this_one():
    import os

    from srscards.study.optimize import _Results

    results = _Results(values_made_here_after_the_first, os.getpid())
    try:
        forked = results.process is not None
        assert [results.next(), results.next(), results.next()] == [1, 2, 3]
    finally:
        results.close()
    assert forked == ((os.cpu_count() or 1) >= 2)  # on Linux with one thread, forked where there are two cores


@given(st.lists(st.integers(-5, 1 << 23), max_size=60) | st.lists(st.integers(0, 40), max_size=60))
def test_distinct_keys_are_numpys_unique(keys):
    from srscards.study.optimize import _distinct

    values, inverse = _distinct(np.array(keys, np.int64))
    expected_values, expected_inverse = np.unique(np.array(keys, np.int64), return_inverse=True)
    assert values.tolist() == expected_values.tolist() and inverse.tolist() == expected_inverse.tolist()
