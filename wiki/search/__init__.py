"""Search: the backend chosen by configuration, and its wiring into the app.

``make_backend`` picks Whoosh (embedded, the default) or PostgreSQL (several
hosts) from the config; ``init_app`` keeps one per app; ``get_backend`` hands
it to views, the API and the CLI. ``drain_now`` indexes what the outbox holds
without waiting on the index lock (request workers call it after a commit);
the ``indexer`` CLI command runs ``indexer.run_forever`` instead when many
gunicorn workers share one index.

The only module of the package that touches Flask, and only inside functions,
so ``wiki.search.backend``, ``indexer`` and the backends stay importable
without it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from wiki.search.backend import (
    Hit,
    IndexBusy,
    ResultPage,
    SearchBackend,
    SearchDocument,
    Suggestion,
)

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.engine import Engine

__all__ = [
    "Hit",
    "IndexBusy",
    "ResultPage",
    "SearchBackend",
    "SearchDocument",
    "Suggestion",
    "catch_up_now",
    "drain_now",
    "get_backend",
    "init_app",
    "make_backend",
    "start_background_indexer",
]

EXTENSION_KEY = "wiki.search"
log = logging.getLogger(__name__)


def make_backend(config: Mapping[str, Any], *, engine: Engine | None = None) -> SearchBackend:
    """Return the backend ``config["SEARCH_BACKEND"]`` names ("whoosh" or "postgres").

    Whoosh keeps its index in ``config["SEARCH_INDEX_DIR"]``. PostgreSQL uses
    ``engine`` when given, else one made from ``config["DATABASE_URL"]``, and
    creates its tables if missing. ``SEARCH_LOCK_TIMEOUT`` (seconds, default
    0.5) bounds how long a write waits for the index lock.

    :raises ValueError: an unknown backend name, or PostgreSQL without a PostgreSQL URL.
    """
    name = str(config.get("SEARCH_BACKEND") or "whoosh").strip().lower()
    timeout = float(config.get("SEARCH_LOCK_TIMEOUT", 0.5))
    if name == "whoosh":
        from wiki.search.whoosh_backend import WhooshBackend

        return WhooshBackend(config["SEARCH_INDEX_DIR"], lock_timeout=timeout)
    if name == "postgres":
        import sqlalchemy as sa

        from wiki.search.postgres_backend import PostgresBackend

        owned = engine is None
        if engine is None:
            engine = sa.create_engine(config["DATABASE_URL"], pool_pre_ping=True)
        if engine.dialect.name != "postgresql":
            raise ValueError("SEARCH_BACKEND=postgres needs a postgresql:// DATABASE_URL")
        backend = PostgresBackend(engine, lock_timeout_ms=int(timeout * 1000), dispose_engine_on_close=owned)
        backend.ensure_schema()
        return backend
    raise ValueError(f"unknown search backend {name!r}; known: whoosh, postgres")


def init_app(app: Flask) -> None:
    """Make the app's search backend and close it when the app is torn down."""
    engine = None
    if str(app.config.get("SEARCH_BACKEND", "whoosh")).lower() == "postgres":
        from wiki import db

        engine = db.database(app).engine  # share the app's pool
    app.extensions[EXTENSION_KEY] = make_backend(app.config, engine=engine)

    drainer = _Drainer(app)
    app.extensions[EXTENSION_KEY + ".drainer"] = drainer

    @app.teardown_appcontext
    def _drain_after_commit(_exc: BaseException | None) -> None:
        # A request (or CLI command) committed outbox rows. SEARCH_INLINE_INDEX:
        # True wakes this process's drain thread (the response is not held up
        # by the index; the change is searchable a moment later); "sync" drains
        # here before the request ends (tests); False leaves it to a separate
        # `flask --app wiki indexer` process. Never fails the request: rows
        # left behind wait for the next drain.
        from flask import g

        if not g.pop("search_outbox_committed", False):
            return
        mode = app.config.get("SEARCH_INLINE_INDEX", True)
        if mode == "sync":
            try:
                drain_now(app)
            except Exception:  # noqa: BLE001 - the outbox row survives; log and move on
                log.exception("inline search indexing failed; the outbox keeps the rows")
        elif mode:
            drainer.wake()

    @app.before_request
    def _catch_up_once() -> None:
        # The first request a web process serves starts its drain thread, which
        # begins by catching the index up with the database (an index deleted or
        # restored from an old backup is repaired without a manual reindex).
        if app.config.get("SEARCH_INLINE_INDEX", True) is True and not drainer.started:
            drainer.wake(catch_up=True)


class _Drainer:
    """One daemon thread per process that drains the outbox when woken, and every second while alive.

    Started on the first commit that needs it (so after gunicorn forks, never
    in processes that never write). It never waits on the index lock: when
    another process holds it, the rows wait for the next round.
    """

    POLL_SECONDS = 1.0

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._catch_up = False

    @property
    def started(self) -> bool:
        return self._thread is not None

    def wake(self, *, catch_up: bool = False) -> None:
        with self._lock:
            self._catch_up = self._catch_up or catch_up
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-drain", daemon=True)
                self._thread.start()
        self._event.set()

    def _run(self) -> None:
        if self._catch_up:
            self._catch_up = False
            try:
                catch_up_now(self._app)
            except Exception:  # noqa: BLE001 - the periodic drain still runs
                log.exception("search catch-up at start failed")
        while True:
            self._event.wait(timeout=self.POLL_SECONDS)
            self._event.clear()
            try:
                drain_now(self._app)
            except Exception:  # noqa: BLE001 - keep the thread alive; the rows stay in the outbox
                log.exception("background search indexing failed; will retry")


def get_backend(app: Flask | None = None) -> SearchBackend:
    """Return the backend of ``app`` (default: the current app)."""
    if app is None:
        from flask import current_app

        app = current_app
    return app.extensions[EXTENSION_KEY]


def drain_now(app: Flask | None = None, *, rounds: int = 5) -> int:
    """Drain the outbox in this process without waiting on the index lock. Commits.

    Returns how many outbox rows were indexed. A busy lock means another
    process is draining (or will): the rows stay for it or for the next call.
    """
    from wiki import db
    from wiki.search import indexer

    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    backend = get_backend(app)
    total = 0
    with db.database(app).sessionmaker() as session:
        # Rows enqueued by other requests while we indexed are picked up by
        # the next round rather than left until the next edit.
        for _ in range(rounds):
            drained = indexer.drain(session, backend, wait=False)
            total += drained
            if not drained:
                break
    return total


def catch_up_now(app: Flask | None = None) -> int:
    """Bring the index back in step with the database (start-up check). Commits."""
    from wiki import db
    from wiki.search import indexer

    if app is None:
        from flask import current_app

        app = current_app._get_current_object()
    with db.database(app).sessionmaker() as session:
        return indexer.catch_up(session, get_backend(app))


def start_background_indexer(app: Flask, interval: float = 0.5) -> threading.Event:
    """Run ``indexer.run_forever`` in a daemon thread of this process; set the event to stop it.

    For the single-process demo server, so a change whose in-request drain
    found the lock busy is still searchable within a second.
    """
    from wiki import db
    from wiki.search import indexer

    stop = threading.Event()
    thread = threading.Thread(
        target=indexer.run_forever,
        args=(db.database(app).sessionmaker, get_backend(app)),
        kwargs={"interval": interval, "stop": stop},
        name="search-indexer",
        daemon=True,
    )
    thread.start()
    return stop
