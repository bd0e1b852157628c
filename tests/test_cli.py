"""The command line: exit codes and the whole user-visible message."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import run
from srscards import __version__
from srscards.cli import main

GOOD = "---\ntitle: Demo\ndomain: 1\ntasks: [1.1]\n---\n\n### Q\n<!-- id: a-1 -->\n\nAnswer\n"
BAD = "---\ntitle: Demo\ndomain: 1\ntasks: [1.1]\n---\n\n### Q\n<!-- {id: a-1, colour: red} -->\n\nAnswer\n"


def test_every_command_has_help_with_an_example():
    result = run("--help")
    assert result.exit_code == 0
    for name, command in main.commands.items():
        assert command.help, name
        assert "Example:" in command.help and f"srscards {name}" in command.help, name


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output == f"srscards, version {__version__}\n"


def test_check_reports_located_errors(course):
    course.write("d1.md", BAD)
    result = run("check", str(course.root))
    assert result.exit_code == 1
    path = course.path / "d1.md"
    assert result.stderr == (
        f"{path}:8:16: error: unknown card key 'colour' "
        "(fix: use one of: cheatsheet, checked, concepts, difficulty, exam, id, lab, source, tags, tasks, type)\n"
    )
    assert result.stdout.endswith("0 notes checked: 1 error, 0 warnings\n")
    assert "Traceback" not in result.output


def test_check_json(course):
    course.write("d1.md", BAD)
    result = run("check", str(course.root), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["errors"] == 1
    assert data["problems"][0]["line"] == 8 and data["problems"][0]["col"] == 16


def test_build_with_errors_writes_nothing(course, tmp_path):
    course.write("d1.md", BAD)
    out = tmp_path / "exports"
    result = run("build", str(course.root), "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.endswith("Error: 1 error in the card sources; nothing was written\n")
    assert not out.exists()


def test_build_prints_a_summary_and_json(course, tmp_path):
    course.write("d1.md", GOOD)
    out = tmp_path / "exports"
    result = run("build", str(course.root), "-o", str(out))
    assert result.exit_code == 0, result.output
    legend = (
        "A note is one item of the sources; a question is a practice-question note; each note gives one card to "
        "review (a cloze one per deletion, a reversible note two).\n"
    )
    assert result.stdout == (
        f"aws-mla (exam C02): wrote {out}/aws-mla-c02.apkg\n"
        "  1 note (1 concept note, 0 questions) giving 1 card to review; 0 media files\n"
        "  cards per domain: domain 1 1\n"
        "  cards per type: basic 1\n"
        f"aws-mla (exam C01): wrote {out}/aws-mla-c01.apkg\n"
        "  1 note (1 concept note, 0 questions) giving 1 card to review; 0 media files\n"
        "  cards per domain: domain 1 1\n"
        "  cards per type: basic 1\n" + legend
    )
    result = run("build", str(course.root), "-o", str(out), "--json")
    data = json.loads(result.stdout)
    assert [(c["exam"], c["written"]) for c in data["courses"]] == [("C02", False), ("C01", False)]
    assert data["courses"][0]["per_type"] == {"basic": 1}


def package_notes(path) -> list[str]:
    """The note ids (the sort field) inside an .apkg, read from its collection."""
    import sqlite3
    import zipfile

    with zipfile.ZipFile(path) as archive:
        data = archive.read("collection.anki2")
    db = path.with_suffix(".anki2")
    db.write_bytes(data)
    with sqlite3.connect(db) as conn:
        return sorted(r[0].split("\x1f")[-1] for r in conn.execute("SELECT flds FROM notes"))


def test_build_writes_one_package_per_exam_version_unless_told_otherwise(course, tmp_path):
    course.write("d1.md", GOOD)
    course.write("d2.md", GOOD.replace("a-1", "old-1").replace("tasks: [1.1]", "tasks: [1.1]\nexam: C01"))
    course.write("d3.md", GOOD.replace("a-1", "new-1").replace("tasks: [1.1]", "tasks: [1.1]\nexam: C02"))
    out = tmp_path / "exports"
    assert run("build", str(course.root), "-o", str(out)).exit_code == 0
    assert sorted(p.name for p in out.glob("*.apkg")) == ["aws-mla-c01.apkg", "aws-mla-c02.apkg"]
    assert package_notes(out / "aws-mla-c02.apkg") == ["a-1", "new-1"]
    assert package_notes(out / "aws-mla-c01.apkg") == ["a-1", "old-1"]
    result = run("build", str(course.root), "-o", str(out), "--exam", "all")
    assert result.stdout.startswith(f"aws-mla (every exam version): wrote {out}/aws-mla.apkg\n  3 notes ")
    assert package_notes(out / "aws-mla.apkg") == ["a-1", "new-1", "old-1"]
    result = run("build", str(course.root), "-o", str(out / "one"), "--exam", "mla-c01")
    assert [p.name for p in (out / "one").glob("*.apkg")] == ["aws-mla-c01.apkg"]
    result = run("build", str(course.root), "-o", str(out / "two"), "--exam", "C03")
    assert (result.exit_code, result.stderr) == (
        1,
        "Error: aws-mla has no exam version C03; choose one of C02, C01, each or all\n",
    )


def test_missing_folder_is_a_clear_error(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'nope'}: no such folder (looked for {tmp_path / 'nope'}); pass the folder that holds "
        "your decks, e.g. srscards check ~/srscards/decks (once used, it is remembered for commands run elsewhere)\n"
    )


def test_ids_command(course):
    course.write("d1.md", GOOD.replace("<!-- id: a-1 -->\n", ""))
    result = run("ids", str(course.root))
    assert result.exit_code == 0 and result.stdout == f"{course.path / 'd1.md'}: added 1 id\n"
    assert run("ids", str(course.root)).stdout == "every card already has an id\n"


def test_start_up_imports_nothing_heavy():
    code = (
        "import sys, srscards.cli;"
        "heavy = [m for m in ('anki', 'genanki', 'markdown_it', 'yaml', 'pygments', 'weasyprint', 'boto3', "
        "'moto', 'matplotlib', 'fsrs', 'rich', 'ziamath', 'pypdf', 'sklearn', 'botocore', 'fsrs_rs_python', "
        "'zstandard', 'numpy') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_review_start_loads_no_source_parser():
    """The study layer, as `review` loads it, leaves PyYAML, markdown-it and Pygments to the parse
    that needs them: an unchanged start parses nothing and should not pay for them."""
    code = (
        "import sys, srscards.study.review, srscards.study.workspace;"
        "print([m for m in ('yaml', 'markdown_it', 'pygments', 'genanki', 'numpy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
