"""Bad card sources: each case is a course folder that a hostile or unlucky author could leave behind.

Every case must give a located one-line error and exit code 1 from `check`, `build`, `ids` and `due`,
in bounded time, and leave an existing package and review store unchanged. `expect` is a part of
the message the user must see.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOOD = "---\ntitle: T\ndomain: 1\n---\n\n### Q\n<!-- id: abc-1 -->\n\nAnswer.\n"
CHOICE = "---\ntitle: T\ndomain: 1\n---\n\n### Q\n<!-- {id: abc-1, type: choice} -->\n\nPick one.\n"

# 556 bytes that expand to 9**8 (43 million) list items when the aliases are followed.
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefg"], "abcdefgh", strict=True)
)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path], None]  # writes into the course folder (which already holds course.yaml)
    expect: str  # part of the one-line message
    file: str = "x.md"  # the file the message names
    needs_non_root: bool = False  # permission checks are no-ops for root: run as another user


def deck(text: str, name: str = "x.md") -> Callable[[Path], None]:
    def make(course: Path) -> None:
        (course / name).write_text(text, encoding="utf-8")

    return make


def raw(data: bytes) -> Callable[[Path], None]:
    def make(course: Path) -> None:
        (course / "x.md").write_bytes(data)

    return make


def _with_good(extra: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(course: Path) -> None:
        (course / "good.md").write_text(GOOD.replace("abc-1", "good-1"), encoding="utf-8")
        extra(course)

    return make


def _fifo(course: Path) -> None:
    os.mkfifo(course / "x.md")


def _dev_zero(course: Path) -> None:
    os.symlink("/dev/zero", course / "x.md")


def _big(course: Path) -> None:
    card = "### Q{n}\n<!-- id: big-{n} -->\n\nAnswer with some words in it.\n\n"
    body = "".join(card.format(n=n) for n in range(60_000))  # about 3 MB
    (course / "x.md").write_text(GOOD + body, encoding="utf-8")


def _folder(course: Path) -> None:
    (course / "x.md").mkdir()


def _dangling(course: Path) -> None:
    os.symlink(course / "nowhere.md", course / "x.md")


def _deck_loop(course: Path) -> None:
    os.symlink(course / "y.md", course / "x.md")
    os.symlink(course / "x.md", course / "y.md")


def _unreadable_deck(course: Path) -> None:
    (course / "x.md").write_text(GOOD, encoding="utf-8")
    os.chmod(course / "x.md", 0)


def _unreadable_course(course: Path) -> None:
    (course / "x.md").write_text(GOOD, encoding="utf-8")
    os.chmod(course / "course.yaml", 0)


def _course_bomb(course: Path) -> None:
    text = (course / "course.yaml").read_text(encoding="utf-8")
    (course / "course.yaml").write_text(ALIAS_BOMB + text, encoding="utf-8")
    (course / "x.md").write_text(GOOD, encoding="utf-8")


def _course_dup(course: Path) -> None:
    text = (course / "course.yaml").read_text(encoding="utf-8")
    (course / "course.yaml").write_text(text.replace("deck: ", "name: again\ndeck: ", 1), encoding="utf-8")
    (course / "x.md").write_text(GOOD, encoding="utf-8")


def _image_loop(course: Path, body: str = "![a](media/a.png)") -> None:
    (course / "media").mkdir()
    os.symlink(course / "media" / "a.png", course / "media" / "b.png")
    os.symlink(course / "media" / "b.png", course / "media" / "a.png")
    (course / "x.md").write_text(GOOD.replace("Answer.", body), encoding="utf-8")


def _image_fifo(course: Path, body: str = "![a](media/a.png)") -> None:
    (course / "media").mkdir()
    os.mkfifo(course / "media" / "a.png")
    (course / "x.md").write_text(GOOD.replace("Answer.", body), encoding="utf-8")


def _image_unreadable(course: Path, body: str = "![a](media/a.png)") -> None:
    (course / "media").mkdir()
    (course / "media" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    os.chmod(course / "media" / "a.png", 0)
    (course / "x.md").write_text(GOOD.replace("Answer.", body), encoding="utf-8")


def _image_dev_zero(course: Path, body: str = '<img src="media/a.png">') -> None:
    (course / "media").mkdir()
    os.symlink("/dev/zero", course / "media" / "a.png")
    (course / "x.md").write_text(GOOD.replace("Answer.", body), encoding="utf-8")


def _html(make: Callable[[Path, str], None], body: str = "<img src='media/a.png' alt=a>") -> Callable[[Path], None]:
    """The same image problem, with the image written as HTML."""
    return lambda course: make(course, body)


def _bad(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


CASES: list[Case] = [
    # line endings and encodings
    Case("cr-only line endings", raw(GOOD.replace("\n", "\r").encode()), "lone carriage return"),
    Case("one lone CR in an LF file", raw(GOOD.replace("Answer.", "Ans\rwer.").encode()), "lone carriage return"),
    Case("not UTF-8", raw(GOOD.encode() + b"\n### Q2\n\n\xff\n"), "not UTF-8"),
    Case("UTF-16 with BOM", raw(GOOD.encode("utf-16")), "not UTF-8"),
    # front matter values of the wrong shape
    Case("domain a list", deck(_bad(GOOD, "domain: 1", "domain: [1]")), "unknown exam domain [1]"),
    Case("domain a mapping", deck(_bad(GOOD, "domain: 1", "domain: {a: 1}")), "unknown exam domain {'a': 1}"),
    Case("domain a float", deck(_bad(GOOD, "domain: 1", "domain: 1.0")), "unknown exam domain 1.0"),
    Case("domain true", deck(_bad(GOOD, "domain: 1", "domain: true")), "unknown exam domain True"),
    Case("domain a huge number", deck(_bad(GOOD, "domain: 1", "domain: " + "9" * 5000)), "invalid YAML value"),
    Case(
        "domain through an anchor",
        deck(_bad(_bad(GOOD, "title: T", "title: &t T"), "domain: 1", "domain: *t")),
        "alias *t is not allowed",
    ),
    Case("tags a mapping", deck(_bad(GOOD, "domain: 1", "domain: 1\ntags: {a: 1}")), "invalid tag"),
    Case("tag ending in a newline", deck(_bad(GOOD, "domain: 1", 'domain: 1\ntags: ["x\\n"]')), "invalid tag 'x\\n'"),
    Case("tasks a mapping", deck(_bad(GOOD, "domain: 1", "domain: 1\ntasks: {a: 1}")), "unknown task statement"),
    Case("title a list", deck(_bad(GOOD, "title: T", "title: [T]")), "front matter has no title"),
    Case("front matter a list", deck(_bad(GOOD, "title: T\ndomain: 1", "- a\n- b")), "front matter must be"),
    Case("duplicate front matter key", deck(_bad(GOOD, "domain: 1", "domain: 1\ndomain: 2")), "duplicate key 'domain'"),
    Case("deeply nested YAML", deck(_bad(GOOD, "domain: 1", "domain: " + "[" * 5000)), "invalid YAML"),
    Case(
        "nested YAML past the depth limit",
        deck(_bad(GOOD, "domain: 1", "tags: " + "[" * 40 + "]" * 40)),
        "nested too deeply",
    ),  # fmt: skip
    Case("alias bomb in front matter", deck(_bad(GOOD, "title: T", ALIAS_BOMB + "title: T")), "alias *a is not"),
    # card metadata
    Case(
        "id ending in a newline",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", '<!-- {id: "abc\\n"} -->')),
        "invalid card id 'abc\\n'",
    ),  # fmt: skip
    Case("2-character id", deck(_bad(GOOD, "abc-1", "ab")), "invalid card id 'ab'"),
    Case("41-character id", deck(_bad(GOOD, "abc-1", "a" * 41)), "invalid card id"),
    Case("id a list", deck(_bad(GOOD, "<!-- id: abc-1 -->", "<!-- {id: [abc-1]} -->")), "invalid card id"),
    Case(
        "type a list",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", "<!-- {id: abc-1, type: [basic]} -->")),
        "unknown card type",
    ),  # fmt: skip
    Case(
        "difficulty a mapping",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", "<!-- {id: abc-1, difficulty: {a: 1}} -->")),
        "unknown difficulty",
    ),  # fmt: skip
    Case(
        "source with a newline",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", '<!-- {id: abc-1, source: "https://a\\n"} -->')),
        "`source` must be an http(s) URL",
    ),  # fmt: skip
    Case(
        "source a javascript: URL",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", '<!-- {id: abc-1, source: "javascript:alert(1)"} -->')),
        "`source` must be an http(s) URL",
    ),  # fmt: skip
    Case(
        "duplicate card key",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", "<!-- {id: abc-1, id: abc-2} -->")),
        "duplicate key 'id'",
    ),  # fmt: skip
    Case(
        "alias bomb in a card comment",
        deck(_bad(GOOD, "<!-- id: abc-1 -->", "<!--\n" + ALIAS_BOMB + "id: abc-1\n-->")),
        "alias *a is not",
    ),  # fmt: skip
    # card bodies
    Case("choice with no options", deck(CHOICE), "choice card has no options"),
    Case("choice with one option", deck(CHOICE + "\n- [x] yes\n  because\n"), "at least two options"),
    Case("huge cloze number", deck(_bad(GOOD, "Answer.", "{{c99999999999999999999::x}}")), "is too large"),
    Case("cloze number past Anki's 500", deck(_bad(GOOD, "Answer.", "{{c501::x}}")), "c501 is too large"),
    Case("cloze number of 5000 digits", deck(_bad(GOOD, "Answer.", "{{c" + "7" * 5000 + "::x}}")), "is too large"),
    Case("cloze c0", deck(_bad(GOOD, "Answer.", "{{c0::x}}")), "malformed cloze deletion"),
    # files that are not ordinary deck files
    Case("FIFO named *.md", _with_good(_fifo), "not a regular file"),
    Case("deck linked to /dev/zero", _with_good(_dev_zero), "not a regular file"),
    Case("3 MB deck file", _big, "file is too large"),
    Case("folder named *.md", _with_good(_folder), "is a folder"),
    Case("dangling symlink", _with_good(_dangling), "broken symbolic link"),
    Case("deck symlink loop", _with_good(_deck_loop), "symbolic link loop"),
    Case("unreadable deck file", _with_good(_unreadable_deck), "permission denied", needs_non_root=True),
    Case("unreadable course.yaml", _unreadable_course, "permission denied", file="course.yaml", needs_non_root=True),
    Case("alias bomb in course.yaml", _course_bomb, "alias *a is not", file="course.yaml"),
    Case("duplicate key in course.yaml", _course_dup, "duplicate key 'name'", file="course.yaml"),
    # images
    Case("image symlink loop", _image_loop, "symbolic link loop"),
    Case("image a FIFO", _image_fifo, "is not a regular file"),
    Case("unreadable image", _image_unreadable, "permission denied", needs_non_root=True),
    Case("image outside the course", deck(_bad(GOOD, "Answer.", "![a](../../etc/passwd)")), "outside the course"),
    Case("image with a URL", deck(_bad(GOOD, "Answer.", "![a](https://example.com/a.png)")), "not a path inside"),
    Case("image path with a NUL", deck(_bad(GOOD, "Answer.", "![a](media/%00.png)")), "holds a control character"),
    Case("image path with ESC", deck(_bad(GOOD, "Answer.", "![a](media/%1b]0;x%07.png)")), "holds a control character"),
    Case("image name too long", deck(_bad(GOOD, "Answer.", f"![a]({'a' * 5000}.png)")), "File name too long"),
    # images written as HTML: checked like Markdown images
    Case("HTML image missing", deck(_bad(GOOD, "Answer.", '<img src="media/nope.png">')), "'media/nope.png' not found"),
    Case("HTML image unquoted, missing", deck(_bad(GOOD, "Answer.", "<p><IMG SRC=nope.png></p>")), "not found"),
    Case("HTML image without src", deck(_bad(GOOD, "Answer.", '<img alt="x">')), "'' is not a path inside"),
    Case("HTML image outside the course", deck(_bad(GOOD, "Answer.", "<img src='../../etc/passwd'>")), "outside the"),
    Case("HTML image absolute path", deck(_bad(GOOD, "Answer.", '<img src="/etc/passwd">')), "not a path inside"),
    Case(
        "HTML image with a URL",
        deck(_bad(GOOD, "Answer.", '<div><img src="https://example.com/a.png"></div>')),
        "loads a remote or inline resource",
    ),  # fmt: skip
    Case(
        "HTML image protocol-relative",
        deck(_bad(GOOD, "Answer.", '<img src="//example.com/a.png">')),
        "loads a remote or inline resource",
    ),  # fmt: skip
    Case(
        "HTML image data: URI",
        deck(_bad(GOOD, "Answer.", '<img src="data:image/png;base64,iVBORw0KGgo=">')),
        "loads a remote or inline resource",
    ),  # fmt: skip
    Case(
        "HTML image second src remote",
        deck(_bad(GOOD, "Answer.", '<img src="media/a.png" src="https://example.com/a.png">')),
        "loads a remote or inline resource",
    ),  # fmt: skip
    Case("HTML image path with a NUL", deck(_bad(GOOD, "Answer.", '<img src="a&#0;.png">')), "not found"),
    Case("HTML image percent NUL", deck(_bad(GOOD, "Answer.", '<img src="a%00.png">')), "holds a control character"),
    Case("HTML image name too long", deck(_bad(GOOD, "Answer.", f'<img src="{"a/" * 3000}x.png">')), "too long"),
    Case("HTML image symlink loop", _html(_image_loop), "symbolic link loop"),
    Case("HTML image a FIFO", _html(_image_fifo), "is not a regular file"),
    Case("HTML image linked to /dev/zero", _html(_image_dev_zero), "outside the course"),
    Case("HTML image unreadable", _html(_image_unreadable), "permission denied", needs_non_root=True),
    Case("HTML image a folder", _html(_image_fifo, '<img src="media">'), "is not a regular file"),
]
