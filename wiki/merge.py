"""Three-way merge of concurrent edits, line by line, as diff3 does it.

Owns ``three_way``: given the text an editor started from (base), their text
(ours) and what was saved meanwhile (theirs), combine both changes or refuse.
It refuses (``MergeConflict``) whenever both sides changed the same or adjacent
base lines differently, or inserted different lines at the same place: a merge
that could drop or garble either side's change is a conflict. It never uses
diff-match-patch's ``patch_apply``, whose fuzzy placement turns "5 mg" vs
"10 mg" vs "2.5 mg" into "2.10 mg" and calls it a success.

Pure functions: no Flask, no database. Called by ``wiki.revisions`` (save,
undo), which turns ``MergeConflict`` into ``EditConflict``.
"""

from __future__ import annotations

from dataclasses import dataclass

from diff_match_patch import diff_match_patch

__all__ = ["ConflictRegion", "MergeConflict", "three_way"]

# A non-minimal line diff (after a timeout) is still a correct diff: at worst
# it makes more conflicts, never a wrong merge. This bounds the save path.
DIFF_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class ConflictRegion:
    """One place where both sides changed the same or adjacent lines.

    ``base_start`` is the 0-based index of the first base line of the region;
    ``base``, ``ours`` and ``theirs`` are that region's lines in each text,
    each with its own line ending.
    """

    base_start: int
    base: list[str]
    ours: list[str]
    theirs: list[str]


class MergeConflict(Exception):
    """Both sides changed the same or adjacent lines; ``regions`` says where.

    ``partial`` is the merge with every clean change applied and, in each
    conflicting region, ``theirs`` kept: what could be done, for a person to
    finish by hand (never saved as a merge result).
    """

    def __init__(self, message: str, regions: list[ConflictRegion] | None = None,
                 partial: str | None = None) -> None:
        super().__init__(message)
        self.regions: list[ConflictRegion] = regions or []
        self.partial = partial


@dataclass
class _Hunk:
    """Replace base lines ``[start, end)`` with ``lines`` (``start == end``: an insertion)."""

    start: int
    end: int
    lines: list[str]
    side: int  # 0 = ours, 1 = theirs


def three_way(base: str, ours: str, theirs: str) -> str:
    """Merge the changes ``ours`` and ``theirs`` each made to ``base``.

    Lines end at ``\\n`` and keep their endings (``\\r\\n`` survives as it is).
    A change to whether the text ends with a newline merges like any other.

    :raises MergeConflict: both sides changed the same or adjacent base lines
        differently, or inserted different lines at the same place.
    """
    terminator = _terminator(base or ours or theirs)
    base_lines, base_nl = _lines(base, terminator)
    ours_lines, ours_nl = _lines(ours, terminator)
    theirs_lines, theirs_nl = _lines(theirs, terminator)

    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    hunks = _hunks(dmp, base_lines, ours_lines, 0) + _hunks(dmp, base_lines, theirs_lines, 1)
    # Sort by start; at one start, an insertion (empty range) goes first so it
    # lands before a replacement of the line it precedes.
    hunks.sort(key=lambda h: (h.start, h.end, h.side))

    out: list[str] = []
    regions: list[ConflictRegion] = []
    position = 0  # next base line not yet copied
    i = 0
    while i < len(hunks):
        cluster = [hunks[i]]
        end = hunks[i].end
        i += 1
        # A hunk joins the cluster if it overlaps it or touches its edge (start
        # == end): adjacent changes conflict, as in diff3, since a change to
        # one line can depend on the line beside it.
        while i < len(hunks) and hunks[i].start <= end:
            cluster.append(hunks[i])
            end = max(end, hunks[i].end)
            i += 1
        start = cluster[0].start
        out.extend(base_lines[position:start])
        position = end
        sides = {h.side for h in cluster}
        if len(sides) == 1:
            out.extend(_apply(base_lines, start, end, cluster))
            continue
        mine = _apply(base_lines, start, end, [h for h in cluster if h.side == 0])
        other = _apply(base_lines, start, end, [h for h in cluster if h.side == 1])
        if mine == other:
            out.extend(mine)  # the same change made twice: take it once
            continue
        at_end = end == len(base_lines)
        regions.append(
            ConflictRegion(
                base_start=start,
                base=_strip_virtual(base_lines[start:end], at_end and not base_nl, terminator),
                ours=_strip_virtual(mine, at_end and not ours_nl, terminator),
                theirs=_strip_virtual(other, at_end and not theirs_nl, terminator),
            )
        )
        out.extend(other)  # for ``partial`` only: a conflict is never returned as a result
    out.extend(base_lines[position:])

    # Whether the result ends with a newline is itself merged three ways.
    ends_with_newline = theirs_nl if ours_nl == base_nl else ours_nl
    merged = "".join(out)
    if not ends_with_newline and merged:
        merged = merged.removesuffix(terminator) if merged.endswith(terminator) else merged[:-1]
    if regions:
        raise MergeConflict(f"{len(regions)} conflicting region(s)", regions, partial=merged)
    return merged


