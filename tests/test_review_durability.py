"""Nothing lost: real `srscards review` processes killed with SIGKILL, and two sessions at once."""

from __future__ import annotations

import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from srscards.scheduling.scheduler import Rating, Scheduler, Settings
from srscards.store.store import STORE_FILE, Store

DAY1 = "2026-11-27T10:00:00+00:00"
CARDS = 40


def write_course(course) -> None:
    parts = ["---\ntitle: Many\ndomain: 1\ntasks: [1.1]\n---\n"]
    for n in range(CARDS):
        parts.append(f"\n### Question {n}?\n<!-- id: many-{n} -->\n\nAnswer {n}.\n")
    course.write("d1.md", "".join(parts))


CLI = [sys.executable, "-c", "from srscards.cli import main; main()"]


def start(root: Path, home: Path, *args: str, out: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SRSCARDS_HOME": str(home), "PYTHONUNBUFFERED": "1", "TZ": "UTC"}
    command = [*CLI, "review", str(root), "--now", DAY1, "--no-fuzz", *args]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.PIPE, env=env)


def sync(root: Path, home: Path) -> None:
    env = {**os.environ, "SRSCARDS_HOME": str(home), "TZ": "UTC"}
    subprocess.run([*CLI, "due", str(root)], env=env, check=True, capture_output=True)


def acknowledged(output: bytes) -> int:
    """Answers the session reported as saved (it reports only after the commit)."""
    return output.decode().count(": next in ")


def read_until_acknowledged(proc: subprocess.Popen[bytes], wanted: int) -> bytes:
    """What `proc` printed up to its `wanted`-th saved answer, or up to its end if it ends first."""
    assert proc.stdout is not None
    fd, out = proc.stdout.fileno(), b""
    deadline = time.monotonic() + 120  # a bound on a hung session, not a wait for one
    while acknowledged(out) < wanted:
        assert time.monotonic() < deadline, out.decode(errors="replace")[-2000:]
        if select.select([fd], [], [], 1)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            out += chunk
    return out


def handled(output: bytes) -> int:
    """Answers the session has dealt with: saved, or refused because another session was first."""
    return acknowledged(output) + output.count(b"answered in another session")


def send(proc: subprocess.Popen[bytes], keys: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(keys)
        proc.stdin.flush()
    except BrokenPipeError:  # that session has finished the day
        pass


def wait_for(condition: Callable[[], bool], log: Path) -> None:
    """Poll the session's output until `condition` holds; the deadline only bounds a hung session."""
    deadline = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < deadline, log.read_text(errors="replace")[-2000:]
        time.sleep(0.01)


def check_consistent(home: Path) -> int:
    """The file is sound, every card's state is what its log gives, no answer counted twice."""
    with sqlite3.connect(home / STORE_FILE) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    scheduler = Scheduler(Settings(fuzz=False))
    with Store.open(home) as store:
        total = 0
        for card in store.cards(["aws-mla"]):
            log = store.log(card.id)
            # each answer starts from the state the previous one left: none doubled, none lost
            assert [r.before.reps for r in log] == list(range(len(log)))
            assert scheduler.replay([(r.reviewed_at, r.rating) for r in log], card.key) == card.memory
            total += len(log)
    return total


def test_kill_9_after_answers_loses_none_of_them(course, tmp_path):
    write_course(course)
    home = tmp_path / "home"
    proc = start(course.root, home, "--new-limit", str(CARDS))
    assert proc.stdin is not None and proc.stdout is not None
    answered = 0
    for _ in range(6):
        proc.stdin.write(b"3")
        proc.stdin.flush()
        while b": next in " not in (line := proc.stdout.readline()):
            assert line, proc.stderr.read() if proc.stderr else ""
        answered += 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert check_consistent(home) == answered == 6


@pytest.mark.slow
def test_kill_9_at_any_moment_leaves_a_consistent_store(course, tmp_path):
    write_course(course)
    home = tmp_path / "home"
    sync(course.root, home)
    rng = random.Random(4)
    saved = 0
    for _ in range(5):
        proc = start(course.root, home, "--new-limit", str(CARDS))
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"3" * 400)  # answers as fast as the session takes them
        proc.stdin.flush()
        # killed just after its n-th saved answer, while it is already taking the next ones
        out = read_until_acknowledged(proc, rng.randint(1, 12))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        assert proc.returncode == -signal.SIGKILL  # killed mid-session, not finished
        saved += acknowledged(out + rest)
        total = check_consistent(home)
        assert total >= saved  # every answer the session showed as saved is on disk
    assert saved > 0


