"""`srscards stats` as a user runs it: the whole output for a known log and a fixed clock."""

from __future__ import annotations

import json

import pytest

from conftest import run
from srscards.scheduling.scheduler import Scheduler, Settings
from srscards.store.store import Store
from srscards.study.metrics import compute_stats
from test_metrics import NOW, build

EXPECTED = """\
True retention as Anki's stats screen counts it; Again fails

                     today        7 days       30 days      all time
 ───────────────────────────────────────────────────────────────────
 all            0.0% (0/1)   33.3% (1/3)   50.0% (2/4)   60.0% (3/5)
 young (<21d)            -   50.0% (1/2)   66.7% (2/3)   75.0% (3/4)
 mature         0.0% (0/1)    0.0% (0/1)    0.0% (0/1)    0.0% (0/1)

Retention per day, Oct 29 to Nov 27: ······█····················▅·▁

Per domain: goal 90% recall 30 days from now

               retention   recall in 30d   cards ≥90%   of goal
 ──────────────────────────────────────────────────────────────
 domain 1    50.0% (2/4)           75.6%        33.3%       84%
 domain 2   100.0% (1/1)           89.1%         0.0%       99%
 all         60.0% (3/5)           79.0%        25.0%       88%

Cards by state (every exam version)

            new   learning   review   suspended   retired
 ────────────────────────────────────────────────────────
 domain 1     0          1        2           1         0
 domain 2     0          0        1           0         1
 all          0          1        3           1         1

Per task statement

          retention   new   learning   review   suspended   retired
 ──────────────────────────────────────────────────────────────────
 1.1    50.0% (2/4)     0          1        2           1         0
 2.3   100.0% (1/1)     0          0        1           0         1

Per task: goal 90% recall in 30 days

       recall in 30d   cards ≥90%   of goal
 ──────────────────────────────────────────
 1.1           75.6%        33.3%       84%
 2.3           89.1%         0.0%       99%

Forecast: 3 cards due in the next 30 days, about 1 minute
  per day: █▁▁▁▁▁█▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁
  Fri Nov 27     1 due   0.2 min ██████████████████████████████
  Sat Nov 28     0 due   0.0 min
  Sun Nov 29     0 due   0.0 min
  Mon Nov 30     0 due   0.0 min
  Tue Dec 01     0 due   0.0 min
  Wed Dec 02     0 due   0.0 min
  Thu Dec 03     1 due   0.2 min ██████████████████████████████

Calibration as Anki's Evaluate: log loss 0.8824, RMSE(bins) 26.1% (5 items)
Calibration per answer: log loss 0.5550, RMSE(bins) 26.0% (5 answers)
Streak: 3 days · 8 days studied · 12 answers · 3 minutes studied
Counts are of cards to review, of every exam version in the store: a note gives
one card to review (a cloze one per deletion, a reversible note two).
"""


pytestmark = pytest.mark.usefixtures("utc")


def lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def stats(*args: str):
    result = run("stats", *args, "--now", NOW.isoformat())
    assert "Traceback" not in result.output
    return result


def test_stats_shows_every_figure_of_a_known_log(course, tmp_path):
    home = tmp_path / "home"
    store, _ = build(course, home)
    store.close()
    result = stats(str(course.root), "--home", str(home), "--evaluate")
    assert result.exit_code == 0, result.output
    assert lines(result.output) == EXPECTED


def test_stats_computes_anki_evaluate_only_when_asked(course, tmp_path):
    home = tmp_path / "home"
    store, _ = build(course, home)
    store.close()
    result = stats(str(course.root), "--home", str(home))
    assert result.exit_code == 0, result.output
    evaluate = "Calibration as Anki's Evaluate: log loss 0.8824, RMSE(bins) 26.1% (5 items)\n"
    not_computed = "Calibration as Anki's Evaluate: not computed (add --evaluate)\n"
    assert lines(result.output) == EXPECTED.replace(evaluate, not_computed)
    result = stats(str(course.root), "--home", str(home), "--json")
    assert json.loads(result.output)["calibration_anki_evaluate"] is None


def test_stats_json_is_the_core_figures(course, tmp_path):
    home = tmp_path / "home"
    store, courses = build(course, home)
    expected = compute_stats(store, Scheduler(Settings()), courses, NOW).to_json()
    store.close()
    result = stats(str(course.root), "--home", str(home), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == json.loads(json.dumps(expected))


def test_stats_without_sources_counts_the_store_and_lists_labs(course, tmp_path):
    home = tmp_path / "home"
    store, _ = build(course, home)
    store.record_lab("sagemaker-endpoint", "emulator", NOW)
    store.close()
    result = stats(str(tmp_path / "missing"), "--home", str(home), "--evaluate")
    assert result.exit_code == 0, result.output
    assert lines(result.output) == EXPECTED + "Labs completed: sagemaker-endpoint (emulator, 2026-11-27)\n"


def test_stats_on_an_empty_store(tmp_path):
    result = stats(str(tmp_path / "missing"), "--home", str(tmp_path / "home"), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reviews"] == 0 and data["streak"] == 0 and data["calibration"]["log_loss"] is None
    with Store.open(tmp_path / "home") as store:
        assert store.log() == []
