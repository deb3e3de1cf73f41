"""Tests for wiki.diffing: display diffs that rebuild both texts exactly and escape everything."""

from __future__ import annotations

import html
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wiki import diffing
from wiki.diffing import Row, line_diff, ops_to_html, side_by_side, source_texts, stats, word_diff

DOSE = re.compile(r"\d+(?:\.\d+)?")

# -- word_diff -----------------------------------------------------------------------------------


def test_word_diff_shows_a_dose_change_as_whole_numbers():
    assert word_diff("Give 5 mg daily.", "Give 10 mg daily.") == [
        (0, "Give "),
        (-1, "5"),
        (1, "10"),
        (0, " mg daily."),
    ]


def test_word_diff_never_splits_a_word():
    # Character-level cleanup would show "dos[-age-][+e+]".
    assert word_diff("The dosage is high", "The dose is high") == [
        (0, "The "),
        (-1, "dosage"),
        (1, "dose"),
        (0, " is high"),
    ]


def test_word_diff_keeps_combining_marks_with_their_letter():
    ops = word_diff("cafe\u0301 au lait", "cafe au lait")
    assert ops == [(-1, "cafe\u0301"), (1, "cafe"), (0, " au lait")]


def test_word_diff_keeps_emoji_modifiers_together():
    ops = word_diff("ok 👍🏽 fine", "ok 👍🏿 fine")
    assert ops == [(0, "ok "), (-1, "👍🏽"), (1, "👍🏿"), (0, " fine")]


def test_word_diff_of_equal_and_empty_texts():
    assert word_diff("", "") == []
    assert word_diff("same", "same") == [(0, "same")]
    assert word_diff("", "new") == [(1, "new")]
    assert word_diff("old", "") == [(-1, "old")]


def test_word_diff_joins_changes_split_by_a_single_space():
    # diff_cleanupSemantic: one change reads better than two around a space.
    ops = word_diff("take the red pill now", "take a blue tablet now")
    assert ops == [(0, "take "), (-1, "the red pill"), (1, "a blue tablet"), (0, " now")]


def test_word_diff_falls_back_to_lines_past_the_token_limit(monkeypatch):
    monkeypatch.setattr(diffing, "MAX_TOKENS", 5)
    a = "one two three four\nfive six\n"
    b = "one two three four\nfive seven\n"
    ops = word_diff(a, b)
    assert ops == [(0, "one two three four\n"), (-1, "five six\n"), (1, "five seven\n")]


def _big_text(paragraphs: int = 120) -> str:
    return "".join(
        f"Paragraph {i}: people with asthma should carry a reliever inhaler and see a nurse yearly.\n"
        for i in range(paragraphs * 5)
    )


def test_word_diff_of_large_texts_is_word_level_inside_changed_lines():
    a = _big_text()
    assert len(a) > diffing.LARGE_TEXT
    b = a.replace("Paragraph 7:", "Paragraph seven:")
    b = b.replace("Paragraph 500: people", "Paragraph 500: adults")
    ops = word_diff(a, b)
    assert source_texts(ops) == (a, b)
    changes = [op for op in ops if op[0] != 0]
    assert changes == [(-1, "7"), (1, "seven"), (-1, "people"), (1, "adults")]


def test_word_diff_of_large_texts_without_line_breaks_is_exact():
    a = _big_text().replace("\n", " ")
    b = a.replace("Paragraph 300:", "Paragraph 3OO:")
    ops = word_diff(a, b)
    assert source_texts(ops) == (a, b)
    assert stats(ops) == (3, 3)


def test_word_diff_of_large_texts_with_a_pure_insertion():
    a = _big_text()
    b = a + "A new closing line.\n"
    assert word_diff(a, b) == [(0, a), (1, "A new closing line.\n")]


# -- line_diff -----------------------------------------------------------------------------------


def test_line_diff_works_in_whole_lines():
    ops = line_diff("a\nb\nc\n", "a\nB\nc\n")
    assert ops == [(0, "a\n"), (-1, "b\n"), (1, "B\n"), (0, "c\n")]


def test_line_diff_treats_crlf_lines_as_lines():
    ops = line_diff("a\r\nb\r\n", "a\r\nb\r\nc")
    assert ops == [(0, "a\r\nb\r\n"), (1, "c")]


# -- round trips ---------------------------------------------------------------------------------

PIECES = ["Give", " ", "5", "2.5", "mg", "\n", "\r\n", "𝔸", "😀", "👩‍⚕️", "e\u0301", "\u0301", "é"]
PIECES += [".", ",", "<", "&", "\t", "\u200d", "\U0001f3fd"]
texty = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
)


@settings(max_examples=200, deadline=None)
@given(texty, texty)
def test_word_diff_rebuilds_both_texts(a, b):
    assert source_texts(word_diff(a, b)) == (a, b)


@settings(max_examples=200, deadline=None)
@given(texty, texty)
def test_line_diff_rebuilds_both_texts(a, b):
    assert source_texts(line_diff(a, b)) == (a, b)


@settings(max_examples=150, deadline=None)
@given(texty, texty)
def test_word_diff_ops_are_normalised(a, b):
    ops = word_diff(a, b)
    assert all(text for _, text in ops)
    for (op1, _), (op2, _) in zip(ops, ops[1:], strict=False):
        assert op1 != op2
        assert (op1, op2) != (1, -1)  # a deletion comes before its insertion


