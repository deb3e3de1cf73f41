"""API: filing, listing, resolving and dismissing inaccuracy reports, and the correction figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.helpers import ANON, assert_error
from tests.conftest import make_config
from wiki import create_app, db, revisions
from wiki.models import Flag, Role

FLAG_KEYS = {
    "id",
    "article",
    "revision",
    "reporter",
    "reason",
    "excerpt",
    "created_at",
    "status",
    "resolved_by_revision",
    "resolved_at",
}
TEXT = "**Asthma** is a long-term lung condition.\n\nA reliever works within minutes.\n"


@pytest.fixture
def asthma(make_article):
    return make_article("Asthma", TEXT)


def _file(api, slug="asthma", as_=ANON, **body):
    return api.post(f"/articles/{slug}/flags", as_=as_, json={"reason": "The onset is wrong", **body})


def _fix(session, article, reviewer) -> int:
    result = revisions.save_edit(
        session,
        article.id,
        TEXT.replace("within minutes", "in a few minutes"),
        summary="fix",
        author=reviewer.user,
        base_revision_id=None,
    )
    return result.revision.id


# ---------------------------------------------------------------- filing


def test_anyone_can_file_a_report(api, asthma):
    response = _file(api, excerpt="within minutes")
    assert response.status_code == 201
    body = response.get_json()
    assert FLAG_KEYS <= set(body)
    assert body["article"] == "asthma" and body["revision"] == asthma.stable_revision_id
    assert body["reporter"] is None and body["status"] == "open" and body["excerpt"] == "within minutes"
    assert (
        body["created_at"].endswith("Z")
        and body["resolved_at"] is None
        and body["resolved_by_revision"] is None
    )


def test_a_token_names_the_reporter(api, asthma, editor):
    assert _file(api, as_=editor).get_json()["reporter"] == "eddie"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "reason"),
        ({"reason": 5}, "reason"),
        ({"reason": "ab"}, "reason"),
        ({"reason": "Wrong", "excerpt": ["x"]}, "excerpt"),
        ({"reason": "Wrong", "excerpt": "x" * 1001}, "excerpt"),
    ],
)
def test_bad_reports_are_400_naming_the_field(api, asthma, body, field):
    response = api.post("/articles/asthma/flags", json=body)
    assert assert_error(response, 400, "invalid_input")["field"] == field


def test_report_on_unknown_article_is_404(api):
    assert_error(_file(api, slug="nothing"), 404, "not_found")


def test_reports_are_rate_limited_per_client(tmp_path):
    """The shared fixtures turn limits off; this app keeps them on."""
    app = create_app(make_config(tmp_path, RATELIMIT_ENABLED=True, FLAG_RATE_LIMIT="2 per minute"))
    with app.app_context():
        db.create_all()
        from wiki import accounts

        reviewer = accounts.create_user(
            db.session(),
            "rosa",
            "correct horse battery",
            role=Role.REVIEWER,
            hash_method="pbkdf2:sha256:1000",
        )
        revisions.create_article(db.session(), "Asthma", TEXT, summary="", author=reviewer)
    client = app.test_client()
    statuses = [
        client.post("/api/v1/articles/asthma/flags", json={"reason": f"Wrong {n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    db.database(app).engine.dispose()


# ---------------------------------------------------------------- listing


def test_listing_needs_a_reviewer(api, asthma, editor):
    assert_error(api.get("/flags"), 401)
    assert_error(api.get("/flags", as_=editor), 403, "forbidden")


def test_reviewers_list_open_reports_oldest_first(api, asthma, reviewer):
    first = _file(api).get_json()["id"]
    second = _file(api, reason="Another problem").get_json()["id"]
    body = api.get("/flags", as_=reviewer).get_json()
    assert [f["id"] for f in body["flags"]] == [first, second] and body["total"] == 2
    assert all(FLAG_KEYS <= set(f) for f in body["flags"])
    api.post(f"/flags/{first}/dismiss", as_=reviewer, json={"reason": "Says so already"})
    assert [f["id"] for f in api.get("/flags?status=open", as_=reviewer).get_json()["flags"]] == [second]
    assert [f["id"] for f in api.get("/flags?status=dismissed", as_=reviewer).get_json()["flags"]] == [first]
    assert len(api.get("/flags?status=all", as_=reviewer).get_json()["flags"]) == 2
    assert len(api.get("/flags?limit=1", as_=reviewer).get_json()["flags"]) == 1


@pytest.mark.parametrize("query", ["status=closed", "limit=-1", "offset=x"])
def test_bad_list_parameters_are_400(api, asthma, reviewer, query):
    assert_error(api.get(f"/flags?{query}", as_=reviewer), 400, "invalid_input")


# ---------------------------------------------------------------- resolving and dismissing


def test_resolve_before_a_fix_is_400(api, asthma, reviewer):
    flag = _file(api).get_json()["id"]
    body = assert_error(api.post(f"/flags/{flag}/resolve", as_=reviewer), 400, "invalid_input")
    assert body["field"] == "revision"


def test_resolve_with_the_default_stable_revision(api, session, asthma, reviewer):
    flag = _file(api).get_json()["id"]
    fix = _fix(session, asthma, reviewer)
    response = api.post(f"/flags/{flag}/resolve", as_=reviewer)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "resolved" and body["resolved_by_revision"] == fix and body["resolved_at"]
    assert_error(api.post(f"/flags/{flag}/resolve", as_=reviewer), 409, "conflict")


def test_resolve_with_a_named_revision(api, session, asthma, reviewer):
    before = asthma.stable_revision_id  # what the reporter saw cannot be its fix
    flag = _file(api).get_json()["id"]
    fix = _fix(session, asthma, reviewer)
    assert_error(api.post(f"/flags/{flag}/resolve", as_=reviewer, json={"revision": before}), 400)
    assert_error(api.post(f"/flags/{flag}/resolve", as_=reviewer, json={"revision": "2"}), 400)
    body = api.post(
        f"/flags/{flag}/resolve", as_=reviewer, json={"revision": fix, "note": "Thanks"}
    ).get_json()
    assert body["resolved_by_revision"] == fix and body["resolution_note"] == "Thanks"


def test_resolve_and_dismiss_need_a_reviewer(api, asthma, editor):
    flag = _file(api).get_json()["id"]
    assert_error(api.post(f"/flags/{flag}/resolve"), 401)
    assert_error(api.post(f"/flags/{flag}/resolve", as_=editor), 403)
    assert_error(api.post(f"/flags/{flag}/dismiss", as_=editor, json={"reason": "No"}), 403)


def test_dismiss_needs_a_reason(api, asthma, reviewer):
    flag = _file(api).get_json()["id"]
    assert_error(api.post(f"/flags/{flag}/dismiss", as_=reviewer, json={}), 400, "invalid_input")
    body = api.post(f"/flags/{flag}/dismiss", as_=reviewer, json={"reason": "Already correct"}).get_json()
    assert body["status"] == "dismissed" and body["resolution_note"] == "Already correct"


def test_unknown_flag_is_404(api, reviewer):
    assert_error(api.post("/flags/999/resolve", as_=reviewer), 404, "not_found")
    assert_error(api.post("/flags/0/resolve", as_=reviewer), 404)


# ---------------------------------------------------------------- figures


def test_correction_figures_with_no_data(api):
    body = api.get("/stats/corrections").get_json()
    assert {
        "open_flags",
        "median_seconds_to_correction",
        "p90_seconds_to_correction",
        "median_seconds_to_review",
    } <= set(body)
    assert body["open_flags"] == 0 and body["median_seconds_to_correction"] is None
    assert len(body["weeks"]) == 12 and body["weeks"][0]["week_start"] < body["weeks"][-1]["week_start"]


def test_correction_figures_count_the_fix(api, session, asthma, reviewer):
    flag = _file(api).get_json()["id"]
    _file(api, reason="Still open")
    row = session.get(Flag, flag)
    row.created_at = row.created_at - timedelta(minutes=30)
    session.commit()
    _fix(session, asthma, reviewer)
    api.post(f"/flags/{flag}/resolve", as_=reviewer)
    body = api.get("/stats/corrections").get_json()
    assert body["open_flags"] == 1
    assert 1790 <= body["median_seconds_to_correction"] <= 1830
    assert body["p90_seconds_to_correction"] == body["median_seconds_to_correction"]
    assert body["weeks"][-1]["corrections"] == 1 and body["weeks"][-1]["reports"] == 2
