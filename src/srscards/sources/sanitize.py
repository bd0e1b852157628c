"""Card HTML by allowlist: what a card may contain, checked at the source and enforced on output.

`violations` reads the author's HTML (raw HTML in a deck file, and the links Markdown makes) and
names every element, attribute or URL the allowlist refuses, so that `check` reports them where
they are written. `clean` runs the card HTML through nh3 (the ammonia sanitiser) with the same
allowlist, so nothing outside it reaches an output even if a check were missed: no script, no
event handler, no style sheet, no remote resource, no link but http(s).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from typing import Any

# Elements a card may hold: what Markdown, highlighted code and math produce, plus plain formatting.
TAGS = frozenset(
    "a abbr b blockquote br caption cite code col colgroup dd del details div dl dt em figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q rp rt ruby s samp small span strong sub summary "
    "sup table tbody td tfoot th thead tr u ul var wbr".split()
)
GLOBAL_ATTRIBUTES = frozenset({"class", "title", "lang", "dir"})
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "ol": frozenset({"start"}),
    "td": frozenset({"colspan", "rowspan", "style"}),
    "th": frozenset({"colspan", "rowspan", "style", "scope"}),
    "details": frozenset({"open"}),
}
URL_ATTRIBUTES = frozenset({"href", "src"})
LINK_SCHEMES = frozenset({"http", "https"})
# The only style Markdown writes: a table column's alignment.
STYLE_RE = re.compile(r"\s*text-align\s*:\s*(left|right|center)\s*;?\s*", re.IGNORECASE)
_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers drop ASCII tab and newline anywhere in a URL and trim control characters and spaces at its
# ends, so `java&#9;script:` is `javascript:` to them; do the same before reading the scheme.
_URL_NOISE_RE = re.compile(r"[\t\n\r]")
# Control characters a terminal acts on (ESC starts a sequence; OSC 52 writes the clipboard, ...).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# Pages carry no script and load nothing from elsewhere: the policy makes the browser refuse both.
CONTENT_POLICY = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
    "style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'\">\n"
)


@dataclass(frozen=True)
class Violation:
    """One thing the allowlist refuses: the element, the attribute (if any) and why."""

    tag: str
    attribute: str
    reason: str

    @property
    def needle(self) -> str:
        """Text to look for in the source to place the problem."""
        return self.attribute or f"<{self.tag}"

    def message(self) -> str:
        where = f"attribute {self.attribute!r} of <{self.tag}>" if self.attribute else f"element <{self.tag}>"
        return f"{where} {self.reason}"


def url_scheme(url: str) -> str | None:
    """The scheme of `url` as a browser reads it (lower case), None for a relative URL."""
    cleaned = _URL_NOISE_RE.sub("", url).strip("\x00-\x20")
    m = _SCHEME_RE.match(cleaned)
    return m.group(1).lower() if m else None


def _url_problem(tag: str, attribute: str, value: str) -> str | None:
    scheme = url_scheme(value)
    stripped = _URL_NOISE_RE.sub("", value).strip()
    if tag == "img":
        if scheme is not None or stripped.startswith("//"):
            return "loads a remote or inline resource; copy the image into the course folder and use a relative path"
        return None
    if scheme is None:
        return None if not stripped.startswith("//") else "is a protocol-relative link; write https://"
    if scheme not in LINK_SCHEMES:
        return f"uses the {scheme}: scheme; only http: and https: links are allowed"
    return None


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Violation] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.found.append(Violation(tag, "", "is not allowed in cards (scripts, styles, forms and embeds are not)"))
            return
        allowed = GLOBAL_ATTRIBUTES | ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            if name not in allowed:
                kind = "event handlers run script" if name.startswith("on") else "it is not on the allowlist"
                self.found.append(Violation(tag, name, f"is not allowed in cards ({kind})"))
            elif name in URL_ATTRIBUTES and (problem := _url_problem(tag, name, value or "")):
                self.found.append(Violation(tag, name, problem))
            elif name == "style" and not STYLE_RE.fullmatch(value or ""):
                self.found.append(Violation(tag, name, "may only set text-align"))

    handle_startendtag = handle_starttag

    def handle_decl(self, decl: str) -> None:
        self.found.append(Violation("!" + decl.split()[0] if decl else "!", "", "is not allowed in cards"))

    def handle_pi(self, data: str) -> None:
        self.found.append(Violation("?" + data[:10], "", "is not allowed in cards"))

    def unknown_decl(self, data: str) -> None:  # <![CDATA[ ... ]]>
        self.found.append(Violation("![" + data[:5], "", "is not allowed in cards"))


def violations(html: str) -> list[Violation]:
    """Every element, attribute and URL of `html` that `clean` would remove or change."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.found


_SRC_ATTRIBUTE_RE = re.compile(r"""(\ssrc\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.IGNORECASE)


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[tuple[int, int], str, str | None]] = []  # (line, offset), tag text, src

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":  # the first `src` counts, as in browsers and nh3
            src = next((value or "" for name, value in attrs if name == "src"), None)
            self.found.append((self.getpos(), self.get_starttag_text() or "", src))

    handle_startendtag = handle_starttag


def map_image_sources(html: str, swap: Callable[[str], str]) -> str:
    """`html` (raw HTML as an author wrote it) with each `<img src>` replaced by `swap(src)`.

    `swap` gets the src as a browser reads it (entities decoded) and may raise to refuse it; an
    `<img>` without `src` is passed "". The new value is written double-quoted and escaped.
    """
    if "<img" not in html.lower():
        return html
    reader = _Images()
    reader.feed(html)
    reader.close()
    starts = [0] + [i + 1 for i, ch in enumerate(html) if ch == "\n"]
    out: list[str] = []
    done = 0
    for (line, offset), text, src in reader.found:
        at = starts[line - 1] + offset
        if not text or html[at : at + len(text)] != text:
            continue  # not where the reader says (cannot happen for well-formed input); leave it to nh3
        new = escape(swap(src or ""), quote=True)
        attribute = _SRC_ATTRIBUTE_RE.search(text)
        if attribute is None:
            replaced = text[:4] + f' src="{new}"' + text[4:]
        else:
            replaced = text[: attribute.start(2)] + f'"{new}"' + text[attribute.end(2) :]
        out += [html[done:at], replaced]
        done = at + len(text)
    return "".join(out) + html[done:]


def link_violation(href: str) -> Violation | None:
    """A Markdown link's target as the allowlist sees it."""
    problem = _url_problem("a", "href", href)
    return Violation("a", "href", problem) if problem else None


@lru_cache(maxsize=1)
def _attributes() -> dict[str, set[str]]:
    return {tag: set(GLOBAL_ATTRIBUTES | ATTRIBUTES.get(tag, frozenset())) for tag in TAGS}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in URL_ATTRIBUTES:
        return None if _url_problem(tag, attribute, value) else value
    if attribute == "style":
        return value if STYLE_RE.fullmatch(value) else None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    """One nh3 cleaner for the process: building it (the allowlist as Rust sets) costs ten times a clean."""
    import nh3

    return nh3.Cleaner(
        tags=set(TAGS),
        clean_content_tags={"script", "style", "template", "textarea", "title", "noscript", "xmp", "iframe"},
        attributes=_attributes(),
        attribute_filter=_keep_attribute,
        url_schemes=set(LINK_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def clean(html: str) -> str:
    """`html` with everything outside the allowlist removed (by nh3, the ammonia sanitiser)."""
    return str(_cleaner().clean(html))


def strip_controls(text: str) -> str:
    """`text` without the control characters a terminal would act on (newlines and tabs stay)."""
    return CONTROL_RE.sub("", text)
