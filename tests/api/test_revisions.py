"""API: single revisions, undo, suppression and the recent-changes feed."""

from __future__ import annotations

from tests.api.helpers import REVISION_KEYS, assert_error


def edit(api, slug, caller, text, base):
    response = api.put(
        f"/articles/{slug}", as_=caller, json={"text": text, "summary": "s", "base_revision": base}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["revision"]["id"]


def test_show_revision_gives_the_object_and_text(api, make_article):
    article = make_article("Asthma", "**Asthma** text.\n")
    body = api.get(f"/revisions/{article.latest_revision_id}").get_json()
    assert set(body) == REVISION_KEYS | {"text"}
    assert body["text"] == "**Asthma** text.\n" and body["article"] == "asthma"
    assert (
        body["kind"] == "create" and body["author"] == "seed_reviewer" and body["author_role"] == "reviewer"
    )
    assert body["created_at"].endswith("Z") and body["size"] == len("**Asthma** text.\n")


def test_show_unknown_revision_is_404(api):
    assert_error(api.get("/revisions/999999"), 404, "not_found")
    assert_error(api.get(f"/revisions/{2**64}"), 404, "not_found")
    assert_error(api.get("/revisions/0"), 404, "not_found")
    assert_error(api.get("/revisions/abc"), 404, "not_found")


def test_suppressed_text_is_for_admins_only(api, make_article, editor, reviewer, admin):
    article = make_article("Asthma", "Clean.\n")
    bad = edit(api, "asthma", editor, "Clean.\n\nMy neighbour's details.\n", article.latest_revision_id)
    response = api.post(f"/revisions/{bad}/suppress", as_=admin, json={"reason": "personal details"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["suppressed"] is True and body["revision"]["id"] == bad
    for caller in (None, editor, reviewer):
        shown = api.get(f"/revisions/{bad}", **({"as_": caller} if caller else {})).get_json()
        assert shown["text"] is None and shown["id"] == bad
        latest = api.get(
            "/articles/asthma", query={"version": "latest"}, **({"as_": caller} if caller else {})
        ).get_json()
        assert latest["text"] is None and latest["html"] is None and latest["revision"]["id"] == bad
    assert api.get(f"/revisions/{bad}", as_=admin).get_json()["text"].endswith("details.\n")
    history = api.get("/articles/asthma/revisions").get_json()["revisions"]
    assert bad in [r["id"] for r in history]


def test_suppress_needs_a_reason_and_a_known_revision(api, make_article, admin):
    rev = make_article("Asthma").latest_revision_id
    assert assert_error(api.post(f"/revisions/{rev}/suppress", as_=admin, json={}), 400)["field"] == "reason"
    assert_error(api.post(f"/revisions/{rev}/suppress", as_=admin, json={"reason": "   "}), 400)
    assert_error(api.post("/revisions/999999/suppress", as_=admin, json={"reason": "x"}), 404)


def test_undo_takes_back_one_change_and_keeps_later_ones(api, make_article, reviewer):
    base = make_article("Asthma", "One.\n\nTwo.\n\nThree.\n").latest_revision_id
    first = edit(api, "asthma", reviewer, "One, changed.\n\nTwo.\n\nThree.\n", base)
    edit(api, "asthma", reviewer, "One, changed.\n\nTwo.\n\nThree, changed.\n", first)
    response = api.post(f"/revisions/{first}/undo", as_=reviewer, json={"summary": "wrong"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["revision"]["kind"] == "undo" and body["status"] == "approved"
    text = api.get("/articles/asthma").get_json()["text"]
    assert text == "One.\n\nTwo.\n\nThree, changed.\n"


def test_undo_with_an_empty_body_is_fine(api, make_article, reviewer):
    base = make_article("Asthma", "One.\n").latest_revision_id
    rev = edit(api, "asthma", reviewer, "One, two.\n", base)
    assert api.post(f"/revisions/{rev}/undo", as_=reviewer).status_code == 200


def test_undo_that_cannot_be_clean_is_409(api, make_article, reviewer):
    base = make_article("Asthma", "One.\n").latest_revision_id
    first = edit(api, "asthma", reviewer, "One, changed.\n", base)
    edit(api, "asthma", reviewer, "One, changed again.\n", first)
    assert_error(api.post(f"/revisions/{first}/undo", as_=reviewer), 409, "edit_conflict")
    assert_error(api.post(f"/revisions/{base}/undo", as_=reviewer), 409, "conflict")


def test_undo_errors(api, reviewer):
    assert_error(api.post("/revisions/999999/undo", as_=reviewer), 404)
    assert_error(api.post("/revisions/1/undo"), 401)
    assert_error(api.post("/revisions/1/undo", as_=reviewer, json={"summary": 7}), 400)


def test_recent_changes_lists_revisions_newest_first(api, make_article, editor):
    asthma = make_article("Asthma", "A.\n").latest_revision_id
    make_article("Gout", "G.\n")
    edit(api, "asthma", editor, "A, more.\n", asthma)
    changes = api.get("/recent-changes").get_json()["changes"]
    assert [c["article"] for c in changes] == ["asthma", "gout", "asthma"]
    assert [c["revision"] for c in changes] == sorted((c["revision"] for c in changes), reverse=True)
    newest = changes[0]
    assert set(newest) == {"article", "revision", "author", "created_at", "summary", "status", "size_delta",
                           "kind"}
    assert {c["kind"] for c in changes} == {"revision"}
    assert newest["author"] == "eddie" and newest["status"] == "pending" and newest["size_delta"] == 6
    assert len(api.get("/recent-changes", query={"limit": 2}).get_json()["changes"]) == 2
    assert_error(api.get("/recent-changes", query={"limit": "-2"}), 400)


def test_recent_changes_finds_the_newest_across_many_articles(api, make_article, reviewer):
    ids = {}
    for title in ("A1", "B2", "C3", "D4"):
        ids[title] = make_article(title, f"{title}\n").latest_revision_id
    # Edit the oldest articles again so that their newest revisions interleave.
    edit(api, "a1", reviewer, "A1 again\n", ids["A1"])
    edit(api, "b2", reviewer, "B2 again\n", ids["B2"])
    changes = api.get("/recent-changes", query={"limit": 3}).get_json()["changes"]
    assert [(c["article"]) for c in changes] == ["b2", "a1", "d4"]


def test_recent_changes_hide_suppressed_summaries_from_non_admins(api, make_article, editor, admin):
    base = make_article("Asthma", "A.\n").latest_revision_id
    response = api.put(
        "/articles/asthma",
        as_=editor,
        json={"text": "A, B.\n", "summary": "Jane Roe's notes", "base_revision": base},
    )
    rev = response.get_json()["revision"]["id"]
    assert api.post(f"/revisions/{rev}/suppress", as_=admin, json={"reason": "privacy"}).status_code == 200
    public = api.get("/recent-changes").get_json()["changes"][0]
    assert public["revision"] == rev and "Jane" not in public["summary"]
    assert api.get("/recent-changes", as_=admin).get_json()["changes"][0]["summary"] == "Jane Roe's notes"
