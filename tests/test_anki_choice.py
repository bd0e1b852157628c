"""The choice note type in a real browser engine: cards rendered by the `anki` package from an
imported package, driven in headless Chromium the way a learner uses them in Anki."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from srscards.model.anki_ids import stable_int
from srscards.model.card import CardType
from srscards.outputs import apkg
from srscards.outputs.build import build_decks
from srscards.views import anki as anki_view

T0 = 1_790_000_000.0
SHOTS = os.environ.get("SRSCARDS_SCREENSHOTS")  # a folder to keep the screenshots in, to look at them

QUESTIONS = """\
---
title: Storage questions
domain: 1
subdeck: Practice questions
tasks: [1.1]
---

### Shared file systems
<!-- {id: q-files} -->

Which TWO services give many training instances one shared file system?

- [x] Amazon EFS
  Managed NFS that many instances mount at once.
- [ ] Amazon SQS
  A queue, not storage.
- [x] Amazon FSx for Lustre
  A high-throughput file system for training.
- [ ] Amazon ElastiCache
  An in-memory cache, not a file system.
- [ ] None of these {pin}
  Two of the options are shared file systems.
"""
SOURCE_ORDER = ["Amazon EFS", "Amazon SQS", "Amazon FSx for Lustre", "Amazon ElastiCache", "None of these"]
CORRECT = {"Amazon EFS", "Amazon FSx for Lustre"}


def import_package(col: Collection, package: Path):  # type: ignore[no-untyped-def]
    request = ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


@pytest.fixture
def rendered(course, tmp_path):  # type: ignore[no-untyped-def]
    """Front, back and CSS of the choice card as Anki renders them from an imported package."""
    course.write("q.md", QUESTIONS)
    (package,) = build_decks(course.root, tmp_path / "out", now=T0)
    folder = tmp_path / "col"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    try:
        import_package(col, package.path)
        card = col.get_card(col.find_cards('"CardId:q-files"')[0])
        yield card.question(), card.answer(), card.note_type()["css"]
    finally:
        col.close()


def page(body: str, css: str, night: bool) -> str:
    """A card page as Anki builds it: the note type's CSS, the card in a body of class `card`."""
    mode = " nightMode night_mode" if night else ""
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{css}</style></head><body class=\"card card1{mode}\"><div id='qa'>{body}</div></body></html>"
    )


@pytest.fixture
def browser(chromium: str):  # type: ignore[no-untyped-def]
    """Chromium driven by Playwright (skipped with the reason without Chromium; CI fails instead: conftest)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as play:
        engine = play.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield engine
        engine.close()


def serve(context, pages: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Serve the card pages from one origin, so the front and the back share the tab's storage."""
    context.route(
        "http://anki.test/**",
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8", body=pages[route.request.url.rsplit("/", 1)[1]]
        ),
    )


def option_texts(p) -> list[str]:  # type: ignore[no-untyped-def]
    return p.eval_on_selector_all(
        ".srs-choice ol.options > li",
        "els => els.map(e => Array.from(e.childNodes).filter(n => !(n.classList && "
        "(n.classList.contains('mark') || n.classList.contains('why')))).map(n => n.textContent).join('').trim())",
    )


