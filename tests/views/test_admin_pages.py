"""Admin pages over HTTP (users, roles, verification, blocks, audit log, protection, suppression) and
the role x action matrix for every route of the review workflow, driven from one table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tests.views.conftest import ASTHMA, assert_csp_clean, login
from wiki import accounts, articles, audit, flags
from wiki.models import Role, utcnow
from wiki.permissions import ANONYMOUS

V2 = ASTHMA.replace("long-term condition", "lifelong condition")


def _user(wiki, name: str) -> dict:
    def read(session):
        user = accounts.get_user(session, name)
        return {
            "role": user.role.label,
            "credential": user.credential,
            "verified": user.is_verified_clinician,
            "blocked": user.is_blocked(),
            "reason": user.block_reason,
            "until": user.blocked_until,
        }

    return wiki.run(read)


def _actions(wiki) -> list[str]:
    return wiki.run(lambda s: [e.action for e in audit.list_events(s)])


# ---------------------------------------------------------------- users


def test_users_page_lists_accounts_with_roles_and_forms(client, wiki, as_user):
    wiki.user("eddie")
    wiki.user("nina", Role.CLINICIAN, credential="RN, oncology")
    as_user("ada", Role.ADMIN)
    response = client.get("/admin/users")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_csp_clean(response)
    assert 'id="user-eddie"' in body and 'id="user-nina"' in body
    assert "RN, oncology" in body and "badge--clinician" in body
    assert 'action="/admin/users/eddie/role"' in body and 'action="/admin/users/eddie/verify"' in body
    assert 'action="/admin/users/eddie/block"' in body
    assert 'action="/admin/users/ada/role"' not in body  # not on yourself


def test_users_page_shows_fifty_accounts_a_page(client, wiki, as_user):
    for n in range(52):
        wiki.user(f"user{n:02d}")
    as_user("ada", Role.ADMIN)
    first = client.get("/admin/users").get_data(as_text=True)
    assert "53 accounts" in first and first.count('class="user-admin"') == 50 and "Page 1 of 2" in first
    assert client.get("/admin/users?page=2").get_data(as_text=True).count('class="user-admin"') == 3


def test_set_role(client, wiki, as_user):
    wiki.user("eddie")
    as_user("ada", Role.ADMIN)
    response = client.post("/admin/users/eddie/role", data={"role": "reviewer"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users#user-eddie"
    assert _user(wiki, "eddie")["role"] == "reviewer"
    assert "eddie is now reviewer" in client.get("/admin/users").get_data(as_text=True)
    client.post("/admin/users/eddie/role", data={"role": "anonymous"})
    assert _user(wiki, "eddie")["role"] == "reviewer"
    assert "not a role" in client.get("/admin/users").get_data(as_text=True)


def test_unknown_user_is_404(client, as_user):
    as_user("ada", Role.ADMIN)
    assert client.post("/admin/users/nobody/role", data={"role": "editor"}).status_code == 404


def test_verified_clinician_badge_shows_on_history_rows(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("nina")
    as_user("ada", Role.ADMIN)
    client.post("/admin/users/nina/verify", data={"credential": "  MD,   cardiology "})
    user = _user(wiki, "nina")
    assert user["role"] == "clinician" and user["credential"] == "MD, cardiology" and user["verified"]
    wiki.edit(slug, V2, author="nina")
    history = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "Verified clinician: MD, cardiology" in history
    users = client.get("/admin/users").get_data(as_text=True)
    assert "MD, cardiology, verified by" in users and 'href="/user/ada"' in users
    client.post("/admin/users/nina/verify", data={"credential": ""})
    assert "Give the credential" in client.get("/admin/users").get_data(as_text=True)


def test_block_and_unblock(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    as_user("ada", Role.ADMIN)
    client.post("/admin/users/eddie/block", data={"reason": "Repeated spam", "days": "3"})
    user = _user(wiki, "eddie")
    assert user["blocked"] and user["reason"] == "Repeated spam"
    assert timedelta(days=2, hours=23) < user["until"] - utcnow() <= timedelta(days=3)
    assert "Blocked</strong> until" in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    login(client, "eddie")
    assert client.get(f"/wiki/{slug}/edit").status_code == 403
    assert client.post(f"/wiki/{slug}/report", data={"reason": "Wrong"}).status_code == 403
    client.post("/logout")
    login(client, "ada")
    client.post("/admin/users/eddie/unblock", data={})
    assert not _user(wiki, "eddie")["blocked"]
    client.post("/logout")
    login(client, "eddie")
    assert client.get(f"/wiki/{slug}/edit").status_code == 200


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "", "days": "3"}, "Give a reason"),
        ({"reason": "spam", "days": "0"}, "Number must be between"),
        ({"reason": "spam", "days": "x"}, "Not a valid integer"),
    ],
)
def test_bad_block_is_refused_with_a_message(client, wiki, as_user, data, message):
    wiki.user("eddie")
    as_user("ada", Role.ADMIN)
    client.post("/admin/users/eddie/block", data=data)
    assert not _user(wiki, "eddie")["blocked"]
    assert message in client.get("/admin/users").get_data(as_text=True)


# ---------------------------------------------------------------- audit log


def test_audit_log_lists_every_admin_action_newest_first(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    as_user("ada", Role.ADMIN)
    client.post("/admin/users/eddie/role", data={"role": "clinician"})
    client.post("/admin/users/eddie/block", data={"reason": "spam", "days": "1"})
    client.post(f"/wiki/{slug}/protect", data={"level": "clinician"})
    response = client.get("/admin/audit")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_csp_clean(response)
    assert (
        body.index("<strong>protect</strong>")
        < body.index("<strong>block</strong>")
        < body.index("<strong>set role</strong>")
    )
    assert "user:eddie" in body and f"article:{slug}" in body and "reason: spam" in body
    only = client.get("/admin/audit?action=block").get_data(as_text=True)
    assert "<strong>block</strong>" in only and "<strong>protect</strong>" not in only


def test_audit_log_pages_by_id(client, wiki, as_user):
    wiki.user("eddie")
    as_user("ada", Role.ADMIN)
    for n in range(101):
        client.post("/admin/users/eddie/role", data={"role": "clinician" if n % 2 else "editor"})
    body = client.get("/admin/audit").get_data(as_text=True)
    assert body.count("<strong>set role</strong>") == 100 and "Older events" in body
    older = client.get("/admin/audit?before=2").get_data(as_text=True)
    assert older.count("<strong>set role</strong>") == 1


# ---------------------------------------------------------------- protection


def test_protect_limits_who_may_edit_and_shows_on_the_page(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    as_user("ada", Role.ADMIN)
    page = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert f'action="/wiki/{slug}/protect"' in page
    response = client.post(f"/wiki/{slug}/protect", data={"level": "clinician"})
    assert response.status_code == 302 and response.headers["Location"] == f"/wiki/{slug}"
    assert wiki.run(lambda s: articles.get_by_slug(s, slug).protection) == Role.CLINICIAN
    assert "Only clinicians and up may edit" in client.get(f"/wiki/{slug}").get_data(as_text=True)
    client.post(f"/wiki/{slug}/protect", data={"level": "admin"})
    assert "editor, clinician or reviewer" in client.get(f"/wiki/{slug}").get_data(as_text=True)
    client.post("/logout")
    login(client, "eddie")
    assert client.get(f"/wiki/{slug}/edit").status_code == 403
    assert f'action="/wiki/{slug}/protect"' not in client.get(f"/wiki/{slug}").get_data(as_text=True)


# ---------------------------------------------------------------- suppression


def test_suppress_hides_text_from_everyone_but_admins_and_keeps_the_row(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    rev = wiki.edit(slug, ASTHMA + "\nMy neighbour Jane Doe has it.\n", author="eddie", summary="example")
    as_user("ada", Role.ADMIN)
    history = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert f'id="suppress-{rev}"' in history and f'form="suppress-{rev}"' in history
    client.post(f"/revisions/{rev}/suppress", data={"reason": ""})
    assert "Give the reason" in client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    response = client.post(f"/revisions/{rev}/suppress", data={"reason": "names a neighbour"})
    assert response.status_code == 302 and response.headers["Location"] == f"/wiki/{slug}/history"
    assert "Jane Doe" in client.get(f"/wiki/{slug}?rev={rev}").get_data(as_text=True)  # admins still see it
    assert "suppress" in _actions(wiki)
    client.post("/logout")
    page = client.get(f"/wiki/{slug}?rev={rev}").get_data(as_text=True)
    assert "Jane Doe" not in page and "text has been hidden" in page
    history = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "example" in history and "text hidden" in history and "suppress-" not in history


# ---------------------------------------------------------------- the role x action matrix

ANON, EDITOR, CLINICIAN, REVIEWER, ADMIN, BLOCKED = (
    "anonymous",
    "editor",
    "clinician",
    "reviewer",
    "admin",
    "blocked",
)
ROLES = (ANON, EDITOR, CLINICIAN, REVIEWER, ADMIN, BLOCKED)
RANK = {
    ANON: Role.ANONYMOUS,
    EDITOR: Role.EDITOR,
    CLINICIAN: Role.CLINICIAN,
    REVIEWER: Role.REVIEWER,
    ADMIN: Role.ADMIN,
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {slug}, {pending}, {flag} filled from the seeded world
    minimum: Role  # least role allowed; a blocked account may do nothing but read
    data: dict | None = None
    ok: int = 200
    read_only: bool = False  # still allowed while blocked


ROUTES = [
    Route("GET", "/review", Role.REVIEWER),
    Route("POST", "/review/{pending}/approve", Role.REVIEWER, {}, ok=302),
    Route("POST", "/review/{pending}/reject", Role.REVIEWER, {"comment": "No"}, ok=302),
    Route("GET", "/wiki/{slug}/report", Role.ANONYMOUS),
    Route("POST", "/wiki/{slug}/report", Role.ANONYMOUS, {"reason": "Wrong dose"}, ok=302),
    Route("GET", "/flags", Role.REVIEWER),
    Route("POST", "/flags/{flag}/resolve", Role.REVIEWER, {}, ok=302),
    Route("POST", "/flags/{flag}/dismiss", Role.REVIEWER, {"reason": "Fine as it is"}, ok=302),
    Route("GET", "/corrections", Role.ANONYMOUS, read_only=True),
    Route("GET", "/admin/users", Role.ADMIN),
    Route("POST", "/admin/users/eddie/role", Role.ADMIN, {"role": "clinician"}, ok=302),
    Route("POST", "/admin/users/eddie/verify", Role.ADMIN, {"credential": "RN, oncology"}, ok=302),
    Route("POST", "/admin/users/eddie/block", Role.ADMIN, {"reason": "spam", "days": "1"}, ok=302),
    Route("POST", "/admin/users/eddie/unblock", Role.ADMIN, {}, ok=302),
    Route("GET", "/admin/audit", Role.ADMIN),
    Route("POST", "/wiki/{slug}/protect", Role.ADMIN, {"level": "clinician"}, ok=302),
    Route("POST", "/revisions/{pending}/suppress", Role.ADMIN, {"reason": "private"}, ok=302),
]


def expected(route: Route, who: str) -> int:
    """The status ``who`` gets: the route's success, a login redirect or 401 for visitors, else 403."""
    if who == BLOCKED:
        return route.ok if route.read_only else 403
    if RANK[who] >= route.minimum:
        return route.ok
    if who == ANON:
        return 302 if route.method == "GET" else 401
    return 403


