"""XSS payloads through every way a card leaves the sources: `check`, the sanitiser, the Anki package
(imported into real Anki), the cheat sheet (opened in headless Chromium) and the terminal view.

In the browser, `alert` is replaced by a call to a local listener and every remote host points at it,
so a payload that runs script or fetches anything is seen there."""

from __future__ import annotations

import http.server
import shutil
import socketserver
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from click.testing import CliRunner

from conftest import CourseDir
from corpus.xss_payloads import MARKDOWN, PAYLOADS
from srscards.cli import main
from srscards.model.card import Card
from srscards.sources.course_file import load_course
from srscards.sources.markdown import markdown
from srscards.sources.parser import parse_file
from srscards.sources.sanitize import clean, violations
from srscards.views.terminal import card_text

HEAD = "---\ntitle: Hostile\ndomain: 1\ntasks: [1.1]\ncheatsheet: true\n---\n\n"

# Where a payload can sit in a card: (name, card type, body with {p} for the payload)
POSITIONS = [
    ("heading", "basic", "### Q {p}\n{meta}\n\nAnswer.\n"),
    ("answer", "basic", "### Q\n{meta}\n\nAnswer {p} here.\n"),
    ("block", "basic", "### Q\n{meta}\n\nAnswer.\n\n{p}\n"),
    ("cloze", "cloze", "### Q\n{meta}\n\nThe {{{{c1::answer {p}}}}} is hidden.\n"),
    ("hint", "cloze", "### Q\n{meta}\n\nThe {{{{c1::answer::hint {p}}}}} is hidden.\n"),
    ("option", "choice", "### Q\n{meta}\n\nPick.\n\n- [x] right {p}\n  Why.\n- [ ] wrong\n  Why not.\n"),
    ("explanation", "choice", "### Q\n{meta}\n\nPick.\n\n- [x] right\n  Why {p}.\n- [ ] wrong\n  Why not.\n"),
    ("matching cell", "matching", "### Q\n{meta}\n\nMatch.\n\n| a | b |\n|---|---|\n| x {p} | 1 |\n| y | 2 |\n"),
    ("ordering step", "ordering", "### Q\n{meta}\n\nOrder.\n\n1. first {p}\n2. second\n"),
    ("code span", "basic", "### Q\n{meta}\n\nAnswer `` {p} `` as code.\n"),
]


def _deck(
    payloads: list[str], positions: list[tuple[str, str, str]] = POSITIONS, first_number: int = 0
) -> tuple[str, list[tuple[str, str, int, int]]]:
    """A deck with every payload in every position; returns it and (id, payload, first, last line)."""
    text, spans = HEAD, []
    for i, payload in enumerate(payloads, first_number):
        for _name, kind, body in positions:
            j = [p[0] for p in POSITIONS].index(_name)
            card_id = f"p{i}-{j}"
            card = body.format(p=payload, meta=f"<!-- {{id: {card_id}, type: {kind}}} -->")
            first = text.count("\n") + 1
            text += card + "\n"
            spans.append((card_id, payload, first, text.count("\n")))
    return text, spans


def _fragments(card: Card) -> list[str]:
    out = [card.title.html, card.prompt.html, card.answer.html, card.extra.html]
    out += [f.html for o in card.options for f in (o.text, o.explanation)]
    out += [f.html for p in card.pairs for f in (p.left, p.right)]
    out += [s.html for s in card.steps]
    return out


COURSE = load_course(Path(__file__).resolve().parent.parent / "decks" / "aws-mla")