def _terminator(sample: str) -> str:
    """The line ending to add to a last line that has none: the text's own style."""
    return "\r\n" if "\r\n" in sample else "\n"


def _lines(text: str, terminator: str) -> tuple[list[str], bool]:
    """Split ``text`` into lines that all end with ``\\n``, and say whether it had a final newline.

    A missing final newline is supplied (and taken away again after the merge),
    so that appending a line to such a text is an insertion after its last line
    rather than a change to it, which would conflict with edits beside it.
    """
    if not text:
        return [], True
    has_newline = text.endswith("\n")
    if not has_newline:
        text += terminator
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]], has_newline


def _hunks(dmp: diff_match_patch, base_lines: list[str], other_lines: list[str], side: int) -> list[_Hunk]:
    """The changes from ``base_lines`` to ``other_lines``, as hunks over base line ranges."""
    joined_base = "".join(base_lines)
    joined_other = "".join(other_lines)
    chars_base, chars_other, table = dmp.diff_linesToChars(joined_base, joined_other)
    if len(chars_base) != len(base_lines) or len(chars_other) != len(other_lines):
        # diff_linesToChars folds the rest of a text into one "line" past
        # ~666,000 distinct lines; refusing is the safe answer there.
        raise MergeConflict("too many distinct lines to merge")
    diffs = dmp.diff_main(chars_base, chars_other, False)

    hunks: list[_Hunk] = []
    base_at = 0
    pending: _Hunk | None = None
    for op, chars in diffs:
        if op == dmp.DIFF_EQUAL:
            if pending is not None:
                hunks.append(pending)
                pending = None
            base_at += len(chars)
            continue
        if pending is None:
            pending = _Hunk(base_at, base_at, [], side)
        if op == dmp.DIFF_DELETE:
            base_at += len(chars)
            pending.end = base_at
        else:
            pending.lines.extend(table[ord(c)] for c in chars)
    if pending is not None:
        hunks.append(pending)
    return hunks


def _apply(base_lines: list[str], start: int, end: int, hunks: list[_Hunk]) -> list[str]:
    """Base lines ``[start, end)`` with ``hunks`` (one side's, sorted, inside the range) applied."""
    out: list[str] = []
    at = start
    for hunk in hunks:
        out.extend(base_lines[at : hunk.start])
        out.extend(hunk.lines)
        at = hunk.end
    out.extend(base_lines[at:end])
    return out


def _strip_virtual(lines: list[str], strip: bool, terminator: str) -> list[str]:
    """``lines`` without the line ending supplied to a text's last line, for display."""
    if not strip or not lines:
        return list(lines)
    last = lines[-1]
    last = last.removesuffix(terminator) if last.endswith(terminator) else last[:-1]
    return [*lines[:-1], last] if last else list(lines[:-1])
