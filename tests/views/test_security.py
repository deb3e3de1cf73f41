"""CSRF on every form, security headers, no inline script or style, and the error pages."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, make_config
from tests.views.conftest import ASTHMA, Wiki, assert_csp_clean, login, make_csrf_app, parse
from wiki import create_app, db
from wiki.models import Role


@pytest.fixture
def csrf_app(tmp_path):
    app = make_csrf_app(tmp_path)
    yield app
    db.database(app).engine.dispose()


def _token(client, url: str) -> str:
    return parse(client.get(url)).inputs["csrf_token"]


def _login_with_token(client, name: str) -> None:
    token = _token(client, "/login")
    response = client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_login_without_csrf_token_is_refused(csrf_app):
    Wiki(csrf_app).user("eddie")
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": "eddie", "password": PASSWORD})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The form expired or was sent from elsewhere" in body
    assert "your text is not lost if you go back" in body
    _login_with_token(client, "eddie")


def test_edit_without_csrf_token_is_refused(csrf_app):
    wiki = Wiki(csrf_app)
    slug = wiki.article()
    wiki.user("eddie")
    client = csrf_app.test_client()
    _login_with_token(client, "eddie")
    _, latest = wiki.pointers(slug)
    data = {"text": ASTHMA + "More.\n", "summary": "", "base_revision": str(latest), "save": "Save"}
    assert client.post(f"/wiki/{slug}/edit", data=data).status_code == 400
    assert wiki.pointers(slug)[1] == latest
    token = _token(client, f"/wiki/{slug}/edit")
    assert client.post(f"/wiki/{slug}/edit", data={**data, "csrf_token": token}).status_code == 302
    assert wiki.pointers(slug)[1] != latest


def test_new_without_csrf_token_is_refused(csrf_app):
    Wiki(csrf_app).user("eddie")
    client = csrf_app.test_client()
    _login_with_token(client, "eddie")
    data = {"title": "Gout", "text": "Gout.\n", "save": "1"}
    assert client.post("/new", data=data).status_code == 400
    token = _token(client, "/new")
    assert client.post("/new", data={**data, "csrf_token": token}).status_code == 302


@pytest.mark.parametrize("path", ["/logout", "/register", "/wiki/asthma/rollback", "/wiki/asthma/restore",
                                  "/wiki/asthma/undo/2"])
def test_other_posts_without_csrf_token_are_refused(csrf_app, path):
    wiki = Wiki(csrf_app)
    wiki.article()
    wiki.user("rita", Role.REVIEWER)
    client = csrf_app.test_client()
    _login_with_token(client, "rita")
    assert client.post(path, data={"revision": "1"}).status_code == 400


def test_logout_form_carries_a_token(csrf_app):
    Wiki(csrf_app).user("eddie")
    client = csrf_app.test_client()
    _login_with_token(client, "eddie")
    token = parse(client.get("/")).inputs["csrf_token"]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


# ---------------------------------------------------------------- headers, inline code

def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/wiki/nothing").headers.get("Content-Security-Policy") == csp


def test_static_assets_are_served(client):
    assert client.get("/static/css/wiki.css").status_code == 200
    assert client.get("/static/js/edit.js").status_code == 200


def _crawl(client, wiki, as_user):
    """Fetch every kind of page in several states; yield (url, response)."""
    slug = wiki.article("Asthma", ASTHMA + "\n## More\n\nText.\n\n## Outlook\n\nGood. [[Gout]]\n")
    first, _ = wiki.pointers(slug)
    wiki.user("eddie")
    second = wiki.edit(slug, ASTHMA.replace("long-term", "lifelong"), author="eddie")
    anonymous = ["/", f"/wiki/{slug}", f"/wiki/{slug}?version=latest", f"/wiki/{slug}?rev={first}",
                 "/wiki/bronchial-asthma", f"/wiki/{slug}/history", f"/wiki/{slug}/diff",
                 f"/wiki/{slug}/diff?from={first}&to={second}&view=side", "/articles", "/categories",
                 "/category/respiratory", "/login", "/register", "/user/eddie", "/wiki/nothing",
                 f"/wiki/{slug}?rev=abc", "/logout"]
    for url in anonymous:
        yield url, client.get(url, follow_redirects=True)
    as_user("rita", Role.REVIEWER)
    reviewer = ["/", f"/wiki/{slug}", f"/wiki/{slug}/edit", "/new?title=Gout", f"/wiki/{slug}/history",
                f"/wiki/{slug}/restore?revision={first}", f"/wiki/{slug}/undo/{second}",
                f"/wiki/{slug}/rollback"]
    for url in reviewer:
        yield url, client.get(url)
    form = {"text": ASTHMA + "Contact me at jane.doe@example.com\n", "base_revision": str(first), "save": "1"}
    yield "needs confirmation", client.post(f"/wiki/{slug}/edit", data=form)
    yield "preview", client.post(f"/wiki/{slug}/edit", data={**form, "preview": "1"})
    conflict = {"text": ASTHMA.replace("long-term", "short-term"), "base_revision": str(first), "save": "1"}
    yield "conflict", client.post(f"/wiki/{slug}/edit", data=conflict)
    yield "409", client.post("/new", data={"title": "Asthma", "text": "x", "save": "1"})
    yield "405", client.get("/logout")


def test_no_inline_script_or_style_on_any_page(client, wiki, as_user):
    seen = 0
    for url, response in _crawl(client, wiki, as_user):
        assert response.status_code < 500, url
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], url
        try:
            assert_csp_clean(response)
        except AssertionError as exc:
            raise AssertionError(f"{url}: {exc}") from None
        seen += 1
    assert seen > 25


def test_scripts_load_from_static_with_defer(client, as_user, wiki):
    slug = wiki.article()
    as_user("eddie")
    body = client.get(f"/wiki/{slug}/edit").get_data(as_text=True)
    assert '<script src="/static/js/edit.js" defer></script>' in body


# ---------------------------------------------------------------- error pages

@pytest.mark.parametrize("url, status, text", [
    ("/wiki/nothing/history", 404, "There is no article"),
    ("/no/such/page", 404, "Page not found"),
    ("/wiki/asthma/diff?to=x", 400, "There is a problem with the request"),
])
def test_error_pages_are_html_with_the_message(client, wiki, url, status, text):
    wiki.article()
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert text in response.get_data(as_text=True)


def test_405_page(client):
    response = client.post("/articles")
    assert response.status_code == 405
    assert "cannot be done with this address" in response.get_data(as_text=True)


def test_413_page_for_huge_bodies(client, app, as_user, wiki):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    slug = wiki.article()
    as_user("eddie")
    response = client.post(f"/wiki/{slug}/edit", data={"text": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_500_page(tmp_path):
    app = create_app(make_config(tmp_path))
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("kaput")

    app.add_url_rule("/boom", view_func=boom)
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "something went wrong on our side" in body and "kaput" not in body
    db.database(app).engine.dispose()


def test_api_errors_are_not_html_pages(client):
    for url in ("/api/v1/no-such-thing", "/api/v1/articles/nothing"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.is_json and response.get_json()["error"] == "not_found"


def test_unauthorized_get_redirects_to_login_with_next(client, wiki):
    slug = wiki.article()
    response = client.get(f"/wiki/{slug}/rollback")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert login(client, "nobody").status_code == 401
