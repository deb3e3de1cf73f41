"""Read-only queries some pages need that no domain module offers yet.

Each is a plain query over the models, with no policy in it; each belongs in a
domain module and should move there (``review.list_recently_reviewed``,
``revisions.find_next``, ``revisions.list_by_author``) so the API and the CLI
can share it. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki.models import Revision, RevisionStatus, User


def list_recently_reviewed(session: Session, limit: int = 10) -> list[Revision]:
    """The newest reviewed approved revision of each of the ``limit`` most recently reviewed articles."""
    query = (
        select(Revision)
        .where(Revision.status == RevisionStatus.APPROVED, Revision.reviewed_by_id.is_not(None),
               Revision.reviewed_at.is_not(None))
        .order_by(Revision.reviewed_at.desc(), Revision.id.desc())
        .limit(limit * 5)
    )
    seen: set[int] = set()
    found: list[Revision] = []
    for revision in session.scalars(query):
        if revision.article_id not in seen:
            seen.add(revision.article_id)
            found.append(revision)
            if len(found) == limit:
                break
    return found


def find_next_revision(session: Session, revision: Revision) -> Revision | None:
    """The revision saved right after ``revision`` on the same article, or None."""
    return session.scalar(
        select(Revision)
        .where(Revision.article_id == revision.article_id, Revision.id > revision.id)
        .order_by(Revision.id)
        .limit(1)
    )


def list_by_author(session: Session, user: User, limit: int = 50) -> Sequence[Revision]:
    """``user``'s revisions, newest first."""
    return session.scalars(
        select(Revision).where(Revision.author_id == user.id).order_by(Revision.id.desc()).limit(limit)
    ).all()
