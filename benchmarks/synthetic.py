"""Synthetic card sources for benchmarks: realistic Markdown, every card type."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_course(folder: Path, cards: int, files: int = 4) -> Path:
    """Write a course with `cards` notes spread over `files` deck files; return its folder."""
    course = folder / "bench"
    course.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "decks" / "aws-mla" / "course.yaml", course / "course.yaml")
    per_file = cards // files
    for f in range(files):
        domain = f % 4 + 1
        parts = [f"---\ntitle: Bench {f}\ndomain: {domain}\ntasks: [{domain}.1]\n---\n\n# Bench deck {f}\n\n"]
        for i in range(per_file):
            n = f * per_file + i
            kind = n % 10
            if kind < 6:
                parts.append(
                    f"### What does setting number {n} control in `service_{n}`?\n<!-- id: b{n:07d} -->\n\n"
                    f"It controls the **batch size** for job {n}:\n\n- first point {n}\n- second point\n\n"
                )
            elif kind < 8:
                parts.append(
                    f"### Facts about item {n}\n<!-- id: b{n:07d} -->\n\n"
                    f"Item {n} stores data in {{{{c1::Parquet}}}} and reads it with {{{{c2::Athena::service}}}}.\n\n"
                )
            elif kind == 8:
                parts.append(
                    f"### Term {n}\n<!-- {{id: b{n:07d}, type: reversible}} -->\n\nDefinition of term {n}.\n\n"
                )
            else:
                parts.append(
                    f"### Scenario {n}\n<!-- id: b{n:07d} -->\n\nA company needs option {n}. Which one?\n\n"
                    "- [x] The right one\n  Because it fits.\n- [ ] A wrong one\n  Because it does not.\n"
                    "- [ ] Another wrong one\n  Too costly.\n- [ ] A third wrong one\n  Too slow.\n\n"
                )
        (course / f"deck{f}.md").write_text("".join(parts))
    return course


def edit_one_card(text: str, n: int) -> str:
    """`text` with one answer line of one card changed (the first plain line after a card's id)."""
    lines = text.split("\n")
    seen_card = False
    for i, line in enumerate(lines):
        if line.startswith("### "):
            seen_card = True
        elif seen_card and line.strip() and line[0].isalpha():
            lines[i] = line + f" (edit {n})"
            return "\n".join(lines)
    raise SystemExit("no card answer to edit")
