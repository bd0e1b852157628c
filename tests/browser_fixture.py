"""Headless Chromium, as a phone shows a page: page width against the viewport, words broken mid-word.

Headless Chromium keeps its window at least 500 px wide, so the page is shown in a 390 px wide
iframe (its own viewport, media queries included). A probe script appended to a copy of the page
measures it and posts its findings to the frame around it, which `--dump-dom` prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PHONE = (390, 844)

PROBE = """
<script>
window.addEventListener('load', () => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 0.5) continue;
    let scrolled = false;  // inside a box that scrolls sideways on its own: not cut off
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      const inside = p.getBoundingClientRect().right <= width + 0.5;
      if ((o === 'auto' || o === 'scroll') && inside) { scrolled = true; break; }
    }
    const cls = el.getAttribute('class');
    if (!scrolled) wide.push(el.tagName.toLowerCase() + (cls ? '.' + cls : '') + ' ' + Math.round(r.right));
  }
  const scrolls = [];  // boxes whose content is wider than they are: the reader has to scroll them
  for (const el of document.body.querySelectorAll('*')) {
    const o = getComputedStyle(el).overflowX;
    if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1)
      scrolls.push(el.tagName.toLowerCase() + ' ' + el.scrollWidth + '>' + el.clientWidth);
  }
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('script, style, pre, code, svg, #probe')) continue;
    for (const m of node.data.matchAll(/[A-Za-z0-9]{2,}/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  const scrollWidth = document.documentElement.scrollWidth;
  parent.postMessage(JSON.stringify({width, scrollWidth, wide, scrolls, broken}), '*');
});
</script>
"""

FRAME = """<!doctype html><html><body style="margin:0">
<iframe src="{src}" style="width:{w}px;height:{h}px;border:0;display:block"></iframe>
<script>
window.addEventListener('message', e => {{
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = e.data; document.body.appendChild(pre);
}});
</script></body></html>
"""


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tempfile.mkdtemp(prefix="srscards-chromium-")
    try:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             "--hide-scrollbars", "--virtual-time-budget=3000", *args],
            capture_output=True, text=True, timeout=120, env={**os.environ, "TZ": "UTC"},
        )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def measure(page: Path, size: tuple[int, int] = PHONE) -> dict[str, Any]:
    """How `page` lays out at `size`: viewport width, document scroll width, elements cut off, broken words."""
    # the page's own policy forbids scripts; the probe is a script of the test, so its copy goes without it
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8"))
    probe = page.with_name(f".probe-{page.name}")
    frame = page.with_name(f".frame-{page.name}")
    probe.write_text(html.replace("</body>", PROBE + "</body>") if "</body>" in html else html + PROBE)
    frame.write_text(FRAME.format(src=probe.name, w=size[0], h=size[1]))
    try:
        done = _chromium(f"--window-size={max(size[0], 500)},{size[1] + 200}", "--dump-dom", frame.as_uri())
    finally:
        probe.unlink()
        frame.unlink()
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def screenshot(page: Path, target: Path, size: tuple[int, int] = PHONE) -> Path:
    """A screenshot of `page` in a `size` frame (the left `size[0]` px of the image), to look at."""
    frame = page.with_name(f".frame-{page.name}")
    frame.write_text(FRAME.format(src=page.name, w=size[0], h=size[1]))
    try:
        _chromium(f"--window-size={max(size[0], 500)},{size[1]}", f"--screenshot={target}", frame.as_uri())
    finally:
        frame.unlink()
    return target
