"""Find courses under a folder and parse all their deck files into one model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from srscards.errors import Location, Problem, SourceError, ValidationFailed
from srscards.gc_pause import collector_paused
from srscards.model.course import Course, CourseSources
from srscards.sources.cache import ParseCache
from srscards.sources.course_file import COURSE_FILE, load_course
from srscards.sources.discover import deck_files, find_courses
from srscards.sources.incremental import Entry, assemble, parse_incremental
from srscards.sources.parser import ParsedFile, file_problem, parse_file
from srscards.sources.reading import read_source_bytes

# Below this many bytes of Markdown to parse, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


def load_sources(
    folder: Path, cache_dir: Path | None = None, jobs: int | None = None
) -> tuple[CourseSources | None, list[Problem], list[ParsedFile]]:
    """Parse one course; return the model (None when the course file is broken) and problems.

    With `cache_dir`, deck files whose content (and course) did not change are not parsed again.
    Deck files that must be parsed are shared among `jobs` processes (None: one per core when
    there is enough to parse; 1: parse here). The result does not depend on `jobs`.
    """
    try:
        course = load_course(folder)
    except SourceError as exc:
        return None, [exc.problem], []
    cache = ParseCache(cache_dir / course.id, folder) if cache_dir is not None else None
    with collector_paused():
        parsed = _parse_all(deck_files(folder), course, cache, jobs)
    problems = [p for f in parsed for p in f.problems]
    if not parsed:
        problems.append(Problem(Location(folder / COURSE_FILE), "course has no deck files", "add a .md deck file"))
    decks = tuple(f.deck for f in parsed if f.deck is not None)
    sources = CourseSources(course, decks)
    problems += _cross_checks(sources, {i for f in parsed for i in f.ids})
    problems.sort(key=lambda p: (p.location, p.message))
    return CourseSources(course, decks, tuple(problems)), problems, parsed


def _parse_all(paths: list[Path], course: Course, cache: ParseCache | None, jobs: int | None) -> list[ParsedFile]:
    done: dict[Path, ParsedFile] = {}
    todo: list[_Job] = []
    for path in paths:
        try:
            raw = read_source_bytes(path)
        except SourceError as exc:  # a folder, FIFO, broken link, unreadable or oversized file
            done[path] = ParsedFile(None, [exc.problem])
            continue
        if cache is None:
            todo.append((path, raw, "", None, None))
            continue
        key = cache.key(raw)
        stored = cache.get(path)
        hit = _assembled(path, stored[1]) if stored is not None and stored[0] == key else None
        if hit is not None:
            done[path] = hit
        else:
            todo.append((path, raw, key, cache.assets, stored[1] if stored is not None else None))
    results = _parse_many(course, todo, jobs)
    for (path, _, key, _, _), (result, entry) in zip(todo, results, strict=True):
        if cache is not None and entry is not None:
            cache.put(path, key, entry)
        done[path] = result
    return [done[path] for path in paths]


# A file to parse: its path and bytes, its cache key, the salt of its chunk keys and its previous
# entry (the last two are None when there is no cache).
_Job = tuple[Path, bytes, str, str | None, Entry | None]
_Result = tuple[ParsedFile, Entry | None]


def _assembled(path: Path, entry: Entry) -> ParsedFile | None:
    try:
        return assemble(path, entry)
    except (KeyError, TypeError, ValueError, IndexError):
        return None  # an entry of another format: parse again


def _parse_many(course: Course, files: list[_Job], jobs: int | None) -> list[_Result]:
    workers = _workers(files) if jobs is None else min(jobs, len(files))
    if workers > 1:
        results = _parse_in_processes(course, files, workers)
        if results is not None:
            return results
    return _parse_share(course, files)


def _parse_in_processes(course: Course, files: list[_Job], workers: int) -> list[_Result] | None:
    """Share the files out by size: this process parses the first share while forked workers
    parse the others. Results come back in file order; None when no process can be forked."""
    import multiprocessing  # imported here: most runs parse one file or none, and start-up counts
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        # Forking is safe on Linux in a process without threads (macOS system libraries may crash in
        # a forked child), and the other start methods cost more than they save.
        return None
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for i in sorted(range(len(files)), key=lambda i: -len(files[i][1])):
        least = loads.index(min(loads))
        shares[least].append(i)
        loads[least] += len(files[i][1])
    results: dict[int, _Result] = {}
    try:
        with ProcessPoolExecutor(
            workers - 1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_die_with_parent,
            initargs=(os.getpid(),),
        ) as pool:
            futures = [pool.submit(_parse_share, course, [files[i] for i in share]) for share in shares[1:]]
            results.update(zip(shares[0], _parse_share(course, [files[i] for i in shares[0]]), strict=True))
            for share, future in zip(shares[1:], futures, strict=True):
                results.update(zip(share, future.result(), strict=True))
    except (OSError, BrokenProcessPool):
        return None
    return [results[i] for i in range(len(files))]


def _die_with_parent(parent: int) -> None:
    """In a forked worker: ask Linux to kill this process when its parent dies (SIGTERM, SIGKILL, crash),
    so that no worker is left parsing forever after `check` is killed."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _parse_share(course: Course, files: list[_Job]) -> list[_Result]:
    return [_parse_bytes(course, *job) for job in files]


def _workers(files: list[_Job]) -> int:
    """Processes worth starting: one per core, but only when there is enough to parse (a file with a
    previous entry counts for nothing: most of its cards are reused)."""
    if len(files) < 2 or sum(len(job[1]) for job in files if job[4] is None) < PARALLEL_MIN_BYTES:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, len(files))


def _parse_bytes(
    course: Course, path: Path, raw: bytes, _key: str, salt: str | None, previous: Entry | None
) -> _Result:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return parse_file(path, course), None  # reads it again and reports where the bad byte is
    if salt is None or file_problem(path, text) is not None:  # parse_file reports a file-level problem
        return parse_file(path, course, text=text), None
    return parse_incremental(path, course, text, salt, previous)


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


def load_checked(root: Path, cache_dir: Path | None = None) -> list[CourseSources]:
    """Every course under `root`; raise ValidationFailed if any has an error.

    With `cache_dir`, deck files that did not change are not parsed again (see `load_sources`)."""
    courses = []
    problems: list[Problem] = []
    for folder in find_courses(root):
        sources, found, _ = load_sources(folder, cache_dir)
        problems += found
        if sources is not None:
            courses.append(sources)
    if any(p.severity == "error" for p in problems):
        raise ValidationFailed(problems)
    return courses
