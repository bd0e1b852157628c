"""Images in card HTML: the parser writes each `src` as a path relative to the course folder,
and every view maps it to its own medium (an Anki media name, a data URI)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape, unescape
from pathlib import Path

IMG_SRC_RE = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def course_images(root: Path, media: tuple[Path, ...]) -> dict[str, Path]:
    """A card's image files keyed by the `src` the parser gave them."""
    resolved = root.resolve()
    return {path.relative_to(resolved).as_posix(): path for path in media}


def map_sources(html: str, targets: Mapping[str, str]) -> str:
    """`html` with each image `src` found in `targets` replaced by its target; others stay as they are."""
    if "<img" not in html:
        return html

    def swap(m: re.Match[str]) -> str:
        target = targets.get(unescape(m.group(2)))
        return m.group(0) if target is None else m.group(1) + escape(target) + m.group(3)

    return IMG_SRC_RE.sub(swap, html)
