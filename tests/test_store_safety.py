"""The review store never loses answers silently and says what is really wrong: integrity checks,
daily backups, restore, doctor, read-only and full disks, sane durations and a clock that goes back."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from deck_fixture import demo_deck
from srscards.cli import main
from srscards.paths import cache_home
from srscards.scheduling.scheduler import Rating
from srscards.sources.load import load_checked
from srscards.store.migrations import MIGRATIONS, statements
from srscards.store.safety import KEEP_BACKUPS, backups
from srscards.store.store import STORE_FILE, Store, StoreError
from srscards.study.review import ReviewSession

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
DECK = demo_deck("### Stratified split\n<!-- {id: rev-1, type: reversible} -->\n\nKeeps the class proportions.\n")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def answered_store(course, home: Path, answers: int = 3) -> None:
    course.write("d1.md", DECK)
    clock = Clock(NOW)
    session = ReviewSession.start(course.root, home, clock=clock)
    for _ in range(answers):
        assert session.next() is not None
        clock.now += timedelta(seconds=20)
        session.answer(Rating.GOOD)
    session.close()


def run(*args: str, keys: str = "") -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=keys)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def test_an_empty_store_file_is_refused_not_started_again(course, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / STORE_FILE).write_bytes(b"")
    course.write("d1.md", DECK)
    code, out = run("due", str(course.root), "--home", str(home))
    assert code == 1
    assert out == (
        f"Error: {home / STORE_FILE}: the review store is empty (0 bytes): it was truncated, so its answers are gone "
        "from this file. Run `srscards restore` to put back a backup, or delete the file to start a new store\n"
    )
    assert (home / STORE_FILE).read_bytes() == b""


def test_a_store_that_is_a_folder_and_a_home_that_is_a_file_are_clear_errors(course, tmp_path):
    course.write("d1.md", DECK)
    home = tmp_path / "home"
    (home / STORE_FILE).mkdir(parents=True)
    code, out = run("due", str(course.root), "--home", str(home))
    assert (code, out) == (
        1,
        f"Error: {home / STORE_FILE}: the review store is a folder, not a file; move it aside (or remove it if "
        "empty)\n",
    )
    afile = tmp_path / "home-file"
    afile.write_text("x")
    result = CliRunner().invoke(main, ["due", str(course.root)], env={"SRSCARDS_HOME": str(afile)})
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {afile}: the srscards data folder is a file; move it aside or set SRSCARDS_HOME to a folder\n"
    )


def damage_an_untouched_page(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(path.read_bytes())
    data[(pages - 2) * 4096 : (pages - 1) * 4096] = bytes(range(256)) * 16
    path.write_bytes(bytes(data))
    return bytes(data)


def test_random_bytes_in_an_untouched_page_are_caught_on_open_and_nothing_is_written(course, tmp_path):
    home = tmp_path / "home"
    answered_store(course, home)
    path = home / STORE_FILE
    data = damage_an_untouched_page(path)  # a page no query of `due` reads
    code, out = run("due", str(course.root), "--home", str(home))
    assert code == 1
    assert out.startswith(f"Error: {path}: the review store is damaged (")  # by the quick check or a query
    assert out.endswith("Run `srscards restore` to put back a backup, or move the file aside to start a new store\n")
    assert path.read_bytes() == data


def test_the_quick_check_runs_beside_the_start_and_refuses_the_first_answer(course, tmp_path):
    """The check reads every page in the background; the first card may show, no answer is written."""
    home = tmp_path / "home"
    answered_store(course, home)
    path = home / STORE_FILE
    damaged = damage_an_untouched_page(path)
    session = ReviewSession.start(course.root, home, clock=Clock(NOW + timedelta(days=3)))
    card = session.next()
    assert card is not None  # reading today's cards does not touch the damaged page
    with pytest.raises(StoreError, match=r"the review store is damaged \(quick check: "):
        session.answer(Rating.GOOD)
    with pytest.raises(StoreError, match="damaged"):  # and so is every later write
        session.answer(Rating.GOOD)
    with pytest.raises(StoreError, match="damaged"):  # closing reports it too
        session.close()
    assert path.read_bytes() == damaged

    code, out = run("review", str(course.root), "--home", str(home), keys="3\n" * 3)
    assert code == 1
    assert "Error: " + str(path) + ": the review store is damaged (quick check: " in out
    assert "Traceback" not in out
    assert path.read_bytes() == damaged


def test_the_check_is_skipped_only_for_a_file_exactly_as_a_checked_session_left_it(course, tmp_path):
    home = tmp_path / "home"
    answered_store(course, home)
    path = home / STORE_FILE
    with Store.open(home, clock=Clock(NOW)) as store:
        assert store._check is None  # unchanged since the session that checked it closed it: not read again
    for stamp in (cache_home() / "store-checks").iterdir():  # the stamps are a cache: deleting them is safe
        stamp.unlink()
    with Store.open(home, clock=Clock(NOW)) as store:
        assert store._check is not None  # without the stamp it is checked
        store._check.wait()
        assert store._check.verdict == "ok"
    with Store.open(home, clock=Clock(NOW)) as store:
        assert store._check is None
        store.sync(load_checked(course.root), NOW + timedelta(days=1))  # a write of its own
    with Store.open(home, clock=Clock(NOW)) as store:
        assert store._check is None  # what srscards wrote itself needs no check

    stat = path.stat()
    damaged = damage_an_untouched_page(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the damage hides its modification time
    assert path.stat().st_size == stat.st_size
    code, out = run("due", str(course.root), "--home", str(home))
    assert code == 1  # the change time still gives it away
    assert "the review store is damaged (quick check: " in out
    assert path.read_bytes() == damaged


def test_a_review_session_copies_its_log_into_the_file_only_when_it_closes(course, tmp_path):
    home = tmp_path / "home"
    answered_store(course, home)
    clock = Clock(NOW + timedelta(days=3))
    session = ReviewSession.start(course.root, home, clock=clock)
    assert session.store._conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    while session.next() is not None:
        clock.now += timedelta(seconds=20)
        session.answer(Rating.GOOD)
    wal = home / (STORE_FILE + "-wal")
    assert wal.stat().st_size > 0  # the answers are in the log, committed
    session.close()
    assert not wal.exists()  # and in the file once the session closed


def test_a_backup_before_the_first_write_of_each_day_keeping_the_last_seven(course, tmp_path):
    course.write("d1.md", DECK)
    home = tmp_path / "home"
    clock = Clock(NOW)
    for day in range(KEEP_BACKUPS + 3):
        clock.now = NOW + timedelta(days=day)
        with Store.open(home, clock=clock) as store:
            store.sync(load_checked(course.root), clock.now)
            store.sync(load_checked(course.root), clock.now)  # a second write the same day: no second backup
        found = backups(home / STORE_FILE)
        assert found[-1].taken.date() == clock.now.astimezone().date()
        assert len(found) == min(day + 1, KEEP_BACKUPS)
    assert [b.reason for b in found] == ["daily"] * KEEP_BACKUPS


def test_a_backup_before_every_migration(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    path = home / STORE_FILE
    conn = sqlite3.connect(path, isolation_level=None)
    for number, migration in enumerate(MIGRATIONS[:3], 1):
        for statement in statements(migration):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.close()
    with Store.open(home, clock=Clock(NOW)):
        pass
    (found,) = backups(path)
    assert found.reason == f"before-v{len(MIGRATIONS)}"
    with sqlite3.connect(found.path) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 3


def test_restore_puts_the_answers_back_and_keeps_the_replaced_store(course, tmp_path):
    home = tmp_path / "home"
    answered_store(course, home)
    with Store.open(home) as store:
        answers = len(store.log())
    assert answers == 3
    path = home / STORE_FILE
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path.write_bytes(b"")  # the store is lost
    code, out = run("restore", "--home", str(home))
    assert code == 0 and "-daily.sqlite3  (daily, " in out
    code, out = run("restore", "latest", "--home", str(home))
    assert code == 0 and out.startswith("Restored review-")
    with Store.open(home) as store:
        assert len(store.log()) == 0  # the daily backup is from before the day's first answer
    assert run("restore", "nope", "--home", str(home))[1].startswith("Error: no backup called 'nope'; choose one of")


def test_doctor_reports_versions_sizes_locations_and_a_full_check(course, tmp_path):
    home = tmp_path / "home"
    answered_store(course, home)
    code, out = run("doctor", "--home", str(home))
    assert code == 0, out
    assert re.search(r"^integrity +ok \(full check\)$", out, re.MULTILINE)
    assert re.search(r"^answers logged +3$", out, re.MULTILINE)
    assert re.search(r"^store version +\d+ \(current\)$", out, re.MULTILINE)
    assert f"{home / STORE_FILE} (" in out and "nh3 " in out and "sqlite " in out
    (home / STORE_FILE).write_bytes(b"")
    code, out = run("doctor", "--home", str(home))
    assert code == 1 and "the review store is empty (0 bytes)" in out


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[None]:
    path.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]).returncode != 0:
        pytest.skip("cannot mount a small file system here (needs root)")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_read_only_and_full_disk_are_not_called_damaged(course, tmp_path):
    home = tmp_path / "home"
    with small_disk(home, "2m"):
        answered_store(course, home, answers=1)
        session_clock = Clock(NOW + timedelta(days=1))
        # full: fill what is left, then answer
        filler = home / "filler"
        with open(filler, "wb") as fh:
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        before = (home / STORE_FILE).read_bytes()
        with pytest.raises(StoreError) as info:
            session = ReviewSession.start(course.root, home, clock=session_clock)
            session.next()
            session.answer(Rating.GOOD)
        assert "the disk is full" in str(info.value) and "damaged" not in str(info.value)
        filler.unlink()
        assert (home / STORE_FILE).read_bytes() == before
        subprocess.run(["mount", "-o", "remount,ro", str(home)], check=True)
        code, out = run("review", str(course.root), "--home", str(home), keys="3")
        assert code == 1, out
        assert "the review store cannot be written (the file or its folder is read-only); it is intact" in out


def test_answer_times_are_clamped_and_a_clock_going_back_keeps_the_log_in_order(course, tmp_path):
    course.write("d1.md", DECK)
    home = tmp_path / "home"
    clock = Clock(NOW)
    session = ReviewSession.start(course.root, home, clock=clock)
    session.next()
    clock.now += timedelta(minutes=12_980)  # a forward jump while a card is on screen
    session.answer(Rating.GOOD)
    session.next()
    clock.now -= timedelta(hours=5)  # the clock goes back
    session.answer(Rating.GOOD)
    session.next()
    clock.now += timedelta(seconds=10)
    session.answer(Rating.AGAIN)
    assert session.clock_went_back
    log = session.store.log()
    assert log[0].duration_ms == 60_000  # as Anki's default maximum answer time
    times = [r.reviewed_at for r in log]
    assert times == sorted(times)
    stale = session.store.cards(session.courses)[0]
    session.close()
    with Store.open(home) as store, pytest.raises(StoreError) as info:
        fresh = store.card(stale.id)
        assert fresh.memory.last_review is not None
        store.record_answer(fresh, fresh.memory, Rating.GOOD, fresh.memory.last_review - timedelta(hours=1), 1000)
    assert "the clock went backwards" in str(info.value) and "nothing was written" in str(info.value)
