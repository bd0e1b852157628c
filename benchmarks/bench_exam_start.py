"""Starting a practice exam on the shipped decks with the sources unchanged since the last sync.

    python benchmarks/bench_exam_start.py [--runs 15]

Measures `open_course` + `start_exam` of the full format in one process (the store synced once
before), median wall and CPU time: what `srscards exam decks/` spends before the first question,
less interpreter start-up and imports.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from srscards.study.sitting import full_spec, start_exam
from srscards.study.workspace import open_course

DECKS = Path(__file__).resolve().parent.parent / "decks"
NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    home = Path(tempfile.mkdtemp(prefix="bench-exam-"))
    open_course(DECKS, home, NOW).store.close()  # the first start syncs; later ones find nothing changed
    walls, cpus, questions = [], [], 0
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        context = open_course(DECKS, home, NOW)
        session = start_exam(context, full_spec(context.profile), lambda: NOW, 1)
        context.store.close()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        questions = len(session.questions)
    print(
        f"exam start ({questions} questions): wall median {statistics.median(walls) * 1000:.1f} ms, "
        f"CPU median {statistics.median(cpus) * 1000:.1f} ms over {runs} runs"
    )


if __name__ == "__main__":
    main()
