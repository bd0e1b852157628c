"""The one cloze scanner: where `{{cN::answer::hint}}` deletions open and close, as Anki reads them.

A deletion opens at `{{cN::` and closes at the first `}}` after it (Anki does not count other
braces), so deletions nest only when a whole deletion sits inside another. The parser checks
deletions with it, and every view shows them with `render`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

START_RE = re.compile(r"\{\{c(?:[0-9]|:)")  # something that means to open a deletion
OPEN_RE = re.compile(r"\{\{c([0-9]+)::")
# Anki makes at most 500 cards of a note: c500 and above all land on card 500, and numbers past
# 65535 are not deletions at all. Numbers beyond 500 would silently merge, so they are refused.
MAX_NUMBER = 500
TOKEN_RE = re.compile(r"\{\{c|\}\}")  # where a deletion may open or close


class ClozeError(ValueError):
    """A deletion that Anki would read differently from what the author meant."""

    def __init__(self, offset: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Deletion:
    """One deletion: its number, where it sits in the text, and the deletions inside it."""

    number: int
    start: int  # offset of `{{c`
    inner_start: int  # offset just after `{{cN::`
    end: int  # offset just after `}}`
    children: tuple[Deletion, ...]

    def inner(self, text: str) -> str:
        return text[self.inner_start : self.end - 2]


def scan(text: str) -> list[Deletion]:
    """The top-level deletions of `text`, each with those nested in it; raise ClozeError when malformed."""
    top: list[Deletion] = []
    stack: list[tuple[int, int, int, list[Deletion]]] = []  # number, start, inner start, children
    i = 0
    while (found := TOKEN_RE.search(text, i)) is not None:
        i = found.start()
        if found.group() == "{{c" and START_RE.match(text, i):
            m = OPEN_RE.match(text, i)
            digits = m.group(1).lstrip("0") if m else ""
            if not digits:
                raise ClozeError(i, "malformed cloze deletion", "write {{c1::answer}} or {{c1::answer::hint}}")
            if len(digits) > 3 or int(digits) > MAX_NUMBER:
                raise ClozeError(
                    i,
                    f"cloze number c{digits[:12]}{'...' if len(digits) > 12 else ''} is too large",
                    f"number deletions c1 to c{MAX_NUMBER}: Anki makes at most {MAX_NUMBER} cards of a note",
                )
            stack.append((int(digits), i, m.end(), []))
            i = m.end()
        elif found.group() == "}}" and stack:
            number, start, inner_start, children = stack.pop()
            content = text[inner_start:i]
            if not content.split("::")[0].strip():
                raise ClozeError(start, "empty cloze deletion", "put the hidden text after c1::")
            if content.count("{") > content.count("}"):
                raise ClozeError(
                    i,
                    "cloze deletion ends inside braces: Anki closes a deletion at the first }}",
                    "write the inner braces apart (} }) or keep the formula outside the deletion",
                )
            deletion = Deletion(number, start, inner_start, i + 2, tuple(children))
            (stack[-1][3] if stack else top).append(deletion)
            i += 2
        else:
            i += 1
    if stack:
        raise ClozeError(stack[-1][1], "unclosed cloze deletion", "close it with }}")
    return top


def numbers(text: str) -> set[int]:
    """The numbers of every deletion in `text`, nested ones included."""
    found: set[int] = set()

    def walk(items: tuple[Deletion, ...] | list[Deletion]) -> None:
        for d in items:
            found.add(d.number)
            walk(d.children)

    walk(scan(text))
    return found


def split_hint(inner: str) -> tuple[str, str]:
    """A deletion's inside as (answer, hint): the hint follows the last `::` outside nested deletions."""
    depth = 0
    for k in range(len(inner) - 1):
        if inner.startswith("{{", k):
            depth += 1
        elif inner.startswith("}}", k):
            depth -= 1
        elif depth == 0 and inner.startswith("::", k):
            return inner[:k], inner[k + 2 :]
    return inner, ""


def render(text: str, show: Callable[[int, str, str], str]) -> str:
    """`text` with each deletion replaced by `show(number, answer, hint)`, innermost first.

    The answer passed to `show` has its own nested deletions already replaced. Text whose
    deletions are malformed is returned as it is (the parser reports it).
    """
    try:
        deletions = scan(text)
    except ClozeError:
        return text
    return _render(text, 0, len(text), deletions, show)


def _render(text: str, start: int, end: int, deletions: list[Deletion] | tuple[Deletion, ...], show) -> str:  # noqa: ANN001
    out: list[str] = []
    at = start
    for d in deletions:
        out.append(text[at : d.start])
        inner = _render(text, d.inner_start, d.end - 2, d.children, show)
        answer, hint = split_hint(inner)
        out.append(show(d.number, answer, hint))
        at = d.end
    out.append(text[at:end])
    return "".join(out)
