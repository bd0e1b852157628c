"""Filters a learner gives (--domain, --task, --tag, --deck, --exam), checked against the cards there are.

A domain, task, tag or deck that no card has is an error that lists the ones there are, never
an empty session. With no --exam, a session follows each course's default exam version (the
first profile of course.yaml, remembered at each sync); `--exam all` takes every version.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from srscards.errors import SrsError
from srscards.model.course import Course
from srscards.model.tags import derived_tags
from srscards.store.store import Store
from srscards.study.daily_queue import Filters

ALL_EXAMS = "ALL"


@dataclass(frozen=True)
class CourseFacts:
    """What a session needs of a course file without parsing it: its exam versions, default first."""

    id: str
    versions: tuple[str, ...]

    @property
    def default_exam(self) -> str:
        return self.versions[0]


def facts_key(course_id: str) -> str:
    return f"course:{course_id}"


def course_key(course_id: str) -> str:
    return f"course-file:{course_id}"


def remember_course(store: Store, course: Course, now: datetime) -> None:
    """Keep what sessions need of the course file: its versions (read by every session) and, apart,
    the whole course (`Course.to_dict`, read by exams, plans and readiness)."""
    store.remember(facts_key(course.id), json.dumps({"versions": list(course.versions)}), now)
    store.remember(course_key(course.id), json.dumps(course.to_dict()), now)


def stored_course(store: Store, course_id: str) -> Course | None:
    """The course as last synced; None when the store has none (an older release kept only the versions)."""
    text = store.remembered(course_key(course_id))
    return None if text is None else Course.from_dict(json.loads(text))


def course_facts(store: Store, course_id: str) -> CourseFacts | None:
    text = store.remembered(facts_key(course_id))
    if text is None:
        return None
    return CourseFacts(course_id, tuple(json.loads(text)["versions"]))


def default_exam(store: Store, courses: Sequence[str]) -> str | None:
    """The default exam version the courses share (None when they have none, or differ)."""
    defaults = {f.default_exam for c in courses if (f := course_facts(store, c)) is not None}
    return defaults.pop() if len(defaults) == 1 else None


def check_filters(store: Store, courses: Sequence[str], filters: Filters) -> Filters:
    """`filters` with the exam version in force; an error for a value no card has, listing those there are."""
    exam = filters.exam
    if exam is None:
        exam = default_exam(store, courses)
    elif exam.upper() == ALL_EXAMS:
        exam = None
    checked = replace(filters, exam=exam)
    if filters.domain is None and filters.task is None and filters.tag is None and filters.deck is None:
        return checked
    cards = store.cards(courses)
    if filters.domain is not None:
        domains = sorted({c.domain for c in cards if c.domain is not None})
        if filters.domain not in domains:
            raise SrsError(
                f"--domain {filters.domain}: no card of this exam domain; choose one of {_listed(map(str, domains))}"
            )
    if filters.task is not None:
        tasks = sorted({t for c in cards for t in c.tasks}, key=_task_order)
        if filters.task not in tasks:
            raise SrsError(f"--task {filters.task}: no card of this task statement; choose one of {_listed(tasks)}")
    if filters.tag is not None:
        tags = sorted({t for c in cards for t in derived_tags(c.type, c.exam, c.domain, c.tasks, c.tags)})
        if filters.tag.lower() not in {t.lower() for t in tags}:
            raise SrsError(f"--tag {filters.tag}: no card has this tag; choose one of {_listed(tags)}")
    if filters.deck is not None and not any(Filters(deck=filters.deck).matches(c) for c in cards):
        decks = sorted({c.deck for c in cards})
        raise SrsError(f"--deck {filters.deck}: no deck of this name; choose one of {_listed(decks)}")
    return checked


def _task_order(task: str) -> tuple[int, ...] | tuple[float]:
    try:
        return tuple(int(p) for p in task.split("."))
    except ValueError:
        return (float("inf"),)


def _listed(values: object) -> str:
    items = list(values)  # type: ignore[call-overload]
    return ", ".join(items) if items else "(none: the store has no cards; run srscards review decks/ to sync)"
