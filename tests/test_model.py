"""The card model serialises itself both ways; the parse cache and the review store rely on it."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from srscards.errors import Location
from srscards.model.card import Card, CardType, Fragment, Option, Pair
from srscards.sources.load import load_sources

DECKS = Path(__file__).resolve().parent.parent / "decks" / "aws-mla"

text = st.text(max_size=40)
fragments = st.builds(Fragment, text, text)
short = st.text(alphabet="abcdefgh0123456789.", min_size=1, max_size=8)
cards = st.builds(
    Card,
    id=short,
    type=st.sampled_from(list(CardType)),
    title=fragments,
    prompt=fragments,
    answer=fragments,
    extra=fragments,
    options=st.lists(st.builds(Option, fragments, st.booleans(), fragments), max_size=5).map(tuple),
    steps=st.lists(fragments, max_size=4).map(tuple),
    pairs=st.lists(st.builds(Pair, fragments, fragments), max_size=4).map(tuple),
    pair_headers=st.tuples(text, text),
    cloze_numbers=st.lists(st.integers(1, 20), max_size=4).map(tuple),
    domain=st.none() | st.integers(1, 4),
    deck=text,
    tasks=st.lists(short, max_size=3).map(tuple),
    tags=st.lists(short, max_size=3).map(tuple),
    exam=st.sampled_from(["both", "C01", "C02"]),
    lab=text,
    cheatsheet=st.booleans(),
    source=text,
    difficulty=st.sampled_from(["", "easy", "medium", "hard"]),
    concepts=st.lists(short, max_size=3).map(tuple),
    media=st.lists(short.map(Path), max_size=2).map(tuple),
    location=st.builds(Location, short.map(Path), st.integers(1, 999), st.integers(1, 99)),
    digest=text,
)


@given(cards)
def test_any_card_survives_json_both_ways(card):
    assert Card.from_dict(json.loads(json.dumps(card.to_dict()))) == card


def test_every_shipped_card_survives_json_both_ways():
    sources, problems, _ = load_sources(DECKS)
    assert problems == []
    changed = [c.id for c in sources.cards if Card.from_dict(json.loads(json.dumps(c.to_dict()))) != c]
    assert len(sources.cards) > 1000 and changed == []


def test_a_field_missing_from_older_data_takes_its_default():
    old = {"id": "k3m9x2qa", "type": "basic", "title": ["Parquet?", ""], "answer": ["Columnar.", ""]}
    card = Card.from_dict(old)
    assert (card.title.md, card.answer.md, card.exam, card.tags, card.prompt) == (
        "Parquet?",
        "Columnar.",
        "both",
        (),
        Fragment(),
    )