@pytest.mark.parametrize("night", [False, True], ids=["light", "night"])
@pytest.mark.parametrize("width", [400, 1280])
def test_tap_two_options_flip_and_the_back_marks_them_in_the_same_order(rendered, browser, width, night, tmp_path):
    front, back, css = rendered
    context = browser.new_context(viewport={"width": width, "height": 900})
    serve(context, {"front.html": page(front, css, night), "back.html": page(back, css, night)})
    p = context.new_page()
    p.goto("http://anki.test/front.html")
    shown = option_texts(p)
    assert sorted(shown) == sorted(SOURCE_ORDER) and shown[4] == "None of these"  # pinned: stays E
    picks = [shown.index("Amazon EFS"), shown.index("Amazon SQS")]  # one right, one wrong
    items = p.query_selector_all(".srs-choice ol.options > li")
    for i in picks:
        items[i].click()
    chosen = p.eval_on_selector_all("li.chosen", "els => els.length")
    assert chosen == 2
    name = f"{width}-{'night' if night else 'light'}"
    folder = Path(SHOTS) if SHOTS else tmp_path
    p.screenshot(path=str(folder / f"front-{name}.png"), full_page=True)
    p.goto("http://anki.test/back.html")  # flip
    assert option_texts(p) == shown  # the order held
    marks = p.eval_on_selector_all(
        ".srs-choice ol.options > li",
        "els => els.map(e => [e.classList.contains('chosen'), e.classList.contains('correct'), "
        "e.querySelector('.mark').textContent, e.querySelector('.why') ? e.querySelector('.why').textContent : ''])",
    )
    for text, (is_chosen, is_correct, mark, why) in zip(shown, marks, strict=True):
        assert is_chosen == (text in ("Amazon EFS", "Amazon SQS"))
        assert is_correct == (text in CORRECT)
        assert mark == ("Correct" if is_correct else "Wrong") + (" · your choice" if is_chosen else "")
        assert why.strip()  # the explanation sits under its option
    letters = "ABCDE"
    right = ", ".join(sorted(letters[shown.index(t)] for t in CORRECT))
    mine = ", ".join(sorted(letters[i] for i in picks))
    assert p.inner_text(".srs-answer") == f"Answer: {right} · you chose {mine}"
    assert not p.is_visible(".srs-explanations")  # merged into the options
    # the colours follow the mode: the right option's border is green, darker in light mode
    border = p.eval_on_selector(".srs-choice li.correct", "e => getComputedStyle(e).borderTopColor")
    assert border == ("rgb(63, 185, 80)" if night else "rgb(26, 127, 55)")
    p.screenshot(path=str(folder / f"back-{name}.png"), full_page=True)
    context.close()


def test_each_showing_draws_a_new_order(rendered, browser):
    front, _, css = rendered
    context = browser.new_context()
    serve(context, {"front.html": page(front, css, False)})
    p = context.new_page()
    orders = set()
    for _ in range(12):
        p.goto("http://anki.test/front.html")
        orders.add(tuple(option_texts(p)))
    assert len(orders) > 3 and all(order[4] == "None of these" for order in orders)
    context.close()


def test_a_single_answer_tap_replaces_the_previous_choice(course, tmp_path, browser):
    course.write("q.md", QUESTIONS.replace("- [x] Amazon FSx", "- [ ] Amazon FSx"))
    (package,) = build_decks(course.root, tmp_path / "out", now=T0)
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    import_package(col, package.path)
    card = col.get_card(col.find_cards('"CardId:q-files"')[0])
    context = browser.new_context()
    serve(context, {"front.html": page(card.question(), card.note_type()["css"], False)})
    col.close()
    p = context.new_page()
    p.goto("http://anki.test/front.html")
    items = p.query_selector_all(".srs-choice ol.options > li")
    items[0].click()
    items[1].click()
    assert p.eval_on_selector_all("li.chosen", "els => els.length") == 1
    assert items[1].get_attribute("class") == "chosen"
    context.close()


def test_without_javascript_the_card_reads_in_source_order(rendered, browser):
    front, back, css = rendered
    context = browser.new_context(java_script_enabled=False)
    serve(context, {"front.html": page(front, css, False), "back.html": page(back, css, False)})
    p = context.new_page()
    p.goto("http://anki.test/front.html")
    assert option_texts(p) == SOURCE_ORDER
    p.goto("http://anki.test/back.html")
    assert option_texts(p) == SOURCE_ORDER
    assert p.inner_text(".srs-answer") == "Answer: A, C"
    assert p.is_visible(".srs-explanations")
    verdicts = p.eval_on_selector_all(".srs-explanations li .verdict", "els => els.map(e => e.textContent)")
    assert verdicts == ["Correct:", "Wrong:", "Correct:", "Wrong:", "Wrong:"]
    context.close()


