"""Talk pages through HTTP: threads, replies, the edit window, hiding, "discuss this change", limits."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from tests.views.conftest import ASTHMA, login, make_csrf_app, parse
from wiki import accounts, db, talk
from wiki.models import AuditEvent, Notification, Role, TalkPost, utcnow


def _posts(wiki) -> list[dict]:
    def read(session):
        return [{"id": p.id, "parent": p.parent_id, "text": p.text, "subject": p.subject,
                 "revision": p.revision_id, "hidden": p.hidden_at is not None}
                for p in session.scalars(select(TalkPost).order_by(TalkPost.id))]
    return wiki.run(read)


def _post_id(response) -> int:
    match = re.search(r"#post-(\d+)$", response.headers["Location"])
    assert match, response.headers.get("Location")
    return int(match.group(1))


def _start(client, slug="asthma", text="Should we mention spacers?", subject="Spacers", **extra):
    return client.post(f"/wiki/{slug}/talk", data={"subject": subject, "text": text, **extra})


def test_anonymous_reader_sees_the_talk_page_but_cannot_post(client, wiki):
    wiki.article()
    response = client.get("/wiki/asthma/talk")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nobody has started a discussion" in body and "Log in to join the discussion" in body
    assert 'aria-current="page">Talk' in body
    response = _start(client)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _posts(wiki) == []


def test_talk_page_of_a_missing_article_is_404(client):
    assert client.get("/wiki/nothing-here/talk").status_code == 404


def test_editor_starts_a_thread_rendered_and_sanitized_with_role_badge(client, wiki, as_user):
    wiki.article()
    as_user("drsmith", Role.CLINICIAN, credential="MD, respiratory medicine")
    response = _start(client, text="Spacers **help** children.\n\n<script>alert(1)</script>[[Asthma]]")
    assert response.status_code == 302
    post_id = _post_id(response)
    page = client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert f'id="post-{post_id}"' in page and "<h2 class=\"talk-post__subject\">Spacers</h2>" in page
    assert "<strong>help</strong>" in page
    assert "<script>alert(1)" not in page
    assert "badge--clinician" in page and "MD, respiratory medicine" in page
    assert _posts(wiki)[0]["subject"] == "Spacers"


def test_reply_nests_under_its_parent_and_notifies_the_parent_author(client, wiki, as_user):
    wiki.article()
    as_user("erin")
    parent = _post_id(_start(client))
    client.post("/logout")
    as_user("eddie")
    form = client.get(f"/wiki/asthma/talk?reply={parent}")
    assert form.status_code == 200 and parse(form).inputs.get("parent") == str(parent)
    assert "Your reply" in form.get_data(as_text=True)
    response = client.post("/wiki/asthma/talk", data={"text": "Yes, with a mask for small children.",
                                                     "parent": parent})
    assert response.status_code == 302
    reply = _post_id(response)
    assert [(p["id"], p["parent"]) for p in _posts(wiki)] == [(parent, None), (reply, parent)]
    page = client.get("/wiki/asthma/talk").get_data(as_text=True)
    where = [page.index(f'id="post-{parent}"'), page.index('class="talk-replies'),
             page.index(f'id="post-{reply}"')]
    assert where == sorted(where)
    kinds = wiki.run(lambda s: [(n.kind, n.talk_post_id) for n in s.scalars(select(Notification))])
    assert ("reply", reply) in kinds


def test_reply_to_unknown_post_is_404(client, wiki, as_user):
    wiki.article()
    wiki.article("Gout", "**Gout**.\n")
    as_user("erin")
    assert client.get("/wiki/asthma/talk?reply=999").status_code == 404
    gout_post = _post_id(_start(client, slug="gout"))
    assert client.get(f"/wiki/asthma/talk?reply={gout_post}").status_code == 404
    response = client.post("/wiki/asthma/talk", data={"text": "Hello", "parent": 999})
    assert response.status_code == 404


def test_empty_post_is_refused_with_the_form(client, wiki, as_user):
    wiki.article()
    as_user("erin")
    response = _start(client, text="   ")
    assert response.status_code == 400
    assert "Write something before posting." in response.get_data(as_text=True)


def test_blocked_user_cannot_post(client, wiki, as_user):
    wiki.article()
    wiki.user("ada", Role.ADMIN)
    as_user("erin")

    def block(session):
        accounts.block(session, accounts.get_user(session, "erin"), until=utcnow() + timedelta(days=3),
                       reason="spam", actor=accounts.get_user(session, "ada"))
    wiki.run(block)
    assert _start(client).status_code == 403
    assert _posts(wiki) == []
    assert "Start a new thread" not in client.get("/wiki/asthma/talk").get_data(as_text=True)


def test_personal_data_needs_confirmation(client, wiki, as_user):
    wiki.article()
    as_user("erin")
    text = "Ring 0161 496 0742 and ask for the asthma nurse."
    response = _start(client, text=text)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Check your post before it is published" in body and 'name="confirm_warnings"' in body
    assert parse(response).textareas["text"].strip() == text  # the author's text comes back
    assert _posts(wiki) == []
    assert _start(client, text=text, confirm_warnings="y").status_code == 302
    assert len(_posts(wiki)) == 1


def test_posting_too_fast_is_rate_limited_with_429(client, wiki, as_user):
    wiki.article()
    as_user("erin")
    for n in range(talk.RATE_LIMITS[0][1]):
        assert _start(client, text=f"Point {n}", subject=f"S{n}").status_code == 302
    response = _start(client, text="One more", subject="Again")
    assert response.status_code == 429
    assert "wait a little" in response.get_data(as_text=True)
    assert parse(response).textareas["text"].strip() == "One more"


def test_author_edits_within_the_window_only(client, wiki, as_user):
    wiki.article()
    as_user("erin")
    post_id = _post_id(_start(client, text="Spacers help."))
    page = client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert f"/talk/{post_id}/edit" in page
    form = client.get(f"/talk/{post_id}/edit")
    assert form.status_code == 200 and "Spacers help." in form.get_data(as_text=True)
    response = client.post(f"/talk/{post_id}/edit", data={"text": "Spacers help a lot."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#post-{post_id}")
    assert _posts(wiki)[0]["text"] == "Spacers help a lot."
    assert "edited" in client.get("/wiki/asthma/talk").get_data(as_text=True)

    def age(session):
        long_ago = utcnow() - talk.EDIT_WINDOW - timedelta(minutes=1)
        session.execute(update(TalkPost).values(created_at=long_ago))
        session.commit()
    wiki.run(age)
    assert f"/talk/{post_id}/edit" not in client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert client.post(f"/talk/{post_id}/edit", data={"text": "Too late."}).status_code == 403
    assert _posts(wiki)[0]["text"] == "Spacers help a lot."


def test_only_the_author_may_edit_a_post(client, wiki, as_user):
    wiki.article()
    as_user("erin")
    post_id = _post_id(_start(client))
    client.post("/logout")
    as_user("eddie")
    assert client.post(f"/talk/{post_id}/edit", data={"text": "Not mine."}).status_code == 403
    client.post("/logout")
    response = client.post(f"/talk/{post_id}/edit", data={"text": "Anonymous."})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _posts(wiki)[0]["text"] == "Should we mention spacers?"


def test_reviewer_hides_a_post_visible_to_reviewers_only(client, wiki, as_user):
    wiki.article()
    wiki.user("rosa", Role.REVIEWER)
    as_user("erin")
    post_id = _post_id(_start(client, text="Secret rant about Dr Nobody."))
    assert client.post(f"/talk/{post_id}/hide", data={"reason": "personal attack"}).status_code == 403
    assert "Hide<span" not in client.get("/wiki/asthma/talk").get_data(as_text=True)
    client.post("/logout")

    login(client, "rosa")
    assert client.post(f"/talk/{post_id}/hide", data={"reason": ""}).status_code == 400
    response = client.post(f"/talk/{post_id}/hide", data={"reason": "personal attack"})
    assert response.status_code == 302
    assert _posts(wiki)[0]["hidden"]
    reviewer_page = client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert "Secret rant" in reviewer_page and "personal attack" in reviewer_page
    assert "Show again" in reviewer_page
    client.post("/logout")

    public = client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert "Secret rant" not in public and "personal attack" not in public
    as_user("eddie")
    assert "Secret rant" not in client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert client.post(f"/talk/{post_id}/unhide").status_code == 403
    client.post("/logout")

    login(client, "rosa")
    assert client.post(f"/talk/{post_id}/unhide").status_code == 302
    client.post("/logout")
    assert "Secret rant" in client.get("/wiki/asthma/talk").get_data(as_text=True)


def test_hiding_is_audited(client, wiki, as_user):
    wiki.article()
    wiki.user("rosa", Role.REVIEWER)
    as_user("erin")
    post_id = _post_id(_start(client))
    client.post("/logout")
    login(client, "rosa")
    client.post(f"/talk/{post_id}/hide", data={"reason": "off topic"})
    events = wiki.run(lambda s: [(e.action, e.target, e.details.get("reason"))
                                 for e in s.scalars(select(AuditEvent))])
    assert ("hide_post", f"talk_post:{post_id}", "off topic") in events


def test_discuss_this_change_from_history_opens_a_thread_quoting_the_revision(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("erin")
    rev = wiki.edit(slug, ASTHMA + "\nUse a spacer.\n", author="erin", summary="Added spacers")
    history = client.get("/wiki/asthma/history").get_data(as_text=True)
    assert f"/wiki/asthma/talk?revision={rev}" in history
    assert "/wiki/asthma/history.atom" in history

    as_user("eddie")
    page = client.get(f"/wiki/asthma/talk?revision={rev}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Discuss revision {rev}" in body and "Added spacers" in body
    assert parse(page).inputs.get("revision") == str(rev)
    response = client.post("/wiki/asthma/talk", data={"revision": rev, "text": "Is this right for adults?"})
    assert response.status_code == 302
    thread = _post_id(response)
    post = _posts(wiki)[0]
    assert post["revision"] == rev and post["subject"].startswith(f"Revision {rev}")
    assert "Added spacers" in post["text"] and "Is this right for adults?" in post["text"]
    talk_page = client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert "/wiki/asthma/diff?from=" in talk_page and f"to={rev}" in talk_page

    # The same link again joins the thread already started.
    again = client.get(f"/wiki/asthma/talk?revision={rev}")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/wiki/asthma/talk?reply={thread}#post-{thread}")


def test_discussing_a_revision_of_another_article_is_404(client, wiki, as_user):
    wiki.article()
    other = wiki.article("Gout", "**Gout** is a kind of arthritis.\n")
    gout_rev = wiki.pointers(other)[1]
    as_user("eddie")
    assert client.get(f"/wiki/asthma/talk?revision={gout_rev}").status_code == 404
    assert client.get("/wiki/asthma/talk?revision=abc").status_code == 400


def test_talk_forms_need_a_csrf_token(tmp_path):
    app = make_csrf_app(tmp_path)
    from tests.views.conftest import Wiki

    helper = Wiki(app)
    helper.article()
    helper.user("erin")
    client = app.test_client()
    page = client.get("/login")
    token = parse(page).inputs["csrf_token"]
    client.post("/login", data={"username": "erin", "password": "correct horse battery", "csrf_token": token})
    response = client.post("/wiki/asthma/talk", data={"subject": "S", "text": "Hello"})
    assert response.status_code == 400
    form = client.get("/wiki/asthma/talk")
    token = parse(form).inputs["csrf_token"]
    assert client.post("/wiki/asthma/talk", data={"subject": "S", "text": "Hello",
                                                 "csrf_token": token}).status_code == 302
    db.database(app).engine.dispose()
