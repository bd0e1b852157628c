"""Finding labs in `lab_walkthroughs/`, loading their steps, and linking them with cards.

A lab is a folder `lab_walkthroughs/<name>/` holding `README.md` (the walkthrough) and
`lab.py`, which defines `TITLE`, `STEPS`, `RESOURCES` (what it creates on AWS) and `COST`
(an estimate for a run on AWS), and may set `AWS_ONLY = True` when the emulator lacks a service.
"""

from __future__ import annotations

import importlib.util
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from srscards.errors import Location, Problem
from srscards.labs.steps import LabError, Step
from srscards.model.card import Card
from srscards.model.course import CourseSources

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,60}$")


@dataclass(frozen=True)
class Lab:
    """One loaded lab walkthrough."""

    name: str
    folder: Path
    title: str
    steps: tuple[Step, ...]
    resources: tuple[str, ...]
    cost: str
    aws_only: bool = False

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"


def find_labs(root: Path) -> list[str]:
    """The names of the labs under `root`, sorted: every folder with a `lab.py`."""
    if not root.is_dir():
        raise LabError(f"{root}: no such folder (pass the folder that holds the labs, e.g. lab_walkthroughs/)")
    return sorted(p.parent.name for p in root.glob("*/lab.py") if NAME_RE.match(p.parent.name))


def load_lab(root: Path, name: str) -> Lab:
    """Import `root/name/lab.py` and check that it defines what a lab needs."""
    names = find_labs(root)
    if name not in names:
        raise LabError(f"no lab named {name!r} in {root} (run `srscards lab list` to see the {len(names)} labs)")
    folder = root / name
    module = _import(folder / "lab.py", name)
    missing = [key for key in ("TITLE", "STEPS", "RESOURCES", "COST") if not hasattr(module, key)]
    if missing:
        raise LabError(
            f"{folder / 'lab.py'}: missing {', '.join(missing)} (a lab defines TITLE, STEPS, RESOURCES, COST)"
        )
    if not (folder / "README.md").is_file():
        raise LabError(f"{folder}: missing README.md (every lab has a walkthrough)")
    steps = tuple(module.STEPS) if isinstance(module.STEPS, list | tuple) else ()
    if not steps or not all(isinstance(s, Step) for s in steps):
        raise LabError(f"{folder / 'lab.py'}: STEPS must be a non-empty list of srscards.labs.Step")
    return Lab(
        name=name,
        folder=folder,
        title=str(module.TITLE),
        steps=steps,
        resources=tuple(module.RESOURCES) if isinstance(module.RESOURCES, list | tuple) else (str(module.RESOURCES),),
        cost=str(module.COST),
        aws_only=bool(getattr(module, "AWS_ONLY", False)),
    )


def _import(path: Path, name: str) -> ModuleType:
    module_name = "srscards_lab_" + name.replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LabError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:  # the lab's own Python: say where, not a traceback
        where = f"{path}:{exc.lineno or 1}:{exc.offset or 1}"
        raise LabError(f"{where}: {exc.msg} (fix the lab's Python)") from None
    except Exception as exc:
        line = next((f.lineno for f in reversed(traceback.extract_tb(exc.__traceback__)) if f.filename == str(path)), 1)
        raise LabError(f"{path}:{line}: importing the lab failed: {type(exc).__name__}: {exc}") from None
    return module


def cards_for_lab(courses: list[CourseSources], name: str) -> list[Card]:
    """The cards whose `lab` metadata names this lab, in source order."""
    return [card for course in courses for card in course.cards if card.lab == name]


def unknown_lab_links(courses: list[CourseSources], labs: list[str]) -> list[Problem]:
    """A warning for every card whose `lab` names no lab in the lab folder."""
    known = set(labs)
    return [
        Problem(
            card.location if isinstance(card.location, Location) else Location(Path(".")),
            f"card {card.id!r} links to lab {card.lab!r}, which does not exist",
            "use one of the labs listed by `srscards lab list`, or remove the lab key",
            severity="warning",
        )
        for course in courses
        for card in course.cards
        if card.lab and card.lab not in known
    ]
