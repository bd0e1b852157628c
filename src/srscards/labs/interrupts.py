"""Ctrl-C during a lab run, without losing track of what the run created.

A Ctrl-C that lands while an AWS call is in flight would abandon the request after AWS may have
acted on it: a bucket or key made but never seen, or deleted but still listed. So while a call is
in flight, Ctrl-C is noted and takes effect when the call returns (a third press stops at once).
During cleanup, Ctrl-C never interrupts a deletion half-way: cleanup stops before the next
resource and reports exactly what is left.

The guard also keeps a ledger of the resources the run created, from the calls themselves, so
that cleanup deletes them even when Ctrl-C fell between creating a resource and tagging it.
"""

from __future__ import annotations

import _thread
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

FORCE = 3
"""Presses during one AWS call that stop the run at once, without waiting for the call."""

_HOOKS = ("before-parameter-build", "before-call", "after-call", "after-call-error")
_IDS = ("intent", "before", "after", "error")


class InterruptGuard:
    """Installs a SIGINT handler for a lab run and hooks the run's boto3 session.

    `holding` (cleanup) notes every press; otherwise a press outside a call raises
    KeyboardInterrupt at once and a press inside a call raises it when the call returns.
    """

    def __init__(self, region: str = "") -> None:
        self.region = region
        self.presses = 0
        self.holding = False
        self.created: list[str] = []  # ARNs of what the run's calls created, in order
        self.in_flight = ""  # "service.Operation" of the call under way, if any
        self.abandoned = ""  # the call that a forced stop (FORCE presses) left without an answer
        self._in_call = 0
        self._pending = 0  # presses since the call in flight began
        self._pending_elsewhere = False
        self._previous: Any = None
        self._installed = False
        self._session: Any = None

    # --- the signal handler ---------------------------------------------------------------------

    def install(self) -> None:
        """Take over SIGINT, if this is the main thread and Ctrl-C still raises KeyboardInterrupt."""
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self._pending_elsewhere:  # interrupt_main() passing on a press already counted
            self._pending_elsewhere = False
            raise KeyboardInterrupt
        self.presses += 1
        if self._in_call:
            self._pending += 1
            if self._pending >= FORCE:
                self.abandoned, self._in_call, self._pending = self.in_flight, 0, 0
                raise KeyboardInterrupt
            return
        if not self.holding:
            raise KeyboardInterrupt

    @property
    def stop_requested(self) -> bool:
        """Ctrl-C was pressed at least once during the run."""
        return self.presses > 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """Within the block, Ctrl-C is only noted (three presses during one call still stop it)."""
        before, self.holding = self.holding, True
        try:
            yield
        finally:
            self.holding = before

    # --- the boto3 hooks ------------------------------------------------------------------------

    def watch(self, session: Any) -> None:
        """Hook every client of `session` made from now on."""
        self._session = session
        events = session.events
        events.register("before-parameter-build", self._intent, unique_id="srscards-lab-guard-intent")
        events.register("before-call", self._before_call, unique_id="srscards-lab-guard-before")
        events.register("after-call", self._after_call, unique_id="srscards-lab-guard-after")
        events.register("after-call-error", self._after_error, unique_id="srscards-lab-guard-error")

    def unwatch(self) -> None:
        if self._session is not None:
            events = self._session.events
            for hook, suffix in zip(_HOOKS, _IDS, strict=True):
                events.unregister(hook, unique_id=f"srscards-lab-guard-{suffix}")
            self._session = None

    def _intent(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        # An S3 bucket is named by the caller: note it before the request, so a forced stop still knows it.
        arn = created_before(model.service_model.service_name, model.name, params)
        if arn is not None:
            self._note(arn)

    def _before_call(self, model: Any, **_: Any) -> None:
        self._in_call += 1
        self._pending = 0
        self.in_flight = f"{model.service_model.service_name}.{model.name}"

    def _after_call(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        arn = created_after(model.name, parsed)
        if arn is not None:
            self._note(arn)
        self._end_call()

    def _after_error(self, **_: Any) -> None:
        self._end_call()

    def _end_call(self) -> None:
        self._in_call = max(0, self._in_call - 1)
        self.in_flight = ""
        pending, self._pending = self._pending, 0
        if pending and not self.holding and not self._in_call:
            if threading.current_thread() is threading.main_thread():
                raise KeyboardInterrupt
            # a worker thread's call (boto3's upload_file uses threads): stop the run in the main thread
            self._pending_elsewhere = True
            _thread.interrupt_main()

    def _note(self, arn: str) -> None:
        if arn not in self.created:
            self.created.append(arn)


def created_before(service: str, operation: str, params: dict[str, Any]) -> str | None:
    """The ARN a call is about to create, when the caller names it (S3 buckets)."""
    if service == "s3" and operation == "CreateBucket" and isinstance(params.get("Bucket"), str):
        return f"arn:aws:s3:::{params['Bucket']}"
    return None


def created_after(operation: str, response: Any) -> str | None:
    """The ARN of the resource a `Create<Noun>` call created, read from its response.

    Only the created resource's own ARN counts (`<Noun>Arn`, or `Arn` inside `<Noun>`,
    `<Noun>Metadata` or `<Noun>Description`; `StackId` for CloudFormation), never an ARN
    the call merely refers to, such as the KMS key a function is encrypted with.
    """
    if not operation.startswith("Create") or not isinstance(response, dict):
        return None
    noun = operation.removeprefix("Create")
    candidates: list[Any] = [response.get(f"{noun}Arn")]
    if noun == "Stack":
        candidates.append(response.get("StackId"))
    for key in (noun, f"{noun}Metadata", f"{noun}Description"):
        inner = response.get(key)
        if isinstance(inner, dict):
            candidates += [inner.get("Arn"), inner.get(f"{noun}Arn")]
    return next((c for c in candidates if isinstance(c, str) and c.startswith("arn:")), None)