def test_a_new_package_updates_the_choice_note_type_in_place(course, tmp_path, monkeypatch):
    """Users who imported the earlier choice note type (options in source order) keep its id,
    their notes and review history; the new package brings the new templates."""
    course.write("q.md", QUESTIONS)
    old = anki_view._NoteType(
        "srscards Choice",
        anki_view.QUESTION_FIELDS,
        (
            (
                "Choice",
                anki_view.QUESTION_HTML,
                '{{FrontSide}}<hr id="answer"><div class="answer">{{Answer}}</div>'
                "{{#Explanations}}{{Explanations}}{{/Explanations}}",
            ),
        ),
    )
    with monkeypatch.context() as patch:
        patch.setitem(anki_view.NOTE_TYPES, CardType.CHOICE, old)
        if hasattr(apkg, "NOTE_TYPES"):
            patch.setitem(apkg.NOTE_TYPES, CardType.CHOICE, old)
        (first,) = build_decks(course.root, tmp_path / "old", now=T0)
    (tmp_path / "col").mkdir()
    col = Collection(str(tmp_path / "col" / "collection.anki2"))
    try:
        import_package(col, first.path)
        model = col.models.by_name("srscards Choice")
        assert "srs-choice" not in model["tmpls"][0]["qfmt"]
        col.decks.select(col.decks.id_for_name("AWS ML Engineer Associate::1 Data Preparation for ML and AI"))
        card = col.get_card(col.find_cards('"CardId:q-files"')[0])
        col.sched.answerCard(col.sched.getCard(), 3)
        (second,) = build_decks(course.root, tmp_path / "new", now=T0 + 60)
        import_package(col, second.path)
        col.close()
        col = Collection(str(tmp_path / "col" / "collection.anki2"))  # as Anki opens it next (no cached note types)
        model = col.models.by_name("srscards Choice")
        assert model["id"] == stable_int("srscards-model", "srscards Choice", apkg.MODEL_VERSION)
        assert [f["name"] for f in model["flds"]] == list(anki_view.QUESTION_FIELDS)
        assert "srs-choice" in model["tmpls"][0]["qfmt"] and "srs-back" in model["tmpls"][0]["afmt"]
        assert col.note_count() == 1
        after = col.get_card(card.id)
        assert after.reps == 1
        assert 'class="srs-choice"' in after.question()
    finally:
        col.close()


def test_a_flip_in_the_same_page_as_anki_desktop_does(rendered, browser):
    """Anki desktop keeps one page: it swaps the card's HTML and runs its scripts again."""
    front, back, css = rendered
    context = browser.new_context()
    serve(context, {"reviewer.html": page(front, css, False)})
    p = context.new_page()
    p.goto("http://anki.test/reviewer.html")
    shown = option_texts(p)
    p.query_selector_all(".srs-choice ol.options > li")[shown.index("Amazon FSx for Lustre")].click()
    # what Anki's reviewer does on "show answer": new HTML in #qa, each script run in turn
    p.evaluate(
        """html => {
            const qa = document.getElementById('qa');
            qa.innerHTML = html;
            for (const old of qa.querySelectorAll('script')) {
                const fresh = document.createElement('script');
                fresh.text = old.text;
                old.replaceWith(fresh);
            }
        }""",
        back,
    )
    assert option_texts(p) == shown
    assert p.eval_on_selector_all("li.chosen", "els => els.map(e => e.classList.contains('correct'))") == [True]
    right = ", ".join(sorted("ABCDE"[shown.index(t)] for t in CORRECT))
    mine = "ABCDE"[shown.index("Amazon FSx for Lustre")]
    assert p.inner_text(".srs-answer") == f"Answer: {right} · you chose {mine}"  # one of the two is not enough
    context.close()


WIDE = """\
---
title: Wide content
domain: 1
tasks: [1.1]
---

### Which fix fits each fit problem?
<!-- {id: b-wide} -->

| Problem | Training error | Validation error | Typical fix |
|---|---|---|---|
| Overfitting (high variance) | low | high | more data, regularisation, a simpler model, early stopping |
| Underfitting (high bias) | high | high | more features, a more complex model, longer training |
"""


@pytest.mark.parametrize("width", [360, 1280])
def test_a_wide_table_scrolls_in_its_own_box_not_the_page(course, tmp_path, browser, width):
    """On a phone a table wider than the screen scrolls sideways by itself, as code does: the card
    page keeps the screen's width, so the text around the table never needs a sideways swipe."""
    course.write("w.md", WIDE)
    (package,) = build_decks(course.root, tmp_path / "out", now=T0)
    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        import_package(col, package.path)
        card = col.get_card(col.find_cards('"CardId:b-wide"')[0])
        back, css = card.answer(), card.note_type()["css"]
    finally:
        col.close()
    context = browser.new_context(viewport={"width": width, "height": 900})
    serve(context, {"back.html": page(back, css, night=False)})
    p = context.new_page()
    p.goto("http://anki.test/back.html")
    page_width, screen = p.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert page_width <= screen
    table_width, box_width = p.eval_on_selector("table", "t => [t.scrollWidth, t.clientWidth]")
    assert box_width <= screen
    if width == 360:
        assert table_width > box_width  # wider than the screen: it scrolls inside its box, nothing cut off
    assert "early stopping" in p.inner_text("table")
    context.close()
