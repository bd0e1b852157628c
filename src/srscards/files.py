"""File helpers every layer shares: writing a file atomically and hashing a folder's files."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from srscards.errors import SrsError


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
        try:
            content = hashlib.sha256(path.read_bytes()).digest()
        except OSError as exc:  # an unreadable file changes the key by its state; whoever needs it reports it
            info = path.stat()
            content = f"unreadable {exc.errno} {info.st_size} {info.st_mtime_ns} {info.st_mode}".encode()
        h.update(str(rel).encode() + b"\0" + content)
    return h.hexdigest()


def write_failure(exc: OSError, path: Path, what: str, hint: str = "") -> SrsError:
    """An error that says why writing `what` at `path` failed: disk full, read-only, no permission."""
    code = exc.errno
    other = hint or "use another folder"
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return SrsError(f"{path}: the disk is full; {what} was not written (free some space and run it again)")
    if code == errno.EROFS:
        return SrsError(f"{path}: the file system is read-only; {what} was not written ({other})")
    if code in (errno.EACCES, errno.EPERM):
        return SrsError(f"{path}: permission denied; {what} was not written (make the folder writable, or {other})")
    if code in (errno.ENOTDIR, errno.EEXIST):
        return SrsError(f"{path}: a file is in the way of a folder; {what} was not written ({hint or 'move the file'})")
    if code == errno.EISDIR:
        return SrsError(f"{path}: is a folder; {what} was not written (move the folder aside)")
    return SrsError(f"{path}: {exc.strerror or exc}; {what} was not written ({hint or 'check the disk'})")
