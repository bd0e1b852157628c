"""Read a course file (`course.yaml`): the exam profiles that cards are checked against."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from srscards.errors import Location, Problem, SourceError
from srscards.model.course import Course, Domain, ExamFormat, Profile, Service
from srscards.sources.reading import read_text
from srscards.sources.yaml_positions import Located, load

__all__ = ["COURSE_FILE", "ID_RE", "TASK_RE", "load_course", "read_text"]

COURSE_FILE = "course.yaml"
TASK_RE = re.compile(r"[0-9]+\.[0-9]+")
# Ids are 3 to 40 characters (docs/card-format.md); use with fullmatch: `$` would accept a final newline.
ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{2,39}")
QUESTION_TYPES = ("multiple_choice", "multiple_response", "ordering", "matching", "case_study")

_COURSE_KEYS = {"id", "name", "deck", "profiles", "services"}
_SERVICE_KEYS = {"name", "match", "min", "exam"}
_PROFILE_KEYS = {"code", "version", "name", "status", "exam", "beta", "coverage", "domains"}
_EXAM_KEYS = {"questions", "scored", "minutes", "minutes_published", "passing_score", "score_range", "question_types"}
_COVERAGE_KEYS = {"min_cards_per_task", "min_questions_per_task", "weight_tolerance"}
_DOMAIN_KEYS = {"number", "name", "weight", "tasks"}


def load_course(folder: Path) -> Course:
    """Load and validate `folder/course.yaml`; raise SourceError naming the first problem."""
    path = folder / COURSE_FILE
    if not path.exists() and not path.is_symlink():
        raise SourceError(
            Problem(
                Location(path),
                "course file not found",
                "create course.yaml with the exam profiles (see docs/card-format.md)",
            )
        )
    doc = load(read_text(path), path)
    c = _Checker(doc)
    data = c.mapping((), _COURSE_KEYS, required={"name", "profiles"})
    profiles_raw = data.get("profiles")
    if not isinstance(profiles_raw, list) or not profiles_raw:
        c.fail(("profiles",), "`profiles` must be a non-empty list", "add at least one profile")
    profiles = tuple(c.profile(i, p) for i, p in enumerate(profiles_raw))
    versions = [p.version for p in profiles]
    if len(set(versions)) != len(versions):
        c.fail(("profiles",), "two profiles share a version", "give each profile its own version")
    course_id = str(data.get("id") or folder.resolve().name.lower())
    if not ID_RE.fullmatch(course_id):
        c.fail(("id",), f"course id {course_id!r} is not valid", "use a-z, 0-9 and -")
    name = c.text(("name",), data["name"])
    versions = {"both", *(p.version for p in profiles)}
    return Course(
        id=course_id,
        path=folder,
        name=name,
        deck_name=c.text(("deck",), data.get("deck", name)),
        profiles=profiles,
        services=tuple(c.service(i, versions) for i in range(len(data.get("services") or []))),
    )


class _Checker:
    def __init__(self, doc: Located) -> None:
        self.doc = doc

    def fail(self, keypath: tuple[Any, ...], message: str, hint: str) -> None:
        raise SourceError(Problem(self.doc.value(*keypath), message, hint))

    def mapping(self, keypath: tuple[Any, ...], allowed: set[str], required: set[str] = frozenset()) -> dict[str, Any]:
        value: Any = self.doc.data
        for k in keypath:
            value = value[k]
        if not isinstance(value, dict):
            self.fail(keypath, "expected a mapping of keys to values", "write `key: value` lines")
        for key in value:
            if key not in allowed:
                raise SourceError(
                    Problem(
                        self.doc.key(*keypath, key),
                        f"unknown key {key!r}",
                        f"use one of: {', '.join(sorted(allowed))}",
                    )
                )
        for key in sorted(required - set(value)):
            self.fail(keypath, f"missing key {key!r}", f"add `{key}:`")
        return value

    def text(self, keypath: tuple[Any, ...], value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(keypath, "expected a non-empty text", "write a name in quotes")
        return value.strip()

    def number(self, keypath: tuple[Any, ...], value: Any, kind: type = int) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self.fail(keypath, "expected a positive number", "write a number such as 65")
        if kind is int and not isinstance(value, int):
            self.fail(keypath, "expected a whole number", "write a whole number such as 65")
        return value

    def exam(self, keypath: tuple[Any, ...], defaults: Any = None) -> ExamFormat:
        """An exam format; a beta exam shares the standard exam's scoring unless it says otherwise."""
        e = self.mapping(keypath, _EXAM_KEYS, required={"questions", "minutes"})
        published = e.get("minutes_published", True)  # never inherited: a beta states its own time
        if not isinstance(published, bool):
            self.fail(keypath + ("minutes_published",), "expected true or false", "write true or false")
        if isinstance(defaults, dict):
            e = {**defaults, **e}
        types = e.get("question_types", ["multiple_choice", "multiple_response"])
        for i, t in enumerate(types):
            if t not in QUESTION_TYPES:
                self.fail(
                    keypath + ("question_types", i),
                    f"unknown question type {t!r}",
                    f"use one of: {', '.join(QUESTION_TYPES)}",
                )
        rng = e.get("score_range", [100, 1000])
        return ExamFormat(
            questions=self.number(keypath + ("questions",), e["questions"]),
            minutes=self.number(keypath + ("minutes",), e["minutes"]),
            passing_score=self.number(keypath + ("passing_score",), e.get("passing_score", 720)),
            scored=e.get("scored"),
            score_range=(int(rng[0]), int(rng[1])),
            question_types=tuple(types),
            minutes_published=published,
        )

    def service(self, i: int, versions: set[str]) -> Service:
        kp: tuple[Any, ...] = ("services", i)
        s = self.mapping(kp, _SERVICE_KEYS, required={"name", "match"})
        match = s["match"] if isinstance(s["match"], list) else [s["match"]]
        if not match or not all(isinstance(m, str) and m.strip() for m in match):
            self.fail(kp + ("match",), "`match` must list the texts that name the service", "write [Name]")
        exam = str(s.get("exam", "both"))
        if exam not in versions:
            self.fail(kp + ("exam",), f"unknown exam version {exam!r}", f"use one of: {', '.join(sorted(versions))}")
        return Service(
            name=self.text(kp + ("name",), s["name"]),
            match=tuple(match),
            min_cards=self.number(kp + ("min",), s.get("min", 1)),
            exam=exam,
        )

    def profile(self, i: int, raw: Any) -> Profile:
        kp: tuple[Any, ...] = ("profiles", i)
        p = self.mapping(kp, _PROFILE_KEYS, required={"code", "version", "exam", "domains"})
        domains_raw = p["domains"]
        if not isinstance(domains_raw, list) or not domains_raw:
            self.fail(kp + ("domains",), "`domains` must be a non-empty list", "list the domains")
        domains = []
        seen_tasks: set[str] = set()
        for j, _ in enumerate(domains_raw):
            dkp = kp + ("domains", j)
            d = self.mapping(dkp, _DOMAIN_KEYS, required={"number", "name", "tasks"})
            number = self.number(dkp + ("number",), d["number"])
            tasks_raw = d["tasks"]
            if not isinstance(tasks_raw, dict) or not tasks_raw:
                self.fail(dkp + ("tasks",), "`tasks` must map numbers to names", 'write `"1.1": Name`')
            tasks: dict[str, str] = {}
            for key, name in tasks_raw.items():
                task = str(key)
                if not TASK_RE.fullmatch(task) or not task.startswith(f"{number}."):
                    self.fail(
                        dkp + ("tasks", key),
                        f"task statement {task!r} does not belong to domain {number}",
                        f'number it "{number}.N" and quote it',
                    )
                if task in seen_tasks:
                    self.fail(dkp + ("tasks", key), f"task {task} appears twice", "remove one")
                seen_tasks.add(task)
                tasks[task] = self.text(dkp + ("tasks", key), name)
            domains.append(
                Domain(
                    number=number,
                    name=self.text(dkp + ("name",), d["name"]),
                    weight=self.number(dkp + ("weight",), d.get("weight", 0), float),
                    tasks=tasks,
                )
            )
        numbers = [d.number for d in domains]
        if len(set(numbers)) != len(numbers):
            self.fail(kp + ("domains",), "two domains share a number", "number domains 1, 2, ...")
        coverage = {}
        if "coverage" in p:
            coverage = self.mapping(kp + ("coverage",), _COVERAGE_KEYS)
        version = self.text(kp + ("version",), str(p["version"]))
        if not ID_RE.fullmatch(version.lower()):
            self.fail(kp + ("version",), f"version {version!r} is not valid", "use a code like C02")
        return Profile(
            code=self.text(kp + ("code",), p["code"]),
            version=version,
            name=self.text(kp + ("name",), p.get("name", p["code"])),
            status=str(p.get("status", "")),
            exam=self.exam(kp + ("exam",)),
            beta=self.exam(kp + ("beta",), defaults=p["exam"]) if "beta" in p else None,
            domains=tuple(domains),
            min_cards_per_task=int(coverage.get("min_cards_per_task", 0)),
            min_questions_per_task=int(coverage.get("min_questions_per_task", 0)),
            weight_tolerance=coverage.get("weight_tolerance"),
        )
