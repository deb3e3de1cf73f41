"""How saves reach the search index in a web process (SEARCH_INLINE_INDEX)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import FAST_HASH, make_config
from wiki import accounts, create_app, db, revisions, search
from wiki.models import IndexOutbox, Role


def _seed(app, title: str) -> None:
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, "rosa", "a long password", role=Role.REVIEWER, hash_method=FAST_HASH)
        revisions.create_article(session, title, f"{title} is a test condition.\n", summary="", author=user)


def _titles(app, query: str) -> list[str]:
    with app.app_context():
        return [hit.title for hit in search.get_backend(app).search(query).hits]


@pytest.mark.parametrize("mode", ["sync", True])
def test_an_approved_save_is_searchable_within_a_second(tmp_path, mode):
    app = create_app(make_config(tmp_path, SEARCH_INLINE_INDEX=mode))
    with app.app_context():
        db.create_all()
    _seed(app, "Zebra fever")
    deadline = time.monotonic() + 1.0
    while "Zebra fever" not in _titles(app, "zebra") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _titles(app, "zebra") == ["Zebra fever"]
    db.database(app).engine.dispose()


def test_with_a_separate_indexer_the_web_process_leaves_the_outbox(tmp_path):
    app = create_app(make_config(tmp_path, SEARCH_INLINE_INDEX=False))
    with app.app_context():
        db.create_all()
    _seed(app, "Zebra fever")
    with app.app_context():
        assert db.session().query(IndexOutbox).count() == 1
        assert _titles(app, "zebra") == []
        assert search.drain_now(app) == 1  # what the indexer process does
        db.session().rollback()  # end this session's read snapshot
        assert db.session().query(IndexOutbox).count() == 0
    assert _titles(app, "zebra") == ["Zebra fever"]
    db.database(app).engine.dispose()


def test_a_web_process_catches_a_lost_index_up_on_its_first_request(tmp_path):
    import shutil

    app = create_app(make_config(tmp_path, SEARCH_INLINE_INDEX=True))
    with app.app_context():
        db.create_all()
    _seed(app, "Zebra fever")
    deadline = time.monotonic() + 2
    while not _titles(app, "zebra") and time.monotonic() < deadline:
        time.sleep(0.05)
    search.get_backend(app).close()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])  # the index is lost; the database is the truth
    app2 = create_app(make_config(tmp_path, SEARCH_INLINE_INDEX=True))
    assert _titles(app2, "zebra") == []
    app2.test_client().get("/")
    deadline = time.monotonic() + 3
    while not _titles(app2, "zebra") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _titles(app2, "zebra") == ["Zebra fever"]
    db.database(app).engine.dispose()
    db.database(app2).engine.dispose()
