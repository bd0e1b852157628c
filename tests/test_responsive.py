"""The HTML report and the HTML cheat sheets on a 390 px phone screen, measured in headless Chromium:
no page wider than the screen, nothing cut off or scrolled sideways, no word broken mid-word."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from browser_fixture import PHONE, measure, screenshot
from conftest import run
from srscards.outputs.cheatsheet import write_cheatsheets
from test_metrics import NOW, build

REPO = Path(__file__).resolve().parent.parent

# the chromium fixture skips these tests with the reason when Chromium is missing (CI fails instead)
pytestmark = pytest.mark.usefixtures("utc", "chromium")

FITS = {"width": PHONE[0], "scrollWidth": PHONE[0], "wide": [], "scrolls": [], "broken": []}


def test_the_report_fits_a_phone(course, tmp_path):
    home = tmp_path / "home"
    store, _ = build(course, home)
    store.record_lab("feature-store", "aws", NOW)
    store.close()
    out = tmp_path / "report.html"
    result = run("report", str(course.root), "--home", str(home), "-o", str(out), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert measure(out) == FITS
    # on a desktop the same page keeps its full-width tables and charts
    desktop = measure(out, (1200, 900))
    assert desktop["scrollWidth"] == 1200 and desktop["wide"] == [] and desktop["broken"] == []
    shot = screenshot(out, tmp_path / "report-phone.png", (PHONE[0], 2400))
    with Image.open(shot) as image:
        phone = image.convert("RGB").crop((0, 0, PHONE[0], 2400))
        colours = {c for _, c in phone.getcolors(maxcolors=1_000_000) or []}
    assert (0x2D, 0xA4, 0x4E) in colours and (0x09, 0x69, 0xDA) in colours  # both charts are on the phone screen


@pytest.mark.parametrize("exam", ["C02", "C01"])
def test_the_cheat_sheets_of_the_real_decks_fit_a_phone(tmp_path, exam):
    sheets = write_cheatsheets(REPO / "decks", tmp_path, built=date(2026, 12, 1), exam=exam, fmt="html")
    assert len(sheets) == 5
    found = {sheet.path.name: measure(sheet.path) for sheet in sheets}
    assert found == dict.fromkeys(found, FITS)


def test_the_measure_sees_overflow_and_words_broken_mid_word(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width"></head><body>'
        '<table style="width:100px"><tr><td style="overflow-wrap:anywhere">On-demand Provisioned</td>'
        "<td>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</td></tr></table>"
        '<div style="width:600px">wide</div><div style="overflow-x:auto"><p style="width:700px">scrolls</p></div>'
        "</body></html>",
        encoding="utf-8",
    )
    found = measure(page)
    assert found["scrollWidth"] > PHONE[0]
    assert "div 608" in found["wide"]
    assert found["scrolls"] == ["div 700>374"]
    assert "Provisioned" in found["broken"] or "demand" in found["broken"]
