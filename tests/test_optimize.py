"""`srscards optimize`: fitted parameters replace the old ones only when they predict better, and schedule."""

from __future__ import annotations

import itertools
import json
import random
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import run
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, State, to_ms
from srscards.store.store import STORE_FILE, Store
from srscards.study.optimize import optimize
from srscards.study.recompute import recompute_states
from srscards.study.workspace import settings_in_force, sync_sources
from test_metrics import build

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def log_row(card_id: int, at: datetime, rating: Rating, before: Memory, after: Memory) -> tuple:  # type: ignore[type-arg]
    """One answer as the review log's columns hold it (card, time, rating, 8 s, origin, states)."""
    return (card_id, to_ms(at), int(rating), 8000, "review", json.dumps(before.to_json()), json.dumps(after.to_json()))


def synced_cards(course, home: Path, cards: int, when: datetime) -> list:  # type: ignore[type-arg]
    """A course of `cards` one-card notes, synced into the store in `home` at `when`; its stored cards."""
    lines = ["---\ntitle: Sim\ndomain: 1\ntasks: [1.1]\n---\n"]
    lines += [f"### Question {n}\n<!-- id: sim-{n:03d} -->\n\nAnswer {n}.\n" for n in range(cards)]
    course.write("sim.md", "\n".join(lines))
    with Store.open(home) as store:
        courses, _ = sync_sources(store, course.root, when)
        return store.cards(courses)


def simulated_home(course, tmp_path: Path, cards: int = 60, seed: int = 7) -> Path:
    """A store with a few weeks of answers to `cards` cards, written as a session would write them."""
    home = tmp_path / "home"
    stored = synced_cards(course, home, cards, NOW - timedelta(days=120))
    rng = random.Random(seed)
    scheduler = Scheduler(Settings(fuzz=False))
    rows, states = [], []
    for card in stored:
        memory = Memory()
        at = NOW - timedelta(days=rng.uniform(60, 100))
        while at < NOW:
            recall = scheduler.recall(memory.stability, 1) if memory.stability else 0.8
            rating = Rating.GOOD if rng.random() < recall**3 else Rating.AGAIN
            after = scheduler.answer(memory, rating, at, card.key)
            rows.append(log_row(card.id, at, rating, memory, after))
            memory = after
            assert after.due is not None
            at = after.due + timedelta(hours=rng.uniform(0, 40))
        states.append((card.id, memory))
    with sqlite3.connect(home / STORE_FILE) as db:
        db.executemany(
            "INSERT INTO reviews (card, reviewed_at, rating, duration_ms, origin, state_before, state_after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            sorted(rows, key=lambda r: r[1]),
        )
    return home


def run_optimize(home: Path):
    return run("optimize", "--home", str(home), "--now", NOW.isoformat())


def stored_key(home: Path, card_id: int) -> str:
    with Store.open(home) as store:
        return next(c.key for c in store.cards(store.course_ids()) if c.id == card_id)


def test_too_few_reviews_says_how_many_are_needed(course, tmp_path):
    store, _ = build(course, tmp_path / "home")
    store.close()
    result = run_optimize(tmp_path / "home")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Not enough reviews to fit parameters: 5 answers on a later day, 400 needed (395 more). "
        "The default parameters stay in force.\n"
    )
    with Store.open(tmp_path / "home") as store:
        assert store.parameter_history() == []


