"""Helpers for the browser tests: seed data in its own app context, parse pages.

The shared ``session`` fixture keeps one app context pushed for the whole test,
so requests made meanwhile would share its ``g`` (the logged-in user, the
database session) instead of getting their own as in production. ``wiki``
below runs each domain call in a short app context of its own and hands back
plain values (slugs, ids), so every request starts as a real one does.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import FAST_HASH, PASSWORD, make_config
from wiki import accounts, articles, create_app, db, revisions
from wiki.models import Article, Revision, Role, User
from wiki.permissions import ANONYMOUS

ASTHMA = """---
aliases: [Bronchial asthma, Reactive airway disease]
icd10: [J45]
categories: [Respiratory]
---
**Asthma** is a long-term condition of the airways.

## Symptoms

Wheezing, breathlessness and a tight chest.

## Treatment

A reliever inhaler opens the airways within minutes.
"""


class Wiki:
    """Domain calls for test set-up, each in a fresh app context."""

    def __init__(self, app) -> None:
        self.app = app

    def run(self, fn: Callable[[Any], Any]) -> Any:
        with self.app.app_context():
            return fn(db.session())

    def user(self, name: str, role: Role = Role.EDITOR, credential: str | None = None) -> str:
        def make(session):
            user = accounts.create_user(session, name, PASSWORD, role=role, hash_method=FAST_HASH)
            if credential:
                user.credential, user.verified_at = credential, user.created_at
                session.commit()
            return user.username
        return self.run(make)

    def _find_user(self, session, name: str | None) -> User | Any:
        if name is None:
            return ANONYMOUS
        return accounts.get_user(session, name)

    def article(self, title: str = "Asthma", text: str = ASTHMA, *, author: str = "seed_reviewer") -> str:
        if author == "seed_reviewer":
            self.run(lambda s: accounts.find_user(s, author)) or self.user(author, Role.REVIEWER)

        def make(session):
            result = revisions.create_article(session, title, text, summary="first", confirm_warnings=True,
                                              author=self._find_user(session, author))
            return session.get(Article, result.revision.article_id).slug
        return self.run(make)

    def edit(self, slug: str, text: str, *, author: str, summary: str = "", base: int | None = None) -> int:
        def make(session):
            article = articles.get_by_slug(session, slug)
            result = revisions.save_edit(session, article.id, text, summary=summary,
                                         author=self._find_user(session, author), base_revision_id=base,
                                         confirm_warnings=True)
            return result.revision.id
        return self.run(make)

    def pointers(self, slug: str) -> tuple[int | None, int | None]:
        """``(stable_revision_id, latest_revision_id)``."""
        def read(session):
            article = articles.get_by_slug(session, slug)
            return article.stable_revision_id, article.latest_revision_id
        return self.run(read)

    def text(self, rev_id: int) -> str:
        return self.run(lambda s: revisions.load_text(s, rev_id))

    def revision(self, rev_id: int) -> dict[str, Any]:
        def read(session):
            rev = session.get(Revision, rev_id)
            return {"status": rev.status.value, "kind": rev.kind.value, "author_id": rev.author_id,
                    "summary": rev.summary, "source": rev.source_revision_id}
        return self.run(read)

    def suppress(self, rev_id: int, *, admin: str) -> None:
        self.run(lambda s: revisions.suppress(s, rev_id, reason="private details",
                                              actor=accounts.get_user(s, admin)))

    def protect(self, slug: str, role: Role) -> None:
        def set_level(session):
            article = articles.get_by_slug(session, slug)
            article.protection = role
            session.commit()
        self.run(set_level)


@pytest.fixture
def wiki(app) -> Wiki:
    return Wiki(app)


def login(client, name: str, password: str = PASSWORD):
    return client.post("/login", data={"username": name, "password": password})


@pytest.fixture
def as_user(wiki, client):
    """Create a user of ``role`` and log the client in as them: ``as_user("ed")``."""
    def make(name: str, role: Role = Role.EDITOR, credential: str | None = None) -> str:
        wiki.user(name, role, credential)
        response = login(client, name)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return name
    return make


def make_csrf_app(tmp_path, **overrides):
    """An app with CSRF protection on (the shared fixture turns it off)."""
    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=True, **overrides))
    with app.app_context():
        db.create_all()
    return app


class PageParser(HTMLParser):
    """Collects what the CSP cares about, plus form fields, from a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inline_scripts = 0
        self.style_attributes: list[str] = []
        self.style_elements = 0
        self.event_handlers: list[str] = []
        self.inputs: dict[str, str] = {}
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None
        self._script_has_src = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            # A JSON-LD data block is not script: the CSP does not apply to it. Nothing else inline.
            if not names.get("src") and names.get("type") != "application/ld+json":
                self.inline_scripts += 1
        if tag == "style":
            self.style_elements += 1
        for key, _ in attrs:
            if key == "style":
                self.style_attributes.append(tag)
            if key.startswith("on"):
                self.event_handlers.append(f"{tag}.{key}")
        if tag == "input" and names.get("name"):
            self.inputs[names["name"]] = names.get("value") or ""
        if tag == "textarea":
            self._textarea = names.get("name") or names.get("id") or ""
            self.textareas[self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.textareas[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


def assert_csp_clean(response) -> None:
    """No inline script, style attribute, <style> element or on* handler in the page."""
    page = parse(response)
    assert page.inline_scripts == 0, "inline <script>"
    assert page.style_attributes == [], f"style= on {page.style_attributes}"
    assert page.style_elements == 0, "<style> element"
    assert page.event_handlers == [], f"event handlers {page.event_handlers}"
