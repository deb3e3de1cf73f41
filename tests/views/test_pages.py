"""The home page, reading articles (stable, latest, old revisions, aliases), editing and creating."""

from __future__ import annotations

import pytest

from tests.views.conftest import ASTHMA, parse
from wiki.models import Role

EMAIL_LINE = "Contact me at jane.doe@example.com about this.\n"


# ---------------------------------------------------------------- home

def test_home_shows_search_count_and_recent_articles(client, wiki):
    wiki.article("Asthma")
    wiki.article("Gout", "**Gout** is a kind of arthritis.\n")
    page = client.get("/").get_data(as_text=True)
    assert 'action="/search"' in page and 'name="q"' in page
    assert "2 articles" in page
    assert "/wiki/asthma" in page and "/wiki/gout" in page
    assert "Recently reviewed" in page and "seed_reviewer" in page


def test_home_offers_create_link_to_editors_only(client, as_user):
    assert "/new" not in client.get("/").get_data(as_text=True)
    as_user("eddie")
    assert 'href="/new"' in client.get("/").get_data(as_text=True)


def test_base_layout_has_skip_link_nav_and_disclaimer(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="#main-content"' in page and 'id="main-content"' in page
    assert "Asclepedia" in page and "Log in" in page and "Register" in page
    assert "It is not a substitute for professional medical advice" in page
    assert "In an emergency call your local emergency number" in page


def test_nav_shows_user_logout_form_and_review_count_for_reviewers(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    wiki.edit(slug, ASTHMA + "\nMore.\n", author="eddie")
    as_user("rita", Role.REVIEWER)
    page = client.get("/").get_data(as_text=True)
    assert "rita" in page and 'action="/logout"' in page and "Log out" in page
    assert 'href="/review"' in page
    assert '<span class="count">1' in page


def test_nav_hides_review_from_editors(client, as_user):
    as_user("eddie")
    assert 'href="/review"' not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- reading

def test_article_shows_stable_html_infobox_and_reviewer(client, wiki):
    slug = wiki.article()
    response = client.get(f"/wiki/{slug}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>Asthma</strong> is a long-term condition" in page
    assert "Bronchial asthma" in page and "J45" in page and "/category/respiratory" in page
    assert "Last reviewed by" in page and "seed_reviewer" in page
    assert 'class="article-actions"' in page
    assert f'href="/wiki/{slug}/history"' in page and f'href="/wiki/{slug}/talk"' in page


def test_article_shows_table_of_contents(client, wiki):
    text = ASTHMA + "\n## Living with it\n\nText.\n\n## Outlook\n\nGood.\n"
    slug = wiki.article("Asthma", text)
    page = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert "Contents" in page and 'class="toc"' in page


def test_article_alias_redirects_to_canonical_slug(client, wiki):
    wiki.article()
    response = client.get("/wiki/bronchial-asthma")
    assert response.status_code == 302
    assert response.headers["Location"] == "/wiki/asthma?redirected_from=Bronchial+asthma"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "(Redirected from Bronchial asthma)" in page


def test_article_redirect_keeps_revision_argument(client, wiki):
    wiki.article()
    _, latest = wiki.pointers("asthma")
    response = client.get(f"/wiki/Asthma?rev={latest}")
    assert response.status_code == 302
    assert f"rev={latest}" in response.headers["Location"]


def test_redirected_from_must_be_a_real_alias(client, wiki):
    slug = wiki.article()
    page = client.get(f"/wiki/{slug}?redirected_from=Something+made+up").get_data(as_text=True)
    assert "Redirected from" not in page


def test_unknown_article_is_404_offering_creation_to_editors(client, as_user):
    response = client.get("/wiki/heart-murmur")
    assert response.status_code == 404
    assert "Log in to create this article" in response.get_data(as_text=True)
    as_user("eddie")
    page = client.get("/wiki/heart-murmur").get_data(as_text=True)
    assert "Create this article" in page and "/new?title=Heart+murmur" in page


def test_pending_edit_shows_notice_and_readers_keep_stable_text(client, wiki):
    slug = wiki.article()
    wiki.user("eddie")
    stable, _ = wiki.pointers(slug)
    rev = wiki.edit(slug, ASTHMA + "\nA brand new pending sentence.\n", author="eddie")
    assert wiki.revision(rev)["status"] == "pending"
    page = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert "1 change awaiting review" in page
    assert "A brand new pending sentence" not in page
    assert f"/wiki/{slug}?version=latest" in page
    assert f"/wiki/{slug}/diff?from={stable}&amp;to={rev}" in page


def test_version_latest_shows_newest_with_unreviewed_notice(client, wiki):
    slug = wiki.article()
    wiki.user("eddie")
    wiki.edit(slug, ASTHMA + "\nA brand new pending sentence.\n", author="eddie")
    page = client.get(f"/wiki/{slug}?version=latest").get_data(as_text=True)
    assert "A brand new pending sentence" in page
    assert "has not been reviewed" in page
    assert "Read the reviewed version" in page


def test_version_latest_without_pending_changes_has_no_notice(client, wiki):
    slug = wiki.article()
    page = client.get(f"/wiki/{slug}?version=latest").get_data(as_text=True)
    assert "not been reviewed" not in page and "awaiting review" not in page


def test_never_approved_article_shows_latest_under_notice(client, wiki):
    wiki.user("eddie")
    slug = wiki.article("Hay fever", "**Hay fever** is an allergy to pollen.\n", author="eddie")
    page = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert "allergy to pollen" in page
    assert "This article has not yet been reviewed by a clinician or reviewer" in page


def test_old_revision_shows_banner_and_its_text(client, wiki):
    slug = wiki.article()
    first, _ = wiki.pointers(slug)
    wiki.user("rita", Role.REVIEWER)
    wiki.edit(slug, ASTHMA.replace("long-term", "lifelong"), author="rita")
    page = client.get(f"/wiki/{slug}?rev={first}").get_data(as_text=True)
    assert "You are viewing an old revision" in page and "View the current version" in page
    assert "long-term condition" in page
    assert "lifelong" in client.get(f"/wiki/{slug}").get_data(as_text=True)


@pytest.mark.parametrize("rev, status", [("abc", 400), ("999999", 404), ("0", 404), ("-3", 404),
                                         ("99999999999999999999999", 404)])
def test_bad_rev_arguments(client, wiki, rev, status):
    slug = wiki.article()
    assert client.get(f"/wiki/{slug}?rev={rev}").status_code == status


def test_rev_of_another_article_is_404(client, wiki):
    wiki.article()
    other = wiki.article("Gout", "**Gout** hurts.\n")
    _, gout_rev = wiki.pointers(other)
    assert client.get(f"/wiki/asthma?rev={gout_rev}").status_code == 404


def test_suppressed_revision_text_is_hidden_from_non_admins(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    wiki.user("boss", Role.ADMIN)
    rev = wiki.edit(slug, ASTHMA + "\nPrivate details of a real person.\n", author="eddie")
    wiki.suppress(rev, admin="boss")
    page = client.get(f"/wiki/{slug}?rev={rev}").get_data(as_text=True)
    assert "This revision's text has been hidden" in page
    assert "Private details" not in page
    as_user("boss2", Role.ADMIN)
    page = client.get(f"/wiki/{slug}?rev={rev}").get_data(as_text=True)
    assert "Private details" in page and "hidden from everyone but admins" in page


# ---------------------------------------------------------------- editing

def test_edit_requires_login(client, wiki):
    slug = wiki.article()
    response = client.get(f"/wiki/{slug}/edit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert client.post(f"/wiki/{slug}/edit", data={"text": "x"}).status_code == 302


def test_edit_form_has_text_summary_base_revision(client, wiki, as_user):
    slug = wiki.article()
    _, latest = wiki.pointers(slug)
    as_user("eddie")
    response = client.get(f"/wiki/{slug}/edit")
    page = parse(response)
    assert response.status_code == 200
    assert page.textareas["text"].lstrip("\r\n") == ASTHMA
    assert page.inputs["base_revision"] == str(latest)
    assert "summary" in page.inputs
    text = response.get_data(as_text=True)
    assert 'value="Save"' in text and 'value="Preview"' in text
    assert "js/edit.js" in text


def test_edit_unknown_article_is_404(client, as_user):
    as_user("eddie")
    assert client.get("/wiki/nothing/edit").status_code == 404


def _save(client, slug, text, base, **extra):
    data = {"text": text, "summary": "test edit", "base_revision": str(base), "save": "Save", **extra}
    return client.post(f"/wiki/{slug}/edit", data=data)


def test_editor_save_is_pending_and_redirects_to_latest(client, wiki, as_user):
    slug = wiki.article()
    _, latest = wiki.pointers(slug)
    as_user("eddie")
    response = _save(client, slug, ASTHMA + "\nNew line.\n", latest)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/wiki/{slug}?version=latest"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved. Your change is waiting for review." in page
    stable, new_latest = wiki.pointers(slug)
    assert stable == latest and new_latest != latest
    assert wiki.text(new_latest) == ASTHMA + "\nNew line.\n"


def test_reviewer_save_is_approved(client, wiki, as_user):
    slug = wiki.article()
    _, latest = wiki.pointers(slug)
    as_user("rita", Role.REVIEWER)
    response = _save(client, slug, ASTHMA + "\nNew line.\n", latest)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved." in page and "waiting for review" not in page
    stable, new_latest = wiki.pointers(slug)
    assert stable == new_latest


def test_save_with_crlf_line_endings_from_browsers(client, wiki, as_user):
    slug = wiki.article()
    _, latest = wiki.pointers(slug)
    as_user("eddie")
    _save(client, slug, (ASTHMA + "More.\n").replace("\n", "\r\n"), latest)
    assert wiki.text(wiki.pointers(slug)[1]) == ASTHMA + "More.\n"


def test_concurrent_edits_to_different_parts_merge(client, wiki, as_user):
    slug = wiki.article()
    _, base = wiki.pointers(slug)
    wiki.user("other")
    wiki.edit(slug, ASTHMA.replace("long-term condition", "long-term (chronic) condition"), author="other",
              base=base)
    as_user("eddie")
    response = _save(client, slug, ASTHMA.replace("within minutes", "within a few minutes"), base)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "merged" in page
    text = wiki.text(wiki.pointers(slug)[1])
    assert "(chronic)" in text and "within a few minutes" in text


def test_edit_conflict_keeps_users_text_and_shows_current(client, wiki, as_user):
    slug = wiki.article()
    _, base = wiki.pointers(slug)
    wiki.user("other")
    theirs = wiki.edit(slug, ASTHMA.replace("within minutes", "within 5 minutes"), author="other", base=base)
    as_user("eddie")
    mine = ASTHMA.replace("within minutes", "within 10 minutes")
    response = _save(client, slug, mine, base)
    assert response.status_code == 409
    page = parse(response)
    assert page.textareas["text"].lstrip("\r\n") == mine
    assert page.textareas["current-text"].lstrip("\r\n") == wiki.text(theirs)
    assert page.inputs["base_revision"] == str(theirs)
    body = response.get_data(as_text=True)
    assert "Someone else changed the same part" in body and 'class="diff-inline"' in body
    # Saving again from the new base works.
    again = _save(client, slug, mine, theirs)
    assert again.status_code == 302
    assert wiki.text(wiki.pointers(slug)[1]) == mine


def test_needs_confirmation_shows_warnings_and_saves_nothing(client, wiki, as_user):
    slug = wiki.article()
    before = wiki.pointers(slug)
    as_user("eddie")
    text = ASTHMA + EMAIL_LINE
    response = _save(client, slug, text, before[1])
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "jane.doe@example.com" in body
    assert "may contain personal details" in body
    assert 'name="confirm_warnings"' in body and "not about a real person" in body
    assert parse(response).textareas["text"].lstrip("\r\n") == text
    assert wiki.pointers(slug) == before
    confirmed = _save(client, slug, text, before[1], confirm_warnings="y")
    assert confirmed.status_code == 302
    assert wiki.text(wiki.pointers(slug)[1]) == text


def test_preview_renders_and_saves_nothing(client, wiki, as_user):
    slug = wiki.article()
    before = wiki.pointers(slug)
    as_user("eddie")
    data = {"text": ASTHMA + "\nSee [[Gout]] and *this*.\n", "summary": "", "base_revision": str(before[1]),
            "preview": "Preview"}
    response = client.post(f"/wiki/{slug}/edit", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview" in body and "has not been saved yet" in body and "<em>this</em>" in body
    assert parse(response).textareas["text"].lstrip("\r\n") == data["text"]
    assert wiki.pointers(slug) == before


def test_preview_of_bad_front_matter_shows_error_by_field(client, wiki, as_user):
    slug = wiki.article()
    as_user("eddie")
    response = client.post(f"/wiki/{slug}/edit", data={"text": "---\n[unclosed\n---\nBody\n", "preview": "1"})
    assert response.status_code == 400
    assert "front matter" in response.get_data(as_text=True)


def test_invalid_input_is_shown_by_the_field(client, wiki, as_user):
    slug = wiki.article()
    _, latest = wiki.pointers(slug)
    as_user("eddie")
    response = _save(client, slug, "---\naliases: {a: b}\n---\nBody\n", latest)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="text-error"' in body and "There is a problem" in body


def test_bad_base_revision_is_400(client, wiki, as_user):
    slug = wiki.article()
    as_user("eddie")
    assert _save(client, slug, "x", "abc").status_code == 400


def test_too_large_text_is_413_and_kept(client, wiki, as_user, app):
    app.config["MAX_ARTICLE_BYTES"] = 2000
    slug = wiki.article()
    _, latest = wiki.pointers(slug)
    as_user("eddie")
    response = _save(client, slug, "x" * 3000, latest)
    assert response.status_code == 413
    assert "at most 2,000 bytes" in response.get_data(as_text=True)


def test_protected_article_refuses_editor_with_reason(client, wiki, as_user):
    slug = wiki.article()
    wiki.protect(slug, Role.REVIEWER)
    as_user("eddie")
    response = client.get(f"/wiki/{slug}/edit")
    assert response.status_code == 403
    assert "protected" in response.get_data(as_text=True)
    page = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert f'href="/wiki/{slug}/edit"' not in page


def test_blocked_user_gets_403_saying_why(client, wiki, as_user, app):
    from datetime import timedelta

    from wiki import accounts, db
    from wiki.models import utcnow

    slug = wiki.article()
    as_user("eddie")
    wiki.user("boss", Role.ADMIN)
    with app.app_context():
        session = db.session()
        accounts.block(session, accounts.get_user(session, "eddie"), until=utcnow() + timedelta(days=1),
                       reason="vandalism", actor=accounts.get_user(session, "boss"))
    response = client.get(f"/wiki/{slug}/edit")
    assert response.status_code == 403
    assert "blocked" in response.get_data(as_text=True)


# ---------------------------------------------------------------- creating

def test_new_requires_login(client):
    response = client.get("/new?title=Gout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_new_form_prefills_title(client, as_user):
    as_user("eddie")
    page = parse(client.get("/new?title=Heart+murmur"))
    assert page.inputs["title"] == "Heart murmur"


def test_new_creates_article_and_redirects(client, wiki, as_user):
    as_user("eddie")
    response = client.post("/new", data={"title": "Heart murmur", "text": "A **heart murmur** is a sound.\n",
                                         "summary": "start", "save": "Create article"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/wiki/heart-murmur"
    page = client.get("/wiki/heart-murmur").get_data(as_text=True)
    assert "Created." in page and "waiting for review" in page
    assert "has not yet been reviewed" in page


def test_new_with_existing_title_is_409_linking_to_it(client, wiki, as_user):
    wiki.article()
    as_user("eddie")
    response = client.post("/new", data={"title": "asthma", "text": "Mine.\n", "save": "1"})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'href="/wiki/asthma"' in body and "already exists" in body
    assert parse(response).textareas["text"].lstrip("\r\n") == "Mine.\n"


def test_new_needs_confirmation_and_preview(client, wiki, as_user):
    as_user("eddie")
    data = {"title": "Heart murmur", "text": "A murmur.\n" + EMAIL_LINE, "save": "1"}
    response = client.post("/new", data=data)
    assert response.status_code == 422 and "jane.doe@example.com" in response.get_data(as_text=True)
    preview = client.post("/new", data={**data, "preview": "Preview", "save": ""})
    assert preview.status_code == 200 and "has not been saved yet" in preview.get_data(as_text=True)
    assert client.get("/wiki/heart-murmur").status_code == 404
    assert client.post("/new", data={**data, "confirm_warnings": "y"}).status_code == 302


@pytest.mark.parametrize("title, text, field", [("", "Body.\n", "title"), ("Heart murmur", "   ", "text"),
                                                ("A [bad] title", "Body.\n", "title")])
def test_new_invalid_input_is_400_by_field(client, as_user, title, text, field):
    as_user("eddie")
    response = client.post("/new", data={"title": title, "text": text, "save": "1"})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
