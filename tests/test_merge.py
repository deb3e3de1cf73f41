"""Tests for wiki.merge: diff3-style three-way merge that never loses or garbles a change."""

from __future__ import annotations

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from wiki.merge import MergeConflict, three_way

# -- the case the module exists for ---------------------------------------------------------------


@pytest.mark.parametrize("ending", ["\n", "", "\r\n"])
def test_three_way_refuses_two_different_dose_changes(ending):
    base = f"Give 5 mg daily.{ending}"
    ours = f"Give 10 mg daily.{ending}"
    theirs = f"Give 2.5 mg daily.{ending}"
    with pytest.raises(MergeConflict) as caught:
        three_way(base, ours, theirs)
    [region] = caught.value.regions
    assert region.base == [base]
    assert region.ours == [ours]
    assert region.theirs == [theirs]
    assert region.base_start == 0


def test_three_way_refuses_dose_changes_inside_a_longer_text():
    head = "# Amoxicillin\n\nAn antibiotic.\n\n## Dose\n\n"
    tail = "\n## Side effects\n\nNausea and rash.\n"
    base = head + "Give 5 mg daily.\n" + tail
    with pytest.raises(MergeConflict) as caught:
        three_way(base, head + "Give 10 mg daily.\n" + tail, head + "Give 2.5 mg daily.\n" + tail)
    [region] = caught.value.regions
    assert region.base_start == 6
    assert region.ours == ["Give 10 mg daily.\n"]
    assert region.theirs == ["Give 2.5 mg daily.\n"]


def test_merge_conflict_is_a_plain_exception_with_regions():
    error = MergeConflict("x")
    assert isinstance(error, Exception)
    assert error.regions == []


def test_three_way_reports_every_conflicting_region():
    base = "a\nb\nc\nd\ne\nf\ng\n"
    ours = "A\nb\nc\nd\ne\nf\nG\n"
    theirs = "a1\nb\nc\nd\ne\nf\ng1\n"
    with pytest.raises(MergeConflict) as caught:
        three_way(base, ours, theirs)
    assert [r.base_start for r in caught.value.regions] == [0, 6]


# -- what merges and what does not ---------------------------------------------------------------

THREE_PARAGRAPHS = (
    "Asthma is a long-term condition affecting the airways of the lungs.\n"
    "\n"
    "Common symptoms include wheezing, breathlessness and a tight chest.\n"
    "Symptoms are often worse at night.\n"
    "\n"
    "Treatment is usually an inhaler: a reliever for symptoms and a preventer taken daily.\n"
)


def test_three_way_merges_edits_in_different_paragraphs():
    ours = THREE_PARAGRAPHS.replace("long-term condition", "common long-term condition")
    theirs = THREE_PARAGRAPHS.replace("taken daily", "taken every day, even when well")
    expected = ours.replace("taken daily", "taken every day, even when well")
    assert three_way(THREE_PARAGRAPHS, ours, theirs) == expected
    assert three_way(THREE_PARAGRAPHS, theirs, ours) == expected


def test_three_way_refuses_changes_to_adjacent_lines():
    base = "one\ntwo\nthree\nfour\n"
    with pytest.raises(MergeConflict):
        three_way(base, "one\nTWO\nthree\nfour\n", "one\ntwo\nTHREE\nfour\n")


def test_three_way_refuses_a_deletion_beside_an_edit():
    base = "one\ntwo\nthree\nfour\n"
    with pytest.raises(MergeConflict):
        three_way(base, "one\nthree\nfour\n", "one\ntwo\nTHREE\nfour\n")


def test_three_way_merges_edits_one_line_apart():
    base = "one\ntwo\nthree\nfour\n"
    assert three_way(base, "ONE\ntwo\nthree\nfour\n", "one\ntwo\nTHREE\nfour\n") == "ONE\ntwo\nTHREE\nfour\n"


