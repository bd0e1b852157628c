"""Lab walkthroughs completed, on the emulator or on AWS."""

from __future__ import annotations

from datetime import datetime

from srscards.scheduling.scheduler import from_ms, to_ms
from srscards.store.base import StoreBase
from srscards.store.records import (
    LabCompletion,
)


class LabTable(StoreBase):
    """Lab walkthroughs completed, on the emulator or on AWS: a part of `Store`."""

    def record_lab(self, lab: str, target: str, now: datetime) -> None:
        """Record that every step of a lab passed on `target` ("emulator" or "aws") at `now` (UTC)."""
        with self._write() as db:
            db.execute("INSERT INTO lab_runs (lab, target, completed_at) VALUES (?, ?, ?)", (lab, target, to_ms(now)))

    def lab_completions(self, lab: str | None = None) -> list[LabCompletion]:
        """Completed lab runs, oldest first; only those of `lab` when given."""
        query = "SELECT lab, target, completed_at FROM lab_runs"
        args: tuple[str, ...] = ()
        if lab is not None:
            query, args = query + " WHERE lab = ?", (lab,)
        with self._guard():
            rows = self._conn.execute(query + " ORDER BY completed_at, id", args).fetchall()
        return [LabCompletion(name, target, from_ms(ms)) for name, target, ms in rows]  # type: ignore[arg-type]