def test_better_parameters_are_adopted_recorded_and_used_then_kept(course, tmp_path):
    home = simulated_home(course, tmp_path)
    result = run_optimize(home)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    fitted = re.fullmatch(r"Fitted to (\d{1,3}(?:,\d{3})*) answers on a later day\.", out[0])
    assert fitted and int(fitted[1].replace(",", "")) >= 400
    figure = r"log loss (\d\.\d{4}), RMSE\(bins\) (\d+\.\d\d)%"
    assert out[1] == "All answers (in-sample, as Anki's Evaluate):"
    before = re.fullmatch(rf"  before: {figure}", out[2])
    after = re.fullmatch(rf"  after:  {figure}", out[3])
    assert before and after and float(after[1]) < float(before[1])
    held = re.fullmatch(
        r"Latest (\d{1,3}(?:,\d{3})*) answers, held out from a fit to the earlier ones \(the decision\):", out[4]
    )
    assert held and int(held[1].replace(",", "")) == round(int(fitted[1].replace(",", "")) * 0.2)
    in_force = re.fullmatch(rf"  in force: {figure}", out[5])
    trial = re.fullmatch(rf"  fitted:   {figure}", out[6])
    # adopted because the fit to the earlier answers predicts the latest ones better
    assert in_force and trial and float(trial[1]) < float(in_force[1]) and float(trial[2]) <= float(in_force[2])
    assert out[7] == "The new parameters are in force from now on:" and len(out) == 10
    moved = re.fullmatch(
        r"(\d+) card states recomputed from the log; (\d+) moved "
        r"\(stability changed by (\d+\.\d)% median, (\d+\.\d)% at most\)\.",
        out[9],
    )
    assert moved and int(moved[1]) == 60 and 0 < int(moved[2]) <= 60 and float(moved[3]) <= float(moved[4])
    with Store.open(home) as store:
        (record,) = store.parameter_history()
        settings = settings_in_force(store, Settings())
        stored = {c.id: c.memory for c in store.cards(store.course_ids())}
        # the stored states are what a fresh recompute with the adopted parameters gives
        fresh = recompute_states(store, Scheduler(settings), store.course_ids(), NOW)
        assert fresh.moved == 0 and {c.id: c.memory for c in store.cards(store.course_ids())} == stored
        log = store.log()
    assert record.since == NOW and record.reviews == int(fitted[1]) and len(record.parameters) == 21
    assert out[8] == "  " + ", ".join(f"{p:.4f}" for p in record.parameters)
    assert settings.parameters == record.parameters
    by_card: dict[int, list] = {}
    for r in log:
        by_card.setdefault(r.card, []).append((r.reviewed_at, r.rating))
    card_id, answers = next(iter(by_card.items()))
    assert stored[card_id] == Scheduler(settings).replay(answers, stored_key(home, card_id), NOW)
    # the scheduler now schedules with them: a first Good gives another stability than the defaults
    first = Scheduler(settings).answer(Memory(), Rating.GOOD, NOW)
    assert first.stability == record.parameters[2] != Scheduler(Settings()).answer(Memory(), Rating.GOOD, NOW).stability

    again = run_optimize(home)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == (
        "The new parameters do not predict unseen answers better; the old ones stay in force."
    )
    with Store.open(home) as store:
        assert len(store.parameter_history()) == 1


def test_config_parameters_take_precedence(course, tmp_path):
    home = simulated_home(course, tmp_path, cards=50)
    with Store.open(home) as store:
        custom = Settings(parameters=tuple(0.5 for _ in range(21)))
        result = optimize(store, custom, NOW)
        assert result.old == custom.parameters
        assert settings_in_force(store, custom).parameters == custom.parameters


def home_answered_by_the_model(course, tmp_path: Path, cards: int = 70, seed: int = 0) -> Path:
    """A store whose answers are drawn from the default parameters' own predicted recall: a fit to it
    can only chase noise."""
    home = tmp_path / "home"
    stored = synced_cards(course, home, cards, NOW - timedelta(days=200))
    rng = random.Random(seed)
    scheduler = Scheduler(Settings(fuzz=False))
    rows = []
    for card in stored:
        memory = Memory()
        at = NOW - timedelta(days=rng.uniform(100, 180))
        while at < NOW:
            recall = scheduler.retrievability(memory, at) if memory.stability else 0.75
            rating = Rating.GOOD if rng.random() < recall else Rating.AGAIN
            after = scheduler.answer(memory, rating, at, card.key)
            rows.append(log_row(card.id, at, rating, memory, after))
            memory = after
            assert after.due is not None
            at = after.due + timedelta(hours=rng.uniform(0, 30))
    with sqlite3.connect(home / STORE_FILE) as db:
        db.executemany(
            "INSERT INTO reviews (card, reviewed_at, rating, duration_ms, origin, state_before, state_after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            sorted(rows, key=lambda r: r[1]),
        )
    return home


