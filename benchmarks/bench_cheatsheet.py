"""All cheat sheets of the course in decks/, HTML and PDF; print times and ratios.

    python benchmarks/bench_cheatsheet.py [--repeat 3] [--paper a4]

Baselines measured in the same run: parsing and checking the sources (what every command
pays), and bare WeasyPrint laying out the very same HTML pages one after another. The
end-to-end figure runs `srscards cheatsheet --format pdf` in a fresh process, as a user does.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from weasyprint import HTML

from srscards.outputs.cheatsheet import plan_sheets, write_cheatsheets
from srscards.sources.load import load_checked
from srscards.views.print_html import render_sheet

REPO = Path(__file__).resolve().parent.parent
BUILT = date(2026, 1, 1)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--paper", default="a4", choices=["a4", "letter"])
    args = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    decks = REPO / "decks"
    srscards = shutil.which("srscards") or sys.exit("srscards is not installed in this environment")
    sheets = [s for sources in load_checked(decks) for s in plan_sheets(sources)]
    pages = [render_sheet(s, built=BUILT, paper=args.paper) for s in sheets]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        HTML(string=pages[-1]).write_pdf(out / "warm-up.pdf")  # fonts are found once per process
        parse = median_time(lambda: load_checked(decks), args.repeat)
        html = median_time(lambda: write_cheatsheets(decks, out / "html", built=BUILT, paper=args.paper), args.repeat)
        bare = median_time(
            lambda: [HTML(string=p).write_pdf(out / f"bare{i}.pdf") for i, p in enumerate(pages)], args.repeat
        )
        one = median_time(
            lambda: write_cheatsheets(decks, out / "pdf1", built=BUILT, fmt="pdf", paper=args.paper, workers=1),
            args.repeat,
        )
        pdf = median_time(
            lambda: write_cheatsheets(decks, out / "pdf", built=BUILT, fmt="pdf", paper=args.paper), args.repeat
        )
        cmd = [srscards, "cheatsheet", str(decks), "--format", "pdf", "--paper", args.paper, "-o", str(out / "cli")]
        cli = median_time(lambda: subprocess.run(cmd, check=True, capture_output=True), args.repeat)
        page_count = sum(r.pages or 0 for r in write_cheatsheets(decks, out / "n", built=BUILT, fmt="pdf"))
    cards = sum(s.cards for s in sheets)
    print(f"sheets: {len(sheets)}, cards on them: {cards}, PDF pages: {page_count}, paper: {args.paper}")
    print(f"repeats: {args.repeat} (medians)")
    print(f"parse and check the sources:        {parse:.3f} s")
    print(f"all sheets, HTML:                   {html:.3f} s  ratio to parse {html / parse:.2f}x")
    print(f"bare WeasyPrint, same pages:        {bare:.3f} s")
    print(f"all sheets, PDF, one process:       {one:.3f} s  ratio to bare WeasyPrint {one / bare:.2f}x")
    print(f"all sheets, PDF, one per core:      {pdf:.3f} s  ratio to bare WeasyPrint {pdf / bare:.2f}x")
    print(f"srscards cheatsheet --format pdf:   {cli:.3f} s  (new process; target <= 10 s)")


if __name__ == "__main__":
    main()
