"""Write a course's cards into an Anki package (.apkg) with genanki.

Identity: note GUIDs come from card ids, note type and deck ids from names, so the same
sources always give the same identifiers. Anki updates an imported note only when the
package's modification time is newer, so each note keeps the time its content last changed
(kept in a small manifest beside the package): edits reach Anki, unchanged notes stay
byte-identical between builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import random
import sqlite3
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from srscards import __version__
from srscards.files import atomic_write, hash_folder, write_failure
from srscards.model.anki_ids import note_guid, stable_int
from srscards.model.card import Card, CardType, letter
from srscards.model.course import CourseSources
from srscards.sources.markdown import code_css
from srscards.sources.parser import media_name

STATE_DIR = ".srscards"
MODEL_VERSION = "1"

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
table { border-collapse: collapse; margin: 0.4em 0; font-size: 0.92em; }
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
.source { margin-top: 1em; font-size: 0.75em; opacity: 0.65; }
.source a { color: inherit; }
@media (max-width: 480px) { .card { font-size: 17px; padding: 0.3em 0.4em; } }
"""

SOURCE_HTML = '{{#Source}}<div class="source"><a href="{{Source}}">Source</a></div>{{/Source}}'


def _css() -> str:
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
for _kind, _label in (
    (CardType.CHOICE, "Choice"),
    (CardType.ORDERING, "Ordering"),
    (CardType.MATCHING, "Matching"),
):
    NOTE_TYPES[_kind] = _NoteType(
        f"srscards {_label}",
        ("Question", "Title", "Items", "Answer", "Explanations", "Extra", "Source", "CardId"),
        (
            (
                _label,
                '{{#Title}}<div class="question-title">{{Title}}</div>{{/Title}}'
                '<div class="question">{{Question}}</div>{{Items}}',
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>'
                "{{#Explanations}}{{Explanations}}{{/Explanations}}"
                '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}' + SOURCE_HTML,
            ),
        ),
    )


def note_fields(card: Card) -> list[str]:
    """The Anki field values of a card, in the order of its note type's fields."""
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
        items = '<ol class="options" type="A">' + "".join(f"<li>{o.text.html}</li>" for o in card.options) + "</ol>"
        n = sum(o.correct for o in card.options)
        if n > 1:
            items += f'<div class="choose">Choose {n}.</div>'
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
    tags = [f"type::{card.type.value}", f"exam::{card.exam}"]
    if card.domain is not None:
        tags.append(f"domain::{card.domain}")
    tags += [f"task::{t}" for t in card.tasks]
    return sorted(set(tags) | set(card.tags))


@dataclass
class CourseBuild:
    """What a build of one course produced, for the summary."""

    course: str
    path: Path
    written: bool
    notes: int = 0
    cards: int = 0
    media: int = 0
    per_domain: dict[str, int] = field(default_factory=dict)
    per_type: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "path": str(self.path),
            "written": self.written,
            "notes": self.notes,
            "cards": self.cards,
            "media": self.media,
            "per_domain": self.per_domain,
            "per_type": self.per_type,
            "warnings": self.warnings,
        }


def content_key(folder: Path) -> str:
    """A hash of every file of a course folder (and this version): the rebuild cache key."""
    return hash_folder(folder, f"srscards {__version__} model {MODEL_VERSION}")


def manifest_path(out_dir: Path, course_id: str) -> Path:
    return out_dir / STATE_DIR / f"{course_id}.json"


