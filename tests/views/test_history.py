"""History, diffs, and restore / undo / rollback through their forms."""

from __future__ import annotations

import pytest

from tests.views.conftest import ASTHMA, parse
from wiki.models import Role

V2 = ASTHMA.replace("long-term condition", "lifelong condition")
V3 = V2.replace("within minutes", "within a few minutes")


@pytest.fixture
def three_revisions(wiki):
    """Asthma with three revisions: seed_reviewer's, then two by eddie (pending)."""
    slug = wiki.article()
    first, _ = wiki.pointers(slug)
    wiki.user("eddie")
    second = wiki.edit(slug, V2, author="eddie", summary="plainer words")
    third = wiki.edit(slug, V3, author="eddie", summary="a few")
    return slug, first, second, third


# ---------------------------------------------------------------- history

def test_history_lists_revisions_newest_first(client, three_revisions):
    slug, first, second, third = three_revisions
    response = client.get(f"/wiki/{slug}/history")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.index(f"rev={third}") < body.index(f"rev={second}") < body.index(f"rev={first}")
    assert "plainer words" in body and "a few" in body
    assert "Awaiting review" in body and "Approved" in body
    assert 'href="/user/eddie"' in body and "badge--editor" in body
    assert "<time datetime=" in body
    assert f'action="/wiki/{slug}/diff"' in body
    assert 'name="from"' in body and 'name="to"' in body and "Compare selected revisions" in body
    assert f"/wiki/{slug}/diff?to={third}" in body


def test_history_shows_signed_size_changes(client, wiki):
    slug = wiki.article()
    wiki.user("eddie")
    wiki.edit(slug, ASTHMA + "12345", author="eddie")
    wiki.edit(slug, ASTHMA, author="eddie")
    body = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert ">+5<" in body and ">\u22125<" in body


def test_history_shows_kind_labels(client, wiki, as_user):
    slug, first, *_ = _history_with_restore(client, wiki, as_user)
    body = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert 'tag--kind">restore<' in body


def _history_with_restore(client, wiki, as_user):
    slug = wiki.article()
    first, _ = wiki.pointers(slug)
    wiki.user("eddie")
    wiki.edit(slug, V2, author="eddie")
    as_user("rita", Role.REVIEWER)
    client.post(f"/wiki/{slug}/restore", data={"revision": str(first), "summary": "back"})
    return slug, first


def test_history_pages_with_before(client, wiki, app, monkeypatch):
    from wiki.views import history

    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    slug = wiki.article()
    wiki.user("eddie")
    ids = [wiki.edit(slug, ASTHMA + f"\nLine {n}.\n", author="eddie") for n in range(3)]
    body = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert f"rev={ids[2]}" in body and f"rev={ids[1]}" in body and f"rev={ids[0]}\"" not in body
    assert f"before={ids[1]}" in body
    older = client.get(f"/wiki/{slug}/history?before={ids[1]}").get_data(as_text=True)
    assert f"rev={ids[0]}" in older and f"rev={ids[2]}\"" not in older


def test_history_unknown_article_is_404(client):
    assert client.get("/wiki/nothing/history").status_code == 404


def test_history_action_links_depend_on_role(client, three_revisions, as_user):
    slug, first, second, third = three_revisions
    anonymous = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "restore this version" not in anonymous and f"/undo/{third}" not in anonymous
    assert "Roll back" not in anonymous
    as_user("edna")
    editor = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert f"/wiki/{slug}/restore?revision={first}" in editor and f"/wiki/{slug}/undo/{third}" in editor
    assert "Roll back edits by" not in editor
    as_user("rita", Role.REVIEWER)
    reviewer = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "Roll back edits by eddie" in reviewer and f"/wiki/{slug}/rollback" in reviewer


# ---------------------------------------------------------------- diff

