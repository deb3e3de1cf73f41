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

    With ``highlight`` (the review queue passes the dose pattern), a change
    that touches a match is widened to the whole match and the match is
    ``<mark>``ed: "200 mg" → "2000 mg" reads as that, not as "200" → "2000".
    """
    ops = diffing.word_diff(old, new)
    if highlight is not None:
        ops = widen_to_matches(ops, highlight)
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


def widen_to_matches(ops: list[diffing.Op], pattern: re.Pattern[str]) -> list[diffing.Op]:
    """Turn unchanged text inside a ``pattern`` match that a change touches into deleted + inserted text.

    A match counts on the old side when it overlaps deleted text, on the new
    side when it overlaps inserted text. Runs of changes are then regrouped as
    one deletion followed by one insertion. The texts the ops rebuild stay the same.
    """
    old, new = diffing.source_texts(ops)
    deleted, inserted, a, b = [], [], 0, 0
    for op, text in ops:
        if op < 0:
            deleted.append((a, a + len(text)))
        elif op > 0:
            inserted.append((b, b + len(text)))
        a += len(text) if op <= 0 else 0
        b += len(text) if op >= 0 else 0
    old_spans = _touched(old, pattern, deleted)
    new_spans = _touched(new, pattern, inserted)
    if not old_spans and not new_spans:
        return ops
    out: list[diffing.Op] = []
    a = b = 0
    for op, text in ops:
        if op != 0:
            out.append((op, text))
            a += len(text) if op < 0 else 0
            b += len(text) if op > 0 else 0
            continue
        covered = sorted(_local(old_spans, a, len(text)) + _local(new_spans, b, len(text)))
        at = 0
        for start, end in covered:
            start = max(start, at)
            if end <= start:
                continue
            if start > at:
                out.append((0, text[at:start]))
            out += [(-1, text[start:end]), (1, text[start:end])]
            at = end
        if at < len(text):
            out.append((0, text[at:]))
        a += len(text)
        b += len(text)
    return _regroup(out)


def _local(spans: list[tuple[int, int]], start: int, length: int) -> list[tuple[int, int]]:
    """``spans`` clipped to ``start``..``start + length``, relative to ``start``."""
    return [(max(s, start) - start, min(e, start + length) - start) for s, e in spans
            if s < start + length and e > start]


def _touched(text: str, pattern: re.Pattern[str], changed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text)
            if m.end() > m.start() and any(s < m.end() and m.start() < e for s, e in changed)]


def _regroup(ops: list[diffing.Op]) -> list[diffing.Op]:
    """Each run of changes as one deletion then one insertion; neighbouring unchanged text joined."""
    out: list[diffing.Op] = []
    gone: list[str] = []
    came: list[str] = []

    def flush() -> None:
        if gone:
            out.append((-1, "".join(gone)))
        if came:
            out.append((1, "".join(came)))
        gone.clear()
        came.clear()

    for op, text in ops:
        if op < 0:
            gone.append(text)
        elif op > 0:
            came.append(text)
        else:
            flush()
            if out and out[-1][0] == 0:
                out[-1] = (0, out[-1][1] + text)
            else:
                out.append((0, text))
    flush()
    return out


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
