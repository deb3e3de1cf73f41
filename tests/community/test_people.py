"""Contributor pages, profile fields, exporting one's data and deleting one's account."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.community.conftest import TEXT
from wiki import accounts, flags, people, review, revisions, talk, watch
from wiki.errors import Conflict, Forbidden, InvalidInput
from wiki.models import ApiToken, Notification, Revision, TalkPost, User, Watch
from wiki.permissions import ANONYMOUS


def test_a_profile_counts_and_lists_what_the_user_did(cast):
    s = cast.session
    rev = cast.edit(cast.editor, TEXT + "One.\n")
    cast.edit(cast.editor, TEXT + "One.\nTwo.\n")
    review.approve(s, rev.id, reviewer=cast.reviewer, comment="ok")
    flags.report(s, cast.article, reason="Needs a source", reporter=cast.editor)
    talk.post(s, cast.article, "Where is the source?", author=cast.editor)
    cast.refresh()
    page = people.profile(s, cast.editor)
    counts = (page.contributions_count, page.reviews_count, page.reports_count, page.talk_posts_count)
    assert counts == (2, 0, 1, 1)
    assert [c.kind for c in page.contributions] == ["revision", "revision"]
    assert page.reports[0].summary == "Reported a possible inaccuracy"  # the public does not see reasons
    assert people.profile(s, cast.editor, viewer=cast.editor).reports[0].summary == "Needs a source"
    rosa = people.profile(s, cast.reviewer)
    assert rosa.reviews_count == 1 and [c.action for c in rosa.reviews] == ["approve"]
    assert rosa.contributions_count == 1  # created the article


def test_only_a_verified_credential_is_shown(cast):
    s = cast.session
    assert people.profile(s, cast.clinician).credential is None
    accounts.verify_clinician(s, cast.clinician, "RN, asthma nurse", actor=cast.admin)
    page = people.profile(s, cast.clinician)
    assert page.credential == "RN, asthma nurse" and page.verified_at is not None


def test_hidden_talk_posts_are_counted_for_reviewers_only(cast):
    s = cast.session
    post = talk.post(s, cast.article, "Spam", author=cast.editor)
    talk.hide(s, post.id, reason="spam", actor=cast.reviewer)
    assert people.profile(s, cast.editor).talk_posts_count == 0
    assert people.profile(s, cast.editor, viewer=cast.reviewer).talk_posts_count == 1


def test_update_profile(cast):
    s = cast.session
    user = people.update_profile(s, cast.editor, display_name="  Erin   M. ", bio="Carer.\r\nI read a lot.",
                                 actor=cast.editor)
    assert (user.display_name, user.bio, user.shown_name) == ("Erin M.", "Carer.\nI read a lot.", "Erin M.")
    people.update_profile(s, cast.editor, display_name="", bio="  ", actor=cast.editor)
    assert (cast.editor.display_name, cast.editor.bio) == (None, None)
    people.update_profile(s, cast.editor, display_name="Erin", bio=None, actor=cast.admin)  # admins may


@pytest.mark.parametrize(("display_name", "bio"), [
    ("x" * (people.MAX_DISPLAY_NAME + 1), None),
    ("Erin\u202e", None),
    (None, "y" * (people.MAX_BIO + 1)),
    (None, "bell\x07"),
    (42, None),
])
def test_update_profile_refuses_bad_values(cast, display_name, bio):
    with pytest.raises(InvalidInput):
        people.update_profile(cast.session, cast.editor, display_name=display_name, bio=bio,
                              actor=cast.editor)


def test_a_display_name_cannot_be_someone_elses_username(cast):
    with pytest.raises(Conflict):
        people.update_profile(cast.session, cast.editor, display_name="ROSA", bio=None, actor=cast.editor)


def test_only_the_user_or_an_admin_may_change_export_or_delete(cast):
    s = cast.session
    for who in (cast.editor2, cast.reviewer, ANONYMOUS):
        with pytest.raises(Forbidden):
            people.update_profile(s, cast.editor, display_name="X", bio=None, actor=who)
        with pytest.raises(Forbidden):
            people.export_user_data(s, cast.editor, actor=who)
        with pytest.raises(Forbidden):
            people.delete_account(s, cast.editor, actor=who)


def test_export_holds_everything_but_secrets_and_is_json(cast):
    s = cast.session
    cast.editor.email = "erin@example.org"
    s.commit()
    people.update_profile(s, cast.editor, display_name="Erin", bio="Carer", actor=cast.editor)
    cast.edit(cast.editor, TEXT + "One.\n", summary="Add one")
    talk.post(s, cast.article, "A question", author=cast.editor)
    flags.report(s, cast.article, reason="Unclear sentence", reporter=cast.editor)
    accounts.create_token(s, cast.editor, label="laptop")
    watch.watch(s, cast.editor2, cast.article)
    cast.edit(cast.editor2, TEXT + "One.\nTwo.\n")
    data = people.export_user_data(s, cast.editor, actor=cast.editor)
    dumped = json.dumps(data)
    assert data["account"]["email"] == "erin@example.org" and data["account"]["bio"] == "Carer"
    assert [r["summary"] for r in data["revisions"]] == ["Add one"]
    assert data["talk_posts"][0]["text"] == "A question"
    assert data["flags"][0]["reason"] == "Unclear sentence"
    assert [w["article"] for w in data["watches"]] == ["asthma"]
    assert [n["kind"] for n in data["notifications"]] == ["edit"]
    assert data["api_tokens"] == [{"label": "laptop", "created_at": data["api_tokens"][0]["created_at"],
                                   "last_used_at": None}]
    assert cast.editor.password_hash not in dumped
    assert s.scalar(text("SELECT token_hash FROM api_tokens")) not in dumped


def test_deleting_an_account_scrubs_personal_data_and_keeps_history(cast):
    s = cast.session
    erin = cast.editor
    erin.email = "erin.unique@example.org"
    s.commit()
    people.update_profile(s, erin, display_name="Erin Q. Example", bio="Bio-marker-xyzzy", actor=erin)
    accounts.verify_clinician(s, erin, "Credential-plugh", actor=cast.admin)
    first = cast.edit(erin, TEXT + "One.\n", summary="Add one")
    second = cast.edit(erin, TEXT + "One.\nTwo.\n", summary="Add two")
    post = talk.post(s, cast.article, "My question", author=erin)
    accounts.create_token(s, erin, label="laptop")
    watch.watch(s, cast.editor2, cast.article)
    cast.edit(cast.editor2, TEXT + "One.\nTwo.\nThree.\n")  # erin gets a notification
    review.approve(s, second.id, reviewer=cast.reviewer, comment="ok")  # and another
    cast.refresh()
    old_revisions = [(r.id, r.author_id, r.summary, revisions.load_text(s, r))
                     for r in s.query(Revision).order_by(Revision.id)]
    session_version = erin.session_version

    placeholder = people.delete_account(s, erin, actor=erin)
    cast.refresh()

    assert placeholder == f"deleted-user-{erin.id}"
    secrets_ = ["erin", "erin.unique@example.org", "Erin Q. Example", "Bio-marker-xyzzy", "Credential-plugh"]
    for table in ("users", "api_tokens"):
        for row in s.execute(text(f"SELECT * FROM {table}")).all():  # noqa: S608 (fixed table names)
            for value in row:
                if isinstance(value, str):
                    leaked = [x for x in secrets_ if x.casefold() in value.casefold()]
                    assert not leaked, (table, value)
    targets = [t for (t,) in s.execute(text("SELECT target FROM audit_events"))]
    assert "user:erin" not in targets and f"user:{placeholder}" in targets
    details = " ".join(str(d) for (d,) in s.execute(text("SELECT details FROM audit_events")))
    assert "Credential-plugh" not in details
    user = s.get(User, erin.id)
    assert (user.username, user.username_key) == (placeholder, placeholder)
    assert user.password_hash is None and user.email is None and user.deleted_at is not None
    assert user.session_version == session_version + 1
    assert s.query(ApiToken).filter_by(user_id=erin.id).count() == 0
    assert s.query(Watch).filter_by(user_id=erin.id).count() == 0
    assert s.query(Notification).filter_by(user_id=erin.id).count() == 0
    # history is untouched and attributed to the placeholder
    assert [(r.id, r.author_id, r.summary, revisions.load_text(s, r))
            for r in s.query(Revision).order_by(Revision.id)] == old_revisions
    assert {first.id, second.id} <= {r.id for r in s.query(Revision).filter_by(author_id=erin.id)}
    kept = s.get(TalkPost, post.id)
    assert kept.text == "My question" and kept.author.username == placeholder
    assert accounts.authenticate(s, "erin", "correct horse battery") is None
    assert accounts.find_user(s, "erin") is None
    with pytest.raises(Conflict):
        people.delete_account(s, user, actor=cast.admin)


def test_notices_others_got_name_the_placeholder_after_deletion(cast):
    s = cast.session
    watch.watch(s, cast.editor2, cast.article)
    cast.edit(cast.editor, TEXT + "One.\n")
    people.delete_account(s, cast.editor, actor=cast.admin)
    cast.refresh()
    [note] = watch.list_notifications(s, cast.editor2)
    assert note.message.startswith(f"deleted-user-{cast.editor.id} edited Asthma")
    assert note.actor_name == f"deleted-user-{cast.editor.id}"


def test_a_taken_placeholder_name_does_not_block_deletion(cast, store):
    squatter = store.user(f"deleted-user-{cast.editor.id}")
    name = people.delete_account(cast.session, cast.editor, actor=cast.editor)
    assert name.startswith(f"deleted-user-{cast.editor.id}-") and name != squatter.username
