"""The review store's schema: numbered migrations, applied in order to a blank or older file.

A migration is never edited once released; a change to the schema is a new migration.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

Migration = str | Callable[[sqlite3.Connection], None]


def _notes_as_cards(conn: sqlite3.Connection) -> None:
    """Note content kept in `Card.to_dict` form (the one card model) instead of a display-only dict.

    The old dict holds the Markdown the terminal shows; it becomes a card with empty HTML until the
    next sync with the sources writes the whole card (an empty digest asks for that, without
    counting the note as edited).
    """
    variants: dict[tuple[str, str], list[str]] = {}
    for course, note, variant in conn.execute("SELECT course, note, variant FROM cards"):
        variants.setdefault((course, note), []).append(variant)
    rows = conn.execute("SELECT course, note, content FROM notes").fetchall()
    for course, note, content in rows:
        card = _card_from_display(note, json.loads(content), variants.get((course, note), []))
        conn.execute(
            "UPDATE notes SET content = ?, digest = '' WHERE course = ? AND note = ?",
            (json.dumps(card), course, note),
        )


def _card_from_display(note: str, old: dict[str, Any], variants: list[str]) -> dict[str, Any]:
    def frag(md: str) -> list[str]:
        return [md or "", ""]

    return {
        "id": note,
        "type": old.get("type", "basic"),
        "title": frag(old.get("title", "")),
        "prompt": frag(old.get("prompt", "")),
        "answer": frag(old.get("answer", "")),
        "extra": frag(old.get("extra", "")),
        "options": [[t, "", bool(c), e, ""] for t, c, e in old.get("options", [])],
        "steps": [frag(s) for s in old.get("steps", [])],
        "pairs": [[a, "", b, ""] for a, b in old.get("pairs", [])],
        "pair_headers": list(old.get("pair_headers", ["", ""])),
        "cloze_numbers": sorted(int(v[1:]) for v in variants if v[:1] == "c" and v[1:].isdigit()),
        "domain": None,
        "deck": "",
        "tasks": [],
        "tags": [],
        "exam": "both",
        "lab": "",
        "cheatsheet": False,
        "source": old.get("source", ""),
        "difficulty": "",
        "concepts": [],
        "media": [],
        "location": [old.get("path", ""), old.get("line", 1), 1],
        "digest": "",
    }


MIGRATIONS: tuple[Migration, ...] = (
    # 1: cards with their current state, note content for display, the review log.
    """
    CREATE TABLE cards (
        id INTEGER PRIMARY KEY,
        course TEXT NOT NULL,
        note TEXT NOT NULL,
        variant TEXT NOT NULL,
        type TEXT NOT NULL,
        deck TEXT NOT NULL,
        domain INTEGER,
        tasks TEXT NOT NULL,
        tags TEXT NOT NULL,
        exam TEXT NOT NULL,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        position INTEGER NOT NULL,
        added_at INTEGER NOT NULL,
        retired_at INTEGER,
        state INTEGER NOT NULL DEFAULT 0,
        step INTEGER,
        stability REAL,
        difficulty REAL,
        due INTEGER,
        last_review INTEGER,
        reps INTEGER NOT NULL DEFAULT 0,
        lapses INTEGER NOT NULL DEFAULT 0,
        suspended INTEGER NOT NULL DEFAULT 0,
        buried_day INTEGER,
        UNIQUE (course, note, variant)
    );
    CREATE TABLE notes (
        course TEXT NOT NULL,
        note TEXT NOT NULL,
        digest TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (course, note)
    ) WITHOUT ROWID;
    CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        card INTEGER NOT NULL REFERENCES cards (id),
        reviewed_at INTEGER NOT NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
        duration_ms INTEGER,
        origin TEXT NOT NULL CHECK (origin IN ('review', 'exam', 'import')),
        state_before TEXT NOT NULL,
        state_after TEXT NOT NULL
    );
    CREATE INDEX reviews_card ON reviews (card, id);
    """,
    # 2: undo as a record of its own, append-only guards, what each source folder held at its last sync.
    """
    CREATE TABLE undone (
        review INTEGER PRIMARY KEY REFERENCES reviews (id),
        undone_at INTEGER NOT NULL
    );
    CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
    BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
    CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
    BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
    CREATE INDEX reviews_time ON reviews (reviewed_at);
    CREATE TABLE source_roots (
        root TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        courses TEXT NOT NULL,
        synced_at INTEGER NOT NULL
    );
    """,
    # 3: indexes for building today's queue without reading every card.
    """
    CREATE INDEX cards_due ON cards (state, due) WHERE retired_at IS NULL AND suspended = 0;
    CREATE INDEX cards_new ON cards (course, position) WHERE state = 0 AND retired_at IS NULL AND suspended = 0;
    """,
    # 4: completed lab walkthroughs: which lab, on which target, when.
    """
    CREATE TABLE lab_runs (
        id INTEGER PRIMARY KEY,
        lab TEXT NOT NULL,
        target TEXT NOT NULL CHECK (target IN ('emulator', 'aws')),
        completed_at INTEGER NOT NULL
    );
    CREATE INDEX lab_runs_lab ON lab_runs (lab, completed_at);
    """,
    # 5: reviews taken from an Anki collection (keyed by Anki's revlog id, so an import never counts
    # twice) and the FSRS parameters in force from a given moment.
    """
    CREATE TABLE anki_reviews (
        revlog_id INTEGER PRIMARY KEY,
        review INTEGER NOT NULL REFERENCES reviews (id)
    );
    CREATE TABLE fsrs_parameters (
        id INTEGER PRIMARY KEY,
        parameters TEXT NOT NULL,
        since INTEGER NOT NULL,
        reviews INTEGER NOT NULL,
        log_loss REAL,
        rmse_bins REAL
    );
    """,
    # 6: practice exams as sat (one row each, questions and answers as JSON) and the stored study plan.
    """
    CREATE TABLE exams (
        id INTEGER PRIMARY KEY,
        course TEXT NOT NULL,
        profile TEXT NOT NULL,
        mode TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        total INTEGER NOT NULL,
        seconds_used REAL NOT NULL,
        limit_seconds REAL,
        timed_out INTEGER NOT NULL,
        result TEXT NOT NULL
    );
    CREATE INDEX exams_course ON exams (course, finished_at);
    CREATE TABLE study_plans (
        course TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        exam_date TEXT NOT NULL,
        plan TEXT NOT NULL
    );
    """,
    # 7: note content in the card model's own form.
    _notes_as_cards,
    # 8: exams can be discarded (kept, but out of readiness); sittings left part-way, to resume.
    """
    ALTER TABLE exams ADD COLUMN discarded_at INTEGER;
    CREATE TABLE paused_exams (
        id INTEGER PRIMARY KEY,
        course TEXT NOT NULL,
        profile TEXT NOT NULL,
        mode TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        saved_at INTEGER NOT NULL,
        discarded_at INTEGER,
        state TEXT NOT NULL
    );
    CREATE INDEX paused_exams_course ON paused_exams (course, saved_at);
    """,
    # 9: what a learner does to a card besides answering it (suspend, unsuspend, bury, unbury,
    # forget), append-only like the review log, with undo as a record of its own (`review_mark`: the
    # highest review id when the action was taken, so a forget knows which answers it sets aside); and small
    # facts the store remembers between commands (the decks folder used last).
    """
    CREATE TABLE card_actions (
        id INTEGER PRIMARY KEY,
        card INTEGER NOT NULL REFERENCES cards (id),
        acted_at INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('suspend', 'unsuspend', 'bury', 'unbury', 'forget')),
        origin TEXT NOT NULL CHECK (origin IN ('review', 'cards')),
        state_before TEXT NOT NULL,
        state_after TEXT NOT NULL,
        review_mark INTEGER NOT NULL
    );
    CREATE INDEX card_actions_card ON card_actions (card, id);
    CREATE TABLE undone_actions (
        action INTEGER PRIMARY KEY REFERENCES card_actions (id),
        undone_at INTEGER NOT NULL
    );
    CREATE TRIGGER card_actions_no_update BEFORE UPDATE ON card_actions
    BEGIN SELECT RAISE(ABORT, 'the card action log is append-only'); END;
    CREATE TRIGGER card_actions_no_delete BEFORE DELETE ON card_actions
    BEGIN SELECT RAISE(ABORT, 'the card action log is append-only'); END;
    CREATE TABLE remembered (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    """,
    # 10: cards started over (Anki's Forget/Reset): a card's history begins again after its last
    # reset. Keyed by Anki's revlog id when the reset came from Anki, so an import never counts twice.
    # Answers imported from Anki keep their revlog type and the card's interval before them, which
    # Anki's true retention is counted by.
    """
    ALTER TABLE anki_reviews ADD COLUMN kind INTEGER;
    ALTER TABLE anki_reviews ADD COLUMN last_interval INTEGER;
    CREATE TABLE resets (
        id INTEGER PRIMARY KEY,
        card INTEGER NOT NULL REFERENCES cards (id),
        reset_at INTEGER NOT NULL,
        anki_revlog_id INTEGER UNIQUE
    );
    CREATE INDEX resets_card ON resets (card, reset_at);
    CREATE TRIGGER resets_append_only_update BEFORE UPDATE ON resets
    BEGIN
        SELECT RAISE(ABORT, 'resets are append-only');
    END;
    CREATE TRIGGER resets_append_only_delete BEFORE DELETE ON resets
    BEGIN
        SELECT RAISE(ABORT, 'resets are append-only');
    END;
    """,
    # 11: the new cards by their first task statement, so today's queue reads the first few of each
    # (task statements take turns) without reading every new card. The expression is `FIRST_TASK`.
    """
    CREATE INDEX cards_new_task ON cards (course, substr(tasks, 1, instr(tasks || ' ', ' ') - 1), position)
        WHERE state = 0 AND retired_at IS NULL AND suspended = 0;
    """,
    # 12: the review log's numbers, kept as packed columns for metrics (a copy, made and extended
    # by `ReviewLog.answer_columns`; the log stays the record). Each row holds the answers with ids
    # from `first_review` to `last_review`; `last_card` and `last_at` tell the copy from a log that
    # was replaced under it (a store restored from a backup).
    """
    CREATE TABLE answer_columns (
        last_review INTEGER PRIMARY KEY,
        first_review INTEGER NOT NULL,
        answers INTEGER NOT NULL,
        last_card INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    """,
    # 13: suspended cards by due date: Anki's load balancer counts them among the cards due on a day.
    """
    CREATE INDEX cards_suspended_due ON cards (due) WHERE suspended = 1 AND retired_at IS NULL;
    """,
)
# A card's first task statement ('' without one), exactly as index 11 has it, so queries use the index.
FIRST_TASK = "substr(tasks, 1, instr(tasks || ' ', ' ') - 1)"
SCHEMA_VERSION = len(MIGRATIONS)


def statements(script: str) -> list[str]:
    """Split a migration into statements (triggers hold `;` inside BEGIN ... END)."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
