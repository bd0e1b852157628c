"""`srscards optimize` against fsrs-rs-python called directly and against Anki's optimiser, in one run.

    python benchmarks/bench_optimize.py --cache DIR [--notes 15385] [--reviews 200000] [--runs 3]
    python benchmarks/bench_optimize.py --cache DIR --notes 76923 --reviews 2000000 --history-days 4000 --runs 3
    python benchmarks/bench_optimize.py --cache DIR --baseline-src OTHER/src  # another version beside this one

The store (the log bench_review.py simulates, written straight to the store) and an Anki
collection with the same notes and review log are built once and kept under `--cache DIR`
(keyed by notes and reviews), so a rerun only times; the 100,000-card build takes a while.
Each run starts a fresh process for each of:

- srscards: `optimize` on a fresh copy of the store, brought to the current schema beforehand
  (a run that adopts parameters also recomputes every card's state, as the command does);
- fsrs-rs-python directly: a process that reads (card, time, rating) from the store with
  sqlite3, builds the same items (Anki's rules, `optimize.timed_items`) and makes the same
  fsrs-rs calls `optimize` makes (each fit as Anki's optimiser makes it, told each item's card:
  fit to the earlier 80% of items, both sets evaluated on the latest 20%, fit to every item,
  both sets evaluated on every item); it also prints the time of the fsrs-rs calls alone;
- Anki: a process that opens the collection and runs `compute_fsrs_params` (Anki's Optimize
  button: one fit, its result checked against the parameters in force);
- Anki and save: the same, then the fitted parameters saved into the deck's preset
  (`update_deck_configs`, as the deck options screen saves), which makes Anki recompute every
  card's memory state: what `srscards optimize` does when it adopts parameters.

With `--baseline-src`, the `optimize` of another version's source (`baseline`) is timed in turn
with this one, on the same copies of the store (so that version must read this one's schema).

Printed per measure: median wall time, median CPU time (user + system of the process) and
peak resident memory (VmHWM), and the ratios srscards / anchor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_review import build_cache, cache_folder
from srscards.store.store import STORE_FILE, Store
from timing import cache_bytecode

DECK = "AWS ML Engineer Associate"

# VmHWM, not getrusage: Linux keeps a parent's maxrss across fork and exec, VmHWM starts afresh
_RSS = "print('VmHWM', next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM')))\n"

SRSCARDS = (
    "import sys, time; from datetime import UTC, datetime; from pathlib import Path\n"
    "from srscards.study.optimize import optimize_home; from srscards.scheduling.scheduler import Settings\n"
    "r = optimize_home(Path(sys.argv[1]), Settings(), datetime.fromisoformat(sys.argv[2]))\n"
    "print('RESULT', r.reviews, r.adopted, r.before, r.after, r.held_out_before, r.held_out_after, list(r.new))\n"
    "print('RECOMPUTE', r.recompute)\n"
    "import resource; forked = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print('FORKED', f'fit in a forked process: {forked.ru_utime + forked.ru_stime:.2f} s CPU (counted in the"
    " CPU figure), peak {forked.ru_maxrss / 1024:.0f} MB (not in the peak figure; shares the items with it)')\n"
)

FSRS_RS = (
    "import sqlite3, sys, time\n"
    "from collections import defaultdict\n"
    "from datetime import datetime\n"
    "from operator import itemgetter\n"
    "from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview, TrainingConfig\n"
    "from srscards.scheduling.scheduler import DayCount, Settings\n"
    "count = DayCount(datetime.fromisoformat(sys.argv[2]), Settings().day_start)\n"
    "db = sqlite3.connect(sys.argv[1])\n"
    "rows = db.execute('SELECT card, reviewed_at, rating FROM reviews ORDER BY reviewed_at').fetchall()\n"
    "by_card = defaultdict(list)\n"
    "for card, ms, rating in rows:\n"
    "    by_card[card].append((ms, rating))\n"
    "items = []\n"
    "for card, answers in by_card.items():\n"
    "    reviews, last = [], None\n"
    "    for ms, rating in answers:\n"
    "        day = count.day_ms(ms)\n"
    "        delta = 0 if last is None else day - last\n"
    "        last = day\n"
    "        reviews.append(FSRSReview(rating, delta))\n"
    "        if delta > 0:\n"
    "            items.append((ms, card, FSRSItem(list(reviews))))\n"
    "items.sort(key=itemgetter(0))\n"
    "cards, items = [card for _, card, _ in items], [item for _, _, item in items]\n"
    "def fit(items, cards):\n"
    "    config = TrainingConfig(num_epochs=8)\n"
    "    return FSRS(old).compute_parameters(items, card_ids=cards, num_relearning_steps=1, training_config=config)\n"
    "start = time.process_time()\n"
    "old = list(DEFAULT_PARAMETERS)\n"
    "split = len(items) - max(1, round(len(items) * 0.2))\n"
    "trial = fit(items[:split], cards[:split])\n"
    "a, b = FSRS(old).evaluate(items[split:]), FSRS(trial).evaluate(items[split:])\n"
    "new = fit(items, cards)\n"
    "c, d = FSRS(old).evaluate(items), FSRS(new).evaluate(items)\n"
    "print('RESULT', len(items), c.log_loss, d.log_loss, b.log_loss, a.log_loss, list(new))\n"
    "print('FSRS_CPU', f'the fsrs-rs calls alone: {time.process_time() - start:.2f} s CPU')\n"
)

ANKI = (
    "import sys\n"
    "from anki.collection import Collection\n"
    "col = Collection(sys.argv[1])\n"
    "r = col._backend.compute_fsrs_params(search='', current_params=[], ignore_revlogs_before_ms=0,"
    " num_of_relearning_steps=1, health_check=False)\n"
    "print('RESULT', r.fsrs_items, [round(p, 4) for p in r.params])\n"
    "if len(sys.argv) > 2:\n"
    "    from anki.decks import UpdateDeckConfigs\n"
    "    from anki.deck_config_pb2 import UpdateDeckConfigsMode\n"
    "    deck = col.decks.id_for_name(sys.argv[2])\n"
    "    update = col.decks.get_deck_configs_for_update(deck)\n"
    "    configs = [c.config for c in update.all_config]\n"
    "    for config in configs:\n"
    "        del config.config.fsrs_params_6[:]\n"
    "        config.config.fsrs_params_6.extend(r.params)\n"
    "    col.decks.update_deck_configs(UpdateDeckConfigs(target_deck_id=deck, configs=configs, removed_config_ids=[],"
    " mode=UpdateDeckConfigsMode.UPDATE_DECK_CONFIGS_MODE_NORMAL, card_state_customizer=update.card_state_customizer,"
    " limits=update.current_deck.limits, new_cards_ignore_review_limit=update.new_cards_ignore_review_limit, fsrs=True,"
    " apply_all_parent_limits=update.apply_all_parent_limits, fsrs_reschedule=False, fsrs_health_check=False))\n"
    "    print('SAVED', col.db.scalar(\"select count() from cards where data like '%decay%'\"))\n"
    "col.close()\n"
)


def child(code: str, *args: str, src: Path | None = None) -> tuple[float, float, float, dict[str, str]]:
    """Wall seconds, CPU seconds (user + system), peak RSS in MB and tagged output lines of `code`
    run in a fresh Python process (importing srscards from `src` when given)."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src is not None else None
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code + _RSS, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child failed:\n{err}")
    tagged = {}
    for line in out.splitlines():
        tag, _, rest = line.partition(" ")
        tagged[tag] = rest
    return elapsed, usage.ru_utime + usage.ru_stime, int(tagged["VmHWM"]) / 1024, tagged


