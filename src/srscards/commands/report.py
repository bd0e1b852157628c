"""`srscards report`: the stats as one offline HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from srscards.commands._study import beside_decks, clock, decks_argument, home_option


@click.command("report")
@decks_argument
@home_option
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("exports/report.html"),
    show_default=True,
    help="The HTML file to write.",
)
@click.option(
    "--evaluate",
    is_flag=True,
    help="Also compute the calibration as Anki's Evaluate does (replays every card's history: slower on a long log).",
)
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
def command(decks: Path, home: Path | None, out: Path, evaluate: bool, now_text: str | None) -> None:
    """Write the stats as a self-contained HTML page with charts, readable offline in any browser.

    \b
    Example:
      srscards report decks/ -o exports/report.html
      srscards report decks/ --evaluate
    """
    from srscards.outputs.report import write_report
    from srscards.paths import home as default_home
    from srscards.scheduling.config import load_settings

    folder = home or default_home()
    out = beside_decks("out", decks, out, refuse_elsewhere=True)
    path = write_report(decks, folder, load_settings(folder), clock(now_text)(), out, evaluate)
    click.echo(f"Wrote {path}")
