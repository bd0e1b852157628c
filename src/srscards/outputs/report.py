"""`srscards report`: the stats as one self-contained HTML file, with inline SVG charts and no network."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from pathlib import Path

from srscards.scheduling.scheduler import Settings
from srscards.sources.sanitize import CONTENT_POLICY
from srscards.study.metrics import PassTally, Recall30, Retention, StateCounts, Stats, load_stats
from srscards.words import count, plural

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: .6em 0; } th, td { padding: .25em .7em; text-align: right; }
th:first-child, td:first-child { text-align: left; } thead th { border-bottom: 1px solid #d0d7de; }
.met { color: #1a7f37; font-weight: 600; } .short { color: #bc4c00; font-weight: 600; }
svg { display: block; margin: .5em 0; width: 100%; max-width: 900px; height: auto; }
.note { color: #59636e; font-size: .9em; } .wide { overflow-x: auto; } .n { white-space: nowrap; }
.brief { display: none; } abbr { text-decoration: none; }
@media (max-width: 600px) {
  .full { display: none; } .brief { display: inline; }
  body { font-size: 14px; margin: 1em auto; padding: 0 .6em; }
  table { font-size: .86em; } th, td { padding: .2em .3em; } thead th { vertical-align: bottom; }
  .note .n { display: block; }
}
"""


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _tally(t: PassTally) -> str:
    return (
        "–" if t.rate is None else f"{t.rate:.1%} <span class=note><span class=n>({t.passed}/{t.total})</span></span>"
    )


