"""A card as Anki shows it: the note types (fields, templates, CSS), a card's field values and tags.

The one switch on card type for Anki; the package writer (`outputs/apkg.py`) only stores what
this returns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib.resources import files
from pathlib import PurePosixPath

from srscards.model.anki_ids import media_name
from srscards.model.card import Card, CardType, letter
from srscards.model.course import Course
from srscards.model.tags import derived_tags
from srscards.sources.markdown import code_css
from srscards.views.images import course_images, map_sources

CSS_BASE = """
.card { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Noto Sans CJK SC", "Noto Sans CJK JP", sans-serif; font-size: 19px; line-height: 1.45;
  text-align: left; color: #1f2328; background: #ffffff; max-width: 44em; margin: 0 auto;
  padding: 0.4em 0.8em; overflow-wrap: break-word; }
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card {
  color: #e6e6e6; background: #1e1f22; }
.title { font-weight: 600; font-size: 1.05em; margin-bottom: 0.4em; }
.question-title { font-size: 0.8em; opacity: 0.6; margin-bottom: 0.4em; }
.answer, .extra, .explanations { margin-top: 0.4em; }
.extra { font-size: 0.92em; opacity: 0.9; }
hr#answer { border: none; border-top: 1px solid #8888; margin: 0.8em 0; }
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.92em;
  display: block; width: max-content; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #8886; padding: 0.25em 0.5em; vertical-align: top; }
th { background: #8882; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.88em;
  background: #8882; padding: 0.05em 0.3em; border-radius: 4px; }
pre.highlight { overflow-x: auto; padding: 0.6em 0.8em; border-radius: 6px; background: #f6f8fa;
  font-size: 0.85em; line-height: 1.35; }
pre.highlight code { background: none; padding: 0; font-size: 1em; }
.nightMode pre.highlight, .night_mode pre.highlight, .card.nightMode pre.highlight {
  background: #2b2d31; }
img { max-width: 100%; height: auto; }
.cloze { font-weight: 600; color: #0969da; }
.nightMode .cloze, .night_mode .cloze, .card.nightMode .cloze { color: #6cb6ff; }
ol.options, ol.explanations { padding-left: 1.6em; }
ol.options li, ol.explanations li { margin: 0.3em 0; }
.explanations li.correct::marker { color: #1a7f37; font-weight: 700; }
.explanations .verdict { font-weight: 700; }
.explanations li.correct .verdict { color: #1a7f37; }
.explanations li.wrong .verdict { color: #cf222e; }
.explanations .why { font-size: 0.92em; }
.explanations .why p { margin: 0.15em 0; }
.choose { font-size: 0.85em; opacity: 0.7; }
.srs-choice.shuffled ol.options { padding-left: 0; list-style-position: inside; }
.srs-choice.shuffled ol.options li { cursor: pointer; border: 1px solid #8886; border-radius: 8px;
  padding: 0.5em 0.7em; margin: 0.45em 0; -webkit-tap-highlight-color: transparent; }
.srs-choice.shuffled ol.options li > p:first-child, .srs-choice li .why p { display: inline; }
.srs-choice ol.options li.chosen { border: 2px solid #0969da; background: #0969da1a; }
.srs-choice ol.options li.correct { border: 2px solid #1a7f37; background: #1a7f371a; }
.srs-choice ol.options li.wrong.chosen { border: 2px solid #cf222e; background: #cf222e1a; }
.srs-choice .mark { display: block; font-size: 0.78em; font-weight: 700; }
.srs-choice li.correct .mark { color: #1a7f37; }
.srs-choice li.wrong .mark { color: #cf222e; }
.srs-choice li.wrong:not(.chosen) .mark { opacity: 0.75; }
.srs-choice li .why { display: block; font-size: 0.88em; margin-top: 0.25em; opacity: 0.9; }
.srs-answer.right { color: #1a7f37; font-weight: 600; }
.nightMode .srs-choice ol.options li.chosen, .night_mode .srs-choice ol.options li.chosen {
  border-color: #4493f8; background: #4493f82e; }
.nightMode .srs-choice ol.options li.correct, .night_mode .srs-choice ol.options li.correct {
  border-color: #3fb950; background: #3fb9502e; }
.nightMode .srs-choice ol.options li.wrong.chosen, .night_mode .srs-choice ol.options li.wrong.chosen {
  border-color: #f85149; background: #f851492e; }
.nightMode .srs-choice li.correct .mark, .night_mode .srs-choice li.correct .mark,
.nightMode .srs-answer.right, .night_mode .srs-answer.right { color: #3fb950; }
.nightMode .srs-choice li.wrong .mark, .night_mode .srs-choice li.wrong .mark { color: #f85149; }
.source { margin-top: 1em; font-size: 0.75em; opacity: 0.65; }
.source a { color: inherit; }
@media (max-width: 480px) { .card { font-size: 17px; padding: 0.3em 0.4em; } }
"""

SOURCE_HTML = '{{#Source}}<div class="source"><a href="{{Source}}">Source</a></div>{{/Source}}'


def css() -> str:
    """The note types' shared style sheet: light and night mode, with highlighted code."""
    dark = code_css(dark=True)
    night = "\n".join(
        f"{prefix} {line}" if line.startswith(".highlight") else line
        for prefix in (".nightMode", ".night_mode")
        for line in dark.splitlines()
    )
    return CSS_BASE + code_css(dark=False) + "\n" + night


@dataclass(frozen=True)
class _NoteType:
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # name, question, answer
    cloze: bool = False


NOTE_TYPES: dict[CardType, _NoteType] = {
    CardType.BASIC: _NoteType(
        "srscards Basic",
        ("Front", "Prompt", "Back", "Source", "CardId"),
        (
            (
                "Card 1",
                '<div class="title">{{Front}}</div>{{#Prompt}}<div class="prompt">{{Prompt}}</div>{{/Prompt}}',
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Back}}</div>' + SOURCE_HTML,
            ),
        ),
    ),
    CardType.REVERSIBLE: _NoteType(
        "srscards Reversible",
        ("Front", "Prompt", "Back", "Source", "CardId"),
        (
            (
                "Forward",
                '<div class="title">{{Front}}</div>{{#Prompt}}<div class="prompt">{{Prompt}}</div>{{/Prompt}}',
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Back}}</div>' + SOURCE_HTML,
            ),
            (
                "Reverse",
                '<div class="answer">{{Back}}</div>',
                '{{FrontSide}}<hr id="answer"><div class="title">{{Front}}</div>'
                '{{#Prompt}}<div class="prompt">{{Prompt}}</div>{{/Prompt}}' + SOURCE_HTML,
            ),
        ),
    ),
    CardType.CLOZE: _NoteType(
        "srscards Cloze",
        ("Text", "Title", "Extra", "Source", "CardId"),
        (
            (
                "Cloze",
                '{{#Title}}<div class="title">{{Title}}</div>{{/Title}}{{cloze:Text}}',
                '{{#Title}}<div class="title">{{Title}}</div>{{/Title}}{{cloze:Text}}'
                '{{#Extra}}<hr id="answer"><div class="extra">{{Extra}}</div>{{/Extra}}' + SOURCE_HTML,
            ),
        ),
        cloze=True,
    ),
}


@cache
def choice_script() -> str:
    """The choice note type's script: the front-to-back state store, then the shuffle, taps and marks."""
    here = files("srscards.views")
    return "".join(
        f"<script>\n{(here / name).read_text(encoding='utf-8')}\n</script>"
        for name in ("anki_state.js", "anki_choice.js")
    )


QUESTION_FIELDS = ("Question", "Title", "Items", "Answer", "Explanations", "Extra", "Source", "CardId")
QUESTION_HTML = (
    '{{#Title}}<div class="question-title">{{Title}}</div>{{/Title}}<div class="question">{{Question}}</div>{{Items}}'
)
# The choice note type keeps its name, id and fields, so a new package updates it in place. Its
# back repeats the front instead of {{FrontSide}} so that the script, run again on the back, sees
# the #srs-back marker and marks the options in the order the front drew.
NOTE_TYPES[CardType.CHOICE] = _NoteType(
    "srscards Choice",
    QUESTION_FIELDS,
    (
        (
            "Choice",
            QUESTION_HTML + choice_script(),
            QUESTION_HTML + '<div id="srs-back"></div><hr id="answer"><div class="answer srs-answer">{{Answer}}</div>'
            '{{#Explanations}}<div class="srs-explanations">{{Explanations}}</div>{{/Explanations}}'
            '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}' + SOURCE_HTML + choice_script(),
        ),
    ),
)
for _kind, _label in (
    (CardType.ORDERING, "Ordering"),
    (CardType.MATCHING, "Matching"),
):
    NOTE_TYPES[_kind] = _NoteType(
        f"srscards {_label}",
        QUESTION_FIELDS,
        (
            (
                _label,
                QUESTION_HTML,
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>'
                "{{#Explanations}}{{Explanations}}{{/Explanations}}"
                '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}' + SOURCE_HTML,
            ),
        ),
    )


def note_fields(card: Card, course: Course) -> list[str]:
    """The Anki field values of a card, in the order of its note type's fields, images pointing at
    the course's files in Anki's media folder."""
    fields = _fields(card)
    if not card.media:
        return fields
    names = {src: media_name(course.id, PurePosixPath(src)) for src in course_images(course.path, card.media)}
    return [map_sources(f, names) for f in fields]


def _fields(card: Card) -> list[str]:
    source = escape(card.source)
    if card.type in (CardType.BASIC, CardType.REVERSIBLE):
        return [card.title.html, card.prompt.html, card.answer.html, source, card.id]
    if card.type is CardType.CLOZE:
        if "{{c" in card.title.md:  # a deletion in the heading belongs to the cloze text
            return [
                f'<div class="title">{card.title.html}</div>' + card.prompt.html,
                "",
                card.extra.html,
                source,
                card.id,
            ]
        return [card.prompt.html, card.title.html, card.extra.html, source, card.id]
    question = card.prompt.html or card.title.html
    title = card.title.html if card.prompt else ""
    if card.type is CardType.CHOICE:
        n = sum(o.correct for o in card.options)
        pin = ' data-pin="1"'
        options = "".join(f"<li{pin if o.pinned else ''}>{o.text.html}</li>" for o in card.options)
        choose = f'<div class="choose">Choose {n}.</div>' if n > 1 else ""
        items = (
            f'<div class="srs-choice" data-card="{escape(card.id)}" data-choose="{n}">'
            f'<ol class="options" type="A">{options}</ol>{choose}</div>'
        )
        answer = "Answer: " + ", ".join(card.correct_letters)
        explanations = (
            '<ol class="explanations" type="A">'
            + "".join(
                f'<li class="{"correct" if o.correct else "wrong"}">'
                f'<span class="verdict">{"Correct" if o.correct else "Wrong"}:</span> {o.text.html}'
                f'<div class="why">{o.explanation.html}</div></li>'
                for o in card.options
            )
            + "</ol>"
        )
        return [question, title, items, answer, explanations, card.extra.html, source, card.id]
    rng = random.Random(card.id)
    if card.type is CardType.ORDERING:
        shuffled = list(card.steps)
        rng.shuffle(shuffled)
        items = '<ul class="steps">' + "".join(f"<li>{s.html}</li>" for s in shuffled) + "</ul>"
        answer = "<ol>" + "".join(f"<li>{s.html}</li>" for s in card.steps) + "</ol>"
        return [question, title, items, answer, "", card.extra.html, source, card.id]
    rights = list(card.pairs)
    rng.shuffle(rights)
    left_h, right_h = (escape(h) for h in card.pair_headers)
    items = (
        f'<table class="matching"><tr><th>{left_h}</th><th>{right_h}</th></tr>'
        + "".join(
            f"<tr><td>{p.left.html}</td><td>{letter(i)}. {r.right.html}</td></tr>"
            for i, (p, r) in enumerate(zip(card.pairs, rights, strict=True))
        )
        + "</table>"
    )
    answer = (
        f"<table><tr><th>{left_h}</th><th>{right_h}</th></tr>"
        + "".join(f"<tr><td>{p.left.html}</td><td>{p.right.html}</td></tr>" for p in card.pairs)
        + "</table>"
    )
    return [question, title, items, answer, "", card.extra.html, source, card.id]


def note_tags(card: Card) -> list[str]:
    return derived_tags(card.type.value, card.exam, card.domain, card.tasks, card.tags)
