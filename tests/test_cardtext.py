"""What the terminal shows for each kind of card: cloze blanks, sides, images as paths."""

from __future__ import annotations

from srscards.model.card import Card, CardType, Fragment, Option
from srscards.views.terminal import card_text


def note(kind: str, title: str = "", prompt: str = "", answer: str = "", extra: str = "", **more: object) -> Card:
    """A card with only the Markdown the terminal reads (the store keeps whole cards)."""
    return Card(
        id="n1",
        type=CardType(kind),
        title=Fragment(title),
        prompt=Fragment(prompt),
        answer=Fragment(answer),
        extra=Fragment(extra),
        **more,  # type: ignore[arg-type]
    )


CLOZE = note(
    "cloze",
    title="Precision and recall",
    prompt="Precision is {{c1::TP / (TP + FP)}}; recall is {{c2::\\( \\frac{TP}{TP + FN} \\)::formula}}.",
    extra="Favour recall when a miss costs more.",
)


def test_cloze_hides_only_its_own_deletion_and_shows_the_hint():
    one = card_text(CLOZE, "c1")
    assert one.front == "**Precision and recall**\n\nPrecision is **[...]**; recall is \\( \\frac{TP}{TP + FN} \\)."
    two = card_text(CLOZE, "c2")
    assert two.front == "**Precision and recall**\n\nPrecision is TP / (TP + FP); recall is **[formula]**."
    assert two.back == (
        "**Precision and recall**\n\nPrecision is TP / (TP + FP); recall is **[\\( \\frac{TP}{TP + FN} \\)]**."
        "\n\n---\n\nFavour recall when a miss costs more."
    )


def test_nested_cloze_deletions():
    text = card_text(note("cloze", prompt="{{c1::outer {{c2::inner}} part}}"), "c2")
    assert text.front == "outer **[...]** part"
    assert card_text(note("cloze", prompt="{{c1::outer {{c2::inner}} part}}"), "c1").back == ("**[outer inner part]**")


def test_reversible_sides_and_images_as_paths():
    card = note("reversible", title="Confusion matrix", answer="![matrix](media/cm.png) A table.")
    assert card_text(card, "forward").front == "**Confusion matrix**"
    assert card_text(card, "forward").back == "`[image: media/cm.png]` A table."
    assert card_text(card, "reverse").front == "`[image: media/cm.png]` A table."


def test_ordering_is_shuffled_repeatably_and_answered_in_order():
    card = note("ordering", prompt="Order:", steps=tuple(Fragment(s) for s in ("one", "two", "three", "four")))
    first, again = card_text(card, "card", seed="k"), card_text(card, "card", seed="k")
    assert first.front == again.front and first.front.startswith("Order:\n\n- ")
    assert sorted(first.front.split("\n")[2:]) == ["- four", "- one", "- three", "- two"]
    assert first.back == "1. one\n2. two\n3. three\n4. four"


def test_choice_keeps_options_and_correct_letters():
    options = (Option(Fragment("A1"), False, Fragment("no")), Option(Fragment("B1"), True, Fragment("yes")))
    text = card_text(note("choice", title="T", prompt="Which?", options=options), "card")
    assert text.is_choice and text.correct_letters == "B" and text.front == "Which?"
