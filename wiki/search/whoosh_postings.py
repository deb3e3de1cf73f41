"""Reading a Whoosh index's segments directly, where Whoosh's own way costs a call per posting.

Whoosh 2.7 (no release since 2016; its file format will not change) reads a
posting list through a tree of matcher objects, a method call per posting.
The functions here read the W3 codec's structures themselves: a posting
block's ids and weights as arrays, its position lists all at once, a field's
length column as bytes.
Each checks the layout it expects and returns None (or falls back to
Whoosh's own reading) where it finds another, and the tests compare every
one with Whoosh's own answers on indexes of one and several segments.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import pickle
import sys
import zlib
from array import array
from operator import attrgetter, itemgetter

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.columns import NumericColumn
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

UINT32 = next(code for code in "IL" if array(code).itemsize == 4)  # array type of docnums


# The field length Whoosh's BM25F sees for each length byte of a length column:
# a document without the field (byte 0) counts as length 1.
LENGTH_OF_BYTE = [1] + [byte_to_length(b) for b in range(1, 256)]


def bare(matcher):
    """Return a segment's posting matcher without the wrapper that skips its deleted documents.

    The wrapper costs a method call per posting and hides the block reads;
    callers here leave deleted documents out themselves.
    """
    if isinstance(matcher, FilterMatcher) and matcher._exclude:  # what ExcludeMatcher() makes
        return matcher.child
    return matcher


def read_postings(reader, fieldname: str, text: str) -> tuple[array, array]:
    """Return the docnums and weights of a term's posting list in one segment, a block at a time where Whoosh allows."""
    ids, weights, _values = read_postings_values(reader, fieldname, text)
    return ids, weights


def read_postings_values(
    reader, fieldname: str, text: str, with_values: bool = False
) -> tuple[array, array, list[str]]:
    """Return ``read_postings`` and, if asked, each posting's value as latin-1 text (empty list
    otherwise)."""
    ids, weights, values = array(UINT32), array("d"), []
    try:
        matcher = bare(reader.postings(fieldname, text))
    except TermNotFound:
        return ids, weights, values
    if all(hasattr(matcher, name) for name in ("_read_data", "_read_values", "_next_block", "_byteids", "_i")):
        # Whoosh's own all_ids() makes a method call per posting; a block is
        # unpickled whole, its ids as gaps (summed here in C, where Whoosh's
        # _read_ids uses a generator), its weights as _read_weights reads them,
        # and its values come with the same read.
        while matcher.is_active():
            if with_values:
                head = read_block_texts(matcher)
            else:
                head = None if matcher._data is not None else read_block_head(matcher)
            if head is None:
                if matcher._data is None:
                    matcher._read_data()
                head = matcher._data
            start = matcher._i
            gaps, block_weights = head[0], head[1]
            if matcher._byteids:
                ids.extend(gaps[start:])
            else:
                ids.extend(itertools.islice(itertools.accumulate(gaps), start, None))
            if block_weights is None or isinstance(block_weights, float):
                # Whoosh makes these a float32 array of the one weight.
                weight = 1.0 if block_weights is None else array("f", (block_weights,))[0]
                weights.extend(itertools.repeat(weight, matcher._blocklength - start))
            else:
                weights.extend(block_weights[start:])
            if with_values:
                values.extend(block_texts(matcher, head)[start:])
            matcher._next_block()
        return ids, weights, values
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if with_values:
            values.append(matcher.value().decode("latin-1"))
        matcher.next()
    return ids, weights, values


# Where the values of a posting block begin in its pickle: the MARK of a
# tuple, then the GLOBAL protocol 2 pickles bytes with. Neither the ids
# (BININT opcodes at least every 5 bytes) nor the weights (BINFLOAT every 9)
# before it can hold these 17 bytes.
_BLOCK_VALUES = b"(c_codecs\nencode\n"


def _block_bytes(matcher) -> bytes:
    """Return the stored (perhaps compressed) pickle of the matcher's current block."""
    return matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)