def test_diff_between_two_revisions(client, three_revisions):
    slug, first, second, third = three_revisions
    response = client.get(f"/wiki/{slug}/diff?from={first}&to={third}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="diff-inline"' in body
    assert '<del class="diff-del">long-term</del>' in body and '<ins class="diff-ins">lifelong</ins>' in body
    assert "as readers would see it" in body and "<strong>Asthma</strong>" in body
    assert "Show side by side" in body


def test_diff_defaults_to_parent_and_latest(client, three_revisions):
    slug, first, second, third = three_revisions
    body = client.get(f"/wiki/{slug}/diff").get_data(as_text=True)
    assert f"Revision {third}" in body and f"Revision {second}" in body
    assert "a few" in body
    assert f"to={second}" in body  # older change
    body = client.get(f"/wiki/{slug}/diff?to={second}").get_data(as_text=True)
    assert f"Revision {first}" in body and f"to={third}" in body  # newer change


def test_diff_of_first_revision_compares_with_nothing(client, wiki):
    slug = wiki.article()
    first, _ = wiki.pointers(slug)
    body = client.get(f"/wiki/{slug}/diff?to={first}").get_data(as_text=True)
    assert "did not exist before" in body and '<ins class="diff-ins">' in body


def test_diff_side_by_side(client, three_revisions):
    slug, first, second, third = three_revisions
    body = client.get(f"/wiki/{slug}/diff?from={first}&to={second}&view=side").get_data(as_text=True)
    assert 'class="diff-side"' in body and "diff-side__row--changed" in body
    assert "Show changes in one column" in body


@pytest.mark.parametrize("query, status", [
    ("from=abc", 400), ("to=1.5", 400), ("to=999999", 404), ("from=999999", 404), ("to=0", 404),
])
def test_diff_bad_arguments(client, three_revisions, query, status):
    slug = three_revisions[0]
    assert client.get(f"/wiki/{slug}/diff?{query}").status_code == status


def test_diff_with_revision_of_another_article_is_404(client, three_revisions, wiki):
    slug, first, *_ = three_revisions
    gout = wiki.article("Gout", "Gout.\n")
    _, gout_rev = wiki.pointers(gout)
    assert client.get(f"/wiki/{slug}/diff?from={gout_rev}&to={first}").status_code == 404
    assert client.get(f"/wiki/{slug}/diff?to={gout_rev}").status_code == 404


def test_diff_of_suppressed_revision_shows_no_text(client, three_revisions, wiki):
    slug, first, second, third = three_revisions
    wiki.user("boss", Role.ADMIN)
    wiki.suppress(second, admin="boss")
    body = client.get(f"/wiki/{slug}/diff?to={second}").get_data(as_text=True)
    assert "has been hidden" in body and "diff-inline" not in body and "lifelong" not in body


# ---------------------------------------------------------------- restore

def test_restore_confirmation_then_post(client, three_revisions, wiki, as_user):
    slug, first, second, third = three_revisions
    as_user("edna")
    page = client.get(f"/wiki/{slug}/restore?revision={first}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "What restoring would change" in body and 'class="diff-inline"' in body
    assert parse(page).inputs["revision"] == str(first)
    response = client.post(f"/wiki/{slug}/restore", data={"revision": str(first), "summary": "too vague"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/wiki/{slug}?version=latest"
    assert f"Restored revision {first}." in client.get(response.headers["Location"]).get_data(as_text=True)
    latest = wiki.pointers(slug)[1]
    assert wiki.text(latest) == ASTHMA
    assert wiki.revision(latest)["kind"] == "restore"


def test_restore_needs_login_and_a_revision(client, three_revisions, as_user):
    slug, first, *_ = three_revisions
    assert client.get(f"/wiki/{slug}/restore?revision={first}").status_code == 302
    assert client.post(f"/wiki/{slug}/restore", data={"revision": str(first)}).status_code == 302
    as_user("edna")
    assert client.get(f"/wiki/{slug}/restore").status_code == 400
    assert client.post(f"/wiki/{slug}/restore", data={}).status_code == 400
    assert client.get(f"/wiki/{slug}/restore?revision=999999").status_code == 404


def test_restore_of_suppressed_revision_is_409(client, three_revisions, wiki, as_user):
    slug, first, second, third = three_revisions
    wiki.user("boss", Role.ADMIN)
    wiki.suppress(second, admin="boss")
    as_user("edna")
    response = client.post(f"/wiki/{slug}/restore", data={"revision": str(second)})
    assert response.status_code == 409
    assert "suppressed" in response.get_data(as_text=True)


def test_restore_refused_on_protected_article(client, three_revisions, wiki, as_user):
    slug, first, *_ = three_revisions
    wiki.protect(slug, Role.REVIEWER)
    as_user("edna")
    assert client.get(f"/wiki/{slug}/restore?revision={first}").status_code == 403
    assert client.post(f"/wiki/{slug}/restore", data={"revision": str(first)}).status_code == 403


# ---------------------------------------------------------------- undo

def test_undo_shows_result_then_post(client, three_revisions, wiki, as_user):
    slug, first, second, third = three_revisions
    as_user("edna")
    page = client.get(f"/wiki/{slug}/undo/{second}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "What undoing would change" in body and '<del class="diff-del">lifelong</del>' in body
    response = client.post(f"/wiki/{slug}/undo/{second}", data={"summary": "not plainer"})
    assert response.status_code == 302
    latest = wiki.pointers(slug)[1]
    assert wiki.text(latest) == ASTHMA.replace("within minutes", "within a few minutes")
    assert wiki.revision(latest)["kind"] == "undo"


def test_undo_that_conflicts_offers_the_edit_form(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    second = wiki.edit(slug, ASTHMA.replace("within minutes", "within 5 minutes"), author="eddie")
    wiki.edit(slug, ASTHMA.replace("within minutes", "within 10 minutes"), author="eddie")
    as_user("edna")
    response = client.get(f"/wiki/{slug}/undo/{second}")
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "cannot be undone cleanly" in body and f'href="/wiki/{slug}/edit"' in body
    assert client.post(f"/wiki/{slug}/undo/{second}", data={}).status_code == 409


def test_undo_of_first_revision_is_409(client, three_revisions, as_user):
    slug, first, *_ = three_revisions
    as_user("edna")
    assert client.get(f"/wiki/{slug}/undo/{first}").status_code == 409


def test_undo_of_other_articles_revision_is_404(client, three_revisions, wiki, as_user):
    slug = three_revisions[0]
    gout = wiki.article("Gout", "Gout.\n")
    _, gout_rev = wiki.pointers(gout)
    as_user("edna")
    assert client.get(f"/wiki/{slug}/undo/{gout_rev}").status_code == 404
    assert client.get(f"/wiki/{slug}/undo/abc").status_code == 404


def test_undo_needs_login(client, three_revisions):
    slug, first, second, third = three_revisions
    assert client.post(f"/wiki/{slug}/undo/{third}").status_code == 302


# ---------------------------------------------------------------- rollback

def test_rollback_by_reviewer(client, three_revisions, wiki, as_user):
    slug, first, second, third = three_revisions
    as_user("rita", Role.REVIEWER)
    page = client.get(f"/wiki/{slug}/rollback")
    assert page.status_code == 200 and "eddie" in page.get_data(as_text=True)
    response = client.post(f"/wiki/{slug}/rollback", data={"summary": "vandalism"})
    assert response.status_code == 302
    assert "Rolled back." in client.get(response.headers["Location"]).get_data(as_text=True)
    stable, latest = wiki.pointers(slug)
    assert wiki.text(latest) == ASTHMA and stable == latest
    assert wiki.revision(latest)["kind"] == "rollback"


def test_editor_cannot_rollback(client, three_revisions, wiki, as_user):
    slug = three_revisions[0]
    before = wiki.pointers(slug)
    as_user("edna")
    assert client.get(f"/wiki/{slug}/rollback").status_code == 403
    response = client.post(f"/wiki/{slug}/rollback", data={})
    assert response.status_code == 403
    assert "may not rollback" in response.get_data(as_text=True)
    assert wiki.pointers(slug) == before


def test_rollback_with_a_single_author_is_409(client, wiki, as_user):
    slug = wiki.article()
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/wiki/{slug}/rollback", data={})
    assert response.status_code == 409
    assert "no one to roll back to" in response.get_data(as_text=True)


def test_rollback_needs_login(client, three_revisions):
    slug = three_revisions[0]
    response = client.post(f"/wiki/{slug}/rollback")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_undo_that_cannot_apply_cleanly_offers_what_it_could_do_in_the_editor(client, wiki, auth):
    wiki.user("rosa", role=Role.REVIEWER)
    wiki.user("erin")
    wiki.user("eddie")
    base = "First line.\n\nSecond line.\n\nThird line.\n"
    wiki.article("Asthma", base, author="rosa")
    middle = wiki.edit("asthma", base.replace("First", "1st").replace("Third", "3rd"), author="erin")
    wiki.edit("asthma", base.replace("First", "1st").replace("Third line.", "Third line, revised."), author="eddie")
    auth.login("eddie")
    page = client.get(f"/wiki/asthma/undo/{middle}")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "Open what could be undone in the editor" in html
    # The clean part (1st -> First) is undone; the conflicting line keeps the current text.
    assert "First line.\n\nSecond line.\n\nThird line, revised." in html.replace("&#39;", "'")
