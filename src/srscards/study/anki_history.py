"""Reviews done in Anki: read a collection's review log and add it to the store's log.

A collection (`collection.anki2`) or a `.colpkg` backup is never written: the file is copied
(or unpacked) into a temporary folder and only the copy is opened. Cards are matched by the
note GUID srscards gave each note (`identity.note_guid`) and the card's template ordinal or
cloze number. Each Anki answer is keyed by its revlog id, so importing twice adds nothing.
After an import, the touched cards' states are computed again from the merged log, in time
order, with the scheduler's own FSRS model and Anki's day count (as of the import); an answer
given in Anki keeps the due date Anki gave it (its revlog interval), and one given in srscards
the due date srscards gave it (load balancer and fuzz included) where the replay reaches the
same state.

Anki's revlog is read the way Anki's own memory-state recompute reads it:

- answers (ease 1-4 of a learning, review, relearning or filtered-deck entry) join the log,
  except cram answers (a filtered deck that does not reschedule: type 3 with factor 0);
- a Forget/Reset (a manual entry, type 4, with factor 0) is recorded as a reset: the card's
  history starts again after it;
- set-due-date and rescheduling entries (manual with a factor, type 5) change no memory and
  are skipped.

The collection's own scheduling settings (FSRS parameters, desired retention, day start) are
read too, reported, and used when asked (`use_anki_settings`).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from srscards.errors import SrsError
from srscards.model.anki_ids import note_guid
from srscards.scheduling.scheduler import (
    Memory,
    Rating,
    Scheduler,
    Settings,
    State,
    day_begins,
    from_ms,
    study_day,
)
from srscards.store.records import ImportedAnswer, StoredCard
from srscards.store.store import Store
from srscards.study.anki_settings import AnkiSettings, read_settings
from srscards.study.recompute import Recompute, recompute_states
from srscards.study.workspace import settings_in_force, sync_sources

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


REVLOG_LEARNING, REVLOG_FILTERED, REVLOG_MANUAL = 0, 3, 4


@dataclass(frozen=True)
class AnkiEntry:
    """One revlog entry: an answer, a reset, or a manual change."""

    revlog_id: int  # also the moment of the entry, in Unix milliseconds
    guid: str
    ordinal: int
    ease: int
    duration_ms: int
    kind: int  # revlog type: 0 learning, 1 review, 2 relearning, 3 filtered, 4 manual, 5 rescheduled
    factor: int
    interval: int = 0  # the interval the answer gave: days if positive, seconds if negative
    last_interval: int = 0  # the interval the card had before it, the same way

    @property
    def is_reset(self) -> bool:
        return self.kind == REVLOG_MANUAL and self.factor == 0

    @property
    def is_cram(self) -> bool:
        return self.kind == REVLOG_FILTERED and self.factor == 0

    @property
    def is_answer(self) -> bool:
        return 1 <= self.ease <= 4 and 0 <= self.kind <= REVLOG_FILTERED and not self.is_cram


@dataclass(frozen=True)
class AnkiCollection:
    """What srscards reads from a collection."""

    entries: list[AnkiEntry]  # oldest first
    guids: set[str]
    settings: AnkiSettings | None


@dataclass(frozen=True)
class HistoryImport:
    """What one import did."""

    collection: Path
    notes_matched: int
    added: int
    already: int
    other_notes: int  # answers to notes srscards did not export
    cards_updated: int
    resets: int = 0  # resets (Forget) taken over
    cram: int = 0  # cram answers left out
    anki_settings: AnkiSettings | None = None
    settings_used: bool = False
    synced_courses: tuple[str, ...] = ()  # courses synced first because the store was empty
    recompute: Recompute | None = None  # every card recomputed after taking Anki's settings
    skipped: int = 0  # answers with an impossible time (before 2006 or after year 9999), left out


def anki_ordinal(card: StoredCard) -> int:
    """The Anki card ordinal of a store card: the template (forward 0, reverse 1) or cloze number - 1."""
    if card.type == "cloze":
        return int(card.variant[1:]) - 1
    return 1 if card.variant == "reverse" else 0


def anki_due(memory: Memory, interval: int, settings: Settings) -> Memory:
    """`memory` due when Anki scheduled it: `interval` days after its last answer's day, or
    -`interval` seconds after it (a learning step); unchanged for a new card or no interval."""
    if memory.last_review is None or memory.state is State.NEW or interval == 0:
        return memory
    if interval < 0:
        return replace(memory, due=memory.last_review + timedelta(seconds=-interval))
    day = study_day(memory.last_review, settings.day_start)
    return replace(memory, due=day_begins(day + interval, settings.day_start))


def read_collection(path: Path) -> AnkiCollection:
    """The revlog (answers, resets, manual entries), note GUIDs and scheduling settings at `path`."""
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
                    "SELECT r.id, n.guid, c.ord, r.ease, r.time, r.type, r.factor, r.ivl, r.lastIvl, c.id "
                    "FROM revlog r JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid ORDER BY r.id"
                ).fetchall()
                settings = read_settings(conn, sorted({r[9] for r in rows}))
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise AnkiHistoryError(
                f"{path}: the Anki collection cannot be read ({exc}); check it in Anki (Tools > Check Database) "
                "or use a recent backup"
            ) from exc
    entries = [AnkiEntry(r[0], r[1], r[2], r[3], min(max(int(r[4] or 0), 0), MAX_DURATION_MS), *r[5:9]) for r in rows]
    return AnkiCollection(entries, guids, settings)


def _plausible(entry: AnkiEntry) -> bool:
    return isinstance(entry.revlog_id, int) and _FIRST_ID <= entry.revlog_id <= _LAST_ID


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


def import_history(
    path: Path,
    home: Path,
    settings: Settings,
    now: datetime,
    use_anki_settings: bool = False,
    decks: Path | None = None,
) -> HistoryImport:
    """Add the answers and resets done in Anki to the cards srscards exported, then recompute those cards' states.

    When the store holds no course yet, `decks` is synced first. With `use_anki_settings`, the
    collection's FSRS parameters, desired retention, day start, steps and limits are used (and
    kept in config.toml by the caller), and every card is recomputed with them.
    """
    collection = read_collection(path)
    entries, guids = collection.entries, collection.guids
    skipped = sum(1 for e in entries if e.is_answer and not _plausible(e))
    entries = [e for e in entries if _plausible(e)]
    with Store.open(home) as store:
        synced: tuple[str, ...] = ()
        if not store.course_ids() and decks is not None and decks.is_dir():
            synced = tuple(sync_sources(store, decks, now)[0])
        cards = store.cards(store.course_ids(), include_retired=True)
        by_anki = {(note_guid(c.course, c.note), anki_ordinal(c)): c for c in cards}
        if not by_anki:
            raise AnkiHistoryError(
                f"{path}: the review store holds no courses yet; run the command from the folder that holds "
                "decks/, or give --decks PATH (the folder you built the Anki package from)"
            )
        if not guids & {guid for guid, _ in by_anki}:
            raise AnkiHistoryError(
                f"{path}: none of its {len(guids)} notes were exported by srscards for the courses in the review "
                "store; import the package from `srscards build` into this Anki profile, and sync the store with "
                "your decks first (srscards stats decks/)"
            )
        used = use_anki_settings and collection.settings is not None
        if used:
            assert collection.settings is not None
            settings = collection.settings.applied_to(settings)
        else:
            settings = settings_in_force(store, settings)
        matched = [e for e in entries if (e.guid, e.ordinal) in by_anki]
        known = store.anki_revlog_ids()
        fresh = [e for e in matched if e.revlog_id not in known and (e.is_answer or e.is_reset)]
        by_card: dict[int, list[AnkiEntry]] = defaultdict(list)
        for e in fresh:
            by_card[by_anki[(e.guid, e.ordinal)].id].append(e)
        scheduler = Scheduler(settings)
        imported: list[ImportedAnswer] = []
        new_resets: list[tuple[int, int, datetime]] = []
        states: dict[int, Memory] = {}
        card_by_id = {c.id: c for c in cards}
        stored_resets = store.resets()
        for card_id, anki in by_card.items():
            card = card_by_id[card_id]
            resets = list(stored_resets.get(card_id, []))
            for e in anki:
                if e.is_reset:
                    new_resets.append((e.revlog_id, card_id, from_ms(e.revlog_id)))  # type: ignore[arg-type]
                    resets.append(from_ms(e.revlog_id))  # type: ignore[arg-type]
            merged: list[tuple[datetime, Rating, AnkiEntry | Memory]] = [
                (r.reviewed_at, r.rating, r.after) for r in store.log(card_id)
            ]
            merged += [(from_ms(e.revlog_id), Rating(e.ease), e) for e in anki if e.is_answer]  # type: ignore[misc]
            merged.sort(key=lambda m: m[0])
            memory = Memory()
            previous: datetime | None = None
            for moment, rating, source in merged:
                if any((previous is None or previous < r) and r < moment for r in resets):
                    memory = Memory()  # the card was reset before this answer: it starts again as new
                if isinstance(source, AnkiEntry):
                    memory = anki_due(memory, source.last_interval, scheduler.settings)
                after = scheduler.answer(memory, rating, moment, card.key, now)
                if isinstance(source, AnkiEntry):
                    after = anki_due(after, source.interval, scheduler.settings)
                elif source.state is after.state and source.due is not None:
                    # an answer given in srscards keeps the due date it gave (load balancer and fuzz included)
                    after = replace(after, due=source.due)
                if isinstance(source, AnkiEntry):
                    imported.append(
                        ImportedAnswer(
                            source.revlog_id,
                            card_id,
                            moment,
                            rating,
                            source.duration_ms,
                            memory,
                            after,
                            source.kind,
                            source.last_interval,
                        )
                    )
                memory, previous = after, moment
            if previous is not None and any(r > previous for r in resets):
                memory = Memory()  # reset after its last answer: a new card again
            states[card_id] = memory
        added = store.record_imported(imported, states, new_resets) if imported or new_resets else 0
        recompute = recompute_states(store, scheduler, store.course_ids(), now) if used else None
    other = sum(1 for e in entries if e.is_answer and (e.guid, e.ordinal) not in by_anki)
    answers = [e for e in matched if e.is_answer]
    notes_matched = len({e.guid for e in answers})
    return HistoryImport(
        path,
        notes_matched,
        added,
        sum(1 for e in answers if e.revlog_id in known),
        other,
        len(states),
        resets=len(new_resets),
        cram=sum(1 for e in matched if e.is_cram),
        anki_settings=collection.settings,
        settings_used=used,
        synced_courses=synced,
        recompute=recompute,
        skipped=skipped,
    )
