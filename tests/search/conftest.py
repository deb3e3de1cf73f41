"""Search fixtures: one ``backend`` fixture run over every backend.

Whoosh always (a temporary directory); PostgreSQL when
``WIKI_TEST_POSTGRES_URL`` is set, in a schema of its own per test session
whose search tables are emptied before each test, else skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from wiki.search.backend import SearchBackend
from wiki.search.postgres_backend import PostgresBackend
from wiki.search.whoosh_backend import WhooshBackend

POSTGRES_URL = os.environ.get("WIKI_TEST_POSTGRES_URL")
BACKENDS = ["whoosh", "postgres"]


def _with_search_path(url: str, schema: str) -> str:
    # public stays on the path: pg_trgm and fuzzystrmatch live there.
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema},public"


@pytest.fixture(scope="session")
def search_pg_engine() -> Iterator[sa.Engine]:
    """An engine whose search_path is a fresh schema holding the search tables."""
    if not POSTGRES_URL:
        pytest.skip("WIKI_TEST_POSTGRES_URL is not set (PostgreSQL search tests need a server)")
    admin = sa.create_engine(POSTGRES_URL)
    for extension in ("pg_trgm", "fuzzystrmatch"):
        try:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS {extension} SCHEMA public")
        except DBAPIError:
            pass  # another test process created it at the same moment
    schema = f"search_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = sa.create_engine(_with_search_path(POSTGRES_URL, schema))
    PostgresBackend(engine).ensure_schema()
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


def make_search_backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> SearchBackend:
    """Return an empty backend of ``kind`` for one test."""
    if kind == "whoosh":
        return WhooshBackend(str(tmp_path / "index"))
    engine = request.getfixturevalue("search_pg_engine")
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE search_documents, search_words, search_category_sets CASCADE")
    return PostgresBackend(engine)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """An empty search backend; the test fails if it leaves the writer lock held."""
    search = make_search_backend(request.param, request, tmp_path)
    yield search
    assert search.writer_is_free()
    search.close()
