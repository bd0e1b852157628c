"""Which FSRS parameters schedule the cards: the config file's, else the last ones fitted to the log."""

from __future__ import annotations

from dataclasses import replace

from .scheduler import Settings
from .store import Store


def settings_in_force(store: Store, settings: Settings) -> Settings:
    """`settings` with the parameters last stored by `srscards optimize`, unless config.toml sets its own."""
    if settings.parameters:
        return settings
    history = store.parameter_history()
    return replace(settings, parameters=history[-1].parameters) if history else settings
