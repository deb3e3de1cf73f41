"""API: bearer tokens, the token endpoint, JSON errors for everything under /api/, limits."""

from __future__ import annotations

import pytest

from tests.api.helpers import API, Caller, assert_error
from tests.conftest import PASSWORD, make_config
from wiki import revisions
from wiki.models import Role

# ---------------------------------------------------------------- bearer tokens


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wk_not-a-real-token",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwdw==",
        "wk_token-without-scheme",
        "",
        "Bearer " + "x" * 500,
    ],
)
def test_a_bad_token_is_401_even_where_none_is_needed(api, header):
    response = api.get("/articles", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_good_token_acts_as_its_user(api, editor):
    body = api.post("/articles", as_=editor, json={"title": "Gout", "text": "Joints.\n"}).get_json()
    assert body["revision"]["author"] == "eddie"


def test_scheme_is_case_insensitive(api, editor):
    response = api.post(
        "/articles",
        headers={"Authorization": f"bearer {editor.token}"},
        json={"title": "Gout", "text": "Joints.\n"},
    )
    assert response.status_code == 201


def test_a_deleted_users_token_is_refused(api, editor, session):
    from wiki.models import utcnow

    editor.user.deleted_at = utcnow()
    session.commit()
    assert_error(api.get("/articles", as_=editor), 401)


def test_the_api_ignores_the_browser_session_cookie(api, auth, editor):
    auth.login("eddie")
    assert_error(api.post("/articles", json={"title": "Gout", "text": "Joints.\n"}), 401, "unauthorized")


def test_token_from_username_and_password(api, make_user):
    make_user("ada", role=Role.CLINICIAN)
    response = api.post("/tokens", json={"username": "ADA", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["username"] == "ada" and body["user"]["role"] == "clinician"
    token = Caller(None, body["token"])
    created = api.post("/articles", as_=token, json={"title": "Gout", "text": "Joints.\n"})
    assert created.get_json()["revision"]["author"] == "ada"


@pytest.mark.parametrize(
    "body", [{"username": "ada", "password": "wrong password!"}, {"username": "nobody", "password": PASSWORD}]
)
def test_token_with_bad_credentials_is_401(api, make_user, body):
    make_user("ada")
    assert_error(api.post("/tokens", json=body), 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ada"}, "password"),
        ({"password": "x" * 12}, "username"),
        ({"username": 1, "password": "x"}, "username"),
        ({"username": "ada", "password": "p" * 2000}, "password"),
    ],
)
def test_token_request_names_the_bad_field(api, body, field):
    assert assert_error(api.post("/tokens", json=body), 400, "invalid_input")["field"] == field


def test_api_posts_need_no_csrf_token(tmp_path, make_user):
    from wiki import accounts, create_app, db

    app = create_app(make_config(tmp_path / "csrf", WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        session = db.session()
        user = accounts.create_user(
            session, "ada", PASSWORD, role=Role.EDITOR, hash_method="pbkdf2:sha256:1000"
        )
        token = accounts.create_token(session, user)
    client = app.test_client()
    response = client.post(
        f"{API}/articles",
        json={"title": "Gout", "text": "Joints.\n"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    assert client.post(f"{API}/tokens", json={"username": "ada", "password": PASSWORD}).status_code == 201


# ---------------------------------------------------------------- errors are JSON under /api/


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/articles/a/b/c", "/api/v2/articles", "/api/", "/api"]
)
def test_unknown_api_urls_are_json_404(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(api):
    response = api.call("DELETE", "/articles")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_browser_paths_keep_their_own_error_pages(client):
    response = client.get("/no-such-page-at-all")
    assert response.status_code == 404 and response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
        (b'{"base_revision": 1' + b"0" * 5000 + b"}", "not valid JSON"),
    ],
)
def test_bodies_that_are_not_json_objects_are_400(api, editor, make_article, data, message):
    make_article("Asthma")
    response = api.put(
        "/articles/asthma", as_=editor, data=data, headers={"Content-Type": "application/json"}
    )
    body = assert_error(response, 400, "invalid_input")
    assert message in body["message"] and body["field"] == "body"


def test_a_body_over_10_mb_is_json_413(api, editor, make_article):
    make_article("Asthma")
    data = b'{"text": "' + b"a" * (11 * 1024 * 1024) + b'", "base_revision": 1}'
    response = api.put(
        "/articles/asthma", as_=editor, data=data, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413, "too_large")


def test_a_body_over_10_mb_is_413_even_where_the_body_is_not_read(api):
    data = b"{" + b" " * (11 * 1024 * 1024) + b"}"
    for path in ("/revisions/1/approve", "/articles"):
        response = api.post(path, data=data, headers={"Content-Type": "application/json"})
        assert_error(response, 413, "too_large")


def test_an_article_text_over_2_mb_is_413(api, editor, make_article):
    base = make_article("Asthma").latest_revision_id
    response = api.put(
        "/articles/asthma", as_=editor, json={"text": "b" * (3 * 1024 * 1024), "base_revision": base}
    )
    assert_error(response, 413, "too_large")


class TestUnexpectedErrors:
    @pytest.fixture
    def app_config(self, tmp_path):
        return make_config(tmp_path, PROPAGATE_EXCEPTIONS=False)

    def test_an_unexpected_exception_is_json_500_without_details(self, api, monkeypatch, make_article):
        make_article("Asthma")

        def explode(*args, **kwargs):
            raise RuntimeError("secret internals")

        monkeypatch.setattr(revisions, "load_text", explode)
        body = assert_error(api.get("/articles/asthma"), 500, "internal_error")
        assert "secret" not in body["message"]


# ---------------------------------------------------------------- rate limits


class TestRateLimits:
    @pytest.fixture
    def app_config(self, tmp_path):
        return make_config(
            tmp_path,
            RATELIMIT_ENABLED=True,
            API_WRITE_RATE_LIMIT="3 per minute",
            LOGIN_RATE_LIMIT="2 per minute",
        )

    def test_writes_over_the_limit_are_json_429(self, api, editor, make_article):
        base = make_article("Asthma", "v0\n").latest_revision_id
        statuses = []
        for n in range(1, 5):
            response = api.put(
                "/articles/asthma", as_=editor, json={"text": f"v{n}\n", "base_revision": base}
            )
            statuses.append(response.status_code)
            if response.status_code == 200:
                base = response.get_json()["revision"]["id"]
        assert statuses[:3] == [200, 200, 200]
        body = assert_error(response, 429, "rate_limited")
        assert "minute" in body["message"]
        assert "Retry-After" in response.headers

    def test_the_write_limit_is_shared_by_every_write_endpoint(self, api, reviewer, make_article):
        rev = make_article("Asthma", "v0\n").latest_revision_id
        for n in range(3):
            api.post("/articles", as_=reviewer, json={"title": f"Article {n}", "text": "x\n"})
        assert_error(api.post(f"/revisions/{rev}/undo", as_=reviewer), 429, "rate_limited")

    def test_reads_are_not_write_limited(self, api, make_article):
        make_article("Asthma")
        assert all(api.get("/articles/asthma").status_code == 200 for _ in range(6))

    def test_token_requests_use_the_login_limit(self, api, make_user):
        make_user("ada")
        statuses = [
            api.post("/tokens", json={"username": "ada", "password": "wrong password!"}).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]
        assert_error(api.post("/tokens", json={"username": "ada", "password": PASSWORD}), 429, "rate_limited")
