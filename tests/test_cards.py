"""`srscards cards` as a learner uses it: find cards, read their state, suspend and get them back, undo."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from conftest import run as run_cli
from deck_fixture import demo_deck
from srscards.scheduling.scheduler import Rating, Scheduler, Settings, State
from srscards.store.store import Store
from srscards.study.recompute import recompute_states

DAY1 = "2026-11-27T10:00:00+00:00"
DAY1_LATER = "2026-11-27T10:30:00+00:00"
DAY2 = "2026-11-28T10:00:00+00:00"
DAY2_LATER = "2026-11-28T11:00:00+00:00"
DAY4 = "2026-11-30T10:00:00+00:00"
DECK = demo_deck(
    """\
### Managed NFS for training data
<!-- id: q-1 -->

Which service is a managed NFS file system?

- [ ] Amazon S3
  Object storage, not a file system.
- [x] Amazon EFS
  Managed NFS that many instances mount at once.
""",
)

pytestmark = pytest.mark.usefixtures("utc")


def run(*args: str, keys: str | None = None):
    return run_cli(*args, input=keys)


def cards(root: Path, *args: str, when: str = DAY1):
    return run("cards", "--decks", str(root), "--now", when, *args)


def review(root: Path, keys: str, *args: str, when: str = DAY1):
    return run("review", str(root), "--now", when, "--no-fuzz", *args, keys=keys)


def store() -> Store:
    return Store.open(Path(os.environ["SRSCARDS_HOME"]))


def test_the_list_shows_every_card_with_its_state(course):
    course.write("d1.md", DECK)
    review(course.root, "3")  # fmt-1: Good, learning, due in 10 minutes
    result = cards(course.root, when=DAY1_LATER)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "id        state     due         stab.  diff.  recall  front\n"
        "fmt-1     learning  2026-11-27   2.3d    2.1    100%  Which format lets Athena read only some columns?\n"
        "clz-1/c1  new       -               -      -       -  Min-max scaling Maps values into [...] using the "
        "minimum and maximum.\n"
        "clz-1/c2  new       -               -      -       -  Min-max scaling Maps values into 0 to 1 using the "
        "[...].\n"
        "q-1       new       -               -      -       -  Which service is a managed NFS file system?\n"
        "4 cards.\n"
    )


def test_search_by_words_id_tag_domain_and_fields(course):
    course.write("d1.md", DECK)
    cards(course.root)

    def ids(*args: str) -> list[str]:
        result = cards(course.root, *args, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert data["count"] == len(data["cards"])
        return [c["id"] for c in data["cards"]]

    assert ids("athena") == ["fmt-1"]
    assert ids("MIN-MAX", "maximum") == ["clz-1/c1", "clz-1/c2"]
    assert ids("type::cloze") == ["clz-1/c1", "clz-1/c2"]
    assert ids("tag:type::choice") == ["q-1"]
    assert ids("--tag", "type::cloze") == ["clz-1/c1", "clz-1/c2"]
    assert ids("domain:1", "nfs") == ["q-1"]
    assert ids("task:1.1", "type:basic") == ["fmt-1"]
    assert ids("id:clz-1") == ["clz-1/c1", "clz-1/c2"]
    assert ids("state:review") == []
    result = cards(course.root, "nothing-like-this")
    assert (result.exit_code, result.output) == (0, "No card matches (the store holds 4 cards).\n")
    result = cards(course.root, "colour:red")
    assert result.exit_code == 1
    assert result.output == (
        "Error: colour: is not a search field; use one of id:, tag:, domain:, task:, deck:, type:, state:, exam:\n"
    )


def test_one_card_by_its_id_reads_like_ankis_card_info(course):
    course.write("d1.md", DECK)
    review(course.root, "31")  # fmt-1 Good, then clz-1/c1 Again
    review(course.root, " 3 3 3", when=DAY2)
    result = cards(course.root, "fmt-1", "--json", when=DAY2)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["fmt-1"]
    info = data["fmt-1"]
    with store() as s:
        card = next(c for c in s.cards(["aws-mla"]) if c.note == "fmt-1")
    scheduler = Scheduler(Settings(fuzz=False))
    assert info["state"] == "review" and card.memory.state is State.REVIEW
    assert info["stability_days"] == round(card.memory.stability, 2)
    assert info["difficulty"] == round(card.memory.difficulty, 2)
    assert info["retrievability"] == round(scheduler.retrievability(card.memory, card.memory.last_review), 4)
    days = scheduler.interval(card.memory, card.memory.last_review).days
    due_day = f"{card.memory.due:%Y-%m-%d}"
    assert info["due_day"] == due_day and days > 1
    assert (info["reps"], info["lapses"], info["suspended"], info["buried"]) == (2, 0, False, False)
    assert info["tags"] == ["domain::1", "exam::both", "task::1.1", "type::basic"]
    assert [(h["kind"], h["rating"], h["interval_days"]) for h in info["history"]] == [
        ("answer", "good", None),
        ("answer", "good", days),
    ]
    result = cards(course.root, "fmt-1", when=DAY4)
    path = course.path / "d1.md"
    assert result.output == (
        "fmt-1 · basic · AWS ML Engineer Associate::1 Data Preparation for ML and AI\n"
        "Which format lets Athena read only some columns?\n"
        "  state          review\n"
        f"  due            {due_day}\n"
        f"  stability      {card.memory.stability:.2f} days\n"
        f"  difficulty     {card.memory.difficulty:.2f} of 10\n"
        f"  retrievability {scheduler.retrievability(card.memory, datetime.fromisoformat(DAY4)):.1%}\n"
        "  reviews        2 answers, 0 lapses\n"
        "  tags           domain::1 exam::both task::1.1 type::basic\n"
        f"  source         {path.resolve()}:7\n"
        "  history\n"
        "    2026-11-27 10:00  answer good  [review]\n"
        f"    2026-11-28 10:00  answer good, next in {days} days  [review]\n"
    )


def test_suspend_by_mistake_and_get_it_back(course):
    course.write("d1.md", DECK)
    result = review(course.root, ":s")  # fmt-1 suspended by mistake in review
    assert "Suspended.\n" in result.output
    result = cards(course.root, "--suspended")
    assert result.output == (
        "id     state           due  stab.  diff.  recall  front\n"
        "fmt-1  new, suspended  -        -      -       -  Which format lets Athena read only some columns?\n"
        "1 card.\n"
    )
    result = cards(course.root, "unsuspend", "fmt-1")
    assert (result.exit_code, result.output) == (0, "fmt-1: unsuspended\nUndo with: srscards cards suspend fmt-1\n")
    result = cards(course.root, "unsuspend", "fmt-1")
    assert (result.exit_code, result.output) == (0, "fmt-1: not suspended, nothing to do\n")
    result = review(course.root, ":q")
    assert "fmt-1/card" in result.output  # back in today's review
    result = cards(course.root, "suspend", "clz-1", "q-1")
    assert result.output == (
        "clz-1/c1: suspended\nclz-1/c2: suspended\nq-1: suspended\n"
        "Undo with: srscards cards suspend clz-1/c1 clz-1/c2 q-1\n".replace("suspend clz", "unsuspend clz")
    )
    with store() as s:
        assert [c.key for c in s.cards(["aws-mla"]) if c.suspended] == [
            "aws-mla/clz-1/c1",
            "aws-mla/clz-1/c2",
            "aws-mla/q-1/card",
        ]
        actions = [(a.action, a.origin, a.undone_at is None) for a in s.actions()]
    assert actions == [
        ("suspend", "review", True),
        ("unsuspend", "cards", True),
        ("suspend", "cards", True),
        ("suspend", "cards", True),
        ("suspend", "cards", True),
    ]


def test_unbury_brings_a_card_back_today(course):
    course.write("d1.md", DECK)
    review(course.root, ":b")
    assert cards(course.root, "--buried", "--json").output.count('"id"') == 1
    result = cards(course.root, "unbury", "fmt-1")
    assert (result.exit_code, result.output) == (0, "fmt-1: unburied\n")
    assert "fmt-1/card" in review(course.root, ":q").output
    result = cards(course.root, "unbury", "fmt-1")
    assert result.output == "fmt-1: not buried, nothing to do\n"


def test_forget_starts_a_card_again_keeps_its_history_and_can_be_undone(course):
    course.write("d1.md", DECK)
    review(course.root, "3")
    review(course.root, "3", when=DAY2)
    result = cards(course.root, "forget", "fmt-1", when=DAY2_LATER)
    assert result.output == (
        "fmt-1: forgotten (it is a new card again)\n"
        "The answers before stay in the history; the card starts again as new.\n"
        "Undo with: srscards cards undo\n"
    )
    with store() as s:
        card = next(c for c in s.cards(["aws-mla"]) if c.note == "fmt-1")
        assert (card.memory.state, card.memory.reps) == (State.NEW, 0)
        assert len(s.log(card.id)) == 2  # the answers stay in the log
        # recomputing states from the log honours the forget
        assert (
            recompute_states(s, Scheduler(Settings(fuzz=False)), ["aws-mla"], datetime.fromisoformat(DAY2_LATER)).moved
            == 0
        )
    result = cards(course.root, "fmt-1", when=DAY2_LATER)
    assert result.output.endswith(
        "  history\n"
        "    2026-11-27 10:00  answer good  [review]\n"
        "    2026-11-28 10:00  answer good, next in 7 days  [review]\n"
        "    2026-11-28 11:00  forget  [cards]\n"
    )
    result = cards(course.root, "undo", when=DAY2_LATER)
    assert (result.exit_code, result.output) == (0, "Undone: forget of fmt-1.\n")
    with store() as s:
        card = next(c for c in s.cards(["aws-mla"]) if c.note == "fmt-1")
        assert (card.memory.state, card.memory.reps) == (State.REVIEW, 2)
        assert (
            recompute_states(s, Scheduler(Settings(fuzz=False)), ["aws-mla"], datetime.fromisoformat(DAY2_LATER)).moved
            == 0
        )
    result = cards(course.root, "undo", when=DAY2_LATER)
    assert result.output == "Nothing to undo: no card change is left to take back.\n"
    history = cards(course.root, "fmt-1", when=DAY2_LATER).output
    assert history.endswith("    2026-11-28 11:00  forget (undone)  [cards]\n")


def test_unknown_ids_change_nothing(course):
    course.write("d1.md", DECK)
    cards(course.root)
    result = cards(course.root, "suspend", "fmt-1", "nope", "q-9")
    assert result.exit_code == 1
    assert result.output == (
        "Error: no card with id nope, q-9 in the review store; srscards cards lists the ids "
        "(search with srscards cards WORDS)\n"
    )
    result = cards(course.root, "suspend")
    assert result.exit_code == 2
    assert result.output.endswith("Error: give the ids of the cards to suspend, e.g. srscards cards suspend fmt-1\n")
    with store() as s:
        assert not any(c.suspended for c in s.cards(["aws-mla"]))
        assert s.actions() == []


def test_u_after_a_bury_undoes_the_bury(course):
    course.write("d1.md", DECK)
    result = review(course.root, "3:b:u")
    assert "Buried until tomorrow.\n" in result.output
    assert "Undone: clz-1/c1 comes back.\n" in result.output
    with store() as s:
        by_key = {c.key: c for c in s.cards(["aws-mla"])}
        assert by_key["aws-mla/clz-1/c1"].buried_day is None
        assert by_key["aws-mla/fmt-1/card"].memory.reps == 1  # the answer before the bury stays
        assert [(a.action, a.undone_at is not None) for a in s.actions()] == [("bury", True)]
    result = review(course.root, ":s:u:u3")  # suspend, undo it; a new session cannot undo the last one's answers
    assert "Suspended.\n" in result.output
    assert result.output.count("Undone: clz-1/c1 comes back.\n") == 1
    assert "Nothing to undo.\n" in result.output
    with store() as s:
        assert not any(c.suspended for c in s.cards(["aws-mla"]))
        assert [(a.action, a.undone_at is not None) for a in s.actions()] == [("bury", True), ("suspend", True)]


def test_the_action_log_is_append_only(course):
    course.write("d1.md", DECK)
    review(course.root, ":s")
    with store() as s:
        for statement in ("UPDATE card_actions SET action = 'bury'", "DELETE FROM card_actions"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                s._conn.execute(statement)


def test_undo_of_an_answer_still_works_after_actions(course):
    course.write("d1.md", DECK)
    result = review(course.root, "3:u4")
    assert "Undone: fmt-1/card comes back.\n" in result.output
    with store() as s:
        assert [r.rating for r in s.log()] == [Rating.EASY]


def test_a_store_of_the_previous_release_gains_the_action_log_and_keeps_its_cards(course, tmp_path, monkeypatch):
    from srscards.store.store import STORE_FILE

    monkeypatch.chdir(tmp_path)  # no decks/ folder here: the store is read as it is
    course.write("d1.md", DECK)
    path = tmp_path / STORE_FILE
    old = Store(path, sqlite3.connect(path, isolation_level=None))
    old.migrate(8)
    old._conn.execute(
        "INSERT INTO cards (course, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
        "added_at, suspended) VALUES ('aws-mla', 'fmt-1', 'card', 'basic', 'D', 1, '1.1', '', 'both', 'd1.md', 7, 1, "
        "0, 1)"
    )
    old.close()
    result = run("cards", "--home", str(tmp_path), "unsuspend", "fmt-1")
    assert (result.exit_code, result.output) == (0, "fmt-1: unsuspended\nUndo with: srscards cards suspend fmt-1\n")
    with Store.open(tmp_path) as s:
        assert s.version >= 9
        assert [(a.action, a.before.suspended, a.after.suspended) for a in s.actions()] == [("unsuspend", True, False)]