def test_a_fit_that_only_looks_better_in_sample_is_not_adopted(course, tmp_path):
    """The answers follow the parameters in force; the new fit is better on the answers it was fitted
    to, but worse on the latest answers it did not see, so the parameters in force stay."""
    home = home_answered_by_the_model(course, tmp_path)
    result = run_optimize(home)
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    figure = r"log loss (\d\.\d{4}), RMSE\(bins\) (\d+\.\d\d)%"
    before = re.fullmatch(rf"  before: {figure}", out[2])
    after = re.fullmatch(rf"  after:  {figure}", out[3])
    in_force = re.fullmatch(rf"  in force: {figure}", out[5])
    trial = re.fullmatch(rf"  fitted:   {figure}", out[6])
    assert before and after and in_force and trial
    # in-sample, the fit would have been adopted (lower log loss and RMSE); held out, it is worse
    assert float(after[1]) < float(before[1]) and float(after[2]) < float(before[2])
    assert float(trial[1]) > float(in_force[1])
    assert out[7] == "The new parameters do not predict unseen answers better; the old ones stay in force."
    with Store.open(home) as store:
        assert store.parameter_history() == []


def test_the_fit_is_the_one_ankis_optimiser_makes_on_the_same_log(course, tmp_path, utc):
    """The same answers in an Anki collection (one note per card, added in the order of the store's
    card ids, each answer a revlog row typed by the state it was given in): the parameters
    `optimize` fits to every item are the ones Anki's Optimize button computes."""
    from anki.collection import Collection

    home = simulated_home(course, tmp_path, cards=150, seed=5)
    with sqlite3.connect(home / STORE_FILE) as db:
        rows = db.execute("SELECT card, reviewed_at, rating, state_before FROM reviews ORDER BY card, id").fetchall()
    assert len({ms for _, ms, _, _ in rows}) == len(rows)  # revlog ids are unique milliseconds
    revlog_type = {State.NEW: 0, State.LEARNING: 0, State.REVIEW: 1, State.RELEARNING: 2}
    col = Collection(str(tmp_path / "same-log.anki2"))
    try:
        col.set_config("rollover", Settings().day_start.hour)
        model, deck = col.models.by_name("Basic"), col.decks.id("Default")
        anki_card = {}
        for card in sorted({card for card, *_ in rows}):
            note = col.new_note(model)
            note["Front"], note["Back"] = f"card {card}", "answer"
            col.add_note(note, deck)
            anki_card[card] = note.cards()[0].id
        for card, ms, rating, before in rows:
            kind = revlog_type[State(json.loads(before)["state"])]
            col.db.execute(
                "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
                "values (?, ?, -1, ?, 0, 0, 0, 8000, ?)",
                ms, anki_card[card], rating, kind,
            )  # fmt: skip
        anki = col._backend.compute_fsrs_params(
            search="", current_params=[], ignore_revlogs_before_ms=0, num_of_relearning_steps=1, health_check=False
        )
        with Store.open(home) as store:
            ours = optimize(store, Settings(), NOW)
        # the in-sample figures printed "as Anki's Evaluate" are Anki's Evaluate of each parameter set
        evaluated = [
            col._backend.evaluate_params_legacy(params=params, search="", ignore_revlogs_before_ms=0)
            for params in (ours.old, ours.new)
        ]
    finally:
        col.close()
    assert anki.fsrs_items == ours.reviews > 1000
    assert len(ours.new) == 21 and ours.new != ours.old
    assert ours.new == tuple(anki.params)
    for figure, by_anki in zip((ours.before, ours.after), evaluated, strict=True):
        assert figure is not None
        assert figure.log_loss == pytest.approx(by_anki.log_loss, rel=1e-6)
        assert figure.rmse_bins == pytest.approx(by_anki.rmse_bins, rel=1e-6)


def test_in_a_terminal_the_parameters_wrap_between_numbers(course, tmp_path):
    """In a 60-column terminal the 21 adopted parameters take several lines, each indented and none
    breaking a number; piped, they stay on one line (tested above)."""
    import os

    from terminal_fixture import Terminal

    home = simulated_home(course, tmp_path)
    terminal = Terminal(["optimize", "--home", str(home), "--now", NOW.isoformat()], 60, 40, dict(os.environ), tmp_path)
    try:
        assert terminal.finish() == 0
        lines = terminal.screen().splitlines()
    finally:
        terminal.close()
    start = lines.index("The new parameters are in force from now on:") + 1
    block = list(itertools.takewhile(lambda line: line.startswith("  "), lines[start:]))
    assert len(block) >= 3 and all(len(line) <= 60 for line in block)
    numbers = ", ".join(line.strip().rstrip(",") for line in block).split(", ")
    assert len(numbers) == 21 and all(re.fullmatch(r"\d+\.\d{4}", n) for n in numbers)
    with Store.open(home) as store:
        stored = store.parameter_history()[-1]
    assert numbers == [f"{p:.4f}" for p in stored.parameters]
