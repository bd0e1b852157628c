"""The shipped decks: valid, covering the exam, sourced, and importable into Anki."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from srscards.model.card import CardType
from srscards.outputs.build import build_decks
from srscards.sources.coverage import coverage
from srscards.sources.load import load_sources

DECKS = Path(__file__).resolve().parent.parent / "decks"
COURSE = DECKS / "aws-mla"
# AWS documentation: the guides and API references, AWS's own pages, its Knowledge Center, the
# AWS SDK for Python reference and the AWS Neuron SDK documentation.
AWS_DOCS = re.compile(
    r"^https://(docs\.aws\.amazon\.com|aws\.amazon\.com|docs\.amazonaws\.cn/en_us|repost\.aws/knowledge-center"
    r"|boto3\.amazonaws\.com|awsdocs-neuron\.readthedocs-hosted\.com)/"
)
PRACTICE = "Practice questions"


@pytest.fixture(scope="module")
def sources():
    loaded, problems, _ = load_sources(COURSE)
    assert [str(p) for p in problems] == []
    return loaded


@pytest.fixture(scope="module")
def practice(sources):
    return [c for c in sources.cards if c.deck.endswith(f"::{PRACTICE}")]


@pytest.mark.slow
@pytest.mark.parametrize("exam", ["C02", "C01"])
def test_coverage_meets_the_profile_thresholds(sources, exam):
    report = coverage(sources, exam)
    assert report.shortfalls == []
    assert report.total_cards + report.total_questions >= 600
    for kind in ("basic", "cloze", "reversible", "choice"):
        assert report.by_type[kind] >= 50, kind


def test_every_card_names_an_aws_documentation_source(sources):
    missing = [f"{c.location}: {c.source!r}" for c in sources.cards if not AWS_DOCS.match(c.source)]
    assert missing == []


def test_no_two_cards_share_a_front(sources):
    fronts = Counter(re.sub(r"\s+", " ", (c.prompt.md or c.title.md)).strip().lower() for c in sources.cards)
    assert [f for f, n in fronts.items() if n > 1] == []


def test_version_specific_cards_are_marked(sources):
    exams = Counter(c.exam for c in sources.cards)
    assert exams["C02"] >= 100 and exams["C01"] >= 10 and exams["both"] >= 400


def test_question_bank_size_and_mix(practice):
    bank = [c for c in practice if c.type is CardType.CHOICE and c.exam in ("both", "C02")]
    assert len(bank) >= 325
    multi = [c for c in bank if len(c.correct_letters) > 1]
    assert len(multi) >= 0.2 * len(bank)
    for card in bank:
        n = len(card.options)
        if len(card.correct_letters) == 1:
            assert n == 4, card.location
        else:
            assert n in (5, 6), card.location
            stem = re.sub(r"\s+", " ", card.prompt.md)
            assert f"(Choose {['', '', 'two', 'three'][len(card.correct_letters)]}.)" in stem, card.location
        assert all(o.explanation for o in card.options)
        assert card.source and card.tasks and card.difficulty
        assert "all of the above" not in card_text_lower(card)
    c01_forms = Counter(c.type for c in practice if c.exam == "C01")
    assert c01_forms[CardType.ORDERING] >= 4 and c01_forms[CardType.MATCHING] >= 4


def card_text_lower(card) -> str:
    return " ".join(o.text.md.lower() for o in card.options)


def test_question_distribution_follows_the_c02_weights(sources, practice):
    bank = [c for c in practice if c.type is CardType.CHOICE and c.exam in ("both", "C02")]
    per_domain = Counter(c.domain for c in bank)
    per_task = Counter(t for c in bank for t in c.tasks)
    for domain in sources.course.default.domains:
        share = 100 * per_domain[domain.number] / len(bank)
        assert abs(share - domain.weight) <= 2, (domain.number, share)
        for task in domain.tasks:
            assert per_task[task] >= 15, task


def test_no_duplicated_stems(practice):
    stems = Counter(re.sub(r"\s+", " ", c.prompt.md).strip().lower() for c in practice)
    assert [s[:80] for s, n in stems.items() if n > 1] == []


def test_every_question_links_concept_cards(sources, practice):
    ids = {c.id for c in sources.cards if not c.deck.endswith(f"::{PRACTICE}")}
    unlinked = [str(c.location) for c in practice if not c.concepts]
    assert unlinked == []
    assert all(set(c.concepts) <= ids for c in practice)


def test_five_full_exams_without_repeats(sources):
    """Five 65-question forms drawn by domain weight never need to reuse a question."""
    profile = sources.course.default
    questions = Counter(c.domain for c in sources.cards if c.type is CardType.CHOICE and c.in_exam("C02"))
    quotas = [65 * d.weight / 100 for d in profile.domains]
    counts = [math.floor(q) for q in quotas]
    for i in sorted(range(len(quotas)), key=lambda i: quotas[i] - counts[i], reverse=True)[: 65 - sum(counts)]:
        counts[i] += 1
    for domain, count in zip(profile.domains, counts, strict=True):
        assert questions[domain.number] >= 5 * count, domain.number


@pytest.mark.slow
def test_sample_of_each_domain_renders_in_anki(tmp_path):
    (result,) = build_decks(DECKS, tmp_path / "out", now=1_790_000_000)
    col = Collection(str(tmp_path / "collection.anki2"))
    request = ImportAnkiPackageRequest(package_path=str(result.path), options=ImportAnkiPackageOptions())
    log = col.import_anki_package(request).log
    assert len(log.new) == result.notes
    assert col.card_count() == result.cards
    for domain in (1, 2, 3, 4):
        card_ids = col.find_cards(f"tag:domain::{domain}")
        assert len(card_ids) >= 150
        for cid in card_ids[:: max(1, len(card_ids) // 12)]:
            card = col.get_card(cid)
            question, answer = card.question(), card.answer()
            assert "{{" not in question.split("</style>")[-1]
            assert len(answer) > len(question) - 10
    col.close()


def test_lab_links_name_existing_labs(sources):
    labs = {p.name for p in (DECKS.parent / "lab_walkthroughs").iterdir() if (p / "lab.py").is_file()}
    linked = {c.lab for c in sources.cards if c.lab}
    assert linked <= labs
    assert len(linked) >= 12
