"""The question and answer of one card variant, as Markdown for the terminal.

Reads the card as the store keeps it (`Card.to_dict`), so a session never parses the sources.
Cloze deletions of the variant become `[...]` (or `[hint]`) on the front and show highlighted
on the back; images become their path.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from srscards.model.card import Card, CardType
from srscards.model.shuffle import shuffled_order
from srscards.sources import cloze
from srscards.sources.sanitize import strip_controls

_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class CardText:
    """What a session shows for one card: front, back, and for questions the options."""

    front: str
    back: str
    options: tuple[tuple[str, bool, str], ...] = ()  # text, correct, explanation
    title: str = ""

    @property
    def is_choice(self) -> bool:
        return bool(self.options)

    @property
    def correct_letters(self) -> str:
        return "".join(_LETTERS[i] for i, o in enumerate(self.options) if o[1])


def images_as_paths(md: str) -> str:
    return _IMAGE.sub(lambda m: f"`[image: {m[2]}]`", md)


def _cloze(text: str, active: int, reveal: bool) -> str:
    """Cloze deletions as the terminal shows them: the active number hidden (or highlighted), others as text."""

    def show(number: int, answer: str, hint: str) -> str:
        if number != active:
            return answer
        return f"**[{answer}]**" if reveal else f"**[{hint or '...'}]**"

    return cloze.render(text, show)


def card_text(card: Card, variant: str, seed: str = "", shuffle: random.Random | None = None) -> CardText:
    """Front and back of `variant` of a note; `seed` fixes the shuffle of ordering and matching cards.

    With `shuffle`, the options of a choice question come in an order drawn from it (options
    pinned in the source keep their place), each with its explanation. Control characters are
    dropped: a terminal would act on them (an ESC sequence can retitle the window, clear the
    screen or write the clipboard).
    """
    text = _card_text(card, variant, seed, shuffle)
    return CardText(
        strip_controls(text.front),
        strip_controls(text.back),
        tuple((strip_controls(t), ok, strip_controls(why)) for t, ok, why in text.options),
        strip_controls(text.title),
    )


def _card_text(card: Card, variant: str, seed: str = "", shuffle: random.Random | None = None) -> CardText:
    kind = card.type
    title = images_as_paths(card.title.md)
    prompt = images_as_paths(card.prompt.md)
    answer = images_as_paths(card.answer.md)
    extra = images_as_paths(card.extra.md)
    question = "\n\n".join(p for p in (f"**{title}**" if title else "", prompt) if p)
    if kind is CardType.REVERSIBLE and variant == "reverse":
        return CardText(answer, question, title=title)
    if kind is CardType.CLOZE:
        number = int(variant[1:])
        head = f"**{title}**\n\n" if title else ""
        back = head + _cloze(prompt, number, True) + (f"\n\n---\n\n{extra}" if extra else "")
        return CardText(head + _cloze(prompt, number, False), back, title=title)
    if kind is CardType.CHOICE:
        shown = card.options
        if shuffle is not None:
            shown = tuple(card.options[i] for i in shuffled_order([o.pinned for o in card.options], shuffle))
        options = tuple((images_as_paths(o.text.md), o.correct, images_as_paths(o.explanation.md)) for o in shown)
        return CardText(prompt or f"**{title}**", extra, options, title=title)
    if kind is CardType.ORDERING:
        steps = [images_as_paths(s.md) for s in card.steps]
        shuffled = steps[:]
        random.Random(seed).shuffle(shuffled)
        front = prompt + "\n\n" + "\n".join(f"- {s}" for s in shuffled)
        back = "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1)) + (f"\n\n{extra}" if extra else "")
        return CardText(front, back, title=title)
    if kind is CardType.MATCHING:
        pairs = [(images_as_paths(p.left.md), images_as_paths(p.right.md)) for p in card.pairs]
        left, right = card.pair_headers
        rights = [b for _, b in pairs]
        random.Random(seed).shuffle(rights)
        front = (
            prompt
            + f"\n\n**{left or 'Items'}**\n\n"
            + "\n".join(f"- {a}" for a, _ in pairs)
            + f"\n\n**{right or 'Match with'}**\n\n"
            + "\n".join(f"- {b}" for b in rights)
        )
        table = f"| {left} | {right} |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in pairs)
        return CardText(front, table + (f"\n\n{extra}" if extra else ""), title=title)
    return CardText(question, answer + (f"\n\n{extra}" if extra else ""), title=title)
