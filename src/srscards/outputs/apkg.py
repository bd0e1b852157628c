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
import sqlite3
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from srscards import __version__
from srscards.files import atomic_write, hash_folder, write_failure
from srscards.model.anki_ids import media_name, note_guid, stable_int
from srscards.model.course import CourseSources
from srscards.views.anki import NOTE_TYPES, note_fields, note_tags
from srscards.views.anki import css as note_css

STATE_DIR = ".srscards"
MODEL_VERSION = "1"


@dataclass
class CourseBuild:
    """What a build of one course produced, for the summary."""

    course: str
    path: Path
    written: bool
    exam: str = "all"  # the exam version whose cards the package holds, or all
    notes: int = 0
    questions: int = 0
    cards: int = 0
    media: int = 0
    per_domain: dict[str, int] = field(default_factory=dict)
    per_type: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "course": self.course,
            "exam": self.exam,
            "path": str(self.path),
            "written": self.written,
            "notes": self.notes,
            "questions": self.questions,
            "cards": self.cards,
            "media": self.media,
            "per_domain": self.per_domain,
            "per_type": self.per_type,
            "warnings": self.warnings,
        }


def content_key(folder: Path) -> str:
    """A hash of every file of a course folder (and this version): the rebuild cache key."""
    return hash_folder(folder, f"srscards {__version__} model {MODEL_VERSION} {_note_types_digest()}")


def _note_types_digest() -> str:
    """The note types' templates and style: a change to them rebuilds the package."""
    text = note_css() + "".join(f"{nt.name}{nt.fields}{nt.templates}" for nt in NOTE_TYPES.values())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def manifest_path(out_dir: Path, course_id: str) -> Path:
    return out_dir / STATE_DIR / f"{course_id}.json"


def read_manifest(out_dir: Path, course_id: str) -> dict[str, Any]:
    try:
        data = json.loads(manifest_path(out_dir, course_id).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def package_name(course_id: str, version: str | None) -> str:
    """`aws-mla-c02` for one exam version's package, `aws-mla` for all versions in one."""
    return course_id if version is None else f"{course_id}-{version.lower()}"


def up_to_date(folder: Path, course_id: str, out_dir: Path, version: str | None = None) -> CourseBuild | None:
    """The previous build's summary if sources and package are unchanged since then."""
    name = package_name(course_id, version)
    manifest = read_manifest(out_dir, name)
    package = out_dir / f"{name}.apkg"
    if manifest.get("key") != content_key(folder) or not package.is_file():
        return None
    if manifest.get("sha256") != _sha256(package):
        return None
    summary = manifest.get("summary", {})
    return CourseBuild(
        course=course_id,
        path=package,
        written=False,
        exam=version or "all",
        notes=summary.get("notes", 0),
        questions=summary.get("questions", 0),
        cards=summary.get("cards", 0),
        media=summary.get("media", 0),
        per_domain=summary.get("per_domain", {}),
        per_type=summary.get("per_type", {}),
        warnings=summary.get("warnings", []),
    )


def export_course(sources: CourseSources, out_dir: Path, now: float, version: str | None = None) -> CourseBuild:
    """Write `<course id>.apkg` (all cards) or `<course id>-<version>.apkg` (the cards of one exam
    version) into out_dir; returns the summary. `now` is epoch seconds."""
    import genanki

    class TimedNote(genanki.Note):
        """A note that carries its own modification time instead of the package's."""

        mod: int = 0

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            super().write_to_db(cursor, self.mod or timestamp, deck_id, id_gen)

    course = sources.course
    name = package_name(course.id, version)
    manifest = read_manifest(out_dir, name)
    old_notes: dict[str, list[Any]] = manifest.get("notes", {})
    css = note_css()
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
    build = CourseBuild(course=course.id, path=out_dir / f"{name}.apkg", written=True, exam=version or "all")
    cards = [c for c in sources.cards if version is None or c.in_exam(version)]
    per_domain: Counter[str] = Counter()
    per_type: Counter[str] = Counter()
    for card in cards:
        deck_name = card.deck or course.deck_name
        if deck_name not in decks:
            decks[deck_name] = genanki.Deck(stable_int("srscards-deck", course.id, deck_name), deck_name)
        fields = note_fields(card, course)
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
    build.notes = len(cards)
    build.questions = sum(1 for c in cards if c.is_question)
    build.media = len(media)
    build.per_domain = dict(sorted(per_domain.items()))
    build.per_type = dict(sorted(per_type.items()))
    build.warnings = [str(p) for p in sources.problems if p.severity == "warning"]
    stamp = max((v[1] for v in new_notes.values()), default=int(now))
    package = genanki.Package([decks[k] for k in sorted(decks)])
    staged = out_dir / f".{name}.apkg.tmp"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _write_package(package, sorted(media.items()), stamp, staged)
        # The manifest names the new package's hash before the package moves into place: a failure
        # in between leaves a manifest that matches nothing, so the next build rebuilds.
        _write_manifest(out_dir, name, {
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