def up_to_date(home: Path, copy: Path) -> Path:
    """A copy of the cached store brought to this version's schema, untimed: a migration runs once
    after an upgrade, not in every optimize (its quick check, backup and index builds would be
    timed otherwise). Each run copies this again, so its open still runs the quick check."""
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("*before-v*"))
    Store.open(copy).close()
    for backup in (copy / "backups").glob("*before-v*"):
        backup.unlink()
    return copy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, required=True, help="folder the built store and collection are kept in")
    parser.add_argument("--notes", type=int, default=15385, help="notes in the synthetic course (1.3 cards each)")
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--history-days", type=int, default=900, help="cards start between 30 and this many days ago")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--baseline-src", type=Path, help="src/ of another version: its optimize is timed too, in turn with this one"
    )
    parser.add_argument("--only", default="srscards,fsrs-rs,anki", help="which measures to run, comma-separated")
    args = parser.parse_args()
    cache_bytecode()
    cache = cache_folder(args.cache, args.notes, args.reviews, args.history_days)
    meta = build_cache(cache, args.notes, args.reviews, args.history_days)
    print(f"store: {meta['notes']} notes, {meta['logged']} logged answers, cached in {cache}")
    if args.build_only:
        return
    now = datetime.now(UTC).isoformat()
    only = set(args.only.split(","))
    figures: dict[str, list[tuple[float, float, float]]] = {}
    outputs: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        current = up_to_date(cache / "home", Path(tmp) / "current")
        for run in range(args.runs):
            for name in ("srscards", "baseline", "fsrs-rs", "anki", "anki+save"):
                if name.split("+")[0] not in only | ({"baseline"} if args.baseline_src else set()):
                    continue
                if name in ("srscards", "baseline"):
                    home = Path(tmp) / f"home{run}"
                    shutil.copytree(current, home)
                    figure = child(SRSCARDS, str(home), now, src=args.baseline_src if name == "baseline" else None)
                    shutil.rmtree(home)
                elif name == "fsrs-rs":
                    figure = child(FSRS_RS, str(cache / "home" / STORE_FILE), now)
                elif name == "anki":
                    figure = child(ANKI, str(cache / "anki" / "collection.anki2"))
                else:
                    copy = Path(tmp) / f"anki{run}"
                    shutil.copytree(cache / "anki", copy)
                    figure = child(ANKI, str(copy / "collection.anki2"), DECK)
                    shutil.rmtree(copy)
                figures.setdefault(name, []).append(figure[:3])
                outputs[name] = figure[3]
                wall, cpu, rss = figure[:3]
                print(f"run {run + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MB", flush=True)
    for name, tagged in outputs.items():
        for tag, text in tagged.items():
            if tag != "VmHWM":
                print(f"{name} {tag}: {text[:300]}")
    medians = {name: tuple(statistics.median(f[i] for f in runs) for i in range(3)) for name, runs in figures.items()}
    print(f"\nmedians of {args.runs} runs | wall | CPU | peak RSS")
    for name, (wall, cpu, rss) in medians.items():
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s | {rss:.0f} MB |")
    if "srscards" in medians:
        wall, cpu, rss = medians["srscards"]
        for name in ("baseline", "fsrs-rs", "anki", "anki+save"):
            if name in medians:
                w, c, r = medians[name]
                print(f"srscards / {name}: {wall / w:.2f}x wall, {cpu / c:.2f}x CPU, {rss / r:.2f}x peak memory")


if __name__ == "__main__":
    main()
