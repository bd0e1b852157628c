"""The study workspace: one door to the review store, the sources and the scheduler.

Every study use case (review, exams, plans, readiness, stats, optimize, Anki history) opens the
same way: open the store in the data folder, bring it up to date with the sources once, and
pick the scheduler settings in force. `open_workspace` does that and hands the result over;
`open_course` goes one step further for the use cases that need a course, one of its exam
profiles and its questions: all of them as the store keeps them since the last sync, so a
session whose sources did not change parses nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path

from srscards import sources
from srscards.errors import SrsError
from srscards.model.card import Card, CardType
from srscards.model.course import Course, Profile
from srscards.paths import cache_home
from srscards.scheduling.config import load_settings
from srscards.scheduling.scheduler import Scheduler, Settings
from srscards.sources.discover import COURSE_FILE, deck_files, find_courses
from srscards.store.records import SyncReport
from srscards.store.store import Store
from srscards.study.filters import course_facts, remember_course, stored_course

QUESTION_TYPES = (str(CardType.CHOICE), str(CardType.ORDERING), str(CardType.MATCHING))


def settings_in_force(store: Store, settings: Settings) -> Settings:
    """`settings` with the parameters last stored by `srscards optimize`, unless config.toml sets its own."""
    if settings.parameters:
        return settings
    history = store.parameter_history()
    return replace(settings, parameters=history[-1].parameters) if history else settings


def _fingerprint(root: Path) -> str:
    """A cheap digest of every course and deck file's size and modification time under `root`.

    Files are named relative to `root`, so the same folder reached by another path (a link, a
    path with `..`) gives the same digest and is not parsed again."""
    digest = hashlib.sha256()
    for folder in find_courses(root):
        for path in [folder / COURSE_FILE, *deck_files(folder)]:
            name = path.relative_to(root).as_posix()
            try:
                stat = path.stat()
            except OSError:  # a broken link: the parse reports it
                digest.update(f"{name}\0missing\n".encode())
                continue
            digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_mode}\n".encode())
    return digest.hexdigest()


def sync_sources(store: Store, root: Path, now: datetime) -> tuple[list[str], SyncReport | None]:
    """Bring the store up to date with the sources under `root`; return the course ids there.

    When no course or deck file changed since the last sync (same sizes and times), nothing
    is parsed; otherwise the changed files are parsed (through the parse cache) and synced.
    """
    key = str(root.resolve())
    fingerprint = _fingerprint(root)
    last = store.source_fingerprint(key)
    if last is not None and last[0] == fingerprint and all(course_facts(store, c) for c in last[1]):
        return last[1], None
    courses = sources.load_checked(root, cache_dir=cache_home() / "parse")  # the parser loads only now
    report = store.sync(courses, now, key, fingerprint)
    for loaded in courses:
        remember_course(store, loaded.course, now)
    return [c.course.id for c in courses], report


DECKS_KEY = "decks"  # the decks folder used last, for commands run from another folder


def remember_decks(store: Store, decks: Path, now: datetime) -> None:
    """Keep the decks folder just used, so a command run elsewhere can find it."""
    where = str(decks.resolve())
    if store.remembered(DECKS_KEY) != where:
        store.remember(DECKS_KEY, where, now)


@dataclass
class Workspace:
    """An open store, synced with the sources, and the scheduler that schedules its cards."""

    store: Store
    decks: Path | None
    courses: list[str]
    scheduler: Scheduler
    sync_report: SyncReport | None = None

    @property
    def settings(self) -> Settings:
        return self.scheduler.settings

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_workspace(
    decks: Path | None,
    home: Path,
    now: datetime,
    settings: Settings | None = None,
    seed: int = 0,
    require_decks: bool = True,
) -> Workspace:
    """Open the store in `home`, sync it once with `decks` and pick the settings in force.

    With `require_decks` false, a missing sources folder is not an error: every course in the
    store counts as it was last synced (what `stats` does away from the sources).
    """
    settings = settings if settings is not None else load_settings(home)
    store = Store.open(home)
    try:
        report = None
        if decks is not None and (require_decks or decks.is_dir()):
            courses, report = sync_sources(store, decks, now)
            remember_decks(store, decks, now)
        else:
            courses = store.course_ids()
        scheduler = Scheduler(settings_in_force(store, settings), seed)
        return Workspace(store, decks, courses, scheduler, report)
    except BaseException:
        store.close()
        raise


@dataclass(frozen=True)
class ExamContext:
    """A workspace narrowed to one course and one exam profile; its cards come from the store."""

    store: Store
    course: Course
    profile: Profile
    scheduler: Scheduler
    courses: list[str]

    @cached_property
    def questions(self) -> tuple[Card, ...]:
        """The course's question cards (every exam version), in source order, as last synced."""
        return tuple(self.store.contents(self.course.id, QUESTION_TYPES))

    def notes(self, ids: Sequence[str]) -> list[Card]:
        """The cards of the course with these ids, in source order (those no longer in the decks left out)."""
        return self.store.contents(self.course.id, notes=list(dict.fromkeys(ids)))


def open_course(
    decks: Path, home: Path, now: datetime, version: str | None = None, settings: Settings | None = None
) -> ExamContext:
    """Open the workspace and pick the course and exam profile (default: the course's first).

    The course and its cards are read from the store, as the sync left them: nothing is parsed
    when no source file changed.
    """
    if not decks.exists():
        raise SrsError(f"{decks}: no such folder; give the folder of your decks, e.g. srscards exam decks/")
    space = open_workspace(decks, home, now, settings)
    try:
        folders = find_courses(decks)
        if not folders:
            raise SrsError(f"{decks}: no course.yaml found; give the folder that holds your course")
        if len(folders) > 1:
            names = ", ".join(str(f) for f in folders)
            raise SrsError(f"{decks} holds {len(folders)} courses ({names}); give the folder of one, e.g. {folders[0]}")
        if len(space.courses) != 1:
            raise SrsError(f"{folders[0]}: the course file cannot be read; run srscards check {decks}")
        course = stored_course(space.store, space.courses[0])
        if course is None:  # a store of an older release keeps only the versions: read the course file once
            course = sources.load_course(folders[0])
            remember_course(space.store, course, now)
        profile = course.default
        if version is not None:
            found = course.profile(version)
            if found is None:
                known = ", ".join(course.versions)
                raise SrsError(f"{course.id} has no exam version {version}; choose one of {known}")
            profile = found
        return ExamContext(space.store, course, profile, space.scheduler, space.courses)
    except BaseException:
        space.close()
        raise
