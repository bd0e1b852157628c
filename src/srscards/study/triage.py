"""Which content matters most: exam weight per card, the learner's weak task statements, card cost.

- Exam weight: each domain's weight is split evenly over its task statements, and each task
  statement's weight evenly over its cards (a card of two task statements counts half in
  each). A card with a domain but no task statement counts in all of its domain's task
  statements; a card with neither has no exam weight. The weights of a profile's cards sum to 1.
- Weakness: a task statement answered wrong in practice exams (share of wrong answers, once
  it was asked WEAK_AFTER times) or whose studied cards lapse often counts up to twice as much.
- Cost: the seconds factor of the card type (`Learner.type_factor`).

New cards are introduced in `priority_order`: what each adds to the weighted, weakness-scaled
value of its task statement (with diminishing returns) over its cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from srscards.model.course import Profile
from srscards.scheduling.scheduler import State
from srscards.store.records import ExamRecord, StoredCard
from srscards.study.learner import Learner

WEAK_AFTER = 3
RECENT_EXAMS = 5


@dataclass(frozen=True)
class PlanProfile:
    """What a plan needs of an exam profile, kept with the plan so it can be made again from the store alone."""

    code: str
    version: str
    domains: tuple[tuple[int, str, float, tuple[tuple[str, str], ...]], ...]

    @classmethod
    def of(cls, profile: Profile) -> PlanProfile:
        domains = tuple((d.number, d.name, float(d.weight), tuple(d.tasks.items())) for d in profile.domains)
        return cls(profile.code, profile.version, domains)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "domains": [
                {"number": n, "name": name, "weight": w, "tasks": dict(tasks)} for n, name, w, tasks in self.domains
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanProfile:
        domains = tuple(
            (int(d["number"]), str(d["name"]), float(d["weight"]), tuple(d["tasks"].items())) for d in data["domains"]
        )
        return cls(str(data["code"]), str(data["version"]), domains)

    @property
    def tasks(self) -> dict[str, str]:
        return {task: label for *_, tasks in self.domains for task, label in tasks}

    def covers(self, card: StoredCard) -> bool:
        return card.exam in ("both", self.version) and not card.suspended


def card_groups(card: StoredCard, profile: PlanProfile) -> tuple[str, ...]:
    """The task statements a card counts in (its own, else all of its domain's)."""
    known = profile.tasks
    own = tuple(t for t in card.tasks if t in known)
    if own:
        return own
    for number, _, _, tasks in profile.domains:
        if number == card.domain:
            return tuple(t for t, _ in tasks)
    return ()


def exam_weights(cards: Sequence[StoredCard], profile: PlanProfile) -> list[float]:
    """Each card's share of the exam's weighted content; they sum to 1 (0 for cards of no domain)."""
    total = sum(w for _, _, w, _ in profile.domains) or 1.0
    task_weight = {task: w / total / max(len(tasks), 1) for _, _, w, tasks in profile.domains for task, _ in tasks}
    groups = [card_groups(c, profile) for c in cards]
    mass: dict[str, float] = {}
    for found in groups:
        for task in found:
            mass[task] = mass.get(task, 0.0) + 1 / len(found)
    weights = [sum(task_weight[t] / mass[t] for t in found) / len(found) if found else 0.0 for found in groups]
    present = sum(weights)
    return [w / present for w in weights] if present else weights


def weak_tasks(cards: Sequence[StoredCard], profile: PlanProfile, records: Sequence[ExamRecord]) -> dict[str, float]:
    """Each task statement's weakness factor, 1 (no sign of weakness) to 2."""
    right: dict[str, int] = {}
    asked: dict[str, int] = {}
    for record in [r for r in records if r.profile == profile.code][-RECENT_EXAMS:]:
        for item in record.result.items:
            for task in item.tasks:
                asked[task] = asked.get(task, 0) + 1
                right[task] = right.get(task, 0) + item.correct
    lapses: dict[str, int] = {}
    reps: dict[str, int] = {}
    for card in cards:
        if card.memory.reps:
            for task in card_groups(card, profile):
                lapses[task] = lapses.get(task, 0) + card.memory.lapses
                reps[task] = reps.get(task, 0) + card.memory.reps
    factors = {}
    for task in profile.tasks:
        factor = 1.0
        if asked.get(task, 0) >= WEAK_AFTER:
            factor += 1 - right[task] / asked[task]
        if reps.get(task):
            factor += min(1.0, 4 * lapses.get(task, 0) / reps[task])
        factors[task] = min(factor, 2.0)
    return factors


def priority_order(
    cards: Sequence[StoredCard],
    weights: Sequence[float],
    profile: PlanProfile,
    weakness: dict[str, float],
    learner: Learner,
) -> list[int]:
    """Indexes of the new cards among `cards`, the most valuable per second first.

    A task statement's value grows like the square root of the share of its cards studied
    (the first cards of a task statement teach more of what the exam asks than the last), times
    its exam weight and weakness; each card is ranked by what it adds to that value over its
    cost, so every task statement gets some of the time and the heavier or weaker ones more.
    Within a task statement, cards keep their source order.
    """
    groups = [card_groups(c, profile) for c in cards]
    members: dict[tuple[str, ...], list[int]] = {}
    for i, found in enumerate(groups):
        members.setdefault(found, []).append(i)
    value: dict[int, tuple[float, int]] = {}
    for found, indexes in members.items():
        share = sum(weights[i] for i in indexes)
        weak = max((weakness.get(t, 1.0) for t in found), default=1.0)
        studied = sum(1 for i in indexes if cards[i].memory.state is not State.NEW)
        total = len(indexes)
        rank = studied
        for i in sorted(indexes, key=lambda i: cards[i].position):
            if cards[i].memory.state is not State.NEW:
                continue
            gain = share * weak * (math.sqrt((rank + 1) / total) - math.sqrt(rank / total))
            value[i] = (-gain / learner.type_factor(cards[i].type), cards[i].position)
            rank += 1
    return sorted(value, key=lambda i: value[i])
