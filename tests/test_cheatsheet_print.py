"""Cheat sheets as a reader gets them: PDFs laid out by WeasyPrint and read back with pdftotext
(Debian package `poppler-utils`), HTML rendered by headless Chromium (Debian package `chromium`;
CJK text needs `fonts-noto-cjk`)."""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import subprocess
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from cheatsheet_fixture import write_course
from srscards.cli import main
from srscards.model.course import CourseSources
from srscards.outputs.cheatsheet import write_cheatsheets, write_sheets
from srscards.sources.load import load_checked

REPO = Path(__file__).resolve().parent.parent
A4 = (595.3, 841.9)  # points
LETTER = (612.0, 792.0)
PROBE = """
<script>
window.addEventListener("load", () => {
  const frames = [...document.querySelectorAll("iframe")].map(f => {
    const doc = f.contentDocument;
    const wide = [...doc.querySelectorAll(".card, .keep, .fact")]
      .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className);
    return {src: f.dataset.name, width: f.contentWindow.innerWidth,
            scrollWidth: doc.documentElement.scrollWidth, wide: wide};
  });
  const out = document.createElement("pre");
  out.id = "result";
  out.textContent = JSON.stringify(frames);
  document.body.appendChild(out);
});
</script>
"""


def squash(text: str) -> str:
    """Text without whitespace and hyphens: line breaks in a laid-out page fall anywhere, and
    pdftotext joins a word broken after a hyphen without it."""
    return re.sub(r"[\s-]+", "", text)


def plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def pdf_pages(path: Path) -> tuple[PdfReader, str]:
    """The PDF's structure (pypdf) and its text (pdftotext, which is many times faster)."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return PdfReader(path), squash(text)


def page_size(reader: PdfReader) -> tuple[float, float]:
    box = reader.pages[0].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


def fonts(reader: PdfReader) -> set[str]:
    return {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}


def headings_in_decks(sources: CourseSources, version: str = "C02") -> dict[int, list[str]]:
    """Per domain, the task statement headings ("1.1 Collect and store data") that the decks' cards name."""
    profile = sources.course.profile(version)
    out: dict[int, list[str]] = {}
    for d in profile.domains:
        named = {t for c in sources.cards if c.domain == d.number and c.in_exam(version) for t in c.tasks}
        out[d.number] = [f"{t} {name}" for t, name in d.tasks.items() if t in named]
    return out


def flagged_titles(sources: CourseSources, domain: int | None, version: str = "C02") -> list[str]:
    """Titles of the flagged cards of a sheet whose text a PDF carries (math is drawn, not text)."""
    cards = [c for c in sources.cards if c.cheatsheet and c.domain == domain and c.in_exam(version)]
    return [plain(c.title.html) for c in cards if "{{" not in c.title.md and "\\(" not in c.title.md]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is needed: apt-get install -y chromium fonts-noto-cjk"
    return found


