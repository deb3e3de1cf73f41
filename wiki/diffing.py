"""Diffs for display: word-level ops, line mode for big texts, and their HTML.

Owns how two revisions' texts are compared for people: ``word_diff`` (what the
diff page and the API's ``ops`` show), ``line_diff``, ``side_by_side`` rows,
``ops_to_html`` and ``stats``. Ops are diff-match-patch's ``(op, text)`` pairs:
-1 deleted, 0 kept, 1 inserted; concatenating the kept and deleted texts gives
back the old text exactly, kept and inserted the new one.

Pure functions on diff-match-patch: no Flask, no database. Nothing here decides
whether a merge is safe (``wiki.merge`` does) or how text is stored
(``wiki.textstore``). Every piece of text that reaches HTML is escaped here.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

__all__ = ["Op", "Row", "line_diff", "ops_to_html", "side_by_side", "source_texts", "stats", "word_diff"]

Op = tuple[int, str]

DELETE, EQUAL, INSERT = -1, 0, 1

# Past this many characters on either side, diff by lines first and by words
# only inside the lines that changed: word mode on whole large texts is slow.
LARGE_TEXT = 50_000
# Each distinct token is stood for by one character, and chr() stops at
# 0x10FFFF; beyond that, fall back to line mode. (JavaScript ports stop at
# 65,535; Python strings hold every code point, surrogates included.)
MAX_TOKENS = 0x10FFFF
# A display diff that times out is still exact, only coarser: it bounds how
# long a diff page can take on pathological texts.
DIFF_TIMEOUT_SECONDS = 0.5

# Numbers with decimal or thousands separators ("2.5", "1,000") as one token,
# so that "5 mg" -> "2.5 mg" shows the whole dose replaced rather than "2."
# inserted before the 5; then words (letter, digit and underscore runs), runs
# of whitespace, or any other single character (punctuation, symbols, emoji).
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+|\s+|.", re.DOTALL)
_WORD_START = re.compile(r"\w")
# Paragraphs are separated by one or more blank (or whitespace-only) lines.
_PARAGRAPH_BREAK = re.compile(r"\r?\n(?:[ \t]*\r?\n)+")
_ZWJ = "\u200d"
_LAST_NON_JOINING = "\u02ff"  # combining marks start at U+0300


@dataclass(frozen=True)
class Row:
    """One row of a side-by-side diff: a paragraph of each text, as escaped HTML."""

    left_html: str
    right_html: str
    kind: Literal["same", "changed", "added", "removed"]


def _dmp() -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    return dmp


def word_diff(a: str, b: str) -> list[Op]:
    """Diff ``a`` to ``b`` word by word, cleaned up to read like a person's edit.

    Texts over ``LARGE_TEXT`` characters are diffed by lines first, and by words
    only inside the runs of lines that changed.
    """
    if len(a) > LARGE_TEXT or len(b) > LARGE_TEXT:
        return _large_word_diff(a, b)
    return _small_word_diff(a, b)


def line_diff(a: str, b: str) -> list[Op]:
    """Diff ``a`` to ``b`` line by line: every op's text is whole lines (``\\n`` ends a line)."""
    dmp = _dmp()
    chars_a, chars_b, table = dmp.diff_linesToChars(a, b)
    diffs = dmp.diff_main(chars_a, chars_b, False)
    # Cleaning up while each line is still one character removes freak matches
    # (a blank line kept between two rewritten paragraphs) without ever
    # splitting a line.
    dmp.diff_cleanupSemantic(diffs)
    dmp.diff_charsToLines(diffs, table)
    return _coalesce(diffs)


def source_texts(ops: Iterable[Op]) -> tuple[str, str]:
    """Rebuild the old and the new text from ``ops``."""
    old: list[str] = []
    new: list[str] = []
    for op, text in ops:
        if op <= EQUAL:
            old.append(text)
        if op >= EQUAL:
            new.append(text)
    return "".join(old), "".join(new)


def ops_to_html(ops: Iterable[Op], *, highlight: re.Pattern[str] | None = None) -> str:
    """Render ``ops`` as an inline diff: ``<del class="diff-del">``, ``<ins class="diff-ins">``.

    All text is escaped and newlines are kept, so the caller wraps the result in
    an element with ``white-space: pre-wrap``. Matches of ``highlight`` inside
    deleted or inserted text are wrapped in ``<mark class="diff-mark">``.
    """
    parts: list[str] = []
    for op, text in ops:
        if not text:
            continue
        if op == EQUAL:
            parts.append(_escape(text))
            continue
        tag = "del" if op == DELETE else "ins"
        body = _escape(text) if highlight is None else _marked(text, highlight)
        parts.append(f'<{tag} class="diff-{tag}">{body}</{tag}>')
    return "".join(parts)


