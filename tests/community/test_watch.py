"""Watchlists and notifications: who watches what, and who hears of which change."""

from __future__ import annotations

import pytest

from tests.community.conftest import TEXT
from wiki import flags, review, revisions, talk, watch
from wiki.errors import InvalidInput
from wiki.models import Flag, Notification, Watch
from wiki.permissions import ANONYMOUS


def _notes(cast, user, **kw):
    cast.refresh()
    return watch.list_notifications(cast.session, user, **kw)


def test_watch_and_unwatch_are_idempotent(cast):
    s, erin, article = cast.session, cast.editor, cast.article
    assert not watch.is_watching(s, erin, article)
    watch.watch(s, erin, article)
    watch.watch(s, erin, article)
    assert watch.is_watching(s, erin, article)
    assert [a.slug for a in watch.list_watched(s, erin)] == ["asthma"]
    assert watch.count_watchers(s, article) == 2  # erin and rosa, who created it
    watch.unwatch(s, erin, article)
    watch.unwatch(s, erin, article)
    assert not watch.is_watching(s, erin, article)
    assert watch.list_watched(s, erin) == []


def test_anonymous_visitors_have_no_watchlist(cast):
    with pytest.raises(InvalidInput):
        watch.watch(cast.session, ANONYMOUS, cast.article)
    assert not watch.is_watching(cast.session, ANONYMOUS, cast.article)
    assert watch.list_notifications(cast.session, ANONYMOUS) == []
    assert watch.unread_count(cast.session, ANONYMOUS) == 0


def test_creating_and_editing_an_article_watches_it(cast):
    assert watch.is_watching(cast.session, cast.reviewer, cast.article)  # created it
    cast.edit(cast.editor, TEXT + "More.\n")
    assert watch.is_watching(cast.session, cast.editor, cast.article)


def test_watchers_hear_of_an_edit_but_not_its_author(cast):
    watch.watch(cast.session, cast.editor2, cast.article)
    rev = cast.edit(cast.editor, TEXT + "More.\n", summary="Add a line")
    notes = _notes(cast, cast.editor2)
    assert len(notes) == 1
    note = notes[0]
    assert (note.kind, note.revision_id, note.article_slug) == ("edit", rev.id, "asthma")
    assert note.actor_name == "erin"
    assert note.parent_revision_id == rev.parent_id
    assert "erin edited Asthma: Add a line (awaiting review)" == note.message
    assert _notes(cast, cast.editor) == []
    # rosa created the article, so she watches it too
    assert [n.revision_id for n in _notes(cast, cast.reviewer)] == [rev.id]


def test_unwatching_stops_notifications(cast):
    watch.unwatch(cast.session, cast.reviewer, cast.article)
    cast.edit(cast.editor, TEXT + "More.\n")
    assert _notes(cast, cast.reviewer) == []


def test_approval_tells_each_author_once_with_the_comment_and_does_not_repeat_the_edit_notice(cast):
    first = cast.edit(cast.editor, TEXT + "One.\n")
    second = cast.edit(cast.editor2, TEXT + "One.\nTwo.\n")
    third = cast.edit(cast.editor, TEXT + "One.\nTwo.\nThree.\n")
    before = {n.id for n in _notes(cast, cast.editor, limit=100)}
    review.approve(cast.session, third.id, reviewer=cast.reviewer, comment="Checked against NICE")
    erin_new = [n for n in _notes(cast, cast.editor, limit=100) if n.id not in before]
    assert [(n.kind, n.revision_id) for n in erin_new] == [("review", third.id)]
    assert erin_new[0].message == "rosa approved your 2 edits to Asthma: “Checked against NICE”"
    eddie_reviews = [n for n in _notes(cast, cast.editor2) if n.kind == "review"]
    assert [(n.revision_id, n.message) for n in eddie_reviews] == [
        (second.id, "rosa approved your edit to Asthma: “Checked against NICE”")]
    # rosa watches the article: she heard of each edit once, never again at approval
    edits = [n.revision_id for n in _notes(cast, cast.reviewer, limit=100) if n.kind == "edit"]
    assert sorted(edits) == [first.id, second.id, third.id]


def test_rejection_tells_the_authors_and_watchers_see_the_revert(cast):
    bad = cast.edit(cast.editor, TEXT + "Cured by garlic.\n")
    revert = review.reject(cast.session, bad.id, reviewer=cast.reviewer, comment="No source for this")
    reviews = [n for n in _notes(cast, cast.editor) if n.kind == "review"]
    assert [(n.revision_id, n.message) for n in reviews] == [
        (bad.id, "rosa rejected your edit to Asthma: “No source for this”")]
    # erin watches (she edited): she hears of the revert as an edit too
    assert [n.revision_id for n in _notes(cast, cast.editor) if n.kind == "edit"] == [revert.id]


