"""`srscards plan` for the shipped decks with 200 simulated learners, against one run of the FSRS simulation alone.

    python benchmarks/bench_plan.py [--repeat 5] [--runs 200]

For each exam horizon and budget:
- `srscards plan decks --exam-date ... --minutes-per-day ... --runs 200 --json` in a fresh process
  (start-up, the store already synced with the decks, planning, predictions, the plan stored);
  wall time and CPU time (user + system, the forked worker included), medians;
- the baseline, measured in the same run: one run of Anki's FSRS simulator (`fsrs_rs_python.simulate`,
  the simulator Anki runs) over the same number of cards and days, with the same daily new cards
  (the plan's busiest day) and parameters;
- for reference, one run of srscards' own simulation (`study.simulate.simulate`, one learner) over the
  plan's own schedule.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECKS = ROOT / "decks"
CASES = ((3, 20), (6, 30), (6, 45), (12, 90))
START = datetime(2026, 12, 7, 10, tzinfo=UTC)


def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    import fsrs_rs_python as rs

    from srscards.scheduling.scheduler import Scheduler, Settings, study_day
    from srscards.store.store import Store
    from srscards.study.learner import Learner, learning_outcomes
    from srscards.study.plan import Plan, _deck
    from srscards.study.simulate import Model, simulate

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    srscards = shutil.which("srscards") or sys.exit("srscards is not installed in this environment")
    home = Path(tempfile.mkdtemp())
    env = {**os.environ, "SRSCARDS_HOME": str(home), "TZ": "UTC"}
    now = START.isoformat()
    subprocess.run(  # sync the store once, so each timed run measures planning
        [srscards, "due", str(DECKS), "--now", now], env=env, capture_output=True, check=True
    )
    scheduler = Scheduler(Settings())
    model = Model.of(scheduler, Learner(), learning_outcomes(scheduler, Learner(), START))
    print(
        f"{'case':>12} {'plan wall':>10} {'plan CPU':>9} {'fsrs-rs 1 run':>14} {'ratio':>7} "
        f"{'own 1 run':>10} {'ratio':>7}"
    )
    for weeks, minutes in CASES:
        exam = (date(2026, 12, 7) + timedelta(weeks=weeks)).isoformat()
        command = [
            srscards,
            "plan",
            str(DECKS),
            "--exam-date",
            exam,
            "--minutes-per-day",
            str(minutes),
            "--runs",
            str(args.runs),
            "--json",
            "--now",
            now,
        ]
        output: list[str] = []
        cpu: list[float] = []

        def plan_once(command: list[str] = command, output: list[str] = output, cpu: list[float] = cpu) -> None:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            output[:] = [done.stdout]

        planned = median_time(plan_once, args.repeat)
        plan = Plan.from_json(json.loads(output[0]))
        days = len(plan.days)
        config = rs.default_simulator_config()
        config.deck_size, config.learn_span = plan.total_cards, days
        config.learn_limit = max(d.new for d in plan.days)
        config.max_cost_perday = minutes * 60
        anki = median_time(lambda config=config: rs.simulate(list(rs.DEFAULT_PARAMETERS), 0.9, config, 1), 7)
        with Store.open(home) as store:
            cards = sorted((c for c in store.cards([plan.course]) if plan.profile.covers(c)), key=lambda c: c.position)
        index = {f"{c.note}/{c.variant}": i for i, c in enumerate(cards)}
        schedule = [[index[k] for k in d.cards] for d in plan.days]
        deck = _deck(cards, study_day(START, scheduler.settings.day_start), scheduler.settings.day_start, Learner())
        own = median_time(lambda deck=deck, days=days, s=schedule: simulate(model, deck, days, 1, 1, s), 7)
        print(
            f"{weeks:>3} w {minutes:>3} min {planned:>9.2f}s {statistics.median(cpu):>8.2f}s {anki:>13.3f}s "
            f"{planned / anki:>6.0f}x {own:>9.3f}s {planned / own:>6.0f}x"
        )


if __name__ == "__main__":
    main()
