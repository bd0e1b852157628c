"""The AWS API calls a lab step makes, as a learner reads them: service, operation, key parameters.

A botocore `before-parameter-build` hook sees each call with its parameters as the step passed
them (before they are serialised and signed), on the emulator and on AWS alike. Credentials never appear there
(they go into the signature); parameters whose names hold secrets are masked all the same, and
long values are cut, so a call fits on a line or two.
"""

from __future__ import annotations

import inspect
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SECRET = re.compile(
    r"secret|password|passphrase|token|credential|privatekey|keymaterial|customerkey|authorization", re.I
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
LONGEST = 60


@dataclass(frozen=True)
class ApiCall:
    """One call: `s3.create_bucket(Bucket='srs-lake-3fa9c1')` as boto3 code writes it."""

    service: str
    operation: str  # the boto3 method name, e.g. create_bucket
    parameters: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.parameters)
        return f"{self.service}.{self.operation}({args})"


def method_name(operation: str) -> str:
    """`CreateBucket` -> `create_bucket`, `ListMLModels` -> `list_ml_models` (boto3's own names)."""
    return _CAMEL.sub("_", operation).lower()


def shown_value(name: str, value: Any) -> str:
    """A parameter as the learner should see it: masked if secret, bytes summarised, long values cut."""
    if _SECRET.search(name):
        return "'***'"
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if isinstance(value, io.BytesIO):  # botocore wraps a bytes body before the call
        return f"<{len(value.getbuffer())} bytes>"
    if hasattr(value, "read"):
        return "<file>"
    text = repr(_masked(value))
    if len(text) <= LONGEST:
        return text
    close = {"{": "}", "[": "]", "'": "'"}.get(text[0], "")
    return text[: LONGEST - 4] + "..." + close


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if _SECRET.search(str(k)) else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


def record_calls(session: Any, sink: Callable[[ApiCall], None]) -> Callable[[], None]:
    """Report every API call made through clients of `session` created from now on; returns the undo."""

    def before_build(model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        members = getattr(model.input_shape, "members", {}) or {}
        automatic = {k for k, shape in members.items() if shape.metadata.get("idempotencyToken")}
        # idempotency tokens are filled in by botocore, not by the step: leave them out
        shown = tuple((k, shown_value(k, v)) for k, v in params.items() if not k.startswith("_") and k not in automatic)
        sink(ApiCall(service, method_name(model.name), shown))

    events = session.events
    events.register("before-parameter-build", before_build, unique_id="srscards-lab-calls")
    return lambda: events.unregister("before-parameter-build", unique_id="srscards-lab-calls")


def where_defined(function: Callable[..., Any], relative_to: Path | None = None) -> str:
    """`/…/lab_walkthroughs/s3-data-lake-kms/lab.py:28 (create_bucket)`: where a step's code lives
    (relative to `relative_to` when it lies below it)."""
    try:
        path = Path(inspect.getsourcefile(function) or "").resolve()
        line = inspect.getsourcelines(function)[1]
    except (OSError, TypeError):
        return getattr(function, "__qualname__", repr(function))
    if relative_to is not None:
        try:
            path = path.relative_to(relative_to.resolve())
        except ValueError:
            pass
    return f"{path}:{line} ({getattr(function, '__name__', '?')})"
