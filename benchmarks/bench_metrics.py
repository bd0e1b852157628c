"""`stats`, `report` and `readiness` over a learner's whole history, side by side with Anki.

    python benchmarks/bench_metrics.py --store-cache /var/tmp/srscards-bench/20k [--runs 5]
    python benchmarks/bench_metrics.py --notes 76923 --reviews 2000000 --history-days 4000 \\
        --store-cache /var/tmp/srscards-bench/76923-2000000-4000d --runs 5

The store is the one bench_review.py simulates (seeded: the same notes, answers and ratings
for the same options), with an Anki collection holding the same cards, states and review log
(`bench_review.anki_collection`). Building the 100,000-card store takes a while, so both are
kept under `--store-cache` and reused by later runs with the same options.

Each figure is a whole process, as a user meets it, timed in turns with its anchor in the same
run: `srscards stats --json`, `srscards report` and `srscards readiness --json` (sources
unchanged since the last sync), against a process that imports anki, opens the collection and
asks for Anki's graph data (the backend's `graphs` call over the whole history, what the
Statistics screen draws) or Anki's stats report (`CollectionStats.report`, the older HTML
statistics). `stats-first-of-day` is `stats` when the store's quick check reads the whole file
(on a store not stamped as checked: srscards skips the check while the file is as a checked
session left it). Printed: the median
wall time, the median CPU time (user + system), the ratio to the anchor, and the peak resident
set of the process (VmHWM, read as the process exits).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_review import build_cache
from timing import cache_bytecode

DECK = "AWS ML Engineer Associate"

# Appended to each child: its peak resident set in kB, written to the file in $BENCH_PEAK as it exits
# (VmHWM, not getrusage: Linux keeps a parent's maxrss across fork and exec, VmHWM starts afresh).
PEAK = (
    "import atexit, os\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as status, open(os.environ['BENCH_PEAK'], 'w') as out:\n"
    "        out.write(next(line.split()[1] for line in status if line.startswith('VmHWM')))\n"
    "atexit.register(_peak)\n"
)
SRSCARDS = PEAK + "import sys\nfrom srscards.cli import main\nsys.argv[0] = 'srscards'\nmain()\n"
FIRST_OF_DAY = (  # the stamps of checked stores are removed, so the quick check runs
    "import shutil, os, pathlib\n"
    "stamps = pathlib.Path(os.environ['SRSCARDS_CACHE'], 'store-checks')\n"
    "shutil.rmtree(stamps, ignore_errors=True)\n"
)
ANKI_GRAPHS = PEAK + (
    "import sys\n"
    "from anki.collection import Collection\n"
    "col = Collection(sys.argv[1])\n"
    "data = col._backend.graphs(search='', days=0)  # the whole history, every card\n"
    "col.close()\n"
    "print(data.ByteSize())\n"
)
ANKI_REPORT = PEAK + (
    "import sys\n"
    "from anki.collection import Collection\n"
    "col = Collection(sys.argv[1])\n"
    "stats = col.stats()\n"
    "stats.wholeCollection = True\n"
    "html = stats.report(type=2)  # deck life\n"
    "col.close()\n"
    "print(len(html))\n"
)


def prepare(cache: Path, notes: int, reviews: int, history_days: int, seed: int) -> dict[str, object]:
    """The decks, store and Anki collection under `cache` (bench_review.py's builder), synced once."""
    meta = build_cache(cache, notes, reviews, history_days, seed)
    if not meta.get("synced"):
        # the first stats after the simulation syncs once (the log was written behind the store's back)
        env = {**os.environ, "SRSCARDS_HOME": str(cache / "home"), "SRSCARDS_CACHE": str(cache / "cache")}
        cmd = [sys.executable, "-c", SRSCARDS, "stats", str(cache / "decks"), "--json"]
        subprocess.run(cmd, env=_peak_env(env, cache), check=True, capture_output=True)
        meta["synced"] = True
        (cache / "meta.json").write_text(json.dumps(meta, indent=2))
    return meta


def _peak_env(env: dict[str, str], folder: Path) -> dict[str, str]:
    return {**env, "BENCH_PEAK": str(folder / "peak.txt")}


def run(cmd: list[str], env: dict[str, str], folder: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident MB of one process."""
    env = _peak_env(env, folder)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd[3:]} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    if proc.stderr:
        proc.stderr.close()
    return wall, usage.ru_utime + usage.ru_stime, int((folder / "peak.txt").read_text()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=15385, help="notes in the synthetic course (1.3 cards each)")
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--history-days", type=int, default=900, help="cards start between 30 and this many days ago")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store-cache", type=Path, help="keep the built store and collection here, reuse them")
    parser.add_argument("--only", nargs="*", default=["stats", "report", "readiness", "stats-first-of-day"])
    args = parser.parse_args()
    cache_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.store_cache or Path(tmp) / "store"
        meta = prepare(cache.resolve(), args.notes, args.reviews, args.history_days, args.seed)
        cache = cache.resolve()
        print(
            f"{meta['cards']} cards, {meta['logged']} answers (store {meta['store_mb']} MB, Anki collection "
            f"{meta['anki_mb']} MB; built {meta['simulated_at']}, simulated in {meta['simulated_seconds']} s)"
        )
        env = {**os.environ, "SRSCARDS_HOME": str(cache / "home"), "SRSCARDS_CACHE": str(cache / "cache")}
        decks, anki = str(cache / "decks"), str(cache / "anki" / "collection.anki2")
        out = str(Path(tmp) / "report.html")
        cli = [sys.executable, "-c", SRSCARDS]
        pairs = {
            "stats": ([*cli, "stats", decks, "--json"], [sys.executable, "-c", ANKI_GRAPHS, anki], "Anki graph data"),
            # SQLite's quick check over the whole store runs when the store is not stamped as checked:
            # the stamps are removed before each run
            "stats-first-of-day": ([sys.executable, "-c", FIRST_OF_DAY + SRSCARDS, "stats", decks, "--json"],
                                   [sys.executable, "-c", ANKI_GRAPHS, anki], "Anki graph data"),
            "report": ([*cli, "report", decks, "-o", out], [sys.executable, "-c", ANKI_REPORT, anki],
                       "Anki stats report"),
            "readiness": ([*cli, "readiness", decks, "--json"], [sys.executable, "-c", ANKI_GRAPHS, anki],
                          "Anki graph data"),
        }  # fmt: skip
        # untimed: the first start after an upgrade migrates the store and packs the log once
        run([*cli, "stats", decks, "--json"], env, Path(tmp))
        rows = []
        for name in args.only:
            ours_cmd, anchor_cmd, anchor_name = pairs[name]  # (a stats-first-of-day run also times the unlink)
            ours, anchor = [], []
            for _ in range(args.runs):  # in turns, so both meet the same load
                ours.append(run(ours_cmd, env, Path(tmp)))
                anchor.append(run(anchor_cmd, env, Path(tmp)))
            rows.append((name, anchor_name, ours, anchor))
        print(f"median of {args.runs} whole-process runs each, in turns")
        print(
            "| command | srscards wall (CPU) | peak RSS | anchor | anchor wall (CPU) | anchor peak | ratio wall (CPU) |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, anchor_name, ours, anchor in rows:
            w, c, m = (statistics.median(x[i] for x in ours) for i in range(3))
            aw, ac, am = (statistics.median(x[i] for x in anchor) for i in range(3))
            print(
                f"| `{name}` | {w:.2f} s ({c:.2f} s) | {max(x[2] for x in ours):.0f} MB | {anchor_name} "
                f"| {aw:.2f} s ({ac:.2f} s) | {am:.0f} MB | {w / aw:.2f}x ({c / ac:.2f}x) |"
            )


if __name__ == "__main__":
    main()
