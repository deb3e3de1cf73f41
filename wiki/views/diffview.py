"""Diffs as the pages show them: ``wiki.diffing``'s output with long unchanged stretches folded away.

A whole article around a one-word change hides the change, so, as on
Wikipedia, only a little unchanged context is kept beside each change and the
rest becomes "N unchanged lines". Presentation only: the ops and rows come
from ``wiki.diffing``, which escapes every piece of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wiki import diffing

CONTEXT_LINES = 2  # unchanged lines kept on each side of a change (inline view)
CONTEXT_ROWS = 1  # unchanged paragraphs kept on each side of a change (side-by-side view)
MIN_FOLD = 3  # never fold fewer lines or paragraphs than this


@dataclass(frozen=True)
class Segment:
    """A piece of an inline diff: escaped HTML, or a fold of ``hidden`` unchanged lines."""

    html: str = ""
    hidden: int = 0


@dataclass(frozen=True)
class Fold:
    """``hidden`` unchanged paragraphs left out of a side-by-side diff."""

    hidden: int
    kind: str = "fold"


def inline(
    old: str, new: str, *, context: int = CONTEXT_LINES, highlight: re.Pattern[str] | None = None
) -> list[Segment]:
    """The word diff of ``old`` → ``new`` as segments, unchanged runs folded to ``context`` lines.

    Matches of ``highlight`` inside changed text are ``<mark>``ed (the review queue marks doses).
    """
    ops = diffing.word_diff(old, new)
    segments: list[Segment] = []
    current: list[diffing.Op] = []
    last = len(ops) - 1
    for index, (op, text) in enumerate(ops):
        if op != 0:
            current.append((op, text))
            continue
        lines = text.split("\n")
        # The first piece finishes the line of the change before; the last starts the line of the next.
        head = context + 1 if index > 0 else 0
        tail = context + 1 if index < last else 0
        hidden = len(lines) - head - tail
        if hidden < MIN_FOLD:
            current.append((op, text))
            continue
        if head:
            current.append((op, "\n".join(lines[:head])))
        if current:
            segments.append(Segment(html=diffing.ops_to_html(current, highlight=highlight)))
        segments.append(Segment(hidden=hidden))
        current = [(op, "\n".join(lines[len(lines) - tail:]))] if tail else []
    if current:
        segments.append(Segment(html=diffing.ops_to_html(current, highlight=highlight)))
    return segments


def side_by_side(old: str, new: str, *, context: int = CONTEXT_ROWS) -> list[diffing.Row | Fold]:
    """``diffing.side_by_side`` rows with runs of unchanged paragraphs folded to ``context`` rows."""
    rows = diffing.side_by_side(old, new)
    out: list[diffing.Row | Fold] = []
    start = 0
    while start < len(rows):
        if rows[start].kind != "same":
            out.append(rows[start])
            start += 1
            continue
        end = start
        while end < len(rows) and rows[end].kind == "same":
            end += 1
        head = context if start > 0 else 0
        tail = context if end < len(rows) else 0
        if end - start - head - tail >= MIN_FOLD:
            out.extend(rows[start:start + head])
            out.append(Fold(hidden=end - start - head - tail))
            out.extend(rows[end - tail:end])
        else:
            out.extend(rows[start:end])
        start = end
    return out
