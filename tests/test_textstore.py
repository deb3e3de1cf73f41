"""Tests for wiki.textstore: full copies and deltas that rebuild every text exactly."""

from __future__ import annotations

import random
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiki.textstore import KEYFRAME_EVERY, pack, sha256, unpack


def _round_trip(text: str, parent: str | None, chain: int = 0) -> str:
    storage, content = pack(text, parent, chain)
    assert storage in ("full", "delta")
    assert isinstance(content, bytes)
    return unpack(storage, content, parent if storage == "delta" else None)


def _clinical_text(size: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    words = "patient dose daily tablet renal hepatic monitor weeks infusion oral caution review".split()
    lines = []
    while sum(map(len, lines)) < size:
        lines.append(" ".join(rng.choice(words) for _ in range(12)) + f" {rng.randint(1, 999)} mg.\n")
    return "".join(lines)


# -- sha256 --------------------------------------------------------------------------------------


def test_sha256_is_the_hex_digest_of_utf8():
    assert sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # "é" is the UTF-8 bytes C3 A9
    assert sha256("\u00e9") == "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c"
    assert sha256("e\u0301") != sha256("\u00e9")  # no normalisation: bytes as given
    assert len(sha256("𝔸")) == 64


# -- keyframe policy -----------------------------------------------------------------------------


def test_pack_stores_a_first_revision_in_full():
    storage, content = pack("First text.\n", None, 0)
    assert storage == "full"
    assert zlib.decompress(content) == b"First text.\n"


def test_pack_stores_a_small_edit_as_a_delta():
    parent = _clinical_text(2_000)
    storage, _ = pack(parent.replace("dose", "DOSE", 1), parent, 0)
    assert storage == "delta"


@pytest.mark.parametrize("chain", [0, 1, KEYFRAME_EVERY - 2])
def test_pack_keeps_deltas_while_the_chain_is_short(chain):
    parent = _clinical_text(2_000)
    assert pack(parent + "More.\n", parent, chain)[0] == "delta"


@pytest.mark.parametrize("chain", [KEYFRAME_EVERY - 1, KEYFRAME_EVERY, 100])
def test_pack_makes_a_keyframe_when_the_chain_is_long(chain):
    parent = _clinical_text(2_000)
    assert pack(parent + "More.\n", parent, chain)[0] == "full"


def test_a_chain_never_needs_more_than_keyframe_every_minus_one_deltas():
    text = _clinical_text(3_000)
    chain = 0
    deltas_in_a_row = []
    run = 0
    for i in range(3 * KEYFRAME_EVERY):
        new = text + f"Edit {i}.\n"
        storage, content = pack(new, text, chain)
        assert unpack(storage, content, text) == new
        chain = chain + 1 if storage == "delta" else 0
        run = run + 1 if storage == "delta" else 0
        deltas_in_a_row.append(run)
        text = new
    assert max(deltas_in_a_row) == KEYFRAME_EVERY - 1


def test_pack_stores_in_full_when_the_delta_is_not_smaller():
    storage, content = pack("Completely different.", "Nothing alike here at all!", 0)
    assert storage == "full"
    assert unpack(storage, content, None) == "Completely different."


def test_one_line_edit_in_20_kb_is_a_small_delta():
    parent = _clinical_text(20_000)
    assert len(parent) >= 20_000
    lines = parent.splitlines(keepends=True)
    lines[len(lines) // 2] = "Give 2.5 mg daily, not 5 mg, in renal impairment.\n"
    text = "".join(lines)
    storage, content = pack(text, parent, 3)
    assert storage == "delta"
    assert len(content) < 1024
    assert unpack(storage, content, parent) == text


# -- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parent", "text"),
    [
        ("", ""),
        ("", "new"),
        ("old", ""),
        ("line one\r\nline two\r\n", "line one\r\nline 2\r\nline three\r\n"),
        ("a\rb\r", "a\r\nb\n"),
        ("𝔸𝔹ℂ", "𝔸X𝔹ℂ😀"),
        ("😀" * 50 + "x", "😀" * 49 + "y😀x"),
        ("e\u0301te\u0301", "ete\u0301"),
        ("tab\tand %25 percent + plus", "tab\t\tand %2525 percent ++ plus"),
        ("\x00nul\x00", "\x00null\x00"),
    ],
)
def test_pack_round_trips_edge_texts(parent, text):
    assert _round_trip(text, parent) == text
    assert _round_trip(text, None) == text


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text())
def test_pack_round_trips_unrelated_unicode_texts(parent, text):
    assert _round_trip(text, parent) == text


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.data())
def test_pack_round_trips_edited_unicode_texts(parent, data):
    start = data.draw(st.integers(0, len(parent)))
    end = data.draw(st.integers(start, len(parent)))
    insert = data.draw(st.text(alphabet=st.sampled_from(list("ab \r\n😀𝔸\u0301é%\t+")), max_size=20))
    text = parent[:start] + insert + parent[end:]
    chain = data.draw(st.integers(0, KEYFRAME_EVERY))
    assert _round_trip(text, parent, chain) == text


def test_delta_lengths_count_utf16_units():
    # Pins the stored format: diff-match-patch counts "=" and "-" lengths in
    # UTF-16 code units (2 for 𝔸). Deltas already stored must keep decoding
    # the same after a library upgrade.
    stored = zlib.compress(b"=2\t-1\t+x%F0%9F%98%80\t=1")
    assert unpack("delta", stored, "𝔸ab") == "𝔸x😀b"
    rest = _clinical_text(1_000)
    storage, content = pack("𝔸x😀b" + rest, "𝔸ab" + rest, 0)
    assert storage == "delta"
    assert zlib.decompress(content).decode() == f"=2\t-1\t+x%F0%9F%98%80\t={1 + len(rest)}"


# -- corrupt data --------------------------------------------------------------------------------


def test_unpack_refuses_a_delta_without_its_parent():
    storage, content = pack(_clinical_text(2_000) + "x", _clinical_text(2_000), 0)
    assert storage == "delta"
    with pytest.raises(ValueError, match="parent"):
        unpack(storage, content, None)


def test_unpack_refuses_a_delta_against_a_parent_of_another_length():
    parent = _clinical_text(2_000)
    storage, content = pack(parent + "x", parent, 0)
    with pytest.raises(ValueError):
        unpack(storage, content, parent + "extra")


@pytest.mark.parametrize("content", [b"", b"not zlib", zlib.compress(b"x")[:-2]])
@pytest.mark.parametrize("storage", ["full", "delta"])
def test_unpack_refuses_bytes_that_are_not_zlib(storage, content):
    with pytest.raises(ValueError):
        unpack(storage, content, "parent")


@pytest.mark.parametrize("delta", ["=5", "=x", "?3", "=2\t-9", "-1\t=-1", "=1\t=1"])
def test_unpack_refuses_malformed_deltas(delta):
    # "=1\t=1" against "𝔸" would cut the character in half.
    with pytest.raises(ValueError):
        unpack("delta", zlib.compress(delta.encode()), "𝔸")


def test_unpack_refuses_content_that_is_not_utf8():
    with pytest.raises(ValueError):
        unpack("full", zlib.compress(b"\xff\xfe"), None)


def test_unpack_refuses_an_unknown_storage():
    with pytest.raises(ValueError, match="unknown storage"):
        unpack("bzip", zlib.compress(b"x"), None)


def test_pack_refuses_a_lone_surrogate():
    with pytest.raises(ValueError):
        pack("bad \ud800 text", None, 0)
    with pytest.raises(ValueError):
        pack("bad \ud800 text", "bad text", 0)
