"""`srscards lab`: list, show, run and clean up the hands-on lab walkthroughs."""

from __future__ import annotations

import shutil
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from srscards.words import count

LABS_HELP = "The folder that holds the labs."
DECKS_HELP = "The folder that holds the decks, for the cards that link to labs."
PRICING = "https://calculator.aws/"


@click.group("lab")
def command() -> None:
    """Hands-on AWS labs: run offline against a local emulator, or on AWS with --aws.

    \b
    Example:
      srscards lab list
      srscards lab run s3-data-lake-kms --step
      srscards lab run s3-data-lake-kms --aws --profile study --region eu-west-1
    """


def _labs_option(function: Any) -> Any:
    return click.option(
        "--labs", "labs_root", default="lab_walkthroughs", type=click.Path(path_type=Path), help=LABS_HELP
    )(function)


def _decks_option(function: Any) -> Any:
    return click.option("--decks", default="decks", type=click.Path(path_type=Path), help=DECKS_HELP)(function)


def _target(aws: bool, profile: str | None, region: str | None) -> Any:
    from srscards.labs.targets import AwsTarget, EmulatorTarget

    if not aws:
        if profile or region:
            raise click.UsageError("--profile and --region need --aws (the emulator always uses us-east-1)")
        return EmulatorTarget()
    return AwsTarget(profile, region)


def _courses(decks: Path) -> list[Any]:
    """The courses under `decks`, for their `lab` links; none (with a warning) if the sources have errors."""
    if not decks.is_dir():
        return []
    from srscards.errors import ValidationFailed
    from srscards.sources.load import load_checked

    try:
        return load_checked(decks)
    except ValidationFailed as exc:
        errors = sum(1 for problem in exc.problems if problem.severity == "error")
        click.echo(
            f"warning: cards not read: {decks} has {count(errors, 'error')} (run `srscards check {decks}`)", err=True
        )
        return []


@command.command("list")
@_labs_option
@_decks_option
def list_command(labs_root: Path, decks: Path) -> None:
    """List the labs, and warn about cards whose `lab` names no lab.

    \b
    Example:
      srscards lab list
    """
    from srscards.labs import find_labs, load_lab, unknown_lab_links

    names = find_labs(labs_root)
    labs = [load_lab(labs_root, name) for name in names]
    width = max((len(name) for name in names), default=4)
    for lab in labs:
        note = "  (needs --aws)" if lab.aws_only else ""
        click.echo(f"{lab.name:<{width}}  {len(lab.steps)} steps  {lab.title}{note}")
    click.echo(f"{len(labs)} labs in {labs_root}")
    for problem in unknown_lab_links(_courses(decks), names):
        click.echo(str(problem), err=True)


@command.command("show")
@click.argument("name")
@_labs_option
@_decks_option
def show_command(name: str, labs_root: Path, decks: Path) -> None:
    """Show a lab's steps, what it creates on AWS, and the cards it reinforces.

    \b
    Example:
      srscards lab show s3-data-lake-kms
    """
    from srscards.labs import cards_for_lab, load_lab

    lab = load_lab(labs_root, name)
    click.echo(f"{lab.name}: {lab.title}")
    click.echo(f"walkthrough: {lab.readme}")
    click.echo("steps:")
    for index, step in enumerate(lab.steps, start=1):
        click.echo(f"  {index}. {step.title}")
    click.echo("creates on AWS (tagged srscards-lab=" + lab.name + ", removed at the end):")
    for resource in lab.resources:
        click.echo(f"  - {resource}")
    click.echo(f"billed on AWS: {lab.cost} (prices: {PRICING})")
    if lab.aws_only:
        click.echo("runs only with --aws: the emulator lacks this service")
    click.echo(f"completed: {_completions(lab.name)}")
    cards = cards_for_lab(_courses(decks), lab.name)
    click.echo(f"cards that link to this lab: {len(cards)}")
    for card in cards:
        click.echo(f"  {card.id}  {card.title.md.strip()}  ({card.location})")


def _completions(name: str) -> str:
    from srscards.paths import home
    from srscards.store.store import Store

    with Store.open(home()) as store:
        runs = store.lab_completions(name)
    if not runs:
        return "never"
    last = runs[-1]
    where = "the emulator" if last.target == "emulator" else "AWS"
    return f"{count(len(runs), 'time')}, last on {where} at {last.completed_at:%Y-%m-%d %H:%M} UTC"


