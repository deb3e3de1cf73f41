"""Folding unchanged text out of the diffs the pages show."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wiki import diffing
from wiki.views import diffview

LINES = [f"Line {n} of the article." for n in range(40)]
TEXT = "\n".join(LINES)


def _visible_new_text(segments) -> str:
    joined = "".join(s.html for s in segments if not s.hidden)
    joined = re.sub(r"<del[^>]*>.*?</del>", "", joined, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", joined))


def test_one_change_in_a_long_text_keeps_only_context():
    new = TEXT.replace("Line 20 of", "Line twenty of")
    segments = diffview.inline(TEXT, new)
    assert [s.hidden for s in segments] == [18, 0, 17]
    visible = _visible_new_text(segments)
    assert "Line 18 of" in visible and "Line twenty of" in visible and "Line 22 of" in visible
    assert "Line 17 of" not in visible and "Line 23 of" not in visible


def test_changes_close_together_are_not_folded_apart():
    new = TEXT.replace("Line 20 of", "Line twenty of").replace("Line 23 of", "Line 23 in")
    segments = diffview.inline(TEXT, new)
    assert sum(1 for s in segments if s.hidden) == 2


def test_short_texts_are_not_folded():
    segments = diffview.inline("a\nb\nc", "a\nB\nc")
    assert all(not s.hidden for s in segments)
    assert "".join(s.html for s in segments) == diffing.ops_to_html(diffing.word_diff("a\nb\nc", "a\nB\nc"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["x", "y", "", "z z"]), max_size=30),
       st.lists(st.sampled_from(["x", "y", "", "w"]), max_size=30))
def test_folding_only_removes_whole_unchanged_lines(old_lines, new_lines):
    old, new = "\n".join(old_lines), "\n".join(new_lines)
    segments = diffview.inline(old, new)
    hidden = sum(s.hidden for s in segments)
    shown = _visible_new_text(segments)
    # Every line of the new text is either shown or counted as hidden.
    assert len(shown.split("\n")) + hidden >= len(new.split("\n")) if new else True
    assert all(s.hidden >= diffview.MIN_FOLD for s in segments if s.hidden)


def test_side_by_side_folds_unchanged_paragraphs():
    old = "\n\n".join(LINES)
    new = old.replace("Line 20 of", "Line twenty of")
    rows = diffview.side_by_side(old, new)
    kinds = [r.kind for r in rows]
    assert kinds == ["fold", "same", "changed", "same", "fold"]
    assert rows[0].hidden == 19 and rows[-1].hidden == 18
