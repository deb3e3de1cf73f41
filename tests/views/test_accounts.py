"""Logging in and out, registering, rate limits on login, and contributor pages."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, make_config
from tests.views.conftest import ASTHMA, login, parse
from wiki import create_app, db
from wiki.models import Role


def test_login_page(client):
    response = client.get("/login?next=/wiki/asthma")
    assert response.status_code == 200
    page = parse(response)
    assert {"username", "password", "next"} <= set(page.inputs)
    assert page.inputs["next"] == "/wiki/asthma"


def test_login_and_logout(client, wiki):
    wiki.user("eddie")
    response = login(client, "eddie")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "You are logged in as eddie." in page and "Log out" in page
    response = client.post("/logout")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "You have logged out." in page and "Log out" not in page


def test_logout_is_post_only(client):
    assert client.get("/logout").status_code == 405


def test_login_follows_local_next(client, wiki):
    wiki.user("eddie")
    response = client.post("/login", data={"username": "eddie", "password": PASSWORD,
                                           "next": "/wiki/asthma/edit"})
    assert response.headers["Location"] == "/wiki/asthma/edit"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "evil.example"])
def test_login_refuses_foreign_next(client, wiki, target):
    wiki.user("eddie")
    response = client.post("/login", data={"username": "eddie", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/"


def test_login_with_wrong_password(client, wiki):
    wiki.user("eddie")
    response = login(client, "eddie", "not the password")
    assert response.status_code == 401
    assert "The username or password is not right." in response.get_data(as_text=True)
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_login_with_unknown_user_says_the_same(client):
    response = login(client, "nobody")
    assert response.status_code == 401
    assert "The username or password is not right." in response.get_data(as_text=True)


def test_login_with_empty_fields_is_400(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your username." in response.get_data(as_text=True)


def test_logged_in_user_visiting_login_is_redirected(client, as_user):
    as_user("eddie")
    assert client.get("/login?next=/articles").headers["Location"] == "/articles"


def test_register_creates_account_and_logs_in(client):
    response = client.post("/register", data={"username": "newbie", "password": PASSWORD,
                                              "confirm": PASSWORD})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, newbie." in page and "Log out" in page
    client.post("/logout")
    assert login(client, "newbie").status_code == 302


def test_register_mismatched_passwords(client):
    response = client.post("/register", data={"username": "newbie", "password": PASSWORD, "confirm": "other"})
    assert response.status_code == 400
    assert "The two passwords are not the same." in response.get_data(as_text=True)


def test_register_short_password_shown_by_field(client):
    response = client.post("/register", data={"username": "newbie", "password": "short", "confirm": "short"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'id="password-error"' in body and "at least 10 characters" in body


def test_register_bad_username_shown_by_field(client):
    response = client.post("/register", data={"username": "a b", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert 'id="username-error"' in response.get_data(as_text=True)


def test_register_taken_username_is_409(client, wiki):
    wiki.user("eddie")
    response = client.post("/register", data={"username": "Eddie", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 409
    assert "is taken" in response.get_data(as_text=True)


@pytest.fixture
def closed_app(tmp_path):
    app = create_app(make_config(tmp_path, OPEN_REGISTRATION=False))
    with app.app_context():
        db.create_all()
    yield app
    db.database(app).engine.dispose()


def test_register_when_closed_is_403(closed_app):
    client = closed_app.test_client()
    assert client.get("/register").status_code == 403
    data = {"username": "newbie", "password": PASSWORD, "confirm": PASSWORD}
    response = client.post("/register", data=data)
    assert response.status_code == 403
    assert "Registration is closed" in response.get_data(as_text=True)
    assert 'href="/register"' not in client.get("/login").get_data(as_text=True)


@pytest.fixture
def limited_app(tmp_path):
    app = create_app(make_config(tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute"))
    with app.app_context():
        db.create_all()
    yield app
    db.database(app).engine.dispose()


def test_login_is_rate_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert login(client, "nobody").status_code == 401
    response = login(client, "nobody")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # only the POST is limited


def test_user_page_shows_role_credential_and_contributions(client, wiki):
    wiki.user("drsmith", Role.CLINICIAN, credential="MD, respiratory medicine")
    slug = wiki.article("Asthma", ASTHMA, author="drsmith")
    response = client.get("/user/drsmith")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "badge--clinician" in body and "MD, respiratory medicine" in body
    assert f"/wiki/{slug}" in body and "Asthma" in body


def test_user_page_is_case_insensitive_and_404_for_unknown(client, wiki):
    wiki.user("eddie")
    assert client.get("/user/EDDIE").status_code == 200
    assert client.get("/user/nobody").status_code == 404