@pytest.mark.slow
def test_two_sessions_at_once_neither_corrupt_nor_double(course, tmp_path):
    write_course(course)
    home = tmp_path / "home"
    sync(course.root, home)
    logs = [tmp_path / "one.txt", tmp_path / "two.txt"]
    handles = [path.open("wb") for path in logs]
    procs = [start(course.root, home, "--new-limit", str(CARDS), out=h) for h in handles]
    for path in logs:  # both show their first card, the same one
        wait_for(lambda path=path: b"space/enter" in path.read_bytes(), path)
    # In turns first, each answer seen before the other session's, the first to answer changing each
    # round: the later one answers the card the other has just answered, so they collide for sure,
    # and each session is first at least once, so each saves answers whatever the race below does
    # (a session always one card behind the other would lose every race).
    pairs = list(zip(procs, logs, strict=True))
    for turn in range(4):
        for proc, path in pairs if turn % 2 == 0 else pairs[::-1]:
            before = handled(path.read_bytes())
            send(proc, b"3")
            wait_for(lambda path=path, before=before: handled(path.read_bytes()) > before, path)
    for path in logs:
        out = path.read_bytes()
        assert acknowledged(out) > 0 and b"answered in another session" in out, out.decode()[-2000:]
    for proc in procs:  # then both at once, as fast as they take the keys
        send(proc, b"3" * 120)
    for proc, handle in zip(procs, handles, strict=True):
        try:
            _, err = proc.communicate(timeout=120)
        except BrokenPipeError:
            _, err = proc.communicate(timeout=120)
        handle.close()
        assert proc.returncode == 0, err.decode()
    outputs = [path.read_bytes() for path in logs]
    counted = sum(acknowledged(out) for out in outputs)
    assert check_consistent(home) == counted  # every counted answer logged once, none lost
    assert counted == CARDS * 2  # every card learnt through its two steps, once
    assert all(acknowledged(out) > 0 for out in outputs)  # both sessions really studied
    assert any(b"answered in another session" in out for out in outputs)  # and really collided


def test_single_keypresses_in_a_real_terminal(course, tmp_path):
    """In a terminal keys are read raw, one press each, without enter; the full-screen review keeps
    keys typed ahead (each acts, the screen after the last is drawn), and the summary stays after
    the screen ends."""
    import pty
    import re
    import select

    write_course(course)
    home = tmp_path / "home"
    pid, fd = pty.fork()
    if pid == 0:  # the child: srscards review on the terminal's other end
        os.environ.update({"SRSCARDS_HOME": str(home), "TZ": "UTC"})
        os.execv(sys.executable, [*CLI, "review", str(course.root), "--now", DAY1, "--no-fuzz"])
    seen = b""

    def text() -> str:
        return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", seen.decode(errors="replace"))

    def read_until(marker: str) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while marker not in text():
            assert time.monotonic() < deadline, text()
            if select.select([fd], [], [], 0.1)[0]:
                seen += os.read(fd, 65536)

    read_until("show answer")
    os.write(fd, b" ")
    read_until("4 Easy 8d")
    os.write(fd, b"3 1")  # typed ahead, while the next card is still being drawn: none is lost
    read_until("Last card: Again, next in 1m.")
    os.write(fd, b":q")
    read_until("Studied 2 cards")
    os.waitpid(pid, 0)
    os.close(fd)
    assert "1 Again 1m   2 Hard 6m   3 Good 10m   4 Easy 8d" in text()
    with Store.open(home) as store:
        assert [r.rating for r in store.log()] == [Rating.GOOD, Rating.AGAIN]