@command.command("run")
@click.argument("name")
@click.option("--step", "step_by_step", is_flag=True, help="Pause before each step until you press Enter.")
@click.option("--aws", is_flag=True, help="Run on real AWS instead of the local emulator.")
@click.option("--profile", default=None, help="AWS profile to use with --aws.")
@click.option("--region", default=None, help="AWS region to use with --aws.")
@click.option("--yes", is_flag=True, help="With --aws: do not ask before creating resources.")
@_labs_option
def run_command(
    name: str, step_by_step: bool, aws: bool, profile: str | None, region: str | None, yes: bool, labs_root: Path
) -> None:
    """Run a lab: each step explains itself, runs, and checks its real outcome; cleanup always follows.

    Without --aws the lab runs on a local AWS emulator (moto): no account, no cost, no network.
    With --aws it lists what it will create and what AWS bills for, asks before going on,
    tags everything with the lab's name and deletes it at the end, also after an error or Ctrl-C.

    \b
    Example:
      srscards lab run s3-data-lake-kms
      srscards lab run s3-data-lake-kms --aws --profile study --region eu-west-1 --step
    """
    from srscards.labs import LabError, LabEvent, load_lab, run_lab

    lab = load_lab(labs_root, name)
    target = _target(aws, profile, region)

    def confirm(where: str) -> bool:
        click.echo(f"Lab {lab.name} on {where}")
        if not aws:
            return True
        click.echo(f"It creates, tagged srscards-lab={lab.name}:")
        for resource in lab.resources:
            click.echo(f"  - {resource}")
        click.echo(f"Billed on AWS: {lab.cost} (prices: {PRICING})")
        if yes:
            return True
        _need_input("asking before creating AWS resources", "pass --yes to go on without asking")
        return click.confirm("Create these resources?", default=False)

    width = min(shutil.get_terminal_size().columns, 100)

    def say(label: str, text: str) -> None:
        """`      why: ...` wrapped to the terminal, later lines under the text."""
        head = f"      {label}: "
        indent = " " * len(head)
        lines = textwrap.wrap(
            text, width, initial_indent=head, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
        )
        click.echo("\n".join(lines))

    def pause(index: int) -> None:
        click.echo(f"      Press Enter to run step {index}...", nl=False)
        sys.stdin.readline()  # at the end of piped input the lab goes on
        click.echo("")

    calls = [0]  # API calls of the step running

    reports: list[Any] = []

    def show(event: LabEvent) -> None:
        if event.kind == "cleanup" and event.cleanup is not None:
            reports.append(event.cleanup)
        if event.kind == "step":
            click.echo(f"[{event.index}/{event.total}] {event.title}")
            say("why", event.text)
            say("code", _near(event.code))
            calls[0] = 0
        elif event.kind == "call":
            say("call", event.text)
            calls[0] += 1
        elif event.kind == "passed":
            if not calls[0]:
                say("call", "none: this step works on local files")
            say("check passed", event.text)
        elif event.kind == "cleaning" and aws:
            click.echo("Cleaning up (Ctrl-C stops the cleanup before its next deletion and lists what is left)")
        elif event.kind == "deleting" and aws:  # on AWS a deletion may take minutes: say what is under way
            click.echo(f"cleanup: deleting {event.text}")
        elif event.kind == "cleanup" and event.cleanup is not None:
            _echo_cleanup(event.cleanup, _again(lab.name, aws, profile, region, event.cleanup.untagged))

    if step_by_step:
        _need_input("--step", "run without --step")
    try:
        result = run_lab(lab, target, on_event=show, pause=pause if step_by_step else None, confirm=confirm)
        from srscards.paths import home
        from srscards.store.store import Store

        with Store.open(home()) as store:  # a Ctrl-C here, after cleanup, still reads as one
            store.record_lab(lab.name, result.target, datetime.now(UTC))
    except KeyboardInterrupt:
        if not reports:
            click.echo("Interrupted before the lab created anything.", err=True)
        elif reports[-1].failed:
            left = reports[-1]
            click.echo(
                f"Interrupted; cleanup left {count(len(left.failed), 'resource')}, listed above: "
                f"run `{_again(lab.name, aws, profile, region, left.untagged)}` to remove "
                f"{'it' if len(left.failed) == 1 else 'them'}.",
                err=True,
            )
        else:
            click.echo("Interrupted; cleanup has run and nothing is left.", err=True)
        sys.exit(130)
    passed = "The only step passed" if len(result.passed) == 1 else f"All {len(result.passed)} steps passed"
    click.echo(f"{passed}; completion recorded.")
    if result.cleanup.failed:
        again = _again(lab.name, aws, profile, region, result.cleanup.untagged)
        raise LabError(f"cleanup left {count(len(result.cleanup.failed), 'resource')} behind: run `{again}`")


def _near(code: str) -> str:
    """A code location relative to the current folder when it lies below it, so it reads short."""
    path, sep, rest = code.partition(":")
    try:
        return str(Path(path).relative_to(Path.cwd().resolve())) + sep + rest
    except ValueError:
        return code


