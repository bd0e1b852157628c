"""How srscards was installed, so a hint to add an extra names a command that works.

A package from an index takes `pip install "srscards[pdf]"`; a checkout installed with
`pip install .` or `pip install -e .` takes its own folder instead (PEP 610's direct_url.json
says which), since the index may not hold this version at all.
"""

from __future__ import annotations

import json
import shlex
from urllib.parse import unquote, urlparse


def _checkout() -> tuple[str, bool] | None:
    """(folder, editable) when srscards was installed from a local folder, else None."""
    from importlib import metadata  # slow to import, and needed only to word an error

    try:
        text = metadata.distribution("srscards").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    url = urlparse(str(data.get("url", "")))
    if url.scheme != "file" or "dir_info" not in data:
        return None
    return unquote(url.path), bool(data["dir_info"].get("editable"))


def install_command(extra: str | None = None, upgrade: bool = False) -> str:
    """`pip install "srscards[pdf]"` for a package, `pip install -e "/path/to/checkout[pdf]"` for a checkout."""
    suffix = f"[{extra}]" if extra else ""
    checkout = _checkout()
    if checkout is not None:
        folder, editable = checkout
        if upgrade:
            return f'git -C {shlex.quote(folder)} pull && pip install {"-e " if editable else ""}"{folder}{suffix}"'
        return f'pip install {"-e " if editable else ""}"{folder}{suffix}"'
    return f'pip install {"-U " if upgrade else ""}"srscards{suffix}"'
