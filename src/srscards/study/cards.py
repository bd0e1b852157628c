"""Your cards in your hands: find cards, read their memory state, suspend, unsuspend, unbury, forget.

The core of `srscards cards`. A card is named by its note id (`fmt-1`), with its variant when
the note has several (`clz-1/c2`, `rev-1/reverse`); a note id alone names all its cards. Every
change is a logged action (`store.card_actions`), so it can be undone and the history reads whole.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from srscards.errors import SrsError
from srscards.model.tags import derived_tags
from srscards.scheduling.scheduler import Memory, Rating, Scheduler, State, day_begins, study_day
from srscards.store.card_actions import CardState
from srscards.store.records import StoredCard
from srscards.store.store import Store
from srscards.study.daily_queue import Filters
from srscards.views.terminal import card_text

STATE_NAMES = {State.NEW: "new", State.LEARNING: "learning", State.REVIEW: "review", State.RELEARNING: "relearning"}
RATING_NAMES = {Rating.AGAIN: "again", Rating.HARD: "hard", Rating.GOOD: "good", Rating.EASY: "easy"}
FIELDS = ("id", "tag", "domain", "task", "deck", "type", "state", "exam")
CHANGES = ("suspend", "unsuspend", "unbury", "forget", "undo")
_MARKUP = re.compile(r"\*\*|__|`|^#+\s*")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def card_id(card: StoredCard) -> str:
    """The id a learner types: the note id, with the variant when the note has more than one card."""
    return card.note if card.variant == "card" else f"{card.note}/{card.variant}"


def tags_of(card: StoredCard) -> list[str]:
    return derived_tags(card.type, card.exam, card.domain, card.tasks, card.tags)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a card's history: an answer or an action, undone or not."""

    at: datetime
    kind: str  # "answer" or an action name
    origin: str
    rating: Rating | None = None
    duration_ms: int | None = None
    interval_days: int | None = None
    undone: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "origin": self.origin,
            "rating": None if self.rating is None else RATING_NAMES[self.rating],
            "seconds": None if self.duration_ms is None else round(self.duration_ms / 1000, 1),
            "interval_days": self.interval_days,
            "undone": self.undone,
        }


@dataclass(frozen=True)
class CardInfo:
    """One card as `srscards cards` shows it, like Anki's card info."""

    card: StoredCard
    front: str
    retrievability: float | None
    due_day: date | None
    buried: bool
    history: tuple[HistoryEntry, ...] = field(default=())

    @property
    def id(self) -> str:
        return card_id(self.card)

    @property
    def state(self) -> str:
        return STATE_NAMES[self.card.memory.state]

    def to_json(self) -> dict[str, Any]:
        card, memory = self.card, self.card.memory
        data: dict[str, Any] = {
            "id": self.id,
            "course": card.course,
            "note": card.note,
            "variant": card.variant,
            "type": card.type,
            "front": self.front,
            "deck": card.deck,
            "domain": card.domain,
            "tasks": list(card.tasks),
            "tags": tags_of(card),
            "exam": card.exam,
            "source": f"{card.path}:{card.line}",
            "state": self.state,
            "due": None if memory.due is None or memory.state is State.NEW else memory.due.isoformat(),
            "due_day": None if self.due_day is None else self.due_day.isoformat(),
            "stability_days": None if memory.stability is None else round(memory.stability, 2),
            "difficulty": None if memory.difficulty is None else round(memory.difficulty, 2),
            "retrievability": None if self.retrievability is None else round(self.retrievability, 4),
            "reps": memory.reps,
            "lapses": memory.lapses,
            "last_review": None if memory.last_review is None else memory.last_review.isoformat(),
            "suspended": card.suspended,
            "buried": self.buried,
        }
        if self.history:
            data["history"] = [h.to_json() for h in self.history]
        return data


def _plain(md: str) -> str:
    """One line of a card's front for a listing: Markdown marks and line breaks removed."""
    text = " ".join(line.strip() for line in md.splitlines() if line.strip())
    return _MARKUP.sub("", _LINK.sub(r"\1", text)).strip()


