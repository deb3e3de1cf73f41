"""API: listing, reading, creating and editing articles; history, diffs, restore and rollback."""

from __future__ import annotations

import pytest

from tests.api.helpers import ANON, REVISION_KEYS, assert_error
from wiki import diffing
from wiki.models import Role

ASTHMA = "**Asthma** is a long-term lung condition.\n"
PERSONAL = "Write to me at jane.roe@example.com for the leaflet.\n"


def edit(api, slug, caller, text, base, **extra):
    return api.put(
        f"/articles/{slug}",
        as_=caller,
        json={"text": text, "summary": "test", "base_revision": base, **extra},
    )


def latest_text(api, slug):
    return api.get(f"/articles/{slug}", query={"version": "latest"}).get_json()["text"]


# ---------------------------------------------------------------- GET /articles


def test_list_articles_pages_in_title_order_with_total(api, make_article):
    for title in ("Gout", "Asthma", "Migraine"):
        make_article(title, f"About {title}.\n")
    body = api.get("/articles", query={"limit": 2}).get_json()
    assert body["total"] == 3
    assert [a["slug"] for a in body["articles"]] == ["asthma", "gout"]
    assert set(body["articles"][0]) == {"slug", "title", "updated_at", "stable_revision", "latest_revision"}
    assert body["articles"][0]["updated_at"].endswith("Z")
    second = api.get("/articles", query={"limit": 2, "offset": 2}).get_json()
    assert [a["slug"] for a in second["articles"]] == ["migraine"]


def test_list_articles_filters_by_category(api, make_article):
    make_article("Asthma", "---\ncategories: [Respiratory]\n---\nLungs.\n")
    make_article("Gout", "---\ncategories: [Rheumatology]\n---\nJoints.\n")
    body = api.get("/articles", query={"category": "Respiratory"}).get_json()
    assert [a["slug"] for a in body["articles"]] == ["asthma"] and body["total"] == 1


@pytest.mark.parametrize(("limit", "shown"), [("0", 1), ("1", 1), ("500", 3), ("", 3)])
def test_list_articles_clamps_limit(api, make_article, limit, shown):
    for title in ("Gout", "Asthma", "Migraine"):
        make_article(title, f"About {title}.\n")
    assert len(api.get("/articles", query={"limit": limit}).get_json()["articles"]) == shown


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "-1"},
        {"limit": "ten"},
        {"limit": "1.5"},
        {"offset": "-3"},
        {"offset": "x"},
        {"offset": str(2**64)},
        {"limit": "9" * 5000},
    ],
)
def test_list_articles_refuses_bad_paging(api, query):
    body = assert_error(api.get("/articles", query=query), 400, "invalid_input")
    assert body["field"] in query


# ---------------------------------------------------------------- POST /articles


def test_create_article_answers_201_with_the_article(api, editor):
    response = api.post(
        "/articles", as_=editor, json={"title": "Hay fever", "text": ASTHMA, "summary": "new"}
    )
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/api/v1/articles/hay-fever")
    body = response.get_json()
    assert body["slug"] == "hay-fever" and body["title"] == "Hay fever" and body["text"] == ASTHMA
    assert body["revision"]["kind"] == "create" and body["revision"]["status"] == "pending"
    assert body["revision"]["author"] == "eddie" and body["stable_revision"] is None
    assert body["warnings"] == []
    assert api.get("/articles/hay-fever").status_code == 200


def test_create_article_by_reviewer_is_approved(api, reviewer):
    body = api.post("/articles", as_=reviewer, json={"title": "Gout", "text": "Joints.\n"}).get_json()
    assert body["revision"]["status"] == "approved" and body["stable_revision"] == body["revision"]["id"]


def test_create_article_needs_a_token(api):
    assert_error(api.post("/articles", json={"title": "Gout", "text": "Joints.\n"}), 401, "unauthorized")


def test_create_article_refuses_an_existing_title(api, editor, make_article):
    make_article("Asthma")
    response = api.post("/articles", as_=editor, json={"title": "ASTHMA", "text": "Again.\n"})
    assert_error(response, 409, "conflict")


def test_create_article_with_personal_data_needs_confirmation_and_saves_nothing(api, editor):
    response = api.post("/articles", as_=editor, json={"title": "Gout", "text": PERSONAL})
    body = assert_error(response, 422, "needs_confirmation")
    assert body["warnings"][0]["kind"] == "personal_data"
    assert set(body["warnings"][0]) == {"kind", "detail", "excerpt"}
    assert_error(api.get("/articles/gout"), 404, "not_found")
    confirmed = api.post(
        "/articles", as_=editor, json={"title": "Gout", "text": PERSONAL, "confirm_warnings": True}
    )
    assert confirmed.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x"}, "title"),
        ({"title": "Gout"}, "text"),
        ({"title": 5, "text": "x"}, "title"),
        ({"title": "Gout", "text": ["x"]}, "text"),
        ({"title": "Gout", "text": "x", "summary": 3}, "summary"),
        ({"title": "Gout", "text": "x", "confirm_warnings": "yes"}, "confirm_warnings"),
        ({"title": "", "text": "x"}, "title"),
        ({"title": "Gout", "text": "   "}, "text"),
        ({"title": "Gout", "text": "x", "summary": "s" * 501}, "summary"),
    ],
)
def test_create_article_names_the_bad_field(api, editor, body, field):
    assert assert_error(api.post("/articles", as_=editor, json=body), 400, "invalid_input")["field"] == field


