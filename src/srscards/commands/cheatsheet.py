from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from srscards.commands._study import beside_decks, decks_argument


@click.command("cheatsheet")
@decks_argument
@click.option("--domain", type=int, help="Only the sheet of this exam domain (default: every domain and the overview).")
@click.option("--exam", help="Exam version or profile code, such as C01 (default: the course's first profile).")
@click.option(
    "--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True, help="Output format."
)
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter"], case_sensitive=False),
    default="a4",
    show_default=True,
    help="Paper size of the print layout.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    default="exports/cheatsheets",
    type=click.Path(path_type=Path),
    show_default=True,
    help="Folder for the sheets.",
)
def command(decks: Path, domain: int | None, exam: str | None, fmt: str, paper: str, out_dir: Path) -> None:
    """Write printable cheat sheets: one per exam domain, plus the exam overview and strategy.

    Each sheet holds the cards flagged `cheatsheet: true`, grouped by task statement. HTML is
    self-contained and prints from any browser; PDF needs `pip install "srscards[pdf]"`.

    \b
    Example:
      srscards cheatsheet decks/ --format pdf --paper letter
      srscards cheatsheet decks/ --domain 2 --exam C01
    """
    from srscards.outputs.cheatsheet import write_cheatsheets

    out_dir = beside_decks("out_dir", decks, out_dir)
    sheets = write_cheatsheets(
        decks, out_dir, built=date.today(), exam=exam, domain=domain, fmt=fmt, paper=paper.lower()
    )
    for s in sheets:
        pages = f", {s.pages} page{'s' if s.pages != 1 else ''}" if s.pages is not None else ""
        click.echo(f"wrote {s.path} ({s.title}: {s.cards} card{'s' if s.cards != 1 else ''}{pages})")
