"""`srscards cheatsheet`: which cards reach which sheet, and a self-contained HTML page."""

from __future__ import annotations

import base64
import subprocess
import sys
from datetime import date
from pathlib import Path

from cheatsheet_fixture import BOX_SVG, write_course
from conftest import run
from srscards.install import install_command
from srscards.outputs.cheatsheet import write_cheatsheets

NOT_INSTALLED = (
    f"Error: PDF output needs WeasyPrint, which is not installed: run {install_command('pdf')}; "
    "HTML output works without it: use --format html\n"
)


def test_one_sheet_per_domain_and_an_overview(course, tmp_path):
    write_course(course)
    out = tmp_path / "sheets"
    result = run("cheatsheet", str(course.root), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"wrote {out}/aws-mla-c02-domain-1.html (Domain 1: Data Preparation for ML and AI: 6 cards)\n"
        f"wrote {out}/aws-mla-c02-domain-2.html (Domain 2: ML Model and Foundation Model (FM) Development: 2 cards)\n"
        f"wrote {out}/aws-mla-c02-domain-3.html (Domain 3: Deployment and Orchestration of ML and AI Workflows: "
        "0 cards)\n"
        f"wrote {out}/aws-mla-c02-domain-4.html (Domain 4: Operating, Monitoring, and Securing ML and AI Solutions: "
        "0 cards)\n"
        f"wrote {out}/aws-mla-c02-overview.html (Exam overview and strategy: 1 card)\n"
    )
    html = (out / "aws-mla-c02-domain-1.html").read_text(encoding="utf-8")
    # Grouped by task statement, in the profile's order, with the profile's names.
    order = [
        html.index("<h2>1.1 Collect and store data</h2>"),
        html.index('id="card-fmt-1"'),
        html.index('id="card-q-1"'),
        html.index("<h2>1.2 Perform data transformation, feature engineering, and pre-processing</h2>"),
        html.index('id="card-z-1"'),
        html.index("<h2>1.3 Validate data quality and manage bias</h2>"),
        html.index("No card is flagged for the cheat sheet here yet."),
    ]
    assert order == sorted(order)
    assert "A card left off the sheet" not in html and "SageMaker Neo" not in html  # unflagged; C01 only
    # Comparison tables stay tables; choice questions show the right option and why.
    assert "<td>Shared POSIX file system</td>\n<td>Amazon EFS</td>" in html
    assert '<span class="tick">✓</span> <strong>Amazon Data Firehose</strong>' in html
    assert "Managed delivery into S3." in html and "Amazon EC2 consumers" not in html
    # Clozes revealed without their hints; math typeset as an embedded image.
    assert "{{c" not in html and "formula" not in html
    assert '<span class="cloze">outliers</span>' in html
    assert '<img class="math" alt="z = \\frac{x - \\mu}{\\sigma}" src="data:image/svg+xml;base64,' in html
    # Code highlighted with the same Pygments classes as the Anki cards.
    assert '<pre class="highlight"><code><span class="kn">import</span>' in html
    assert ".highlight .kn {" in html
    assert "特徴量 (feature) はモデルへの入力となる測定可能な属性です。" in html


def test_sheets_are_self_contained_and_carry_course_and_date_in_the_footer(course, tmp_path):
    write_course(course)
    out = tmp_path / "sheets"
    (sheet, *_) = write_cheatsheets(course.root, out, built=date(2026, 3, 4))
    html = sheet.path.read_text(encoding="utf-8")
    svg = base64.b64encode(BOX_SVG.encode()).decode()
    assert f'<img src="data:image/svg+xml;base64,{svg}" alt="storage diagram">' in html
    assert "box.svg" not in html
    for outside in ("<link", "<script", 'src="http', "url(", "@import"):
        assert outside not in html, outside
    assert "size: A4;" in html and "break-inside: avoid" in html and "@media screen" in html
    footer = "AWS Certified Machine Learning Engineer - Associate · MLA-C02 · built 2026-03-04"
    assert f'@bottom-left {{ content: "{footer}"' in html
    assert '"Domain 1 · " "page " counter(page) " of " counter(pages)' in html
    assert f'<footer class="screen-footer">{footer}</footer>' in html
    # The same sources and date give the same bytes.
    again = write_cheatsheets(course.root, tmp_path / "again", built=date(2026, 3, 4))
    assert again[0].path.read_text(encoding="utf-8") == html


