"""Parse one Markdown deck file into cards, collecting every problem with its location.

The file goes through markdown-it once; cards are cut from its block tokens: level-3
headings start cards, level-1 and level-2 headings are sections, HTML comments right under a
card heading hold its metadata.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from markdown_it.token import Token


from srscards.errors import Location, Problem, SourceError
from srscards.model.card import DIFFICULTIES, Card, CardType, Fragment, Option, Pair
from srscards.model.course import Course, DeckFile
from srscards.sources import cloze
from srscards.sources.course_file import ID_RE, TASK_RE, read_text
from srscards.sources.markdown import markdown
from srscards.sources.markdown import render_tokens as _render_tokens
from srscards.sources.sanitize import CONTROL_RE, clean, link_violation, map_image_sources, violations
from srscards.sources.yaml_positions import load

FRONT_KEYS = {"title", "domain", "subdeck", "tasks", "tags", "exam", "cheatsheet", "checked"}
CARD_KEYS = {
    "id", "type", "tasks", "tags", "exam", "lab", "cheatsheet", "source", "difficulty", "concepts", "checked",
}  # fmt: skip
CHECKED_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])\Z")
TAG_RE = re.compile(r"[A-Za-z0-9_\-]+(::[A-Za-z0-9_\-]+)*")  # with fullmatch: `$` accepts a final newline
SECTION_TASK_RE = re.compile(r"^([0-9]+\.[0-9]+)(?:\s|\Z)")
TASKBOX_RE = re.compile(r"^\[( |x|X)\][ \t]+")
# Control characters other than tab and line ends: a terminal would act on them (ESC sequences).
SOURCE_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PIN = "{pin}"  # at the end of an option's first line: the option keeps its place when options are shuffled
LIST_MARKER_RE = re.compile(r"^\s*\d+[.)]\s+")
# A metadata comment that holds nothing but a plain id (YAML reads it as {"id": <that text>}).
LONE_CR_MESSAGE = "line ends with a lone carriage return (old Mac line endings)"
QUICK_ID_RE = re.compile(r" *id:[ \t]+([a-z0-9][a-z0-9-]{0,39})[ \t]*")


@dataclass
class CardSpan:
    """Where a card sits in its file, for tools that edit sources in place (`srscards ids`)."""

    heading_line: int  # 1-based line of the card heading
    insert_line: int  # 0-based index of the line after the heading
    has_id: bool


@dataclass
class ParsedFile:
    deck: DeckFile | None
    problems: list[Problem] = field(default_factory=list)
    spans: list[CardSpan] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # every valid card id, also of cards with errors


@dataclass
class _Defaults:
    domain: int | None = None
    subdeck: str = ""
    tasks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exam: str = "both"
    cheatsheet: bool = False
    checked: str = ""


class _Fail(Exception):
    """Stops parsing one card; the problem is already recorded."""


def parse_file(path: Path, course: Course, text: str | None = None) -> ParsedFile:
    """Parse a deck file; problems are returned, never raised."""
    result = ParsedFile(None)
    try:
        if text is None:
            text = read_text(path)
    except SourceError as exc:
        result.problems.append(exc.problem)
        return result
    problem = file_problem(path, text)
    if problem is not None:
        result.problems.append(problem)
        return result
    if not text.strip():
        result.problems.append(
            Problem(Location(path), "empty deck file", "add front matter and cards, or delete the file")
        )
        return result
    return _FileParser(path, course, text, result).run()


def file_problem(path: Path, text: str) -> Problem | None:
    """What makes a whole file unreadable as a deck: lone carriage returns, control characters."""
    lone_cr = _lone_cr(text)
    if lone_cr is not None:
        line = text.count("\n", 0, lone_cr) + text.count("\r", 0, lone_cr) + 1
        return Problem(
            Location(path, line, lone_cr - max(text.rfind("\n", 0, lone_cr), text.rfind("\r", 0, lone_cr))),
            LONE_CR_MESSAGE,
            "save the file with LF (Unix) or CRLF (Windows) line endings",
        )
    control = SOURCE_CONTROL_RE.search(text)
    if control is not None:
        at = control.start()
        return Problem(
            Location(path, text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)),
            f"control character U+{ord(control.group()):04X} in the text",
            "delete it: terminals act on control characters (escape sequences)",
        )
    return None


class _FileParser:
    def __init__(self, path: Path, course: Course, text: str, result: ParsedFile) -> None:
        self.path = path
        self.course = course
        self.text = text
        self.lines = text.split("\n")
        self.result = result
        self.course_root = course.path.resolve()
        self.known_tasks = {t for p in course.profiles for t in p.tasks}
        self.block_end = 0  # 0-based end line of the block whose HTML is being checked
        self.stop = len(self.lines)  # `find` searches no further than this 0-based line

    # -- problems ---------------------------------------------------------------------------

    def problem(self, line: int, col: int, message: str, hint: str, warning: bool = False) -> None:
        self.result.problems.append(
            Problem(Location(self.path, line, col), message, hint, "warning" if warning else "error")
        )

    def fail(self, line: int, col: int, message: str, hint: str) -> _Fail:
        self.problem(line, col, message, hint)
        return _Fail()

    def check_pin(self, line: int, text: str, hint: str) -> None:
        """A `{pin}` left in `text` (a card's content from source line `line`) is misplaced: stop at it."""
        if PIN in text:
            raise self.fail(*self.find(line - 1, PIN), "{pin} is misplaced", hint)

    def find(self, line0: int, needle: str, default_col: int = 1) -> tuple[int, int]:
        """1-based line and column of `needle`, searching from 0-based line `line0`."""
        for i in range(max(line0, 0), self.stop):
            pos = self.lines[i].find(needle)
            if pos >= 0:
                return i + 1, pos + 1
        return line0 + 1, default_col

    # -- file level -------------------------------------------------------------------------

    def run(self) -> ParsedFile:
        tokens = markdown().parse(self.text)
        if not self.front(tokens):
            return self.result
        cards, count, _ = self.heads(tokens, None, len(self.lines))
        self.finish(cards, count, tokens[0].map[1])
        return self.result

    def front(self, tokens: list[Token]) -> bool:
        """Read the front matter (the file's first token); False when the file cannot go on."""
        if not tokens or tokens[0].type != "front_matter":
            self.problem(
                1, 1, "missing front matter",
                "start the file with a YAML block: ---, title: ..., domain: N, ---",
            )  # fmt: skip
            return False
        try:
            self.title, self.defaults = self.front_matter(tokens[0])
        except _Fail:
            return False
        self.deck_name = self.course.domain_deck(self.defaults.domain, self.title, self.defaults.subdeck)
        return True

    def heads(
        self, tokens: list[Token], section_tasks: tuple[str, ...] | None, end_line: int
    ) -> tuple[list[Card], int, tuple[str, ...] | None]:
        """Cards and sections of a run of tokens that ends at 0-based line `end_line`.

        Returns the cards, how many card headings there were, and the section's tasks in force
        at the end. A card's problems are located within its own lines (up to the next heading)."""
        defaults = self.defaults
        cards: list[Card] = []
        heads = [
            i for i, t in enumerate(tokens) if t.type == "heading_open" and t.level == 0 and t.tag in ("h1", "h2", "h3")
        ]
        ends = [tokens[i].map[0] for i in heads[1:]] + [end_line]
        heads.append(len(tokens))
        card_count = 0
        for n, i in enumerate(heads[:-1]):
            head, inline = tokens[i], tokens[i + 1]
            self.stop = ends[n]
            if head.tag != "h3":
                m = SECTION_TASK_RE.match(inline.content) if head.tag == "h2" else None
                section_tasks = (m.group(1),) if m else None
                if m and m.group(1) not in self.known_tasks:
                    line, col = self.find(head.map[0], m.group(1))
                    self.problem(
                        line, col, f"unknown task statement {m.group(1)} in section heading",
                        f"use one of: {', '.join(sorted(self.known_tasks))}",
                    )  # fmt: skip
                continue
            card_count += 1
            body = tokens[i + 3 : heads[n + 1]]
            tasks = section_tasks if section_tasks is not None else defaults.tasks
            try:
                card = self.card(head, inline, body, defaults, tasks)
            except _Fail:
                continue
            cards.append(card)
        self.stop = len(self.lines)
        return cards, card_count, section_tasks

    def finish(self, cards: list[Card], card_count: int, front_end: int) -> None:
        """Close the file: the deck of `cards`, or a problem when it has no card headings."""
        if card_count == 0:
            self.result.problems.append(no_cards(self.path, front_end))
        self.result.deck = DeckFile(
            path=self.path,
            title=self.title,
            domain=self.defaults.domain,
            subdeck=self.defaults.subdeck,
            cards=tuple(cards),
        )

    def front_matter(self, token: Token) -> tuple[str, _Defaults]:
        try:
            doc = load(token.content, self.path, line=token.map[0] + 2)
        except SourceError as exc:
            self.result.problems.append(exc.problem)
            raise _Fail() from None
        data = doc.data
        if not isinstance(data, dict):
            raise self.fail(1, 1, "front matter must be `key: value` lines", "write `title: ...`")
        for key in data:
            if key not in FRONT_KEYS:
                loc = doc.key(key)
                raise self.fail(
                    loc.line, loc.col, f"unknown front matter key {key!r}",
                    f"use one of: {', '.join(sorted(FRONT_KEYS))}",
                )  # fmt: skip
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise self.fail(1, 1, "front matter has no title", "add `title: Deck name`")
        defaults = _Defaults()
        if "domain" in data:
            domain = data["domain"]
            numbers = {d.number for p in self.course.profiles for d in p.domains}
            if not isinstance(domain, int) or isinstance(domain, bool) or domain not in numbers:
                loc = doc.value("domain")
                raise self.fail(
                    loc.line, loc.col, f"unknown exam domain {domain!r}",
                    f"use one of: {', '.join(map(str, sorted(numbers)))}, or leave `domain` out",
                )  # fmt: skip
            defaults.domain = domain
        if "subdeck" in data:
            defaults.subdeck = self.plain_text(data["subdeck"], doc.value("subdeck"), "subdeck")
        defaults.tasks = self.tasks(data.get("tasks"), doc.value("tasks"))
        defaults.tags = tuple(dict.fromkeys(self.tags(data.get("tags"), doc.value("tags"))))
        defaults.exam = self.exam(data.get("exam", "both"), doc.value("exam"))
        defaults.cheatsheet = self.boolean(data.get("cheatsheet", False), doc.value("cheatsheet"))
        if "checked" in data:
            defaults.checked = self.checked(data["checked"], doc.value("checked"))
        return title.strip(), defaults

    # -- value checks -----------------------------------------------------------------------

    def plain_text(self, value: Any, loc: Location, key: str) -> str:
        if not isinstance(value, str) or not value.strip() or "::" in value:
            raise self.fail(loc.line, loc.col, f"`{key}` must be a short text", "write a name")
        return value.strip()

    def listed(self, value: Any) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, (list, tuple)):
            return list(value)
        return [value]

    def tasks(self, value: Any, loc: Location) -> tuple[str, ...]:
        out = []
        known = self.known_tasks
        for item in self.listed(value):
            task = str(item)
            if not TASK_RE.fullmatch(task) or task not in known:
                raise self.fail(
                    loc.line, loc.col, f"unknown task statement {task!r}",
                    f"use one of: {', '.join(sorted(known))}",
                )  # fmt: skip
            out.append(task)
        return tuple(dict.fromkeys(out))

    def tags(self, value: Any, loc: Location) -> tuple[str, ...]:
        items = value.split() if isinstance(value, str) else self.listed(value)
        for tag in items:
            if not isinstance(tag, str) or not TAG_RE.fullmatch(tag):
                raise self.fail(
                    loc.line, loc.col, f"invalid tag {tag!r}",
                    "use letters, digits, - and _, with :: for hierarchy; no spaces",
                )  # fmt: skip
        return tuple(items)

    def exam(self, value: Any, loc: Location) -> str:
        allowed = {"both": "both", **{v.upper(): v for v in self.course.versions}}
        key = str(value).upper() if str(value).lower() != "both" else "both"
        if key not in allowed:
            raise self.fail(
                loc.line, loc.col, f"unknown exam version {value!r}",
                f"use one of: {', '.join(allowed.values())}",
            )  # fmt: skip
        return allowed[key]

    def boolean(self, value: Any, loc: Location) -> bool:
        if not isinstance(value, bool):
            raise self.fail(loc.line, loc.col, f"expected true or false, not {value!r}", "write true or false")
        return value

    # -- cards ------------------------------------------------------------------------------

    def card(
        self,
        head: Token,
        inline: Token,
        body: list[Token],
        defaults: _Defaults,
        tasks: tuple[str, ...],
    ) -> Card:
        line = head.map[0] + 1
        blocks = _split_blocks(body)
        meta: dict[str, Any] = {}
        meta_locs: dict[str, Location] = {}
        while blocks and _is_comment(blocks[0]):
            self.metadata(blocks.pop(0)[0], meta, meta_locs)
        self.result.spans.append(CardSpan(line, head.map[1], "id" in meta))
        if not inline.content.strip():
            raise self.fail(line, 1, "card heading is empty", "write the question after ###")
        card_id = meta.get("id")
        if card_id is None:
            raise self.fail(line, 1, "card has no id", "run `srscards ids` to add one")
        loc = meta_locs["id"]
        if isinstance(card_id, str) and ID_RE.fullmatch(card_id):
            self.result.ids.append(card_id)
        else:
            raise self.fail(
                loc.line, loc.col, f"invalid card id {card_id!r}",
                "use 3 to 40 characters of a-z, 0-9 and -, or delete it and run `srscards ids`",
            )  # fmt: skip
        media = self.check_inline([inline, *body], line)
        title = Fragment(inline.content.strip(), render_tokens([inline]))
        card_type = self.card_type(meta, meta_locs, blocks, inline)
        here = Location(self.path, line, 1)

        def m(key: str) -> Location:
            return meta_locs.get(key, here)

        common: dict[str, Any] = {
            "id": card_id,
            "type": card_type,
            "title": title,
            "domain": defaults.domain,
            "deck": self.deck_name,
            "tasks": self.tasks(meta["tasks"], m("tasks")) if "tasks" in meta else tasks,
            "tags": tuple(dict.fromkeys(defaults.tags + self.tags(meta["tags"], m("tags"))))
            if "tags" in meta
            else defaults.tags,
            "exam": self.exam(meta["exam"], m("exam")) if "exam" in meta else defaults.exam,
            "cheatsheet": self.boolean(meta["cheatsheet"], m("cheatsheet"))
            if "cheatsheet" in meta
            else defaults.cheatsheet,
            "source": self.url(meta.get("source"), m("source")),
            "lab": self.name(meta.get("lab"), m("lab"), "lab"),
            "difficulty": self.difficulty(meta.get("difficulty"), m("difficulty")),
            "concepts": self.concepts(meta.get("concepts"), m("concepts")),
            "checked": self.checked(meta["checked"], m("checked")) if "checked" in meta else defaults.checked,
            "media": media,
            "location": here,
            "digest": self.digest(head.map[0], body),
        }
        self.check_domain(common["tasks"], defaults.domain, line)
        build = {
            CardType.BASIC: self.basic,
            CardType.REVERSIBLE: self.basic,
            CardType.CLOZE: self.cloze,
            CardType.CHOICE: self.choice,
            CardType.ORDERING: self.ordering,
            CardType.MATCHING: self.matching,
        }[card_type]
        return Card(**common, **build(blocks, line, inline))

    def metadata(self, token: Token, meta: dict[str, Any], locs: dict[str, Location]) -> None:
        raw = token.content.strip()
        inner = raw[4:-3]
        first = self.lines[token.map[0]]
        col = first.find("<!--") + 5
        quick = QUICK_ID_RE.fullmatch(inner)
        if quick:  # the common `<!-- id: abc123 -->`: the same result as YAML, without a YAML parser
            meta["id"] = quick.group(1)
            locs["id"] = Location(self.path, token.map[0] + 1, col + quick.start(1))
            return
        try:
            doc = load(inner, self.path, line=token.map[0] + 1, col=col, closed=True)
        except SourceError as exc:
            self.result.problems.append(exc.problem)
            raise _Fail() from None
        if not isinstance(doc.data, dict):
            raise self.fail(
                token.map[0] + 1, col, "card metadata must be `key: value` pairs",
                "write <!-- id: abc123 --> or <!-- {id: abc123, tasks: [1.1]} -->; "
                "move other comments below the card text",
            )  # fmt: skip
        for key, value in doc.data.items():
            loc = doc.key(key)
            if key not in CARD_KEYS:
                raise self.fail(
                    loc.line, loc.col, f"unknown card key {key!r}",
                    f"use one of: {', '.join(sorted(CARD_KEYS))}",
                )  # fmt: skip
            if key in meta:
                raise self.fail(loc.line, loc.col, f"card key {key!r} given twice", "keep one")
            if key == "id" and doc.text(key) is not None:
                value = doc.text(key)  # as written: `id: 0123` is the id "0123", not a number
            elif key == "concepts" and isinstance(value, list):
                value = [doc.text(key, i) if doc.text(key, i) is not None else v for i, v in enumerate(value)]
            meta[key] = value
            locs[key] = doc.value(key)

    def card_type(
        self, meta: dict[str, Any], locs: dict[str, Location], blocks: list[list[Token]], inline: Token
    ) -> CardType:
        if "type" in meta:
            try:
                return CardType(str(meta["type"]).lower())
            except ValueError:
                loc = locs["type"]
                raise self.fail(
                    loc.line, loc.col, f"unknown card type {meta['type']!r}",
                    f"use one of: {', '.join(t.value for t in CardType)}",
                ) from None  # fmt: skip
        if any(_task_list(b) for b in blocks):
            return CardType.CHOICE
        if cloze.START_RE.search(inline.content) or any(cloze.START_RE.search(self.source(b)) for b in blocks):
            return CardType.CLOZE
        return CardType.BASIC

    def url(self, value: Any, loc: Location) -> str:
        if value is None:
            return ""
        if not isinstance(value, str) or not re.fullmatch(r"https?://\S+", value):
            raise self.fail(
                loc.line, loc.col, "`source` must be an http(s) URL",
                'quote the URL: source: "https://docs.aws.amazon.com/..."',
            )  # fmt: skip
        return value

    def name(self, value: Any, loc: Location, key: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str) or not ID_RE.fullmatch(value):
            raise self.fail(loc.line, loc.col, f"invalid {key} name {value!r}", "use a-z, 0-9 and -")
        return value

    def difficulty(self, value: Any, loc: Location) -> str:
        if value is None:
            return ""
        if value not in DIFFICULTIES:
            raise self.fail(
                loc.line, loc.col, f"unknown difficulty {value!r}", f"use one of: {', '.join(DIFFICULTIES)}"
            )
        return value

    def checked(self, value: Any, loc: Location) -> str:
        """A `checked: YYYY-MM` month (a full date is read as its month)."""
        text = value.strftime("%Y-%m") if isinstance(value, date) else str(value)
        if not CHECKED_RE.match(text):
            raise self.fail(
                loc.line, loc.col, f"`checked` must be a year and month, not {value!r}",
                "write the month the facts were last checked, e.g. checked: 2026-12",
            )  # fmt: skip
        return text

    def concepts(self, value: Any, loc: Location) -> tuple[str, ...]:
        items = self.listed(value)
        for item in items:
            if not isinstance(item, str) or not ID_RE.fullmatch(item):
                raise self.fail(loc.line, loc.col, f"invalid card id {item!r} in concepts", "list card ids")
        return tuple(items)

    def check_domain(self, tasks: tuple[str, ...], domain: int | None, line: int) -> None:
        if domain is None or not tasks:
            return
        if all(self.course.task_domain(t) != domain for t in tasks):
            raise self.fail(
                line, 1, f"task statement(s) {', '.join(tasks)} are not in domain {domain}",
                f"give the card a task of domain {domain}, or move it to that domain's file",
            )  # fmt: skip

    def digest(self, first_line: int, body: list[Token]) -> str:
        last = max((t.map[1] for t in body if t.map), default=first_line + 1)
        chunk = "\n".join(self.lines[first_line:last])
        return hashlib.sha256(chunk.encode()).hexdigest()[:16]

    # -- content checks ---------------------------------------------------------------------

    def check_inline(self, body: list[Token], card_line: int) -> tuple[Path, ...]:
        """Refuse scripts and embeds in card HTML; check every image path and write it relative to
        the course folder, the form every view maps to its own medium. Returns the images found."""
        found: list[Path] = []
        line0 = card_line - 1
        for tok in body:
            if tok.map:
                line0, self.block_end = tok.map
            if tok.type == "html_block":
                self.check_html(tok, line0)
                found += self.check_html_images(tok, line0)
            for child in tok.children or ():
                if child.type == "html_inline":
                    self.check_html(child, line0)
                    found += self.check_html_images(child, line0)
                elif child.type == "link_open":
                    self.check_link(child, line0)
                elif child.type == "image":
                    found.append(self.check_image(child, line0))
                elif child.children:  # an image inside a link's text
                    for inner in child.children:
                        if inner.type == "image":
                            found.append(self.check_image(inner, line0))
        return tuple(dict.fromkeys(found))

    def check_html(self, tok: Token, line0: int) -> None:
        """Card HTML passes the allowlist as written: what the sanitiser would change is an error here."""
        found = violations(tok.content)
        if found:
            self.html_problem(found[0], line0)

    def check_link(self, tok: Token, line0: int) -> None:
        found = link_violation(str(tok.attrGet("href") or ""))
        if found:
            self.html_problem(found, line0, str(tok.attrGet("href") or ""))

    def html_problem(self, found: Any, line0: int, needle: str = "") -> None:
        """Fail at `needle` (any case) in the block being checked; else at the first tag there."""
        needle = (needle or found.needle).lower()
        lines = self.lines[line0 : max(self.block_end, line0 + 1)]
        spot = next(((i, t.lower().find(needle)) for i, t in enumerate(lines) if needle in t.lower()), None)
        spot = spot or next(((i, t.find("<")) for i, t in enumerate(lines) if "<" in t), (0, 0))
        line, col = line0 + spot[0] + 1, spot[1] + 1
        raise self.fail(
            line, col, f"{found.message()}",
            "remove it: cards may hold formatting, images from the course folder and http(s) links only",
        )  # fmt: skip

    def check_html_images(self, tok: Token, line0: int) -> list[Path]:
        """An `<img>` written as HTML is checked like a Markdown image, its src written relative to the course."""
        found: list[Path] = []

        def swap(src: str) -> str:
            target = self.image_file(src, line0, "<img", encoded=False)
            found.append(target)
            return target.relative_to(self.course_root).as_posix()

        tok.content = map_image_sources(tok.content, swap)
        return found

    def check_image(self, tok: Token, line0: int) -> Path:
        target = self.image_file(str(tok.attrGet("src") or ""), line0, "![", encoded=True)
        tok.attrSet("src", target.relative_to(self.course_root).as_posix())  # each view maps it to its medium
        return target

    def image_file(self, src: str, line0: int, opening: str, encoded: bool) -> Path:
        """The file an image `src` names, or a located error; `encoded`: percent-encoded (Markdown)."""
        line, col = self.find(line0, src or opening)
        if not src or re.match(r"^[a-z][a-z0-9+.-]*:", src, re.IGNORECASE) or src.startswith("/"):
            raise self.fail(
                line, col, f"image {src!r} is not a path inside the course folder",
                "copy the image into the course folder (e.g. media/) and use a relative path",
            )  # fmt: skip
        if not encoded:
            src = src.strip(" \t\n\r\f")  # browsers drop the spaces around a URL
        if encoded or not _exists(self.path.parent / src):
            src = unquote(src)  # markdown-it percent-encodes the link: `café.png`, `<my pic.png>`
        line, col = self.find(line0, src) if src in "\n".join(self.lines[line0:]) else (line, col)
        shown = src if len(src) <= 80 else src[:77] + "..."
        if "\x00" in src or CONTROL_RE.search(src):
            raise self.fail(
                line, col, f"image path {shown!r} holds a control character", "remove it from the path"
            )  # fmt: skip
        try:
            target = (self.path.parent / src).resolve()
            is_file, exists = target.is_file(), target.exists()
        except RuntimeError:  # a symbolic link loop
            raise self.fail(
                line, col, f"image {shown!r} is a symbolic link loop", "point the link at a real image file"
            ) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self.fail(
                    line, col, f"image {shown!r} is a symbolic link loop", "point the link at a real image file"
                ) from None
            hint = "use a shorter path" if exc.errno == errno.ENAMETOOLONG else "check the file name and path"
            raise self.fail(line, col, f"cannot use image {shown!r}: {exc.strerror}", hint) from None
        if not target.is_relative_to(self.course_root):
            raise self.fail(
                line, col, f"image {shown!r} points outside the course folder",
                "keep images inside the course folder and use a relative path without ../",
            )  # fmt: skip
        if not is_file:
            if exists:
                raise self.fail(line, col, f"image {shown!r} is not a regular file", "use an ordinary image file")
            raise self.fail(line, col, f"image {shown!r} not found", "check the file name and path")
        if not os.access(target, os.R_OK):
            raise self.fail(line, col, f"cannot read image {src!r}: permission denied", "make it readable")
        return target

    def source(self, block: list[Token]) -> str:
        if not any(t.map for t in block):
            # Display math from the texmath plugin carries no line map; rebuild its source.
            return "".join(f"\\[{t.content}\\]" for t in block if t.type.startswith("math_block"))
        start = _first_line(block, 0)
        end = max((t.map[1] for t in block if t.map), default=start)
        return "\n".join(self.lines[start:end])

    def fragment(self, blocks: list[list[Token]]) -> Fragment:
        if not blocks:
            return Fragment()
        md = "\n\n".join(self.source(b) for b in blocks)
        return Fragment(md, render_tokens([t for b in blocks for t in b]))

    # -- card types -------------------------------------------------------------------------

    def basic(self, blocks: list[list[Token]], line: int, inline: Token) -> dict[str, Any]:
        before, after = _split_at_break(blocks)
        if after is None:
            before, after = [], before
        answer = self.fragment(after)
        if not answer:
            raise self.fail(
                line,
                1,
                "card has no answer",
                "write the answer under the heading (after *** if there is one)",
            )
        return {"prompt": self.fragment(before), "answer": answer}

    def cloze(self, blocks: list[list[Token]], line: int, inline: Token) -> dict[str, Any]:
        before, after = _split_at_break(blocks)
        text_blocks = before
        numbers: set[int] = set()
        numbers |= self.cloze_numbers(inline.content, line - 1, self.lines[line - 1].find(inline.content))
        for b in text_blocks:
            numbers |= self.cloze_numbers(self.source(b), _first_line(b, line - 1), 0)
        if not numbers:
            raise self.fail(line, 1, "cloze card has no deletions", "mark the hidden text as {{c1::text}}")
        return {
            "prompt": self.fragment(text_blocks),
            "extra": self.fragment(after or []),
            "cloze_numbers": tuple(sorted(numbers)),
        }

    def cloze_numbers(self, text: str, line0: int, col0: int) -> set[int]:
        """Numbers of the cloze deletions in `text`; unbalanced or empty deletions are errors."""

        def where(offset: int) -> tuple[int, int]:
            before = text[:offset]
            nl = before.count("\n")
            col = offset - (before.rfind("\n") + 1) + 1 + (col0 if nl == 0 else 0)
            return line0 + nl + 1, col

        try:
            return cloze.numbers(text)
        except cloze.ClozeError as exc:
            raise self.fail(*where(exc.offset), exc.message, exc.hint) from None

    def choice(self, blocks: list[list[Token]], line: int, inline: Token) -> dict[str, Any]:
        index = next((i for i, b in enumerate(blocks) if _task_list(b)), None)
        if index is None:
            raise self.fail(
                line, 1, "choice card has no options",
                "list the options as - [ ] wrong and - [x] right, each with its explanation",
            )  # fmt: skip
        options = []
        for item in _list_items(blocks[index]):
            para = item[1] if len(item) > 1 and item[1].type == "inline" else None
            item_line = item[0].map[0] + 1 if item[0].map else line
            if para is None:
                para = next((t for t in item if t.type == "inline"), None)
            m = TASKBOX_RE.match(para.content) if para is not None else None
            if m is None:
                raise self.fail(item_line, 1, "option has no checkbox", "start each option with [ ] or [x]")
            content = para.content[m.end() :]
            first, _, rest = content.partition("\n")
            later = _split_blocks(item[1:-1])[1:] if len(item) > 2 else []
            expl_md = "\n\n".join(
                part for part in [rest.strip(), *(textwrap.dedent(self.source(b)) for b in later)] if part.strip()
            )
            if not first.strip():
                raise self.fail(item_line, 1, "option has no text", "write the option after the checkbox")
            if not expl_md:
                raise self.fail(
                    item_line, 1, "option has no explanation",
                    "explain on the next lines of the item why this option is right or wrong",
                )  # fmt: skip
            pinned = first.rstrip().endswith(PIN)
            if pinned:
                first = first.rstrip()[: -len(PIN)]
            self.check_pin(item_line, first + "\n" + expl_md, "put {pin} at the end of the option's first line")
            if not first.strip():
                raise self.fail(item_line, 1, "option has no text", "write the option before {pin}")
            text_html, rest_html = _split_inline(para, m.end())
            if pinned:
                text_html = text_html.rstrip()[: -len(PIN)].rstrip()
            expl_html = (f"<p>{rest_html}</p>" if rest_html else "") + render_tokens([t for b in later for t in b])
            options.append(
                Option(
                    text=Fragment(first.strip(), text_html),
                    correct=m.group(1).lower() == "x",
                    explanation=Fragment(expl_md, expl_html),
                    pinned=pinned,
                )
            )
        if len(options) < 2:
            raise self.fail(line, 1, "choice card needs at least two options", "add options")
        if not any(o.correct for o in options):
            raise self.fail(line, 1, "choice card has no correct option", "mark the right option(s) with [x]")
        return {
            "prompt": self.fragment(blocks[:index]),
            "options": tuple(options),
            "extra": self.fragment(blocks[index + 1 :]),
        }

    def ordering(self, blocks: list[list[Token]], line: int, inline: Token) -> dict[str, Any]:
        index = next((i for i, b in enumerate(blocks) if b[0].type == "ordered_list_open"), None)
        if index is None:
            raise self.fail(line, 1, "ordering card has no ordered list", "list the steps as 1. 2. 3.")
        steps = []
        for item in _list_items(blocks[index]):
            md = LIST_MARKER_RE.sub("", self.source([item[0], *item]), count=1).strip()
            step_line = item[0].map[0] + 1 if item[0].map else line
            self.check_pin(step_line, md, "only choice options can be pinned; ordering steps are always shuffled")
            steps.append(Fragment(textwrap.dedent(md), render_tokens(item[1:-1])))
        if len(steps) < 2:
            raise self.fail(line, 1, "ordering card needs at least two steps", "add steps")
        return {
            "prompt": self.fragment(blocks[:index]),
            "steps": tuple(steps),
            "extra": self.fragment(blocks[index + 1 :]),
        }

    def matching(self, blocks: list[list[Token]], line: int, inline: Token) -> dict[str, Any]:
        index = next((i for i, b in enumerate(blocks) if b[0].type == "table_open"), None)
        if index is None:
            raise self.fail(line, 1, "matching card has no table", "write a two-column table of pairs")
        rows: list[list[Token]] = []
        for tok in blocks[index]:
            if tok.type == "tr_open":
                rows.append([])
            elif tok.type == "inline" and rows:
                rows[-1].append(tok)
        table_line = blocks[index][0].map[0] + 1
        if any(len(r) != 2 for r in rows):
            raise self.fail(table_line, 1, "matching table must have exactly two columns", "one pair per row")
        header, body = rows[0], rows[1:]
        for cells in body:
            self.check_pin(
                table_line,
                " ".join(c.content for c in cells),
                "only choice options can be pinned; matching is shuffled",
            )
        if len(body) < 2:
            raise self.fail(table_line, 1, "matching card needs at least two pairs", "add rows")
        pairs = tuple(
            Pair(Fragment(a.content, render_tokens([a])), Fragment(b.content, render_tokens([b]))) for a, b in body
        )
        return {
            "prompt": self.fragment(blocks[:index]),
            "pairs": pairs,
            "pair_headers": (header[0].content, header[1].content),
            "extra": self.fragment(blocks[index + 1 :]),
        }


