"""The outbox drain: brings the search index up to date with the database.

Every change readers can see writes an ``IndexOutbox`` row in the same
transaction as the change. ``drain`` reads the oldest rows, indexes the
articles' current documents, and deletes exactly the rows it read, so a
process dying between commit and indexing loses nothing: the rows wait for
the next drain. When the index writer is busy the rows are left as they are
and ``drain`` returns at once; nothing here ever waits on the index lock
for long.

No Flask: the ``indexer`` CLI command, the in-process drain and tests call
these with a session (or a session factory) and a backend.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from wiki.errors import WikiError
from wiki.models import Article, IndexOutbox
from wiki.search import documents
from wiki.search.backend import IndexBusy, SearchBackend
from wiki.transactions import begin_write

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 500
# More articles than this out of step at start-up: rebuild rather than queue.
REBUILD_THRESHOLD = 500


def drain(session: Session, backend: SearchBackend, *, limit: int = DEFAULT_LIMIT, wait: bool = True) -> int:
    """Index the articles named by the oldest outbox rows and delete those rows. Commits.

    Articles that are gone, or that readers see no text of, are removed from
    the index. Returns how many outbox rows were drained: 0 when there were
    none, or when the index writer was busy (the rows stay for next time).
    ``wait=False`` does not wait for a busy writer at all.
    """
    rows = session.execute(
        select(IndexOutbox.id, IndexOutbox.article_id).order_by(IndexOutbox.id).limit(limit)
    ).all()
    if not rows:
        session.rollback()
        return 0
    article_ids = sorted({row.article_id for row in rows})
    docs, gone = [], []
    for article_id in article_ids:
        try:
            doc = documents.document_for(session, session.get(Article, article_id))
        except WikiError:
            # A revision that cannot be rebuilt cannot be indexed either;
            # `flask fsck` reports it. Keep the old entry, drop the row.
            log.exception("cannot build the search document of article %d", article_id)
            continue
        if doc is None:
            gone.append(article_id)
        else:
            docs.append(doc)
    session.rollback()  # end the read transaction before indexing and writing
    try:
        backend.index(docs, wait=wait)
        backend.remove(gone, wait=wait)
    except IndexBusy:
        return 0
    begin_write(session)
    session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_([row.id for row in rows])))
    session.commit()
    return len(rows)


def pending(session: Session) -> int:
    """Return how many outbox rows wait to be drained."""
    count = session.scalar(select(func.count()).select_from(IndexOutbox)) or 0
    session.rollback()
    return count


def catch_up(session: Session, backend: SearchBackend) -> int:
    """Bring an index that disagrees with the database back in step. Commits.

    Compares the article ids in the index with those readers can see. A few
    differences are queued in the outbox and drained; many (a lost or new
    index directory, a restored database) trigger a full rebuild. Returns how
    many articles were out of step.

    :raises IndexBusy: the rebuild could not have the index writer.
    """
    wanted = documents.readable_article_ids(session)
    session.rollback()
    held = backend.indexed_ids()
    stale = sorted((wanted - held) | (held - wanted))
    if not stale:
        return 0
    log.info("search index out of step with the database by %d articles", len(stale))
    if len(stale) > REBUILD_THRESHOLD:
        backend.rebuild(documents.iter_documents(session))
        session.rollback()
        return len(stale)
    begin_write(session)
    session.add_all(IndexOutbox(article_id=article_id) for article_id in stale)
    session.commit()
    while drain(session, backend):
        pass
    return len(stale)


def run_forever(
    session_factory: Callable[[], Session],
    backend: SearchBackend,
    interval: float = 0.5,
    stop: threading.Event | None = None,
) -> None:
    """Catch up, then drain the outbox every ``interval`` seconds until ``stop`` is set.

    A full batch is followed at once by the next; errors are logged and
    retried on the next round, so one bad moment does not stop indexing.
    """
    stop = stop or threading.Event()
    try:
        with session_factory() as session:
            catch_up(session, backend)
    except Exception:
        log.exception("search catch-up failed; draining the outbox anyway")
    while not stop.is_set():
        drained = 0
        try:
            with session_factory() as session:
                drained = drain(session, backend)
        except Exception:
            log.exception("search outbox drain failed; retrying")
        if drained < DEFAULT_LIMIT:
            stop.wait(interval)
