"""Commands run outside the checkout: the decks folder used last is remembered; an empty folder gets nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run
from deck_fixture import demo_deck

DAY1 = "2026-11-27T10:00:00+00:00"

pytestmark = pytest.mark.usefixtures("utc")


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder to run commands in, like a home folder."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_an_empty_folder_says_where_it_looked_and_writes_nothing(elsewhere):
    result = run("due", "--now", DAY1)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: decks: no such folder (looked for {elsewhere / 'decks'}); pass the folder that holds your decks, "
        "e.g. srscards check ~/srscards/decks (once used, it is remembered for commands run elsewhere)\n"
    )
    result = run("report", "--now", DAY1)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no decks/ folder here ({elsewhere}) and none used before, so nothing was written; run it in the "
        "folder that holds decks/, give the decks folder, or give --out to choose where to write\n"
    )
    assert run("stats", "--now", DAY1).exit_code == 0
    assert run("build").exit_code == 1
    assert list(elsewhere.iterdir()) == []  # no exports/, nothing at all


def test_the_decks_used_last_serve_commands_run_elsewhere_and_they_say_so(course, elsewhere):
    course.write("d1.md", demo_deck(""))
    assert run("due", str(course.root), "--now", DAY1).exit_code == 0  # remembers the folder
    note = f"No decks/ folder here; using the decks folder used last: {course.root.resolve()}\n"
    result = run("due", "--now", DAY1)
    assert result.exit_code == 0, result.output
    assert result.stderr == note
    assert result.stdout.startswith("domain 1: 3 cards (0 learning, 0 review, 3 new)\n")  # siblings are not buried
    result = run("report", "--now", DAY1)
    assert result.exit_code == 0, result.output
    report = course.root.resolve().parent / "exports" / "report.html"
    assert (result.stderr, result.stdout) == (note, f"Wrote {report}\n")
    assert report.is_file()
    result = run("build")
    assert result.exit_code == 0, result.output
    assert (course.root.resolve().parent / "exports" / "aws-mla-c02.apkg").is_file()
    result = run("review", "--now", DAY1, "--no-fuzz")
    assert result.stderr == note and "fmt-1/card" in result.stdout
    assert list(elsewhere.iterdir()) == []
    # a decks/ folder where the command runs wins over the remembered one
    local = elsewhere / "decks"
    local.mkdir()
    result = run("check")
    assert result.exit_code == 1 and "no course found" in result.stderr and "used last" not in result.stderr


def test_a_decks_folder_that_moved_away_is_not_used(course, elsewhere):
    course.write("d1.md", demo_deck(""))
    assert run("due", str(course.root), "--now", DAY1).exit_code == 0
    course.root.rename(course.root.with_name("moved"))
    result = run("due", "--now", DAY1)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: decks: no such folder (looked for ")


def test_a_decks_folder_reached_through_a_link_is_not_parsed_again(course, tmp_path):
    """The same folder by another path (a symbolic link): a start through it parses nothing."""
    import subprocess
    import sys

    course.write("d1.md", demo_deck(""))
    link = tmp_path / "linked-decks"
    link.symlink_to(course.root, target_is_directory=True)
    home = tmp_path / "home"
    code = (
        "import sys; from datetime import UTC, datetime; from pathlib import Path\n"
        "from srscards.store.store import Store\n"
        "from srscards.study.workspace import sync_sources\n"
        "with Store.open(Path(sys.argv[2])) as store:\n"
        "    courses, report = sync_sources(store, Path(sys.argv[1]), datetime(2026, 11, 27, 10, tzinfo=UTC))\n"
        "print(courses, report is None, 'markdown_it' in sys.modules)\n"
    )

    def start(root: Path) -> str:
        return subprocess.run(
            [sys.executable, "-c", code, str(root), str(home)], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert start(course.root) == "['aws-mla'] False True"  # the first start syncs: it parses
    assert start(link) == "['aws-mla'] True False"
    assert start(course.root) == "['aws-mla'] True False"
    course.write("d1.md", demo_deck("\n"))  # an edit is seen through the link too
    assert start(link) == "['aws-mla'] False True"