def _lone_cr(text: str) -> int | None:
    """Offset of the first carriage return that is not part of CRLF (markdown-it counts it as a line
    break, `str.split("\n")` does not, so the two would disagree on line numbers)."""
    at = text.find("\r")
    while at >= 0:
        if not text.startswith("\n", at + 1):
            return at
        at = text.find("\r", at + 2)
    return None


def no_cards(path: Path, front_end: int) -> Problem:
    """The problem of a deck file without card headings; `front_end` is the line after its front matter."""
    return Problem(
        Location(path, front_end + 1, 1),
        "deck file has no cards",
        "start each card with a level-3 heading (### question)",
    )


def _split_blocks(tokens: list[Token]) -> list[list[Token]]:
    """Group a token stream into its top-level blocks."""
    blocks: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for tok in tokens:
        current.append(tok)
        depth += tok.nesting
        if depth == 0:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _split_inline(inline: Token, skip: int) -> tuple[str, str]:
    """Render an inline token as two parts, split at its first line break, minus `skip` leading characters."""
    children = list(inline.children or [])
    if children and children[0].type == "text":
        head = children[0].copy()
        head.content = head.content[skip:]
        children[0] = head
    cut = next((i for i, t in enumerate(children) if t.type in ("softbreak", "hardbreak")), len(children))
    md = markdown()
    first = md.renderer.renderInline(children[:cut], md.options, {}).strip()
    rest = md.renderer.renderInline(children[cut + 1 :], md.options, {}).strip()
    return clean(first), clean(rest)


