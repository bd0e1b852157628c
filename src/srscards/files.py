"""File helpers every layer shares: writing a file atomically and hashing a folder's files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, data: bytes | str, tmp: Path | None = None) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a half-written one.

    The bytes go to `tmp` (default: a hidden file beside `path`) and are moved over `path` in one step.
    """
    tmp = tmp if tmp is not None else path.with_name(f".{path.name}.srscards-tmp")
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def hash_folder(folder: Path, salt: str, skip: Callable[[Path], bool] = lambda _p: False) -> str:
    """A SHA-256 over every file under `folder` (path and content), hidden files and `skip`ped ones left out."""
    h = hashlib.sha256(salt.encode())
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or skip(path) or not path.is_file():
            continue
        h.update(str(rel).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