def side_by_side(a: str, b: str) -> list[Row]:
    """Align ``a`` and ``b`` paragraph by paragraph; changed pairs show a word diff on each side."""
    paragraphs_a = _paragraphs(a)
    paragraphs_b = _paragraphs(b)
    encoded = _encode(paragraphs_a, paragraphs_b)
    if encoded is None:  # more distinct paragraphs than characters: one block each
        paragraphs_a, paragraphs_b = [a] if a else [], [b] if b else []
        encoded = _encode(paragraphs_a, paragraphs_b)
        assert encoded is not None
    chars_a, chars_b, table = encoded
    # No cleanup here: at this level one character is a whole paragraph, and
    # cleanupSemantic would turn an unchanged paragraph between two changes
    # into a "changed" one.
    diffs = _dmp().diff_main(chars_a, chars_b, False)

    rows: list[Row] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        for old, new in zip(removed, added, strict=False):
            ops = word_diff(old, new)
            rows.append(
                Row(
                    left_html=ops_to_html(op for op in ops if op[0] <= EQUAL),
                    right_html=ops_to_html(op for op in ops if op[0] >= EQUAL),
                    kind="changed",
                )
            )
        rows.extend(Row(_escape(old), "", "removed") for old in removed[len(added) :])
        rows.extend(Row("", _escape(new), "added") for new in added[len(removed) :])
        removed.clear()
        added.clear()

    for op, chars in diffs:
        paragraphs = [table[ord(c)] for c in chars]
        if op == DELETE:
            removed.extend(paragraphs)
        elif op == INSERT:
            added.extend(paragraphs)
        else:
            flush()
            rows.extend(Row(_escape(p), _escape(p), "same") for p in paragraphs)
    flush()
    return rows


def stats(ops: Iterable[Op]) -> tuple[int, int]:
    """Count the characters inserted and deleted by ``ops``, in that order."""
    inserted = deleted = 0
    for op, text in ops:
        if op == INSERT:
            inserted += len(text)
        elif op == DELETE:
            deleted += len(text)
    return inserted, deleted


def _small_word_diff(a: str, b: str) -> list[Op]:
    if a == b:
        return [(EQUAL, a)] if a else []
    tokens_a, tokens_b = _tokens(a), _tokens(b)
    encoded = _encode(tokens_a, tokens_b)
    if encoded is None:
        return line_diff(a, b)
    chars_a, chars_b, table = encoded
    dmp = _dmp()
    # checklines=False: the encoded strings are not text, and line mode would
    # split them wherever a token happened to get the number 10.
    diffs = dmp.diff_main(chars_a, chars_b, False)
    dmp.diff_charsToLines(diffs, table)  # maps each character back to its token
    dmp.diff_cleanupSemantic(diffs)
    return _snap_to_tokens(diffs, _bounds(tokens_a), _bounds(tokens_b))


def _large_word_diff(a: str, b: str) -> list[Op]:
    ops: list[Op] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        old, new = "".join(removed), "".join(added)
        if old and new:
            # A run can itself be large (a text without line breaks): the
            # word diff's time limit bounds it, and the result stays exact.
            ops.extend(_small_word_diff(old, new))
        else:
            ops.extend(op for op in ((DELETE, old), (INSERT, new)) if op[1])
        removed.clear()
        added.clear()

    for op, text in line_diff(a, b):
        if op == DELETE:
            removed.append(text)
        elif op == INSERT:
            added.append(text)
        else:
            flush()
            ops.append((EQUAL, text))
    flush()
    return _coalesce(ops)


def _tokens(text: str) -> list[str]:
    """Split ``text`` into words, whitespace runs and single other characters.

    A combining mark, emoji modifier or zero-width joiner stays with the
    character before it, so a diff never separates an accent from its letter.
    """
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        # Every joining character is past U+02FF: plain ASCII text skips the checks.
        if (
            tokens
            and (token[0] > _LAST_NON_JOINING or tokens[-1][-1] > _LAST_NON_JOINING)
            and (
                _joins_previous(token[0])
                or tokens[-1][-1] == _ZWJ
                or (
                    _WORD_START.match(token)
                    and _WORD_START.match(tokens[-1])
                    and _joins_previous(tokens[-1][-1])
                )
            )
        ):
            tokens[-1] += token
        else:
            tokens.append(token)
    return tokens


