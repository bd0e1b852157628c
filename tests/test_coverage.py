"""`srscards coverage`: counts against the profile, and exit code 1 under thresholds."""

from __future__ import annotations

import json

from conftest import run

CARDS = """\
---
title: Demo
domain: 1
---

## 1.1 Collect

### Which service queries S3 with SQL?
<!-- id: a-1 -->

Amazon Athena.

### Which service streams records?
<!-- {id: a-2, exam: C02} -->

Amazon Kinesis Data Streams.

### Pick the SQL service
<!-- {id: q-1, concepts: [a-1]} -->

Which service runs SQL on files in S3?

- [x] Athena
  Serverless SQL over S3.
- [ ] Polly
  Text to speech.
"""


def test_coverage_counts_cards_questions_and_services(course):
    course.write("d1.md", CARDS)
    result = run("coverage", str(course.root), "--json")
    assert result.exit_code == 1  # the real profile asks for 25 cards per task
    (report,) = json.loads(result.stdout)["courses"]
    assert report["profile"] == "MLA-C02"
    assert (report["notes"], report["concept_notes"], report["questions"], report["cards"]) == (3, 2, 1, 3)
    task = report["domains"][0]["tasks"][0]
    assert task == {"task": "1.1", "name": "Collect and store data", "concept_notes": 2, "questions": 1,
                    "by_type": {"basic": 2, "choice": 1}}  # fmt: skip
    services = {s["name"]: s["notes"] for s in report["services"]}
    assert services["Amazon Athena"] == 2 and services["Amazon Kinesis"] == 1 and services["Amazon Polly"] == 1
    assert services["Amazon Redshift"] == 0
    assert "service Amazon Redshift: 0 notes, minimum 1" in report["shortfalls"]
    assert "task 1.1 Collect and store data: 2 concept notes, minimum 25" in report["shortfalls"]


def test_coverage_for_the_previous_exam_leaves_out_c02_cards(course):
    course.write("d1.md", CARDS)
    result = run("coverage", str(course.root), "--exam", "C01", "--json")
    (report,) = json.loads(result.stdout)["courses"]
    assert report["profile"] == "MLA-C01" and report["concept_notes"] == 1
    services = {s["name"]: s["notes"] for s in report["services"]}
    assert services["Amazon Kinesis"] == 0
    assert "Amazon Inspector" not in services  # named only by the MLA-C02 guide


def test_coverage_text_output_and_unknown_exam(course):
    course.write("d1.md", CARDS)
    result = run("coverage", str(course.root))
    assert result.stdout.startswith(
        "aws-mla (MLA-C02): 3 notes (2 concept notes, 1 question) giving 3 cards to review\n"
        "  notes per type: basic 2, choice 1\n"
        "  domain 1 Data Preparation for ML and AI (weight 28%): 2 concept notes, 1 question "
        "(100.0% of the questions)\n"
    )
    assert "  under threshold: task 1.1 Collect and store data: 2 concept notes, minimum 25\n" in result.stdout
    assert result.stdout.endswith(
        "A note is one item of the sources; a question is a practice-question note, a concept note any other; each "
        "note gives one card to review (a cloze one per deletion, a reversible note two).\n"
    )
    bad = run("coverage", str(course.root), "--exam", "C09")
    assert bad.exit_code == 1 and bad.stderr == "Error: unknown exam 'C09' for aws-mla; use one of: C02, C01\n"
