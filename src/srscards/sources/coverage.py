"""Coverage of a course against an exam profile: concept notes and questions per domain and task
statement, card types, and the in-scope services each note names.

A note is one item of the sources (one id); a question is a practice-question note (choice,
ordering, matching); a concept note is any other. The cards to review are what the notes give:
one per note, one per deletion of a cloze, two for a reversible note."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from srscards.errors import SrsError
from srscards.model.card import Card
from srscards.model.course import CourseSources, Profile
from srscards.sources.item_quality import ItemFigures, check_items
from srscards.words import count as counted


@dataclass
class TaskCoverage:
    task: str
    name: str
    cards: int = 0
    questions: int = 0
    by_type: Counter[str] = field(default_factory=Counter)


@dataclass
class DomainCoverage:
    number: int
    name: str
    weight: float
    tasks: list[TaskCoverage]
    cards: int = 0
    questions: int = 0
    question_share: float = 0.0


@dataclass
class ServiceCoverage:
    name: str
    cards: int
    minimum: int


@dataclass
class CoverageReport:
    course: str
    profile: str
    version: str
    domains: list[DomainCoverage]
    by_type: Counter[str]
    services: list[ServiceCoverage]
    total_cards: int
    total_questions: int
    shortfalls: list[str]
    items: ItemFigures = field(default_factory=ItemFigures)
    review_cards: int = 0  # the cards the notes give to review (one per cloze deletion, two per reversible note)

    @property
    def ok(self) -> bool:
        return not self.shortfalls

    def to_json(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "profile": self.profile,
            "ok": self.ok,
            "notes": self.total_cards + self.total_questions,
            "concept_notes": self.total_cards,
            "questions": self.total_questions,
            "cards": self.review_cards,
            "by_type": dict(sorted(self.by_type.items())),
            "domains": [
                {
                    "number": d.number,
                    "name": d.name,
                    "weight": d.weight,
                    "concept_notes": d.cards,
                    "questions": d.questions,
                    "question_share": round(d.question_share, 1),
                    "tasks": [
                        {
                            "task": t.task,
                            "name": t.name,
                            "concept_notes": t.cards,
                            "questions": t.questions,
                            "by_type": dict(sorted(t.by_type.items())),
                        }
                        for t in d.tasks
                    ],
                }
                for d in self.domains
            ],
            "services": [{"name": s.name, "notes": s.cards, "min": s.minimum} for s in self.services],
            "shortfalls": self.shortfalls,
            "items": self.items.to_json(),
        }


def coverage(sources: CourseSources, exam: str | None = None) -> CoverageReport:
    """Count a course's cards against one profile (the default profile unless `exam` names one)."""
    course = sources.course
    profile = course.profile(exam) if exam else course.default
    if profile is None:
        raise SrsError(f"unknown exam {exam!r} for {course.id}; use one of: {', '.join(course.versions)}")
    cards = [c for c in sources.cards if c.in_exam(profile.version)]
    domains = _domains(profile, cards)
    shortfalls = _task_shortfalls(profile, domains)
    texts = [c.markdown_text for c in cards]
    services = []
    for service in course.services:
        if service.exam not in ("both", profile.version):
            continue
        pattern = re.compile(
            r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(m) for m in service.match) + r")(?![A-Za-z0-9])"
        )
        count = sum(1 for text in texts if pattern.search(text))
        services.append(ServiceCoverage(service.name, count, service.min_cards))
        if count < service.min_cards:
            shortfalls.append(f"service {service.name}: {counted(count, 'note')}, minimum {service.min_cards}")
    return CoverageReport(
        course=course.id,
        profile=profile.code,
        version=profile.version,
        domains=domains,
        by_type=Counter(c.type.value for c in cards),
        services=services,
        total_cards=sum(1 for c in cards if not c.is_question),
        total_questions=sum(1 for c in cards if c.is_question),
        shortfalls=shortfalls,
        items=check_items(sources, cards).figures,
        review_cards=sum(len(c.variants) for c in cards),
    )


def _domains(profile: Profile, cards: list[Card]) -> list[DomainCoverage]:
    domains = []
    for d in profile.domains:
        tasks = {t: TaskCoverage(t, name) for t, name in d.tasks.items()}
        domains.append(DomainCoverage(d.number, d.name, d.weight, list(tasks.values())))
        for card in cards:
            if card.domain == d.number:
                domains[-1].questions += card.is_question
                domains[-1].cards += not card.is_question
            for task in card.tasks:
                if task in tasks:
                    tasks[task].by_type[card.type.value] += 1
                    tasks[task].questions += card.is_question
                    tasks[task].cards += not card.is_question
    total_questions = sum(d.questions for d in domains) or 1
    for d in domains:
        d.question_share = 100.0 * d.questions / total_questions
    return domains


def _task_shortfalls(profile: Profile, domains: list[DomainCoverage]) -> list[str]:
    shortfalls = []
    for d in domains:
        for t in d.tasks:
            if t.cards < profile.min_cards_per_task:
                shortfalls.append(
                    f"task {t.task} {t.name}: {counted(t.cards, 'concept note')}, minimum {profile.min_cards_per_task}"
                )
            if t.questions < profile.min_questions_per_task:
                shortfalls.append(
                    f"task {t.task} {t.name}: {counted(t.questions, 'question')}, "
                    f"minimum {profile.min_questions_per_task}"
                )
        if profile.weight_tolerance is not None and abs(d.question_share - d.weight) > profile.weight_tolerance:
            shortfalls.append(
                f"domain {d.number}: {d.question_share:.1f}% of questions against a weight of {d.weight:g}% "
                f"(tolerance {profile.weight_tolerance:g} points)"
            )
    return shortfalls