def test_create_article_refuses_text_over_2_mb_with_413(api, editor):
    text = "a" * (2 * 1024 * 1024 + 1)
    assert_error(api.post("/articles", as_=editor, json={"title": "Big", "text": text}), 413, "too_large")


# ---------------------------------------------------------------- GET /articles/<slug>


def test_show_article_gives_every_contract_field(api, make_article):
    text = "---\naliases: [Heart attack, MI]\nicd10: [I21]\ncategories: [Cardiology]\n---\n**MI** is bad.\n"
    article = make_article("Myocardial infarction", text)
    body = api.get("/articles/myocardial-infarction").get_json()
    assert {
        "slug",
        "title",
        "text",
        "html",
        "revision",
        "stable_revision",
        "latest_revision",
        "pending_count",
        "aliases",
        "icd10",
        "categories",
    } <= set(body)
    assert body["text"] == text and "<strong>MI</strong>" in body["html"]
    assert set(body["revision"]) == REVISION_KEYS
    assert (
        body["revision"]["id"]
        == article.latest_revision_id
        == body["stable_revision"]
        == body["latest_revision"]
    )
    assert body["aliases"] == ["Heart attack", "MI"] and body["icd10"] == ["I21"]
    assert body["categories"] == ["Cardiology"] and body["pending_count"] == 0


def test_show_article_follows_aliases(api, make_article):
    make_article("Myocardial infarction", "---\naliases: [Heart attack]\n---\nBody.\n")
    body = api.get("/articles/heart-attack").get_json()
    assert body["slug"] == "myocardial-infarction" and body["redirected_from"] == "Heart attack"


def test_show_article_stable_latest_and_one_revision(api, make_article, editor):
    article = make_article("Asthma", ASTHMA)
    first = article.latest_revision_id
    saved = edit(api, "asthma", editor, ASTHMA + "\nSee a nurse.\n", first).get_json()
    second = saved["revision"]["id"]
    stable = api.get("/articles/asthma").get_json()
    assert stable["revision"]["id"] == first and stable["text"] == ASTHMA and stable["pending_count"] == 1
    assert stable["latest_revision"] == second and stable["stable_revision"] == first
    latest = api.get("/articles/asthma", query={"version": "latest"}).get_json()
    assert latest["revision"]["id"] == second and latest["revision"]["status"] == "pending"
    one = api.get("/articles/asthma", query={"revision": first, "version": "latest"}).get_json()
    assert one["revision"]["id"] == first


def test_show_article_categories_are_those_of_the_shown_text(api, make_article, editor):
    article = make_article("Asthma", "---\ncategories: [Respiratory]\n---\nLungs.\n")
    edit(api, "asthma", editor, "---\ncategories: [Allergy]\n---\nLungs.\n", article.latest_revision_id)
    assert api.get("/articles/asthma").get_json()["categories"] == ["Respiratory"]
    assert api.get("/articles/asthma", query={"version": "latest"}).get_json()["categories"] == ["Allergy"]


def test_show_article_errors(api, make_article):
    make_article("Asthma")
    gout = make_article("Gout", "Joints.\n")
    assert_error(api.get("/articles/no-such-thing"), 404, "not_found")
    assert_error(api.get("/articles/asthma", query={"revision": gout.latest_revision_id}), 404, "not_found")
    assert_error(api.get("/articles/asthma", query={"revision": "abc"}), 400, "invalid_input")
    assert_error(api.get("/articles/asthma", query={"version": "newest"}), 400, "invalid_input")


# ---------------------------------------------------------------- PUT /articles/<slug>


def test_edit_by_editor_is_pending_and_by_reviewer_approved(api, make_article, editor, reviewer):
    base = make_article("Asthma", ASTHMA).latest_revision_id
    response = edit(api, "asthma", editor, ASTHMA + "\nMore.\n", base)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"revision", "status", "merged", "warnings"}
    assert body["status"] == "pending" and body["merged"] is False and body["warnings"] == []
    assert set(body["revision"]) == REVISION_KEYS and body["revision"]["parent_id"] == base
    body = edit(api, "asthma", reviewer, ASTHMA + "\nMore.\n\nAnd more.\n", body["revision"]["id"]).get_json()
    assert body["status"] == "approved" and body["revision"]["reviewed_by"] == "rita"


