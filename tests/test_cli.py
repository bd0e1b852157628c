"""The command line: exit codes and the whole user-visible message."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from srscards import __version__
from srscards.cli import main

GOOD = "---\ntitle: Demo\ndomain: 1\ntasks: [1.1]\n---\n\n### Q\n<!-- id: a-1 -->\n\nAnswer\n"
BAD = "---\ntitle: Demo\ndomain: 1\ntasks: [1.1]\n---\n\n### Q\n<!-- {id: a-1, colour: red} -->\n\nAnswer\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


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
    assert result.stdout.endswith("0 notes checked: 1 error(s), 0 warning(s)\n")
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
    assert result.stderr.endswith("Error: 1 error(s) in the card sources; nothing was written\n")
    assert not out.exists()


def test_build_prints_a_summary_and_json(course, tmp_path):
    course.write("d1.md", GOOD)
    out = tmp_path / "exports"
    result = run("build", str(course.root), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"aws-mla: wrote {out}/aws-mla.apkg (1 notes, 1 cards, 0 media)\n"
        "  cards per domain: domain 1 1\n"
        "  cards per type: basic 1\n"
    )
    result = run("build", str(course.root), "-o", str(out), "--json")
    data = json.loads(result.stdout)
    assert data["courses"][0]["written"] is False
    assert data["courses"][0]["per_type"] == {"basic": 1}


def test_missing_folder_is_a_clear_error(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path / 'nope'}: no such folder (pass the folder that holds your decks, e.g. decks/)\n"
    )


def test_ids_command(course):
    course.write("d1.md", GOOD.replace("<!-- id: a-1 -->\n", ""))
    result = run("ids", str(course.root))
    assert result.exit_code == 0 and result.stdout == f"{course.path / 'd1.md'}: added 1 id(s)\n"
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