@dataclass(frozen=True)
class Query:
    """A search: words that must all appear (in the card's text, id or tags) and field:value terms."""

    words: tuple[str, ...] = ()
    terms: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, text: str) -> Query:
        """`"min max" tag:type::cloze domain:1` -> words and terms; an unknown field is an error."""
        try:
            parts = shlex.split(text)
        except ValueError as exc:
            raise SrsError(f"cannot read the search {text!r} ({exc}); close the quotes") from exc
        words, terms = [], []
        for part in parts:
            name, sep, value = part.partition(":")
            if sep and name.lower() in FIELDS and value and not value.startswith(":"):
                terms.append((name.lower(), value))
            elif sep and name.isalpha() and value and not value.startswith(":"):
                raise SrsError(f"{name}: is not a search field; use one of {', '.join(f + ':' for f in FIELDS)}")
            else:
                words.append(part)
        return cls(tuple(words), tuple(terms))


def _matches(card: StoredCard, text: str, query: Query) -> bool:
    tags = [t.lower() for t in tags_of(card)]
    ident = card_id(card).lower()
    for word in query.words:
        w = word.lower()
        if w not in text and w != ident and w != card.note.lower() and w not in tags:
            return False
    for name, value in query.terms:
        v = value.lower()
        if name == "id" and v not in (ident, card.note.lower()):
            return False
        if name == "tag" and v not in tags:
            return False
        if name == "domain" and str(card.domain) != v:
            return False
        if name == "task" and v not in card.tasks:
            return False
        if name == "deck" and not Filters(deck=value).matches(card):
            return False
        if name == "type" and card.type != v:
            return False
        if name == "state" and STATE_NAMES[card.memory.state] != v and not (v == "suspended" and card.suspended):
            return False
        if name == "exam" and card.exam.lower() not in ("both", v):
            return False
    return True


def _front(store: Store, card: StoredCard) -> tuple[str, str]:
    """(first line of the front, all searchable text, lower case) of a card, from the stored note."""
    note = store.content(card.course, card.note)
    if note is None:
        return "", ""
    text = card_text(note, card.variant, card.key)
    return _plain(text.front), note.markdown_text.lower()


def info(store: Store, scheduler: Scheduler, card: StoredCard, now: datetime, history: bool = False) -> CardInfo:
    """A card's info: its front, state, due day, retrievability now; with `history`, its log."""
    today = study_day(now, scheduler.settings.day_start)
    memory = card.memory
    due_day = None
    if memory.due is not None and memory.state is not State.NEW:
        due_day = date.fromordinal(study_day(memory.due, scheduler.settings.day_start))
    recall = None if memory.stability is None else scheduler.retrievability(memory, now)
    buried = card.buried_day is not None and card.buried_day > today
    entries: tuple[HistoryEntry, ...] = ()
    if history:
        entries = _history(store, scheduler, card)
    return CardInfo(card, _front(store, card)[0], recall, due_day, buried, entries)


def _history(store: Store, scheduler: Scheduler, card: StoredCard) -> tuple[HistoryEntry, ...]:
    entries = []
    undone = store.undone_reviews(card.id)
    for review in store.log(card.id, with_undone=True):
        days = None
        if review.after.state is State.REVIEW and review.after.due is not None:
            days = scheduler.interval(review.after, review.reviewed_at).days
        entries.append(
            HistoryEntry(
                review.reviewed_at,
                "answer",
                review.origin,
                review.rating,
                review.duration_ms,
                days,
                review.id in undone,
            )
        )
    for action in store.actions(card.id):
        entries.append(HistoryEntry(action.acted_at, action.action, action.origin, undone=action.undone_at is not None))
    return tuple(sorted(entries, key=lambda e: e.at))


def find_cards(
    store: Store,
    scheduler: Scheduler,
    courses: Sequence[str],
    now: datetime,
    query: str = "",
    filters: Filters | None = None,
    suspended: bool = False,
    buried: bool = False,
    due: bool = False,
) -> list[CardInfo]:
    """The cards of `courses` that match the search and every flag given, in source order."""
    parsed = Query.parse(query)
    filters = filters or Filters()
    settings = scheduler.settings
    today = study_day(now, settings.day_start)
    day_end = day_begins(today + 1, settings.day_start)
    found = []
    for card in store.cards(courses):
        if not filters.matches(card):
            continue
        if suspended and not card.suspended:
            continue
        if buried and not (card.buried_day is not None and card.buried_day > today):
            continue
        if due and not (card.memory.state is not State.NEW and card.memory.due and card.memory.due < day_end):
            continue
        if parsed.words or parsed.terms:
            front, text = _front(store, card)
            if not _matches(card, text + "\n" + front.lower(), parsed):
                continue
        found.append(info(store, scheduler, card, now))
    return found


