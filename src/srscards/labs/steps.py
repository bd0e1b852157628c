"""What a lab is made of: steps with a run and a check, and the context the steps share."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srscards.errors import SrsError

TAG_KEY = "srscards-lab"
"""Every resource a lab creates carries this tag, with the lab's name as its value."""


class LabError(SrsError):
    """A lab cannot run: unknown name, missing extra, no credentials, a failed AWS call."""


class CheckFailed(LabError):
    """A step ran but its outcome is not what the lab expects."""


def expect(what: str, expected: object, found: object) -> None:
    """Fail with "WHAT: expected X, found Y" unless `found == expected`."""
    if found != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, found {found!r}")


def expect_in(what: str, expected: object, found: Iterable[object]) -> None:
    """Fail unless `expected` is one of `found`."""
    items = list(found)
    if expected not in items:
        raise CheckFailed(f"{what}: expected {expected!r} among them, found {items!r}")


@dataclass(frozen=True)
class Step:
    """One step of a lab: what it does and why, the boto3 calls, and the check of the real outcome.

    `check` reads the result back from the service and raises CheckFailed when it differs;
    it returns a short sentence saying what it verified.
    """

    title: str
    why: str
    run: Callable[[LabContext], None]
    check: Callable[[LabContext], str]


@dataclass
class LabContext:
    """What the steps of one run share: the boto3 session, names, tags and a scratch folder."""

    lab: str
    target: str
    region: str
    session: Any
    suffix: str
    state: dict[str, Any] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)
    _work: tempfile.TemporaryDirectory[str] | None = None

    def client(self, service: str) -> Any:
        """A boto3 client for `service` in the lab's region, made once per run."""
        if service not in self._clients:
            self._clients[service] = self.session.client(service, region_name=self.region)
        return self._clients[service]

    def name(self, part: str) -> str:
        """A resource name unique to this run, e.g. `srs-data-3fa9c1`: short enough for S3 and SageMaker."""
        return f"srs-{part}-{self.suffix}"

    @property
    def services(self) -> set[str]:
        """The services this run made clients for: cleanup lists only those directly."""
        return set(self._clients)

    @property
    def tags(self) -> list[dict[str, str]]:
        """The lab tag in the `[{"Key": ..., "Value": ...}]` shape most services take."""
        return [{"Key": TAG_KEY, "Value": self.lab}]

    @property
    def tag_map(self) -> dict[str, str]:
        """The lab tag in the `{key: value}` shape (Glue, Kinesis, Lambda, API Gateway)."""
        return {TAG_KEY: self.lab}

    @property
    def account(self) -> str:
        if "account" not in self.state:
            self.state["account"] = self.client("sts").get_caller_identity()["Account"]
        return self.state["account"]

    @property
    def work_dir(self) -> Path:
        """A scratch folder for local data and model files, removed when the run ends."""
        if self._work is None:
            self._work = tempfile.TemporaryDirectory(prefix=f"srscards-{self.lab}-")
        return Path(self._work.name)

    def close(self) -> None:
        if self._work is not None:
            self._work.cleanup()
            self._work = None
