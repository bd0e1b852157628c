"""The question and answer of one card variant, as Markdown for the terminal.

Reads the note content the store keeps (see `store.note_content`), so a session never parses
the sources. Cloze deletions of the variant become `[...]` (or `[hint]`) on the front and
show highlighted on the back; images become their path.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from srscards.model.shuffle import shuffled_order

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
    """Render cloze deletions: the active number hidden (or highlighted), the others as plain text."""
    out: list[str] = []
    i = 0
    while i < len(text):
        match = re.compile(r"\{\{c(\d+)::").match(text, i)
        if not match:
            out.append(text[i])
            i += 1
            continue
        depth, j = 1, match.end()
        while j < len(text) and depth:
            if text.startswith("{{", j):
                depth, j = depth + 1, j + 2
            elif text.startswith("}}", j):
                depth, j = depth - 1, j + 2
            else:
                j += 1
        inner = text[match.end() : j - 2] if depth == 0 else text[match.end() :]
        body, hint = _split_hint(inner)
        body = _cloze(body, active, reveal)
        if int(match[1]) != active:
            out.append(body)
        elif reveal:
            out.append(f"**[{body}]**")
        else:
            out.append(f"**[{hint or '...'}]**")
        i = j
    return "".join(out)


def _split_hint(inner: str) -> tuple[str, str]:
    depth = 0
    for k in range(len(inner) - 1):
        if inner.startswith("{{", k):
            depth += 1
        elif inner.startswith("}}", k):
            depth -= 1
        elif depth == 0 and inner.startswith("::", k):
            return inner[:k], inner[k + 2 :]
    return inner, ""


def card_text(content: dict[str, Any], variant: str, seed: str = "", shuffle: random.Random | None = None) -> CardText:
    """Front and back of `variant` of a note; `seed` fixes the shuffle of ordering and matching cards.

    With `shuffle`, the options of a choice question come in an order drawn from it (options
    pinned in the source keep their place), each with its explanation.
    """
    kind = content.get("type", "basic")
    title = images_as_paths(content.get("title", ""))
    prompt = images_as_paths(content.get("prompt", ""))
    answer = images_as_paths(content.get("answer", ""))
    extra = images_as_paths(content.get("extra", ""))
    question = "\n\n".join(p for p in (f"**{title}**" if title else "", prompt) if p)
    if kind == "reversible" and variant == "reverse":
        return CardText(answer, question, title=title)
    if kind == "cloze":
        number = int(variant[1:])
        head = f"**{title}**\n\n" if title else ""
        back = head + _cloze(prompt, number, True) + (f"\n\n---\n\n{extra}" if extra else "")
        return CardText(head + _cloze(prompt, number, False), back, title=title)
    if kind == "choice":
        stored = content.get("options", [])
        if shuffle is not None:
            stored = [stored[i] for i in shuffled_order([bool(o[3:4] and o[3]) for o in stored], shuffle)]
        options = tuple((images_as_paths(o[0]), bool(o[1]), images_as_paths(o[2])) for o in stored)
        return CardText(prompt or f"**{title}**", extra, options, title=title)
    if kind == "ordering":
        steps = [images_as_paths(s) for s in content.get("steps", [])]
        shuffled = steps[:]
        random.Random(seed).shuffle(shuffled)
        front = prompt + "\n\n" + "\n".join(f"- {s}" for s in shuffled)
        back = "\n".join(f"{n}. {s}" for n, s in enumerate(steps, 1)) + (f"\n\n{extra}" if extra else "")
        return CardText(front, back, title=title)
    if kind == "matching":
        pairs = [(images_as_paths(a), images_as_paths(b)) for a, b in content.get("pairs", [])]
        left, right = content.get("pair_headers", ["", ""])
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
