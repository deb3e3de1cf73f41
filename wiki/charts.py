"""Charts drawn on the server as inline SVG: the Corrections page's weekly bars.

The SVG is plain markup: no scripts, no ``style`` attributes (the Content
Security Policy forbids inline styles; SVG presentation attributes such as
``fill`` and ``stroke`` are not styles and are allowed). Every piece of text
is escaped. Each chart is an accessible image: ``role="img"`` named by its
``<title>`` and described by a ``<desc>`` that lists every week's value, and
each bar carries a ``<title>`` tooltip. No Flask imports, no queries.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

WIDTH, HEIGHT, EMPTY_HEIGHT = 640, 300, 80
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 24, 56
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
# NHS.UK palette: text #212b32 on white; bars #005eb8 (5.9:1, well over the 3:1 graphics need).
TEXT, AXIS, GRID, BAR = "#212b32", "#4c6272", "#d8dde0", "#005eb8"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID_CHARS = re.compile(r"[^a-z0-9]+")
_COUNT_STEPS = tuple(m * 10**e for e in range(0, 9) for m in (1, 2, 5))
_DURATION_STEPS = (
    1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600,
    86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 182 * 86400, 364 * 86400,
)


def _text(value: object) -> str:
    """``value`` as XML text: characters XML cannot hold dropped, markup escaped (quotes too)."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def format_duration(seconds: float) -> str:
    """A duration in words a reader takes in at a glance: "45 s", "12 min", "2 h 5 min", "3.5 days"."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{round(seconds)} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds / 86400:.1f} days"


def format_count(value: float) -> str:
    """A count, as a whole number."""
    return f"{round(value):,}"


def format_week(start: date | datetime | str) -> str:
    """A week's label from its Monday: "4 Mar 2024"."""
    if isinstance(start, str):
        start = date.fromisoformat(start[:10])
    return f"{start.day} {start:%b %Y}"


def _short_week(start: date | datetime | str) -> str:
    if isinstance(start, str):
        start = date.fromisoformat(start[:10])
    return f"{start.day} {start:%b}"


def _nice_max(top: float, steps: Sequence[float], most_ticks: int = 5) -> tuple[float, float]:
    """An axis maximum at or above ``top`` and the tick step: the smallest listed step giving few ticks."""
    for step in steps:
        ticks = -(-top // step)  # ceiling division
        if ticks <= most_ticks:
            return max(ticks, 1) * step, step
    step = steps[-1] * -(-top // (steps[-1] * most_ticks))
    return -(-top // step) * step, step


def weekly_bar_chart(
    weeks: Sequence[Mapping[str, Any]],
    *,
    value_key: str,
    title: str,
    y_label: str | None = None,
    empty_message: str = "No corrections yet",
    format_value: Callable[[float], str] | None = None,
    chart_id: str | None = None,
) -> Markup:
    """Draw one bar per week of ``weeks[i][value_key]`` as an accessible inline SVG.

    ``weeks`` are ``stats.summarize``'s entries (each with ``week_start``).
    Values under keys naming ``seconds`` read as durations, others as
    counts, unless ``format_value`` says otherwise; a None value draws no bar.
    With no non-zero value at all the chart says ``empty_message`` instead.
    ``chart_id`` (default from ``value_key``) prefixes the element ids, so
    give each chart on a page its own. Returns ``Markup``: every text in it
    is already escaped, so templates output it as is.
    """
    is_duration = "seconds" in value_key.split("_")  # median_seconds_to_review and the like
    fmt = format_value or (format_duration if is_duration else format_count)
    steps = _DURATION_STEPS if is_duration else _COUNT_STEPS
    ident = "chart-" + (_ID_CHARS.sub("-", (chart_id or value_key).lower()).strip("-") or "weekly")
    values: list[float | None] = [
        None if week.get(value_key) is None else float(week[value_key]) for week in weeks
    ]
    present = [v for v in values if v is not None]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def opening(height: int) -> list[str]:
        return [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
            f'role="img" aria-labelledby="{ident}-title {ident}-desc" font-family="{_text(FONT)}" '
            f'font-size="13" fill="{TEXT}">',
            f'<title id="{ident}-title">{_text(title)}</title>',
        ]

    if not any(present):  # a short box with the message: no empty axes to puzzle over
        parts = opening(EMPTY_HEIGHT)
        parts.append(f'<desc id="{ident}-desc">{_text(empty_message)}</desc>')
        parts.append(f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="{EMPTY_HEIGHT - 1}" fill="none" '
                     f'stroke="{GRID}"/>')
        parts.append(f'<text x="{WIDTH / 2:g}" y="{EMPTY_HEIGHT / 2:g}" text-anchor="middle" '
                     f'dominant-baseline="middle" font-size="16">{_text(empty_message)}</text>')
        parts.append("</svg>")
        return Markup("".join(parts))  # noqa: S704 -- every text went through _text()

    parts = opening(HEIGHT)
    top, step = _nice_max(max(present), steps)
    listing = "; ".join(
        f"week of {format_week(week['week_start'])}: {'no data' if value is None else fmt(value)}"
        for week, value in zip(weeks, values, strict=True)
    )
    parts.append(f'<desc id="{ident}-desc">{_text(f"{title}, one bar per week. {listing}.")}</desc>')

    def y_of(value: float) -> float:
        return TOP + plot_h - (value / top) * plot_h

    # Grid lines and value labels on the y axis.
    tick = 0.0
    while tick <= top + step / 2:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle" '
                     f'font-size="12">{_text(fmt(tick))}</text>')
        tick += step
    parts.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" font-size="12" '
                 f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{_text(y_label or title)}</text>')

    slot = plot_w / max(len(weeks), 1)
    bar_w = slot * 0.7
    label_every = max(1, -(-len(weeks) // 12))  # at most about twelve week labels
    for index, (week, value) in enumerate(zip(weeks, values, strict=True)):
        x = LEFT + index * slot + (slot - bar_w) / 2
        tooltip = f"Week of {format_week(week['week_start'])}: {'no data' if value is None else fmt(value)}"
        if value is not None:
            y = y_of(value)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{TOP + plot_h - y:.1f}" '
                         f'fill="{BAR}"><title>{_text(tooltip)}</title></rect>')
        if index % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" '
                         f'font-size="12">{_text(_short_week(week["week_start"]))}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
                 f'stroke="{AXIS}"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{AXIS}"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                 f'font-size="12">Week starting (Monday, UTC)</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text went through _text()