def test_three_way_takes_an_identical_change_once():
    base = "one\ntwo\nthree\n"
    same = "one\n2\nthree\n"
    assert three_way(base, same, same) == same
    assert three_way(base, "one\nthree\n", "one\nthree\n") == "one\nthree\n"


def test_three_way_takes_an_identical_insertion_once():
    base = "one\ntwo\n"
    both = "one\nnew\ntwo\n"
    assert three_way(base, both, both) == both


def test_three_way_refuses_different_insertions_at_the_same_place():
    base = "one\ntwo\n"
    with pytest.raises(MergeConflict) as caught:
        three_way(base, "one\nmine\ntwo\n", "one\nyours\ntwo\n")
    [region] = caught.value.regions
    assert region.base == []
    assert region.ours == ["mine\n"]
    assert region.theirs == ["yours\n"]


def test_three_way_refuses_an_insertion_beside_an_edit():
    base = "one\ntwo\nthree\n"
    with pytest.raises(MergeConflict):
        three_way(base, "one\ninserted\ntwo\nthree\n", "one\nTWO\nthree\n")


def test_three_way_refuses_a_deletion_against_an_edit_of_the_same_line():
    with pytest.raises(MergeConflict):
        three_way("a\nb\nc\n", "a\nc\n", "a\nB\nc\n")


def test_three_way_refuses_a_superset_of_the_other_change():
    # Both changed line 2 the same way, but theirs also changed line 3:
    # diff3 compares whole regions, and so do we.
    with pytest.raises(MergeConflict):
        three_way("1\n2\n3\n4\n", "1\nX\n3\n4\n", "1\nX\nY\n4\n")


# -- line endings and edge texts -----------------------------------------------------------------


def test_three_way_keeps_crlf_line_endings():
    base = "alpha\r\nbeta\r\ngamma\r\ndelta\r\n"
    ours = "ALPHA\r\nbeta\r\ngamma\r\ndelta\r\n"
    theirs = "alpha\r\nbeta\r\ngamma\r\nDELTA\r\n"
    assert three_way(base, ours, theirs) == "ALPHA\r\nbeta\r\ngamma\r\nDELTA\r\n"


def test_three_way_keeps_crlf_without_a_final_newline():
    base = "alpha\r\nbeta\r\ngamma\r\ndelta"
    ours = "ALPHA\r\nbeta\r\ngamma\r\ndelta"
    theirs = "alpha\r\nbeta\r\ngamma\r\ndelta\r\nepsilon"
    assert three_way(base, ours, theirs) == "ALPHA\r\nbeta\r\ngamma\r\ndelta\r\nepsilon"


def test_three_way_appending_to_a_text_without_final_newline_is_not_an_edit_of_its_last_line():
    base = "one\ntwo\nthree"
    ours = "one\nTWO\nthree"
    theirs = "one\ntwo\nthree\nfour"
    # ours changed line 2; theirs added after line 3: not adjacent.
    assert three_way(base, ours, theirs) == "one\nTWO\nthree\nfour"


def test_three_way_merges_adding_a_final_newline_with_an_edit_elsewhere():
    assert three_way("a\nb\nc", "a\nb\nc\n", "A\nb\nc") == "A\nb\nc\n"
    assert three_way("a\nb\nc\n", "a\nb\nc", "A\nb\nc\n") == "A\nb\nc"


def test_conflict_regions_show_texts_without_a_supplied_newline():
    with pytest.raises(MergeConflict) as caught:
        three_way("x\ny", "x\nY", "x\nZ")
    [region] = caught.value.regions
    assert (region.base, region.ours, region.theirs) == (["y"], ["Y"], ["Z"])


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "expected"),
    [
        ("", "", "", ""),
        ("", "new\n", "", "new\n"),
        ("", "", "new", "new"),
        ("gone\n", "", "gone\n", ""),
        ("gone", "gone", "", ""),
        ("\n", "\n\n", "\n", "\n\n"),
    ],
)
def test_three_way_handles_empty_texts(base, ours, theirs, expected):
    assert three_way(base, ours, theirs) == expected


