"""Reviews done in Anki: read a collection's review log and add it to the store's log.

A collection (`collection.anki2`) or a `.colpkg` backup is never written: the file is copied
(or unpacked) into a temporary folder and only the copy is opened. Cards are matched by the
note GUID srscards gave each note (`identity.note_guid`) and the card's template ordinal or
cloze number. Each Anki answer is keyed by its revlog id, so importing twice adds nothing.
After an import, the touched cards' states are computed again from the merged log, in time
order, with the scheduler's own FSRS model and day rule.

Only answers count (revlog ease 1-4 of a learning, review, relearning or filtered-deck
review); Anki's manual entries (rescheduling, resets) have no rating and are skipped.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from srscards.errors import SrsError
from srscards.model.anki_ids import note_guid
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, Settings, from_ms
from srscards.store.records import ImportedAnswer, StoredCard
from srscards.store.store import Store
from srscards.study.workspace import settings_in_force

_SQLITE_HEADER = b"SQLite format 3\x00"
_PACKAGE_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
# A collection of many years of reviews is a few hundred MB; more than this is not a collection
# (a compressed package can unpack to gigabytes: the limit is checked while unpacking).
MAX_COLLECTION_BYTES = 2 * 1024**3
KNOWN_SCHEMA_VERSIONS = range(11, 19)  # the `col.ver` values of Anki 2.1 to 25.x collections
# Revlog ids are Unix milliseconds: answers dated before 2006 (Anki's first year) or after year 9999 are
# not real answers and are left out.
_FIRST_ID = 1_136_073_600_000  # 2006-01-01
_LAST_ID = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
MAX_DURATION_MS = 600_000


class AnkiHistoryError(SrsError):
    """The Anki collection cannot be read as it is; nothing was imported."""


@dataclass(frozen=True)
class AnkiAnswer:
    revlog_id: int  # also the moment of the answer, in Unix milliseconds
    guid: str
    ordinal: int
    ease: int
    duration_ms: int


@dataclass(frozen=True)
class HistoryImport:
    """What one import did."""

    collection: Path
    notes_matched: int
    added: int
    already: int
    other_notes: int  # answers to notes srscards did not export
    cards_updated: int
    skipped: int = 0  # answers with an impossible time, left out


def anki_ordinal(card: StoredCard) -> int:
    """The Anki card ordinal of a store card: the template (forward 0, reverse 1) or cloze number - 1."""
    if card.type == "cloze":
        return int(card.variant[1:]) - 1
    return 1 if card.variant == "reverse" else 0


def read_answers(path: Path) -> tuple[list[AnkiAnswer], set[str]]:
    """Every rated answer in the collection or backup at `path`, oldest first, and the GUIDs of its notes."""
    if not path.is_file():
        raise AnkiHistoryError(
            f"{path}: no such file; give the path of an Anki collection (collection.anki2 in your Anki profile "
            "folder) or of a .colpkg backup (Anki: File > Export, Anki Collection Package)"
        )
    with tempfile.TemporaryDirectory(prefix="srscards-anki-") as tmp:
        copy = Path(tmp) / "collection.anki2"
        if zipfile.is_zipfile(path):
            _unpack(path, copy)
        else:
            with path.open("rb") as fh:
                if fh.read(16) != _SQLITE_HEADER:
                    raise AnkiHistoryError(f"{path}: not an Anki collection (not an SQLite file, nor a .colpkg)")
            _check_not_locked(path)
            if path.stat().st_size > MAX_COLLECTION_BYTES:
                raise _too_large(path)
            shutil.copyfile(path, copy)
            wal = path.with_name(path.name + "-wal")
            if wal.is_file():
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        try:
            conn = sqlite3.connect(copy)
            try:
                (version,) = conn.execute("SELECT ver FROM col").fetchone()
                if version not in KNOWN_SCHEMA_VERSIONS:
                    raise AnkiHistoryError(
                        f"{path}: unknown Anki collection schema version {version} (this srscards reads "
                        f"{KNOWN_SCHEMA_VERSIONS.start} to {KNOWN_SCHEMA_VERSIONS.stop - 1}); open it in a current "
                        "Anki and export a .colpkg, or update srscards"
                    )
                guids = {r[0] for r in conn.execute("SELECT guid FROM notes")}
                rows = conn.execute(
                    "SELECT r.id, n.guid, c.ord, r.ease, r.time FROM revlog r JOIN cards c ON c.id = r.cid "
                    "JOIN notes n ON n.id = c.nid WHERE r.ease BETWEEN 1 AND 4 AND r.type BETWEEN 0 AND 3 "
                    "ORDER BY r.id"
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise AnkiHistoryError(
                f"{path}: the Anki collection cannot be read ({exc}); check it in Anki (Tools > Check Database) "
                "or use a recent backup"
            ) from exc
    return [AnkiAnswer(r[0], r[1], r[2], r[3], min(max(int(r[4] or 0), 0), MAX_DURATION_MS)) for r in rows], guids


def _plausible(answer: AnkiAnswer) -> bool:
    return isinstance(answer.revlog_id, int) and _FIRST_ID <= answer.revlog_id <= _LAST_ID


def _human(n: int) -> str:
    return f"{n / 1024**3:g} GB" if n >= 1024**3 else f"{n / 1024**2:g} MB"


def _too_large(path: Path) -> AnkiHistoryError:
    return AnkiHistoryError(
        f"{path}: too large: the collection would unpack to more than {_human(MAX_COLLECTION_BYTES)}, "
        "which no real Anki collection needs; export the collection again from Anki"
    )


def _check_not_locked(path: Path) -> None:
    """Refuse a collection that Anki holds open (Anki locks it for as long as the profile is open)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
        # A writer that holds the lock (Anki in the middle of a change) does not stop readers of a WAL
        # file; asking for the write lock, and giving it back at once, finds it. Nothing is written.
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise AnkiHistoryError(
                f"{path}: the collection is open in Anki (it is locked); close Anki or switch profiles, "
                "or import a .colpkg backup instead"
            ) from exc
    except sqlite3.DatabaseError:
        pass  # a damaged file is reported when its copy is read


