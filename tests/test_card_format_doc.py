"""Every example deck in docs/card-format.md parses into the cards the document describes."""

from __future__ import annotations

import re
from pathlib import Path

from srscards.model.card import CardType
from srscards.sources.load import load_sources

DOC = Path(__file__).resolve().parent.parent / "docs" / "card-format.md"


def examples() -> list[str]:
    return re.findall(r"^````markdown\n(.*?)\n````$", DOC.read_text(), re.S | re.M)


def test_document_has_the_examples():
    assert len(examples()) == 4


def test_examples_give_the_described_cards(course):
    for i, text in enumerate(examples()):
        course.write(f"example{i}.md", text + "\n")
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    by_file: dict[str, list] = {}
    for card in sources.cards:
        by_file.setdefault(card.location.path.name, []).append(card)
    basics = by_file["example0.md"]
    assert [c.type for c in basics] == [CardType.BASIC, CardType.BASIC, CardType.REVERSIBLE]
    assert sum(len(c.variants) for c in basics) == 4  # three notes, four cards
    assert '<pre class="highlight">' in basics[1].prompt.html
    (cloze,) = by_file["example1.md"]
    assert cloze.type is CardType.CLOZE and cloze.variants == ("c1", "c2")
    (choice,) = by_file["example2.md"]
    assert choice.type is CardType.CHOICE and choice.correct_letters == "B"
    assert all(o.explanation for o in choice.options)
    order, match = by_file["example3.md"]
    assert order.type is CardType.ORDERING and len(order.steps) == 4
    assert match.type is CardType.MATCHING and len(match.pairs) == 3
    assert order.exam == match.exam == "C01"


def test_readme_example_is_a_valid_deck(course):
    readme = (DOC.parent.parent / "README.md").read_text()
    (text,) = re.findall(r"^````markdown\n(.*?)\n````$", readme, re.S | re.M)
    course.write("readme.md".replace("readme", "example"), text + "\n")
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    assert [c.type for c in sources.cards] == [CardType.BASIC, CardType.CLOZE, CardType.CHOICE]
    assert sources.cards[0].tasks == ("1.1",)


def test_readme_quick_start_has_two_commands_and_ci_runs_the_test_one():
    readme = (DOC.parent.parent / "README.md").read_text()
    quick = readme.split("## Quick start")[1].split("\n## ")[0]
    commands = re.findall(r"^```sh\n(.*?)\n```$", quick, re.S | re.M)
    assert len(commands) == 2
    assert commands[0].endswith("srscards build") and commands[1].endswith("pytest")
    ci = (DOC.parent.parent / ".ci" / "run").read_text()
    for command in commands:  # CI installs as the README says, from the lock of tested versions
        (install,) = [part.strip() for part in command.split("&&") if part.strip().startswith("pip install")]
        assert install.startswith("pip install -c constraints.txt ")
        assert install.replace("pip install", "pip install --quiet") in ci, install
    assert " && srscards build\n" in ci and "\npytest\n" in ci
    assert (DOC.parent.parent / "constraints.txt").is_file()


def test_the_lock_pins_every_dependency_within_its_bounds():
    """constraints.txt gives one tested version of every package pyproject.toml asks for, inside its bounds."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    root = DOC.parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    pins = {}
    for line in (root / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    for requirement in wanted:
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned is not None, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pinned), (str(requirement), pinned)
