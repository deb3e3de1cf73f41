"""How a domain command starts its unit of work.

Separate from ``wiki.db`` (which owns engines and Flask wiring) so domain
modules can use it without importing the web layer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")

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


def command(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a domain command (``session`` first): on any error its transaction is rolled back.

    A command that raises after ``begin_write`` must not leave the write lock
    held (on SQLite every other writer would wait out the busy timeout) or
    half-made rows in the session.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BaseException:
            session = args[0] if args else kwargs.get("session")
            if isinstance(session, Session) and session.in_transaction():
                session.rollback()
            raise

    return wrapper