def _need_input(what: str, instead: str) -> None:
    """Refuse to wait on a closed or absent standard input (`srscards ... <&-`) with a clear message."""
    from srscards.labs import LabError

    if sys.stdin is None or sys.stdin.closed:
        raise LabError(f"standard input is closed, but {what} needs it: {instead}")


def _again(name: str, aws: bool, profile: str | None, region: str | None, arns: list[str] | None = None) -> str:
    """The command that finishes an incomplete cleanup (with the ARNs of untagged resources it must also delete)."""
    parts = ["srscards lab cleanup", name]
    if aws:
        parts.append("--aws")
        parts += [f"--profile {profile}"] if profile else []
        parts += [f"--region {region}"] if region else []
    parts += [f"--arn {arn}" for arn in arns or []]
    return " ".join(parts)


def _echo_cleanup(report: Any, again: str) -> None:
    from srscards.labs.cleanup import STOPPED

    if report.deleted:
        click.echo(f"cleanup: deleted {count(len(report.deleted), 'resource')}")
        for arn in report.deleted:
            click.echo(f"  - {arn}")
    elif not report.unsupported and not report.failed:
        click.echo("cleanup: nothing left to delete")
    if report.unsupported:
        click.echo(
            f"cleanup: the emulator cannot delete {count(len(report.unsupported), 'resource')}; they vanish with it"
        )
        for arn in report.unsupported:
            click.echo(f"  - {arn}")
    if report.interrupted:
        click.echo(f"cleanup stopped by Ctrl-C; left on AWS ({count(len(report.failed), 'resource')}):", err=True)
        for what, why in report.failed:
            click.echo(f"  - {what}" + ("" if why == STOPPED else f" ({why})"), err=True)
        return
    for what, why in report.failed:
        click.echo(f"cleanup could not delete {what}: {why} (run `{again}` again)", err=True)


@command.command("cleanup")
@click.argument("name")
@click.option("--aws", is_flag=True, help="Clean up real AWS instead of the local emulator.")
@click.option("--profile", default=None, help="AWS profile to use with --aws.")
@click.option("--region", default=None, help="AWS region to use with --aws.")
@click.option("--yes", is_flag=True, help="With --aws: do not ask before deleting.")
@click.option(
    "--arn",
    "arns",
    multiple=True,
    help="Also delete this resource (one a run created but had not tagged when it was interrupted); repeatable.",
)
@_labs_option
def cleanup_command(
    name: str, aws: bool, profile: str | None, region: str | None, yes: bool, arns: tuple[str, ...], labs_root: Path
) -> None:
    """Find what a lab left behind, by its srscards-lab tag (and --arn), and delete it.

    \b
    Example:
      srscards lab cleanup s3-data-lake-kms --aws --profile study --region eu-west-1
      srscards lab cleanup s3-data-lake-kms --aws --arn arn:aws:s3:::srs-lake-3fa9c1
    """
    from srscards.labs import LabError, load_lab
    from srscards.labs.cleanup import can_delete, cleanup_lab, find_leftovers
    from srscards.labs.interrupts import InterruptGuard

    for arn in arns:
        if not can_delete(arn):
            raise click.BadParameter(f"{arn!r} is not the ARN of a resource a lab creates", param_hint="--arn")
    lab = load_lab(labs_root, name)
    with _target(aws, profile, region) as target:
        leftovers, failed = find_leftovers(target.session, target.region, lab.name, also=arns)
        if not leftovers:
            click.echo(f"No leftovers of lab {lab.name} on {target.describe()}.")
            for what, why in failed:
                click.echo(f"could not list {what}: {why}", err=True)
            return
        click.echo(f"Leftovers of lab {lab.name} on {target.describe()}:")
        for arn in leftovers:
            click.echo(f"  - {arn}")
        if aws and not yes:
            _need_input("asking before deleting", "pass --yes to delete without asking")
        if aws and not yes and not click.confirm("Delete them?", default=False):
            click.echo("Nothing deleted.")
            return
        guard = InterruptGuard()  # Ctrl-C stops the cleanup between two deletions, never half-way
        guard.install()
        guard.watch(target.session)
        try:
            with guard.held():
                report = cleanup_lab(
                    target.session,
                    target.region,
                    lab.name,
                    created=arns,
                    stop=lambda: guard.stop_requested,
                    on_delete=lambda arn: click.echo(f"cleanup: deleting {arn}") if aws else None,
                )
        finally:
            guard.unwatch()
            guard.uninstall()
        again = _again(lab.name, aws, profile, region, report.untagged)
        _echo_cleanup(report, again)
        if report.failed:
            raise LabError(f"{count(len(report.failed), 'resource')} could not be deleted: run `{again}` again")
