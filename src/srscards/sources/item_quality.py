"""Item writing: cues that let a test-wise learner find the key without the knowledge, and cards
that give their answer away. Every rule reads the parsed card model and reports warnings.

The rules and their limits are described in docs/item-writing.md. Near duplicates are in
`sources/near_duplicates.py`; the course-level figures are in `ItemFigures`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from srscards.errors import Location, Problem
from srscards.model.card import Card, CardType, letter
from srscards.model.course import CourseSources
from srscards.sources import cloze
from srscards.sources.near_duplicates import Similar, near_duplicates

# A key this much longer than the longest distractor stands out (25% longer, and 12 characters).
KEY_MARGIN = 1.25
KEY_MARGIN_CHARS = 12
# Longest over shortest option: beyond this the lengths alone tell the options apart.
SPREAD = 3.0
SPREAD_MIN_CHARS = 20  # options shorter than this (names, numbers) may differ freely
MIN_RESPONSE_OPTIONS = 5
MAX_ANSWER_WORDS = 60
MAX_LIST_ITEMS = 5
# Course targets: the key is the strictly longest option in at most this share of
# single-answer questions, and keys are within this much of the distractors' mean length.
MAX_LONGEST_SHARE = 0.30
MAX_LENGTH_GAP = 0.15
MIN_QUESTIONS_FOR_TARGETS = 20  # below this many single-answer questions the shares say little

NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
CHOOSE_RE = re.compile(r"\b(?:choose|select|pick)\s+(two|three|four|five|[2-5])\b", re.IGNORECASE)
ABSOLUTE_RE = re.compile(r"\b(always|never|under no circumstances|in all cases)\b", re.IGNORECASE)
ABOVE_RE = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.IGNORECASE)
LIST_ITEM_RE = re.compile(r"^(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
TABLE_ROW_RE = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
TABLE_RULE_RE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
CODE_RE = re.compile(r"`[^`]+`")
FENCE_RE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
NUMERIC_RE = re.compile(r"^[\s~<>=.,%$0-9-]+(?:[A-Za-z]{0,4}\s*)*$")
SETTING_SHAPE_RE = re.compile(r"^[a-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)+$|^[a-z]+[A-Z][A-Za-z0-9]*$|^[A-Z]+_[A-Z_]+$")
# An option's explanation that starts with one of these words is most likely the rest of the
# option's own sentence, wrapped onto the next line (only the option's first line is its text).
CONTINUATION_WORDS = frozenset("and or on in of to with for the a an plus but than that which from by as".split())
WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'._/-]*")


def plain(md: str) -> str:
    """Markdown reduced to the text a learner reads: no markup characters, links as their text."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", md)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[*_`~]|\\", "", text)
    return " ".join(text.split())


def words(md: str) -> list[str]:
    return WORD_RE.findall(plain(md))


@dataclass
class ItemFigures:
    """Course-level figures on how the questions are written."""

    single_answer: int = 0
    key_longest: int = 0  # single-answer questions whose key is strictly the longest option
    key_chars: list[int] = field(default_factory=list)
    distractor_chars: list[int] = field(default_factory=list)
    key_positions: Counter[str] = field(default_factory=Counter)  # single-answer keys by letter
    option_counts: Counter[int] = field(default_factory=Counter)  # single-answer questions by option count
    response_positions: Counter[str] = field(default_factory=Counter)  # multiple-response keys by letter
    multiple_response: int = 0
    near_duplicates: list[Similar] = field(default_factory=list)
    near_duplicate_clusters: int = 0
    giveaway_clozes: int = 0
    giveaway_reversible: int = 0
    overlong_answers: int = 0

    @property
    def key_longest_share(self) -> float:
        return self.key_longest / self.single_answer if self.single_answer else 0.0

    @property
    def key_mean(self) -> float:
        return sum(self.key_chars) / len(self.key_chars) if self.key_chars else 0.0

    @property
    def distractor_mean(self) -> float:
        return sum(self.distractor_chars) / len(self.distractor_chars) if self.distractor_chars else 0.0

    @property
    def key_length_ratio(self) -> float:
        return self.key_mean / self.distractor_mean if self.distractor_mean else 0.0

    @property
    def key_position_expected(self) -> dict[str, float]:
        """Keys per letter a blind shuffle would give: each question's key equally likely at each option."""
        expected: Counter[str] = Counter()
        for count, questions in self.option_counts.items():
            for i in range(count):
                expected[letter(i)] += questions / count
        return dict(expected)

    def to_json(self) -> dict[str, Any]:
        expected = self.key_position_expected
        return {
            "single_answer_questions": self.single_answer,
            "key_strictly_longest": self.key_longest,
            "key_longest_share": round(self.key_longest_share, 3),
            "key_mean_chars": round(self.key_mean, 1),
            "distractor_mean_chars": round(self.distractor_mean, 1),
            "key_length_ratio": round(self.key_length_ratio, 3),
            "key_positions": {k: self.key_positions[k] for k in sorted(expected)},
            "key_positions_expected": {k: round(v, 1) for k, v in sorted(expected.items())},
            "multiple_response_questions": self.multiple_response,
            "multiple_response_key_positions": dict(sorted(self.response_positions.items())),
            "near_duplicate_pairs": len(self.near_duplicates),
            "near_duplicate_clusters": self.near_duplicate_clusters,
            "giveaway_clozes": self.giveaway_clozes,
            "giveaway_reversible": self.giveaway_reversible,
            "overlong_answers": self.overlong_answers,
        }

    def summary(self) -> str:
        if not self.single_answer:
            return "no single-answer questions yet: no key figures"
        positions = " ".join(f"{k} {self.key_positions[k]}" for k in sorted(self.key_position_expected))
        return (
            f"key strictly longest in {self.key_longest} of {self.single_answer} single-answer questions "
            f"({100 * self.key_longest_share:.0f}%); key/distractor length {self.key_length_ratio:.2f}; "
            f"keys by position: {positions}"
        )


@dataclass
class ItemReport:
    problems: list[Problem]
    figures: ItemFigures


def check_items(sources: CourseSources, cards: list[Card] | None = None) -> ItemReport:
    """Every item-writing warning of a course, and its figures (over `cards`, default all)."""
    selected = list(sources.cards) if cards is None else cards
    figures = ItemFigures()
    problems: list[Problem] = []
    for card in selected:
        problems += card_warnings(card, sources, figures)
    similar = near_duplicates(selected)
    figures.near_duplicates = similar
    figures.near_duplicate_clusters = _clusters(similar)
    for pair in similar:
        kind = "question stem" if pair.second.is_question else "card front"
        problems.append(
            _warn(
                pair.second,
                f"near-duplicate {kind}: {round(100 * pair.similarity)}% alike with {pair.first.id} at "
                f"{pair.first.location}",
                "vary the scenario, the constraint or the service so each item tests something new, or merge them",
            )
        )
    problems += _course_warnings(sources, figures)
    return ItemReport(problems, figures)


def card_warnings(card: Card, sources: CourseSources, figures: ItemFigures | None = None) -> list[Problem]:
    """The warnings of one card; counts go into `figures` when given."""
    figures = figures if figures is not None else ItemFigures()
    if card.type is CardType.CHOICE:
        return _choice(card, sources, figures)
    if card.type is CardType.CLOZE:
        return _cloze(card, figures)
    if card.type in (CardType.BASIC, CardType.REVERSIBLE):
        return _basic(card, figures)
    return []


# -- choice questions --------------------------------------------------------------------------


def _choice(card: Card, sources: CourseSources, figures: ItemFigures) -> list[Problem]:
    out: list[Problem] = []
    texts = [plain(o.text.md) for o in card.options]
    lengths = [len(t) for t in texts]
    keys = [i for i, o in enumerate(card.options) if o.correct]
    distractors = [i for i, o in enumerate(card.options) if not o.correct]
    stem = plain(card.title.md + " " + card.prompt.md)
    figures.key_chars += [lengths[i] for i in keys]
    figures.distractor_chars += [lengths[i] for i in distractors]
    if len(keys) == 1:
        figures.single_answer += 1
        figures.option_counts[len(card.options)] += 1
        figures.key_positions[letter(keys[0])] += 1
        key = lengths[keys[0]]
        longest_other = max((lengths[i] for i in distractors), default=0)
        figures.key_longest += key > longest_other
        if distractors and key >= KEY_MARGIN * longest_other and key - longest_other >= KEY_MARGIN_CHARS:
            out.append(
                _warn(
                    card,
                    f"the key ({letter(keys[0])}, {key} characters) is the longest option by a clear margin "
                    f"(longest distractor {longest_other})",
                    "make the distractors as specific as the key, or cut the key's qualifiers",
                )
            )
    else:
        figures.multiple_response += 1
        figures.response_positions.update(letter(i) for i in keys)
        key_mean = sum(lengths[i] for i in keys) / len(keys)
        other_mean = sum(lengths[i] for i in distractors) / len(distractors) if distractors else 0
        if distractors and key_mean >= KEY_MARGIN * other_mean and key_mean - other_mean >= KEY_MARGIN_CHARS:
            out.append(
                _warn(
                    card,
                    f"the keys average {key_mean:.0f} characters, the distractors {other_mean:.0f}",
                    "make the distractors as specific as the keys",
                )
            )
    if min(lengths) >= SPREAD_MIN_CHARS and max(lengths) >= SPREAD * min(lengths):
        out.append(
            _warn(
                card,
                f"option lengths differ widely ({min(lengths)} to {max(lengths)} characters)",
                "write options of similar length and detail",
            )
        )
    out += _choose_n(card, stem, len(keys))
    out += _parallel(card, texts, sources)
    absolute_keys = [i for i in keys if ABSOLUTE_RE.search(texts[i])]
    absolute_distractors = [i for i in distractors if ABSOLUTE_RE.search(texts[i])]
    if absolute_distractors and not absolute_keys:
        found = ", ".join(
            f"{letter(i)} {ABSOLUTE_RE.search(texts[i]).group(1)!r}"  # type: ignore[union-attr]
            for i in absolute_distractors
        )
        out.append(
            _warn(
                card,
                f"absolutes appear only in distractors ({found})",
                "state the distractor's flaw without an absolute, or let a key carry one where it is true",
            )
        )
    for i, option in enumerate(card.options):
        first = option.explanation.md.split(maxsplit=1)[:1]
        if first and first[0] in CONTINUATION_WORDS and not texts[i].endswith((".", "?", "!", ":")):
            out.append(
                _warn(
                    card,
                    f"option {letter(i)} seems to continue on its next line ({first[0]!r} ...), which is read "
                    "as the explanation",
                    "write the whole option on its first line and the explanation on the next",
                )
            )
    for i, text in enumerate(texts):
        m = ABOVE_RE.search(text)
        if m:
            out.append(
                _warn(
                    card,
                    f"option {letter(i)} says {m.group(0)!r}",
                    "write a real option: 'all/none of the above' can be solved by comparing two options",
                )
            )
    return out


def _choose_n(card: Card, stem: str, key_count: int) -> list[Problem]:
    m = CHOOSE_RE.search(stem)
    options = len(card.options)
    out = []
    if m:
        n = NUMBER_WORDS[m.group(1).lower()]
        if n != key_count:
            out.append(
                _warn(
                    card,
                    f"the stem says {m.group(0)!r} but {key_count} option(s) are marked correct",
                    f"mark {n} options with [x] or change the stem to say how many to choose",
                )
            )
    elif key_count > 1:
        out.append(
            _warn(
                card,
                f"a multiple-response question with {key_count} keys does not say how many to choose",
                f"end the stem with '(Choose {_number_word(key_count)}.)'",
            )
        )
    if key_count > 1 and options < MIN_RESPONSE_OPTIONS:
        out.append(
            _warn(
                card,
                f"a multiple-response question with {options} options",
                f"give it at least {MIN_RESPONSE_OPTIONS} options, as the exam does",
            )
        )
    return out


def _number_word(n: int) -> str:
    return next((w for w, v in NUMBER_WORDS.items() if v == n and not w.isdigit()), str(n))


def _parallel(card: Card, texts: list[str], sources: CourseSources) -> list[Problem]:
    """Options that name things (at most 5 words each) should all name the same kind of thing."""
    if any(len(t.split()) > 5 for t in texts):
        return []  # sentence options describe actions; their kind is not judged
    kinds = [_kind(t, card.options[i].text.md, sources) for i, t in enumerate(texts)]
    named = {k for k in kinds if k != "other"}
    if named == {"service", "setting"}:
        services = ", ".join(letter(i) for i, k in enumerate(kinds) if k == "service")
        settings = ", ".join(letter(i) for i, k in enumerate(kinds) if k == "setting")
        return [
            _warn(
                card,
                f"options are not parallel in kind: services ({services}) mixed with settings or values ({settings})",
                "make every option the same kind of thing: all services, or all settings of one service",
            )
        ]
    return []


def _kind(text: str, md: str, sources: CourseSources) -> str:
    """'service' when the option names an in-scope service, 'setting' for a parameter, API name or
    value, 'other' otherwise."""
    if _names_service(text, sources):
        return "service"
    bare = text.strip().rstrip(".")
    if (CODE_RE.fullmatch(md.strip()) or SETTING_SHAPE_RE.match(bare) or NUMERIC_RE.match(bare)) and bare:
        return "setting"
    return "other"


def _names_service(text: str, sources: CourseSources) -> bool:
    names = tuple(m for service in sources.course.services for m in service.match)
    return _service_pattern(names).search(text) is not None or text.startswith(("Amazon ", "AWS "))


@lru_cache(maxsize=8)
def _service_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every name a course's services go by, longest first."""
    ordered = sorted(names or ("Amazon", "AWS"), key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![A-Za-z0-9])")


# -- cloze, basic and reversible cards ------------------------------------------------------


def _cloze(card: Card, figures: ItemFigures) -> list[Problem]:
    text = card.title.md + "\n" + card.prompt.md
    try:
        deletions = cloze.scan(text)
    except cloze.ClozeError:
        return []
    out = []
    for n in card.cloze_numbers:
        hidden = _answers(text, deletions, n)
        visible = plain(cloze.render(text, lambda num, answer, hint, n=n: "" if num == n else answer)).lower()
        for answer in hidden:
            needle = plain(answer).lower()
            if len(needle) >= 3 and _has_phrase(visible, needle):
                figures.giveaway_clozes += 1
                out.append(
                    _warn(
                        card,
                        f"cloze c{n} hides {plain(answer)!r}, which is visible elsewhere on the card",
                        "reword the heading or the visible text so it does not name the hidden answer",
                    )
                )
                break
    return out


def _answers(text: str, deletions: list[cloze.Deletion] | tuple[cloze.Deletion, ...], n: int) -> list[str]:
    found: list[str] = []
    for d in deletions:
        if d.number == n:
            found.append(cloze.split_hint(cloze.render(d.inner(text), lambda num, answer, hint: answer))[0])
        else:
            found += _answers(text, d.children, n)
    return found


def _basic(card: Card, figures: ItemFigures) -> list[Problem]:
    out = []
    answer_md = card.answer.md
    count = len(words(answer_md))
    items = len(LIST_ITEM_RE.findall(answer_md))
    rows = [r for r in TABLE_ROW_RE.findall(answer_md) if not TABLE_RULE_RE.match(r)]
    table_items = max(len(rows) - 1, 0)
    if count > MAX_ANSWER_WORDS or items > MAX_LIST_ITEMS or table_items > MAX_LIST_ITEMS:
        figures.overlong_answers += 1
        what = f"{count} words" if count > MAX_ANSWER_WORDS else f"a list of {max(items, table_items)} items to recall"
        out.append(
            _warn(
                card,
                f"the answer is {what} (at most {MAX_ANSWER_WORDS} words and {MAX_LIST_ITEMS} items)",
                "split the card into smaller cards, or turn the list into a cloze",
            )
        )
    if card.type is CardType.BASIC and card.prompt.md:
        shown = len(words(FENCE_RE.sub("", card.prompt.md)))  # code shown for a question about it is fine
        if shown > count:
            out.append(
                _warn(
                    card,
                    f"the front shows more than the back: {shown} words above the thematic break, "
                    f"{count} in the answer",
                    "text above *** is shown with the question; move what the learner should recall below "
                    "it, or drop the break and let the heading ask",
                )
            )
    if card.type is CardType.REVERSIBLE:
        front = plain(card.prompt.md or card.title.md)
        back = plain(answer_md)
        for side, other, name in ((front, back, "back"), (back, front, "front")):
            if _gives_away(side, other):
                figures.giveaway_reversible += 1
                out.append(
                    _warn(
                        card,
                        f"the {name} contains the other side's answer {side!r}",
                        "remove it from that side so the reverse card asks for something not shown",
                    )
                )
                break
    return out


CONTENT_STOPWORDS = frozenset("a an the of to in on for and or is are by with as at from what which".split())


def _gives_away(answer: str, other: str) -> bool:
    """A short side (at most 8 words) whose every content word appears on the other side."""
    tokens = [t for t in re.findall(r"[a-z0-9]+", answer.lower()) if t not in CONTENT_STOPWORDS]
    if not tokens or len(answer.split()) > 8:
        return False
    seen = set(re.findall(r"[a-z0-9]+", other.lower()))
    return all(t in seen for t in tokens)


def _has_phrase(text: str, needle: str) -> bool:
    """`needle` in `text` as whole words (not inside a longer word)."""
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(needle, start + 1)
    return False


# -- course level ------------------------------------------------------------------------------


def _course_warnings(sources: CourseSources, figures: ItemFigures) -> list[Problem]:
    where = Location(sources.course.path / "course.yaml")
    out = []
    if figures.single_answer < MIN_QUESTIONS_FOR_TARGETS:
        return out
    if figures.key_longest_share > MAX_LONGEST_SHARE:
        out.append(
            Problem(
                where,
                f"the key is the strictly longest option in {100 * figures.key_longest_share:.0f}% of "
                f"single-answer questions (target at most {100 * MAX_LONGEST_SHARE:.0f}%)",
                "lengthen distractors or shorten keys in the questions warned about",
                "warning",
            )
        )
    if figures.distractor_mean and abs(figures.key_length_ratio - 1) > MAX_LENGTH_GAP:
        out.append(
            Problem(
                where,
                f"keys average {figures.key_mean:.0f} characters against {figures.distractor_mean:.0f} for "
                f"distractors (target within {100 * MAX_LENGTH_GAP:.0f}%)",
                "balance key and distractor lengths",
                "warning",
            )
        )
    return out


def _clusters(pairs: list[Similar]) -> int:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        parent[root(pair.first.id)] = root(pair.second.id)
    return len({root(x) for x in parent})


def _warn(card: Card, message: str, hint: str) -> Problem:
    return Problem(card.location, f"{card.id}: {message}", hint, "warning")