@pytest.mark.parametrize("position", POSITIONS, ids=[p[0] for p in POSITIONS])
def test_check_reports_every_payload_where_it_is_written_and_passes_nothing_unsafe(
    tmp_path: Path, position: tuple[str, str, str]
) -> None:
    """Each payload alone in a deck file: what Markdown would hand the browser unsanitised is reported
    in the card's lines; what passes has nothing the allowlist refuses."""
    path = tmp_path / "hostile.md"
    refused = 0
    for i, payload in enumerate(PAYLOADS):
        text, ((card_id, _, first, last),) = _deck([payload], [position], i)
        result = parse_file(path, COURSE, text=text)
        cards = {c.id: c for c in result.deck.cards}
        located = [p for p in result.problems if first <= p.location.line <= last]
        assert all(str(p).startswith(f"{path}:") and p.hint for p in result.problems)
        if card_id in cards:
            assert not located
            for html in _fragments(cards[card_id]):
                assert violations(html) == [], (card_id, payload, html)
        else:
            assert located, f"{payload!r} was refused without a located problem: {result.problems}"
            refused += 1
        section = "\n".join(text.split("\n")[first - 1 : last])
        if violations(markdown().render(section)):  # the browser would have been handed it raw
            assert card_id not in cards, f"{payload!r} passed check in position {position[0]}"
    if position[0] != "code span":
        assert refused >= len(PAYLOADS) // 2
    else:
        assert refused == 0


def test_the_located_error_names_the_element_and_the_attribute(tmp_path: Path) -> None:
    text = HEAD + '### Q\n<!-- id: img-1 -->\n\nSee <img src="x" onerror="alert(1)"> here.\n'
    (problem,) = parse_file(tmp_path / "d.md", COURSE, text=text).problems
    assert str(problem) == (
        f"{tmp_path / 'd.md'}:11:18: error: attribute 'onerror' of <img> is not allowed in cards (event handlers "
        "run script) (fix: remove it: cards may hold formatting, images from the course folder and http(s) links only)"
    )
    text = HEAD + '### Q\n<!-- id: lnk-1 -->\n\n<a href="java&#9;script:alert(1)">x</a>\n'
    (problem,) = parse_file(tmp_path / "d.md", COURSE, text=text).problems
    assert "11:4: error: attribute 'href' of <a> uses the javascript: scheme" in str(problem)


# -- the browser ---------------------------------------------------------------------------------------


