"""Build synthetic or real cards with srscards and with bare genanki, in one run; print the ratios.

    python benchmarks/bench_build.py [--cards 5000] [--repeat 3] [--real] [--processes N]

Baselines: bare genanki writing the very same notes (same note types, fields, tags and GUIDs) with
genanki alone; markdown-it-py rendering the cards' Markdown, then genanki; markdown-it-py alone
parsing the deck files once with srscards' parser configuration (the least any build that reads the
sources with markdown-it-py must spend, in one process); and, when it is installed, markdown-it-pyrs
(the Rust port of the same parser) building its syntax tree with source positions for the same files.

srscards is measured as a cold build (parse, check, render, write), a no-change rebuild (sources
unchanged, the package written again from the parse cache: `build --force`), the everyday case
(one card's answer edited, then `build`: that card is parsed again, the rest comes from the cache)
and a no-op `build` (nothing changed, nothing written). `--real` uses the course in decks/ instead of
synthetic cards. `--processes N` also times the no-change rebuild and the edit as whole `srscards
build` processes, N runs each.
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
import time
from pathlib import Path

import genanki

from srscards.model.anki_ids import note_guid, stable_int
from srscards.outputs.build import build_decks
from srscards.sources.load import load_sources
from srscards.views.anki import NOTE_TYPES, note_fields, note_tags
from synthetic import REPO, edit_one_card, make_course
from timing import cache_bytecode


def genanki_models() -> dict:
    """srscards' note types as bare genanki models, by card type."""
    return {
        kind: genanki.Model(
            stable_int("m", nt.name),
            nt.name,
            fields=[{"name": f} for f in nt.fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in nt.templates],
            model_type=genanki.Model.CLOZE if nt.cloze else genanki.Model.FRONT_BACK,
        )
        for kind, nt in NOTE_TYPES.items()
    }


def bare_genanki(sources, out: Path) -> None:
    models = genanki_models()
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


def render_fragments(md, sources) -> None:
    """Render every Markdown fragment of every card with `md` (markdown-it-py or markdown-it-pyrs)."""
    for card in sources.cards:
        for fragment in (card.title, card.prompt, card.answer, card.extra):
            md.render(fragment.md)
        for option in card.options:
            md.render(option.text.md)
            md.render(option.explanation.md)