def test_overview_has_the_exam_format_weights_and_strategy_cards(course, tmp_path):
    write_course(course)
    out = tmp_path / "sheets"
    assert run("cheatsheet", str(course.root), "-o", str(out)).exit_code == 0
    html = (out / "aws-mla-c02-overview.html").read_text(encoding="utf-8")
    assert "<tr><th>Questions</th><td>65 (50 scored, 15 unscored)</td></tr>" in html
    assert (
        "<tr><th>Time</th><td>130 minutes (assumed, not yet published), "
        "about 2.0 minutes per question</td></tr>" in html
    )
    assert "<tr><th>Passing score</th><td>720 on a scale of 100 to 1000</td></tr>" in html
    assert "<tr><th>Beta exam</th><td>85 questions in 170 minutes</td></tr>" in html
    assert "<td>1</td><td>Data Preparation for ML and AI</td><td>28%</td>" in html
    assert "<li>4.3 Secure ML and AI workloads and model endpoints</li>" in html
    assert "<h2>Exam strategy</h2>" in html and "How long per question?" in html and "Hidden." not in html


def test_previous_exam_one_domain_on_letter_paper(course, tmp_path):
    write_course(course)
    out = tmp_path / "sheets"
    result = run("cheatsheet", str(course.root), "--exam", "C01", "--domain", "1", "--paper", "letter", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {out}/aws-mla-c01-domain-1.html (Domain 1: Data Preparation for ML: 7 cards)\n"
    assert sorted(p.name for p in out.iterdir()) == ["aws-mla-c01-domain-1.html"]
    html = (out / "aws-mla-c01-domain-1.html").read_text(encoding="utf-8")
    assert "<h2>1.1 Ingest and store data</h2>" in html and "SageMaker Neo" in html
    assert "size: letter;" in html and "MLA-C01 · built" in html


def test_unknown_domain_or_exam_is_a_clear_error_and_writes_nothing(course, tmp_path):
    write_course(course)
    out = tmp_path / "sheets"
    result = run("cheatsheet", str(course.root), "--domain", "9", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == "Error: aws-mla (MLA-C02) has no domain 9; use one of: 1, 2, 3, 4\n"
    result = run("cheatsheet", str(course.root), "--exam", "C09", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown exam 'C09' for aws-mla; use one of: C02, C01\n"
    course.write("bad.md", "---\ntitle: Bad\ndomain: 1\n---\n\n### Q\n<!-- {id: bad-1, cheatsheet: often} -->\n\nA\n")
    result = run("cheatsheet", str(course.root), "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{course.path / 'bad.md'}:7:30: error: expected true or false, not 'often' (fix: write true or false)\n"
        "Error: 1 error in the card sources; nothing was written\n"
    )
    assert not out.exists()


def _cli_without_weasyprint(args: list[str], pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command in a fresh interpreter where `import weasyprint` fails."""
    code = "import sys; sys.modules['weasyprint'] = None; from srscards.cli import main; main()"
    if pythonpath is not None:  # a stand-in package that fails to load the way WeasyPrint does
        code = f"import sys; sys.path.insert(0, {str(pythonpath)!r}); from srscards.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)


def test_without_weasyprint_pdf_says_what_to_install_and_html_still_works(course, tmp_path):
    write_course(course)
    out = tmp_path / "sheets"
    pdf = _cli_without_weasyprint(["cheatsheet", str(course.root), "--format", "pdf", "-o", str(out)])
    assert pdf.returncode == 1 and pdf.stdout == ""
    assert pdf.stderr == NOT_INSTALLED
    assert not out.exists()
    html = _cli_without_weasyprint(["cheatsheet", str(course.root), "--domain", "2", "-o", str(out)])
    assert html.returncode == 0, html.stderr
    assert html.stdout == (
        f"wrote {out}/aws-mla-c02-domain-2.html (Domain 2: ML Model and Foundation Model (FM) Development: 2 cards)\n"
    )


def test_without_pango_pdf_says_which_system_library_to_install(course, tmp_path):
    write_course(course)
    fake = tmp_path / "site"
    (fake / "weasyprint").mkdir(parents=True)
    # WeasyPrint raises OSError from its import when cffi cannot open Pango.
    (fake / "weasyprint" / "__init__.py").write_text(
        "raise OSError(\"cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file: "
        'No such file or directory")\n'
    )
    out = tmp_path / "sheets"
    pdf = _cli_without_weasyprint(["cheatsheet", str(course.root), "--format", "pdf", "-o", str(out)], fake)
    assert pdf.returncode == 1
    assert pdf.stderr == (
        "Error: PDF output needs the Pango library, which WeasyPrint could not load (cannot load library "
        "'libpango-1.0-0': libpango-1.0-0: cannot open shared object file: No such file or directory): install it "
        "(on Debian or Ubuntu `apt-get install libpango-1.0-0 libpangoft2-1.0-0`, on Fedora `dnf install pango`, "
        "on macOS `brew install pango`); HTML output works without it: use --format html\n"
    )
    assert not out.exists()
