"""Tests that need a system package (Chromium, pdftotext, ...) skip with the reason when it is missing,
and fail the run instead under CI, which installs them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@pytest.mark.slow
@pytest.mark.parametrize(("ci", "outcome", "code"), [("", "1 skipped", 0), ("true", "1 error", 1)])
def test_without_chromium_a_browser_test_is_skipped_with_the_reason_or_fails_under_ci(tmp_path, ci, outcome, code):
    env = {**os.environ, "PATH": str(tmp_path), "CI": ci}  # a PATH where no chromium is found
    test = f"{TESTS / 'test_report.py'}::test_a_page_with_a_script_error_is_caught"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-rsf", "--basetemp",
         str(tmp_path / "base"), test],
        capture_output=True, text=True, env=env, cwd=TESTS.parent, timeout=300,
    )  # fmt: skip
    assert done.returncode == code, done.stdout
    assert done.stdout.rstrip().splitlines()[-1].strip("= ").startswith(outcome), done.stdout
    assert "headless Chromium is missing (Debian: apt-get install -y chromium)" in done.stdout
    assert ("CI installs it, so its absence is a failure" in done.stdout) == (ci == "true")