def _bounds(tokens: Iterable[str]) -> set[int]:
    """The offsets at which ``tokens`` start, and the end of their text."""
    bounds = {0}
    at = 0
    for token in tokens:
        at += len(token)
        bounds.add(at)
    return bounds


def _snap_to_tokens(ops: Sequence[Op], bounds_a: set[int], bounds_b: set[int]) -> list[Op]:
    """Widen each change to whole tokens of both texts.

    ``diff_cleanupSemantic`` works on characters: when it joins two word changes
    it factors out their common prefix and suffix ("caf" of "cafe" and "café"),
    which would show a change inside a word. Kept text at a change's edge that
    is not a whole token in both texts becomes part of the change again.
    """
    pieces: list[list[Op]] = []  # alternating: [equal] or [changes...]
    at_a = at_b = 0
    for op, text in ops:
        if op == EQUAL:
            pieces.append([(EQUAL, text)])
        elif pieces and pieces[-1][0][0] != EQUAL:
            pieces[-1].append((op, text))
        else:
            pieces.append([(op, text)])
    out: list[Op] = []
    for index, piece in enumerate(pieces):
        kind, text = piece[0]
        if kind != EQUAL:
            out.extend(piece)
            at_a += sum(len(changed) for op, changed in piece if op == DELETE)
            at_b += sum(len(changed) for op, changed in piece if op == INSERT)
            continue
        size = len(text)
        head, tail = 0, size
        if index > 0:  # a change before: the kept text must start on a boundary
            while head < size and not (at_a + head in bounds_a and at_b + head in bounds_b):
                head += 1
        if index < len(pieces) - 1:  # a change after: it must end on one
            while tail > head and not (at_a + tail in bounds_a and at_b + tail in bounds_b):
                tail -= 1
        if head:
            out.extend(((DELETE, text[:head]), (INSERT, text[:head])))
        if tail > head:
            out.append((EQUAL, text[head:tail]))
        if tail < size:
            out.extend(((DELETE, text[tail:]), (INSERT, text[tail:])))
        at_a += size
        at_b += size
    return _group_changes(out)


def _group_changes(ops: Iterable[Op]) -> list[Op]:
    """Join each run of changes into one deletion then one insertion."""
    out: list[Op] = []
    deleted: list[str] = []
    inserted: list[str] = []

    def flush() -> None:
        if deleted:
            out.append((DELETE, "".join(deleted)))
        if inserted:
            out.append((INSERT, "".join(inserted)))
        deleted.clear()
        inserted.clear()

    for op, text in ops:
        if not text:
            continue
        if op == DELETE:
            deleted.append(text)
        elif op == INSERT:
            inserted.append(text)
        else:
            flush()
            if out and out[-1][0] == EQUAL:
                out[-1] = (EQUAL, out[-1][1] + text)
            else:
                out.append((EQUAL, text))
    flush()
    return out


def _joins_previous(char: str) -> bool:
    if char == _ZWJ or "\U0001f3fb" <= char <= "\U0001f3ff":  # ZWJ, skin-tone modifiers
        return True
    return unicodedata.category(char)[0] == "M"


def _encode(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> tuple[str, str, list[str]] | None:
    """Stand for each distinct token by one character, as ``diff_linesToChars`` does for lines.

    Return None when there are more distinct tokens than characters.
    """
    table = [""]  # code 0 is left unused, as diff-match-patch does
    index: dict[str, int] = {}

    def munge(tokens: Sequence[str]) -> str | None:
        chars: list[str] = []
        for token in tokens:
            code = index.get(token)
            if code is None:
                if len(table) > MAX_TOKENS:
                    return None
                code = index[token] = len(table)
                table.append(token)
            chars.append(chr(code))
        return "".join(chars)

    chars_a = munge(tokens_a)
    chars_b = munge(tokens_b) if chars_a is not None else None
    if chars_a is None or chars_b is None:
        return None
    return chars_a, chars_b, table


def _coalesce(ops: Iterable[Op]) -> list[Op]:
    """Drop empty ops and join neighbours of the same kind."""
    out: list[Op] = []
    for op, text in ops:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))
    return out


def _paragraphs(text: str) -> list[str]:
    """Split ``text`` into its blank-line separated paragraphs (separators dropped)."""
    return [p.strip("\r\n") for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _marked(text: str, highlight: re.Pattern[str]) -> str:
    parts: list[str] = []
    at = 0
    for match in highlight.finditer(text):
        if match.end() == match.start():
            continue
        parts.append(_escape(text[at : match.start()]))
        parts.append(f'<mark class="diff-mark">{_escape(match.group())}</mark>')
        at = match.end()
    parts.append(_escape(text[at:]))
    return "".join(parts)
