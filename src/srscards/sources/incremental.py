"""Parse a deck file card by card, keeping the cards whose own text did not change.

A deck file is cut at its headings (`#`, `##` and `###` lines) into chunks: the front chunk
(front matter and whatever comes before the first heading), then one chunk per card or section.
Each chunk is stored with a key over its own text and what it reads from the rest of the file
(the front matter's defaults, the section's tasks in force, how the next heading line starts,
the course and the srscards version). After an edit, only chunks whose key is new go through
markdown-it; the others are taken from the previous parse and moved to their new lines.

A cut is only made where the whole file's parse has a top-level heading. When a chunk is parsed
on its own, it is parsed together with the next heading line, which must come out as a
top-level heading: a fence, HTML block or list left open would swallow it, and then the file is
parsed whole. Files whose result could depend on text in another chunk (link reference
definitions, a display-math bracket left open, carriage returns) are parsed whole too; so is a
file met for the first time, where one parse of the whole text is cheapest. Either way the result
equals `parse_file` on the same text (`tests/test_incremental.py` checks it on random decks).
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from srscards.errors import Location, Problem
from srscards.model.card import Card
from srscards.model.course import Course, DeckFile
from srscards.sources.markdown import markdown
from srscards.sources.parser import CardSpan, ParsedFile, _FileParser, no_cards, parse_file

if TYPE_CHECKING:
    from markdown_it.token import Token

# A line that may be an ATX heading of level 1 to 3 (the only headings that cut a file).
HEADING_RE = re.compile(r"^ {0,3}#{1,3}(?:[ \t]|$)", re.MULTILINE)
SHAPE_RE = re.compile(r" *#*")

Entry = dict[str, Any]  # a file's stored parse, JSON-ready
_Live = tuple[list[Card], list[Problem], list[CardSpan]]  # a chunk's results as objects, in file lines


class _Whole(Exception):
    """The file cannot be cut safely here: parse it whole."""


def parse_incremental(
    path: Path, course: Course, text: str, salt: str, previous: Entry | None
) -> tuple[ParsedFile, Entry]:
    """Parse `text` (the deck file at `path`), reusing chunks of `previous` (an entry this
    function returned before for the same path); return the result and the entry to store.

    `salt` must change whenever anything outside the file that the parse reads changes (the
    course file, images, the srscards version)."""
    if not text.strip():
        empty = parse_file(path, course, text=text)  # the empty-file problem
        return empty, {"whole": True, "front": {"ok": False, "problems": _problems(empty)}, "chunks": []}
    lines = text.split("\n")
    chunks = {c[0]: c for c in previous["chunks"] if c[0] is not None} if previous and not previous["whole"] else {}
    if chunks and "\r" not in text:
        try:
            return _by_chunks(path, course, lines, salt, chunks)
        except _Whole:
            pass
    return _whole(path, course, text, lines, salt)


def assemble(path: Path, entry: Entry, live: dict[int, _Live] | None = None) -> ParsedFile:
    """The parse result an entry holds (what `parse_incremental` returned with it); `live` gives
    the results of chunks just parsed, by index, so that they are not read back from their stored form."""
    front = entry["front"]
    result = ParsedFile(None, [_problem(path, p) for p in front["problems"]])
    if not front["ok"]:
        return result
    cards: list[Card] = []
    count = 0
    for n, (_key, _start, data) in enumerate(entry["chunks"]):
        if live is not None and n in live:
            cards += live[n][0]
            result.problems += live[n][1]
            result.spans += live[n][2]
        else:
            cards += [Card.from_dict(c, path) for c in data["cards"]]
            result.problems += [_problem(path, p) for p in data["problems"]]
            result.spans += [CardSpan(h, i, has) for h, i, has in data["spans"]]
        result.ids += data["ids"]
        count += data["count"]
    if count == 0:
        result.problems.append(no_cards(path, front["end"]))
    result.deck = DeckFile(path, front["title"], front["domain"], front["subdeck"], tuple(cards))
    return result


def _whole(path: Path, course: Course, text: str, lines: list[str], salt: str) -> tuple[ParsedFile, Entry]:
    """One markdown-it parse of the whole file, stored cut into chunks at its top-level headings."""
    env: dict[str, Any] = {}
    tokens = markdown().parse(text, env)
    parser = _FileParser(path, course, text, ParsedFile(None))
    entry: Entry = {"whole": bool(env.get("references")) or "\r" in text, "chunks": []}
    ok = parser.front(tokens)
    entry["front"] = _front(parser, ok, tokens)
    live: dict[int, _Live] = {}
    if ok:
        context = _context(parser, salt, path)
        cuts = [0] + [
            i
            for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.level == 0 and t.tag in ("h1", "h2", "h3") and t.markup.startswith("#")
        ]
        if len(cuts) > 1 and cuts[1] == 0:
            cuts.pop(0)
        cuts.append(len(tokens))
        section: tuple[str, ...] | None = None
        for n in range(len(cuts) - 1):
            a, b = cuts[n], cuts[n + 1]
            start = 0 if n == 0 else tokens[a].map[0]
            end = tokens[b].map[0] if b < len(tokens) else len(lines)
            key = None if n == 0 else _key(context, section, lines, start, end)
            parser.result = ParsedFile(None)
            cards, count, section = parser.heads(tokens[a:b], section, end)
            live[n] = (cards, parser.result.problems, parser.result.spans)
            entry["chunks"].append([key, start, _data(parser.result, cards, count, section, 0)])
    return assemble(path, entry, live), entry


def _by_chunks(
    path: Path, course: Course, lines: list[str], salt: str, old: dict[str, list[Any]]
) -> tuple[ParsedFile, Entry]:
    cuts = _candidates(lines)
    first_end = cuts[0] if cuts else len(lines)
    tokens = _parse_chunk(lines, 0, first_end)
    if lines[0].startswith("---") and (not tokens or tokens[0].type != "front_matter"):
        raise _Whole()  # front matter closed only after a heading line, or not at all
    parser = _FileParser(path, course, "\n".join(lines[:first_end]), ParsedFile(None))
    ok = parser.front(tokens)
    entry: Entry = {"whole": False, "front": _front(parser, ok, tokens), "chunks": []}
    if not ok:
        return assemble(path, entry), entry
    context = _context(parser, salt, path)
    parser.result = ParsedFile(None)
    cards, count, section = parser.heads(tokens, None, first_end)
    live: dict[int, _Live] = {0: (cards, parser.result.problems, parser.result.spans)}
    entry["chunks"].append([None, 0, _data(parser.result, cards, count, section, 0)])
    bounds = [*cuts, len(lines)]
    placed: dict[str, tuple[int, Entry]] = {}
    for start, end in zip(bounds, bounds[1:], strict=False):
        key = _key(context, section, lines, start, end)
        hit = old.get(key)
        if key in placed:  # the same chunk twice in the file: a copy, moved
            data = _moved(copy.deepcopy(placed[key][1]), start - placed[key][0])
            section = tuple(data["section"]) if data["section"] is not None else None
        elif hit is not None:
            data = _moved(hit[2], start - hit[1])
            section = tuple(data["section"]) if data["section"] is not None else None
        else:
            chunk = _FileParser(path, course, "\n".join(lines[start:end]), ParsedFile(None))
            chunk.title, chunk.defaults, chunk.deck_name = parser.title, parser.defaults, parser.deck_name
            cards, count, section = chunk.heads(_parse_chunk(lines, start, end), section, end - start)
            data = _data(chunk.result, cards, count, section, start)
            live[len(entry["chunks"])] = _shifted(path, chunk.result, cards, start)
        placed[key] = (start, data)
        entry["chunks"].append([key, start, data])
    return assemble(path, entry, live), entry


def _candidates(lines: list[str]) -> list[int]:
    """0-based numbers of the lines after the first that may start a level 1-3 heading."""
    return [i for i, line in enumerate(lines) if i > 0 and line[:1] in "# " and HEADING_RE.match(line)]


def _parse_chunk(lines: list[str], start: int, end: int) -> list[Token]:
    """Tokens of lines[start:end], parsed on their own; raise _Whole unless the next heading
    line would still be a top-level heading after them and nothing in them reaches further."""
    text = "\n".join(lines[start:end])
    if text.rfind("\\[") > text.rfind("\\]"):
        raise _Whole()  # display math may close in a later chunk
    env: dict[str, Any] = {}
    if end == len(lines):
        tokens = markdown().parse(text, env)
    else:
        tokens = markdown().parse(text + "\n" + lines[end], env)
        if len(tokens) < 3 or tokens[-3].type != "heading_open" or tokens[-3].level or tokens[-3].map[0] != end - start:
            raise _Whole()
        del tokens[-3:]
    if env.get("references"):
        raise _Whole()  # a link reference definition serves the whole file
    return tokens


def _front(parser: _FileParser, ok: bool, tokens: list[Token]) -> Entry:
    problems = _problems(parser.result)
    if not ok:
        return {"ok": False, "problems": problems}
    return {
        "ok": True,
        "problems": problems,
        "title": parser.title,
        "domain": parser.defaults.domain,
        "subdeck": parser.defaults.subdeck,
        "end": tokens[0].map[1],
    }


def _context(parser: _FileParser, salt: str, path: Path) -> str:
    """What every card of the file reads from outside its own lines."""
    return hashlib.sha256(f"{salt}\0{path}\0{parser.defaults!r}\0{parser.deck_name}".encode()).hexdigest()


def _key(context: str, section: tuple[str, ...] | None, lines: list[str], start: int, end: int) -> str:
    nxt = SHAPE_RE.match(lines[end]).group() if end < len(lines) else ""  # type: ignore[union-attr]
    text = "\n".join(lines[start:end])
    return hashlib.sha256(f"{context}\0{section!r}\0{nxt}\0{text}".encode()).hexdigest()[:32]


def _data(result: ParsedFile, cards: list[Card], count: int, section: tuple[str, ...] | None, shift: int) -> Entry:
    """A chunk's results in stored form, moved down by `shift` lines."""
    stored = []
    for card in cards:
        d = card.to_dict()
        d["location"][1] += shift
        stored.append(d)
    return {
        "cards": stored,
        "problems": [_problem_json(p, shift) for p in result.problems],
        "spans": [[s.heading_line + shift, s.insert_line + shift, s.has_id] for s in result.spans],
        "ids": result.ids,
        "count": count,
        "section": list(section) if section is not None else None,
    }


def _shifted(path: Path, result: ParsedFile, cards: list[Card], shift: int) -> _Live:
    """A chunk parsed on its own, moved down to its lines in the file."""
    return (
        [replace(c, location=Location(path, c.location.line + shift, c.location.col)) for c in cards],
        [
            replace(p, location=Location(p.location.path, p.location.line + shift, p.location.col))
            for p in result.problems
        ],
        [CardSpan(s.heading_line + shift, s.insert_line + shift, s.has_id) for s in result.spans],
    )


def _moved(data: Entry, shift: int) -> Entry:
    """A stored chunk moved down by `shift` lines (in place: it is stored again as moved)."""
    if shift:
        for d in data["cards"]:
            d["location"][1] += shift
        for p in data["problems"]:
            p[0] += shift
        for s in data["spans"]:
            s[0] += shift
            s[1] += shift
    return data


def _problems(result: ParsedFile) -> list[list[Any]]:
    return [_problem_json(p) for p in result.problems]


def _problem_json(p: Problem, shift: int = 0) -> list[Any]:
    return [p.location.line + shift, p.location.col, p.message, p.hint, p.severity]


def _problem(path: Path, d: list[Any]) -> Problem:
    return Problem(Location(path, d[0], d[1]), d[2], d[3], d[4])
