"""PDF output through WeasyPrint: an optional extra, imported only when a PDF is asked for."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from srscards.errors import SrsError
from srscards.install import install_command

INSTALL_LIBS = (
    "on Debian or Ubuntu `apt-get install libpango-1.0-0 libpangoft2-1.0-0`, on Fedora `dnf install pango`, "
    "on macOS `brew install pango`"
)
HTML_STILL_WORKS = "HTML output works without it: use --format html"


class PdfUnavailable(SrsError):
    """WeasyPrint or the system libraries it needs are missing."""


def weasyprint_html() -> Any:
    """WeasyPrint's HTML class; raise PdfUnavailable saying what to install when it cannot load."""
    try:
        from weasyprint import HTML
    except ImportError:
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint, which is not installed: run {install_command('pdf')}; {HTML_STILL_WORKS}"
        ) from None
    except OSError as exc:  # WeasyPrint is installed but Pango (and friends) cannot be loaded
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PdfUnavailable(
            f"PDF output needs the Pango library, which WeasyPrint could not load ({reason}): "
            f"install it ({INSTALL_LIBS}); {HTML_STILL_WORKS}"
        ) from None
    return HTML


def write_pdf(html: str, path: Path) -> int:
    """Lay out a self-contained HTML page as a PDF file; return its number of pages."""
    document = weasyprint_html()(string=html).render()
    document.write_pdf(path)
    return len(document.pages)


def write_pdfs(pages: list[tuple[str, Path]], workers: int | None = None) -> list[int]:
    """Write several PDFs, laid out in parallel processes (one per core by default); return
    their page counts. Layout is CPU-bound, so processes, not threads, make it faster."""
    workers = min(len(pages), workers or os.cpu_count() or 1)
    if workers <= 1:
        return [write_pdf(html, path) for html, path in pages]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(write_pdf, [h for h, _ in pages], [p for _, p in pages]))