def test_edit_reports_dose_warnings(api, make_article, editor):
    base = make_article("Asthma", "Give 5 mg daily.\n").latest_revision_id
    body = edit(api, "asthma", editor, "Give 10 mg daily.\n", base).get_json()
    assert [w["kind"] for w in body["warnings"]] == ["dose_change"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x", "summary": ""}, "base_revision"),
        ({"text": "x", "base_revision": "1"}, "base_revision"),
        ({"text": "x", "base_revision": 1.5}, "base_revision"),
        ({"text": "x", "base_revision": True}, "base_revision"),
        ({"text": "x", "base_revision": -4}, "base_revision"),
        ({"text": "x", "base_revision": 2**70}, "base_revision"),
        ({"base_revision": 1}, "text"),
        ({"text": None, "base_revision": 1}, "text"),
        ({"text": "x", "base_revision": 1, "summary": {"a": 1}}, "summary"),
        ({"text": "x", "base_revision": 1, "confirm_warnings": 1}, "confirm_warnings"),
        ({"text": "bad \ud800 text", "base_revision": 1}, "text"),
        ({"text": "nul \x00 text", "base_revision": 1}, "text"),
    ],
)
def test_edit_names_the_bad_field(api, make_article, editor, body, field):
    make_article("Asthma", ASTHMA)
    assert (
        assert_error(api.put("/articles/asthma", as_=editor, json=body), 400, "invalid_input")["field"]
        == field
    )


def test_edit_base_revision_of_another_article_is_bad_input(api, make_article, editor):
    make_article("Asthma", ASTHMA)
    other = make_article("Gout", "Joints.\n").latest_revision_id
    assert_error(edit(api, "asthma", editor, "New.\n", other), 400, "invalid_input")


def test_edit_unknown_article_is_404_and_anonymous_401(api, make_article, editor):
    base = make_article("Asthma", ASTHMA).latest_revision_id
    assert_error(edit(api, "no-such", editor, "x\n", base), 404, "not_found")
    assert_error(edit(api, "asthma", ANON, "x\n", base), 401, "unauthorized")


def test_edit_with_personal_data_needs_confirmation_and_saves_nothing(api, make_article, editor):
    article = make_article("Asthma", ASTHMA)
    body = assert_error(
        edit(api, "asthma", editor, ASTHMA + PERSONAL, article.latest_revision_id), 422, "needs_confirmation"
    )
    assert body["warnings"] and body["warnings"][0]["kind"] == "personal_data"
    assert api.get("/articles/asthma").get_json()["latest_revision"] == article.latest_revision_id
    ok = edit(api, "asthma", editor, ASTHMA + PERSONAL, article.latest_revision_id, confirm_warnings=True)
    assert ok.status_code == 200 and ok.get_json()["warnings"][0]["kind"] == "personal_data"


def test_two_edits_of_the_same_line_from_one_base_conflict(api, make_article, editor, editor2):
    base = make_article("Asthma", "Line one.\n\nLine two.\n").latest_revision_id
    first = edit(api, "asthma", editor, "Line one, changed.\n\nLine two.\n", base)
    assert first.status_code == 200
    second = edit(api, "asthma", editor2, "Line one, also changed.\n\nLine two.\n", base)
    body = assert_error(second, 409, "edit_conflict")
    assert body["current_revision"] == first.get_json()["revision"]["id"]


def test_two_edits_of_different_paragraphs_merge(api, make_article, editor, editor2):
    base = make_article("Asthma", "Para one.\n\nPara two.\n\nPara three.\n").latest_revision_id
    assert (
        edit(api, "asthma", editor, "Para one, edited.\n\nPara two.\n\nPara three.\n", base).status_code
        == 200
    )
    second = edit(api, "asthma", editor2, "Para one.\n\nPara two.\n\nPara three, edited.\n", base)
    assert second.status_code == 200 and second.get_json()["merged"] is True
    assert latest_text(api, "asthma") == "Para one, edited.\n\nPara two.\n\nPara three, edited.\n"


def test_concurrent_dose_changes_conflict_instead_of_merging_digits(api, make_article, editor, editor2):
    base = make_article("Drug", "Give 5 mg daily.").latest_revision_id
    assert edit(api, "drug", editor, "Give 10 mg daily.", base).status_code == 200
    assert_error(edit(api, "drug", editor2, "Give 2.5 mg daily.", base), 409, "edit_conflict")
    final = latest_text(api, "drug")
    assert final == "Give 10 mg daily." and "2.10" not in final


# ---------------------------------------------------------------- history and diffs


