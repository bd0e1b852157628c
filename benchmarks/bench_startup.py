"""Command start-up and no-change rebuild, as a user runs them; print times and ratios.

    python benchmarks/bench_startup.py [--runs 15]

Each command runs in a fresh process; the baseline is a bare Python interpreter start
(`python -c pass`) measured in the same run. The rebuild uses the real decks in decks/.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def median_time(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    srscards = shutil.which("srscards") or sys.exit("srscards is not installed in this environment")
    base = median_time([sys.executable, "-c", "pass"], args.runs)
    helptime = median_time([srscards, "--help"], args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "exports"
        subprocess.run([srscards, "build", str(REPO / "decks"), "-o", str(out)], check=True, capture_output=True)
        rebuild = median_time([srscards, "build", str(REPO / "decks"), "-o", str(out)], args.runs)
    print(f"runs: {args.runs} (medians)")
    print(f"python -c pass:                 {base * 1000:.0f} ms")
    print(f"srscards --help:                {helptime * 1000:.0f} ms  ratio {helptime / base:.2f}x")
    print(f"srscards build (no change):     {rebuild * 1000:.0f} ms  ratio {rebuild / base:.2f}x")


if __name__ == "__main__":
    main()
