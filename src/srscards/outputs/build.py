"""`build`: validate every course, then write one Anki package per course."""

from __future__ import annotations

from pathlib import Path

from srscards.errors import Problem, SourceError, ValidationFailed
from srscards.gc_pause import collector_paused
from srscards.outputs.apkg import CourseBuild, export_course, up_to_date
from srscards.paths import cache_home
from srscards.sources.course_file import load_course
from srscards.sources.load import find_courses, load_sources


def build_decks(root: Path, out_dir: Path, now: float, force: bool = False) -> list[CourseBuild]:
    """Build every course under `root` into `out_dir`.

    Unchanged courses are skipped (their package is already byte-identical). If any course has
    an error, ValidationFailed is raised and nothing is written.
    """
    results: list[CourseBuild] = []
    problems: list[Problem] = []
    pending = []
    for folder in find_courses(root):
        try:
            course = load_course(folder)
        except SourceError as exc:
            problems.append(exc.problem)
            continue
        cached = None if force else up_to_date(folder, course.id, out_dir)
        if cached is not None:
            results.append(cached)
            continue
        sources, found, _ = load_sources(folder, cache_dir=cache_home() / "parse")
        problems += found
        if sources is not None:
            pending.append(sources)
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems)
    with collector_paused():
        results += [export_course(sources, out_dir, now) for sources in pending]
    return sorted(results, key=lambda b: b.course)