def read_manifest(out_dir: Path, course_id: str) -> dict[str, Any]:
    try:
        data = json.loads(manifest_path(out_dir, course_id).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def up_to_date(folder: Path, course_id: str, out_dir: Path) -> CourseBuild | None:
    """The previous build's summary if sources and package are unchanged since then."""
    manifest = read_manifest(out_dir, course_id)
    package = out_dir / f"{course_id}.apkg"
    if manifest.get("key") != content_key(folder) or not package.is_file():
        return None
    if manifest.get("sha256") != _sha256(package):
        return None
    summary = manifest.get("summary", {})
    return CourseBuild(
        course=course_id,
        path=package,
        written=False,
        notes=summary.get("notes", 0),
        cards=summary.get("cards", 0),
        media=summary.get("media", 0),
        per_domain=summary.get("per_domain", {}),
        per_type=summary.get("per_type", {}),
        warnings=summary.get("warnings", []),
    )


def export_course(sources: CourseSources, out_dir: Path, now: float) -> CourseBuild:
    """Write `<course id>.apkg` into out_dir; returns the summary. `now` is epoch seconds."""
    import genanki

    class TimedNote(genanki.Note):
        """A note that carries its own modification time instead of the package's."""

        mod: int = 0

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            super().write_to_db(cursor, self.mod or timestamp, deck_id, id_gen)

    course = sources.course
    manifest = read_manifest(out_dir, course.id)
    old_notes: dict[str, list[Any]] = manifest.get("notes", {})
    css = _css()
    models = {}
    for kind, nt in NOTE_TYPES.items():
        models[kind] = genanki.Model(
            stable_int("srscards-model", nt.name, MODEL_VERSION),
            nt.name,
            fields=[{"name": f} for f in nt.fields],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in nt.templates],
            css=css,
            model_type=genanki.Model.CLOZE if nt.cloze else genanki.Model.FRONT_BACK,
        )
    decks: dict[str, genanki.Deck] = {}
    new_notes: dict[str, list[Any]] = {}
    media: dict[str, Path] = {}
    build = CourseBuild(course=course.id, path=out_dir / f"{course.id}.apkg", written=True)
    per_domain: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    for card in sources.cards:
        deck_name = card.deck or course.deck_name
        if deck_name not in decks:
            decks[deck_name] = genanki.Deck(stable_int("srscards-deck", course.id, deck_name), deck_name)
        fields = note_fields(card)
        tags = note_tags(card)
        digest = hashlib.sha256(
            "\x1e".join([NOTE_TYPES[card.type].name, deck_name, *fields, *tags]).encode()
        ).hexdigest()[:20]
        old = old_notes.get(card.id)
        if old and old[0] == digest:
            mod = int(old[1])
        else:
            mod = max(int(now), int(old[1]) + 1) if old else int(now)
        new_notes[card.id] = [digest, mod]
        note = TimedNote(
            model=models[card.type],
            fields=fields,
            tags=tags,
            guid=note_guid(course.id, card.id),
            sort_field=card.title.md,
        )
        note.mod = mod
        decks[deck_name].add_note(note)
        for path in card.media:
            media[media_name(course.id, path.relative_to(course.path.resolve()))] = path
        per_domain[str(card.domain) if card.domain is not None else "-"] += len(card.variants)
        per_type[card.type.value] += len(card.variants)
        build.cards += len(card.variants)
    build.notes = len(sources.cards)
    build.media = len(media)
    build.per_domain = dict(sorted(per_domain.items()))
    build.per_type = dict(sorted(per_type.items()))
    build.warnings = [str(p) for p in sources.problems if p.severity == "warning"]
    stamp = max((v[1] for v in new_notes.values()), default=int(now))
    package = genanki.Package([decks[k] for k in sorted(decks)])
    staged = out_dir / f".{course.id}.apkg.tmp"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_package(package, sorted(media.items()), stamp, staged)
        # The manifest names the new package's hash before the package moves into place: a failure
        # in between leaves a manifest that matches nothing, so the next build rebuilds.
        _write_manifest(out_dir, course.id, {
            "key": content_key(course.path),
            "sha256": _sha256(staged),
            "summary": {k: v for k, v in build.to_json().items() if k not in ("course", "path", "written")},
            "notes": new_notes,
        })  # fmt: skip
        os.replace(staged, build.path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
        where = Path(exc.filename) if isinstance(exc.filename, str) else out_dir
        raise write_failure(exc, where, "the package", "choose another folder with -o") from None
    except BaseException:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
        raise
    return build


def _write_package(package: Any, media: list[tuple[str, Path]], stamp: int, target: Path) -> None:
    """Write the package as genanki's write_to_file does, but with fixed zip entry times.

    genanki stamps zip entries with temporary files' times; fixed times make equal content
    give byte-identical packages.
    """
    with tempfile.TemporaryDirectory(prefix="srscards-") as tmp:
        db_path = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(db_path)
        package.write_to_db(conn.cursor(), stamp, itertools.count(stamp * 1000))
        conn.commit()
        conn.close()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr(_entry("collection.anki2"), db_path.read_bytes())
            out.writestr(_entry("media"), json.dumps({str(i): name for i, (name, _) in enumerate(media)}))
            for i, (_, path) in enumerate(media):
                out.writestr(_entry(str(i)), path.read_bytes())


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_manifest(out_dir: Path, course_id: str, data: dict[str, Any]) -> None:
    path = manifest_path(out_dir, course_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data_text = json.dumps(data, sort_keys=True, separators=(",", ":"))  # compact: the C encoder
    atomic_write(path, data_text, path.with_suffix(".tmp"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
