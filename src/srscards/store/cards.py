"""The cards of the review store: syncing them with the sources, reading them, burying and suspending."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any

from srscards.model.card import Card
from srscards.model.course import CourseSources
from srscards.scheduling.load_balance import LOAD_BALANCE_DAYS, DueLoad
from srscards.scheduling.scheduler import Memory, day_begins, from_ms, to_ms
from srscards.store.base import CARD_COLUMNS, StoreBase, StoreError, memory_values
from srscards.store.migrations import FIRST_TASK
from srscards.store.records import (
    CardSummary,
    Orphan,
    StoredCard,
    SyncReport,
    row_to_card,
)


class CardTable(StoreBase):
    """The cards of the review store: a part of `Store`."""

    def source_fingerprint(self, root: str) -> tuple[str, list[str]] | None:
        """The fingerprint and course ids of a source folder at its last sync."""
        with self._guard():
            row = self._conn.execute("SELECT fingerprint, courses FROM source_roots WHERE root = ?", (root,)).fetchone()
        return None if row is None else (row[0], json.loads(row[1]))

    def sync(
        self, courses: Sequence[CourseSources], now: datetime, root: str = "", fingerprint: str = ""
    ) -> SyncReport:
        """Match the store to the sources: add new cards, update edited ones, retire removed ones.

        Cards are matched by course, id and variant; state and history stay with the id.
        Retired cards keep their rows and history and come back if their id returns.
        """
        now_ms = to_ms(now)
        added = updated = retired = revived = 0
        with self._write() as db:
            for sources in courses:
                course = sources.course.id
                existing = {
                    (r[1], r[2]): r
                    for r in db.execute(
                        "SELECT id, note, variant, type, deck, domain, tasks, tags, exam, path, line, position, "
                        "retired_at FROM cards WHERE course = ?",
                        (course,),
                    )
                }
                digests = dict(db.execute("SELECT note, digest FROM notes WHERE course = ?", (course,)).fetchall())
                seen = set()
                edited: set[str] = set()
                position = 0
                resolved: dict[Path, str] = {}
                for card in sources.cards:
                    digest = card.digest or json.dumps(card.to_dict(), sort_keys=True)
                    if digests.get(card.id) and digests[card.id] != digest:  # "" after a migration: not an edit
                        edited.add(card.id)
                    if digests.get(card.id) != digest:  # the content is serialised only when it is stored
                        db.execute(
                            "INSERT OR REPLACE INTO notes (course, note, digest, content) VALUES (?, ?, ?, ?)",
                            (course, card.id, digest, json.dumps(card.to_dict())),
                        )
                    for variant in card.variants:
                        position += 1
                        seen.add((card.id, variant))
                        values = (
                            str(card.type),
                            card.deck,
                            card.domain,
                            " ".join(card.tasks),
                            " ".join(card.tags),
                            card.exam,
                            resolved.get(card.location.path) or _resolved(resolved, card.location.path),
                            card.location.line,
                            position,
                        )
                        row = existing.get((card.id, variant))
                        if row is None:
                            db.execute(
                                "INSERT INTO cards (course, note, variant, type, deck, domain, tasks, tags, exam, "
                                "path, line, position, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (course, card.id, variant, *values, now_ms),
                            )
                            added += 1
                        elif tuple(row[3:12]) != values or row[12] is not None:
                            db.execute(
                                "UPDATE cards SET type = ?, deck = ?, domain = ?, tasks = ?, tags = ?, exam = ?, "
                                "path = ?, line = ?, position = ?, retired_at = NULL WHERE id = ?",
                                (*values, row[0]),
                            )
                            if row[12] is not None:
                                revived += 1
                            elif tuple(row[3:9]) != values[:6]:
                                edited.add(card.id)
                gone = [r[0] for key, r in existing.items() if key not in seen and r[12] is None]
                db.executemany("UPDATE cards SET retired_at = ? WHERE id = ?", [(now_ms, i) for i in gone])
                retired += len(gone)
                updated += len(edited)
            if root:
                db.execute(
                    "INSERT OR REPLACE INTO source_roots (root, fingerprint, courses, synced_at) VALUES (?, ?, ?, ?)",
                    (root, fingerprint, json.dumps([s.course.id for s in courses]), now_ms),
                )
        return SyncReport(added, updated, retired, revived)

    def course_ids(self) -> list[str]:
        """Every course with cards in the store."""
        with self._guard():
            return [r[0] for r in self._conn.execute("SELECT DISTINCT course FROM cards ORDER BY course")]

    def cards(self, courses: Sequence[str], include_retired: bool = False) -> list[StoredCard]:
        """Every card of the given courses (retired ones only when asked)."""
        marks = ",".join("?" * len(courses))
        retired = "" if include_retired else " AND retired_at IS NULL"
        with self._guard():
            query = f"SELECT {CARD_COLUMNS} FROM cards WHERE course IN ({marks}){retired} ORDER BY position"
            rows = self._conn.execute(query, tuple(courses)).fetchall()
        return [row_to_card(r) for r in rows]

    def due_cards(self, courses: Sequence[str], before: datetime) -> list[StoredCard]:
        """Cards in learning or review, due before `before`, neither suspended nor retired."""
        marks = ",".join("?" * len(courses))
        query = (
            f"SELECT {CARD_COLUMNS} FROM cards INDEXED BY cards_due WHERE state > 0 AND due < ? "
            f"AND retired_at IS NULL AND suspended = 0 AND course IN ({marks})"
        )
        with self._guard():
            rows = self._conn.execute(query, (to_ms(before), *courses)).fetchall()
        return [row_to_card(r) for r in rows]

    def due_load(self, today: int, day_start: time, notes: bool = False) -> DueLoad:
        """The cards due on each of the next `LOAD_BALANCE_DAYS` study days from `today`, in any course
        and not retired (learning and review cards, suspended and buried ones too, as Anki's load
        balancer counts every card whose due day falls there): the load it evens out. Two indexed
        queries (active and suspended cards); with `notes`, each day's notes too (for sibling burying)."""
        starts = [to_ms(day_begins(today + i, day_start)) for i in range(LOAD_BALANCE_DAYS + 1)]
        where = "state > 0 AND due >= ? AND due < ? AND retired_at IS NULL AND suspended = {}"
        rows = []
        for index, suspended in (("cards_due", 0), ("cards_suspended_due", 1)):
            if notes:
                query = f"SELECT due, course || '/' || note, 1 FROM cards INDEXED BY {index} WHERE {where}"
            else:  # review cards fall due at a day start: a few hundred distinct times at most
                query = f"SELECT due, NULL, COUNT(*) FROM cards INDEXED BY {index} WHERE {where} GROUP BY due"
            with self._guard():
                rows += self._conn.execute(query.format(suspended), (starts[0], starts[-1])).fetchall()
        load = DueLoad(today)
        for due, note, count in rows:
            load.add(today + bisect_right(starts, due) - 1, note, count)
        return load

    def new_cards(self, courses: Sequence[str]) -> Iterator[StoredCard]:
        """New cards in source order, read as they are taken (a day needs only a few of them)."""
        for course in courses:
            query = (
                f"SELECT {CARD_COLUMNS} FROM cards INDEXED BY cards_new WHERE course = ? AND state = 0 "
                "AND retired_at IS NULL AND suspended = 0 ORDER BY position"
            )
            with self._guard():
                cursor = self._conn.execute(query, (course,))
            while True:
                with self._guard():
                    rows = cursor.fetchmany(64)
                if not rows:
                    break
                yield from (row_to_card(r) for r in rows)

    def new_cards_by_task(
        self, courses: Sequence[str], per_task: int, want: int = 0
    ) -> tuple[list[tuple[int, StoredCard]], bool]:
        """The first `per_task` new cards of each task statement (a card's first one) of each course, in
        source order within it, each with its rank there (0 for the first); and whether some task
        statement holds more. With `want`, at least enough of each to give `want` cards in turns.
        Index seeks only: one for each task statement, one for its first cards."""
        new = (
            "FROM cards INDEXED BY cards_new_task WHERE course = ? AND state = 0 AND retired_at IS NULL "
            "AND suspended = 0"
        )
        groups: list[tuple[str, str]] = []
        with self._guard():
            for course in courses:
                task: str | None = None
                while True:
                    after = "" if task is None else f" AND {FIRST_TASK} > ?"
                    row = self._conn.execute(
                        f"SELECT {FIRST_TASK} {new}{after} ORDER BY {FIRST_TASK} LIMIT 1",
                        (course,) if task is None else (course, task),
                    ).fetchone()
                    if row is None:
                        break
                    task = row[0]
                    groups.append((course, row[0]))
            if groups and want:
                per_task = max(per_task, -(-want // len(groups)) + 1)
            cards: list[tuple[int, StoredCard]] = []
            more = False
            for course, task in groups:
                rows = self._conn.execute(
                    f"SELECT {CARD_COLUMNS} {new} AND {FIRST_TASK} = ? ORDER BY position LIMIT ?",
                    (course, task, per_task + 1),
                ).fetchall()
                more = more or len(rows) > per_task
                cards += [(rank, row_to_card(r)) for rank, r in enumerate(rows[:per_task])]
        return cards, more

    def concepts(self, course: str, notes: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The concept notes each of `notes` lists (`concepts:` of a question), for those that list any."""
        found: dict[str, tuple[str, ...]] = {}
        for start in range(0, len(notes), 500):
            chunk = notes[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = (
                "SELECT note, json_extract(content, '$.concepts') FROM notes WHERE course = ? "
                f"AND note IN ({marks}) AND json_array_length(content, '$.concepts') > 0"
            )
            with self._guard():
                rows = self._conn.execute(query, (course, *chunk)).fetchall()
            found.update((note, tuple(json.loads(listed))) for note, listed in rows)
        return found

    def concept_links(self, course: str) -> dict[str, tuple[str, ...]]:
        """The concept notes of every note of `course` that lists any (the course's questions)."""
        query = (
            "SELECT note, json_extract(content, '$.concepts') FROM notes WHERE course = ? "
            "AND json_array_length(content, '$.concepts') > 0"
        )
        with self._guard():
            rows = self._conn.execute(query, (course,)).fetchall()
        return {note: tuple(json.loads(listed)) for note, listed in rows}

    def card(self, card_id: int) -> StoredCard:
        with self._guard():
            row = self._conn.execute(f"SELECT {CARD_COLUMNS} FROM cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: card {card_id} is not in the store")
        return row_to_card(row)

    def content(self, course: str, note: str) -> Card | None:
        """The note as last synced from the sources, so a session never parses them again."""
        with self._guard():
            query = "SELECT content FROM notes WHERE course = ? AND note = ?"
            row = self._conn.execute(query, (course, note)).fetchone()
        return None if row is None else Card.from_dict(json.loads(row[0]))

    def contents(self, course: str, types: Sequence[str] = (), notes: Sequence[str] | None = None) -> list[Card]:
        """The course's notes as last synced, in source order, retired ones left out: only the
        notes of `types` when given, only the ids in `notes` when given (exams read their bank here)."""
        where, params = ["course = ?", "retired_at IS NULL"], [course]
        if types:
            where.append(f"type IN ({','.join('?' * len(types))})")
            params += list(types)
        if notes is not None:
            if not notes:
                return []
            where.append(f"note IN ({','.join('?' * len(notes))})")
            params += list(notes)
        query = (
            "SELECT n.content FROM notes n JOIN (SELECT note, min(position) AS first FROM cards "
            f"WHERE {' AND '.join(where)} GROUP BY note) c ON c.note = n.note WHERE n.course = ? ORDER BY c.first"
        )
        with self._guard():
            rows = self._conn.execute(query, (*params, course)).fetchall()
        return [Card.from_dict(json.loads(r[0])) for r in rows]

    def card_summaries(self, courses: Sequence[str]) -> list[CardSummary]:
        """Every card of `courses`, retired ones included, with only what metrics need."""
        marks = ",".join("?" * len(courses))
        with self._guard():
            return self._conn.execute(
                "SELECT id, domain, tasks, state, stability, due, last_review, suspended, retired_at IS NOT NULL "
                f"FROM cards WHERE course IN ({marks})",
                tuple(courses),
            ).fetchall()

    def card_groups(self, courses: Sequence[str]) -> list[tuple[int | None, str, str]]:
        """(domain, tasks, the ids of its cards separated by commas) per domain and tasks of `courses`' cards."""
        marks = ",".join("?" * len(courses))
        with self._guard():
            return self._conn.execute(
                f"SELECT domain, tasks, group_concat(id) FROM cards WHERE course IN ({marks}) GROUP BY domain, tasks",
                tuple(courses),
            ).fetchall()

    def state_figures(
        self, courses: Sequence[str], next_s: int, target_day: int, today: int, curve: tuple[float, float]
    ) -> list[tuple[int | None, str, str, int, int, float, int, int]]:
        """Cards of `courses` counted per domain, tasks and state column (new, learning, review,
        suspended, retired), with the figures of the studied ones (not new, not retired, with a
        stability and a last answer) 30 days on: (domain, tasks, column, cards, studied, sum of
        recall on `target_day`, stability of 30 days or more, recall of 90% or more).

        A card's last answer falls on `today - floor((next_s - last_s) / 86400)`, Anki's day count
        (`scheduler.DayCount`); recall is fsrs's curve `(1 + factor * days / stability) ** decay`
        over the days from then to `target_day` (none when negative).
        """
        marks = ",".join("?" * len(courses))
        factor, decay = curve
        back = _floor_div("(:next_s - last_review / 1000)", 86400)
        query = f"""
            SELECT domain, tasks, kind, count(*), count(recall), coalesce(sum(recall), 0.0),
                   coalesce(sum(recall IS NOT NULL AND stability >= 30), 0), coalesce(sum(recall >= 0.9), 0)
            FROM (
                SELECT domain, tasks, stability,
                       CASE WHEN retired_at IS NOT NULL THEN 'retired' WHEN suspended THEN 'suspended'
                            WHEN state = 0 THEN 'new' WHEN state = 2 THEN 'review' ELSE 'learning' END AS kind,
                       CASE WHEN retired_at IS NULL AND state != 0 AND stability IS NOT NULL
                                 AND last_review IS NOT NULL
                            THEN pow(1 + :factor * max(:target - (:today - {back}), 0) / stability, :decay) END
                           AS recall
                FROM cards WHERE course IN ({marks})
            ) GROUP BY domain, tasks, kind
        """
        names = {f"c{i}": c for i, c in enumerate(courses)}
        query = query.replace(f"IN ({marks})", "IN (" + ",".join(f":{n}" for n in names) + ")")
        with self._guard():
            return self._conn.execute(
                query, {"next_s": next_s, "factor": factor, "decay": decay, "target": target_day, "today": today,
                        **names},
            ).fetchall()  # fmt: skip

    def due_counts(self, courses: Sequence[str], before_ms: int) -> list[tuple[int, int]]:
        """(due in ms, cards) of the studied, active cards of `courses` due before `before_ms`."""
        marks = ",".join("?" * len(courses))
        with self._guard():
            return self._conn.execute(
                "SELECT due, count(*) FROM cards WHERE retired_at IS NULL AND NOT suspended AND state != 0 "
                f"AND stability IS NOT NULL AND last_review IS NOT NULL AND due < ? AND course IN ({marks}) "
                "GROUP BY due",
                (before_ms, *courses),
            ).fetchall()

    def orphans(self) -> list[Orphan]:
        """Cards whose id left the sources: kept with their history, never shown."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT c.course, c.note, c.variant, c.path, c.line, c.retired_at, "
                "(SELECT count(*) FROM reviews r WHERE r.card = c.id AND r.id NOT IN (SELECT review FROM undone)) "
                "FROM cards c WHERE c.retired_at IS NOT NULL ORDER BY c.course, c.path, c.line, c.variant"
            ).fetchall()
        return [Orphan(r[0], r[1], r[2], r[3], r[4], from_ms(r[5]), r[6]) for r in rows]  # type: ignore[arg-type]

    def bury(self, card_id: int, until_day: int) -> None:
        """Hide a card until study day `until_day` begins."""
        with self._write() as db:
            db.execute("UPDATE cards SET buried_day = ? WHERE id = ?", (until_day, card_id))

    def set_suspended(self, card_id: int, suspended: bool = True) -> None:
        with self._write() as db:
            db.execute("UPDATE cards SET suspended = ? WHERE id = ?", (int(suspended), card_id))

    def set_memory(self, card_id: int, memory: Memory) -> None:
        """Overwrite a card's state columns (used when recomputing them from the log)."""
        with self._write() as db:
            db.execute(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ?",
                (*memory_values(memory), card_id),
            )

    def state_values(self, courses: Sequence[str]) -> list[tuple[Any, ...]]:
        """(id, then the state columns as `memory_values` gives them) of every card of the courses,
        retired ones included, in course order: what a recompute of every card reads, without the
        rest of each card's row."""
        marks = ",".join("?" * len(courses))
        query = (
            "SELECT id, state, step, stability, difficulty, due, last_review, reps, lapses FROM cards "
            f"WHERE course IN ({marks}) ORDER BY position"
        )
        with self._guard():
            return self._conn.execute(query, tuple(courses)).fetchall()

    def card_keys(self, ids: Sequence[int]) -> list[tuple[int, str]]:
        """(id, key: course/note/variant) of the given cards."""
        keys: list[tuple[int, str]] = []
        with self._guard():
            for at in range(0, len(ids), 500):
                chunk = ids[at : at + 500]
                keys += self._conn.execute(
                    f"SELECT id, course || '/' || note || '/' || variant FROM cards WHERE id IN "
                    f"({','.join('?' * len(chunk))})",
                    tuple(chunk),
                ).fetchall()
        return keys

    def set_state_values(self, rows: Sequence[tuple[Any, ...]], memories: Sequence[tuple[Any, ...]] = ()) -> None:
        """Overwrite many cards' state columns in one transaction, from (state columns as
        `memory_values` gives them, card id) rows, and the stability and difficulty alone of the
        cards in `memories` (stability, difficulty, card id)."""
        with self._write() as db:
            db.executemany(
                "UPDATE cards SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, last_review = ?, "
                "reps = ?, lapses = ? WHERE id = ?",
                rows,
            )
            db.executemany("UPDATE cards SET stability = ?, difficulty = ? WHERE id = ?", memories)


def _resolved(cache: dict[Path, str], path: Path) -> str:
    cache[path] = str(path.resolve())
    return cache[path]


def _floor_div(expr: str, divisor: int) -> str:
    """SQL for `floor(expr / divisor)` of an integer (SQLite's `/` rounds toward zero)."""
    return f"(({expr}) - ((({expr}) % {divisor}) + {divisor}) % {divisor}) / {divisor}"
