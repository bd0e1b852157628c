"""The `srscards` command: a thin layer that parses arguments, calls the core, prints results."""

from __future__ import annotations

import sys

import click

from srscards import __version__
from srscards.errors import SrsError, ValidationFailed


class _Group(click.Group):
    """Turns the core's errors into `Error: ...` messages and exit code 1, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except SrsError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="srscards")
def main() -> None:
    """Turn Markdown study notes into spaced-repetition practice.

    \b
    Example:
      srscards check decks/
      srscards build decks/ -o exports/
    """


def _register() -> None:
    from srscards.commands import (
        anki,
        build,
        cards,
        cheatsheet,
        check,
        coverage,
        doctor,
        due,
        exam,
        exams,
        ids,
        lab,
        optimize,
        orphans,
        plan,
        readiness,
        report,
        restore,
        review,
        stats,
    )

    for module in (build, check, ids, coverage, cheatsheet, review, due, cards, orphans, stats, report, optimize, anki,
                   exam, exams, readiness, plan, lab, doctor, restore):  # fmt: skip
        main.add_command(module.command)


_register()
