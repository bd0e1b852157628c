"""`srscards review`, `due` and `orphans` as a user runs them: piped keys, real store, fixed clock."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import run
from deck_fixture import demo_deck
from exam_fixture import StepClock
from srscards.install import install_command
from srscards.scheduling.scheduler import Rating, Scheduler, Settings, State
from srscards.store.migrations import SCHEMA_VERSION
from srscards.store.store import STORE_FILE, Store

DAY1 = "2026-11-27T10:00:00+00:00"
DAY2 = "2026-11-28T10:00:00+00:00"
DAY3 = "2026-11-29T10:00:00+00:00"
DECK = demo_deck(
    """\
### Managed NFS for training data
<!-- id: q-1 -->

Which service is a managed NFS file system?

- [ ] Amazon S3 {pin}
  Object storage, not a file system.
- [x] Amazon EFS {pin}
  Managed NFS that many instances mount at once.
""",
)
DECK2 = """\
---
title: Models
domain: 2
tasks: [2.3]
tags: [metrics]
exam: C01
---

### What does recall measure?
<!-- id: rec-1 -->

The share of real positives that the model finds.
"""


pytestmark = pytest.mark.usefixtures("utc")


def review(root: Path, keys: str, *args: str, when: str = DAY1, clock: StepClock | None = None):
    """`srscards review` with `keys` piped in, on a clock that stands still at `when` unless one is given."""
    return run(
        "review", str(root), "--no-fuzz", *args, input=keys, clock=clock or StepClock(datetime.fromisoformat(when))
    )


def lines(text: str) -> str:
    """Output with rich's padding at line ends removed."""
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def store(home: Path | None = None) -> Store:
    import os

    return Store.open(home or Path(os.environ["SRSCARDS_HOME"]))


HEADER = "AWS ML Engineer Associate::1 Data Preparation for ML and AI"
HINT = "space/enter: show answer · :u undo · :b bury · :s suspend · :e edit · :q quit"