class _Listener(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.hits: list[str] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def handle_one_request(self) -> None:
                listener.hits.append(self.rfile.readline(200).decode("latin-1").strip())
                self.wfile.write(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def listener() -> Iterator[_Listener]:
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is needed: apt-get install -y chromium"
    return found


def _open_in_chromium(page: Path) -> str:
    profile = tempfile.mkdtemp(prefix="srscards-chromium-")
    try:
        proc = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return proc.stdout


def _aimed(html: str, listener: _Listener) -> str:
    """Remote hosts point at the listener."""
    return html.replace("https://xss.example", listener.origin).replace("//xss.example", listener.origin[5:])


def _hooked_page(body: str, listener: _Listener) -> str:
    """A page where `alert` calls the listener (no policy: only the sanitiser stands in the way)."""
    hook = f"<script>window.alert = () => {{ new Image().src = '{listener.origin}/script-ran'; }};</script>"
    return f"<!DOCTYPE html><html><head>{hook}</head><body>{body}<p id=end>end</p></body></html>"


def test_the_detector_sees_a_payload_that_runs_and_one_that_fetches(tmp_path: Path, listener: _Listener) -> None:
    page = tmp_path / "control.html"
    raw = '<img src="x" onerror="alert(1)"><img src="https://xss.example/pixel.png">'
    page.write_text(_hooked_page(_aimed(raw, listener), listener))
    _open_in_chromium(page)
    assert any("/script-ran" in h for h in listener.hits) and any("/pixel.png" in h for h in listener.hits)


def test_sanitised_payloads_neither_run_nor_fetch_in_chromium(tmp_path: Path, listener: _Listener) -> None:
    body = "\n".join(f"<div class=case>{clean(_aimed(p, listener))}</div>" for p in PAYLOADS)
    page = tmp_path / "sanitised.html"
    page.write_text(_hooked_page(body, listener))
    dom = _open_in_chromium(page)
    assert '<p id="end">end</p>' in dom  # the page loaded to its end
    assert listener.hits == []


def test_accepted_cards_in_anki_and_the_cheat_sheet_neither_run_nor_fetch(
    course: CourseDir, tmp_path: Path, listener: _Listener
) -> None:
    """What passes `check` (payloads as code, Markdown links Markdown refuses, harmless HTML) goes into
    the Anki package and the cheat sheet; both are opened in Chromium."""
    accepted = 0
    the_course = load_course(course.path)
    for i, payload in enumerate(PAYLOADS):
        for position in POSITIONS:
            text, _ = _deck([_aimed(payload, listener)], [position], i)
            if not parse_file(course.path / "probe.md", the_course, text=text).problems:
                accepted += 1
                course.write(f"card-{accepted}.md", text)  # one file each: no card can swallow another
    assert accepted >= len(PAYLOADS)  # at least every payload as code
    env = {"SRSCARDS_HOME": str(tmp_path / "home"), "SRSCARDS_CACHE": str(tmp_path / "cache")}
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(course.root), "-o", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    col = Collection(str(tmp_path / "col.anki2"))
    request = ImportAnkiPackageRequest(
        package_path=str(tmp_path / "out" / "aws-mla-c02.apkg"), options=ImportAnkiPackageOptions()
    )
    col.import_anki_package(request)
    rendered = []
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        rendered += [card.question(), card.answer()]
    col.close()
    assert len(rendered) >= 2 * len(PAYLOADS)
    page = tmp_path / "anki.html"
    page.write_text(_hooked_page("\n".join(f"<div class=card>{r}</div>" for r in rendered), listener))
    assert '<p id="end">end</p>' in _open_in_chromium(page)
    assert listener.hits == []
    result = runner.invoke(main, ["cheatsheet", str(course.root), "-o", str(tmp_path / "sheets")], env=env)
    assert result.exit_code == 0, result.output
    sheets = sorted((tmp_path / "sheets").rglob("*.html"))
    assert sheets
    for sheet in sheets:
        html = sheet.read_text()
        assert "<script" not in html.lower()
        dom = _open_in_chromium(sheet)
        assert "</footer>" in dom
    assert listener.hits == []


def test_markdown_links_only_http(tmp_path: Path) -> None:
    for payload in MARKDOWN:
        text = HEAD + f"### Q\n<!-- id: md-1 -->\n\nSee {payload} here.\n"
        result = parse_file(tmp_path / "d.md", COURSE, text=text)
        for card in result.deck.cards:
            for html in _fragments(card):
                assert "href=" not in html or 'href="http' in html, (payload, html)
                assert "<img" not in html, (payload, html)


def test_control_characters_are_refused_in_sources_and_never_reach_the_terminal(tmp_path: Path) -> None:
    escapes = ["\x1b]0;owned\x07", "\x1b[2J", "\x1b]52;c;cm0gLXJmIH4K\x07", "\x9b2J", "\x07"]
    for esc in escapes:
        text = HEAD + f"### Q\n<!-- id: esc-1 -->\n\nAnswer {esc} here.\n"
        (problem,) = parse_file(tmp_path / "d.md", COURSE, text=text).problems
        assert f"{tmp_path / 'd.md'}:11:8: error: control character U+{ord(esc[0]):04X}" in str(problem)
    good = parse_file(tmp_path / "d.md", COURSE, text=HEAD + "### Q\n<!-- id: esc-1 -->\n\nAnswer.\n").deck.cards[0]
    data = good.to_dict()  # a card as an older store may hold it
    data["answer"] = ["Answer " + "".join(escapes), "<p>Answer</p>"]
    data["title"] = ["Q\x1b[31m", "Q"]
    shown = card_text(Card.from_dict(data, tmp_path / "d.md"), "forward")
    for part in (shown.front, shown.back, shown.title):
        assert not any(ch in part for ch in "\x1b\x07\x9b"), repr(part)
    assert "Answer" in shown.back
