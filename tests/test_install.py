"""Install hints name a command that works for the way srscards was installed."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from srscards.install import install_command

REPO = Path(__file__).resolve().parent.parent


class Installed:
    """What importlib.metadata reads of an installed distribution: only its direct_url.json."""

    def __init__(self, direct_url: dict[str, object] | None) -> None:
        self.direct_url = direct_url

    def read_text(self, name: str) -> str | None:
        assert name == "direct_url.json"
        return None if self.direct_url is None else json.dumps(self.direct_url)


@pytest.mark.parametrize(
    ("direct_url", "extra", "upgrade", "hint"),
    [
        (None, "pdf", False, 'pip install "srscards[pdf]"'),
        (None, None, True, 'pip install -U "srscards"'),
        ({"url": "file:///home/me/srscards", "dir_info": {"editable": True}}, "pdf", False,
         'pip install -e "/home/me/srscards[pdf]"'),
        ({"url": "file:///home/me/src%20cards", "dir_info": {}}, "labs", False,
         'pip install "/home/me/src cards[labs]"'),
        ({"url": "file:///home/me/srscards", "dir_info": {"editable": True}}, None, True,
         'git -C /home/me/srscards pull && pip install -e "/home/me/srscards"'),
        ({"url": "https://files.example/srscards-1.0.tar.gz", "archive_info": {}}, "pdf", False,
         'pip install "srscards[pdf]"'),
    ],
)  # fmt: skip
def test_the_hint_follows_the_install(monkeypatch, direct_url, extra, upgrade, hint):
    monkeypatch.setattr(metadata, "distribution", lambda name: Installed(direct_url))
    assert install_command(extra, upgrade=upgrade) == hint


def test_this_install_gets_a_hint_that_names_it():
    """The running install: a checkout names its own folder, a package the index."""
    text = metadata.distribution("srscards").read_text("direct_url.json")
    hint = install_command("pdf")
    if text and json.loads(text).get("url") == REPO.as_uri():
        assert hint in (f'pip install -e "{REPO}[pdf]"', f'pip install "{REPO}[pdf]"')
        # the hint is a command pip accepts (checked without installing anything)
        command = hint.replace("pip install", f"{sys.executable} -m pip install --dry-run --no-deps --no-index -q")
        done = subprocess.run(command, shell=True, capture_output=True, text=True, cwd="/")
        assert "Invalid requirement" not in done.stderr and "is not a valid" not in done.stderr, done.stderr
    else:
        assert hint == 'pip install "srscards[pdf]"'