def bar_chart(values: list[float | None], labels: list[str], top: float, unit: str, color: str) -> str:
    """A vertical bar chart as inline SVG that scales to the page's width; None draws no bar.
    Labels under every seventh bar, large enough to read on a phone once scaled down."""
    width, height, pad = 600, 180, 30
    step = (width - pad) / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 40}" width="{width}" '
        f'height="{height + 40}" role="img">',
        f'<line x1="{pad}" y1="{height}" x2="{width}" y2="{height}" stroke="#8c959f"/>',
        f'<text x="0" y="14" font-size="16" fill="#59636e">{escape(_axis(top, unit))}</text>',
    ]
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        x = pad + i * step
        if value is not None and top > 0:
            h = max(value / top * (height - 20), 2)  # a 0% day still shows that answers were given
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{height - h:.1f}" width="{step - 2:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(label)}: {escape(_axis(value, unit))}</title></rect>"
            )
        if i % 7 == 0:
            # a label too near the right edge ends there instead of running past it
            anchor = f'x="{width}" text-anchor="end"' if x + 60 > width else f'x="{x:.1f}"'
            parts.append(f'<text {anchor} y="{height + 22}" font-size="16" fill="#59636e">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _th(name: str, brief: str) -> str:
    """A column head, shortened on a phone (the full name stays as the abbreviation's title)."""
    return f'<th><span class=full>{name}</span><abbr class=brief title="{name}">{brief}</abbr></th>'


def _axis(value: float, unit: str) -> str:
    return f"{value:.0%}" if unit == "%" else f"{value:g} {plural(unit, value)}"


def _retention_rows(groups: dict[str, Retention]) -> str:
    return "".join(
        f"<tr><td>{escape(name)}</td><td>{_tally(r.all)}</td><td>{_tally(r.young)}</td><td>{_tally(r.mature)}</td></tr>"
        for name, r in groups.items()
    )


def _recall_cell(r: Recall30) -> str:
    if r.mean_recall is None:
        return "<td>–</td>"
    css, text = ("met", "met") if r.meets_goal else ("short", f"{r.mean_recall / 0.9:.0%} of goal")
    return f"<td class={css}>{text}</td>"


def _state_cells(c: StateCounts) -> str:
    return "".join(f"<td>{v}</td>" for v in vars(c).values())


def _name(domain: int | None) -> str:
    return f"Domain {domain}" if domain is not None else "Other"


def render_report(stats: Stats) -> str:
    """The whole report as one HTML document (no scripts, no external resources)."""
    day = lambda d: date.fromordinal(d).strftime("%b %d")  # noqa: E731
    daily = [d.passed / d.total if d.total else None for d in stats.daily]
    forecast = [float(f.cards) for f in stats.forecast]
    domains = []
    for domain, recall in stats.recall_by_domain.items():
        retention = stats.by_domain.get(domain, Retention())
        domains.append(
            f"<tr><td>{_name(domain)}</td><td>{_tally(retention.all)}</td><td>{_pct(recall.mean_recall)}</td>"
            f"<td>{_pct(recall.goal_share)}</td><td>{recall.studied}</td>{_recall_cell(recall)}</tr>"
        )
    states = [f"<tr><td>{_name(d)}</td>{_state_cells(c)}</tr>" for d, c in stats.states_by_domain.items()] + [
        f"<tr><td>All</td>{_state_cells(stats.states)}</tr>"
    ]
    tasks = [
        f"<tr><td>{escape(t)}</td><td>{_tally(stats.by_task[t].all) if t in stats.by_task else '–'}</td>"
        f"<td>{_pct(stats.recall_by_task[t].mean_recall) if t in stats.recall_by_task else '–'}</td>"
        f"<td>{_pct(stats.recall_by_task[t].goal_share) if t in stats.recall_by_task else '–'}</td>"
        f"{_state_cells(c)}</tr>"
        for t, c in stats.states_by_task.items()
    ]
    calibration = "".join(
        f"<li>{label}: "
        + (
            "not computed (it replays every card's history, as Anki's Evaluate button does: "
            "<code>srscards report --evaluate</code>)."
            if cal is None
            else "no answers on a later day yet."
            if cal.log_loss is None or cal.rmse_bins is None
            else f"log loss {cal.log_loss:.4f}, RMSE(bins) {cal.rmse_bins:.2%} over {count(cal.reviews, unit)}."
        )
        + "</li>"
        for label, cal, unit in (
            ("As Anki's Evaluate (fsrs-rs over the training items Anki builds)", stats.evaluate, "item"),
            ("Per answer on a later day (unweighted, as srs-benchmark)", stats.calibration, "answer"),
        )
    )
    cards = sum(f.cards for f in stats.forecast)
    minutes = sum(f.minutes for f in stats.forecast)
    labs = "".join(
        f"<li>{escape(lab.lab)} ({escape(lab.target)}, {lab.completed_at:%Y-%m-%d})</li>" for lab in stats.labs
    )
    head = "<th>new</th>" + "".join(
        _th(name, brief) for name, brief in (("learning", "learn."), ("review", "rev."), ("suspended", "susp."),
                                              ("retired", "ret."))
    )  # fmt: skip
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{CONTENT_POLICY}<title>srscards report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body>
<h1>Where you stand</h1>
<p class=note>As of {stats.now:%Y-%m-%d %H:%M} UTC.
Streak {count(stats.streak, "day")} · {count(stats.days_studied, "day")} studied · {count(stats.reviews, "answer")} ·
{count(round(stats.seconds_studied / 60), "minute")} studied.</p>
<h2>Goal: 90% recall 30 days from now, per domain</h2>
<p class=note>Recall in 30 days: the mean predicted recall of the studied cards 30 days from now;
cards ≥90%: the share of them predicted at 90% or more.</p>
<div class=wide><table><thead><tr><th></th><th>true retention</th><th>recall in 30 days</th><th>cards ≥90%</th>
<th>studied</th><th>goal</th></tr></thead><tbody>{"".join(domains)}</tbody></table></div>
<h2>True retention</h2>
<p class=note>As Anki's stats screen counts it: answers to review cards (and learning steps of a day or more);
Again is a fail. Periods of 24 hours back from the next day start. Young: interval under 21 days.</p>
<div class=wide><table><thead><tr><th></th><th>all</th><th>young</th><th>mature</th></tr></thead>
<tbody>{_retention_rows(stats.periods)}</tbody></table></div>
<p>Per day, last 30 days:</p>
{bar_chart(daily, [day(d.day) for d in stats.daily], 1.0, "%", "#2da44e")}
<h2>Forecast</h2>
<p>{count(cards, "card")} due in the next 30 days, about {count(round(minutes), "minute")}.</p>
{bar_chart(forecast, [day(f.day) for f in stats.forecast], max(forecast, default=0) or 1, "card", "#0969da")}
<h2>Cards by state (every exam version)</h2>
<div class=wide><table><thead><tr><th></th>{head}</tr></thead><tbody>{"".join(states)}</tbody></table></div>
<h2>Per task statement</h2>
<div class=wide><table><thead><tr><th></th>{_th("true retention", "retent.")}{_th("recall in 30 days", "recall 30d")}
{_th("cards ≥90%", "≥90%")}{head}</tr></thead>
<tbody>{"".join(tasks)}</tbody></table></div>
<h2>Memory model calibration</h2>
<ul>{calibration}</ul>
{f"<h2>Labs completed</h2><ul>{labs}</ul>" if labs else ""}
</body></html>
"""


def write_report(
    decks: Path | None, home: Path, settings: Settings, now: datetime, out: Path, evaluate: bool = False
) -> Path:
    """Compute the stats (Anki's Evaluate too when `evaluate`) and write them to `out` as HTML; returns the path
    written."""
    html = render_report(load_stats(decks, home, settings, now, evaluate))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out
