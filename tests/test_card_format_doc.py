"""Every example deck in docs/card-format.md parses into the cards the document describes."""

from __future__ import annotations

import re
from pathlib import Path

from srscards.model import CardType
from srscards.sources import load_sources

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
