"""How a revision's text is stored: a compressed full copy, or a delta against its parent.

Owns the ``storage``/``content`` pair of a revision row: ``pack`` chooses and
builds it, ``unpack`` reverses it exactly, ``sha256`` is the checksum stored
beside it. A full copy (a keyframe) is kept every ``KEYFRAME_EVERY`` revisions
of a chain, so rebuilding a text never needs more than ``KEYFRAME_EVERY - 1``
deltas.

The delta is diff-match-patch's ``diff_toDelta`` text, zlib-compressed. Its
lengths count UTF-16 code units (as diff-match-patch has since 2020, in every
port); ``unpack`` reads it with the same library, and a test pins the format
with a stored example, so a library upgrade that changed it would fail loudly
rather than rebuild wrong texts.

Pure functions: no Flask, no database. ``wiki.revisions`` walks the chain of
parents and checks each rebuilt text against its stored SHA-256.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Literal

from diff_match_patch import diff_match_patch

__all__ = ["KEYFRAME_EVERY", "pack", "sha256", "unpack"]

KEYFRAME_EVERY = 16
ZLIB_LEVEL = 6
# The delta is exact whatever the diff's quality; a timeout only makes a big
# rewrite's delta larger, and keeps saves of big texts fast.
DIFF_TIMEOUT_SECONDS = 0.2

Storage = Literal["full", "delta"]


def sha256(text: str) -> str:
    """Return the hex SHA-256 digest of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack(text: str, parent_text: str | None, chain_length: int) -> tuple[Storage, bytes]:
    """Encode ``text`` for storage, as a delta against ``parent_text`` when that is smaller.

    ``chain_length`` is the number of deltas since the last full copy in the
    parent's chain (0 when the parent is itself a full copy). A full copy is
    made when there is no parent or the chain has reached ``KEYFRAME_EVERY - 1``.

    :raises ValueError: ``text`` or ``parent_text`` is not valid Unicode (a lone surrogate).
    """
    full = zlib.compress(text.encode("utf-8"), ZLIB_LEVEL)
    if parent_text is None or chain_length >= KEYFRAME_EVERY - 1:
        return "full", full
    dmp = diff_match_patch()
    dmp.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    delta = dmp.diff_toDelta(dmp.diff_main(parent_text, text))
    packed = zlib.compress(delta.encode("utf-8"), ZLIB_LEVEL)
    if len(packed) >= len(full):
        return "full", full
    return "delta", packed


def unpack(storage: str, content: bytes, parent_text: str | None) -> str:
    """Rebuild the text that ``pack`` encoded as ``storage`` and ``content``.

    :raises ValueError: ``content`` is corrupt, ``storage`` is unknown, or a
        delta has no ``parent_text`` (or not the one it was made against, when
        the lengths disagree).
    """
    try:
        raw = zlib.decompress(content)
    except zlib.error as exc:
        raise ValueError(f"corrupt {storage} content: {exc}") from exc
    # UnicodeDecodeError is a ValueError: corrupt bytes raise as promised.
    decoded = raw.decode("utf-8")
    if storage == "full":
        return decoded
    if storage != "delta":
        raise ValueError(f"unknown storage {storage!r}")
    if parent_text is None:
        raise ValueError("a delta needs its parent's text")
    dmp = diff_match_patch()
    try:
        diffs = dmp.diff_fromDelta(parent_text, decoded)
    except (IndexError, TypeError) as exc:  # defensive: odd tokens in a corrupt delta
        raise ValueError(f"corrupt delta: {exc}") from exc
    return dmp.diff_text2(diffs)
