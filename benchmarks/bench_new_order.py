"""Today's queue with new cards in teaching order, against the plain source order, in one run.

    python benchmarks/bench_new_order.py [--notes 15385] [--reviews 200000] [--runs 40]

Teaching order: task statements take turns and questions wait for their concept cards (what
`srscards review` does); source order: the first new cards of the store's index in source
order, no links read (what it did before). Both build the whole queue (due cards, today's
answers, new cards) on a freshly opened store, alternated, on the real course in `decks/` (all
cards new) and on the synthetic course of `bench_review.py` with its simulated past. CPU time of
the process is given, as wall time on a shared machine moves more than the difference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench_review import simulate
from srscards.scheduling.scheduler import Settings, day_begins, study_day
from srscards.store.store import Store
from srscards.study.daily_queue import Filters, Queue, build_queue, no_links
from srscards.study.review import todays_queue
from srscards.study.workspace import sync_sources
from synthetic import make_course

REPO = Path(__file__).resolve().parents[1]


def source_order(store: Store, courses: list[str], now: datetime, settings: Settings) -> Queue:
    today = study_day(now, settings.day_start)
    end = day_begins(today + 1, settings.day_start)
    answered = store.answered_between(day_begins(today, settings.day_start), end)
    return build_queue(store.due_cards(courses, end), store.new_cards(courses), answered, now, settings, links=no_links)


def teaching_order(store: Store, courses: list[str], now: datetime, settings: Settings) -> Queue:
    return todays_queue(store, courses, now, settings, Filters())


def compare(label: str, home: Path, runs: int) -> None:
    now, settings = datetime.now(UTC), Settings()
    ways: dict[str, Callable[[Store, list[str], datetime, Settings], Queue]] = {
        "source order": source_order,
        "teaching order": teaching_order,
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    sizes: dict[str, tuple[int, int, int]] = {}
    for _ in range(runs):
        for name, way in ways.items():
            with Store.open(home) as store:
                courses = store.course_ids()
                start, begin = time.process_time(), time.perf_counter()
                queue = way(store, courses, now, settings)
                cpu[name].append(time.process_time() - start)
                wall[name].append(time.perf_counter() - begin)
                sizes[name] = (len(queue.new), len(queue.learning), len(queue.review))
    for name in ways:
        print(
            f"{label}: {name}: CPU {statistics.mean(cpu[name]) * 1000:.2f} ms (mean of {runs}), wall median "
            f"{statistics.median(wall[name]) * 1000:.2f} ms; (new, learning, review) = {sizes[name]}"
        )
    ratio = statistics.mean(cpu["teaching order"]) / statistics.mean(cpu["source order"])
    print(f"{label}: CPU teaching / source order: {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=15385)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["SRSCARDS_CACHE"] = str(tmp_path / "cache")
        real = tmp_path / "real"
        with Store.open(real) as store:
            sync_sources(store, REPO / "decks", datetime.now(UTC))
        compare("real course", real, args.runs)
        root, home = tmp_path / "decks", tmp_path / "home"
        make_course(root, args.notes)
        simulate(home, root, args.reviews, datetime.now(UTC))
        compare(f"synthetic course ({args.notes} notes, {args.reviews} reviews)", home, args.runs)


if __name__ == "__main__":
    main()
