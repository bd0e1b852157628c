"""A small question bank for the exam, readiness and plan tests: four domains, one concept card each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

QUESTIONS_PER_DOMAIN = 3
START = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def deck(domain: int, pinned: bool = True) -> str:
    """A deck of domain `domain`: a concept card and three single-answer questions (B is right).

    With `pinned`, every option keeps its place (`{pin}`), so tests can answer by letter; without,
    the options are shuffled at delivery like any real question.
    """
    pin = " {pin}" if pinned else ""
    parts = [
        f"---\ntitle: Domain {domain}\ndomain: {domain}\ntasks: [{domain}.1]\n---\n",
        f"### Concept {domain}\n<!-- id: concept-{domain} -->\n\n"
        f"What is concept {domain}?\n\n***\n\nIt is idea {domain}.\n",
    ]
    for n in range(1, QUESTIONS_PER_DOMAIN + 1):
        parts.append(
            f"### Question {domain}-{n}\n<!-- {{id: q{domain}-{n}, concepts: [concept-{domain}]}} -->\n\n"
            f"Stem of question {domain}-{n}. Which option is right?\n\n"
            f"- [ ] Option one of {domain}-{n}{pin}\n  Wrong because one.\n"
            f"- [x] Option two of {domain}-{n}{pin}\n  Right because two.\n"
            f"- [ ] Option three of {domain}-{n}{pin}\n  Wrong because three.\n"
            f"- [ ] Option four of {domain}-{n}{pin}\n  Wrong because four.\n"
        )
    return "\n".join(parts)


MULTI = """\
---
title: Multi
domain: 1
tasks: [1.2]
---

### Two right answers
<!-- {id: qm-1, concepts: [concept-1]} -->

Pick the two right options.

- [x] First right
  Right one.
- [ ] Wrong here
  Not this.
- [x] Second right
  Right two.
- [ ] Wrong too
  Not this either.
"""


def write_bank(course, pinned: bool = True) -> None:  # type: ignore[no-untyped-def]
    for domain in (1, 2, 3, 4):
        course.write(f"d{domain}.md", deck(domain, pinned))


class StepClock:
    """A clock that moves `step` seconds forward each time it is read, from `start`."""

    def __init__(self, start: datetime = START, step: float = 0.0) -> None:
        self.now = start
        self.step = timedelta(seconds=step)

    def __call__(self) -> datetime:
        moment = self.now
        self.now += self.step
        return moment
