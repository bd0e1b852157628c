"""Near-duplicate stems and fronts across a course, by Jaccard similarity of word bigrams.

Questions are compared with questions (heading and stem), other cards with other cards (heading
and front; a cloze with its deletions filled in). An inverted index from bigram to cards counts
the bigrams each pair shares, so only pairs that share something are ever scored: a course of a
few thousand cards takes a fraction of a second.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from srscards.model.card import Card
from srscards.sources import cloze

# Jaccard similarity of word bigrams from which two texts count as near duplicates. Question stems
# are long scenarios, where sharing a third of the bigrams already means a copied scenario; card
# fronts are short and often share a template ("When does ... fit a workload?").
QUESTION_THRESHOLD = 0.35
FRONT_THRESHOLD = 0.5
MIN_SHINGLES = 4  # texts shorter than this are headings alone; too short to judge
STOPWORDS = frozenset(
    "a an the of to in on for and or is are be by with as at from that this which what it its does do "
    "can should would will into than then when while each their them they these those has have".split()
)
TOKEN_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Similar:
    """Two cards whose stems or fronts are alike; `first` comes earlier in the sources."""

    first: Card
    second: Card
    similarity: float


def shingles(text: str) -> frozenset[tuple[str, str]]:
    tokens = [t for t in TOKEN_RE.findall(text.lower()) if t not in STOPWORDS]
    return frozenset(zip(tokens, tokens[1:], strict=False))


def front_text(card: Card) -> str:
    """What a learner sees before answering: heading and stem, or heading and front."""
    text = card.title.md + "\n" + card.prompt.md
    return cloze.render(text, lambda number, answer, hint: answer)


def near_duplicates(
    cards: list[Card], question_threshold: float = QUESTION_THRESHOLD, front_threshold: float = FRONT_THRESHOLD
) -> list[Similar]:
    """Every pair of questions, and every pair of other cards, at or above its group's threshold."""
    found = _pairs([c for c in cards if c.is_question], question_threshold)
    found += _pairs([c for c in cards if not c.is_question], front_threshold)
    return sorted(found, key=lambda s: (s.first.location, s.second.location))


def _pairs(cards: list[Card], threshold: float) -> list[Similar]:
    """Prefix filtering: with each text's bigrams sorted rarest first, two texts at or above the
    threshold share at least one bigram among their first `n - ceil(threshold * n) + 1`. Only
    pairs that do are scored, exactly; common bigrams ("sagemaker ai") never make candidates."""
    sets = [shingles(front_text(c)) for c in cards]
    frequency: Counter[tuple[str, str]] = Counter(x for s in sets for x in s)
    index: dict[tuple[str, str], list[int]] = defaultdict(list)
    candidates: set[tuple[int, int]] = set()
    for i, s in enumerate(sets):
        if len(s) < MIN_SHINGLES:
            continue
        ranked = sorted(s, key=lambda x: (frequency[x], x))
        for shingle in ranked[: len(s) - math.ceil(threshold * len(s)) + 1]:
            for j in index[shingle]:
                candidates.add((j, i))
            index[shingle].append(i)
    out = []
    for i, j in candidates:
        common = len(sets[i] & sets[j])
        similarity = common / (len(sets[i]) + len(sets[j]) - common)
        if similarity >= threshold:
            first, second = sorted((cards[i], cards[j]), key=lambda c: c.location)
            out.append(Similar(first, second, similarity))
    return out
