"""The full-screen `srscards review`, driven as a person does: a real process in a pseudo-terminal,
keys pressed, the screen read back through a terminal emulator, at 80x24 and 160x48.

Each screen type is kept as a text snapshot in tests/snapshots/review/ (rewrite them with
SRSCARDS_UPDATE_SNAPSHOTS=1 and read the diff)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CourseDir
from srscards.store.store import Store
from terminal_fixture import CLI, Terminal, check_snapshot, mask

DAY1 = "2026-11-27T10:00:00+00:00"
SIZES = [(80, 24), (160, 48)]
DECK = """\
---
title: Screens
domain: 1
tasks: [1.1]
---

### Which format lets Athena read only some columns?
<!-- id: fmt-1 -->

Parquet.

### Stratified split
<!-- {id: rev-1, type: reversible} -->

A split that keeps the class proportions of the whole data set in every part.

### Min-max scaling
<!-- id: clz-1 -->

Maps values into {{c1::0 to 1}} using the {{c2::minimum and maximum}}.

### Managed NFS for training data
<!-- id: one-1 -->

Which service is a managed NFS file system?

- [ ] Amazon S3 {pin}
  Object storage, not a file system.
- [x] Amazon EFS {pin}
  Managed NFS that many instances mount at once.
- [ ] Amazon SQS {pin}
  A message queue, not storage.

### Two shared file systems
<!-- id: two-1 -->

Which TWO services store training data as files that many instances share? (Choose two.)

- [x] Amazon EFS {pin}
  Managed NFS.
- [ ] Amazon SQS {pin}
  A queue, not storage.
- [x] Amazon FSx for Lustre {pin}
  A shared high-throughput file system.
- [ ] Amazon SNS {pin}
  Notifications, not storage.
- [ ] Amazon ECR {pin}
  Container images, not training data.

### Order a canary deployment
<!-- {id: ord-1, type: ordering} -->

Put the steps of a canary rollout on a SageMaker AI endpoint in order.

1. Deploy the new model variant next to the current one.
2. Shift a small share of traffic to the new variant.
3. Watch the CloudWatch alarms during the baking period.
4. Shift the rest of the traffic.

### Match the inference option to the workload
<!-- {id: mat-1, type: matching} -->

| Workload | Inference option |
|---|---|
| Steady traffic that needs low latency | Real-time endpoint |
| Large payloads that may take minutes | Asynchronous inference |
| Scoring a whole data set in S3 overnight | Batch transform |
"""
LONG = """\
---
title: Long
domain: 1
tasks: [1.1]
---

### Name the forty steps
<!-- id: long-1 -->