def test_three_way_refuses_two_different_texts_from_empty():
    with pytest.raises(MergeConflict):
        three_way("", "mine", "yours")


def test_three_way_handles_astral_characters_and_combining_marks():
    base = "Café\u0301 👩‍⚕️ notes\n𝔸 stage\nDose: 5 mg\nRisk: low\n"
    ours = base.replace("Café\u0301 👩‍⚕️", "Cafe\u0301 🧑🏽‍⚕️")
    theirs = base.replace("Risk: low", "Risk: low 🟢 (e\u0301)")
    assert three_way(base, ours, theirs) == ours.replace("Risk: low", "Risk: low 🟢 (e\u0301)")


def test_three_way_does_not_split_on_other_line_separators():
    # Only \n ends a line: \r, \u2028 and form feeds are ordinary characters.
    base = "a\rb\u2028c\x0cd\nsecond\nthird\n"
    ours = "a\rB\u2028c\x0cd\nsecond\nthird\n"
    theirs = "a\rb\u2028c\x0cd\nsecond\nTHIRD\n"
    assert three_way(base, ours, theirs) == "a\rB\u2028c\x0cd\nsecond\nTHIRD\n"


def test_three_way_merges_big_texts_with_distant_edits():
    lines = [f"Paragraph {i}: the patient should rest and drink fluids.\n" for i in range(5000)]
    base = "".join(lines)
    ours = base.replace("Paragraph 10:", "Paragraph ten:")
    theirs = base.replace("Paragraph 4990:", "Paragraph 4,990:")
    assert three_way(base, ours, theirs) == ours.replace("Paragraph 4990:", "Paragraph 4,990:")


def test_too_many_distinct_lines_is_a_conflict_not_a_wrong_merge(monkeypatch):
    # diff_linesToChars folds the rest of a text into one entry past its limit.
    from diff_match_patch import diff_match_patch

    real = diff_match_patch.diff_linesToChars

    def folding(self, a, b):
        chars_a, chars_b, table = real(self, a, b)
        return chars_a[:1], chars_b, table

    monkeypatch.setattr(diff_match_patch, "diff_linesToChars", folding)
    with pytest.raises(MergeConflict):
        three_way("a\nb\n", "a\nB\n", "A\nb\n")


# -- properties ----------------------------------------------------------------------------------

LINE_PIECES = ["", "a", "b", "c", "Give 5 mg", "𝔸 😀", "e\u0301", " ", "\r", "x\ty"]


@st.composite
def line_texts(draw):
    """Texts made of a few repeated lines, with \\n or \\r\\n endings and maybe no final newline."""
    lines = draw(st.lists(st.sampled_from(LINE_PIECES), max_size=10))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = "".join(line + ending for line in lines)
    if draw(st.booleans()):
        text = text.removesuffix(ending)
    return text


any_text = st.one_of(line_texts(), st.text(max_size=40))


@settings(max_examples=150, deadline=None)
@given(any_text, any_text)
def test_three_way_takes_theirs_when_ours_is_the_base(base, theirs):
    assert three_way(base, base, theirs) == theirs


@settings(max_examples=150, deadline=None)
@given(any_text, any_text)
def test_three_way_takes_ours_when_theirs_is_the_base(base, ours):
    assert three_way(base, ours, base) == ours


@settings(max_examples=150, deadline=None)
@given(any_text, any_text)
def test_three_way_takes_a_change_made_on_both_sides_once(base, both):
    assert three_way(base, both, both) == both


@settings(max_examples=150, deadline=None)
@given(line_texts(), line_texts(), line_texts())
def test_three_way_is_symmetric(base, ours, theirs):
    try:
        forward = three_way(base, ours, theirs)
    except MergeConflict:
        with pytest.raises(MergeConflict):
            three_way(base, theirs, ours)
    else:
        assert three_way(base, theirs, ours) == forward


WORDS = ["rest", "fluids", "𝔸", "e\u0301", ""]


