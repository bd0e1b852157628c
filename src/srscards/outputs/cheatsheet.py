"""Printable cheat sheets: one per exam domain plus an exam overview, built from the cards
flagged `cheatsheet: true`, so the printed summary never drifts from the cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from srscards.errors import SrsError
from srscards.model.card import Card
from srscards.model.course import Course, CourseSources, Domain, Profile
from srscards.outputs.pdf import weasyprint_html, write_pdfs
from srscards.sources.load import load_checked
from srscards.views.print_html import Section, Sheet, render_sheet

FORMATS = ("html", "pdf")
PAPERS = ("a4", "letter")


@dataclass(frozen=True)
class SheetFile:
    """A written sheet, for the command's summary."""

    path: Path
    title: str
    cards: int
    pages: int | None = None  # counted for PDF only; a browser paginates HTML itself


def plan_sheets(sources: CourseSources, exam: str | None = None, domain: int | None = None) -> list[Sheet]:
    """The sheets of one course for one exam profile: every domain (or only `domain`) and,
    unless a domain is asked for, the exam overview."""
    course = sources.course
    profile = course.profile(exam) if exam else course.default
    if profile is None:
        raise SrsError(f"unknown exam {exam!r} for {course.id}; use one of: {', '.join(course.versions)}")
    if domain is not None and profile.domain(domain) is None:
        numbers = ", ".join(str(d.number) for d in profile.domains)
        raise SrsError(f"{course.id} ({profile.code}) has no domain {domain}; use one of: {numbers}")
    flagged = [c for c in sources.cards if c.cheatsheet and c.in_exam(profile.version)]
    sheets = [
        _domain_sheet(course, profile, d, [c for c in flagged if c.domain == d.number])
        for d in profile.domains
        if domain is None or d.number == domain
    ]
    if domain is None:
        groups: dict[str, list[Card]] = {}
        for deck in sources.decks:
            if deck.domain is None:
                cards = [c for c in deck.cards if c.cheatsheet and c.in_exam(profile.version)]
                if cards:
                    groups.setdefault(deck.title, []).extend(cards)
        sections = tuple(Section("", title, tuple(cards)) for title, cards in groups.items())
        sheets.append(Sheet(course, profile, None, sections))
    return sheets


def _domain_sheet(course: Course, profile: Profile, domain: Domain, cards: list[Card]) -> Sheet:
    """Group a domain's cards under their first task statement of the domain, in source order.

    Every task statement of the domain gets its heading, so a printed sheet shows the whole
    domain even where no card is flagged yet."""
    by_task: dict[str, list[Card]] = {t: [] for t in domain.tasks}
    other: list[Card] = []
    for card in cards:
        task = next((t for t in card.tasks if t in by_task), None)
        (by_task[task] if task else other).append(card)
    sections = [Section(t, f"{t} {name}", tuple(by_task[t])) for t, name in domain.tasks.items()]
    if other:
        sections.append(Section("", "Other cards of this domain", tuple(other)))
    return Sheet(course, profile, domain, tuple(sections))


def write_cheatsheets(
    root: Path,
    out_dir: Path,
    *,
    built: date,
    exam: str | None = None,
    domain: int | None = None,
    fmt: str = "html",
    paper: str = "a4",
    workers: int | None = None,
) -> list[SheetFile]:
    """Check the sources of every course under `root`, then write their cheat sheets into `out_dir`.

    `built` is the date printed in the footer. PDF needs the `pdf` extra; without it this
    raises PdfUnavailable, naming what to install, before anything is written. PDFs are laid
    out by `workers` processes (default: one per core)."""
    _check_options(fmt, paper)
    courses = load_checked(root)
    return write_sheets(courses, out_dir, built=built, exam=exam, domain=domain, fmt=fmt, paper=paper, workers=workers)


def write_sheets(
    courses: list[CourseSources],
    out_dir: Path,
    *,
    built: date,
    exam: str | None = None,
    domain: int | None = None,
    fmt: str = "html",
    paper: str = "a4",
    workers: int | None = None,
) -> list[SheetFile]:
    """Write the cheat sheets of courses already loaded and checked (see `write_cheatsheets`)."""
    _check_options(fmt, paper)
    sheets = [s for sources in courses for s in plan_sheets(sources, exam, domain)]
    out_dir.mkdir(parents=True, exist_ok=True)
    pages: list[tuple[str, Path]] = []
    for sheet in sheets:
        pages.append((render_sheet(sheet, built=built, paper=paper), out_dir / f"{sheet.slug}.{fmt}"))
    if fmt == "pdf":
        counts: list[int | None] = list(write_pdfs(pages, workers))
    else:
        for html, path in pages:
            path.write_text(html, encoding="utf-8")
        counts = [None] * len(pages)
    return [SheetFile(path, s.title, s.cards, n) for s, (_, path), n in zip(sheets, pages, counts, strict=True)]


def _check_options(fmt: str, paper: str) -> None:
    if fmt not in FORMATS:
        raise SrsError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    if paper not in PAPERS:
        raise SrsError(f"unknown paper size {paper!r}; use one of: {', '.join(PAPERS)}")
    if fmt == "pdf":
        weasyprint_html()  # fail early, with what to install