def markdown_then_genanki(sources, out: Path) -> None:
    """The minimal pipeline without srscards: render each card's Markdown with markdown-it-py, then
    write the same notes with genanki (no validation, no identity, no change tracking)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    render_fragments(md, sources)
    bare_genanki(sources, out)


def parse_only(texts: list[str]) -> None:
    from srscards.sources.markdown import markdown

    md = markdown()
    for text in texts:
        md.parse(text)


def parse_pyrs(texts: list[str]) -> None:
    import markdown_it_pyrs

    md = markdown_it_pyrs.MarkdownIt("commonmark").enable_many(["table", "front_matter"])
    for text in texts:
        md.tree(text)


def pyrs_then_genanki(texts: list[str], sources, out: Path) -> None:
    """The floor of a build on markdown-it-pyrs: its tree of each file (for structure and positions),
    each card fragment rendered on its own (it renders whole sources only), then genanki. Math,
    Pygments highlighting and the checks would come on top."""
    import markdown_it_pyrs

    md = markdown_it_pyrs.MarkdownIt("commonmark").enable_many(["table", "front_matter"])
    for text in texts:
        md.tree(text)
    render_fragments(md, sources)
    bare_genanki(sources, out)


def process_time(cmd: list[str], runs: int, before=None) -> tuple[float, float]:
    """Median wall time and CPU time of `runs` whole processes."""
    times, cpu = [], []
    for n in range(runs):
        if before is not None:
            before(n)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        now = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def cpu_timed(fn, into: list[float]) -> float:
    """Wall time of `fn`; its CPU time in this process is appended to `into`."""
    start = time.process_time()
    wall = timed(fn)
    into.append(time.process_time() - start)
    return wall


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--real", action="store_true", help="the course in decks/ instead of synthetic cards")
    parser.add_argument("--processes", type=int, default=0, help="also time whole `srscards build` processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "decks"
        if args.real:
            shutil.copytree(REPO / "decks", root)
            course = root / "aws-mla"
        else:
            course = make_course(root, args.cards, files=max(4, -(-args.cards // 4000)))  # files under 1 MB
        sources, problems, _ = load_sources(course)
        assert not [p for p in problems if p.severity == "error"], problems[:3]
        files = sorted(course.glob("*.md"))
        texts = [path.read_text() for path in files]
        deck = max(files, key=lambda p: p.stat().st_size)  # the edit goes into the largest file
        original = deck.read_text()
        rows: dict[str, list[float]] = {
            k: [] for k in ("base", "pipeline", "parse", "pyrs", "pyrs_build", "cold", "warm", "edit", "noop")
        }
        cpu: dict[str, list[float]] = {"warm": [], "edit": []}
        try:
            import markdown_it_pyrs  # noqa: F401

            has_pyrs = True
        except ImportError:
            has_pyrs = False
        for i in range(args.repeat):
            rows["base"].append(timed(lambda: bare_genanki(sources, Path(tmp) / "bare.apkg")))
            rows["parse"].append(timed(lambda: parse_only(texts)))
            if has_pyrs:
                rows["pyrs"].append(timed(lambda: parse_pyrs(texts)))
                rows["pyrs_build"].append(timed(lambda: pyrs_then_genanki(texts, sources, Path(tmp) / "pyrs.apkg")))
            rows["pipeline"].append(timed(lambda: markdown_then_genanki(sources, Path(tmp) / "pipeline.apkg")))
            out = Path(tmp) / f"out{i}"
            os.environ["SRSCARDS_CACHE"] = str(Path(tmp) / f"cache{i}")  # empty: a cold parse
            rows["cold"].append(timed(lambda out=out: build_decks(root, out, now=1_790_000_000, force=True)))
            warm = lambda out=out: build_decks(root, out, now=1_790_000_000, force=True)  # noqa: E731
            rows["warm"].append(cpu_timed(warm, cpu["warm"]))
            deck.write_text(edit_one_card(original, i))
            edit = lambda out=out, i=i: build_decks(root, out, now=1_790_000_001 + i)  # noqa: E731
            rows["edit"].append(cpu_timed(edit, cpu["edit"]))
            rows["noop"].append(timed(lambda out=out, i=i: build_decks(root, out, now=1_790_000_001 + i)))
            deck.write_text(original)
        if args.processes:
            srscards = shutil.which("srscards") or sys.exit("srscards is not installed in this environment")
            cache_bytecode()
            out = Path(tmp) / "outp"
            build = [srscards, "build", str(root), "-o", str(out)]
            subprocess.run(build, check=True, capture_output=True)
            p_warm = process_time([*build, "--force"], args.processes)
            p_edit = process_time(build, args.processes, lambda n: deck.write_text(edit_one_card(original, 100 + n)))
            p_noop = process_time(build, args.processes)
            deck.write_text(original)
    m = {k: statistics.median(v) for k, v in rows.items() if v}
    b, p = m["base"], m["pipeline"]
    what = "real decks in decks/" if args.real else "synthetic cards"
    print(
        f"{len(sources.cards)} {what} in {len(files)} files, repeats: {args.repeat} (medians), cores: {os.cpu_count()}"
    )
    print(f"bare genanki (HTML given):          {b:.3f} s")
    print(f"markdown-it-py render + genanki:    {p:.3f} s")
    print(f"markdown-it-py parse alone:         {m['parse']:.3f} s  ratio {m['parse'] / b:.2f}x to bare genanki")
    if "pyrs" in m:
        print(
            f"markdown-it-pyrs tree alone:        {m['pyrs']:.3f} s  ratio {m['pyrs'] / b:.2f}x to bare genanki, "
            f"{m['pyrs'] / m['parse']:.2f}x to markdown-it-py"
        )
        print(f"markdown-it-pyrs tree + render + genanki: {m['pyrs_build']:.3f} s  ratio {m['pyrs_build'] / b:.2f}x")
    for label, key in (
        ("srscards build, cold:             ", "cold"),
        ("srscards build, no change (forced):", "warm"),
        ("srscards build, one card edited:  ", "edit"),
        ("srscards build, no-op:            ", "noop"),
    ):
        t = m[key]
        print(f"{label} {t:.3f} s  ratio {t / b:.2f}x to bare genanki, {t / p:.2f}x to render + genanki")
    print(f"one card edited / no change (forced): {m['edit'] / m['warm']:.2f}x (target <= 1.5x)")
    c_warm, c_edit = statistics.median(cpu["warm"]), statistics.median(cpu["edit"])
    print(f"  the same in CPU time: {c_edit:.3f} s / {c_warm:.3f} s = {c_edit / c_warm:.2f}x")
    if args.processes:
        print(f"whole processes, {args.processes} runs each (medians, wall and CPU time):")
        print(f"  srscards build --force, no change: {p_warm[0]:.3f} s, CPU {p_warm[1]:.3f} s")
        print(
            f"  srscards build, one card edited:   {p_edit[0]:.3f} s, CPU {p_edit[1]:.3f} s;  "
            f"ratio {p_edit[0] / p_warm[0]:.2f}x wall, {p_edit[1] / p_warm[1]:.2f}x CPU to no change"
        )
        print(f"  srscards build, no-op:             {p_noop[0]:.3f} s, CPU {p_noop[1]:.3f} s")


if __name__ == "__main__":
    main()
