"""The outbox drain, start-up catch-up and search documents, on the real domain functions.

Every test runs against each search backend (the ``backend`` fixture); the
wiki's own database is the app fixture's SQLite file.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from whoosh import index as whoosh_index

from wiki import db, review, revisions, search
from wiki.models import IndexOutbox, Role
from wiki.search import documents, indexer
from wiki.search.backend import SearchBackend, SearchDocument
from wiki.search.postgres_backend import WRITER_LOCK, WRITER_LOCK_KEY, PostgresBackend
from wiki.search.whoosh_backend import WhooshBackend

ASTHMA = """---
aliases: [Bronchial asthma, Wheezy chest]
icd10: [J45]
categories: [Pulmonology]
---
**Asthma** is a long-term condition of the airways.

## Symptoms

- wheezing
- a tight chest

It often starts in childhood. See [[Hay fever|allergies]].
"""


@contextlib.contextmanager
def writer_lock_held(backend: SearchBackend) -> Iterator[None]:
    """Hold the backend's writer lock from elsewhere, as another process would."""
    if isinstance(backend, WhooshBackend):
        writer = whoosh_index.open_dir(backend.index_dir + "/live").writer()
        try:
            yield
        finally:
            writer.cancel()
    else:
        assert isinstance(backend, PostgresBackend)
        with backend.engine.connect() as conn:
            conn.execute(sa.text(f"SELECT pg_advisory_lock{WRITER_LOCK}"), {"k": WRITER_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(sa.text(f"SELECT pg_advisory_unlock{WRITER_LOCK}"), {"k": WRITER_LOCK_KEY})
                conn.commit()


def outbox_size(session) -> int:
    return indexer.pending(session)


def found(backend: SearchBackend, query: str) -> list[str]:
    return [hit.slug for hit in backend.search(query).hits]


def test_drain_indexes_new_articles_and_deletes_exactly_their_rows(session, backend, make_article):
    make_article("Asthma", ASTHMA)
    make_article("Gout", "**Gout** is a painful swelling of a joint.\n")
    assert outbox_size(session) == 2
    assert indexer.drain(session, backend) == 2
    assert outbox_size(session) == 0
    assert found(backend, "wheezing") == ["asthma"]
    assert found(backend, "gout") == ["gout"]
    assert indexer.drain(session, backend) == 0


def test_documents_come_from_front_matter_and_plain_text(session, make_article):
    article = make_article("Asthma", ASTHMA)
    doc = documents.document_for(session, article)
    assert doc is not None
    assert (doc.slug, doc.title) == ("asthma", "Asthma")
    assert doc.aliases == ("Bronchial asthma", "Wheezy chest")
    assert doc.icd10 == ("J45",)
    assert doc.categories == ("Pulmonology",)
    assert doc.body.startswith("Asthma is a long-term condition of the airways.")
    assert "wheezing\na tight chest" in doc.body
    assert "allergies" in doc.body
    for markup in ("**", "##", "[[", "<", "---", "aliases"):
        assert markup not in doc.body


def test_pending_edits_never_reach_the_index(session, backend, make_article, make_user):
    article = make_article("Asthma", ASTHMA)
    indexer.drain(session, backend)
    editor = make_user("patient_pat", role=Role.EDITOR)
    result = revisions.save_edit(
        session,
        article.id,
        ASTHMA + "\nZanzibar cures it.\n",
        summary="add",
        author=editor,
        base_revision_id=None,
    )
    assert result.revision.status == "pending"
    # Even a re-index of the article (any reason) must use the stable text.
    session.add(IndexOutbox(article_id=article.id))
    session.commit()
    indexer.drain(session, backend)
    assert found(backend, "zanzibar") == []
    assert found(backend, "wheezing") == ["asthma"]

    reviewer = make_user("rita", role=Role.REVIEWER)
    review.approve(session, result.revision.id, reviewer=reviewer)
    assert outbox_size(session) == 1
    indexer.drain(session, backend)
    assert found(backend, "zanzibar") == ["asthma"]


def test_a_never_reviewed_article_is_indexed_with_its_latest_text(session, backend, make_article, make_user):
    editor = make_user("patient_pat", role=Role.EDITOR)
    make_article("Gout", "**Gout** flares in the big toe.\n", author=editor)
    indexer.drain(session, backend)
    assert found(backend, "toe") == ["gout"]


def test_rows_outlive_a_crash_between_commit_and_indexing(session, backend, make_article, tmp_path):
    make_article("Gout", "**Gout** flares in the big toe.\n")
    backend.close()  # the process dies before draining
    assert outbox_size(session) == 1
    indexer.drain(session, backend)  # the next process (or the same backend reopened) drains
    assert found(backend, "gout") == ["gout"]


def test_a_busy_index_leaves_the_rows_for_the_next_drain(session, backend, make_article):
    make_article("Gout", "**Gout** flares in the big toe.\n")
    with writer_lock_held(backend):
        assert indexer.drain(session, backend, wait=False) == 0
        assert indexer.drain(session, backend) == 0  # a short wait, then give up
        assert outbox_size(session) == 1
        assert not backend.writer_is_free()
    assert backend.writer_is_free()
    assert indexer.drain(session, backend) == 1
    assert found(backend, "gout") == ["gout"]


def test_articles_that_are_gone_are_removed_from_the_index(session, backend):
    backend.index([SearchDocument(999, "ghost", "Ghost article", body="boo")])
    session.add(IndexOutbox(article_id=999))
    session.commit()
    assert indexer.drain(session, backend) == 1
    assert backend.indexed_ids() == set()


def test_suppressed_text_is_not_searchable(session, backend, make_article, make_user):
    article = make_article("Gout", "**Gout** flares. Mr Invented Person lives at 1 Nowhere Lane.\n")
    admin = make_user("admin_ann", role=Role.ADMIN)
    revisions.suppress(session, article.stable_revision_id, reason="privacy", actor=admin)
    session.add(IndexOutbox(article_id=article.id))
    session.commit()
    indexer.drain(session, backend)
    assert found(backend, "nowhere") == []
    assert found(backend, "gout") == ["gout"]


def test_catch_up_indexes_the_missing_and_drops_the_extra(session, backend, make_article):
    first = make_article("Asthma", ASTHMA)
    second = make_article("Gout", "**Gout** flares in the big toe.\n")
    session.execute(sa.delete(IndexOutbox))  # as if the index directory had been lost
    session.commit()
    backend.index([SearchDocument(777, "stale", "Stale article", body="old")])
    assert indexer.catch_up(session, backend) == 3
    assert backend.indexed_ids() == {first.id, second.id}
    assert outbox_size(session) == 0
    assert indexer.catch_up(session, backend) == 0


def test_catch_up_rebuilds_when_far_out_of_step(session, backend, make_article, monkeypatch):
    monkeypatch.setattr(indexer, "REBUILD_THRESHOLD", 1)
    first = make_article("Asthma", ASTHMA)
    second = make_article("Gout", "**Gout** flares in the big toe.\n")
    backend.index([SearchDocument(777, "stale", "Stale article", body="old")])
    assert indexer.catch_up(session, backend) == 3
    assert backend.indexed_ids() == {first.id, second.id}
    assert found(backend, "wheezing") == ["asthma"]


def test_run_forever_catches_up_then_stops(app, session, backend, make_article):
    make_article("Gout", "**Gout** flares in the big toe.\n")
    session.execute(sa.delete(IndexOutbox))
    session.commit()
    stop = threading.Event()
    stop.set()
    indexer.run_forever(db.database(app).sessionmaker, backend, interval=0.01, stop=stop)
    assert found(backend, "gout") == ["gout"]


def test_drain_now_indexes_in_the_app_process(app, session, make_article):
    make_article("Gout", "**Gout** flares in the big toe.\n")
    assert search.drain_now(app) == 1
    assert [hit.slug for hit in search.get_backend(app).search("toe").hits] == ["gout"]
    assert search.drain_now(app) == 0


def test_html_to_text_keeps_words_apart_and_drops_scripts():
    html = "<h2>Signs</h2><ul><li>one</li><li>two&amp;three</li></ul><script>evil()</script><p>a<b>b</b></p>"
    assert documents.html_to_text(html) == "Signs\none\ntwo&three\nab"
