"""A cheat sheet as one self-contained HTML page: inline CSS, images and math embedded as data
URIs, a dense two-column print layout with page numbers, course and build date in the footer.

Card content comes from the HTML the parser already rendered; nothing here parses Markdown.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import warnings
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from html import escape, unescape
from pathlib import Path

from srscards.model.card import Card, CardType
from srscards.model.course import Course, Domain, Profile
from srscards.sources import cloze
from srscards.sources.markdown import code_css
from srscards.sources.sanitize import CONTENT_POLICY
from srscards.views.images import course_images, map_sources

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
FONTS = (
    '"Noto Sans", "DejaVu Sans", "Liberation Sans", Arial, "Noto Sans CJK JP", "Noto Sans CJK SC", '
    '"Noto Sans CJK KR", "Noto Sans CJK TC", sans-serif'
)
MONO_FONTS = '"DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, "Noto Sans Mono CJK JP", monospace'

CSS = """
@page { size: __SIZE__; margin: 10mm 10mm 12mm 10mm;
  @bottom-left { content: __LEFT__; font: 6.5pt __FONTS__; color: #555; }
  @bottom-right { content: __RIGHT__ "page " counter(page) " of " counter(pages);
    font: 6.5pt __FONTS__; color: #555; } }
html { font-family: __FONTS__; font-size: 8pt; line-height: 1.25; color: #111; background: #fff; }
body { margin: 0; }
.sheet-head { border-bottom: 1.2pt solid #1f4e79; padding-bottom: 1mm; margin-bottom: 2mm; }
.sheet-head .course { font-size: 7pt; color: #444; }
h1 { font-size: 12.5pt; margin: 0.3mm 0; color: #1f4e79; }
.sheet-head .meta { margin: 0; font-size: 7pt; color: #444; }
/* Two columns on paper; one on a screen too narrow for two readable ones. */
.columns { columns: 2 65mm; column-gap: 5mm; }
h2 { font-size: 9pt; margin: 1.5mm 0 0.8mm; padding: 0.4mm 1mm; color: #fff; background: #1f4e79; }
h3 { font-size: 8pt; margin: 0 0 0.3mm; }
h4, h5, h6 { font-size: 8pt; margin: 0.6mm 0 0.2mm; }
.keep, .card, .fact, table, pre, img { break-inside: avoid; page-break-inside: avoid; }
.card { padding: 0.6mm 0 0.8mm; border-bottom: 0.4pt solid #bbb; }
.card p { margin: 0 0 0.6mm; }
.card > :last-child, .card div > :last-child { margin-bottom: 0; }
ul, ol { margin: 0 0 0.6mm; padding-left: 4mm; }
li { margin: 0; }
li > p { margin: 0; }
.extra { font-size: 7.3pt; color: #333; margin-top: 0.4mm; }
.cloze { font-weight: 700; color: #0b5394; }
.right { list-style: none; padding-left: 0; }
.right .tick { color: #1a7f37; font-weight: 700; }
.why { font-size: 7.3pt; color: #333; }
.none { color: #666; font-style: italic; margin: 0 0 1mm; }
table { border-collapse: collapse; width: 100%; margin: 0.4mm 0 0.8mm; font-size: 7.3pt; }
th, td { border: 0.4pt solid #999; padding: 0.3mm 0.8mm; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: #e8eef5; }
code { font-family: __MONO__; font-size: 0.92em; background: #f0f0f0; padding: 0 0.4mm; overflow-wrap: break-word; }
pre.highlight { font-family: __MONO__; font-size: 6.8pt; line-height: 1.2; background: #f6f8fa;
  padding: 0.8mm 1mm; margin: 0.4mm 0 0.8mm; white-space: pre-wrap; overflow-wrap: break-word; }
pre.highlight code { background: none; padding: 0; font-size: 1em; }
img { max-width: 100%; height: auto; }
img.math { max-width: none; }
div.math { text-align: center; margin: 0.6mm 0; }
.tex { font-family: __MONO__; font-size: 0.92em; }
a { color: inherit; text-decoration: none; }
.facts { margin-bottom: 1mm; }
.fact { margin-bottom: 1.5mm; }
.facts table { font-size: 8pt; }
.kv th { width: 28%; }
.screen-footer { display: none; }
@media screen {
  html { background: #e5e5e5; }
  body { max-width: 190mm; margin: 0 auto; padding: 8mm 10mm; background: #fff; }
  .screen-footer { display: block; margin-top: 3mm; border-top: 0.4pt solid #999; padding-top: 1mm;
    font-size: 6.5pt; color: #555; }
}
"""

# A phone is narrower than a printed column: there, long words in table cells may break
# anywhere. (A separate style element, because WeasyPrint skips it silently, while it warns about
# media queries with features inside a style sheet.)
NARROW_MEDIA = "screen and (max-width: 640px)"
NARROW_CSS = "body { padding: 4mm; } th, td, code { overflow-wrap: break-word; }"


@dataclass(frozen=True)
class Section:
    """A group of cards under one heading: a task statement, or a deck outside the domains."""

    number: str  # the task statement number, "" for other groups
    heading: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Sheet:
    """One printable sheet: a domain's task statements, or the exam overview (domain None)."""

    course: Course
    profile: Profile
    domain: Domain | None
    sections: tuple[Section, ...]

    @property
    def slug(self) -> str:
        """The file name stem, such as `aws-mla-c02-domain-1`."""
        what = f"domain-{self.domain.number}" if self.domain else "overview"
        return f"{self.course.id}-{self.profile.version.lower()}-{what}"

    @property
    def title(self) -> str:
        if self.domain is None:
            return "Exam overview and strategy"
        return f"Domain {self.domain.number}: {self.domain.name}"

    @property
    def cards(self) -> int:
        return sum(len(s.cards) for s in self.sections)


def render_sheet(sheet: Sheet, *, built: date, paper: str = "a4") -> str:
    """The sheet as a complete HTML document; `built` is the date shown in the footer."""
    course, profile = sheet.course, sheet.profile
    images = _images(course, [c for s in sheet.sections for c in s.cards])
    footer = f"{course.name} · {profile.code} · built {built.isoformat()}"
    short = f"Domain {sheet.domain.number}" if sheet.domain else "Exam overview"
    css = (
        CSS.replace("__SIZE__", PAGE_SIZES[paper])
        .replace("__LEFT__", _css_string(footer))
        .replace("__RIGHT__", _css_string(f"{short} · "))
        .replace("__FONTS__", FONTS)
        .replace("__MONO__", MONO_FONTS)
    )
    cards = f"{sheet.cards} card{'s' if sheet.cards != 1 else ''}"
    if sheet.domain is None:
        meta = f"{profile.name} · {cards}"
        facts = _overview_facts(sheet)
    else:
        meta = f"{profile.code} · {sheet.domain.weight:g}% of the scored content · {cards}"
        facts = ""
    body = "\n".join(_section(s, images) for s in sheet.sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        + CONTENT_POLICY
        + '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(sheet.title)} · {escape(course.name)}</title>\n"
        f'<meta name="dcterms.created" content="{built.isoformat()}">\n'
        f"<style>{css}\n{code_css()}\n</style>\n"
        f'<style media="{NARROW_MEDIA}">{NARROW_CSS}</style>\n</head>\n<body>\n'
        f'<header class="sheet-head"><div class="course">{escape(course.name)}</div>'
        f"<h1>{escape(sheet.title)}</h1>"
        f'<p class="meta">{escape(meta)}</p></header>\n'
        f"{facts}"
        f'<main class="columns">\n{body}\n</main>\n'
        f'<footer class="screen-footer">{escape(footer)}</footer>\n'
        "</body>\n</html>\n"
    )


def _css_string(text: str) -> str:
    """A CSS string literal; `<` is escaped so the text cannot close the style element."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{out}"'


def _section(section: Section, images: dict[str, str]) -> str:
    cards = [card_html(c, images) for c in section.cards]
    first = cards[0] if cards else '<p class="none">No card is flagged for the cheat sheet here yet.</p>'
    # The heading and the first card stay together, so no heading is left alone at a column end.
    keep = f'<div class="keep"><h2>{escape(section.heading)}</h2>\n{first}</div>'
    return "<section>\n" + "\n".join([keep, *cards[1:]]) + "\n</section>"


def card_html(card: Card, images: dict[str, str]) -> str:
    """One card, condensed to what a learner revises: the question or title, then the answer."""
    parts = [f"<h3>{_content(card.title.html, images)}</h3>"]
    if card.type in (CardType.BASIC, CardType.REVERSIBLE):
        if card.prompt:
            parts.append(f'<div class="prompt">{_content(card.prompt.html, images)}</div>')
        parts.append(f'<div class="answer">{_content(card.answer.html, images)}</div>')
    elif card.type is CardType.CLOZE:
        parts.append(f'<div class="answer">{_content(card.prompt.html, images)}</div>')
    elif card.type is CardType.CHOICE:
        items = "".join(
            f'<li><span class="tick">✓</span> <strong>{_content(o.text.html, images)}</strong>'
            f'<div class="why">{_content(o.explanation.html, images)}</div></li>'
            for o in card.options
            if o.correct
        )
        parts.append(f'<ul class="right">{items}</ul>')
    elif card.type is CardType.ORDERING:
        steps = "".join(f"<li>{_content(s.html, images)}</li>" for s in card.steps)
        parts.append(f"<ol>{steps}</ol>")
    elif card.type is CardType.MATCHING:
        left, right = (escape(h) for h in card.pair_headers)
        rows = "".join(
            f"<tr><td>{_content(p.left.html, images)}</td><td>{_content(p.right.html, images)}</td></tr>"
            for p in card.pairs
        )
        parts.append(f"<table><thead><tr><th>{left}</th><th>{right}</th></tr></thead><tbody>{rows}</tbody></table>")
    if card.extra:
        parts.append(f'<div class="extra">{_content(card.extra.html, images)}</div>')
    return f'<article class="card" id="card-{escape(card.id)}">' + "".join(parts) + "</article>"


def _overview_facts(sheet: Sheet) -> str:
    """The exam format and the domain weights of the profile, from the course file."""
    p = sheet.profile
    e = p.exam
    rows = []
    scored = f" ({e.scored} scored, {e.questions - e.scored} unscored)" if e.scored is not None else ""
    rows.append(("Questions", f"{e.questions}{scored}"))
    rows.append(("Time", f"{e.time_text}, about {e.minutes / e.questions:.1f} minutes per question"))
    rows.append(("Passing score", f"{e.passing_score} on a scale of {e.score_range[0]} to {e.score_range[1]}"))
    rows.append(("Question types", ", ".join(t.replace("_", " ") for t in e.question_types)))
    if p.beta is not None:
        rows.append(("Beta exam", f"{p.beta.questions} questions in {p.beta.minutes} minutes"))
    if p.status:
        rows.append(("Status", p.status))
    kv = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    weights = "".join(
        f"<tr><td>{d.number}</td><td>{escape(d.name)}</td><td>{d.weight:g}%</td><td><ul>"
        + "".join(f"<li>{escape(t)} {escape(name)}</li>" for t, name in d.tasks.items())
        + "</ul></td></tr>"
        for d in p.domains
    )
    return (
        '<section class="facts">\n'
        f'<div class="fact"><h2>Exam format ({escape(p.code)})</h2><table class="kv">{kv}</table></div>\n'
        '<div class="fact"><h2>Domains and weights</h2><table><thead><tr><th style="width:6%">#</th>'
        '<th style="width:30%">Domain</th><th style="width:9%">Weight</th><th>Task statements</th></tr></thead>'
        f"<tbody>{weights}</tbody></table></div>\n</section>\n"
    )


# -- card content -----------------------------------------------------------------------------

MATH_RE = re.compile(r'<div class="math">\\\[(.+?)\\\]</div>|\\\((.+?)\\\)', re.DOTALL)
CODE_RE = re.compile(r"(<pre\b.*?</pre>|<code\b.*?</code>)", re.DOTALL)
PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")


def _content(html: str, images: dict[str, str]) -> str:
    """Card HTML as printed: clozes revealed, math typeset, images embedded."""
    maths: list[str] = []

    def stash(m: re.Match[str]) -> str:
        display, inline = m.group(1), m.group(2)
        maths.append(_math(unescape(display if display is not None else inline), display is not None))
        return f"\x00{len(maths) - 1}\x00"

    # Math first, as placeholders: a formula's braces must not end a cloze deletion early.
    parts = CODE_RE.split(html)
    html = "".join(p if i % 2 else MATH_RE.sub(stash, p) for i, p in enumerate(parts))
    html = _reveal_clozes(html)
    html = PLACEHOLDER_RE.sub(lambda m: maths[int(m.group(1))], html)
    return map_sources(html, images)


def _reveal_clozes(html: str) -> str:
    """Show every deletion's answer (without its hint), marked."""
    return cloze.render(html, lambda _number, answer, _hint: f'<span class="cloze">{answer}</span>')


@lru_cache(maxsize=1024)
def _math(tex: str, display: bool) -> str:
    """TeX typeset as an embedded SVG image (no script runs in print); the TeX source when it
    cannot be typeset."""
    with warnings.catch_warnings():
        # ziamath 0.13 opens its bundled font through a deprecated importlib.resources call.
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath

    ziamath.config.svg2 = False  # SVG 1.1 references, which every renderer reads
    size = 10.0
    try:
        svg = ziamath.Latex(tex.strip(), size=size).svg()
    except Exception:  # any TeX ziamath cannot read is shown as source instead of failing the sheet
        source = escape(f"\\[{tex}\\]" if display else f"\\({tex}\\)")
        return f'<div class="math tex">{source}</div>' if display else f'<span class="tex">{source}</span>'
    m = re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"', svg)
    style = ""
    if m:
        top, width, height = float(m.group(2)), float(m.group(3)), float(m.group(4))
        depth = height + top  # below the baseline
        style = f' style="width:{width / size:.3f}em;height:{height / size:.3f}em;vertical-align:{-depth / size:.3f}em"'
    data = base64.b64encode(svg.encode()).decode()
    img = f'<img class="math" alt="{escape(tex.strip())}" src="data:image/svg+xml;base64,{data}"{style}>'
    return f'<div class="math">{img}</div>' if display else img


def _images(course: Course, cards: list[Card]) -> dict[str, str]:
    """Data URIs of the cards' images, keyed by the `src` the parser gave them."""
    return {src: _data_uri(path) for card in cards for src, path in course_images(course.path, card.media).items()}


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode()
