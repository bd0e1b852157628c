"""Running a lab: each step runs, then its check reads the outcome back; cleanup always follows.

The runner reports progress through `on_event` and waits through `pause` (both supplied by
the caller), so the core never prints or reads input. Cleanup sits in a `finally` block, so it
also runs after a failed check, an AWS error or Ctrl-C (KeyboardInterrupt).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from srscards.labs.calls import ApiCall, record_calls, where_defined
from srscards.labs.catalog import Lab
from srscards.labs.cleanup import CleanupReport, can_delete, cleanup_lab
from srscards.labs.interrupts import InterruptGuard
from srscards.labs.steps import CheckFailed, EmulatorGap, LabContext, LabError


class Target(Protocol):
    name: str
    region: str
    session: Any

    def describe(self) -> str: ...
    def __enter__(self) -> Target: ...
    def __exit__(self, *exc: object) -> None: ...


@dataclass(frozen=True)
class LabEvent:
    """Something the caller may show: a step starting or passing, or the cleanup's outcome."""

    kind: str  # "step" (text: why, code: where its code lives), "call", "passed", "cleaning" (cleanup
    # starts), "deleting" (text: the ARN cleanup deletes next), "cleanup" (its report)
    index: int = 0
    total: int = 0
    title: str = ""
    text: str = ""
    cleanup: CleanupReport | None = None
    code: str = ""  # where the step's code lives, path:line (function)
    call: ApiCall | None = None


@dataclass
class LabResult:
    """A finished run: the steps that passed and what cleanup removed."""

    lab: str
    target: str
    passed: list[str] = field(default_factory=list)
    cleanup: CleanupReport = field(default_factory=CleanupReport)


def new_suffix() -> str:
    """A short random suffix that keeps this run's resource names apart from any other run's."""
    return secrets.token_hex(3)


def run_lab(
    lab: Lab,
    target: Target,
    *,
    suffix: str | None = None,
    on_event: Callable[[LabEvent], None] = lambda event: None,
    pause: Callable[[int], None] | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> LabResult:
    """Run every step of `lab` on `target`, check each, then clean up whatever happens.

    `confirm` gets the target's description once connected and may refuse the run (for AWS).
    Raises CheckFailed (naming the step, what was expected and what was found) or LabError
    for a failed AWS call; cleanup has run by then and its report went to `on_event`.
    """
    if lab.aws_only and target.name != "aws":
        raise LabError(f"lab {lab.name!r} needs real AWS (the emulator lacks its service): run it with --aws")
    result = LabResult(lab=lab.name, target=target.name)
    guard = InterruptGuard()
    guard.install()
    try:
        with target:
            _run_steps(lab, target, result, guard, suffix, on_event, pause, confirm)
    finally:
        guard.uninstall()
    if guard.stop_requested:  # Ctrl-C during cleanup: it stopped or finished; the run was still interrupted
        raise KeyboardInterrupt
    return result


def _run_steps(
    lab: Lab,
    target: Target,
    result: LabResult,
    guard: InterruptGuard,
    suffix: str | None,
    on_event: Callable[[LabEvent], None],
    pause: Callable[[int], None] | None,
    confirm: Callable[[str], bool] | None,
) -> None:
    if confirm is not None and not confirm(target.describe()):
        raise LabError("cancelled: nothing was created")
    calls: list[tuple[int, int]] = []  # (step index, total steps) while a step's run is making calls

    def show_call(call: ApiCall) -> None:
        if calls:
            on_event(LabEvent("call", calls[-1][0], calls[-1][1], call.operation, str(call), call=call))

    stop_recording = record_calls(target.session, show_call) if target.session is not None else None
    if target.session is not None:
        guard.watch(target.session)
    ctx = LabContext(
        lab=lab.name,
        target=target.name,
        region=target.region,
        session=target.session,
        suffix=suffix or new_suffix(),
    )
    try:
        total = len(lab.steps)
        for index, step in enumerate(lab.steps, start=1):
            code = where_defined(step.run)
            on_event(LabEvent("step", index, total, step.title, step.why, code=code))
            if pause is not None:
                pause(index)
            try:
                calls.append((index, total))
                try:
                    step.run(ctx)
                finally:
                    calls.clear()  # the check's reads are not the step's calls
                verified = step.check(ctx)
            except CheckFailed as exc:
                raise CheckFailed(f"step {index} ({step.title}) failed its check: {exc}") from None
            except LabError:
                raise
            except Exception as exc:  # botocore errors: say which step and why, not a traceback
                gap = _emulator_gap(exc) if target.name == "emulator" else None
                if gap is not None:
                    raise EmulatorGap(f"lab {lab.name}, step {index} ({step.title}): {gap}") from exc
                raise LabError(f"step {index} ({step.title}) failed: {_describe(exc)}") from exc
            on_event(LabEvent("passed", index, total, step.title, verified))
            result.passed.append(step.title)
    finally:
        # From here on Ctrl-C is only noted: cleanup stops before its next deletion and reports what is left.
        with guard.held():
            try:
                if stop_recording is not None:
                    stop_recording()
                on_event(LabEvent("cleaning"))
                presses = guard.presses  # a Ctrl-C from now on stops the cleanup, one before it started it
                created = [arn for arn in guard.created if can_delete(arn)]
                if guard.abandoned:
                    result.cleanup.failed.append(
                        (f"whatever {guard.abandoned} was creating", "the call was left without an answer")
                    )
                report = cleanup_lab(
                    ctx.session,
                    ctx.region,
                    lab.name,
                    ctx.services,
                    created=created,
                    stop=lambda: guard.presses > presses,
                    on_delete=lambda arn: on_event(LabEvent("deleting", text=arn)),
                )
                report.failed = result.cleanup.failed + report.failed
                result.cleanup = report
            finally:
                guard.unwatch()
                ctx.close()
                on_event(LabEvent("cleanup", cleanup=result.cleanup))


def _describe(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and "Error" in response:
        error = response["Error"]
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}"
    return f"{type(exc).__name__}: {exc}"


def _emulator_gap(exc: Exception) -> str | None:
    """What the emulator lacks, when `exc` is moto saying it does not implement a call; else None.

    moto answers a request it cannot route with HTTP 404 "Not yet implemented" (a botocore newer than
    moto may call an operation at an address moto does not know), and raises NotImplementedError for
    an action of a known service that it has not written.
    """
    from importlib.metadata import version

    response = getattr(exc, "response", None)
    if isinstance(response, dict) and response.get("Error", {}).get("Message") == "Not yet implemented":
        operation = getattr(exc, "operation_name", "this call")
    elif isinstance(exc, NotImplementedError) and "has not been implemented" in str(exc):
        action = str(exc).split(" action ", 1)[0].removeprefix("The ")  # e.g. decode_authorization_message
        operation = "".join(word.capitalize() for word in action.split("_"))
    else:
        return None
    return (
        f"the local emulator (moto {version('moto')}) does not implement {operation} as botocore "
        f"{version('botocore')} calls it; install the tested versions (pip install -c constraints.txt, "
        "see the README) or run the lab on AWS with --aws"
    )
