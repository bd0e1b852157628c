"""The scheduling settings an Anki collection holds: FSRS parameters, desired retention, day start.

Anki keeps a deck's preset (`deck_config.config`) and a deck's own overrides (`decks.kind`) as
protocol-buffer messages; the few fields read here are decoded from the wire format directly
(field numbers from Anki's `deck_config.proto` and `decks.proto`), so reading a collection needs
no Anki install. The day-start hour is the collection's `rollover` setting, and whether the load
balancer is on its `loadBalancerEnabled` setting (on when absent, as in Anki). Anki's learning-step
fuzz is not a setting in Anki (it is always on), so there is nothing to read for it.
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections import Counter
from dataclasses import dataclass
from datetime import time, timedelta

from srscards.scheduling.scheduler import Settings, with_overrides

# DeckConfig.Config field numbers
_LEARN_STEPS, _RELEARN_STEPS, _PARAMS_5, _PARAMS_6 = 1, 2, 5, 6
_NEW_PER_DAY, _REVIEWS_PER_DAY, _MAXIMUM_INTERVAL, _DESIRED_RETENTION = 9, 10, 16, 37
_EASY_DAYS, _BURY_NEW, _BURY_REVIEWS = 4, 27, 28
# Deck.KindContainer.normal, then Deck.Normal's config id and its own desired retention
_NORMAL, _CONFIG_ID, _DECK_RETENTION = 1, 1, 10
# FSRS-5 parameters become FSRS-6 ones with these two added, as Anki does
_FSRS5_TO_6 = (0.0, 0.5)


@dataclass(frozen=True)
class AnkiSettings:
    """The settings of the preset that schedules the collection's srscards cards."""

    fsrs: bool
    preset: str
    parameters: tuple[float, ...]  # empty: Anki's default parameters
    desired_retention: float
    day_start_hour: int
    learning_steps: tuple[float, ...]  # minutes
    relearning_steps: tuple[float, ...]
    maximum_interval: int
    new_per_day: int
    reviews_per_day: int
    load_balancer: bool = True
    easy_days: tuple[float, ...] = (1.0,) * 7  # Monday first
    bury_new: bool = False
    bury_reviews: bool = False

    def applied_to(self, settings: Settings) -> Settings:
        """`settings` with this collection's FSRS parameters, retention, day start, steps, limits, load
        balancer, easy days and sibling burying."""
        return with_overrides(
            settings,
            parameters=self.parameters or None,
            desired_retention=self.desired_retention,
            day_start=time(self.day_start_hour),
            learning_steps=tuple(timedelta(minutes=m) for m in self.learning_steps),
            relearning_steps=tuple(timedelta(minutes=m) for m in self.relearning_steps),
            maximum_interval=self.maximum_interval,
            new_per_day=self.new_per_day,
            reviews_per_day=self.reviews_per_day,
            load_balancer=self.load_balancer,
            easy_days=self.easy_days,
            bury_new=self.bury_new,
            bury_reviews=self.bury_reviews,
        )


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data: bytes) -> dict[int, list[int | float | bytes]]:
    """Every field of a protocol-buffer message by number (floats as float, messages as bytes)."""
    found: dict[int, list[int | float | bytes]] = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | float | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire == 5:
            value, pos = struct.unpack("<f", data[pos : pos + 4])[0], pos + 4
        else:
            raise ValueError(f"unsupported protocol-buffer wire type {wire}")
        found.setdefault(number, []).append(value)
    return found


def _floats(fields: dict[int, list[int | float | bytes]], number: int) -> tuple[float, ...]:
    """A repeated float field, packed (one bytes value) or not."""
    values: list[float] = []
    for v in fields.get(number, []):
        if isinstance(v, bytes):
            values += struct.unpack(f"<{len(v) // 4}f", v)
        else:
            values.append(float(v))
    return tuple(round(v, 6) for v in values)


def _first(fields: dict[int, list[int | float | bytes]], number: int, default: int | float) -> int | float:
    values = fields.get(number)
    return values[-1] if values else default  # type: ignore[return-value]


def read_settings(conn: sqlite3.Connection, card_ids: list[int]) -> AnkiSettings | None:
    """The settings of the preset that schedules most of `card_ids`; None for an old collection."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"deck_config", "decks", "config"} <= tables:
        return None
    config = {k: v for k, v in conn.execute("SELECT key, val FROM config")}
    fsrs = json.loads(config.get("fsrs", b"false") or b"false") is True
    rollover = int(json.loads(config.get("rollover", b"4") or b"4"))
    load_balancer = json.loads(config.get("loadBalancerEnabled", b"true") or b"true") is not False
    card_ids = card_ids[:900]  # below SQLite's limit on parameters; enough to find the preset
    marks = ",".join("?" * len(card_ids))
    query = f"SELECT CASE WHEN odid != 0 THEN odid ELSE did END FROM cards WHERE id IN ({marks})"
    decks = Counter(did for (did,) in conn.execute(query, card_ids))
    if not decks:
        return None
    deck_id = decks.most_common(1)[0][0]
    row = conn.execute("SELECT kind FROM decks WHERE id = ?", (deck_id,)).fetchone()
    normal = _fields(_fields(row[0]).get(_NORMAL, [b""])[0]) if row else {}  # type: ignore[arg-type]
    config_id = int(_first(normal, _CONFIG_ID, 1))
    preset = conn.execute("SELECT name, config FROM deck_config WHERE id = ?", (config_id,)).fetchone()
    if preset is None:
        return None
    fields = _fields(preset[1])
    parameters = _floats(fields, _PARAMS_6)
    if not parameters and len(five := _floats(fields, _PARAMS_5)) == 19:
        parameters = five + _FSRS5_TO_6
    retention = float(_first(normal, _DECK_RETENTION, 0.0)) or float(_first(fields, _DESIRED_RETENTION, 0.9))
    return AnkiSettings(
        fsrs=fsrs,
        preset=preset[0],
        parameters=parameters,
        desired_retention=round(retention, 4),
        day_start_hour=rollover % 24,
        learning_steps=_floats(fields, _LEARN_STEPS),
        relearning_steps=_floats(fields, _RELEARN_STEPS),
        maximum_interval=int(_first(fields, _MAXIMUM_INTERVAL, 36500)),
        new_per_day=int(_first(fields, _NEW_PER_DAY, 20)),
        reviews_per_day=int(_first(fields, _REVIEWS_PER_DAY, 200)),
        load_balancer=load_balancer,
        easy_days=easy if len(easy := _floats(fields, _EASY_DAYS)) == 7 else (1.0,) * 7,
        bury_new=bool(_first(fields, _BURY_NEW, 0)),
        bury_reviews=bool(_first(fields, _BURY_REVIEWS, 0)),
    )
