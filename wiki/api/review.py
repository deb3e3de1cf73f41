"""API: reviewing pending changes: approve, reject, and the review queue.

Thin handlers over ``wiki.review``: parse, authorize with the permission
table, call, present. No SQL here.
"""

from __future__ import annotations

from typing import Any

from flask import request

from wiki import auth, db, permissions, review, revisions
from wiki.api import bp, schemas, write_limited
from wiki.models import utcnow
from wiki.permissions import Action


@bp.post(f"/revisions/<{schemas.ID_CONVERTER}:revision_id>/approve")
@write_limited
def approve_revision(revision_id: int) -> dict[str, Any]:
    """Make the revision the stable version, accepting the pending ones before it (reviewers)."""
    actor = auth.current_actor()
    permissions.require(actor, Action.REVIEW)
    comment = schemas.string_field(schemas.json_body(allow_empty=True), "comment")
    revision = review.approve(db.session(), revision_id, reviewer=actor, comment=comment)
    return {"revision": schemas.revision_to_json(revision), "status": revision.status.value}


@bp.post(f"/revisions/<{schemas.ID_CONVERTER}:revision_id>/reject")
@write_limited
def reject_revision(revision_id: int) -> dict[str, Any]:
    """Reject the pending changes up to the revision; the latest text returns to the stable one (reviewers).

    Answers with the new ``revert`` revision, and the rejected one as ``rejected``.
    """
    actor = auth.current_actor()
    permissions.require(actor, Action.REVIEW)
    comment = schemas.string_field(schemas.json_body(), "comment", required=True)
    session = db.session()
    revert = review.reject(session, revision_id, reviewer=actor, comment=comment)
    rejected = revisions.get_revision(session, revision_id)
    return {
        "revision": schemas.revision_to_json(revert),
        "status": revert.status.value,
        "rejected": schemas.revision_to_json(rejected),
    }


@bp.get("/review/queue")
def review_queue() -> dict[str, Any]:
    """Every pending revision, oldest first, with how long it has waited and its warnings (reviewers).

    ``?category=<slug>`` keeps one category's articles; ``?dose=1`` keeps the
    revisions that change a dose or number.
    """
    permissions.require(auth.current_actor(), Action.REVIEW)
    session = db.session()
    category = (request.args.get("category") or "").strip() or None
    dose_only = request.args.get("dose", "") in ("1", "true", "yes")
    pending = [
        rev
        for entry in review.pending_queue(session, category=category, dose_only=dose_only)
        for rev in review.list_pending_revisions(session, entry.article)
        if rev.is_dose_change or not dose_only
    ]
    pending.sort(key=lambda rev: rev.id)
    now = utcnow()
    return {
        "pending": [
            {
                "article": rev.article.slug,
                "revision": schemas.revision_to_json(rev),
                "author": schemas.username(rev.author),
                "waiting_seconds": max(0, int((now - rev.created_at).total_seconds())),
                "warnings": schemas.warnings_to_json(rev.warnings or []),
            }
            for rev in pending
        ]
    }