def test_revisions_are_listed_newest_first_and_page_with_before(api, make_article, reviewer):
    base = make_article("Asthma", "v1\n").latest_revision_id
    for n in range(2, 6):
        base = edit(api, "asthma", reviewer, f"v{n}\n", base).get_json()["revision"]["id"]
    revs = api.get("/articles/asthma/revisions").get_json()["revisions"]
    ids = [r["id"] for r in revs]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True)
    assert all(set(r) == REVISION_KEYS for r in revs)
    page = api.get("/articles/asthma/revisions", query={"limit": 2, "before": ids[1]}).get_json()["revisions"]
    assert [r["id"] for r in page] == ids[2:4]
    assert_error(api.get("/articles/asthma/revisions", query={"before": "soon"}), 400)
    assert_error(api.get("/articles/nothing/revisions"), 404)


def test_diff_ops_rebuild_both_texts(api, make_article, reviewer):
    old_text = "Asthma narrows the airways.\n\nUse an inhaler.\n"
    new_text = "Asthma inflames and narrows the airways.\n\nUse a preventer inhaler daily.\n"
    first = make_article("Asthma", old_text).latest_revision_id
    second = edit(api, "asthma", reviewer, new_text, first).get_json()["revision"]["id"]
    body = api.get("/articles/asthma/diff", query={"from": first, "to": second}).get_json()
    assert body["from"] == first and body["to"] == second
    assert all(op in (-1, 0, 1) and isinstance(text, str) for op, text in body["ops"])
    assert diffing.source_texts([tuple(op) for op in body["ops"]]) == (old_text, new_text)
    assert '<ins class="diff-ins">inflames and </ins>' in body["html"]


def test_diff_errors(api, make_article, admin):
    first = make_article("Asthma", ASTHMA).latest_revision_id
    other = make_article("Gout", "Joints.\n").latest_revision_id
    assert_error(api.get("/articles/asthma/diff", query={"from": first}), 400)
    assert_error(api.get("/articles/asthma/diff", query={"from": "a", "to": first}), 400)
    assert_error(api.get("/articles/asthma/diff", query={"from": first, "to": other}), 404)
    assert_error(api.get("/articles/asthma/diff", query={"from": first, "to": 10**6}), 404)
    assert api.post(f"/revisions/{first}/suppress", as_=admin, json={"reason": "privacy"}).status_code == 200
    assert_error(api.get("/articles/asthma/diff", query={"from": first, "to": first}), 403, "forbidden")
    assert api.get("/articles/asthma/diff", query={"from": first, "to": first}, as_=admin).status_code == 200


# ---------------------------------------------------------------- restore and rollback


def test_restore_brings_back_an_old_text(api, make_article, editor, reviewer):
    first = make_article("Asthma", "v1\n").latest_revision_id
    edit(api, "asthma", reviewer, "v2\n", first)
    response = api.post("/articles/asthma/restore", as_=editor, json={"revision": first, "summary": "back"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["revision"]["kind"] == "restore" and body["status"] == "pending"
    assert latest_text(api, "asthma") == "v1\n"


def test_restore_errors(api, make_article, editor):
    make_article("Asthma", "v1\n")
    other = make_article("Gout", "Joints.\n").latest_revision_id
    assert_error(api.post("/articles/asthma/restore", as_=editor, json={"summary": "x"}), 400)
    assert_error(api.post("/articles/asthma/restore", as_=editor, json={"revision": "1"}), 400)
    assert_error(api.post("/articles/asthma/restore", as_=editor, json={"revision": other}), 404)
    assert_error(api.post("/articles/asthma/restore", json={"revision": 1}), 401)


def test_rollback_returns_to_the_last_other_authors_text(api, make_article, editor, reviewer):
    first = make_article("Asthma", "v1\n").latest_revision_id
    base = edit(api, "asthma", editor, "v2\n", first).get_json()["revision"]["id"]
    edit(api, "asthma", editor, "v3\n", base)
    response = api.post("/articles/asthma/rollback", as_=reviewer, json={"summary": "vandalism"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["revision"]["kind"] == "rollback" and "vandalism" in body["revision"]["summary"]
    assert latest_text(api, "asthma") == "v1\n"


def test_rollback_with_no_earlier_author_is_409(api, make_article, reviewer):
    make_article("Asthma", "v1\n", author=reviewer.user)
    assert_error(api.post("/articles/asthma/rollback", as_=reviewer), 409, "conflict")


def test_rollback_of_unknown_article_is_404(api, reviewer):
    assert_error(api.post("/articles/nothing/rollback", as_=reviewer), 404)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.CLINICIAN])
def test_rollback_needs_a_reviewer(api, make_article, make_caller, role):
    make_article("Asthma", "v1\n")
    assert_error(api.post("/articles/asthma/rollback", as_=make_caller(role)), 403, "forbidden")