def render_tokens(tokens: list[Token]) -> str:
    """Card HTML of `tokens`, through the allowlist (see `sanitize`)."""
    return clean(_render_tokens(tokens))


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long, a NUL byte: not a file either
        return False


def _first_line(block: list[Token], default: int) -> int:
    """0-based first source line of a block (some plugin tokens carry no line map)."""
    return next((t.map[0] for t in block if t.map), default)


def _split_at_break(blocks: list[list[Token]]) -> tuple[list[list[Token]], list[list[Token]] | None]:
    for i, b in enumerate(blocks):
        if b[0].type == "hr":
            return blocks[:i], blocks[i + 1 :]
    return blocks, None


def _is_comment(block: list[Token]) -> bool:
    if len(block) != 1 or block[0].type != "html_block":
        return False
    text = block[0].content.strip()
    return text.startswith("<!--") and text.endswith("-->") and text.count("<!--") == 1


def _list_items(block: list[Token]) -> list[list[Token]]:
    """The items of a list block, each from list_item_open to list_item_close."""
    items: list[list[Token]] = []
    inner = block[1:-1]
    current: list[Token] = []
    depth = 0
    for tok in inner:
        current.append(tok)
        depth += tok.nesting
        if depth == 0:
            items.append(current)
            current = []
    return items


def _task_list(block: list[Token]) -> bool:
    if block[0].type != "bullet_list_open":
        return False
    items = _list_items(block)
    firsts = [next((t for t in item if t.type == "inline"), None) for item in items]
    return any(f is not None and TASKBOX_RE.match(f.content) for f in firsts)