@pytest.fixture
def world(wiki):
    """Asthma with a pending edit by eddie and an open report; one account per role, one blocked."""
    slug = wiki.article()
    wiki.user("eddie")
    pending = wiki.edit(slug, V2, author="eddie")
    for name, role in (
        ("edna", Role.EDITOR),
        ("clio", Role.CLINICIAN),
        ("rhea", Role.REVIEWER),
        ("adam", Role.ADMIN),
        ("blake", Role.ADMIN),
    ):
        wiki.user(name, role)
    wiki.run(
        lambda s: accounts.block(
            s,
            accounts.get_user(s, "blake"),
            until=utcnow() + timedelta(days=1),
            reason="test",
            actor=accounts.get_user(s, "adam"),
        )
    )
    flag = wiki.run(
        lambda s: flags.report(s, articles.get_by_slug(s, slug), reason="Out of date", reporter=ANONYMOUS).id
    )
    return {"slug": slug, "pending": pending, "flag": flag}


LOGINS = {EDITOR: "edna", CLINICIAN: "clio", REVIEWER: "rhea", ADMIN: "adam", BLOCKED: "blake"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
@pytest.mark.parametrize("who", ROLES)
def test_role_matrix(client, world, route, who):
    if who != ANON:
        assert login(client, LOGINS[who]).status_code == 302
    response = client.open(route.path.format(**world), method=route.method, data=route.data)
    assert response.status_code == expected(route, who), response.get_data(as_text=True)[:300]
    if response.status_code == 302 and who == ANON and route.method == "GET":
        assert "/login" in response.headers["Location"]


def test_matrix_covers_every_route_of_the_new_blueprints(app):
    def shape(path: str) -> str:
        return re.sub(r"<[^>]+>|\{[^}]+\}|eddie", "<>", path)

    covered = {(r.method, shape(r.path)) for r in ROUTES}
    routed = {
        (method, shape(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("review", "flags", "admin")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routed == covered
