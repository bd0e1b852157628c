"""Ctrl-C during a real `srscards lab run --aws` against a moto server: nothing leaks.

Each case presses Ctrl-C (SIGINT to the subprocess) at a moment found on the run's output, and
checks the server afterwards: either nothing is left, or the run listed exactly what is left and
gave a command that removes it (run here, then the server checked again).
`python tests/lab_interrupts.py --trials N` repeats the moments for figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lab_interrupts import MOMENTS, Moment, moto_server, trial

pytestmark = pytest.mark.slow

CHOSEN = (
    "while the key is created",
    "between creating and tagging the bucket",
    "while uploading",
    "as cleanup deletes the bucket",
    "as cleanup deletes the key",
    "before tagging, then again as cleanup starts",
    "in a step, then again as cleanup deletes",
    "twice at once during a step",
)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.mark.parametrize("moment", [m for m in MOMENTS if m.name in CHOSEN], ids=lambda m: m.name)
def test_ctrl_c_leaves_nothing_or_says_exactly_what_is_left_and_how_to_remove_it(
    endpoint: str, tmp_path: Path, moment: Moment
):
    result = trial(endpoint, tmp_path, moment, delay=0.0)
    assert not result.traceback, result.output
    if result.exit_code == 0:  # the press came after the run had ended: nothing may be left
        assert result.output.endswith("steps passed; completion recorded.\n") and not result.left, result.output
        return
    assert result.exit_code == 130, result.output
    assert result.reported == result.left, result.output  # exactly what is left, no more, no less
    last = result.output.rstrip("\n").splitlines()[-1]
    if result.left:
        assert last.startswith(f"Interrupted; cleanup left {len(result.left)} resource"), result.output
        assert result.command.startswith("srscards lab cleanup s3-data-lake-kms --aws --region us-east-1")
        assert result.left_after_command == []  # the command given removes it all
    else:
        assert last == "Interrupted; cleanup has run and nothing is left.", result.output
