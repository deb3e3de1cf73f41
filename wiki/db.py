"""The engine and the session: one engine per app, one session per app context.

Plain SQLAlchemy (not Flask-SQLAlchemy) so the CLI, the indexer process and the
domain tests share it without Flask's request machinery. SQLite gets WAL,
foreign keys and a busy timeout; a write transaction there starts with
``BEGIN IMMEDIATE`` (``wiki.transactions.begin_write``) so concurrent writers queue instead of failing on a stale
snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from wiki.models import Base, IndexOutbox
from wiki.transactions import WRITE_OPTION

SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass
class Database:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the wiki's SQLite settings where it is SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own
        # transaction handling would start deferred transactions behind our back).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "after_flush", _note_outbox_rows)
    event.listen(factory, "after_commit", _flag_committed_outbox)
    event.listen(factory, "after_rollback", _forget_outbox_rows)
    app.extensions["wiki.db"] = Database(engine, factory)
    app.teardown_appcontext(_close_session)


def _note_outbox_rows(session: Session, _context: Any) -> None:
    if any(isinstance(obj, IndexOutbox) for obj in session.new):
        session.info["outbox_rows"] = True


def _forget_outbox_rows(session: Session) -> None:
    session.info.pop("outbox_rows", None)


def _flag_committed_outbox(session: Session) -> None:
    # The search wiring drains the outbox once the request is done (wiki.search).
    if session.info.pop("outbox_rows", False) and has_app_context():
        g.search_outbox_committed = True


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["wiki.db"]


def session() -> Session:
    """The app context's session, made on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessionmaker()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()  # rolls back whatever a failed request left uncommitted


def create_all(app: Flask | None = None) -> None:
    """Create every table directly from the models (tests; production uses Alembic)."""
    Base.metadata.create_all(database(app).engine)
