"""API: approving, rejecting, the review queue, and who may do what (one table)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.helpers import assert_error
from wiki.models import Role

ROLES = (Role.ANONYMOUS, Role.EDITOR, Role.CLINICIAN, Role.REVIEWER, Role.ADMIN)


@dataclass(frozen=True)
class Setup:
    article: str  # slug
    stable: int  # the approved first revision, by the seed reviewer
    pending: int  # a pending edit by an editor


@dataclass(frozen=True)
class Case:
    minimum: Role  # CONTRACT.md's "who"
    method: str
    path: Callable[[Setup], str]
    body: Callable[[Setup], Any]
    ok: int = 200


# Who may call each endpoint, as CONTRACT.md's JSON API table states it.
MATRIX: dict[str, Case] = {
    "approve": Case(
        Role.REVIEWER, "POST", lambda s: f"/revisions/{s.pending}/approve", lambda s: {"comment": "ok"}
    ),
    "reject": Case(
        Role.REVIEWER, "POST", lambda s: f"/revisions/{s.pending}/reject", lambda s: {"comment": "no"}
    ),
    "rollback": Case(Role.REVIEWER, "POST", lambda s: f"/articles/{s.article}/rollback", lambda s: {}),
    "suppress": Case(
        Role.ADMIN, "POST", lambda s: f"/revisions/{s.pending}/suppress", lambda s: {"reason": "pii"}
    ),
    "queue": Case(Role.REVIEWER, "GET", lambda s: "/review/queue", lambda s: None),
    "undo": Case(Role.EDITOR, "POST", lambda s: f"/revisions/{s.pending}/undo", lambda s: {}),
    "restore": Case(
        Role.EDITOR,
        "POST",
        lambda s: f"/articles/{s.article}/restore",
        lambda s: {"revision": s.stable, "summary": "back"},
    ),
    "edit": Case(
        Role.EDITOR,
        "PUT",
        lambda s: f"/articles/{s.article}",
        lambda s: {"text": "Edited once more.\n", "base_revision": s.pending},
    ),
    "create": Case(
        Role.EDITOR, "POST", lambda s: "/articles", lambda s: {"title": "Gout", "text": "Joints.\n"}, ok=201
    ),
    "read": Case(Role.ANONYMOUS, "GET", lambda s: f"/articles/{s.article}", lambda s: None),
}


@pytest.fixture
def setup(api, make_article, make_caller) -> Setup:
    first = make_article("Asthma", "First text.\n").latest_revision_id
    writer = make_caller(Role.EDITOR)
    saved = api.put(
        "/articles/asthma",
        as_=writer,
        json={"text": "Second text.\n", "summary": "edit", "base_revision": first},
    )
    assert saved.get_json()["status"] == "pending"
    return Setup("asthma", first, saved.get_json()["revision"]["id"])


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.label)
@pytest.mark.parametrize("action", MATRIX)
def test_role_matrix(api, make_caller, setup, action, role):
    case = MATRIX[action]
    response = api.call(case.method, case.path(setup), as_=make_caller(role), json=case.body(setup))
    if role >= case.minimum:
        assert response.status_code == case.ok, response.get_json()
    elif role == Role.ANONYMOUS:
        assert_error(response, 401, "unauthorized")
    else:
        assert_error(response, 403, "forbidden")


def test_blocked_user_may_not_write(api, make_caller, setup, session):
    from datetime import timedelta

    from wiki.models import utcnow

    caller = make_caller(Role.REVIEWER)
    caller.user.blocked_until = utcnow() + timedelta(days=1)
    session.commit()
    assert_error(api.post(f"/revisions/{setup.pending}/approve", as_=caller), 403, "forbidden")
    assert api.get("/articles/asthma", as_=caller).status_code == 200


def test_approve_makes_the_revision_stable(api, reviewer, setup):
    response = api.post(f"/revisions/{setup.pending}/approve", as_=reviewer, json={"comment": "checked"})
    body = response.get_json()
    assert body["status"] == "approved" and body["revision"]["reviewed_by"] == "rita"
    article = api.get("/articles/asthma").get_json()
    assert article["stable_revision"] == setup.pending and article["text"] == "Second text.\n"
    assert article["pending_count"] == 0


def test_approve_accepts_earlier_pending_revisions(api, reviewer, editor, setup):
    later = api.put(
        "/articles/asthma", as_=editor, json={"text": "Third text.\n", "base_revision": setup.pending}
    )
    later_id = later.get_json()["revision"]["id"]
    assert api.post(f"/revisions/{later_id}/approve", as_=reviewer).status_code == 200
    assert api.get(f"/revisions/{setup.pending}").get_json()["status"] == "approved"


def test_approve_errors(api, reviewer, setup):
    assert_error(api.post("/revisions/999999/approve", as_=reviewer), 404)
    assert_error(api.post(f"/revisions/{setup.pending}/approve", as_=reviewer, json={"comment": 5}), 400)
    assert_error(
        api.post(f"/revisions/{setup.pending}/approve", as_=reviewer, json={"comment": "c" * 2001}), 400
    )
    assert api.post(f"/revisions/{setup.pending}/approve", as_=reviewer).status_code == 200
    assert_error(api.post(f"/revisions/{setup.stable}/approve", as_=reviewer), 409, "conflict")


def test_reject_returns_the_latest_text_to_the_stable_one(api, reviewer, setup):
    response = api.post(f"/revisions/{setup.pending}/reject", as_=reviewer, json={"comment": "unsourced"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["revision"]["kind"] == "revert" and body["revision"]["status"] == "approved"
    assert body["rejected"]["id"] == setup.pending and body["rejected"]["status"] == "rejected"
    latest = api.get("/articles/asthma", query={"version": "latest"}).get_json()
    assert latest["text"] == "First text.\n" and latest["latest_revision"] == body["revision"]["id"]


def test_reject_needs_a_comment_and_a_pending_revision(api, reviewer, setup):
    path = f"/revisions/{setup.pending}/reject"
    assert assert_error(api.post(path, as_=reviewer, json={}), 400)["field"] == "comment"
    assert assert_error(api.post(path, as_=reviewer), 400)["field"] == "body"
    assert_error(api.post(path, as_=reviewer, json={"comment": "  "}), 400)
    assert_error(api.post(f"/revisions/{setup.stable}/reject", as_=reviewer, json={"comment": "x"}), 409)
    assert_error(api.post("/revisions/999999/reject", as_=reviewer, json={"comment": "x"}), 404)


def test_queue_lists_every_pending_revision_oldest_first(api, make_article, reviewer, editor, setup):
    gout = make_article("Gout", "Joints.\n").latest_revision_id
    second = api.put(
        "/articles/gout", as_=editor, json={"text": "Joints: take 5 mg daily.\n", "base_revision": gout}
    ).get_json()["revision"]["id"]
    third = api.put(
        "/articles/asthma", as_=editor, json={"text": "Third text.\n", "base_revision": setup.pending}
    ).get_json()["revision"]["id"]
    pending = api.get("/review/queue", as_=reviewer).get_json()["pending"]
    assert [(p["article"], p["revision"]["id"]) for p in pending] == [
        ("asthma", setup.pending),
        ("gout", second),
        ("asthma", third),
    ]
    entry = pending[1]
    assert set(entry) == {"article", "revision", "author", "waiting_seconds", "warnings"}
    assert entry["author"] == "eddie" and entry["waiting_seconds"] >= 0
    assert [w["kind"] for w in entry["warnings"]] == ["dose_change"]
    assert pending[0]["warnings"] == []


def test_queue_filters_by_category_and_dose(api, make_article, reviewer, editor):
    gout_text = "---\ncategories: [Rheumatology]\n---\nTake 500 mg daily.\n"
    hay_text = "---\ncategories: [Pulmonology]\n---\nUse your inhaler.\n"
    gout = make_article("Gout", gout_text).latest_revision_id
    hay = make_article("Hay fever", hay_text).latest_revision_id
    api.put("/articles/gout", as_=editor, json={"text": gout_text.replace("500", "1000"), "base_revision": gout})
    api.put("/articles/hay-fever", as_=editor, json={"text": hay_text.replace("your", "your blue"),
                                                     "base_revision": hay})

    def slugs(query):
        pending = api.get("/review/queue", as_=reviewer, query=query).get_json()["pending"]
        return sorted(entry["article"] for entry in pending)

    assert slugs({}) == ["gout", "hay-fever"]
    assert slugs({"category": "rheumatology"}) == ["gout"]
    assert slugs({"dose": "1"}) == ["gout"]
