"""`build`: validate every course, then write one Anki package per course."""

from __future__ import annotations

from pathlib import Path

from srscards.errors import Problem, SourceError, SrsError, ValidationFailed
from srscards.gc_pause import collector_paused
from srscards.model.course import Course
from srscards.outputs.apkg import CourseBuild, export_course, up_to_date
from srscards.paths import cache_home
from srscards.sources.course_file import load_course
from srscards.sources.load import find_courses, load_sources

EACH = "each"  # one package per exam version of each course
ALL = "all"  # one package per course, every exam version's cards in it


def build_decks(root: Path, out_dir: Path, now: float, force: bool = False, exam: str = ALL) -> list[CourseBuild]:
    """Build every course under `root` into `out_dir`: one package per exam version (`exam`
    "each"), one of one version ("C01"), or one with every card ("all").

    Unchanged packages are skipped (they are already byte-identical). If any course has an
    error, ValidationFailed is raised and nothing is written.
    """
    results: list[CourseBuild] = []
    problems: list[Problem] = []
    pending = []
    rank: dict[tuple[str, str], int] = {}
    for folder in find_courses(root):
        try:
            course = load_course(folder)
        except SourceError as exc:
            problems.append(exc.problem)
            continue
        versions = _versions(course, exam)
        rank.update({(course.id, v or ALL): i for i, v in enumerate(versions)})
        cached = [None if force else up_to_date(folder, course.id, out_dir, v) for v in versions]
        results += [c for c in cached if c is not None]
        wanted = [v for v, c in zip(versions, cached, strict=True) if c is None]
        if not wanted:
            continue
        sources, found, _ = load_sources(folder, cache_dir=cache_home() / "parse")
        problems += found
        if sources is not None:
            pending += [(sources, v) for v in wanted]
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems)
    with collector_paused():
        results += [export_course(sources, out_dir, now, version) for sources, version in pending]
    return sorted(results, key=lambda b: (b.course, rank[(b.course, b.exam)]))  # the default version first


def _versions(course: Course, exam: str) -> list[str | None]:
    if exam.lower() == ALL:
        return [None]
    if exam.lower() == EACH:
        return list(course.versions)
    profile = course.profile(exam)
    if profile is None:
        known = ", ".join(course.versions)
        raise SrsError(f"{course.id} has no exam version {exam}; choose one of {known}, each or all")
    return [profile.version]
