"""A small domain-1 deck the store, review and metrics tests share; each adds its own third card."""

from __future__ import annotations


def demo_deck(third: str, title: str = "Demo") -> str:
    """A deck file: a basic card (fmt-1), a two-deletion cloze (clz-1), then `third`."""
    return f"""\
---
title: {title}
domain: 1
tasks: [1.1]
---

### Which format lets Athena read only some columns?
<!-- id: fmt-1 -->

Parquet.

### Min-max scaling
<!-- id: clz-1 -->

Maps values into {{{{c1::0 to 1}}}} using the {{{{c2::minimum and maximum}}}}.

{third}"""
