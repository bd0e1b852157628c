"""Reading the card sources: Markdown and YAML in, the one card model out.

The package gives its two loaders through a module `__getattr__` (PEP 562), so importing it loads
nothing: a review or `due` that finds no source file changed never loads the parser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from srscards.sources.course_file import load_course
    from srscards.sources.load import load_checked, load_sources

__all__ = ["load_checked", "load_course", "load_sources"]
_HOMES = {"load_course": "srscards.sources.course_file"}


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(_HOMES.get(name, "srscards.sources.load")), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