def start_probe(pages: list[Path], widths: tuple[int, ...], tmp: Path) -> subprocess.Popen[str]:
    """Start one headless Chromium that renders each page at each viewport width and reports
    the widths it needed (read the report with `probe_report`)."""
    frames = "".join(
        f'<iframe data-name="{p.name}@{w}" src="{p.as_uri()}" style="width:{w}px;height:800px"></iframe>'
        for p in pages
        for w in widths
    )
    probe = tmp / "probe.html"
    probe.write_text(f"<!DOCTYPE html><html><body>{frames}{PROBE}</body></html>", encoding="utf-8")
    return subprocess.Popen(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         "--virtual-time-budget=20000", "--dump-dom", probe.as_uri()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def probe_report(process: subprocess.Popen[str]) -> dict[str, dict]:
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    found = re.search(r'<pre id="result">(.*?)</pre>', stdout, re.DOTALL)
    assert found, stdout[-2000:]
    return {frame["src"]: frame for frame in json.loads(unescape(found.group(1)))}


def assert_no_overflow(report: dict[str, dict]) -> None:
    for frame in report.values():
        # The frame's own vertical scroll bar takes some width; nothing may need a horizontal one.
        assert frame["scrollWidth"] <= frame["width"], frame
        assert frame["wide"] == [], frame


def test_fixture_pdfs_are_complete_one_page_sheets_with_cjk(course, tmp_path, caplog):
    write_course(course)
    caplog.set_level(logging.WARNING, logger="weasyprint")
    sheets = write_cheatsheets(course.root, tmp_path / "pdf", built=date(2026, 3, 4), fmt="pdf", workers=1)
    assert [r.message for r in caplog.records] == []  # WeasyPrint understood every CSS rule
    (sources,) = load_checked(course.root)
    headings = headings_in_decks(sources)
    assert headings[1] == [
        "1.1 Collect and store data",
        "1.2 Perform data transformation, feature engineering, and pre-processing",
    ]
    assert headings[2] == ["2.2 Train, fine-tune, and customize models",
                           "2.3 Analyze and evaluate the performance of ML and AI systems"]  # fmt: skip
    for sheet, number in zip(sheets, [1, 2, 3, 4, None], strict=True):
        reader, text = pdf_pages(sheet.path)
        assert sheet.pages == len(reader.pages) == 1, sheet
        assert page_size(reader) == A4
        for heading in headings.get(number, []) + flagged_titles(sources, number):
            assert squash(heading) in text, (sheet.path.name, heading)
        assert squash("built 2026-03-04") in text and squash("page 1 of 1") in text
    reader, text = pdf_pages(sheets[0].path)
    assert squash("特徴量 (feature) はモデルへの入力となる測定可能な属性です。") in text
    assert any("NotoSansCJK" in f.replace("-", "") for f in fonts(reader)), fonts(reader)  # drawn with a real CJK font


def test_letter_pdf_from_the_command(course, tmp_path):
    write_course(course)
    out = tmp_path / "pdf"
    result = CliRunner().invoke(
        main, ["cheatsheet", str(course.root), "--domain", "2", "--format", "pdf", "--paper", "letter", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}/aws-mla-c02-domain-2.pdf "
        "(Domain 2: ML Model and Foundation Model (FM) Development: 2 cards, 1 page)\n"
    )
    reader, text = pdf_pages(out / "aws-mla-c02-domain-2.pdf")
    assert page_size(reader) == LETTER
    assert squash("Of the positives, how many were found?") in text


def test_html_renders_in_chromium_without_horizontal_overflow(course, tmp_path):
    write_course(course)
    sheets = write_cheatsheets(course.root, tmp_path / "html", built=date(2026, 3, 4))
    shot = tmp_path / "domain-1.png"
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=794,1123",
         f"--screenshot={shot}", sheets[0].path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = Image.open(shot).convert("L")
    assert image.size == (794, 1123)
    dark = sum(image.histogram()[:100])
    assert dark > 2000, dark  # text was drawn, not a blank page
    # The probe sees overflow where there is some: a page with a too-wide block is reported.
    wide = tmp_path / "wide.html"
    wide.write_text('<body><div class="card" id="too-wide"><pre>' + "x" * 400 + "</pre></div></body>")
    with start_probe([wide, *(s.path for s in sheets)], (794, 390), tmp_path) as probe:
        report = probe_report(probe)
    control = report.pop("wide.html@794")
    assert control["scrollWidth"] > 794 and control["wide"] == ["too-wide"]
    del report["wide.html@390"]
    assert_no_overflow(report)


def test_real_decks_give_complete_sheets(tmp_path):
    """Every sheet of the course in decks/, as the content stands: PDF and HTML."""
    courses = load_checked(REPO / "decks")
    html = write_sheets(courses, tmp_path / "html", built=date(2026, 3, 4))
    with start_probe([s.path for s in html], (794, 390), tmp_path) as probe:  # runs while the PDFs are laid out
        pdfs = write_sheets(courses, tmp_path / "pdf", built=date(2026, 3, 4), fmt="pdf")
        (sources,) = courses
        headings = headings_in_decks(sources)
        for sheet, number in zip(pdfs, [1, 2, 3, 4, None], strict=True):
            reader, text = pdf_pages(sheet.path)
            # A dense sheet holds about 10 to 40 cards a page; outside that, cards were lost or the layout broke.
            low, high = max(1, sheet.cards // 40), max(1, math.ceil(sheet.cards / 10))
            assert low <= len(reader.pages) <= high, (sheet.path.name, sheet.cards, len(reader.pages))
            # The shipped decks flag few enough cards for a one- or two-page summary per domain.
            assert len(reader.pages) <= 2, (sheet.path.name, len(reader.pages))
            assert page_size(reader) == A4
            for heading in headings.get(number, []) + flagged_titles(sources, number):
                assert squash(heading) in text, (sheet.path.name, heading)
        assert_no_overflow(probe_report(probe))


@pytest.fixture(autouse=True)
def _chromium_is_installed() -> None:
    chromium()
