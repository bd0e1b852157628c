"""The cold build's budget per card at 1.5x bare genanki, against three costs any build pays.

    python benchmarks/bench_build_budget.py [--cards 5000] [--repeat 5]

Prints, for the same synthetic cards as bench_build.py (best of `--repeat`, the collector paused as
`build` pauses it): bare genanki writing the package (the anchor), the part of it that is genanki
writing each note and its cards (`Note.write_to_db`) and, beside it, the same rows inserted with one
`executemany` each (what a writer of its own could cost), markdown-it-pyrs building its tree of the deck
files (the fastest parse on offer), and constructing the card model from plain values
(`Card.from_dict`, as the no-change rebuild does). What is left of 1.5x the anchor after those three
is what a cold build would have for everything else: checks, rendering, tags, change tracking, zip.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import genanki
from genanki.apkg_schema import APKG_SCHEMA

from bench_build import bare_genanki, genanki_models
from srscards.model.anki_ids import note_guid
from srscards.model.card import Card
from srscards.sources.load import load_sources
from srscards.views.anki import note_fields, note_tags
from synthetic import make_course


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp) / "decks", args.cards, files=max(4, -(-args.cards // 4000)))
        sources, _, _ = load_sources(course)
        cards = sources.cards
        texts = [p.read_text() for p in sorted(course.glob("*.md"))]
        models = genanki_models()

        def notes() -> list[genanki.Note]:
            return [
                genanki.Note(
                    model=models[c.type],
                    fields=note_fields(c, sources.course),
                    tags=note_tags(c),
                    guid=note_guid(sources.course.id, c.id),
                )
                for c in cards
            ]

        def written() -> None:
            cursor = sqlite3.connect(":memory:").cursor()
            cursor.executescript(APKG_SCHEMA)
            ids = itertools.count(1)
            for note in notes():
                note.write_to_db(cursor, 1_790_000_000, 1, ids)

        def bulk() -> None:
            """The same note and card rows in one `executemany` each (row values built beforehand)."""
            cursor = sqlite3.connect(":memory:").cursor()
            cursor.executescript(APKG_SCHEMA)
            cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", note_rows)
            cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)

        built = notes()
        note_rows = [
            (i, n.guid, n.model.model_id, 1_790_000_000, -1, " " + " ".join(n.tags) + " ", "\x1f".join(n.fields),
             n.sort_field, 0, 0, "")
            for i, n in enumerate(built)
        ]  # fmt: skip
        card_rows = [
            (0, i, 1, c.ord, 1_790_000_000, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")
            for i, n in enumerate(built)
            for c in n.cards
        ]
        card_rows = [(j, *row[1:]) for j, row in enumerate(card_rows)]
        import markdown_it_pyrs

        pyrs = markdown_it_pyrs.MarkdownIt("commonmark").enable_many(["table", "front_matter"])
        plain = [c.to_dict() for c in cards]
        gc.disable()
        try:
            anchor = best(lambda: bare_genanki(sources, Path(tmp) / "bare.apkg"), args.repeat)
            write = best(written, args.repeat) - best(notes, args.repeat)
            insert = best(bulk, args.repeat)
            tree = best(lambda: [pyrs.tree(t) for t in texts], args.repeat)
            model = best(lambda: [Card.from_dict(d) for d in plain], args.repeat)
        finally:
            gc.enable()
    n = len(cards)
    budget = 1.5 * anchor
    left = budget - write - tree - model
    us = 1e6 / n
    print(f"{n} synthetic cards, best of {args.repeat}, collector paused")
    print(f"bare genanki (the anchor):            {anchor:.3f} s  {anchor * us:5.1f} µs a card")
    print(f"1.5x the anchor (the target):         {budget:.3f} s  {budget * us:5.1f} µs a card")
    print(f"genanki writing the notes alone:      {write:.3f} s  {write * us:5.1f} µs a card")
    print(f"the same rows in one executemany:     {insert:.3f} s  {insert * us:5.1f} µs a card")
    print(f"markdown-it-pyrs tree of the files:   {tree:.3f} s  {tree * us:5.1f} µs a card")
    print(f"constructing the card model:          {model:.3f} s  {model * us:5.1f} µs a card")
    print(f"left for everything else:             {left:.3f} s  {left * us:5.1f} µs a card")


if __name__ == "__main__":
    main()
