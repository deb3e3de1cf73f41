"""Fixtures: an app per test on a fresh SQLite file and Whoosh directory.

Factories go through the real domain functions (``accounts.create_user``,
``revisions.create_article``, ``revisions.save_edit``): no raw inserts.
Suites that must also run on PostgreSQL take the ``db_url`` fixture, which is
parametrized over SQLite and, when ``WIKI_TEST_POSTGRES_URL`` is set, a fresh
schema in that database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.storage_fixtures import store  # noqa: F401 - a fixture for every suite
from wiki import accounts, create_app, db, revisions
from wiki.models import Article, Role, User

POSTGRES_URL = os.environ.get("WIKI_TEST_POSTGRES_URL")
PASSWORD = "correct horse battery"
FAST_HASH = "pbkdf2:sha256:1000"  # the real default (scrypt) is slow on purpose


def pytest_report_header(config: pytest.Config) -> str:
    where = POSTGRES_URL.rsplit("@", 1)[-1] if POSTGRES_URL else "not set: PostgreSQL suites skip"
    return f"WIKI_TEST_POSTGRES_URL: {where}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("WIKI_TEST_POSTGRES_URL is not set (PostgreSQL suites need a server)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    # public too: the search backend uses the pg_trgm and fuzzystrmatch extensions installed there.
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema},public"
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite always; PostgreSQL when WIKI_TEST_POSTGRES_URL is set (else skipped with the reason)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'wiki.db'}"
    return request.getfixturevalue("postgres_url")


def make_config(tmp_path: Path, **overrides: object) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wiki.db'}",
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "LOAD_CONTENT": False,
        "AUTO_MIGRATE": False,  # tests build the schema with create_all (test_cli checks the migrations)
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "SEARCH_INLINE_INDEX": "sync",  # index before the request ends: tests search right after saving
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config(tmp_path: Path) -> dict:
    """Config overrides for the ``app`` fixture; override this fixture to change them."""
    return make_config(tmp_path)


@pytest.fixture
def app(app_config: dict):
    """A wiki on a fresh SQLite file and Whoosh directory."""
    app = create_app(app_config)
    with app.app_context():
        db.create_all()
    yield app
    db.database(app).engine.dispose()


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(session) -> Callable[..., User]:
    """Create a user through ``accounts.create_user``: ``make_user("ada", role=Role.REVIEWER)``."""
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, *, role: Role = Role.EDITOR, password: str = PASSWORD,
             credential: str | None = None) -> User:
        name = username or f"user{next(counter)}"
        user = accounts.create_user(session, name, password, role=role, hash_method=FAST_HASH)
        if credential:
            user.credential = credential
            user.verified_at = user.created_at
            session.commit()
        return user

    return make


@pytest.fixture
def make_article(session, make_user) -> Callable[..., Article]:
    """Create an approved article through ``revisions.create_article`` (by a reviewer unless told)."""
    authors: dict[str, User] = {}

    def make(title: str = "Asthma", text: str = "**Asthma** is a long-term lung condition.\n",
             *, author: User | None = None, summary: str = "") -> Article:
        if author is None:
            author = authors.get("r") or authors.setdefault("r", make_user("seed_reviewer", role=Role.REVIEWER))
        result = revisions.create_article(session, title, text, summary=summary, author=author,
                                          confirm_warnings=True)
        return session.get(Article, result.revision.article_id)

    return make


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
