"""Where srscards keeps its own files: a data folder and a cache folder, both overridable."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The user data folder (review store, settings): $SRSCARDS_HOME or the platform's default."""
    env = os.environ.get("SRSCARDS_HOME")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_data_path("srscards", appauthor=False)


def cache_home() -> Path:
    """A folder for caches that can be deleted at any time: $SRSCARDS_CACHE or the platform's default."""
    env = os.environ.get("SRSCARDS_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return platformdirs.user_cache_path("srscards", appauthor=False)
