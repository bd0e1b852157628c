"""Reading a source file safely: only regular files, of a bounded size, with a located error otherwise.

A deck folder may hold anything: a FIFO or a link to `/dev/zero` named `*.md` would block a reader or
fill memory, a folder may be named like a deck file, a link may point nowhere. Each is reported as a
problem of that path instead of a hang or a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from srscards.errors import Location, Problem, SourceError

# A deck file of a few hundred cards is under 100 KB; checking 1 MB of Markdown takes a few seconds.
MAX_SOURCE_BYTES = 1024 * 1024


def _error(path: Path, message: str, hint: str, line: int = 1, col: int = 1) -> SourceError:
    return SourceError(Problem(Location(path, line, col), message, hint))


def os_problem(path: Path, exc: OSError, what: str = "file") -> SourceError:
    """A located error for an OSError met while opening or reading `path`."""
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return _error(path, f"the {what} is a broken symbolic link (it points to {os.readlink(path)!r})",
                      "fix the link or delete it")  # fmt: skip
    if exc.errno == errno.ENOENT:
        return _error(path, f"the {what} does not exist", "check the path")
    if exc.errno == errno.ELOOP:
        return _error(path, f"the {what} is a symbolic link loop", "point the link at a real file or delete it")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _error(path, f"cannot read the {what}: permission denied", "make it readable (chmod u+r)")
    if exc.errno == errno.EISDIR:
        return _error(path, f"the {what} is a folder", "rename the folder so its name does not end in .md")
    return _error(path, f"cannot read the {what}: {exc.strerror or exc}", "check the file and the disk")


def read_source_bytes(path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; raise SourceError for anything else."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; the type is checked on the open file.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise os_problem(path, exc) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _error(path, "this is a folder, not a file", "rename the folder so its name does not end in .md")
        if not stat.S_ISREG(info.st_mode):
            raise _error(path, "not a regular file (a FIFO, device or socket)", "replace it with an ordinary text file")
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit)
        chunks = []
        size = 0
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:  # the file grew while being read
                raise _too_large(path, size, limit)
        return b"".join(chunks)
    except OSError as exc:
        raise os_problem(path, exc) from None
    finally:
        os.close(fd)


def _too_large(path: Path, size: int, limit: int) -> SourceError:
    return _error(
        path,
        f"file is too large ({size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB)",
        "split it into several smaller files",
    )


def decode(path: Path, raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM); a byte that is not UTF-8 gets a located error."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise _error(
            path, f"file is not UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8", line, col
        ) from None


def read_text(path: Path, limit: int = MAX_SOURCE_BYTES) -> str:
    """Read a UTF-8 source file with the checks of `read_source_bytes` and `decode`."""
    return decode(path, read_source_bytes(path, limit))
