"""Talk pages: threads, sanitized Markdown, the edit window, hiding, rate limits, revision quotes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.community.conftest import TEXT
from wiki import accounts, talk, watch
from wiki.errors import Forbidden, InvalidInput, NeedsConfirmation, NotFound, Unauthorized
from wiki.models import AuditEvent, Role, TalkPost, utcnow
from wiki.permissions import ANONYMOUS


def _flat(threads):
    return [(depth, view.id) for thread in threads for depth, view in thread]


def test_posts_form_threads_with_replies_in_order(cast):
    s, a = cast.session, cast.article
    one = talk.post(s, a, "Should we mention spacers?", author=cast.editor, subject="Spacers")
    two = talk.post(s, a, "The lead is too long.", author=cast.editor2, subject="Lead")
    r1 = talk.post(s, a, "Yes, for children.", author=cast.clinician, parent_id=one.id)
    r2 = talk.post(s, a, "Agreed.", author=cast.editor, parent_id=r1.id)
    r3 = talk.post(s, a, "And adults.", author=cast.reviewer, parent_id=one.id)
    threads = talk.list_threads(s, a, actor=ANONYMOUS)
    assert [t.post.id for t in threads] == [one.id, two.id]
    assert _flat(threads) == [(0, one.id), (1, r1.id), (2, r2.id), (1, r3.id), (0, two.id)]
    assert threads[0].post.subject == "Spacers"
    assert s.get(TalkPost, r1.id).subject is None  # replies take their thread's subject


def test_posts_are_markdown_rendered_and_sanitized(cast):
    p = talk.post(cast.session, cast.article, "**Bold** <script>alert(1)</script> [x](javascript:alert(1)) "
                  "[[Asthma]] PMID: 123456", author=cast.editor)
    assert "<strong>Bold</strong>" in p.html
    assert "<script" not in p.html and "javascript:" not in p.html
    assert 'href="/wiki/asthma"' in p.html  # a blue link: the article exists
    assert "pubmed.ncbi.nlm.nih.gov/123456" in p.html


def test_each_post_shows_the_author_role_and_verified_credential(cast):
    s = cast.session
    verified = accounts.create_user(s, "vera", "correct horse battery", role=Role.EDITOR,
                                    hash_method="pbkdf2:sha256:1000")
    accounts.verify_clinician(s, verified, "MD, respiratory medicine", actor=cast.admin)
    talk.post(s, cast.article, "Plain question.", author=cast.editor)
    talk.post(s, cast.article, "Clinical answer.", author=verified)
    views = [t.post for t in talk.list_threads(s, cast.article, actor=ANONYMOUS)]
    assert [(v.author_name, v.author_role, v.author_credential) for v in views] == [
        ("erin", Role.EDITOR, None), ("vera", Role.CLINICIAN, "MD, respiratory medicine")]


def test_posting_needs_an_account_and_no_block(cast):
    s = cast.session
    with pytest.raises(Unauthorized):
        talk.post(s, cast.article, "Hello", author=ANONYMOUS)
    accounts.block(s, cast.editor, until=utcnow() + timedelta(days=1), reason="spam", actor=cast.admin)
    with pytest.raises(Forbidden):
        talk.post(s, cast.article, "Hello", author=cast.editor)
    assert s.query(TalkPost).count() == 0


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (talk.MAX_TEXT + 1), "nul\x00here", 42])
def test_bad_post_text_is_refused(cast, text):
    with pytest.raises(InvalidInput):
        talk.post(cast.session, cast.article, text, author=cast.editor)


def test_personal_data_needs_confirmation_like_an_edit(cast):
    s = cast.session
    text = "You can reach my patient Jane Doe at jane.doe@example.com"
    with pytest.raises(NeedsConfirmation) as caught:
        talk.post(s, cast.article, text, author=cast.editor)
    assert {w["kind"] for w in caught.value.details["warnings"]} == {"personal_data"}
    assert s.query(TalkPost).count() == 0
    post = talk.post(s, cast.article, text, author=cast.editor, confirm_warnings=True)
    assert post.id


def test_posting_is_rate_limited_for_editors_not_reviewers(cast):
    s = cast.session
    per_minute = talk.RATE_LIMITS[0][1]
    for n in range(per_minute):
        talk.post(s, cast.article, f"Point {n}", author=cast.editor)
    with pytest.raises(talk.RateLimited) as caught:
        talk.post(s, cast.article, "One more", author=cast.editor)
    assert caught.value.status == 429
    later = utcnow() + timedelta(minutes=2)
    talk.post(s, cast.article, "After a pause", author=cast.editor, now=later)
    for n in range(per_minute + 2):
        talk.post(s, cast.article, f"Moderating {n}", author=cast.reviewer)


def test_the_author_may_edit_within_the_window_only(cast):
    s = cast.session
    post = talk.post(s, cast.article, "Frist post", author=cast.editor)
    edited = talk.edit(s, post.id, "First post", author=cast.editor)
    assert edited.text == "First post" and "First post" in edited.html and edited.edited_at is not None
    with pytest.raises(Forbidden):
        talk.edit(s, post.id, "Not yours", author=cast.editor2)
    with pytest.raises(Forbidden):
        talk.edit(s, post.id, "Too late", author=cast.editor, now=post.created_at + talk.EDIT_WINDOW
                  + timedelta(seconds=1))
    view = talk.list_threads(s, cast.article, actor=cast.editor, now=post.created_at)[0].post
    assert view.can_edit
    late = talk.list_threads(s, cast.article, actor=cast.editor, now=post.created_at + timedelta(hours=1))
    assert not late[0].post.can_edit
    assert not talk.list_threads(s, cast.article, actor=cast.editor2)[0].post.can_edit


def test_hiding_is_for_reviewers_audited_and_hidden_posts_stay_visible_to_them(cast):
    s = cast.session
    post = talk.post(s, cast.article, "Buy cheap inhalers here", author=cast.editor)
    with pytest.raises(Forbidden):
        talk.hide(s, post.id, reason="spam", actor=cast.editor2)
    with pytest.raises(InvalidInput):
        talk.hide(s, post.id, reason="  ", actor=cast.reviewer)
    talk.hide(s, post.id, reason="Advertising", actor=cast.reviewer)
    assert talk.list_threads(s, cast.article, actor=ANONYMOUS) == []
    assert talk.list_threads(s, cast.article, actor=cast.editor) == []
    seen = talk.list_threads(s, cast.article, actor=cast.reviewer)[0].post
    assert seen.hidden and not seen.concealed and seen.hidden_reason == "Advertising"
    assert "cheap inhalers" in seen.html
    assert talk.count_posts(s, cast.article, actor=ANONYMOUS) == 0
    with pytest.raises(Forbidden):
        talk.edit(s, post.id, "Edited spam", author=cast.editor)
    talk.unhide(s, post.id, actor=cast.reviewer)
    assert [t.post.id for t in talk.list_threads(s, cast.article, actor=ANONYMOUS)] == [post.id]
    events = (s.query(AuditEvent).filter(AuditEvent.target == f"talk_post:{post.id}")
              .order_by(AuditEvent.id).all())
    assert [(e.action, e.actor_id) for e in events] == [("hide_post", cast.reviewer.id),
                                                        ("unhide_post", cast.reviewer.id)]
    assert events[0].details["reason"] == "Advertising"


def test_a_hidden_post_with_replies_stays_as_a_concealed_placeholder(cast):
    s = cast.session
    top = talk.post(s, cast.article, "Rude remark", author=cast.editor, subject="Rude")
    reply = talk.post(s, cast.article, "Please keep it civil.", author=cast.editor2, parent_id=top.id)
    talk.hide(s, top.id, reason="Personal attack", actor=cast.reviewer)
    threads = talk.list_threads(s, cast.article, actor=ANONYMOUS)
    placeholder = threads[0].post
    assert placeholder.concealed and placeholder.html == "" and placeholder.subject is None
    assert placeholder.hidden_reason is None
    assert [r.post.id for r in threads[0].replies] == [reply.id]
    with pytest.raises(NotFound):  # nobody but reviewers can reply to what they cannot see
        talk.post(s, cast.article, "What did it say?", author=cast.editor2, parent_id=top.id)


def test_replies_must_be_to_a_post_on_the_same_article(cast, store):
    s = cast.session
    other = store.article("Bronchitis", "Bronchitis is inflammation of the bronchi.\n", cast.reviewer)
    elsewhere = talk.post(s, other, "Elsewhere", author=cast.editor)
    with pytest.raises(NotFound):
        talk.post(s, cast.article, "Reply", author=cast.editor, parent_id=elsewhere.id)
    with pytest.raises(NotFound):
        talk.post(s, cast.article, "Reply", author=cast.editor, parent_id=999_999)


def test_discussing_a_revision_quotes_its_summary_and_links_its_diff(cast):
    s = cast.session
    rev = cast.edit(cast.editor, TEXT + "Steroid inhalers *prevent* attacks.\n",
                    summary="Add [prevention] *note*")
    post = talk.post(s, cast.article, "Is there a source for this?", author=cast.reviewer, revision_id=rev.id)
    assert post.text.startswith(f"> Revision {rev.id} by erin")
    assert post.text.endswith("Is there a source for this?")
    assert post.subject == f"Revision {rev.id}: Add [prevention] *note*"
    assert post.revision_id == rev.id
    assert f'href="/wiki/asthma/diff?from={rev.parent_id}&amp;to={rev.id}"' in post.html
    assert "Add [prevention] *note*" in post.html  # the summary is quoted as plain text
    assert "<blockquote>" in post.html
    assert talk.find_revision_thread(s, cast.article, rev.id).id == post.id
    # editing keeps the quote
    edited = talk.edit(s, post.id, "Is there a source? PMID please.", author=cast.reviewer)
    assert edited.text.startswith(f"> Revision {rev.id} by erin")
    assert edited.text.endswith("Is there a source? PMID please.")
    again = talk.edit(s, post.id, edited.text.replace("PMID please", "Thanks"), author=cast.reviewer)
    assert again.text.count(f"> Revision {rev.id}") == 1


def test_discussing_a_first_revision_links_to_it_and_other_articles_revisions_are_refused(cast, store):
    s = cast.session
    first_id = cast.article.latest_revision_id
    post = talk.post(s, cast.article, "Welcome!", author=cast.editor, revision_id=first_id)
    assert f"/wiki/asthma?rev={cast.article.latest_revision_id}" in post.text
    other = store.article("Bronchitis", "Bronchitis is inflammation of the bronchi.\n", cast.reviewer)
    with pytest.raises(NotFound):
        talk.post(s, cast.article, "Hm", author=cast.editor, revision_id=other.latest_revision_id)


def test_posting_watches_the_article(cast):
    talk.post(cast.session, cast.article, "A question", author=cast.editor2)
    assert watch.is_watching(cast.session, cast.editor2, cast.article)


def test_posts_by_a_user_newest_first_hidden_only_for_reviewers(cast):
    s = cast.session
    a = talk.post(s, cast.article, "First", author=cast.editor)
    b = talk.post(s, cast.article, "Second", author=cast.editor)
    talk.hide(s, a.id, reason="off topic", actor=cast.reviewer)
    assert [p.id for p in talk.list_posts_by(s, cast.editor, actor=ANONYMOUS)] == [b.id]
    assert [p.id for p in talk.list_posts_by(s, cast.editor, actor=cast.reviewer)] == [b.id, a.id]


def test_escape_markdown_keeps_text_plain():
    from wiki import render
    for text in ["*a* _b_ [c](d) `e` # f", "<b>x</b> [[Link]] > quote", "1. item\n- item"]:
        html = render.render_fragment(talk.escape_markdown(text))
        assert "<em>" not in html and "<a " not in html and "<code>" not in html and "<b>" not in html
