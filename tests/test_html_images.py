"""Images written as raw HTML (`<img src="media/x.png">`) are course images like Markdown ones:
checked (a missing file is a located error), shipped in the .apkg under their Anki media name,
shown in Anki and in the cheat sheet; remote and inline sources stay refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from browser_fixture import screenshot
from conftest import CourseDir, run
from srscards.outputs.build import build_decks
from srscards.sources.sanitize import clean, map_image_sources

T0 = 1_790_000_000.0
RED = (220, 20, 20)
BLUE = (20, 40, 220)


def png(colour: tuple[int, int, int], size: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(buffer, format="PNG")
    return buffer.getvalue()


DECK = """\
---
title: Data
domain: 1
tasks: [1.1]
---

## 1.1 Collect

### Which format is columnar?
<!-- {id: raw-1, cheatsheet: true} -->

Parquet, inline: <img src="media/red.png" alt="red square">

<div class="figure"><img alt='blue square' src='media/sub/blue%20one.png' width=48></div>
"""


@pytest.fixture
def images(course: CourseDir) -> CourseDir:
    (course.path / "media" / "sub").mkdir(parents=True)
    (course.path / "media" / "red.png").write_bytes(png(RED))
    (course.path / "media" / "sub" / "blue one.png").write_bytes(png(BLUE))
    course.write("d1.md", DECK)
    return course


def colours(shot: Path) -> set[tuple[int, int, int]]:
    with Image.open(shot) as image:
        return {colour for _, colour in image.convert("RGB").getcolors(maxcolors=1 << 24) or []}


def test_raw_html_images_ship_in_the_package_and_show_in_anki(images: CourseDir, tmp_path: Path, chromium: str):
    (result,) = build_decks(images.root, tmp_path / "out", now=T0)
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(result.path), options=ImportAnkiPackageOptions()))
    note = col.get_note(col.find_notes('"CardId:raw-1"')[0])
    back = note["Back"]
    assert '<img src="aws-mla_media_red.png" alt="red square">' in back
    assert '<img alt="blue square" src="aws-mla_media_sub_blue one.png" width="48">' in back
    media = Path(col.media.dir())
    assert (media / "aws-mla_media_red.png").read_bytes() == png(RED)
    assert (media / "aws-mla_media_sub_blue one.png").read_bytes() == png(BLUE)
    answer = col.get_card(col.find_cards('"CardId:raw-1"')[0]).answer()
    col.close()
    page = media / "card.html"  # beside the media, as Anki shows a card
    page.write_text(f"<!doctype html><meta charset=utf-8><body class=card>{answer}</body>", encoding="utf-8")
    seen = colours(screenshot(page, tmp_path / "anki-card.png", (500, 400)))
    assert RED in seen and BLUE in seen  # both images load and show


def test_raw_html_images_show_in_the_cheat_sheet(images: CourseDir, tmp_path: Path, chromium: str):
    result = run("cheatsheet", str(images.root), "-o", str(tmp_path / "sheets"))
    assert result.exit_code == 0, result.output
    (sheet,) = [
        p for p in (tmp_path / "sheets").rglob("*.html") if "raw-1" in p.read_text() or "Parquet" in p.read_text()
    ]
    html = sheet.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 2 and "media/red.png" not in html
    seen = colours(screenshot(sheet, tmp_path / "sheet.png", (800, 1400)))
    assert RED in seen and BLUE in seen


@pytest.mark.parametrize(
    ("html", "message", "column"),
    [
        ('Inline <img src="media/nope.png" alt="x">', "image 'media/nope.png' not found", 18),
        ("<p><img alt=x src=media/gone.png></p>", "image 'media/gone.png' not found", 19),
        ("<div><img src='../../outside.png'></div>", "image '../../outside.png' points outside the course folder", 16),
        ('<img src="/etc/hosts">', "image '/etc/hosts' is not a path inside the course folder", 11),
        ('<img src="media">', "image 'media' is not a regular file", 11),
        ('<img alt="no source">', "image '' is not a path inside the course folder", 1),
        (
            '<img src="https://example.com/x.png">',
            "attribute 'src' of <img> loads a remote or inline resource; copy the image into the course folder "
            "and use a relative path",
            6,
        ),
        (
            '<img src="data:image/png;base64,AAAA">',
            "attribute 'src' of <img> loads a remote or inline resource; copy the image into the course folder "
            "and use a relative path",
            6,
        ),
    ],
)
def test_a_bad_raw_html_image_is_a_located_error(course: CourseDir, html: str, message: str, column: int):
    (course.path / "media").mkdir()
    course.write("d1.md", DECK.split("Parquet, inline")[0] + html + "\n")
    result = run("check", str(course.root))
    assert result.exit_code == 1
    line = DECK.split("Parquet, inline")[0].count("\n") + 1
    assert f"d1.md:{line}:{column}: error: {message} (fix: " in result.output, result.output


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30))
def test_any_source_is_swapped_whole_and_written_safely(src: str):
    swapped: list[str] = []

    def swap(value: str) -> str:
        swapped.append(value)
        return "media/x.png"

    from html import escape

    html = f'<p>a <img src="{escape(src)}" alt="t"> b</p>'
    out = map_image_sources(html, swap)
    assert swapped == [src]
    assert clean(out) == '<p>a <img src="media/x.png" alt="t"> b</p>'
