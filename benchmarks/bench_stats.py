"""`stats`, `optimize` and `report` over a long review log: 20,000 cards, 200,000 answers.

(`stats`, `report` and `readiness` as whole processes against Anki, at 20,000 and 100,000 cards:
bench_metrics.py.)

    python benchmarks/bench_stats.py [--notes 15385] [--reviews 200000] [--runs 5]

The log is the one bench_review.py simulates (answers written straight to the store). Each
figure has a baseline measured in the same run:
- stats and report: reading the log rows alone (`Store.review_rows`), in the same process;
- optimize: a fresh process that reads the log rows and exits, against a fresh process that runs
  `srscards optimize`; time and peak memory (VmHWM, the peak resident set) of each.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_review import simulate
from srscards.outputs.report import write_report
from srscards.scheduling.scheduler import Scheduler, Settings
from srscards.store.store import Store
from srscards.study.metrics import compute_stats, load_stats
from synthetic import make_course

READ_ONLY = (
    "import sys; from pathlib import Path; from srscards.store.store import Store\n"
    "with Store.open(Path(sys.argv[1])) as s: rows = s.review_rows()\n"
)
OPTIMIZE = (
    "import sys; from datetime import UTC, datetime; from pathlib import Path\n"
    "from srscards.study.optimize import optimize_home; from srscards.scheduling.scheduler import Settings\n"
    "r = optimize_home(Path(sys.argv[1]), Settings(), datetime.now(UTC))\n"
    "print(r.reviews, r.before, r.after, r.adopted)\n"
)


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child(code: str, home: Path) -> tuple[float, float, str]:
    """Wall time, peak RSS in MB and output of `code` run in a fresh Python process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code + _RSS, str(home)], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    return elapsed, int(lines[-1]) / 1024, "\n".join(lines[:-1])


# VmHWM, not getrusage: Linux keeps a parent's maxrss across fork and exec, VmHWM starts afresh
_RSS = "print(next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM')))\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=15385, help="notes in the synthetic course (1.3 cards each)")
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "decks"
        make_course(root, args.notes)
        home = Path(tmp) / "home"
        start = time.perf_counter()
        reviews, course = simulate(home, root, args.reviews, now)
        print(f"simulated {reviews} answers in {time.perf_counter() - start:.1f} s")
        settings = Settings()
        with Store.open(home) as store:
            cards = len(store.cards([course]))
            baseline = median_time(store.review_rows, args.runs)
            scheduler = Scheduler(settings)
            core = median_time(lambda: compute_stats(store, scheduler, [course], now), args.runs)
        command = median_time(lambda: load_stats(root, home, settings, now), args.runs)
        out = Path(tmp) / "report.html"
        report = median_time(lambda: write_report(root, home, settings, now, out), args.runs)
        base_time, base_rss, _ = child(READ_ONLY, home)
        opt_time, opt_rss, result = child(OPTIMIZE, home)
        print(f"{cards} cards, {reviews} answers; median of {args.runs} runs")
        print(f"| reading the log rows alone (baseline) | {baseline:.3f} s | 1.00x |")
        print(f"| stats, core (compute_stats) | {core:.3f} s | {core / baseline:.2f}x |")
        print(
            f"| stats as the command runs it (open, sync check, compute) | {command:.3f} s "
            f"| {command / baseline:.2f}x |"
        )
        print(f"| report (stats + HTML written) | {report:.3f} s | {report / baseline:.2f}x |")
        print(f"| process reading the log rows (baseline) | {base_time:.2f} s | {base_rss:.0f} MB |")
        print(f"| process running optimize | {opt_time:.2f} s | {opt_rss:.0f} MB |")
        print(f"optimize: {result}")
        print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