@st.composite
def disjoint_edits(draw):
    """A base of unique lines, and ours/theirs editing lines never equal or adjacent to each other's."""
    size = draw(st.integers(min_value=1, max_value=14))
    base = [f"line {i}: {draw(st.sampled_from(WORDS))}\n" for i in range(size)]
    owners = draw(st.lists(st.sampled_from([None, None, "ours", "theirs"]), min_size=size, max_size=size))
    for i in range(1, size):
        if owners[i] and owners[i - 1] and owners[i] != owners[i - 1]:
            owners[i] = None
    actions = draw(
        st.lists(
            st.sampled_from(["replace", "delete", "insert", "insert+replace"]), min_size=size, max_size=size
        )
    )
    strip_final = draw(st.booleans())

    def text(sides):
        out = []
        for i, line in enumerate(base):
            side, action = owners[i], actions[i]
            if side not in sides:
                out.append(line)
                continue
            if action.startswith("insert"):
                out.append(f"{side} inserted before {i}\n")
            if action.endswith("replace"):
                out.append(f"{side} rewrote {i}\n")
            elif action == "insert":
                out.append(line)
        joined = "".join(out)
        return joined.removesuffix("\n") if strip_final else joined

    return text(set()), text({"ours"}), text({"theirs"}), text({"ours", "theirs"})


@settings(max_examples=200, deadline=None)
@given(disjoint_edits())
def test_three_way_keeps_both_sides_edits_on_separate_lines(case):
    base, ours, theirs, expected = case
    assert three_way(base, ours, theirs) == expected


@st.composite
def tagged_edits(draw):
    """Base lines b0..bn; each side keeps or deletes each and inserts tagged lines anywhere."""
    size = draw(st.integers(min_value=0, max_value=16))
    base = [f"b{i}" for i in range(size)]
    shared = ["s0", "s1"]  # both sides may insert these, so identical insertions happen

    def side(tag):
        # A few edits per side, so that many pairs of sides merge.
        edits = draw(
            st.lists(
                st.tuples(st.integers(0, size), st.sampled_from(["own", "shared", "delete", "replace"])),
                max_size=3,
            )
        )
        inserted = {slot: [] for slot in range(size + 1)}
        deleted = set()
        for counter, (slot, kind) in enumerate(edits):
            if kind in ("delete", "replace") and slot < size:
                deleted.add(slot)
            if kind == "shared":
                inserted[slot].append(draw(st.sampled_from(shared)))
            elif kind != "delete":
                inserted[slot].append(f"{tag}{counter}")
        out = []
        for slot in range(size + 1):
            out.extend(inserted[slot])
            if slot < size and slot not in deleted:
                out.append(base[slot])
        return out

    return base, side("o"), side("t")


def _text(lines):
    return "".join(line + "\n" for line in lines)


@settings(max_examples=200, deadline=None)
@given(tagged_edits())
def test_three_way_never_loses_a_change_when_it_succeeds(case):
    base, ours, theirs = case
    try:
        result = three_way(_text(base), _text(ours), _text(theirs))
    except MergeConflict:
        event("conflict")
        return
    event("merged")
    merged = result.splitlines()
    for line in set(ours) - set(base):
        assert line in merged, f"lost our insertion {line!r}"
    for line in set(theirs) - set(base):
        assert line in merged, f"lost their insertion {line!r}"
    for line in set(base) - set(ours) | set(base) - set(theirs):
        assert line not in merged, f"a deleted line {line!r} came back"
    for line in set(base) & set(ours) & set(theirs):
        assert line in merged, f"an untouched line {line!r} went missing"


def test_a_conflict_carries_the_partial_merge_with_theirs_kept_in_conflicts():
    base = "a\nb\nc\nd\ne\n"
    ours = "A\nb\nc\nd\nE\n"  # changes a and e
    theirs = "a\nb\nc\nd\nE2\n"  # changes e differently
    with pytest.raises(MergeConflict) as info:
        three_way(base, ours, theirs)
    assert info.value.partial == "A\nb\nc\nd\nE2\n"
    assert len(info.value.regions) == 1
