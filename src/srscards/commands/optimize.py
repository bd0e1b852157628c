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
    """Fit the FSRS parameters to your review log; keep them only if they predict unseen answers better.

    Shows log loss and RMSE(bins) (fsrs-rs's evaluation, as Anki's Evaluate) over all answers
    before and after, and on the latest 20% of answers, which the decision is made on: there
    parameters fitted to the earlier 80% are compared with those in force. Adopted parameters
    (fitted to all answers) are stored with the time they came into force, schedule every later
    review unless config.toml sets its own `parameters`, and every card's state is recomputed
    with them.

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
    held_before, held_after = result.held_out_before, result.held_out_after
    assert held_before is not None and held_after is not None
    click.echo(f"Fitted to {count(result.reviews, 'answer')} on a later day.")
    click.echo("All answers (in-sample, as Anki's Evaluate):")
    click.echo(f"  before: log loss {result.before.log_loss:.4f}, RMSE(bins) {result.before.rmse_bins:.2%}")
    click.echo(f"  after:  log loss {result.after.log_loss:.4f}, RMSE(bins) {result.after.rmse_bins:.2%}")
    click.echo(f"Latest {result.held_out:,} answers, held out from a fit to the earlier ones (the decision):")
    click.echo(f"  in force: log loss {held_before.log_loss:.4f}, RMSE(bins) {held_before.rmse_bins:.2%}")
    click.echo(f"  fitted:   log loss {held_after.log_loss:.4f}, RMSE(bins) {held_after.rmse_bins:.2%}")
    if not result.adopted:
        click.echo("The new parameters do not predict unseen answers better; the old ones stay in force.")
        return
    click.echo("The new parameters are in force from now on:")
    click.echo(_parameter_lines(result.new))
    if settings.parameters:
        click.echo("Note: config.toml sets its own parameters, which take precedence; remove them to use these.")
    elif result.recompute is not None:
        click.echo(result.recompute.describe())


def _parameter_lines(parameters: tuple[float, ...]) -> str:
    """The parameters, indented; in a terminal, wrapped between numbers rather than inside one."""
    import shutil
    import sys
    import textwrap

    text = ", ".join(f"{p:.4f}" for p in parameters)
    if not sys.stdout.isatty():
        return "  " + text
    width = max(shutil.get_terminal_size().columns, 20)
    return textwrap.fill(text, width, initial_indent="  ", subsequent_indent="  ", break_long_words=False)
