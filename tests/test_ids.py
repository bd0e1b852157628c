"""`srscards ids` adds ids in place, touching nothing else, and is idempotent."""

from __future__ import annotations

import codecs
import random

from srscards.sources.ids import ID_ALPHABET, write_ids
from srscards.sources.load import load_sources

SOURCE = """\
---
title: Demo
domain: 1
tasks: [1.1]
---

### First card
Answer one.

### Second card
<!-- {tasks: [1.2]} -->

Answer two.

### Third card
<!-- id: keep-me -->

Answer three.
"""


def test_ids_are_added_under_headings_only(course):
    path = course.write("d1.md", SOURCE)
    written = write_ids(course.root, rng=random.Random(7))
    assert [(w.path.name, w.added) for w in written] == [("d1.md", 2)]
    before = SOURCE.split("\n")
    after = path.read_text().split("\n")
    added = [line for line in after if line not in before]
    assert len(added) == 2 and len(after) == len(before) + 2
    for line in added:
        assert line.startswith("<!-- id: ") and line.endswith(" -->")
        assert all(ch in ID_ALPHABET for ch in line[9:-4]) and len(line[9:-4]) == 8
    assert after[after.index("### First card") + 1] == added[0]
    assert after[after.index("### Second card") + 1] == added[1]
    assert [line for line in after if line not in added] == before
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    assert [c.tasks for c in sources.cards] == [("1.1",), ("1.2",), ("1.1",)]


def test_ids_is_idempotent(course):
    path = course.write("d1.md", SOURCE)
    write_ids(course.root, rng=random.Random(1))
    once = path.read_bytes()
    assert write_ids(course.root, rng=random.Random(2)) == []
    assert path.read_bytes() == once


def test_ids_keep_line_endings_and_bom(course):
    path = course.path / "d1.md"
    path.write_bytes(codecs.BOM_UTF8 + SOURCE.replace("\n", "\r\n").encode())
    write_ids(course.root, rng=random.Random(3))
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(b"\r\n") == SOURCE.count("\n") + 2
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_new_ids_never_collide_with_existing_ones(course):
    class Fixed(random.Random):
        """Always proposes the existing id first, then others."""

        def __init__(self) -> None:
            super().__init__(5)
            self.calls = 0

        def choice(self, seq):  # type: ignore[override]
            self.calls += 1
            return "a" if self.calls <= 8 else super().choice(seq)

    course.write("other.md", "---\ntitle: O\ndomain: 1\n---\n\n### Q\n<!-- id: aaaaaaaa -->\n\nA\n")
    course.write("d1.md", "---\ntitle: D\ndomain: 1\n---\n\n### New\n\nA\n")
    write_ids(course.root, rng=Fixed())
    sources, problems, _ = load_sources(course.path)
    assert problems == []
    ids = [c.id for c in sources.cards]
    assert len(set(ids)) == 2 and "aaaaaaaa" in ids