def test_reviewers_are_not_told_about_their_own_edits(cast):
    cast.refresh()
    own = revisions.get_revision(cast.session, cast.article.latest_revision_id)
    assert watch.on_review(cast.session, [own], cast.reviewer, "fine", approved=True) == 0


def test_unread_count_and_mark_read(cast):
    watch.watch(cast.session, cast.editor2, cast.article)
    for n in range(3):
        cast.edit(cast.editor, TEXT + "x" * (n + 1) + "\n")
    s, eddie = cast.session, cast.editor2
    assert watch.unread_count(s, eddie) == 3
    notes = watch.list_notifications(s, eddie)
    assert watch.mark_read(s, eddie, [notes[0].id]) == 1
    assert watch.unread_count(s, eddie) == 2
    assert [n.id for n in watch.list_notifications(s, eddie, unread_only=True)] == [n.id for n in notes[1:]]
    assert watch.mark_read(s, cast.editor, [notes[1].id]) == 0  # not erin's to mark
    assert watch.mark_read(s, eddie) == 2
    assert watch.unread_count(s, eddie) == 0
    assert watch.mark_read(s, eddie, []) == 0


def test_notifications_page_through_with_before(cast):
    watch.watch(cast.session, cast.editor2, cast.article)
    for n in range(5):
        cast.edit(cast.editor, TEXT + "x" * (n + 1) + "\n")
    first = watch.list_notifications(cast.session, cast.editor2, limit=2)
    rest = watch.list_notifications(cast.session, cast.editor2, limit=10, before=first[-1].id)
    assert len(first) == 2 and len(rest) == 3
    assert [n.id for n in first + rest] == sorted((n.id for n in first + rest), reverse=True)


def test_reporting_watches_the_article_and_resolving_tells_the_reporter(cast):
    s = cast.session
    flag = flags.report(s, cast.article, reason="The reliever takes longer to work", reporter=cast.editor2)
    cast.refresh()
    assert s.get(Flag, flag.id) is not None  # watching inside report() did not lose the report
    assert watch.is_watching(s, cast.editor2, cast.article)
    fix = cast.edit(cast.reviewer, TEXT.replace("within minutes", "within 5 to 15 minutes"))
    flags.resolve(s, flag.id, actor=cast.reviewer, revision_id=fix.id, note="Thanks, fixed")
    resolved = [n for n in _notes(cast, cast.editor2) if n.kind == "flag_resolved"]
    assert len(resolved) == 1
    assert resolved[0].flag_id == flag.id and resolved[0].revision_id == fix.id
    expected = f"Your report on Asthma was resolved by revision {fix.id} (rosa): Thanks, fixed"
    assert resolved[0].message == expected


def test_dismissing_tells_the_reporter_but_anonymous_reports_tell_nobody(cast):
    s = cast.session
    mine = flags.report(s, cast.article, reason="Seems wrong to me", reporter=cast.editor)
    anon = flags.report(s, cast.article, reason="Seems wrong to me", reporter=ANONYMOUS)
    flags.dismiss(s, mine.id, actor=cast.reviewer, reason="The text is right")
    flags.dismiss(s, anon.id, actor=cast.reviewer, reason="The text is right")
    cast.refresh()
    notes = s.query(Notification).filter_by(kind="flag_resolved").all()
    assert [(n.user_id, n.flag_id) for n in notes] == [(cast.editor.id, mine.id)]
    assert "dismissed" in notes[0].message


def test_a_reply_tells_the_parent_author_not_oneself(cast):
    s = cast.session
    top = talk.post(s, cast.article, "Should we mention spacers?", author=cast.editor, subject="Spacers")
    mine = talk.post(s, cast.article, "Also for children.", author=cast.editor, parent_id=top.id)
    reply = talk.post(s, cast.article, "Yes, with a source.", author=cast.clinician, parent_id=top.id)
    notes = [n for n in _notes(cast, cast.editor) if n.kind == "reply"]
    assert [(n.talk_post_id, n.actor_name) for n in notes] == [(reply.id, "cleo")]
    assert notes[0].message == "cleo replied to your post on the talk page of Asthma"
    assert mine.id != reply.id
    assert watch.notification_path(notes[0]) == f"/wiki/asthma/talk#post-{reply.id}"


def test_notification_paths_point_at_the_diff(cast):
    watch.watch(cast.session, cast.editor2, cast.article)
    rev = cast.edit(cast.editor, TEXT + "More.\n")
    note = _notes(cast, cast.editor2)[0]
    assert watch.notification_path(note) == f"/wiki/asthma/diff?from={rev.parent_id}&to={rev.id}"


def test_watch_rows_stay_unique(cast):
    s = cast.session
    for _ in range(3):
        watch.watch(s, cast.editor, cast.article)
        cast.edit(cast.editor, TEXT + f"{_}\n")
    cast.refresh()
    assert s.query(Watch).filter_by(user_id=cast.editor.id).count() == 1