def _unpack(package: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(package) as archive:
            names = set(archive.namelist())
            member = next((m for m in _PACKAGE_MEMBERS if m in names), None)
            if member is None:
                raise AnkiHistoryError(f"{package}: not an Anki collection package (it holds no collection file)")
            with archive.open(member) as raw, target.open("wb") as dst:
                if member.endswith("b"):
                    import zstandard

                    src = zstandard.ZstdDecompressor().stream_reader(raw)
                else:
                    src = raw
                written = 0
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > MAX_COLLECTION_BYTES:
                        raise _too_large(package)
                    dst.write(chunk)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise AnkiHistoryError(
                f"{package}: no space left in the temporary folder {target.parent} to unpack the collection; "
                "free some space (or set TMPDIR to a folder with room) and try again"
            ) from exc
        raise AnkiHistoryError(f"{package}: the package is damaged ({exc}); export it again from Anki") from exc
    except zipfile.BadZipFile as exc:
        raise AnkiHistoryError(f"{package}: the package is damaged ({exc}); export it again from Anki") from exc
    except Exception as exc:  # zstandard.ZstdError: a damaged compressed collection
        if isinstance(exc, AnkiHistoryError):
            raise
        raise AnkiHistoryError(f"{package}: the package is damaged ({exc}); export it again from Anki") from exc


def import_history(path: Path, home: Path, settings: Settings) -> HistoryImport:
    """Add the answers given in Anki to the cards srscards exported, then recompute those cards' states."""
    answers, guids = read_answers(path)
    skipped = sum(1 for a in answers if not _plausible(a))
    answers = [a for a in answers if _plausible(a)]
    with Store.open(home) as store:
        cards = store.cards(store.course_ids(), include_retired=True)
        by_anki = {(note_guid(c.course, c.note), anki_ordinal(c)): c for c in cards}
        if not guids & {guid for guid, _ in by_anki}:
            raise AnkiHistoryError(
                f"{path}: none of its {len(guids)} notes were exported by srscards for the courses in the review "
                "store; import the package from `srscards build` into this Anki profile, and sync the store with "
                "your decks first (srscards stats decks/)"
            )
        matched = [a for a in answers if (a.guid, a.ordinal) in by_anki]
        known = store.anki_revlog_ids()
        fresh = [a for a in matched if a.revlog_id not in known]
        by_card: dict[int, list[AnkiAnswer]] = defaultdict(list)
        for a in fresh:
            by_card[by_anki[(a.guid, a.ordinal)].id].append(a)
        scheduler = Scheduler(settings_in_force(store, settings))
        imported: list[ImportedAnswer] = []
        states: dict[int, Memory] = {}
        card_by_id = {c.id: c for c in cards}
        for card_id, anki in by_card.items():
            card = card_by_id[card_id]
            merged: list[tuple[datetime, Rating, AnkiAnswer | None]] = [
                (r.reviewed_at, r.rating, None) for r in store.log(card_id)
            ]
            merged += [(from_ms(a.revlog_id), Rating(a.ease), a) for a in anki]  # type: ignore[misc]
            merged.sort(key=lambda m: m[0])
            memory = Memory()
            for moment, rating, source in merged:
                after = scheduler.answer(memory, rating, moment, card.key)
                if source is not None:
                    imported.append(
                        ImportedAnswer(source.revlog_id, card_id, moment, rating, source.duration_ms, memory, after)
                    )
                memory = after
            states[card_id] = memory
        added = store.record_imported(imported, states) if imported else 0
    other = sum(1 for a in answers if (a.guid, a.ordinal) not in by_anki)
    notes_matched = len({a.guid for a in matched})
    return HistoryImport(path, notes_matched, added, len(matched) - len(fresh), other, len(states), skipped)
