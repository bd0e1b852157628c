"""Command start-up and no-change rebuild, as a user runs them; print times and ratios.

    python benchmarks/bench_startup.py [--runs 15]

Each command runs in a fresh process; the baseline is a bare Python interpreter start
(`python -c pass`) measured in the same run. The rebuild uses the real decks in decks/, and so
does the review start: `srscards review` until the first card shows, with the sources unchanged
since the last sync, and after a deck file was saved with one card's answer edited (that card is
parsed again and the course synced with the store).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import cache_bytecode, median_time

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    srscards = shutil.which("srscards") or sys.exit("srscards is not installed in this environment")
    cache_bytecode()
    base = median_time([sys.executable, "-c", "pass"], args.runs)
    helptime = median_time([srscards, "--help"], args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "exports"
        subprocess.run([srscards, "build", str(REPO / "decks"), "-o", str(out)], check=True, capture_output=True)
        rebuild = median_time([srscards, "build", str(REPO / "decks"), "-o", str(out)], args.runs)
        unchanged, saved, cpu = review_start(Path(tmp), args.runs)
    print(f"runs: {args.runs} (medians)")
    print(f"python -c pass:                 {base * 1000:.0f} ms")
    print(f"srscards --help:                {helptime * 1000:.0f} ms  ratio {helptime / base:.2f}x")
    print(f"srscards build (no change):     {rebuild * 1000:.0f} ms  ratio {rebuild / base:.2f}x")
    print(f"srscards review, first card:    {unchanged * 1000:.0f} ms  ratio {unchanged / base:.2f}x")
    print(f"  after a deck file was saved:  {saved * 1000:.0f} ms  ratio {saved / base:.2f}x  (target < 500 ms)")
    print(f"  the same, CPU time of the process: {cpu * 1000:.0f} ms")


def review_start(tmp: Path, runs: int) -> tuple[float, float, float]:
    """Median start to first card of `srscards review` on a copy of the real decks: unchanged, and
    after one card's answer was edited and the file saved; with the CPU time of that whole process
    (start, first card, one answer, quit), which a loaded machine inflates less than the wall time."""
    from bench_review import CLI, start_to_first_card
    from synthetic import edit_one_card

    root = tmp / "decks"
    shutil.copytree(REPO / "decks", root)
    home = tmp / "home"
    os.environ["SRSCARDS_CACHE"] = str(tmp / "cache")
    env = {**os.environ, "SRSCARDS_HOME": str(home)}
    subprocess.run([*CLI, "due", str(root)], check=True, capture_output=True, env=env)  # the first sync
    deck = max(root.glob("*/*.md"), key=lambda p: p.stat().st_size)
    original = deck.read_text()
    unchanged, saved, cpu = [], [], []
    for n in range(runs):
        unchanged.append(start_to_first_card(root, home, 1)[0])
        deck.write_text(edit_one_card(original, n))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        saved.append(start_to_first_card(root, home, 1)[0])
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    deck.write_text(original)
    return statistics.median(unchanged), statistics.median(saved), statistics.median(cpu)


if __name__ == "__main__":
    main()
