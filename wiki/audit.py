"""The audit log: who did which review, protection, block, role or suppression action.

Rows are added inside the caller's transaction (no commit here), so an action
and its audit row land together or not at all. No Flask imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.models import AuditEvent


def record(session: Session, actor_id: int | None, action: str, target: str, **details: Any) -> AuditEvent:
    """Add an audit row for ``action`` on ``target`` (e.g. ``revision:41``). Does not commit."""
    event = AuditEvent(actor_id=actor_id, action=action, target=target, details=details)
    session.add(event)
    return event


def list_events(
    session: Session, *, limit: int = 100, before: int | None = None, action: str | None = None
) -> Sequence[AuditEvent]:
    """Audit rows newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalars(query).all()
