"""`srscards optimize`: fit FSRS parameters to your own review log."""

from __future__ import annotations

from pathlib import Path

import click

from srscards.commands._study import clock, home_option
from srscards.words import count


@click.command("optimize")
@home_option
@click.option("--now", "now_text", hidden=True, help="Pretend it is this ISO time.")
def command(home: Path | None, now_text: str | None) -> None:
    """Fit the FSRS parameters to your review log; keep them only if they predict your answers better.

    Shows log loss and RMSE(bins) (as Anki's Evaluate) before and after. Adopted parameters are
    stored with the time they came into force and schedule every later review, unless
    config.toml sets its own `parameters`.

    \b
    Example:
      srscards optimize
    """
    from srscards.paths import home as default_home
    from srscards.scheduling.config import load_settings
    from srscards.study.optimize import optimize_home

    folder = home or default_home()
    settings = load_settings(folder)
    result = optimize_home(folder, settings, clock(now_text)())
    if result.before is None or result.after is None:
        click.echo(
            f"Not enough reviews to fit parameters: {count(result.reviews, 'answer')} on a later day, "
            f"{result.needed} needed "
            f"({result.needed - result.reviews} more). The default parameters stay in force."
        )
        return
    click.echo(f"Fitted to {count(result.reviews, 'answer')} on a later day.")
    click.echo(f"  before: log loss {result.before.log_loss:.4f}, RMSE(bins) {result.before.rmse_bins:.2%}")
    click.echo(f"  after:  log loss {result.after.log_loss:.4f}, RMSE(bins) {result.after.rmse_bins:.2%}")
    if not result.adopted:
        click.echo("The new parameters do not predict your answers better; the old ones stay in force.")
        return
    click.echo("The new parameters are in force from now on:")
    click.echo("  " + ", ".join(f"{p:.4f}" for p in result.new))
    if settings.parameters:
        click.echo("Note: config.toml sets its own parameters, which take precedence; remove them to use these.")
