"""Practice exams taken and the study plan."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from srscards.scheduling.scheduler import from_ms, to_ms
from srscards.store.base import StoreBase
from srscards.store.records import (
    ExamRecord,
)


class ExamTable(StoreBase):
    """Practice exams taken and the study plan: a part of `Store`."""

    def record_exam(
        self,
        course: str,
        profile: str,
        mode: str,
        started: datetime,
        finished: datetime,
        result: dict[str, Any],
    ) -> int:
        """Keep a finished exam (`result` is its JSON form, with every question and answer)."""
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
                    result["correct"],
                    result["total"],
                    result["seconds_used"],
                    result["limit_seconds"],
                    int(result["timed_out"]),
                    json.dumps(result),
                ),
            )
            return int(cursor.lastrowid or 0)

    def exams(self, course: str) -> list[ExamRecord]:
        """The exams of a course, oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, profile, mode, started_at, finished_at, result FROM exams WHERE course = ? "
                "ORDER BY finished_at, id",
                (course,),
            ).fetchall()
        return [
            ExamRecord(r[0], course, r[1], r[2], from_ms(r[3]), from_ms(r[4]), json.loads(r[5]))  # type: ignore[arg-type]
            for r in rows
        ]

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