def cards_by_id(store: Store, courses: Sequence[str], ids: Sequence[str]) -> list[StoredCard]:
    """The cards the ids name (a note id names all its cards); an unknown id is an error."""
    cards = store.cards(courses)
    by_id: dict[str, list[StoredCard]] = {}
    for card in cards:
        for name in {card_id(card), card.note, f"{card.note}/{card.variant}", card.key, f"{card.course}/{card.note}"}:
            by_id.setdefault(name.lower(), []).append(card)
    chosen: list[StoredCard] = []
    unknown = []
    for ident in ids:
        found = by_id.get(ident.strip().lower())
        if not found:
            unknown.append(ident)
            continue
        chosen += [c for c in found if c.id not in {x.id for x in chosen}]
    if unknown:
        names = ", ".join(unknown)
        raise SrsError(
            f"no card with id {names} in the review store; srscards cards lists the ids "
            "(search with srscards cards WORDS)"
        )
    return chosen


@dataclass(frozen=True)
class Change:
    """What a change did to one card: `done` false when there was nothing to change."""

    card: StoredCard
    action: str
    done: bool
    action_id: int | None = None

    @property
    def message(self) -> str:
        name = card_id(self.card)
        if self.done:
            past = {
                "suspend": "suspended",
                "unsuspend": "unsuspended",
                "unbury": "unburied",
                "forget": "forgotten",
                "undo": "undone",
            }
            extra = " (it is a new card again)" if self.action == "forget" else ""
            return f"{name}: {past[self.action]}{extra}"
        why = {
            "suspend": "already suspended",
            "unsuspend": "not suspended",
            "unbury": "not buried",
            "forget": "already new",
            "undo": "changed since",
        }
        return f"{name}: {why[self.action]}, nothing to do"


def change_cards(
    store: Store, scheduler: Scheduler, cards: Sequence[StoredCard], action: str, now: datetime
) -> list[Change]:
    """Suspend, unsuspend, unbury or forget `cards`; each change is logged, so it can be undone."""
    if action not in CHANGES:
        raise SrsError(f"{action}: not a card change; use one of {', '.join(CHANGES)}")
    if action == "undo":
        raise SrsError("undo takes back one logged action; use undo_last")
    today = study_day(now, scheduler.settings.day_start)
    changes = []
    for card in cards:
        fresh = store.card(card.id)
        state = CardState.of(fresh)
        after: CardState | None = None
        if action == "suspend" and not fresh.suspended:
            after = CardState(True, state.buried_day, state.memory)
        elif action == "unsuspend" and fresh.suspended:
            after = CardState(False, state.buried_day, state.memory)
        elif action == "unbury" and fresh.buried_day is not None and fresh.buried_day > today:
            after = CardState(state.suspended, None, state.memory)
        elif action == "forget" and fresh.memory != Memory():
            after = CardState(state.suspended, state.buried_day, Memory())
        if after is None:
            changes.append(Change(fresh, action, False))
            continue
        action_id = store.act(fresh, action, after, now, origin="cards")
        if action_id is None:
            raise SrsError(f"{card_id(fresh)}: changed by another srscards session meanwhile; run the command again")
        changes.append(Change(fresh, action, True, action_id))
    return changes


def undo_last(store: Store, courses: Sequence[str], now: datetime, cards: Sequence[StoredCard] = ()) -> Change | None:
    """Take back the latest `srscards cards` change (of `cards`, when given); None when there is none.

    The undo is a record of its own; the action stays in the log, marked undone.
    """
    last = store.last_action([c.id for c in cards] or None, origin="cards")
    if last is None:
        return None
    card = store.card(last.card)
    if card.course not in courses:
        return None
    undone = store.undo_action(last.id, now)
    return Change(card, last.action, undone is not None, last.id)