@settings(max_examples=150, deadline=None)
@given(texty, texty)
def test_word_diff_never_starts_an_op_with_a_combining_mark(a, b):
    at_a = at_b = 0
    for op, text in word_diff(a, b):
        at_start = (op <= 0 and at_a == 0) or (op >= 0 and at_b == 0)
        if not at_start:  # only a text's very first character may be a lone mark
            assert unicodedata.category(text[0])[0] != "M", (a, b)
        at_a += len(text) if op <= 0 else 0
        at_b += len(text) if op >= 0 else 0


# -- ops_to_html ---------------------------------------------------------------------------------


def test_ops_to_html_marks_changes_and_escapes_text():
    ops = [(0, "Give <b>"), (-1, "5 & 6"), (1, '"10"'), (0, "\nmg")]
    assert ops_to_html(ops) == (
        'Give &lt;b&gt;<del class="diff-del">5 &amp; 6</del><ins class="diff-ins">&quot;10&quot;</ins>\nmg'
    )


def test_ops_to_html_highlights_doses_inside_changes_only():
    ops = word_diff("Give 5 mg daily for 7 days.", "Give 2.5 mg daily for 7 days.")
    rendered = ops_to_html(ops, highlight=DOSE)
    assert '<del class="diff-del"><mark class="diff-mark">5</mark></del>' in rendered
    assert '<ins class="diff-ins"><mark class="diff-mark">2.5</mark></ins>' in rendered
    assert "for 7 days." in rendered  # kept text is not marked


def test_ops_to_html_escapes_inside_marks():
    rendered = ops_to_html([(1, "<5> mg")], highlight=re.compile(r"<\d>"))
    assert rendered == '<ins class="diff-ins"><mark class="diff-mark">&lt;5&gt;</mark> mg</ins>'


def test_ops_to_html_ignores_empty_ops_and_empty_matches():
    assert ops_to_html([(1, ""), (0, "a")], highlight=re.compile(r"x*")) == "a"


_OUR_TAGS = re.compile(r'</?(?:del|ins|mark)(?: class="diff-(?:del|ins|mark)")?>')


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([-1, 0, 1]), texty)), st.booleans())
def test_ops_to_html_text_is_all_escaped(ops, with_highlight):
    rendered = ops_to_html(ops, highlight=DOSE if with_highlight else None)
    bare = _OUR_TAGS.sub("", rendered)
    assert "<" not in bare and ">" not in bare
    assert html.unescape(bare) == "".join(text for _, text in ops)


# -- side_by_side --------------------------------------------------------------------------------


def test_side_by_side_aligns_paragraphs():
    a = "Intro stays.\n\nDose is 5 mg.\n\nOld advice <here>.\n\nEnd."
    b = "Intro stays.\n\nDose is 10 mg.\n\nEnd.\n\nNew note."
    rows = side_by_side(a, b)
    assert rows == [
        Row("Intro stays.", "Intro stays.", "same"),
        Row(
            'Dose is <del class="diff-del">5</del> mg.',
            'Dose is <ins class="diff-ins">10</ins> mg.',
            "changed",
        ),
        Row("Old advice &lt;here&gt;.", "", "removed"),
        Row("End.", "End.", "same"),
        Row("", "New note.", "added"),
    ]


def test_side_by_side_keeps_an_unchanged_paragraph_between_changes():
    a = "one\n\ntwo\n\nthree"
    b = "ONE\n\ntwo\n\nTHREE"
    assert [row.kind for row in side_by_side(a, b)] == ["changed", "same", "changed"]


def test_side_by_side_handles_crlf_and_extra_blank_lines():
    a = "First.\r\n\r\n\r\nSecond line one\r\nline two.\r\n"
    b = "First.\n\nSecond line one\nline 2.\n"
    rows = side_by_side(a, b)
    assert rows[0] == Row("First.", "First.", "same")
    assert rows[1].kind == "changed"
    assert "<del" in rows[1].left_html and "<ins" not in rows[1].left_html
    assert "<ins" in rows[1].right_html and "<del" not in rows[1].right_html


def test_side_by_side_of_empty_texts():
    assert side_by_side("", "") == []
    assert side_by_side("", "New.") == [Row("", "New.", "added")]


@settings(max_examples=100, deadline=None)
@given(texty, texty)
def test_side_by_side_escapes_everything(a, b):
    for row in side_by_side(a, b):
        for side in (row.left_html, row.right_html):
            bare = _OUR_TAGS.sub("", side)
            assert "<" not in bare and ">" not in bare


# -- stats ---------------------------------------------------------------------------------------


def test_stats_counts_inserted_and_deleted_characters():
    assert stats([(0, "Give "), (-1, "5"), (1, "10"), (0, " mg"), (1, "😀")]) == (3, 1)
    assert stats([]) == (0, 0)


@pytest.mark.parametrize(("a", "b"), [("abc", "abd"), ("", "xyz"), ("𝔸𝔸", "𝔸")])
def test_stats_matches_source_lengths(a, b):
    inserted, deleted = stats(word_diff(a, b))
    assert len(b) - len(a) == inserted - deleted
