from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
COURSE_YAML = REPO / "decks" / "aws-mla" / "course.yaml"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches a real home: the user data directory is a temp folder."""
    monkeypatch.setenv("SRSCARDS_HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("SRSCARDS_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch):
    """Study days in UTC, so expected days and intervals do not depend on the machine's zone."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


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
