"""Markdown to HTML for card content: CommonMark plus tables, highlighted code and MathJax math."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # markdown-it is loaded on first use, so importing the sources layer stays cheap
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

CODE_CSS_CLASS = "highlight"


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Highlight fenced code with Pygments; unknown languages stay plain."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(lang) if lang else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        body = escape(code)
    else:
        body = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="{CODE_CSS_CLASS}"><code>{body}</code></pre>\n'


def _math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # Passed through untouched for Anki's MathJax.
    return "\\(" + escape(tokens[idx].content, quote=False) + "\\)"


def _math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return '<div class="math">\\[' + escape(tokens[idx].content, quote=False) + "\\]</div>\n"


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The one Markdown parser every source goes through."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.texmath import texmath_plugin

    md = MarkdownIt("commonmark", {"html": True, "highlight": _highlight}).enable("table")
    md.use(front_matter_plugin)
    md.use(texmath_plugin, delimiters="brackets")
    md.add_render_rule("math_inline", _math_inline)
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("math_block_eqno", _math_block)
    return md


def render_tokens(tokens: Sequence[Token]) -> str:
    """Render a slice of block tokens that came from `markdown().parse`."""
    md = markdown()
    return md.renderer.render(tokens, md.options, {}).strip()


def code_css(dark: bool = False) -> str:
    """Pygments colours for highlighted code, for the light or the dark theme."""
    from pygments.formatters import HtmlFormatter

    style = "monokai" if dark else "default"
    return HtmlFormatter(style=style).get_style_defs(f".{CODE_CSS_CLASS}")
