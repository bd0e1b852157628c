"""Build 5,000 synthetic cards with srscards and with bare genanki, in one run; print the ratio.

    python benchmarks/bench_build.py [--cards 5000] [--repeat 3]

Baselines: bare genanki writing the very same notes (same note types, fields, tags and GUIDs) with
genanki alone; markdown-it-py rendering the cards' Markdown, then genanki; and markdown-it-py
alone parsing the deck files once with srscards' parser configuration (the least any build that
reads the sources with markdown-it-py must spend, in one process). srscards is measured twice:
a cold build (parse, check, render, write), a forced rebuild that reuses the parse cache
(sources unchanged, package written again), and the everyday case: one card's answer edited in
one deck file, then `build` (that file is parsed again, the others come from the cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import genanki

from srscards.model.anki_ids import note_guid, stable_int
from srscards.outputs.build import build_decks
from srscards.sources.load import load_sources
from srscards.views.anki import NOTE_TYPES, note_fields, note_tags
from synthetic import make_course


def bare_genanki(sources, out: Path) -> None:
    models = {
        kind: genanki.Model(
            stable_int("m", nt.name),
            nt.name,
            fields=[{"name": f} for f in nt.fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in nt.templates],
            model_type=genanki.Model.CLOZE if nt.cloze else genanki.Model.FRONT_BACK,
        )
        for kind, nt in NOTE_TYPES.items()
    }
    decks: dict[str, genanki.Deck] = {}
    for card in sources.cards:
        deck = decks.setdefault(card.deck, genanki.Deck(stable_int("d", card.deck), card.deck))
        deck.add_note(
            genanki.Note(
                model=models[card.type],
                fields=note_fields(card, sources.course),
                tags=note_tags(card),
                guid=note_guid(sources.course.id, card.id),
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(out), timestamp=1_790_000_000)


def markdown_then_genanki(sources, out: Path) -> None:
    """The minimal pipeline without srscards: render each card's Markdown with markdown-it-py, then
    write the same notes with genanki (no validation, no identity, no change tracking)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for card in sources.cards:
        for fragment in (card.title, card.prompt, card.answer, card.extra):
            md.render(fragment.md)
        for option in card.options:
            md.render(option.text.md)
            md.render(option.explanation.md)
    bare_genanki(sources, out)


def parse_only(texts: list[str]) -> None:
    from srscards.sources.markdown import markdown

    md = markdown()
    for text in texts:
        md.parse(text)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "decks"
        course = make_course(root, args.cards)
        sources, problems, _ = load_sources(course)
        assert not [p for p in problems if p.severity == "error"], problems[:3]
        assert len(sources.cards) == args.cards
        texts = [path.read_text() for path in sorted(course.glob("*.md"))]
        base, pipeline, parse, cold, warm, edit = [], [], [], [], [], []
        deck = sorted(course.glob("*.md"))[0]
        for i in range(args.repeat):
            base.append(timed(lambda: bare_genanki(sources, Path(tmp) / "bare.apkg")))
            parse.append(timed(lambda: parse_only(texts)))
            pipeline.append(timed(lambda: markdown_then_genanki(sources, Path(tmp) / "pipeline.apkg")))
            out = Path(tmp) / f"out{i}"
            os.environ["SRSCARDS_CACHE"] = str(Path(tmp) / f"cache{i}")  # empty: a cold parse
            cold.append(timed(lambda out=out: build_decks(root, out, now=1_790_000_000, force=True)))
            warm.append(timed(lambda out=out: build_decks(root, out, now=1_790_000_000, force=True)))
            text = deck.read_text()
            deck.write_text(text.replace("- second point\n", f"- second point, edit {i}\n", 1))
            edit.append(timed(lambda out=out, i=i: build_decks(root, out, now=1_790_000_001 + i)))
            deck.write_text(text)
    b, p, m, c, w, e = (statistics.median(x) for x in (base, pipeline, parse, cold, warm, edit))
    print(f"cards: {args.cards}, repeats: {args.repeat} (medians), cores: {os.cpu_count()}")
    print(f"bare genanki (HTML given):        {b:.3f} s")
    print(f"markdown-it-py render + genanki:  {p:.3f} s")
    print(f"markdown-it-py parse alone:       {m:.3f} s  ratio {m / b:.2f}x to bare genanki")
    for label, t in (
        ("srscards build, cold:        ", c),
        ("srscards build, parse cached:", w),
        ("srscards build, one card edit:", e),
    ):
        print(f"{label}     {t:.3f} s  ratio {t / b:.2f}x to bare genanki, {t / p:.2f}x to render + genanki")


if __name__ == "__main__":
    main()