def _fits(block: tuple, size: int, count: int) -> bool:
    """Return whether an unpickled block is a tuple of ``size`` whose ids and weights are ``count`` long."""
    if type(block) is not tuple or len(block) != size or len(block[0]) != count:
        return False
    weights = block[1]
    return weights is None or isinstance(weights, float) or len(weights) == count


def read_block_head(matcher) -> tuple | None:
    """Return the (ids as gaps, weights) of a W3 posting block, unpickling (and inflating) only the
    part before its values, or None where the block is not laid out so.

    A block pickles (ids, weights, values); the values (one pickled list of
    positions per posting, each a call to _codecs.encode when unpickled) are
    most of its bytes and of the time Whoosh's _read_data takes.
    """
    raw = _block_bytes(matcher)
    if matcher._compression:
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, 4096)
        while (cut := data.find(_BLOCK_VALUES)) < 0 and inflater.unconsumed_tail:
            data += inflater.decompress(inflater.unconsumed_tail, 4096)
    else:
        data = raw
        cut = data.find(_BLOCK_VALUES)
    if cut < 0:
        return None
    try:
        head = pickle.loads(data[:cut] + b"\x86.")  # noqa: S301 - Whoosh's own index data; TUPLE2, STOP
    except Exception:  # noqa: BLE001 - not the layout expected: Whoosh reads the block itself
        return None
    return head if _fits(head, 2, matcher._blocklength) else None


# The GLOBAL protocol 2 pickles bytes with (each value of a block is a call
# to _codecs.encode(text, "latin1")), and what read_block_texts calls instead.
_ENCODE_GLOBAL = b"c_codecs\nencode\n"
_SLICE_GLOBAL = b"cbuiltins\nslice\n"


def read_block_texts(matcher) -> tuple | None:
    """Return the (ids as gaps, weights, values) of a W3 posting block with each value as a
    ``slice(text, "latin1")`` of its latin-1 text instead of bytes, or None where the block is not
    laid out so.

    Making a slice is cheaper than _codecs.encode (no codec look-up, no bytes
    made), and the positions are decoded from all the texts at once.
    """
    raw = _block_bytes(matcher)
    data = zlib.decompress(raw) if matcher._compression else raw
    # The first one is the values' own (before it, see _BLOCK_VALUES); later
    # values call it through the memo.
    try:
        block = pickle.loads(data.replace(_ENCODE_GLOBAL, _SLICE_GLOBAL, 1))  # noqa: S301 - Whoosh's own index data
    except Exception:  # noqa: BLE001 - not the layout expected: Whoosh reads the block itself
        return None
    count = matcher._blocklength
    if not _fits(block, 3, count):
        return None
    values = block[2]
    if type(values) is not tuple or len(values) != count or {type(value) for value in values} != {slice}:
        return None
    return block


def block_texts(matcher, block: tuple) -> list[str]:
    """Return the values of a block read by ``read_block_texts`` (or Whoosh) as latin-1 text."""
    values = block[2]
    if values and type(values[0]) is slice:
        return list(map(attrgetter("start"), values))
    matcher._read_values()
    return [value.decode("latin-1") for value in matcher._values]


def segment_id(leaf) -> str | None:
    """Return the id of the segment ``leaf`` reads (None if it cannot tell)."""
    segment = getattr(leaf, "segment", None)
    if segment is None:
        return None
    try:
        return segment().segment_id()
    except Exception:  # noqa: BLE001 - a reader of another kind: just do not cache by segment
        return None