""" + "\n".join(f"{n}. Step number {n} of the long answer." for n in range(1, 41))
RATINGS = "1 Again 1m   2 Hard 6m   3 Good 10m   4 Easy"
COMMANDS = ":u undo · :b bury · :s suspend · :e edit · :q quit"


@pytest.fixture
def decks(course: CourseDir) -> Path:
    course.write("d1.md", DECK)
    return course.root


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[Terminal]]:
    started: list[Terminal] = []
    yield started
    for terminal in started:
        terminal.close()


def review(
    terminals: list[Terminal], decks: Path, size: tuple[int, int], *args: str, env: dict[str, str] | None = None
) -> Terminal:
    """`srscards review DECKS ARGS` in a terminal of `size`, on a fixed day, with HOME where the decks are."""
    columns, rows = size
    environment = {**os.environ, "HOME": str(decks.parent), "TZ": "UTC"}
    environment.pop("NO_COLOR", None)
    environment.update(env or {})
    terminal = Terminal(
        ["review", str(decks), "--now", DAY1, "--no-fuzz", "--seed", "1", *args], columns, rows, environment, decks
    )
    terminals.append(terminal)
    return terminal


def name(kind: str, size: tuple[int, int]) -> str:
    return f"review/{kind}-{size[0]}x{size[1]}"


def once(screen: str, text: str) -> None:
    assert screen.count(text) == 1, f"{text!r} is on screen {screen.count(text)} times:\n{screen}"


def check_layout(screen: str, size: tuple[int, int]) -> None:
    """The header and the keys are there, and the text keeps to a centred column of at most 100."""
    columns, rows = size
    lines = screen.splitlines()
    assert len(lines) == rows
    assert lines[0].strip().startswith("~/decks") and lines[0].rstrip().endswith("learning"), screen
    assert "answered ·" in lines[1] and "left" in lines[1]
    assert COMMANDS in lines[-1] or "any key: next card" in lines[-1], screen
    margin = (columns - min(columns, 100)) // 2
    for line in lines:
        if line.strip():
            assert line[:margin].strip() == "" and len(line) <= margin + 100, (line, screen)


@pytest.mark.parametrize("size", SIZES)
def test_a_basic_card_front_then_answer_in_place(decks, terminals, size):
    term = review(terminals, decks, size, "--tag", "type::basic")
    front = term.wait_for("show answer")
    check_layout(front, size)
    once(front, "Which format lets Athena read only some columns?")
    assert "Parquet." not in front
    assert "fmt-1" not in front  # no internal id heads the card
    assert "0 due · 1 new · 0 learning" in front
    check_snapshot(name("basic-front", size), front)
    term.press(" ")
    answer = term.wait_for(RATINGS)
    check_layout(answer, size)
    once(answer, "Which format lets Athena read only some columns?")
    once(answer, "Parquet.")
    assert "show answer" not in answer  # the front's key line gave way to the rating keys
    check_snapshot(name("basic-answer", size), answer)
    term.press("3")  # Good: in learning for 10m; the only card left, so it comes back at once
    again = term.wait_for("Last card: Good, next in 10m.")
    assert "Parquet." not in again  # the answer just seen is gone with its card
    once(again, "Which format lets Athena read only some columns?")
    assert "0 due · 0 new · 1 learning" in again
    term.press(":q")
    assert term.finish() == 0
    out = " ".join(mask(term.output_text()).split())
    assert "Studied 1 card in 0m 00s · again 0%" in out
    assert "Later today: 1 learning card comes back, the next in 10m." in out
    assert "Due tomorrow: 0 cards, not counting new cards or the one above." in out


@pytest.mark.parametrize("size", SIZES)
def test_a_reversible_note_shows_each_side_on_its_own_screen(decks, terminals, size):
    term = review(terminals, decks, size, "--tag", "type::reversible")
    term.wait_for("show answer")
    term.press(" ")
    answer = term.wait_for(RATINGS)
    once(answer, "Stratified split")
    once(answer, "A split that keeps the class proportions")
    check_snapshot(name("reversible-answer", size), answer)
    term.press("3")
    reverse = term.wait_for("Last card: Good")
    once(reverse, "A split that keeps the class proportions")
    assert "Stratified split" not in reverse  # the reverse asks for it: the forward card's text is gone
    check_snapshot(name("reversible-reverse-front", size), reverse)
    term.press(":q")
    assert term.finish() == 0


@pytest.mark.parametrize("size", SIZES)
def test_a_cloze_shows_its_text_once(decks, terminals, size):
    term = review(terminals, decks, size, "--tag", "type::cloze")
    front = term.wait_for("show answer")
    once(front, "Maps values into [...] using the minimum and maximum.")
    check_snapshot(name("cloze-front", size), front)
    term.press("\r")
    answer = term.wait_for(RATINGS)
    once(answer, "Maps values into [0 to 1] using the minimum and maximum.")
    assert "[...]" not in answer  # the question is not printed a second time above its answer
    once(answer, "Min-max scaling")
    check_snapshot(name("cloze-answer", size), answer)
    term.press("1")
    assert "Last card: Again, next in 1m." in term.wait_for("Last card")
    term.press(":q")
    assert term.finish() == 0


@pytest.mark.parametrize("size", SIZES)
def test_a_question_marks_the_choice_and_explains_each_option_under_it(decks, terminals, size):
    term = review(terminals, decks, size, "--tag", "type::choice", "--new-limit", "1")
    front = term.wait_for("answer with a letter (A-C)")
    check_layout(front, size)
    for option in ("A. Amazon S3", "B. Amazon EFS", "C. Amazon SQS"):
        once(front, option)
    assert "Object storage" not in front and "✓" not in front
    check_snapshot(name("choice-front", size), front)
    term.press("a")
    graded = term.wait_for("any key: next card")
    check_layout(graded, size)
    lines = graded.splitlines()
    assert "✗ Wrong: you chose A; the answer is B. Again, next in 1m." in " ".join(graded.split())
    chosen = next(i for i, line in enumerate(lines) if "A. Amazon S3" in line)
    assert "> ✗ A. Amazon S3" in lines[chosen] and "(your choice)" in lines[chosen]
    assert "Object storage, not a file system." in lines[chosen + 1]  # its explanation right under it
    right = next(i for i, line in enumerate(lines) if "B. Amazon EFS" in line)
    assert "  ✓ B. Amazon EFS" in lines[right] and "(your choice)" not in lines[right]
    assert "Managed NFS that many instances" in lines[right + 1]
    assert "✗ C. Amazon SQS" in graded
    check_snapshot(name("choice-graded", size), graded)
    term.press("x")  # any key: the next card (the same question, learning, shown early)
    next_card = term.wait_for(lambda s: "answer with a letter" in s)
    assert "Object storage" not in next_card and "Wrong" not in next_card  # the last answer is gone
    term.press(":q")
    assert term.finish() == 0


@pytest.mark.parametrize("size", SIZES)
def test_a_multiple_response_question_shows_the_letters_chosen_so_far(decks, terminals, size):
    term = review(terminals, decks, size, "--tag", "type::choice", "--new-limit", "2")
    term.wait_for("answer with a letter")
    term.press(":b")  # the single-answer question waits for tomorrow
    term.wait_for("choose 2 letters (A-E), then enter")
    term.press("c")
    choosing = term.wait_for("chosen: C")
    assert "[x] C. Amazon FSx for Lustre" in choosing and "[ ] A. Amazon EFS" in choosing
    check_snapshot(name("choice-multi-choosing", size), choosing)
    term.press("a\r")
    graded = term.wait_for("any key: next card")
    assert "✓ Correct: you chose A, C; the answer is A, C. Good, next in 10m." in " ".join(graded.split())
    for letter, mark in (("A", "> ✓"), ("B", "  ✗"), ("C", "> ✓"), ("D", "  ✗"), ("E", "  ✗")):
        line = next(line for line in graded.splitlines() if f" {letter}. Amazon" in line)
        assert f"{mark} {letter}. Amazon" in line, line
    check_snapshot(name("choice-multi-graded", size), graded)
    term.press(":q")
    assert term.finish() == 0


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("kind", "front_text", "answer_text"),
    [
        ("ordering", "Put the steps of a canary rollout", "1 Deploy the new model variant next to the current one."),
        ("matching", "Steady traffic that needs low latency", "Real-time endpoint"),
    ],
)
def test_ordering_and_matching_questions(decks, terminals, size, kind, front_text, answer_text):
    term = review(terminals, decks, size, "--tag", f"type::{kind}")
    front = term.wait_for("show answer")
    check_layout(front, size)
    once(front, front_text)
    check_snapshot(name(f"{kind}-front", size), front)
    term.press(" ")
    answer = term.wait_for(RATINGS)
    assert answer_text in answer
    check_snapshot(name(f"{kind}-answer", size), answer)
    term.press(":q")
    assert term.finish() == 0


def test_a_card_longer_than_the_screen_scrolls(course, terminals):
    course.write("d1.md", LONG)
    term = review(terminals, course.root, (80, 24))
    term.wait_for("show answer")
    term.press(" ")
    answer = term.wait_for(RATINGS)
    assert "lines 1-15 of 43 · ↑↓ PgUp PgDn scroll" in answer
    assert "Name the forty steps" in answer  # the answer starts on screen with the front above it
    assert "1 Step number 1 of" in answer and "40 Step number 40" not in answer
    check_snapshot("review/long-answer-80x24", answer)
    for _ in range(4):
        term.press("\x1b[6~")  # PgDn
    bottom = term.wait_for("40 Step number 40 of the long answer.")
    assert "lines 29-43 of 43" in bottom
    term.press("\x1b[A")  # Up: one line back
    assert "lines 28-42 of 43" in term.wait_for(lambda s: "40 Step number 40" not in s)
    term.press("3")  # the rating keys still work while scrolled
    assert "Last card: Good" in term.wait_for("Last card")
    term.press(":q")
    assert term.finish() == 0


def test_bury_suspend_and_undo_of_any_kind(decks, terminals):
    term = review(terminals, decks, (80, 24), "--tag", "type::reversible")
    term.wait_for("show answer")
    term.press(":")
    assert "command: u undo · b bury · s suspend · e edit · q quit" in term.wait_for("command:")
    term.press("b")
    done = term.wait_for("Buried until tomorrow")
    assert "srscards cards unbury rev-1/forward" in " ".join(done.split())
    once(done, "A split that keeps the class proportions")  # the other side of the note is next
    term.press(":u")
    back = term.wait_for("Undone: the bury; the card is shown again.")
    once(back, "Stratified split")
    assert "A split that keeps" not in back
    term.press(":s")
    suspended = term.wait_for("Suspended")
    assert "srscards cards unsuspend rev-1/forward" in " ".join(suspended.split())
    term.press(":u")
    term.wait_for("Undone: the suspend")
    term.press("4")
    term.wait_for("Last card: Easy")
    term.press(":u")
    assert "Stratified split" in term.wait_for("Undone: the answer Easy")
    term.press("3")
    term.wait_for("Last card: Good")
    term.press(":q")
    assert term.finish() == 0
    with Store.open(Path(os.environ["SRSCARDS_HOME"])) as store:
        [card] = [c for c in store.cards(["aws-mla"]) if c.key == "aws-mla/rev-1/forward"]
        undone = store._conn.execute("SELECT count(*) FROM undone_actions").fetchone()[0]
    assert not card.suspended and card.buried_day is None and card.memory.reps == 1
    assert undone == 2


def test_without_colour_the_marks_say_it_all(decks, terminals):
    term = review(terminals, decks, (80, 24), "--tag", "type::choice", "--new-limit", "1", env={"NO_COLOR": "1"})
    term.wait_for("answer with a letter")
    term.press("b")
    graded = term.wait_for("any key: next card")
    assert "✓ Correct" in graded and "> ✓ B. Amazon EFS" in graded and "(your choice)" in graded
    colours = {char.fg for row in term.emulator.buffer.values() for char in row.values()}
    assert colours == {"default"}, colours
    term.press(":q")
    assert term.finish() == 0


def test_colour_marks_right_and_wrong(decks, terminals):
    term = review(terminals, decks, (80, 24), "--tag", "type::choice", "--new-limit", "1")
    term.wait_for("answer with a letter")
    term.press("a")
    graded = term.wait_for("any key: next card")
    lines = graded.splitlines()
    row = next(i for i, line in enumerate(lines) if "B. Amazon EFS" in line)
    tick = lines[row].index("✓")
    assert term.emulator.buffer[row][tick].fg == "green"
    row = next(i for i, line in enumerate(lines) if "A. Amazon S3" in line)
    assert term.emulator.buffer[row][lines[row].index("✗")].fg == "red"
    term.press(":q")
    assert term.finish() == 0


def test_a_resized_terminal_is_drawn_again(decks, terminals):
    term = review(terminals, decks, (80, 24), "--tag", "type::basic")
    term.wait_for("show answer")
    term.emulator.resize(48, 160)
    term.process.setwinsize(48, 160)
    wide = term.wait_for(lambda s: s.splitlines()[0].startswith(" " * 30 + "~/decks"))
    check_layout(wide, (160, 48))
    term.press(":q")
    assert term.finish() == 0


def test_colon_e_opens_the_editor_and_comes_back(decks, terminals, tmp_path):
    record = tmp_path / "editor-args.json"
    editor = tmp_path / "editor.py"
    editor.write_text(f"import json, sys\nopen({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    term = review(terminals, decks, (80, 24), "--tag", "type::basic", env={"EDITOR": f"{sys.executable} {editor}"})
    term.wait_for("show answer")
    term.press(":e")
    back = term.wait_for("Saved edits reach the review store")
    once(back, "Which format lets Athena read only some columns?")
    assert json.loads(record.read_text()) == ["+7", str((decks / "demo" / "d1.md").resolve())]
    term.press(":q")
    assert term.finish() == 0


def test_plain_keeps_the_transcript_in_a_terminal(decks, terminals):
    term = review(terminals, decks, (80, 24), "--tag", "type::basic", "--plain")
    term.wait_for("space/enter: show answer · :u undo")
    term.press(" 3:q")
    term.wait_for("Studied 1 card")
    assert term.finish() == 0
    assert "fmt-1/card · " in term.output_text() and "Good: next in 10m." in term.output_text()


def test_smoke_under_tmux(decks, tmux, tmp_path):
    """The real `srscards review` in tmux at 80x24, keys sent and the pane read back as a person sees it."""
    socket = str(tmp_path / "tmux.sock")
    command = " ".join(
        [*(f"'{part}'" for part in CLI), "review", str(decks), "--now", DAY1, "--no-fuzz", "--tag", "type::cloze"]
    )
    env = {**os.environ, "TZ": "UTC", "HOME": str(decks.parent)}
    env.pop("TMUX", None)

    def tmux_run(*args: str) -> str:
        return subprocess.run([tmux, "-S", socket, *args], env=env, capture_output=True, text=True, check=True).stdout

    def pane_when(text: str) -> str:
        deadline = time.monotonic() + 60
        while text not in (pane := tmux_run("capture-pane", "-p", "-t", "review")):
            assert time.monotonic() < deadline, pane
            time.sleep(0.1)
        return pane

    tmux_run("new-session", "-d", "-s", "review", "-x", "80", "-y", "24", f"{command}; sleep 30")
    try:
        front = pane_when("show answer")
        assert front.count("Maps values into [...] using the minimum and maximum.") == 1
        tmux_run("send-keys", "-t", "review", "Space")
        answer = pane_when("3 Good 10m")
        assert "[0 to 1]" in answer and "[...]" not in answer
        tmux_run("send-keys", "-t", "review", "3")
        pane_when("Last card: Good, next in 10m.")
        tmux_run("send-keys", "-t", "review", ":", "q")
        done = pane_when("Studied 1 card")
        assert "Maps values into" not in done  # the full screen is gone, the summary stays
    finally:
        subprocess.run([tmux, "-S", socket, "kill-server"], env=env, capture_output=True)
