"""Item-writing rules of `srscards check`: each rule with a card that breaks it and one that passes."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import run
from srscards.sources.check import check_decks
from srscards.sources.load import load_sources
from srscards.sources.near_duplicates import _pairs, front_text, near_duplicates, shingles

REPO = Path(__file__).resolve().parent.parent
FRONT = "---\ntitle: Items\ndomain: 1\ntasks: [1.1]\n---\n\n"


def choice(card_id: str, stem: str, options: list[tuple[bool, str]], title: str = "") -> str:
    lines = [f"### {title or 'Question ' + card_id}", f"<!-- id: {card_id} -->", "", stem, ""]
    for correct, text in options:
        lines += [f"- [{'x' if correct else ' '}] {text}", "  Because of what the option says."]
    return "\n".join(lines) + "\n\n"


def warnings(course, body: str, card_id: str | None = None) -> list[str]:
    course.write("d1.md", FRONT + body)
    report = check_decks(course.root)
    assert report.errors == []
    found = [p.message for p in report.warnings]
    return [m for m in found if card_id is None or m.startswith(f"{card_id}:")]


SIMILAR = [
    "Amazon S3 with server-side encryption by AWS KMS keys",
    "Amazon EBS volumes with encryption by default enabled",
    "Amazon EFS file systems with encryption at rest enabled",
    "Amazon FSx for Lustre with data compression turned on",
]


def test_key_longest_by_a_clear_margin(course):
    bad = choice("q-1", "Where should the team store the data?", [
        (True, "Amazon S3 with server-side encryption by AWS KMS keys and a bucket policy that denies HTTP"),
        (False, "Amazon EBS volumes only"), (False, "Amazon EFS only"), (False, "Amazon FSx only"),
    ])  # fmt: skip
    (message,) = warnings(course, bad, "q-1")
    assert message == "q-1: the key (A, 90 characters) is the longest option by a clear margin (longest distractor 23)"
    good = choice("q-2", "Where should the team store the data?", [(i == 0, t) for i, t in enumerate(SIMILAR)])
    assert warnings(course, good, "q-2") == []


def test_option_lengths_differ_widely(course):
    bad = choice("q-1", "Where should the team store the data?", [
        (True, "Amazon S3 buckets"), (False, "Amazon EBS volumes"),
        (False, "Amazon EFS file systems shared between many training instances in several Availability Zones"),
        (False, "Amazon FSx for Lustre"),
    ])  # fmt: skip
    assert warnings(course, bad, "q-1") == []  # short names may differ: only options of 20+ characters count
    bad = choice("q-3", "Where should the team store the data?", [
        (True, "Amazon S3 with KMS keys"),
        (False, "Amazon EBS volumes with encryption by default enabled in every Region of the account"),
        (False, "Amazon EFS file systems with encryption"), (False, "Amazon FSx for Lustre, encrypted"),
    ])  # fmt: skip
    assert warnings(course, bad, "q-3") == ["q-3: option lengths differ widely (23 to 84 characters)"]


def test_choose_n_must_match_the_keys(course):
    five = ["Option one is here", "Option two is here", "Option three here", "Option four here", "Option five here"]
    wrong_n = choice("q-1", "Which steps are needed? (Choose two.)", [(i < 3, t) for i, t in enumerate(five)])
    assert warnings(course, wrong_n, "q-1") == ["q-1: the stem says 'Choose two' but 3 option(s) are marked correct"]
    missing = choice("q-2", "Which steps are needed?", [(i in (1, 3), t) for i, t in enumerate(five)])
    assert warnings(course, missing, "q-2") == [
        "q-2: a multiple-response question with 2 keys does not say how many to choose"
    ]
    good = choice("q-3", "Which steps are needed? (Select TWO.)", [(i in (1, 4), t) for i, t in enumerate(five)])
    assert warnings(course, good, "q-3") == []


def test_multiple_response_needs_five_options(course):
    four = ["Option one is here", "Option two is here", "Option three here", "Option four here"]
    bad = choice("q-1", "Which steps are needed? (Choose two.)", [(i in (0, 2), t) for i, t in enumerate(four)])
    assert warnings(course, bad, "q-1") == ["q-1: a multiple-response question with 4 options"]


def test_near_duplicate_stems_report_both_places(course):
    stem = (
        "A retailer streams clickstream events into Amazon S3 and wants Parquet files for Athena with "
        "the least operational overhead. Which solution meets the requirement?"
    )
    other = (
        "A bank must keep model artifacts encrypted with keys it rotates itself and audit every use of "
        "those keys. Which approach fits?"
    )
    opts = [(i == 0, t) for i, t in enumerate(SIMILAR)]
    path = course.path / "d1.md"
    found = warnings(course, choice("q-1", stem, opts) + choice("q-2", stem.replace("retailer", "bank"), opts))
    assert found == [f"q-2: near-duplicate question stem: 71% alike with q-1 at {path}:7:1"]
    assert warnings(course, choice("q-1", stem, opts) + choice("q-2", other, opts)) == []


def test_near_duplicate_card_fronts(course):
    body = (
        "### What does the default chunking of a Bedrock knowledge base do?\n<!-- id: c-1 -->\n\nSplits text.\n\n"
        "### What does default chunking of an Amazon Bedrock knowledge base do?\n<!-- id: c-2 -->\n\nSplits.\n\n"
        "### Which vector stores can back a knowledge base?\n<!-- id: c-3 -->\n\nOpenSearch Serverless.\n"
    )
    (message,) = warnings(course, body)
    assert message.startswith("c-2: near-duplicate card front: 50% alike with c-1 at ")


def test_cloze_whose_answer_shows_elsewhere(course):
    bad = (
        "### Parquet in Athena\n<!-- id: z-1 -->\n\n{{c1::Parquet}} lets Athena read only the columns a query needs.\n"
    )
    assert warnings(course, bad) == ["z-1: cloze c1 hides 'Parquet', which is visible elsewhere on the card"]
    good = "### Columnar files in Athena\n<!-- id: z-1 -->\n\n{{c1::Parquet}} lets Athena read only some columns.\n"
    assert warnings(course, good) == []
    # Another deletion's text is visible while c2 is asked: that gives c2 away.
    two = "### Formats\n<!-- id: z-2 -->\n\n{{c1::ORC is columnar}}; {{c2::ORC}} suits Hive.\n"
    assert warnings(course, two) == ["z-2: cloze c2 hides 'ORC', which is visible elsewhere on the card"]


def test_reversible_side_contains_the_other_answer(course):
    bad = (
        "### Amazon Data Firehose\n<!-- {id: r-1, type: reversible} -->\n\n"
        "Delivers streaming data to S3 and other stores (formerly Amazon Kinesis Data Firehose).\n"
    )
    assert warnings(course, bad) == ["r-1: the back contains the other side's answer 'Amazon Data Firehose'"]
    good = "### Amazon Data Firehose\n<!-- {id: r-1, type: reversible} -->\n\nDelivers streaming data to S3.\n"
    assert warnings(course, good) == []


def test_front_that_shows_more_than_the_back(course):
    table = "| Fit | Training error | Validation error |\n|---|---|---|\n| Over | low | high |\n| Under | high | high |"
    bad = f"### Overfitting vs underfitting\n<!-- id: b-1 -->\n\n{table}\n\n***\n\nA rule flags it.\n"
    assert warnings(course, bad) == [
        "b-1: the front shows more than the back: 11 words above the thematic break, 4 in the answer"
    ]
    good = f"### Overfitting vs underfitting: how do the errors look?\n<!-- id: b-1 -->\n\n{table}\n"
    assert warnings(course, good) == []
    code = (
        "```python\nrules = [Rule.sagemaker(rule_configs.overfit()),\n"
        "         Rule.sagemaker(rule_configs.overtraining())]\n```"
    )
    asks = f"### What does this list configure?\n<!-- id: b-1 -->\n\n{code}\n\n***\n\nTwo Debugger rules.\n"
    assert warnings(course, asks) == []  # code shown for a question about it is not counted


def test_a_course_without_questions_gets_no_empty_key_figures(course):
    course.write("d1.md", FRONT + "### Q\n<!-- id: b-1 -->\n\nAn answer.\n")
    result = run("check", str(course.root))
    assert result.exit_code == 0, result.output
    assert ": no single-answer questions yet: no key figures\n" in result.stdout
    assert "keys by position" not in result.stdout


def test_overlong_answers_and_lists(course):
    long_answer = " ".join(["word"] * 61)
    assert warnings(course, f"### Q\n<!-- id: b-1 -->\n\n{long_answer}\n") == [
        "b-1: the answer is 61 words (at most 60 words and 5 items)"
    ]
    six = "\n".join(f"- item {i}" for i in range(6))
    assert warnings(course, f"### Q\n<!-- id: b-1 -->\n\n{six}\n") == [
        "b-1: the answer is a list of 6 items to recall (at most 60 words and 5 items)"
    ]
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| {i} | {i} |" for i in range(6))
    assert warnings(course, f"### Q\n<!-- id: b-1 -->\n\n{table}\n") == [
        "b-1: the answer is a list of 6 items to recall (at most 60 words and 5 items)"
    ]
    five = "\n".join(f"- item {i}" for i in range(5))
    assert warnings(course, f"### Q\n<!-- id: b-1 -->\n\n{five}\n\n{' '.join(['w'] * 40)}\n") == []


def test_options_not_parallel_in_kind(course):
    bad = choice("q-1", "Which should the engineer use?", [
        (True, "Amazon SageMaker Clarify"), (False, "AWS Glue DataBrew"), (False, "Amazon Athena"),
        (False, "`max_depth`"),
    ])  # fmt: skip
    assert warnings(course, bad, "q-1") == [
        "q-1: options are not parallel in kind: services (A, B, C) mixed with settings or values (D)"
    ]
    good = choice("q-2", "Which should the engineer use?", [
        (True, "Amazon SageMaker Clarify"), (False, "AWS Glue DataBrew"), (False, "Amazon Athena"),
        (False, "Amazon QuickSight"),
    ])  # fmt: skip
    assert warnings(course, good, "q-2") == []
    settings_only = choice("q-3", "Which setting?", [
        (True, "`max_depth`"), (False, "`eta`"), (False, "`num_round`"), (False, "`subsample`"),
    ])  # fmt: skip
    assert warnings(course, settings_only, "q-3") == []


def test_absolutes_only_in_distractors(course):
    bad = choice("q-1", "What does the crawler do?", [
        (True, "Infers the schema and writes a table to the Data Catalog"),
        (False, "Always rewrites the files it reads into Parquet format"),
        (False, "Never reads objects larger than one gigabyte from S3"),
        (False, "Copies the data into an Amazon Redshift cluster table"),
    ])  # fmt: skip
    assert warnings(course, bad, "q-1") == ["q-1: absolutes appear only in distractors (B 'Always', C 'Never')"]
    good = choice("q-2", "What does the crawler do?", [
        (True, "Always infers the schema and writes a table to the catalog"),
        (False, "Always rewrites the files it reads into Parquet format"),
        (False, "Reads only objects smaller than one gigabyte from S3"),
        (False, "Copies the data into an Amazon Redshift cluster table"),
    ])  # fmt: skip
    assert warnings(course, good, "q-2") == []


def test_all_or_none_of_the_above(course):
    bad = choice("q-1", "Which is true?", [
        (False, "Amazon S3 stores objects"), (False, "Amazon EBS stores blocks"),
        (False, "Amazon EFS stores files"), (True, "All of the above"),
    ])  # fmt: skip
    assert "q-1: option D says 'All of the above'" in warnings(course, bad, "q-1")


def test_strict_turns_warnings_into_errors_and_json_has_the_figures(course):
    bad = choice("q-1", "Where should the team store the data?", [
        (True, "Amazon S3 with server-side encryption by AWS KMS keys and a bucket policy that denies HTTP"),
        (False, "Amazon EBS volumes only"), (False, "Amazon EFS only"), (False, "Amazon FSx only"),
    ])  # fmt: skip
    course.write("d1.md", FRONT + bad)
    path = course.path / "d1.md"
    loose = run("check", str(course.root))
    assert loose.exit_code == 0
    line = (
        f"{path}:7:1: warning: q-1: the key (A, 90 characters) is the longest option by a clear margin "
        "(longest distractor 23) (fix: make the distractors as specific as the key, or cut the key's qualifiers)"
    )
    assert line in loose.stdout
    strict = run("check", str(course.root), "--strict")
    assert strict.exit_code == 1
    assert line.replace(": warning: ", ": error: ") in strict.stderr
    data = json.loads(run("check", str(course.root), "--strict", "--json").stdout)
    assert data["ok"] is False and data["strict"] is True
    items = data["items"]["demo"] if "demo" in data["items"] else next(iter(data["items"].values()))
    assert items["single_answer_questions"] == 1 and items["key_strictly_longest"] == 1
    assert items["key_positions"] == {"A": 1, "B": 0, "C": 0, "D": 0}
    assert any(p["message"].startswith("q-1: the key") and p["severity"] == "error" for p in data["problems"])


def test_course_figures_match_a_guesser_who_picks_the_longest_option(course):
    """The longest-key share is how often a learner who always picks the strictly longest option
    is right; the length ratio is the plain mean of key and distractor lengths."""
    questions = []
    for n in range(8):
        texts = [f"Option {n} {'x' * (20 + 7 * ((n + i) % 4))}" for i in range(4)]
        questions.append(choice(f"q-{n}", f"Scenario number {n} about storage?", [(i == n % 4, t) for i, t in
                                                                                 enumerate(texts)]))  # fmt: skip
    course.write("d1.md", FRONT + "".join(questions))
    report = check_decks(course.root)
    figures = next(iter(report.items.values()))
    sources, _, _ = load_sources(course.path)
    right = keys = distractors = 0
    key_chars: list[int] = []
    other_chars: list[int] = []
    for card in sources.cards:
        lengths = [len(o.text.md) for o in card.options]
        longest = max(range(len(lengths)), key=lambda i: lengths[i])
        strictly = lengths.count(lengths[longest]) == 1
        right += strictly and card.options[longest].correct
        key_chars += [n for n, o in zip(lengths, card.options, strict=True) if o.correct]
        other_chars += [n for n, o in zip(lengths, card.options, strict=True) if not o.correct]
    keys, distractors = len(key_chars), len(other_chars)
    assert figures.key_longest == right and figures.single_answer == 8
    assert round(figures.key_length_ratio, 6) == round((sum(key_chars) / keys) / (sum(other_chars) / distractors), 6)
    assert dict(figures.key_positions) == {"A": 2, "B": 2, "C": 2, "D": 2}


def test_coverage_shows_the_item_figures(course):
    course.write("d1.md", FRONT + choice("q-1", "Where?", [(i == 1, t) for i, t in enumerate(SIMILAR)]))
    result = run("coverage", str(course.root), "--json")
    items = json.loads(result.stdout)["courses"][0]["items"]
    assert items["single_answer_questions"] == 1 and items["key_positions"]["B"] == 1
    text = run("coverage", str(course.root)).stdout
    assert "  items: key strictly longest in 0 of 1 single-answer questions (0%)" in text


def test_shipped_decks_pass_strict():
    result = run("check", str(REPO / "decks"), "--strict")
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.stdout


words = st.lists(st.sampled_from("model data endpoint train shard key store query bias drift".split()), max_size=14)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=2, max_size=8), st.sampled_from([0.3, 0.5, 0.7]))
def test_prefix_filtering_finds_every_pair_a_full_comparison_finds(course_texts, threshold):
    from srscards.model.card import Card, CardType, Fragment

    cards = [
        Card(id=f"c-{i}", type=CardType.BASIC, title=Fragment(" ".join(t)), prompt=Fragment(), answer=Fragment("a"))
        for i, t in enumerate(course_texts)
    ]
    found = {(p.first.id, p.second.id) for p in _pairs(cards, threshold)}
    expected = set()
    for a, b in itertools.combinations(cards, 2):
        sa, sb = shingles(front_text(a)), shingles(front_text(b))
        if len(sa) >= 4 and len(sb) >= 4 and len(sa & sb) / len(sa | sb) >= threshold:
            expected.add((a.id, b.id))
    assert found == expected
    assert near_duplicates(cards, 1.1, threshold) == sorted(
        [p for p in near_duplicates(cards, 1.1, threshold)], key=lambda s: (s.first.location, s.second.location)
    )


def test_an_option_wrapped_onto_its_next_line(course):
    bad = (
        "### Q\n<!-- id: q-1 -->\n\nWhich role?\n\n"
        "- [x] A role allowing `s3:GetObject` on the training prefix and `s3:PutObject`\n"
        "  on the output prefix.\n  Scoped to what the job uses.\n"
        "- [ ] A role with the `AmazonS3FullAccess` managed policy attached to it for every bucket\n  Too broad.\n"
    )
    assert warnings(course, bad, "q-1") == [
        "q-1: option A seems to continue on its next line ('on' ...), which is read as the explanation"
    ]
    good = bad.replace("`s3:PutObject`\n  on the output prefix.\n", "`s3:PutObject` on the output prefix.\n")
    assert warnings(course, good, "q-1") == []