def leaf_length_bytes(reader, fieldname: str) -> bytes:
    """Return each document's length byte of ``fieldname`` in one segment (0 when absent)."""
    count = reader.doc_count_all()
    perdoc = getattr(reader, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if (
        isinstance(column, NumericColumn.Reader)
        and column._typecode == "B"
        and hasattr(column._dbfile, "get")
        and not column._reverse
    ):
        # The column is one byte a document, up to the last document that has
        # the field: one read of the bytes rather than a call per document.
        stored = min(column._count, count)
        return column._dbfile.get(column._basepos, stored) + bytes(count - stored)
    if column is not None:
        return bytes(itertools.islice(column, count))
    return bytes(length_to_byte(reader.doc_field_length(docnum, fieldname, 0) or 0) for docnum in range(count))


# A Positions value: a 4-byte count, then the gaps between positions pickled
# (protocol 2) as a fresh list; Whoosh may leave the pickle's final STOP off.
_PICKLED_LIST = "\x80\x02]q\x00"


def position_keys(fmt, values: list[str], docnums: list[int]) -> list[int]:
    """Return ``(docnum << 32) + position`` for every position in ``values`` (latin-1 text), the values
    of ``docnums``."""
    if (
        type(fmt) is Positions
        and len(values) == len(docnums)
        and "".join(map(itemgetter(slice(4, 9)), values)) == _PICKLED_LIST * len(values)
        and "".join(map(itemgetter(-1), values)) == "." * len(values)
    ):
        # One unpickling for all: each value's appends (after its list and
        # before its STOP) made to one list, and positions summed from the
        # gaps in one pass, taking each document's start off again.
        counts = array(UINT32, "".join(map(itemgetter(slice(0, 4)), values)).encode("latin-1"))
        if sys.byteorder == "little":
            counts.byteswap()
        try:
            pickled = "\x80\x02]" + "".join(map(itemgetter(slice(9, -1)), values)) + "."
            gaps = pickle.loads(pickled.encode("latin-1"))  # noqa: S301
        except Exception:  # noqa: BLE001 - not laid out as expected: decoded one by one below
            gaps = None
        if gaps is not None and len(gaps) == sum(counts) and min(counts) > 0:
            running = [0, *itertools.accumulate(gaps)]
            before = map(running.__getitem__, itertools.accumulate(counts[:-1], initial=0))
            starts = map(operator.sub, map(operator.lshift, docnums, itertools.repeat(32)), before)
            shifts = itertools.chain.from_iterable(map(itertools.repeat, starts, counts))
            return list(map(operator.add, itertools.islice(running, 1, None), shifts))
    keys = []
    for docnum, value in zip(docnums, values, strict=True):
        base = docnum << 32
        keys.extend(base + position for position in fmt.decode_positions(value.encode("latin-1")))
    return keys


def leaf_values(reader, fieldname: str, word: str, wanted: list[int], wanted_set: set[int]) -> list[str]:
    """Return the posting values (latin-1 text) of ``word`` in one segment for the sorted docnums
    ``wanted`` (all of which hold it), in that order, reading only the blocks that hold one."""
    matcher = bare(reader.postings(fieldname, word))
    out: list[str] = []
    if not all(hasattr(matcher, name) for name in ("_read_ids", "_read_values", "_next_block", "_maxid")):
        # Short posting lists are kept inside the term's entry (a list
        # matcher, as in the small segments approvals add): walk them.
        while matcher.is_active():
            if matcher.id() in wanted_set:
                out.append(matcher.value().decode("latin-1"))
            matcher.next()
        return out
    lowest = 0
    while matcher.is_active():
        # A block's highest docnum is in its header: blocks holding no
        # candidate are passed over without decoding them.
        highest = matcher._maxid
        first = bisect.bisect_left(wanted, lowest)
        if first < len(wanted) and wanted[first] <= highest:
            block = read_block_texts(matcher)
            if block is None:
                matcher._read_data()
                block = matcher._data
            ids = block[0] if matcher._byteids else itertools.accumulate(block[0])
            texts = block_texts(matcher, block)
            start = matcher._i
            wanted_here = itertools.islice(map(wanted_set.__contains__, ids), start, None)
            out.extend(itertools.compress(texts[start:], wanted_here))
        lowest = highest + 1
        matcher._next_block()
    return out
