"""Where a course's files are: course folders under a root, and the deck files of a course.

Kept apart from the parser so that finding files (to see whether anything changed) imports
nothing heavy.
"""

from __future__ import annotations

from pathlib import Path

from srscards.errors import SrsError

COURSE_FILE = "course.yaml"  # the file course.py reads


def find_courses(root: Path) -> list[Path]:
    """Course folders at or directly below `root` (a folder holding `course.yaml`)."""
    if not root.exists():
        raise SrsError(
            f"{root}: no such folder (looked for {root.absolute()}); pass the folder that holds your decks, "
            "e.g. srscards check ~/srscards/decks (once used, it is remembered for commands run elsewhere)"
        )
    if (root / COURSE_FILE).is_file():
        return [root]
    found = sorted(p.parent for p in root.glob(f"*/{COURSE_FILE}"))
    if not found:
        raise SrsError(f"{root}: no course found; a course is a folder with a {COURSE_FILE} (see docs/card-format.md)")
    return found


def deck_files(folder: Path) -> list[Path]:
    """Every Markdown deck file of a course, in a stable order (README files are notes)."""
    return sorted(
        p
        for p in folder.rglob("*.md")
        if p.name.lower() != "readme.md" and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
