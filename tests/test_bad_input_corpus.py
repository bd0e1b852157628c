"""The bad-input corpus: every hostile or broken source gives a located message and exit 1, fast,
and changes no package, no review store and no source file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import COURSE_YAML
from corpus.bad_sources import CASES, GOOD, Case
from corpus.bad_stores import STORE_CASES, StoreCase
from srscards.cli import main

SECONDS = 5.0  # CPU seconds a case may take (the machine's load does not count)
HANG = 30.0  # wall-clock seconds after which a case counts as hung
SRSCARDS = Path(sys.executable).with_name("srscards")


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: a blocked open() or read() is interrupted by the alarm."""

    def ring(_signum: int, _frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def snapshot(*folders: Path) -> dict[str, str]:
    """Every regular file's hash under `folders` (links and special files by their type), leaving out
    SQLite's shared-memory index and an empty write-ahead log, which merely opening the store may create."""
    out: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            info = path.lstat()
            if path.name.endswith("-shm") or (path.name.endswith("-wal") and info.st_size == 0):
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mode & 0o400:
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[str(path)] = oct(info.st_mode)
    return out


# SQLite's shared-memory index and write-ahead log come and go as the store is opened and closed;
# the store's data is in review.sqlite3 once every connection has closed.
SQLITE_SIDE_FILES = shutil.ignore_patterns("*-shm", "*-wal")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good course, its package and a review store that knows its card: the state no case may change."""
    root = tmp_path_factory.mktemp("good")
    course = root / "decks" / "demo"
    course.mkdir(parents=True)
    shutil.copyfile(COURSE_YAML, course / "course.yaml")
    (course / "base.md").write_text(GOOD.replace("abc-1", "base-1"), encoding="utf-8")
    runner = CliRunner()
    env = {"SRSCARDS_HOME": str(root / "home"), "SRSCARDS_CACHE": str(root / "cache")}
    assert runner.invoke(main, ["build", str(root / "decks"), "-o", str(root / "out")], env=env).exit_code == 0
    assert runner.invoke(main, ["due", str(root / "decks")], env=env).exit_code == 0
    assert (root / "out" / "aws-mla-c02.apkg").is_file() and (root / "home" / "review.sqlite3").is_file()
    return root


def _prepare(built: Path, tmp_path: Path, case: Case) -> Path:
    root = tmp_path / "w"
    shutil.copytree(built, root, symlinks=True, ignore=SQLITE_SIDE_FILES)
    case.make(root / "decks" / "demo")
    return root


COMMANDS = [["check"], ["build", "-o", "{out}"], ["due"], ["ids"]]


def _args(command: list[str], root: Path) -> list[str]:
    return [a.format(out=root / "out") for a in command] + [str(root / "decks")]


def _assert_outcome(case: Case, command: list[str], root: Path, code: int, output: str, seconds: float) -> None:
    assert "Traceback" not in output, output
    assert seconds < SECONDS, f"{case.name}: {command[0]} took {seconds:.1f} s"
    where = f"{root / 'decks' / 'demo' / case.file}:"
    if command[0] == "ids" and case.expect not in output:
        # `ids` only refuses files it cannot read; any other problem is `check`'s to report
        assert code == 0, output
        return
    assert code == 1, f"{case.name}: {command[0]} exited {code}: {output}"
    located = [line for line in output.splitlines() if case.expect in line]
    assert located, f"{case.name}: {command[0]} did not say {case.expect!r}:\n{output}"
    assert any(where in line and "fix:" in line for line in located), output


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_source_gives_a_located_error_fast_and_changes_nothing(built: Path, tmp_path: Path, case: Case) -> None:
    if case.needs_non_root and os.geteuid() == 0:
        pytest.skip("run as another user by test_unreadable_files_as_an_ordinary_user")
    root = _prepare(built, tmp_path, case)
    before = snapshot(root / "out", root / "home", root / "decks")
    runner = CliRunner()
    env = {"SRSCARDS_HOME": str(root / "home"), "SRSCARDS_CACHE": str(root / "cache")}
    for command in COMMANDS:
        start = time.process_time()
        with deadline(HANG):
            result = runner.invoke(main, _args(command, root), env=env)
        seconds = time.process_time() - start
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        _assert_outcome(case, command, root, result.exit_code, result.output, seconds)
    assert snapshot(root / "out", root / "home", root / "decks") == before


HANGERS = [c for c in CASES if c.name in {"FIFO named *.md", "deck linked to /dev/zero", "3 MB deck file",
                                          "alias bomb in course.yaml", "alias bomb in front matter"}]  # fmt: skip


def _run(args: list[str], root: Path, user: list[str] | None = None) -> tuple[int, str, float]:
    env = {**os.environ, "SRSCARDS_HOME": str(root / "home"), "SRSCARDS_CACHE": str(root / "cache")}

    def limit() -> None:  # bounded memory: an alias bomb that expanded would die here, not take the machine
        resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [*(user or []), str(SRSCARDS), *args], capture_output=True, text=True, env=env, timeout=HANG, preexec_fn=limit
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return proc.returncode, proc.stdout + proc.stderr, cpu


@pytest.mark.parametrize("case", HANGERS, ids=[c.name for c in HANGERS])
def test_the_real_command_neither_hangs_nor_grows(built: Path, tmp_path: Path, case: Case) -> None:
    root = _prepare(built, tmp_path, case)
    for command in (["check"], ["build", "-o", "{out}"]):
        code, output, seconds = _run(_args(command, root), root)
        _assert_outcome(case, command, root, code, output, seconds)


def _nobody() -> list[str] | None:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


@pytest.mark.parametrize("case", [c for c in CASES if c.needs_non_root], ids=lambda c: c.name)
def test_unreadable_files_as_an_ordinary_user(built: Path, case: Case) -> None:
    user = _nobody()
    if user is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="srscards-perm-"))
    try:
        os.chmod(tmp, 0o755)
        root = _prepare(built, tmp, case)
        for path in [root, *root.rglob("*")]:
            if not path.is_symlink() and path.stat().st_mode & 0o777 != 0:
                path.chmod(path.stat().st_mode | 0o777)  # the other user may read and write all but the case's file
        before = snapshot(root / "out", root / "home")
        for command in COMMANDS:
            code, output, seconds = _run(_args(command, root), root, user)
            _assert_outcome(case, command, root, code, output, seconds)
        assert snapshot(root / "out", root / "home") == before
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", str(tmp)], check=False)
        shutil.rmtree(tmp)


def test_a_deck_just_under_the_size_limit_checks_in_bounded_time(tmp_path: Path) -> None:
    from srscards.sources.reading import MAX_SOURCE_BYTES

    course = tmp_path / "decks" / "demo"
    course.mkdir(parents=True)
    shutil.copyfile(COURSE_YAML, course / "course.yaml")
    import random

    rng = random.Random(1)  # varied cards, as a real deck has (the near-duplicate check compares pairs)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(5000)]
    parts, size, n = ["---\ntitle: T\ndomain: 1\n---\n\n"], 30, 0
    while size < MAX_SOURCE_BYTES - 400:
        question = " ".join(rng.choice(words) for _ in range(8))
        answer = " ".join(rng.choice(words) for _ in range(12))
        parts.append(f"### {question}?\n<!-- id: card-{n} -->\n\n{answer} {{{{c1::{rng.choice(words)}}}}}.\n\n")
        size += len(parts[-1])
        n += 1
    (course / "big.md").write_text("".join(parts), encoding="utf-8")
    code, output, cpu = _run(["check", str(tmp_path / "decks")], tmp_path)
    assert code == 0, output
    assert re.search(rf"\b{n:,} notes checked: 0 errors?\b", output), output
    assert cpu < SECONDS


def test_parse_workers_die_with_a_killed_check(tmp_path: Path) -> None:
    """`check` parses big courses in forked workers; killing it must not leave them running."""
    course = tmp_path / "decks" / "demo"
    course.mkdir(parents=True)
    shutil.copyfile(COURSE_YAML, course / "course.yaml")
    card = "### Question {n}\n<!-- id: c{f}-{n} -->\n\nAn answer of a few words, {{{{c1::one deletion}}}}.\n\n"
    for f in range(4):
        body = "".join(card.format(f=f, n=n) for n in range(5000))
        (course / f"d{f}.md").write_text("---\ntitle: T\ndomain: 1\n---\n\n" + body, encoding="utf-8")
    env = {**os.environ, "SRSCARDS_HOME": str(tmp_path / "home"), "SRSCARDS_CACHE": str(tmp_path / "cache")}
    for sig in (signal.SIGTERM, signal.SIGKILL):
        proc = subprocess.Popen([str(SRSCARDS), "check", str(tmp_path / "decks")], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        children: list[int] = []
        start = time.monotonic()
        while not children and time.monotonic() - start < 20 and proc.poll() is None:
            children = _children(proc.pid)
            time.sleep(0.02)
        assert children, "check never started a parse worker"
        proc.send_signal(sig)
        proc.wait(timeout=10)
        start = time.monotonic()
        while any(_running(c) for c in children) and time.monotonic() - start < 5:
            time.sleep(0.05)
        alive = [c for c in children if _running(c)]
        for c in alive:
            os.kill(c, signal.SIGKILL)
        assert alive == [], f"workers still running after {sig.name}"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting to be reaped has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[None]:
    """A tmpfs of `size` mounted at `path` (needs root); the test is skipped where it cannot be mounted."""
    path.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if mount.returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_or_read_only_exports_folder_is_named_and_leaves_no_stray_file(built: Path, tmp_path: Path) -> None:
    root = tmp_path / "w"
    shutil.copytree(built, root, symlinks=True, ignore=SQLITE_SIDE_FILES)
    out = tmp_path / "small"
    env = {"SRSCARDS_HOME": str(root / "home"), "SRSCARDS_CACHE": str(root / "cache")}
    runner = CliRunner()
    with small_disk(out, "256k"):
        assert runner.invoke(main, ["build", str(root / "decks"), "-o", str(out)], env=env).exit_code == 0
        (root / "decks" / "demo" / "more.md").write_text(GOOD.replace("abc-1", "more-1"), encoding="utf-8")
        filler = out / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the disk: no room for a new package
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        os.close(fd)
        before = snapshot(out)
        result = runner.invoke(main, ["build", str(root / "decks"), "-o", str(out)], env=env)
        assert result.exit_code == 1
        assert result.output.strip().splitlines()[-1].startswith(f"Error: {out}")
        assert "the disk is full; the package was not written (free some space and run it again)" in result.output
        assert snapshot(out) == before  # the old package and manifest as they were, no .apkg.tmp left
        filler.unlink()
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        before = snapshot(out)
        result = runner.invoke(main, ["build", str(root / "decks"), "-o", str(out)], env=env)
        assert result.exit_code == 1
        assert "the file system is read-only; the package was not written (choose another folder with -o)" in (
            result.output
        )
        assert snapshot(out) == before


# -- bad review stores ---------------------------------------------------------------------------------

STORE_COMMANDS = [["due", "{decks}"], ["review", "{decks}"], ["stats", "{decks}"], ["orphans"], ["doctor"]]


@pytest.mark.parametrize("case", STORE_CASES, ids=[c.name for c in STORE_CASES])
def test_bad_store_gives_a_clear_error_and_is_left_as_it_was(built: Path, tmp_path: Path, case: StoreCase) -> None:
    good = built / "home" / "review.sqlite3"
    with sqlite3.connect(good) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    home = tmp_path / "home"
    case.make(home, good.read_bytes())
    before = _state(home)
    runner = CliRunner()
    env = {"SRSCARDS_HOME": str(home), "SRSCARDS_CACHE": str(tmp_path / "cache")}
    for command in STORE_COMMANDS:
        start = time.process_time()
        with deadline(HANG):
            result = runner.invoke(main, [a.format(decks=built / "decks") for a in command], env=env, input="3")
        assert time.process_time() - start < SECONDS
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == 1, f"{case.name}: {command[0]} exited {result.exit_code}: {result.output}"
        errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
        assert result.output.strip().splitlines()[-1] == errors[-1]  # the message is one line, and the last
        assert errors and str(home) in errors[-1], f"{case.name}: {command[0]}: {result.output}"
        if command[0] != "doctor":  # doctor words its findings as a report
            assert case.expect in errors[-1], f"{case.name}: {command[0]}: {result.output}"
    assert _state(home) == before


def _state(home: Path) -> dict[str, str]:
    """The data folder as a user would miss it: every file but SQLite's empty journal and its shared-memory
    index, which opening a WAL database may create."""
    if not home.is_dir():
        return {"file": home.read_bytes().hex()}
    found = snapshot(home)
    for suffix in ("-shm", "-wal"):
        extra = home / f"review.sqlite3{suffix}"
        if extra.is_file() and (suffix == "-shm" or extra.stat().st_size == 0):
            found.pop(str(extra), None)
    return found
