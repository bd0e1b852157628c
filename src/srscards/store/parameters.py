"""The FSRS parameters fitted to the log, kept with the date they came into force."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from srscards.scheduling.scheduler import from_ms, to_ms
from srscards.store.base import StoreBase
from srscards.store.records import (
    ParameterSet,
)


class ParameterTable(StoreBase):
    """The FSRS parameters fitted to the log, kept with the date they came into force: a part of `Store`."""

    def record_parameters(
        self, parameters: Sequence[float], since: datetime, reviews: int, log_loss: float, rmse_bins: float
    ) -> None:
        """Put fitted FSRS parameters in force from `since`; the earlier ones stay on record."""
        with self._write() as db:
            db.execute(
                "INSERT INTO fsrs_parameters (parameters, since, reviews, log_loss, rmse_bins) VALUES (?, ?, ?, ?, ?)",
                (json.dumps([float(p) for p in parameters]), to_ms(since), reviews, log_loss, rmse_bins),
            )

    def parameter_history(self) -> list[ParameterSet]:
        """Every set of fitted parameters, oldest first; the last one is in force."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT parameters, since, reviews, log_loss, rmse_bins FROM fsrs_parameters ORDER BY since, id"
            ).fetchall()
        return [ParameterSet(tuple(json.loads(r[0])), from_ms(r[1]), r[2], r[3], r[4]) for r in rows]  # type: ignore[arg-type]
