"""`srscards report`: one offline HTML file that renders in headless Chromium without console errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from conftest import run
from test_metrics import NOW, build

pytestmark = pytest.mark.usefixtures("utc")


def render(chromium: str, page: Path, shot: Path, profile: Path) -> str:
    """Open `page` in headless Chromium, save a screenshot, return what the browser logged."""
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1000,1400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]


@pytest.mark.slow
def test_report_is_a_self_contained_page_that_renders(course, tmp_path, chromium):
    home = tmp_path / "home"
    store, _ = build(course, home)
    store.record_lab("feature-store", "aws", NOW)
    store.close()
    out = tmp_path / "exports" / "report.html"
    args = ("report", str(course.root), "--home", str(home), "-o", str(out), "--now", NOW.isoformat())
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "As Anki's Evaluate (fsrs-rs over the training items Anki builds): not computed" in out.read_text()
    result = run(*args, "--evaluate")
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {out}\n"
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=|<script|@import|url\(", html)  # nothing to fetch, nothing to run
    assert html.count("<svg") == 2
    text = re.sub(r"<[^>]+>", "", html)
    assert "Domain 1" in text and "Domain 2" in text
    assert "60.0% (3/5)" in text  # all-time true retention, as Anki's stats screen counts it
    assert "As Anki's Evaluate (fsrs-rs over the training items Anki builds): log loss 0.8824" in text
    assert "Per answer on a later day (unweighted, as srs-benchmark): log loss 0.5550" in text
    assert "3 cards due in the next 30 days" in text
    assert "Streak 3 days · 8 days studied" in text
    assert "feature-store (aws, 2026-11-27)" in text

    shot = tmp_path / "report.png"
    log = render(chromium, out, shot, tmp_path / "profile")
    assert console_errors(log) == []
    with Image.open(shot) as image:
        assert image.size == (1000, 1400)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    # the charts' green and blue bars are on screen
    assert any(c == (0x2D, 0xA4, 0x4E) for _, c in colours) and any(c == (0x09, 0x69, 0xDA) for _, c in colours)


@pytest.mark.slow
def test_a_page_with_a_script_error_is_caught(tmp_path, chromium):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>undefinedThing()</script>", encoding="utf-8")
    log = render(chromium, page, tmp_path / "broken.png", tmp_path / "profile")
    assert any("undefinedThing" in line for line in console_errors(log))
