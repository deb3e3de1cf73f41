"""Pending changes: a new revision's status, approving, rejecting, the queue.

Readers see an article's stable revision. Approving revision R moves stable to
R and accepts every pending revision before it; rejecting appends a revision
whose text is the stable text (history is never rewritten) and marks the
pending ones rejected. No Flask imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from wiki import audit
from wiki.errors import Conflict, InvalidInput
from wiki.models import Article, ArticleCategory, Revision, RevisionKind, RevisionStatus, Role, utcnow
from wiki.permissions import Action, Actor, require
from wiki.transactions import begin_write, command

MAX_COMMENT = 2000


def initial_status(role: Role, auto_approve: frozenset[Role]) -> RevisionStatus:
    """Status of a new revision whose author has ``role``."""
    return RevisionStatus.APPROVED if role in auto_approve else RevisionStatus.PENDING


def accept_pending_up_to(
    session: Session, article: Article, revision: Revision, *, reviewer: Actor, comment: str | None
) -> int:
    """Mark the article's pending revisions up to ``revision`` approved. Does not commit."""
    now = utcnow()
    result = session.execute(
        update(Revision)
        .where(
            Revision.article_id == article.id,
            Revision.status == RevisionStatus.PENDING,
            Revision.id <= revision.id,
        )
        .values(status=RevisionStatus.APPROVED, reviewed_by_id=reviewer.id, reviewed_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    if comment:
        revision.review_comment = comment
    return result.rowcount


def _clean_comment(comment: str | None, *, required: bool) -> str | None:
    comment = " ".join((comment or "").split()) if comment is not None else None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput(f"The comment is longer than {MAX_COMMENT} characters.", field="comment")
    if required and not comment:
        raise InvalidInput("Say why you are rejecting this change: the author will see your comment.",
                           field="comment")
    return comment or None


@command
def approve(session: Session, revision_id: int, *, reviewer: Actor, comment: str | None = None) -> Revision:
    """Make ``revision_id`` the stable version, accepting the pending revisions before it. Commits.

    :raises Conflict: the revision was rejected, or a newer revision is already stable.
    """
    from wiki import revisions  # revisions imports review

    comment = _clean_comment(comment, required=False)
    begin_write(session)
    revision = revisions.get_revision(session, revision_id)
    article = session.get(Article, revision.article_id, populate_existing=True)
    require(reviewer, Action.REVIEW, article)
    if revision.status == RevisionStatus.REJECTED:
        raise Conflict("This revision was rejected; restore it as a new revision to bring it back.")
    if article.stable_revision_id is not None and article.stable_revision_id >= revision.id:
        if article.stable_revision_id == revision.id:
            session.rollback()
            return revision  # approving twice is harmless
        raise Conflict("A newer revision of this article is already approved.",
                       stable_revision=article.stable_revision_id)
    seen = article.stable_revision_id
    accept_pending_up_to(session, article, revision, reviewer=reviewer, comment=comment)
    revision.status = RevisionStatus.APPROVED
    revision.reviewed_by_id = reviewer.id
    revision.reviewed_at = revision.reviewed_at or utcnow()
    if not revisions._swap_pointer(session, article.id, "stable_revision_id", seen=seen, new=revision.id):
        session.rollback()
        raise Conflict("Another reviewer changed this article's stable version just now; reload and retry.")
    article.stable_revision_id = revision.id
    revisions.after_change(session, article, revision, revisions.load_text(session, revision),
                           readers_changed=True)
    from wiki import watch  # community hook: tell the authors of the accepted revisions
    watch.on_review(session, watch.reviewed_revisions(session, article.id, after=seen, upto=revision.id,
                    status=RevisionStatus.APPROVED), reviewer, comment, approved=True)
    audit.record(session, reviewer.id, "approve", f"revision:{revision.id}", article_id=article.id,
                 comment=comment)
    session.commit()
    return revision


@command
def reject(session: Session, revision_id: int, *, reviewer: Actor, comment: str | None) -> Revision:
    """Reject the pending changes up to ``revision_id`` and return the latest text to the stable one.

    Appends a ``revert`` revision (approved, by the reviewer) whose text is the
    stable text, and marks every pending revision rejected with the comment.
    Commits; returns the revert revision.

    :raises Conflict: the revision is not pending.
    """
    from wiki import revisions

    comment = _clean_comment(comment, required=True)
    for _ in range(revisions.MAX_RACE_RETRIES):
        begin_write(session)
        revision = revisions.get_revision(session, revision_id)
        article = session.get(Article, revision.article_id, populate_existing=True)
        require(reviewer, Action.REVIEW, article)
        if revision.status != RevisionStatus.PENDING:
            session.rollback()
            raise Conflict(f"Revision {revision.id} is not pending (it is {revision.status.value}).")
        latest = session.get(Revision, article.latest_revision_id)
        stable_text = revisions.load_text(session, article.stable_revision_id) if article.stable_revision_id else ""
        now = utcnow()
        session.execute(
            update(Revision)
            .where(Revision.article_id == article.id, Revision.status == RevisionStatus.PENDING)
            .values(status=RevisionStatus.REJECTED, reviewed_by_id=reviewer.id, reviewed_at=now,
                    review_comment=comment),
            execution_options={"synchronize_session": "fetch"},
        )
        summary = f"Rejected pending changes up to revision {revision.id}" + (f": {comment}" if comment else "")
        revert = revisions._append(
            session, article, stable_text, latest, revisions.load_text(session, latest),
            summary=summary[: revisions.MAX_SUMMARY], author=reviewer, kind=RevisionKind.REVERT,
            status=RevisionStatus.APPROVED, warnings=[], source_revision_id=article.stable_revision_id,
        )
        revert.review_comment = comment
        if not revisions._swap_pointer(session, article.id, "latest_revision_id", seen=latest.id, new=revert.id):
            session.rollback()
            continue
        revisions._swap_pointer(session, article.id, "stable_revision_id",
                                seen=article.stable_revision_id, new=revert.id)
        article.latest_revision_id = article.stable_revision_id = revert.id
        revisions.after_change(session, article, revert, stable_text, readers_changed=True)
        from wiki import watch  # community hook: tell the authors of the rejected revisions
        watch.on_review(session, watch.reviewed_revisions(session, article.id, after=revert.source_revision_id,
                        upto=latest.id, status=RevisionStatus.REJECTED), reviewer, comment, approved=False)
        audit.record(session, reviewer.id, "reject", f"revision:{revision.id}", article_id=article.id,
                     comment=comment, revert=revert.id)
        session.commit()
        return revert
    raise Conflict("The article kept changing while rejecting; reload and retry.")


@dataclass(frozen=True)
class QueueEntry:
    article: Article
    revision: Revision  # the latest pending revision of the article
    oldest_pending: Revision
    pending_count: int
    waiting_seconds: int
    authors: list[int]
    warnings: list[dict]
    is_dose_change: bool


def pending_queue(
    session: Session,
    *,
    category: str | None = None,
    dose_only: bool = False,
    dose_first: bool = False,
    now: datetime | None = None,
    limit: int = 500,
) -> list[QueueEntry]:
    """Articles with pending revisions, longest wait first (dose/number changes first with ``dose_first``)."""
    now = now or utcnow()
    query = (
        select(Revision)
        .where(Revision.status == RevisionStatus.PENDING)
        .order_by(Revision.article_id, Revision.id)
    )
    if category:
        query = query.join(ArticleCategory, ArticleCategory.article_id == Revision.article_id).where(
            ArticleCategory.slug == category
        )
    by_article: dict[int, list[Revision]] = {}
    for rev in session.scalars(query):
        by_article.setdefault(rev.article_id, []).append(rev)
    entries = []
    for article_id, revs in by_article.items():
        article = session.get(Article, article_id)
        warnings = [w for r in revs for w in (r.warnings or [])]
        dose = any(r.is_dose_change for r in revs)
        if dose_only and not dose:
            continue
        entries.append(QueueEntry(
            article=article,
            revision=revs[-1],
            oldest_pending=revs[0],
            pending_count=len(revs),
            waiting_seconds=max(0, int((now - revs[0].created_at).total_seconds())),
            authors=list(dict.fromkeys(r.author_id for r in revs if r.author_id)),
            warnings=warnings,
            is_dose_change=dose,
        ))
    entries.sort(key=lambda e: (dose_first and not e.is_dose_change, e.oldest_pending.id))
    return entries[:limit]


def pending_count(session: Session, article: Article | None = None) -> int:
    """Pending revisions (of ``article``, or articles with any, for the reviewer badge)."""
    if article is not None:
        return session.scalar(
            select(func.count()).where(Revision.article_id == article.id, Revision.status == RevisionStatus.PENDING)
        ) or 0
    return session.scalar(
        select(func.count(func.distinct(Revision.article_id))).where(Revision.status == RevisionStatus.PENDING)
    ) or 0


def list_pending_revisions(session: Session, article: Article) -> Sequence[Revision]:
    return session.scalars(
        select(Revision)
        .where(Revision.article_id == article.id, Revision.status == RevisionStatus.PENDING)
        .order_by(Revision.id)
    ).all()


def list_recently_reviewed(session: Session, limit: int = 10) -> list[Revision]:
    """The newest reviewed revision of each of the ``limit`` most recently reviewed articles."""
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