def bury_siblings() -> None:
    """Turn on Anki's sibling burying for new and review cards (both off by default, as in Anki)."""
    home = Path(os.environ["SRSCARDS_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("[review]\nbury_new = true\nbury_reviews = true\n")


def test_siblings_are_not_buried_by_default_as_in_anki(course):
    course.write("d1.md", DECK)
    result = review(course.root, "3")
    assert result.exit_code == 0, result.output
    # both deletions of the cloze note are new today, and stay in today's queue after one is answered
    assert "0 due · 4 new · 0 learning" in result.output
    first = review(course.root, "q")
    assert "0 due · 3 new · 1 learning" in first.output
    bury_siblings()
    buried = review(course.root, "q")
    assert "0 due · 2 new · 1 learning" in buried.output  # the note's other deletion waits for tomorrow


def test_a_first_day_of_review_with_piped_keys(course):
    bury_siblings()
    course.write("d1.md", DECK)
    result = review(course.root, "31B33")
    assert result.exit_code == 0, result.output
    assert lines(result.output) == (
        "Synced with the sources: 4 new, 0 edited, 0 retired, 0 back.\n"
        "────────────────────────── 0 due · 3 new · 0 learning ──────────────────────────\n"
        f"fmt-1/card · {HEADER}\n"
        "Which format lets Athena read only some columns?\n"
        f"{HINT}\n"
        "Parquet.\n"
        "Good: next in 10m.\n"
        "────────────────────────── 0 due · 2 new · 1 learning ──────────────────────────\n"
        f"clz-1/c1 · {HEADER}\n"
        "Min-max scaling\n\n"
        "Maps values into [...] using the minimum and maximum.\n"
        f"{HINT}\n"
        "Min-max scaling\n\n"
        "Maps values into [0 to 1] using the minimum and maximum.\n"
        "Again: next in 1m.\n"
        "────────────────────────── 0 due · 1 new · 2 learning ──────────────────────────\n"
        f"q-1/card · {HEADER}\n"
        "Which service is a managed NFS file system?\n"
        "A. Amazon S3\n"
        "B. Amazon EFS\n"
        "answer with a letter (A-B) · :u undo · :b bury · :s suspend · :e edit · :q quit\n"
        "Correct: you chose B, the answer is B\n"
        "✗ A. Amazon S3\n\n"
        "Object storage, not a file system.\n"
        "✓ B. Amazon EFS\n\n"
        "Managed NFS that many instances mount at once.\n"
        "Good: next in 10m.\n"
        "────────────────────────── 0 due · 0 new · 3 learning ──────────────────────────\n"
        f"clz-1/c1 · {HEADER}\n"
        "Min-max scaling\n\n"
        "Maps values into [...] using the minimum and maximum.\n"
        f"{HINT}\n"
        "Min-max scaling\n\n"
        "Maps values into [0 to 1] using the minimum and maximum.\n"
        "Good: next in 10m.\n"
        "────────────────────────── 0 due · 0 new · 3 learning ──────────────────────────\n"
        f"fmt-1/card · {HEADER}\n"
        "Which format lets Athena read only some columns?\n"
        f"{HINT}\n"
        "Parquet.\n"
        "Good: next in 2d.\n"
        "────────────────────────── 0 due · 0 new · 2 learning ──────────────────────────\n"
        f"q-1/card · {HEADER}\n"
        "Which service is a managed NFS file system?\n"
        "A. Amazon S3\n"
        "B. Amazon EFS\n"
        "answer with a letter (A-B) · :u undo · :b bury · :s suspend · :e edit · :q quit\n"
        "Studied 3 cards in 0m 00s · again 33%\n"
        "Later today: 2 learning cards come back, the next in 10m.\n"
        "Due tomorrow: 0 cards, not counting new cards or the 2 above.\n"
    )
    with store() as s:
        log = s.log()
        assert [(r.rating, r.origin) for r in log] == [(Rating.GOOD, "review"), (Rating.AGAIN, "review")] + [
            (Rating.GOOD, "review")
        ] * 3
        # the state each card holds is what replaying its log gives
        scheduler = Scheduler(Settings(fuzz=False))
        for card in s.cards(["aws-mla"]):
            answers = [(r.reviewed_at, r.rating) for r in s.log(card.id)]
            assert scheduler.replay(answers, card.key) == card.memory


def test_the_summary_gives_the_time_the_session_took(course):
    course.write("d1.md", DECK)
    start = datetime.fromisoformat(DAY1)
    readings = iter([start])  # the session reads the clock when it starts, then 2m 05s have passed

    def clock() -> datetime:
        return next(readings, start + timedelta(minutes=2, seconds=5))

    result = review(course.root, "31B33", clock=clock)
    assert result.exit_code == 0, result.output
    # each note's first card comes before any second one, and siblings are not buried, as in Anki
    assert "Studied 4 cards in 2m 05s · again 25%\n" in lines(result.output)


def test_the_next_days_bring_the_right_cards(course):
    bury_siblings()
    course.write("d1.md", DECK)
    first = review(course.root, "31B33")
    assert first.exit_code == 0
    # the summary counts the learning cards of later today apart from tomorrow's, never twice
    assert "Later today: 2 learning cards come back" in first.output
    assert "Due tomorrow: 0 cards, not counting new cards or the 2 above.\n" in first.output
    due = run("due", str(course.root), "--now", DAY2)
    assert due.exit_code == 0
    # the two cards left in learning are due; the second cloze waits while its sibling is in learning
    assert due.output == (
        "domain 1: 2 cards (2 learning, 0 review, 0 new)\n"
        "total: 2 cards (2 learning, 0 review, 0 new)\n"
        "Cards to study today, within the daily limits; a note gives one card to review (a cloze one per deletion, "
        "a reversible note two).\n"
    )
    result = review(course.root, "3B3B", when=DAY2)  # the order of the two is open: extra keys are ignored
    assert "clz-1/c1" in result.output and "q-1/card" in result.output and "fmt-1" not in result.output
    due = run("due", str(course.root), "--now", DAY3, "--json")
    data = json.loads(due.output)
    assert data["total"] == {"learning": 0, "review": 1, "new": 1}  # fmt-1 is due; clz-1/c2 is new at last
    result = review(course.root, " 3 3 3", when=DAY3)
    assert "fmt-1/card" in result.output and "clz-1/c2" in result.output
    assert result.output.rstrip().endswith("Nothing more is due today.\nDue tomorrow: 1 card, not counting new cards.")


def test_undo_takes_back_state_and_log(course):
    course.write("d1.md", DECK)
    result = review(course.root, "3:u4")
    assert result.exit_code == 0
    assert "Good: next in 10m.\n" in result.output
    assert "Undone: fmt-1/card comes back.\n" in result.output
    assert "Easy: next in 8d.\n" in result.output
    with store() as s:
        assert [r.rating for r in s.log()] == [Rating.EASY]
        assert s._conn.execute("SELECT count(*) FROM undone").fetchone()[0] == 1
        card = next(c for c in s.cards(["aws-mla"]) if c.note == "fmt-1")
        assert (card.memory.state, card.memory.reps) == (State.REVIEW, 1)


def test_bury_waits_a_day_and_suspend_stays(course):
    bury_siblings()
    course.write("d1.md", DECK)
    result = review(course.root, ":b:s")
    assert "Buried until tomorrow.\n" in result.output and "Suspended.\n" in result.output
    assert "0 due · 1 new · 0 learning" in result.output  # only the question is left today
    result = review(course.root, "", when=DAY2)
    assert "fmt-1/card" in result.output  # buried yesterday, back today
    assert "clz-1" not in result.output.split("Studied")[0].split("fmt-1/card")[0]
    with store() as s:
        suspended = [c.key for c in s.cards(["aws-mla"]) if c.suspended]
    assert suspended == ["aws-mla/clz-1/c1"]


def test_daily_new_limit_and_filters(course):
    course.write("d1.md", DECK)
    course.write("d2.md", DECK2)
    result = review(course.root, "", "--new-limit", "1")
    assert "0 due · 1 new · 0 learning" in result.output
    for option, shown in (
        (["--domain", "2", "--exam", "C01"], "rec-1/card"),
        (["--task", "2.3", "--exam", "all"], "rec-1/card"),
        (["--tag", "metrics", "--exam", "c01"], "rec-1/card"),
        (["--tag", "exam::C01", "--exam", "C01"], "rec-1/card"),
        (["--deck", "2 ML Model and Foundation Model (FM) Development", "--exam", "C01"], "rec-1/card"),
        (["--deck", "AWS ML Engineer Associate"], "fmt-1/card"),
        (["--exam", "C02"], "fmt-1/card"),
        (["--domain", "1"], "fmt-1/card"),
        (["--tag", "type::cloze"], "clz-1/c1"),
        (["--tag", "task::1.1", "--domain", "1"], "fmt-1/card"),
        (["--tag", "TYPE::CHOICE"], "q-1/card"),
    ):
        result = review(course.root, ":q", *option)
        assert result.exit_code == 0, result.output
        assert f"\n{shown} · " in result.output, (option, result.output)
    # by default a session follows the course's default exam version (MLA-C02): rec-1 is C01 only
    # (the cloze note's two deletions are both new today: siblings are not buried by default)
    assert "0 due · 4 new · 0 learning" in review(course.root, "").output
    assert "0 due · 4 new · 0 learning" in review(course.root, "", "--exam", "C02").output
    assert "0 due · 5 new · 0 learning" in review(course.root, "", "--exam", "all").output


def test_a_filter_no_card_matches_is_an_error_that_lists_the_valid_ones(course):
    course.write("d1.md", DECK)
    course.write("d2.md", DECK2)
    for option, message in (
        (["--domain", "7"], "--domain 7: no card of this exam domain; choose one of 1, 2"),
        (["--task", "9.9"], "--task 9.9: no card of this task statement; choose one of 1.1, 2.3"),
        (
            ["--tag", "type::clozes"],
            "--tag type::clozes: no card has this tag; choose one of domain::1, domain::2, exam::C01, exam::both, "
            "metrics, task::1.1, task::2.3, type::basic, type::choice, type::cloze",
        ),
        (
            ["--deck", "Nope"],
            "--deck Nope: no deck of this name; choose one of AWS ML Engineer Associate::1 Data Preparation for ML "
            "and AI, AWS ML Engineer Associate::2 ML Model and Foundation Model (FM) Development",
        ),
    ):
        for command in (["review"], ["due"]):
            result = run(*command, str(course.root), "--now", DAY1, *option)
            assert (result.exit_code, result.output) == (1, f"Error: {message}\n"), (command, option)


def test_colon_e_opens_the_source_at_the_card_line(course, tmp_path, monkeypatch):
    deck = course.write("d1.md", DECK)
    record = tmp_path / "editor-args.json"
    editor = tmp_path / "editor.py"
    editor.write_text(f"import json, sys\nopen({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    result = review(course.root, ":e:q")
    assert result.exit_code == 0
    assert json.loads(record.read_text()) == ["+7", str(deck.resolve())]
    assert "Saved edits reach the review store at the next start of `srscards review`.\n" in result.output


def test_orphans_lists_retired_cards(course):
    deck = course.write("d1.md", DECK)
    assert review(course.root, "3").exit_code == 0
    deck.write_text(DECK.split("### Min-max")[0])
    result = review(course.root, ":q", when=DAY2)
    assert result.output.startswith("Synced with the sources: 0 new, 0 edited, 3 retired, 0 back.\n")
    result = run("orphans")
    assert result.exit_code == 0
    path = deck.resolve()
    assert result.output == (
        f"aws-mla/clz-1/c1: last seen at {path}:12, retired 2026-11-28, 0 reviews\n"
        f"aws-mla/clz-1/c2: last seen at {path}:12, retired 2026-11-28, 0 reviews\n"
        f"aws-mla/q-1/card: last seen at {path}:17, retired 2026-11-28, 0 reviews\n"
    )
    data = json.loads(run("orphans", "--json").output)
    assert [o["id"] for o in data["orphans"]] == ["clz-1", "clz-1", "q-1"]


def test_a_damaged_store_is_a_clear_error(course, tmp_path):
    course.write("d1.md", DECK)
    home = tmp_path / "home"
    home.mkdir()
    (home / STORE_FILE).write_bytes(b"\x00" * 4096)
    result = review(course.root, "3", "--home", str(home))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {home / STORE_FILE}: the review store is damaged (it is not an SQLite database); it was left "
        "untouched. Run `srscards restore` to put back a backup, or move the file aside to start a new store\n"
    )
    assert (home / STORE_FILE).read_bytes() == b"\x00" * 4096


def test_a_newer_store_is_a_clear_error(course, tmp_path):
    course.write("d1.md", DECK)
    home = tmp_path / "home"
    Store.open(home).close()
    with sqlite3.connect(home / STORE_FILE) as conn:
        conn.execute("PRAGMA user_version = 99")
    result = run("due", str(course.root), "--home", str(home))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {home / STORE_FILE} was written by a newer srscards (store version 99, this one reads up to "
        f"{SCHEMA_VERSION}); "
        f"upgrade srscards ({install_command(upgrade=True)}) to use it\n"
    )


def test_bad_settings_are_clear_errors(course):
    course.write("d1.md", DECK)
    result = review(course.root, ":q", "--retention", "1.5")
    assert result.exit_code == 1
    assert result.output == "Error: --retention: desired_retention must be a number from 0.70 to 0.99 (got 1.5)\n"
    result = review(course.root, ":q", "--day-start", "25:00")
    assert result.output == "Error: --day-start: '25:00' is not a time of day; write it as HH:MM, e.g. 04:00\n"


MULTI = """\
---
title: Multi
domain: 1
tasks: [1.1]
---

### Two storage answers
<!-- id: m-1 -->

Which TWO services store training data as files that many instances share?

- [x] Amazon EFS {pin}
  Managed NFS.
- [ ] Amazon SQS {pin}
  A queue, not storage.
- [x] Amazon FSx for Lustre {pin}
  A shared high-throughput file system.
"""


def test_a_multiple_response_question_takes_letters_then_enter(course):
    course.write("d1.md", MULTI)
    result = review(course.root, "ca\n")
    assert result.exit_code == 0
    assert "choose 2 letters (A-C), then enter" in result.output
    assert "chosen: C\nchosen: A, C\nCorrect: you chose AC, the answer is AC\n" in lines(result.output)
    result = review(course.root, ":q", when=DAY2)
    with store() as s:
        assert [r.rating for r in s.log()] == [Rating.GOOD]
    course.write("d1.md", MULTI.replace("m-1", "m-2"))
    result = review(course.root, "a\n", when=DAY2)
    assert "Wrong: you chose A, the answer is AC\n" in lines(result.output)
    assert "Again: next in 1m.\n" in result.output


FIVE = """\
---
title: Five
domain: 1
tasks: [1.1]
---

### Five options
<!-- id: five-1 -->

Which TWO services are managed file systems?

- [ ] Amazon S3 {pin}
  Object storage.
- [x] Amazon EFS {pin}
  Managed NFS.
- [ ] Amazon SQS {pin}
  A queue.
- [ ] Amazon SNS {pin}
  Notifications.
- [x] Amazon FSx {pin}
  Managed file systems.
"""


def test_on_a_question_every_letter_is_an_option(course):
    """b and e used to bury the card and open the editor; on a question they choose B and E."""
    course.write("d1.md", FIVE)
    result = review(course.root, "bxe\n")
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    said = " ".join(out.split())
    assert "choose 2 letters (A-E), then enter · :u undo · :b bury · :s suspend · :e edit · :q quit" in said
    assert "chosen: B\nX is not an option: answer with A-E" in out
    assert "chosen: B, E\nCorrect: you chose BE, the answer is BE\n" in out
    assert "Buried" not in out
    with store() as s:
        assert [r.rating for r in s.log()] == [Rating.GOOD]


def test_commands_are_a_colon_and_a_letter_on_every_card(course):
    course.write("d1.md", FIVE)
    result = review(course.root, "b:x:b")
    out = lines(result.output)
    assert "Unknown command :x; :u undo · :b bury · :s suspend · :e edit · :q quit" in " ".join(out.split())
    assert "Buried until tomorrow.\n" in out  # chosen B is dropped with the card
    with store() as s:
        assert s.log() == []
        assert [c.buried_day is not None for c in s.cards(["aws-mla"])] == [True]


def test_a_new_sibling_never_follows_the_card_that_shows_its_answer(course):
    """The cloze's second deletion comes after every note's first card, as Anki orders new cards by default."""
    course.write("d1.md", DECK)
    result = review(course.root, "33B3")
    shown = [line.split(" · ")[0] for line in result.output.splitlines() if line.startswith(("fmt-1", "clz-1", "q-1"))]
    assert shown[:4] == ["fmt-1/card", "clz-1/c1", "q-1/card", "clz-1/c2"]
