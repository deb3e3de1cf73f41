"""Community pages through HTTP: recent changes and feeds, watching, notifications, lists, accounts."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD
from tests.views.conftest import ASTHMA, assert_csp_clean, login
from wiki import accounts, articles, flags, review, talk
from wiki.models import Article, Notification, Revision, TalkPost, User, Watch, utcnow
from wiki.permissions import ANONYMOUS

DOSE = ASTHMA + "\nThe usual dose is 5 mg.\n"


def _seed_everything(wiki):
    """Asthma (reviewer), an edit by erin (pending), a review, a report, a talk post: one of each kind."""
    slug = wiki.article()
    wiki.article("Gout", "---\ncategories: [Rheumatology]\n---\n**Gout** hurts.\n")
    wiki.user("erin")
    rev = wiki.edit(slug, ASTHMA + "\nSpacers help.\n", author="erin", summary="Added spacers")

    def act(session):
        article = articles.get_by_slug(session, slug)
        erin = accounts.get_user(session, "erin")
        talk.post(session, article, "What about spacers for adults?", author=erin, subject="Spacers")
        flags.report(session, article, reason="The dose looks wrong", reporter=ANONYMOUS)
    wiki.run(act)
    return slug, rev


def _approve(wiki, rev: int, comment: str | None = None, reviewer: str = "seed_reviewer") -> None:
    wiki.run(lambda s: review.approve(s, rev, reviewer=accounts.get_user(s, reviewer), comment=comment))


# ---------------------------------------------------------------- recent changes

def test_recent_changes_lists_every_kind_newest_first(client, wiki):
    _slug, rev = _seed_everything(wiki)
    response = client.get("/recent")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for kind in ("revision", "flag", "talk"):
        assert f"change--{kind}" in body
    assert "Added spacers" in body and "Awaiting review" in body
    assert "/wiki/asthma/diff?from=" in body and f"to={rev}" in body
    assert body.index("change--talk") < body.index("change--revision")  # talk post came after the edit
    assert "The dose looks wrong" not in body  # report reasons are for reviewers
    assert "/wiki/asthma/talk#post-" in body
    assert f"/wiki/asthma/talk?revision={rev}" in body  # discuss this change


def test_recent_changes_filters(client, wiki, as_user):
    slug, rev = _seed_everything(wiki)
    _approve(wiki, rev, "Looks right")
    wiki.edit(slug, DOSE, author="erin", summary="Dose added")

    def titles(query: str) -> list[str]:
        response = client.get("/recent?" + query)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        page = response.get_data(as_text=True)
        return [line for line in page.split('class="change change--')[1:]]

    pending = titles("pending=1")
    assert len(pending) == 1 and "Dose added" in pending[0]
    dose = titles("dose=1")
    assert dose and all("Dose added" in row for row in dose)
    reviews = titles("kinds=review")
    assert len(reviews) == 1 and reviews[0].startswith("review") and "Looks right" in reviews[0]
    assert all(row.startswith(("review", "talk")) for row in titles("kinds=review&kinds=talk"))
    assert all(row.startswith(("review", "talk")) for row in titles("kinds=review,talk"))
    gout = titles("category=Rheumatology")
    assert len(gout) == 1 and "Gout" in gout[0]
    editors = titles("role=editor")
    assert editors and all("erin" in row for row in editors)
    as_user("erin2")
    wiki.edit(slug, DOSE + "More.\n", author="erin2", summary="mine")
    assert any("mine" in row for row in titles(""))
    assert not any("mine" in row for row in titles("hideown=1"))


@pytest.mark.parametrize("query", ["role=wizard", "kinds=gossip", "before=yesterday"])
def test_recent_changes_bad_filters_are_400(client, query):
    assert client.get("/recent?" + query).status_code == 400
    assert client.get("/recent.atom?" + query).status_code == 400


def test_recent_changes_pages_with_before(client, wiki):
    slug = wiki.article()
    wiki.user("erin")
    for n in range(4):
        wiki.edit(slug, ASTHMA + "x" * (n + 1) + "\n", author="erin", summary=f"Edit number {n}")
    first = client.get("/recent?kinds=revision&limit=2").get_data(as_text=True)
    assert "Edit number 3" in first and "Edit number 2" in first and "Edit number 1" not in first
    older = [a for a in parse_links(first) if "before=" in a]
    assert older
    second = client.get(older[0]).get_data(as_text=True)
    assert "Edit number 1" in second and "Edit number 3" not in second


def parse_links(page: str) -> list[str]:
    import html
    import re

    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def test_recent_atom_feed_is_valid_and_filtered(client, wiki):
    _slug, rev = _seed_everything(wiki)
    response = client.get("/recent.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Asclepedia: recent changes"
    assert len(feed.entries) == 5  # two creations, one edit, one talk post, one report
    assert any(e.link.endswith(f"to={rev}") for e in feed.entries)
    only_talk = feedparser.parse(client.get("/recent.atom?kinds=talk").get_data())
    assert only_talk.bozo == 0 and len(only_talk.entries) == 1
    assert "talk#post-" in only_talk.entries[0].link
    page = client.get("/recent").get_data(as_text=True)
    assert 'type="application/atom+xml"' in page


def test_article_history_feed(client, wiki):
    slug = wiki.article()
    wiki.article("Gout", "**Gout**.\n")
    wiki.user("erin")
    rev = wiki.edit(slug, ASTHMA + "More.\n", author="erin", summary="More detail")
    _approve(wiki, rev, "Fine")
    response = client.get("/wiki/asthma/history.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert "Asthma" in feed.feed.title and len(feed.entries) == 3  # create, edit, approval
    assert all("gout" not in e.link for e in feed.entries)
    assert client.get("/wiki/nothing/history.atom").status_code == 404


def test_api_recent_changes_has_every_kind(client, wiki):
    _seed_everything(wiki)
    changes = client.get("/api/v1/recent-changes").get_json()["changes"]
    assert {c["kind"] for c in changes} == {"revision", "flag", "talk"}
    for change in changes:
        assert {"article", "revision", "author", "created_at", "summary", "status", "size_delta",
                "kind"} <= set(change)
    talk_only = client.get("/api/v1/recent-changes?kinds=talk").get_json()["changes"]
    assert [c["kind"] for c in talk_only] == ["talk"] and talk_only[0]["status"] == "visible"
    assert client.get("/api/v1/recent-changes?kinds=nope").status_code == 400


# ---------------------------------------------------------------- watching and notifications

def _watches(wiki, name: str) -> list[str]:
    def read(session):
        user = accounts.get_user(session, name)
        return [a.slug for a in session.scalars(
            select(Article).join(Watch, Watch.article_id == Article.id).where(Watch.user_id == user.id))]
    return wiki.run(read)


def _note_of(wiki, name: str) -> int:
    return wiki.run(lambda s: s.scalar(select(Notification.id).where(
        Notification.user_id == accounts.get_user(s, name).id)))


def test_watch_and_unwatch_an_article(client, wiki, as_user):
    wiki.article()
    response = client.post("/wiki/asthma/watch")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Watch<span" not in client.get("/wiki/asthma").get_data(as_text=True)
    as_user("erin")
    assert "Watch<span" in client.get("/wiki/asthma").get_data(as_text=True)
    response = client.post("/wiki/asthma/watch")
    assert response.status_code == 302 and response.headers["Location"] == "/wiki/asthma"
    assert _watches(wiki, "erin") == ["asthma"]
    assert client.post("/wiki/asthma/watch").status_code == 302  # twice is harmless
    page = client.get("/wiki/asthma").get_data(as_text=True)
    assert "Stop watching" in page and "/wiki/asthma/unwatch" in page
    assert client.post("/wiki/asthma/unwatch").status_code == 302
    assert _watches(wiki, "erin") == []
    assert client.post("/wiki/nothing/watch").status_code == 404


def test_editing_watches_automatically(client, wiki, as_user):
    slug = wiki.article()
    as_user("erin")
    wiki.edit(slug, ASTHMA + "More.\n", author="erin")
    assert _watches(wiki, "erin") == ["asthma"]


def test_notifications_for_a_watched_article_in_header_and_page(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    assert client.get("/notifications").status_code == 302  # log in first
    as_user("erin")
    assert "Notifications (0)" in client.get("/").get_data(as_text=True)
    client.post("/wiki/asthma/watch")
    rev = wiki.edit(slug, ASTHMA + "Spacers.\n", author="eddie", summary="Spacers for children")
    assert "Notifications (1)" in client.get("/").get_data(as_text=True)
    page = client.get("/notifications")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "eddie edited Asthma: Spacers for children" in body
    assert "tag--new" in body
    note_id = _note_of(wiki, "erin")
    response = client.get(f"/notifications/{note_id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/wiki/asthma/diff?from=")
    assert response.headers["Location"].endswith(f"to={rev}")
    assert "Notifications (0)" in client.get("/").get_data(as_text=True)
    assert "tag--new" not in client.get("/notifications").get_data(as_text=True)


def test_nobody_opens_another_users_notification(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    as_user("erin")
    client.post("/wiki/asthma/watch")
    wiki.edit(slug, ASTHMA + "Spacers.\n", author="eddie")
    note_id = _note_of(wiki, "erin")
    client.post("/logout")
    as_user("mallory")
    assert client.get(f"/notifications/{note_id}").status_code == 404
    assert client.get("/notifications/999").status_code == 404
    unread = wiki.run(lambda s: s.scalar(select(func.count()).where(Notification.id == note_id,
                                                                     Notification.read_at.is_(None))))
    assert unread == 1


def test_mark_all_read(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    as_user("erin")
    client.post("/wiki/asthma/watch")
    for n in range(3):
        wiki.edit(slug, ASTHMA + "x" * (n + 1) + "\n", author="eddie")
    assert "Notifications (3)" in client.get("/").get_data(as_text=True)
    response = client.post("/notifications/read")
    assert response.status_code == 302
    assert "Notifications (0)" in client.get("/notifications").get_data(as_text=True)


def test_review_of_your_edit_and_replies_are_notified(client, wiki, as_user):
    slug = wiki.article()
    as_user("erin")
    rev = wiki.edit(slug, ASTHMA + "Spacers.\n", author="erin", summary="Spacers")
    _approve(wiki, rev, "Good catch, thanks")
    response = client.post("/wiki/asthma/talk", data={"subject": "Q", "text": "Any thoughts?"})
    post_id = int(response.headers["Location"].rsplit("-", 1)[1])

    def reply(session):
        talk.post(session, articles.get_by_slug(session, slug), "Yes!", author=accounts.get_user(
            session, "seed_reviewer"), parent_id=post_id)
    wiki.run(reply)
    body = client.get("/notifications").get_data(as_text=True)
    assert "seed_reviewer approved your edit to Asthma: “Good catch, thanks”" in body
    assert "seed_reviewer replied to your post on the talk page of Asthma" in body


# ---------------------------------------------------------------- lists

def test_what_links_here(client, wiki):
    wiki.article()
    wiki.article("Inhalers", "**Inhalers** treat [[Asthma]].\n")
    wiki.article("Gout", "**Gout**.\n")
    response = client.get("/wiki/asthma/links")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "/wiki/inhalers" in body and "/wiki/gout" not in body
    assert "No other article links" in client.get("/wiki/gout/links").get_data(as_text=True)
    assert client.get("/wiki/nothing/links").status_code == 404
    assert "/wiki/asthma/links" in client.get("/wiki/asthma").get_data(as_text=True)


def test_lists_page_wanted_unreferenced_and_random(client, wiki):
    assert client.get("/special/random").headers["Location"] == "/articles"
    wiki.article("Asthma", ASTHMA + "\nSee [[Spacer devices]] and PMID: 29955311.\n")
    wiki.article("Gout", "**Gout** links to [[Spacer devices]] too.\n")
    special = client.get("/special").get_data(as_text=True)
    for path in ("/special/wanted", "/special/random", "/special/unreferenced", "/special/stale"):
        assert path in special
    assert "/special" in client.get("/").get_data(as_text=True)
    wanted = client.get("/special/wanted").get_data(as_text=True)
    assert "Spacer devices" in wanted and "2 articles link here" in wanted
    unreferenced = client.get("/special/unreferenced").get_data(as_text=True)
    assert "/wiki/gout" in unreferenced and "/wiki/asthma" not in unreferenced
    response = client.get("/special/random")
    assert response.status_code == 302 and response.headers["Location"] in ("/wiki/asthma", "/wiki/gout")


def test_stale_reviews_list(client, wiki):
    wiki.article()
    wiki.article("Gout", "**Gout**.\n")
    assert "Every article has been reviewed" in client.get("/special/stale").get_data(as_text=True)

    def age(session):
        gout = articles.get_by_slug(session, "gout")
        old = utcnow() - timedelta(days=400)
        session.execute(update(Revision).where(Revision.article_id == gout.id)
                        .values(reviewed_at=old, created_at=old))
        session.commit()
    wiki.run(age)
    body = client.get("/special/stale").get_data(as_text=True)
    assert "/wiki/gout" in body and "/wiki/asthma" not in body


# ---------------------------------------------------------------- contributor pages and accounts

def test_contributor_page_lists_edits_reviews_reports_and_talk(client, wiki, as_user):
    slug, rev = _seed_everything(wiki)
    _approve(wiki, rev, "Fine")
    body = client.get("/user/erin").get_data(as_text=True)
    assert "Added spacers" in body and "Spacers" in body and "talk#post-" in body
    assert "1 edit," in body and "1 talk post" in body
    reviewer = client.get("/user/seed_reviewer").get_data(as_text=True)
    assert "<h2>Reviews</h2>" in reviewer and "1 review," in reviewer
    assert "Download your data" not in body  # only on one's own page
    as_user("eddie")
    assert "Download your data" in client.get("/user/eddie").get_data(as_text=True)


def test_profile_edit_sets_display_name_and_bio(client, wiki, as_user):
    wiki.user("eddie")
    assert client.get("/account").status_code == 302
    as_user("erin")
    assert client.get("/account").status_code == 200
    response = client.post("/account", data={"display_name": "Erin K", "bio": "Carer for my father."})
    assert response.status_code == 302 and response.headers["Location"] == "/user/erin"
    body = client.get("/user/erin").get_data(as_text=True)
    assert "Erin K" in body and "Carer for my father." in body
    response = client.post("/account", data={"display_name": "eddie", "bio": ""})
    assert response.status_code == 409 and "another user" in response.get_data(as_text=True)
    response = client.post("/account", data={"display_name": "x" * 100, "bio": ""})
    assert response.status_code == 400


def test_export_own_data_as_json(client, wiki, as_user):
    _seed_everything(wiki)
    assert client.get("/account/export").status_code == 302
    login(client, "erin")
    response = client.get("/account/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["username"] == "erin"
    assert [r["summary"] for r in data["revisions"]] == ["Added spacers"]
    assert data["talk_posts"][0]["text"] == "What about spacers for adults?"
    assert "password_hash" not in response.get_data(as_text=True)


def test_delete_account_keeps_history_and_removes_personal_data(client, wiki, as_user):
    slug, rev = _seed_everything(wiki)
    login(client, "erin")
    client.post("/account", data={"display_name": "Erin Example", "bio": "Lives in Leeds."})
    client.post("/wiki/asthma/watch")
    assert client.get("/account/delete").status_code == 200
    response = client.post("/account/delete", data={"password": "wrong password"})
    assert response.status_code == 403 and "That is not your password." in response.get_data(as_text=True)
    assert client.post("/account/delete", data={}).status_code == 400
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Log out" not in client.get("/").get_data(as_text=True)  # logged out
    assert login(client, "erin").status_code == 401

    def read(session):
        user = session.scalar(select(User).where(User.username_key.like("deleted-user-%")))
        revision = session.get(Revision, rev)
        post = session.scalar(select(TalkPost))
        return {"name": user.username, "display": user.display_name, "bio": user.bio,
                "hash": user.password_hash, "rev_author": revision.author_id == user.id,
                "post_author": post.author_id == user.id,
                "watches": session.scalar(select(func.count()).where(Watch.user_id == user.id)),
                "erin": accounts.find_user(session, "erin")}
    state = wiki.run(read)
    assert state["name"].startswith("deleted-user-")
    assert state["display"] is None and state["bio"] is None and state["hash"] is None
    assert state["rev_author"] and state["post_author"] and state["watches"] == 0
    assert state["erin"] is None
    history = client.get("/wiki/asthma/history").get_data(as_text=True)
    assert "Added spacers" in history and "a former user" in history and "Erin Example" not in history
    assert "Lives in Leeds" not in client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert "a former user" in client.get("/wiki/asthma/talk").get_data(as_text=True)
    assert client.get("/user/erin").status_code == 404
    assert client.get(f"/user/{state['name']}").status_code == 404
    assert wiki.text(rev).endswith("Spacers help.\n")


# ---------------------------------------------------------------- e-mail after commit

def test_no_smtp_url_means_no_mailer_and_nothing_breaks(app, client, wiki, as_user):
    assert "wiki.mailer" not in app.extensions
    slug = wiki.article()
    as_user("erin")
    client.post("/wiki/asthma/watch")
    wiki.user("eddie")
    wiki.edit(slug, ASTHMA + "x\n", author="eddie")
    assert client.post("/notifications/read").status_code == 302


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self) -> None:
            self.envelopes: list = []
            self.arrived = threading.Event()

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's API)
            self.envelopes.append(envelope)
            self.arrived.set()
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


def test_notifications_are_mailed_from_a_background_thread_after_a_request(tmp_path, smtp_server):
    from tests.conftest import make_config
    from tests.views.conftest import Wiki
    from wiki import create_app, db

    url, inbox = smtp_server
    app = create_app(make_config(tmp_path, SMTP_URL=url, MAIL_FROM="wiki@example.org"))
    with app.app_context():
        db.create_all()
    helper = Wiki(app)
    slug = helper.article()
    helper.user("erin")
    helper.user("eddie")

    def give_address(session):
        accounts.get_user(session, "erin").email = "erin@example.org"
        session.commit()
    helper.run(give_address)
    client = app.test_client()
    login(client, "erin")
    client.post("/wiki/asthma/watch")
    client.post("/logout")
    login(client, "eddie")
    base = helper.pointers(slug)[1]
    response = client.post("/wiki/asthma/edit", data={"text": ASTHMA + "Spacers.\n", "summary": "Spacers",
                                                      "base_revision": base, "save": "Save"})
    assert response.status_code == 302
    # The request returned without waiting; the mail thread delivers on its own.
    assert inbox.arrived.wait(timeout=30), "no mail arrived"
    assert [e.rcpt_tos for e in inbox.envelopes] == [["erin@example.org"]]
    assert b"eddie edited Asthma" in inbox.envelopes[0].content
    sent = helper.run(lambda s: s.scalar(select(func.count()).where(Notification.emailed_at.is_not(None))))
    assert sent == 1
    db.database(app).engine.dispose()


def test_community_pages_have_no_inline_script_or_style(client, wiki, as_user):
    _seed_everything(wiki)
    as_user("eddie")
    client.post("/wiki/asthma/watch")
    for path in ("/recent", "/notifications", "/wiki/asthma/talk", "/wiki/asthma/links", "/special",
                 "/special/wanted", "/special/unreferenced", "/special/stale", "/user/erin", "/account",
                 "/account/delete"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_csp_clean(response)


def test_a_user_sets_and_clears_their_notification_email(client, wiki, auth):
    wiki.user("erin")
    auth.login("erin")
    bad = client.post("/account", data={"display_name": "", "bio": "", "email": "not an address"})
    assert bad.status_code == 400 and "does not look like an e-mail address" in bad.get_data(as_text=True)
    assert client.post("/account", data={"display_name": "", "bio": "", "email": "erin@example.org"}).status_code == 302
    assert 'value="erin@example.org"' in client.get("/account").get_data(as_text=True)
    client.post("/account", data={"display_name": "", "bio": "", "email": ""})
    assert 'value="erin@example.org"' not in client.get("/account").get_data(as_text=True)
