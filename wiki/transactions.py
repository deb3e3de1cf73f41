"""How a domain command starts its unit of work.

Separate from ``wiki.db`` (which owns engines and Flask wiring) so domain
modules can use it without importing the web layer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

# Execution option read by wiki.db's SQLite "begin" hook: BEGIN IMMEDIATE.
WRITE_OPTION = "wiki_write"


def begin_write(session: Session) -> None:
    """End any read transaction on ``session`` and start one that will write.

    On SQLite this is ``BEGIN IMMEDIATE``: the write lock is taken up front, so
    two writers queue on the busy timeout instead of one failing when it tries
    to upgrade a read snapshot that has gone stale. Elsewhere it is a plain BEGIN.
    """
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={WRITE_OPTION: True})
