"""The review settings file (`config.toml` in the data folder): scheduling and daily limits.

```toml
[review]
desired_retention = 0.9
learning_steps = ["1m", "10m"]
relearning_steps = ["10m"]
maximum_interval = 36500   # days
fuzz = true
day_start = "04:00"        # local time a study day begins
new_per_day = 20
reviews_per_day = 200
bury_new = false           # keep new siblings of a card answered today for tomorrow
bury_reviews = false       # the same for review siblings
same_day_questions = false # a new question may come on a day a concept card it tests is shown
load_balancer = true       # pick the day within the fuzz range that evens out the daily load
learning_fuzz = true       # lengthen learning steps by up to a quarter (at most 5 minutes), at random
easy_days = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]  # Monday first: 1 normal, 0.5 reduced, 0 minimum
```

Every key is optional; a missing file means Anki's defaults.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from srscards.errors import SrsError
from srscards.files import atomic_write
from srscards.scheduling.scheduler import Settings

CONFIG_FILE = "config.toml"
_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(SrsError):
    """The settings file or an option has a value that cannot be used."""


def parse_steps(text: str | list[str], where: str) -> tuple[timedelta, ...]:
    """Steps written as `1m 10m` (or a list of such strings): s, m, h or d units."""
    items = text.split() if isinstance(text, str) else [str(t) for t in text]
    steps = []
    for item in items:
        match = _STEP.match(item.strip())
        if not match:
            raise ConfigError(f"{where}: {item!r} is not a step; write steps like 1m 10m (units s, m, h, d)")
        steps.append(timedelta(seconds=float(match[1]) * _UNITS[match[2]]))
    return tuple(steps)


def parse_day_start(text: str, where: str) -> time:
    """A local time of day written HH:MM."""
    match = re.match(r"^(\d{1,2}):(\d{2})$", str(text).strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ConfigError(f"{where}: {text!r} is not a time of day; write it as HH:MM, e.g. 04:00")
    return time(int(match[1]), int(match[2]))


def load_settings(home: Path) -> Settings:
    """Settings from `home/config.toml`, Anki's defaults for anything not set."""
    path = home / CONFIG_FILE
    if not path.is_file():
        return Settings()
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix it or delete the file to use the defaults") from exc
    section = data.get("review", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [review] must be a table of settings")
    return settings_from(section, str(path))


def settings_from(values: dict[str, Any], where: str) -> Settings:
    """Settings from a mapping of the `[review]` keys; unknown keys and bad values are errors."""
    known = {
        "desired_retention",
        "learning_steps",
        "relearning_steps",
        "maximum_interval",
        "fuzz",
        "day_start",
        "new_per_day",
        "reviews_per_day",
        "parameters",
        "bury_new",
        "bury_reviews",
        "same_day_questions",
        "load_balancer",
        "learning_fuzz",
        "easy_days",
    }
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {unknown[0]!r}; use one of: {', '.join(sorted(known))}")
    changes: dict[str, Any] = {}
    if "desired_retention" in values:
        changes["desired_retention"] = check_retention(values["desired_retention"], where)
    for key in ("learning_steps", "relearning_steps"):
        if key in values:
            changes[key] = parse_steps(values[key], f"{where}: {key}")
    for key in ("maximum_interval", "new_per_day", "reviews_per_day"):
        if key in values:
            value = values[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < (1 if key == "maximum_interval" else 0):
                raise ConfigError(f"{where}: {key} must be a whole number (got {value!r})")
            changes[key] = value
    for key in ("fuzz", "bury_new", "bury_reviews", "load_balancer", "learning_fuzz", "same_day_questions"):
        if key in values:
            if not isinstance(values[key], bool):
                raise ConfigError(f"{where}: {key} must be true or false (got {values[key]!r})")
            changes[key] = values[key]
    if "day_start" in values:
        changes["day_start"] = parse_day_start(values["day_start"], f"{where}: day_start")
    if "easy_days" in values:
        changes["easy_days"] = check_easy_days(values["easy_days"], where)
    if "parameters" in values:
        params = values["parameters"]
        if not isinstance(params, list) or len(params) != 21:
            raise ConfigError(f"{where}: parameters must be a list of the 21 FSRS-6 weights")
        changes["parameters"] = tuple(float(p) for p in params)
    return Settings(**changes)


def check_retention(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.7 <= value <= 0.99:
        raise ConfigError(f"{where}: desired_retention must be a number from 0.70 to 0.99 (got {value!r})")
    return float(value)


def check_easy_days(value: Any, where: str) -> tuple[float, ...]:
    """Seven numbers from 0 to 1, Monday first (Anki's easy days: 1 normal, 0.5 reduced, 0 minimum)."""
    if (
        not isinstance(value, list)
        or len(value) != 7
        or any(isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1 for v in value)
    ):
        raise ConfigError(
            f"{where}: easy_days must be 7 numbers from 0 to 1, Monday first (1 normal, 0.5 reduced, 0 minimum), "
            f"e.g. [1, 1, 1, 1, 1, 0.5, 0] (got {value!r})"
        )
    return tuple(float(v) for v in value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def _step_text(step: timedelta) -> str:
    seconds = step.total_seconds()
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{seconds:g}s"


def save_settings(home: Path, settings: Settings) -> Path:
    """Write `settings` as the `[review]` table of `home/config.toml`; other tables are kept.

    The file is written again from its values, so comments in it are not kept.
    """
    import tomllib

    path = home / CONFIG_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    review: dict[str, Any] = {
        "desired_retention": settings.desired_retention,
        "learning_steps": [_step_text(s) for s in settings.learning_steps],
        "relearning_steps": [_step_text(s) for s in settings.relearning_steps],
        "maximum_interval": settings.maximum_interval,
        "fuzz": settings.fuzz,
        "day_start": f"{settings.day_start:%H:%M}",
        "new_per_day": settings.new_per_day,
        "reviews_per_day": settings.reviews_per_day,
        "bury_new": settings.bury_new,
        "bury_reviews": settings.bury_reviews,
        "same_day_questions": settings.same_day_questions,
        "load_balancer": settings.load_balancer,
        "learning_fuzz": settings.learning_fuzz,
        "easy_days": list(settings.easy_days),
    }
    if settings.parameters:
        review["parameters"] = [float(p) for p in settings.parameters]
    data["review"] = review
    lines: list[str] = []
    for table, values in data.items():
        if not isinstance(values, dict):
            continue
        lines.append(f"[{table}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    home.mkdir(parents=True, exist_ok=True)
    atomic_write(path, "\n".join(lines))
    return path
