"""Practice exams taken and the study plan."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from srscards.errors import SrsError
from srscards.model.exam_result import ExamResult
from srscards.scheduling.scheduler import from_ms, to_ms
from srscards.store.base import StoreBase
from srscards.store.records import ExamRecord, PausedExam

_EXAM_COLUMNS = "id, course, profile, mode, started_at, finished_at, result, discarded_at"
_PAUSED_COLUMNS = "id, course, profile, mode, started_at, saved_at, state, discarded_at"


class SittingNotFound(SrsError):
    """No stored sitting has the id given."""


def _exam(r: Any) -> ExamRecord:
    data = json.loads(r[6])
    result = ExamResult.from_dict(data if isinstance(data, dict) else {}, mode=r[3], profile=r[2])
    return ExamRecord(r[0], r[1], r[2], r[3], from_ms(r[4]), from_ms(r[5]), result, from_ms(r[7]))  # type: ignore[arg-type]


def _paused(r: Any) -> PausedExam:
    try:
        state = json.loads(r[6])
    except ValueError:
        state = {}  # damaged: listed, and refused with a message when resumed
    if not isinstance(state, dict):
        state = {}
    return PausedExam(r[0], r[1], r[2], r[3], from_ms(r[4]), from_ms(r[5]), state, from_ms(r[7]))  # type: ignore[arg-type]


class ExamTable(StoreBase):
    """Practice exams taken and the study plan: a part of `Store`."""

    def record_exam(
        self,
        course: str,
        profile: str,
        mode: str,
        started: datetime,
        finished: datetime,
        result: ExamResult,
    ) -> int:
        """Keep a finished exam, with every question and answer (`ExamResult.to_dict`)."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO exams (course, profile, mode, started_at, finished_at, correct, total, seconds_used, "
                "limit_seconds, timed_out, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    course,
                    profile,
                    mode,
                    to_ms(started),
                    to_ms(finished),
                    result.correct,
                    result.total,
                    result.seconds_used,
                    result.limit_seconds,
                    int(result.timed_out),
                    json.dumps(result.to_dict()),
                ),
            )
            return int(cursor.lastrowid or 0)

    def exams(self, course: str, include_discarded: bool = False) -> list[ExamRecord]:
        """The exams of a course, oldest first; discarded ones only with `include_discarded`."""
        keep = "" if include_discarded else " AND discarded_at IS NULL"
        with self._guard():
            rows = self._conn.execute(
                f"SELECT {_EXAM_COLUMNS} FROM exams WHERE course = ?{keep} ORDER BY finished_at, id", (course,)
            ).fetchall()
        return [_exam(r) for r in rows]

    def exam(self, exam_id: int) -> ExamRecord:
        """One stored exam, discarded or not."""
        with self._guard():
            row = self._conn.execute(f"SELECT {_EXAM_COLUMNS} FROM exams WHERE id = ?", (exam_id,)).fetchone()
        if row is None:
            raise SittingNotFound(f"no exam has the id {exam_id}; srscards exams lists them")
        return _exam(row)

    def discard_exam(self, exam_id: int, now: datetime) -> ExamRecord:
        """Take an exam out of readiness and the plan; the record stays, marked discarded."""
        record = self.exam(exam_id)
        if record.discarded_at is not None:
            raise SittingNotFound(f"exam {exam_id} was already discarded on {record.discarded_at:%Y-%m-%d}")
        with self._write() as db:
            db.execute("UPDATE exams SET discarded_at = ? WHERE id = ?", (to_ms(now), exam_id))
        return self.exam(exam_id)

    # -- sittings left part-way -----------------------------------------------------------

    def save_paused(
        self,
        course: str,
        profile: str,
        mode: str,
        started: datetime,
        saved: datetime,
        state: dict[str, Any],
        paused_id: int | None = None,
    ) -> int:
        """Keep a sitting left part-way (replacing the row `paused_id` it was resumed from)."""
        with self._write() as db:
            if paused_id is not None:
                db.execute(
                    "UPDATE paused_exams SET saved_at = ?, state = ? WHERE id = ?",
                    (to_ms(saved), json.dumps(state), paused_id),
                )
                return paused_id
            cursor = db.execute(
                "INSERT INTO paused_exams (course, profile, mode, started_at, saved_at, state) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (course, profile, mode, to_ms(started), to_ms(saved), json.dumps(state)),
            )
            return int(cursor.lastrowid or 0)

    def paused_exams(self, course: str, include_discarded: bool = False) -> list[PausedExam]:
        """Sittings of a course left part-way, oldest first."""
        keep = "" if include_discarded else " AND discarded_at IS NULL"
        with self._guard():
            rows = self._conn.execute(
                f"SELECT {_PAUSED_COLUMNS} FROM paused_exams WHERE course = ?{keep} ORDER BY saved_at, id", (course,)
            ).fetchall()
        return [_paused(r) for r in rows]

    def paused_exam(self, paused_id: int) -> PausedExam:
        with self._guard():
            row = self._conn.execute(
                f"SELECT {_PAUSED_COLUMNS} FROM paused_exams WHERE id = ?", (paused_id,)
            ).fetchone()
        if row is None:
            raise SittingNotFound(f"no paused sitting has the id P{paused_id}; srscards exams lists them")
        return _paused(row)

    def finish_paused(self, paused_id: int) -> None:
        """A resumed sitting was submitted (it is an exam now) or ended without answers: it is not paused any more."""
        with self._write() as db:
            db.execute("DELETE FROM paused_exams WHERE id = ?", (paused_id,))

    def discard_paused(self, paused_id: int, now: datetime) -> PausedExam:
        """Set a paused sitting aside: it is kept, marked discarded, and never resumed."""
        paused = self.paused_exam(paused_id)
        if paused.discarded_at is not None:
            raise SittingNotFound(
                f"paused sitting P{paused_id} was already discarded on {paused.discarded_at:%Y-%m-%d}"
            )
        with self._write() as db:
            db.execute("UPDATE paused_exams SET discarded_at = ? WHERE id = ?", (to_ms(now), paused_id))
        return self.paused_exam(paused_id)

    def save_plan(self, course: str, exam_date: str, plan: dict[str, Any], now: datetime) -> None:
        """Store the study plan of a course, replacing the previous one."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO study_plans (course, created_at, exam_date, plan) VALUES (?, ?, ?, ?)",
                (course, to_ms(now), exam_date, json.dumps(plan)),
            )

    def plan(self, course: str) -> dict[str, Any] | None:
        """The stored study plan of a course, or None."""
        with self._guard():
            row = self._conn.execute("SELECT plan FROM study_plans WHERE course = ?", (course,)).fetchone()
        return None if row is None else json.loads(row[0])
