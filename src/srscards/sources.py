"""Find courses under a folder and parse all their deck files into one model."""

from __future__ import annotations

from pathlib import Path

from .cache import ParseCache
from .course import COURSE_FILE, load_course
from .errors import Location, Problem, SourceError, ValidationFailed
from .layout import deck_files, find_courses
from .model import Course, CourseSources
from .parser import ParsedFile, parse_file


def load_sources(
    folder: Path, cache_dir: Path | None = None
) -> tuple[CourseSources | None, list[Problem], list[ParsedFile]]:
    """Parse one course; return the model (None when the course file is broken) and problems.

    With `cache_dir`, deck files whose content (and course) did not change are not parsed again.
    """
    try:
        course = load_course(folder)
    except SourceError as exc:
        return None, [exc.problem], []
    cache = ParseCache(cache_dir / course.id, folder) if cache_dir is not None else None
    parsed = [_parse(path, course, cache) for path in deck_files(folder)]
    problems = [p for f in parsed for p in f.problems]
    if not parsed:
        problems.append(Problem(Location(folder / COURSE_FILE), "course has no deck files", "add a .md deck file"))
    decks = tuple(f.deck for f in parsed if f.deck is not None)
    sources = CourseSources(course, decks)
    problems += _cross_checks(sources, {i for f in parsed for i in f.ids})
    problems.sort(key=lambda p: (p.location, p.message))
    return CourseSources(course, decks, tuple(problems)), problems, parsed


def _parse(path: Path, course: Course, cache: ParseCache | None) -> ParsedFile:
    if cache is None:
        return parse_file(path, course)
    raw = path.read_bytes()
    key = cache.key(raw)
    hit = cache.get(path, key)
    if hit is not None:
        return ParsedFile(hit[0], hit[1], ids=hit[2])
    try:
        text: str | None = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None  # parse_file reads it again and reports where the bad byte is
    result = parse_file(path, course, text=text)
    cache.put(path, key, result.deck, result.problems, result.ids)
    return result


def _cross_checks(sources: CourseSources, known_ids: set[str]) -> list[Problem]:
    problems = []
    first: dict[str, Location] = {}
    for card in sources.cards:
        if card.id in first:
            problems.append(
                Problem(
                    card.location,
                    f"duplicate card id {card.id!r}",
                    f"the id is already used at {first[card.id]}; delete this id line and "
                    "run `srscards ids` to get a new one",
                )
            )
        else:
            first[card.id] = card.location
    for card in sources.cards:
        for concept in card.concepts:
            if concept not in known_ids:
                problems.append(
                    Problem(
                        card.location,
                        f"concepts names unknown card id {concept!r}",
                        "list ids of cards that exist in this course",
                    )
                )
    return problems


def load_checked(root: Path) -> list[CourseSources]:
    """Every course under `root`; raise ValidationFailed if any has an error."""
    courses = []
    problems: list[Problem] = []
    for folder in find_courses(root):
        sources, found, _ = load_sources(folder)
        problems += found
        if sources is not None:
            courses.append(sources)
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems)
    return courses
