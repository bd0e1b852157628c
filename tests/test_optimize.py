"""`srscards optimize`: fitted parameters replace the old ones only when they predict better, and schedule."""

from __future__ import annotations

import json
import random
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import run
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, to_ms
from srscards.store.store import STORE_FILE, Store
from srscards.study.optimize import optimize
from srscards.study.workspace import settings_in_force, sync_sources
from test_metrics import build

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def simulated_home(course, tmp_path: Path, cards: int = 60, seed: int = 7) -> Path:
    """A store with a few weeks of answers to `cards` cards, written as a session would write them."""
    lines = ["---\ntitle: Sim\ndomain: 1\ntasks: [1.1]\n---\n"]
    lines += [f"### Question {n}\n<!-- id: sim-{n:03d} -->\n\nAnswer {n}.\n" for n in range(cards)]
    course.write("sim.md", "\n".join(lines))
    home = tmp_path / "home"
    with Store.open(home) as store:
        courses, _ = sync_sources(store, course.root, NOW - timedelta(days=120))
        stored = store.cards(courses)
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
            rows.append(
                (
                    card.id,
                    to_ms(at),
                    int(rating),
                    8000,
                    "review",
                    json.dumps(memory.to_json()),
                    json.dumps(after.to_json()),
                )
            )
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
    fitted = re.fullmatch(r"Fitted to (\d+) answers on a later day\.", out[0])
    assert fitted and int(fitted[1]) >= 400
    before = re.fullmatch(r"  before: log loss (\d\.\d{4}), RMSE\(bins\) (\d+\.\d\d)%", out[1])
    after = re.fullmatch(r"  after:  log loss (\d\.\d{4}), RMSE\(bins\) (\d+\.\d\d)%", out[2])
    assert before and after and float(after[1]) < float(before[1]) and float(after[2]) <= float(before[2])
    assert out[3] == "The new parameters are in force from now on:" and len(out) == 5
    with Store.open(home) as store:
        (record,) = store.parameter_history()
        settings = settings_in_force(store, Settings())
    assert record.since == NOW and record.reviews == int(fitted[1]) and len(record.parameters) == 21
    assert out[4] == "  " + ", ".join(f"{p:.4f}" for p in record.parameters)
    assert settings.parameters == record.parameters
    # the scheduler now schedules with them: a first Good gives another stability than the defaults
    first = Scheduler(settings).answer(Memory(), Rating.GOOD, NOW)
    assert first.stability == record.parameters[2] != Scheduler(Settings()).answer(Memory(), Rating.GOOD, NOW).stability

    again = run_optimize(home)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == (
        "The new parameters do not predict your answers better; the old ones stay in force."
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
