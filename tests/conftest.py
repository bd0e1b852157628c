from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from srscards.cli import main

REPO = Path(__file__).resolve().parent.parent
COURSE_YAML = REPO / "decks" / "aws-mla" / "course.yaml"

# The Debian packages some tests need; .ci/run installs them (README, "Quick start").
BROWSER = "chromium"
PDF_TEXT = "poppler-utils"
CJK_FONT = "fonts-noto-cjk"
PANGO = "libpango-1.0-0 libpangoft2-1.0-0"
TMUX = "tmux"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches a real home: the user data directory is a temp folder."""
    monkeypatch.setenv("SRSCARDS_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("SRSCARDS_CACHE", str(tmp_path_factory.mktemp("cache")))


def run(*args: str, input: str | None = None, clock: Callable[[], datetime] | None = None) -> Result:
    """`srscards ARGS` as a user runs it, through click's CliRunner (stdout and stderr kept apart).

    `clock` stands in for the wall clock of the commands that read one. Whatever the outcome, the
    command must not crash: an exception other than the exit click makes is a bug.
    """
    result = CliRunner().invoke(main, list(args), input=input, obj={"clock": clock} if clock else None)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def time_zone() -> Iterator[Callable[[str], None]]:
    """Set the machine's local time zone for one test (TZ, then tzset); the old zone is back afterwards."""
    saved = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


@pytest.fixture
def utc(time_zone: Callable[[str], None]) -> None:
    """Study days in UTC, so expected days and intervals do not depend on the machine's zone."""
    time_zone("UTC")


def missing(what: str, packages: str) -> None:
    """Skip the test, with the reason shown, because a system package is missing; under CI
    (CI=true), which installs them all, fail instead, so CI cannot pass by skipping."""
    reason = f"{what} is missing (Debian: apt-get install -y {packages})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI installs it, so its absence is a failure", pytrace=False)
    pytest.skip(reason)


def program(what: str, packages: str, *names: str) -> str:
    """The path of the first of `names` on PATH; `missing` (skip, or fail under CI) when none is there."""
    found = next((path for name in names if (path := shutil.which(name))), None)
    if not found:
        missing(what, packages)
    assert found
    return found


@pytest.fixture
def chromium() -> str:
    """Headless Chromium, for the tests that render a page as a reader sees it."""
    return program("headless Chromium", BROWSER, "chromium", "chromium-browser")


@pytest.fixture
def pdftotext() -> str:
    """pdftotext, which reads a PDF's text back as a reader would copy it."""
    return program("pdftotext", PDF_TEXT, "pdftotext")


@pytest.fixture
def tmux() -> str:
    """tmux, which runs the full-screen review as a person's terminal does."""
    return program("tmux", TMUX, "tmux")


@pytest.fixture
def pango() -> None:
    """The system libraries WeasyPrint lays PDFs out with."""
    from srscards.outputs.pdf import PdfUnavailable, weasyprint_html

    try:
        weasyprint_html()
    except PdfUnavailable:
        missing("Pango, which WeasyPrint needs for PDF output,", PANGO)


@pytest.fixture
def cjk_font() -> None:
    """A CJK font (Noto Sans CJK), which the cheat sheets name for Chinese, Japanese and Korean text."""
    fc_list = shutil.which("fc-list")
    fonts = subprocess.run([fc_list], capture_output=True, text=True).stdout if fc_list else ""
    if "Noto Sans CJK" not in fonts:
        missing("the Noto Sans CJK font", CJK_FONT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts a browser is marked `browser`, so `-m "not browser"` leaves it out, and `slow`:
    starting Chromium alone takes a second or two."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


class CourseDir:
    """A course folder in a temp dir, with helpers to write deck files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / "demo"
        self.path.mkdir(parents=True)
        shutil.copyfile(COURSE_YAML, self.path / "course.yaml")

    def write(self, name: str, text: str) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path


@pytest.fixture
def course(tmp_path: Path) -> CourseDir:
    return CourseDir(tmp_path / "decks")
