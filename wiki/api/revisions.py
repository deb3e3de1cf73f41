"""API: single revisions (reading, undo, suppression) and the recent-changes feed.

Thin handlers over ``wiki.revisions``: parse, authorize with the permission
table, call, present. Suppressed text is shown to admins only. No SQL here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request

from wiki import articles, auth, db, permissions, revisions
from wiki.api import bp, schemas, write_limited
from wiki.models import Revision
from wiki.permissions import Action


@bp.get(f"/revisions/<{schemas.ID_CONVERTER}:revision_id>")
def show_revision(revision_id: int) -> dict[str, Any]:
    """One revision with its text (null where suppressed, unless the reader is an admin)."""
    session = db.session()
    revision = revisions.get_revision(session, revision_id)
    body = schemas.revision_to_json(revision)
    visible = revisions.is_text_visible(revision, auth.current_actor())
    body["text"] = revisions.load_text(session, revision) if visible else None
    return body


@bp.post(f"/revisions/<{schemas.ID_CONVERTER}:revision_id>/undo")
@write_limited
def undo_revision(revision_id: int) -> dict[str, Any]:
    """Append a revision taking back this one's change; 409 when later edits touched the same lines."""
    actor = auth.current_actor()
    permissions.require(actor, Action.UNDO)
    summary = schemas.string_field(schemas.json_body(allow_empty=True), "summary") or ""
    result = revisions.undo(
        db.session(), revision_id, author=actor, summary=summary, policy=auth.edit_policy()
    )
    return schemas.save_result_to_json(result)


@bp.post(f"/revisions/<{schemas.ID_CONVERTER}:revision_id>/suppress")
@write_limited
def suppress_revision(revision_id: int) -> dict[str, Any]:
    """Hide a revision's text from everyone but admins (admins)."""
    actor = auth.current_actor()
    permissions.require(actor, Action.SUPPRESS)
    reason = schemas.string_field(schemas.json_body(), "reason", required=True)
    revision = revisions.suppress(db.session(), revision_id, reason=reason, actor=actor)
    return {
        "revision": schemas.revision_to_json(revision),
        "status": revision.status.value,
        "suppressed": True,
        "suppressed_at": schemas.iso(revision.suppressed_at),
    }


@bp.get("/recent-changes")
def recent_changes() -> dict[str, Any]:
    """The newest revisions across the wiki, newest first."""
    limit = schemas.query_limit(request.args)
    return {"changes": [_change_to_json(r) for r in _recent_revisions(limit)]}


def _recent_revisions(limit: int) -> Sequence[Revision]:
    # The newest `limit` revisions all belong to the `limit` most recently
    # updated articles (each such article's latest revision is at least as new),
    # so this is exact without a cross-article query in the API layer.
    # A domain query (revisions.list_recent) would do it in one: asked for in the API report.
    session = db.session()
    found = [
        rev
        for article in articles.list_recently_updated(session, limit)
        for rev in revisions.list_revisions(session, article, limit=limit)
    ]
    found.sort(key=lambda rev: rev.id, reverse=True)
    return found[:limit]


def _change_to_json(revision: Revision) -> dict[str, Any]:
    return {
        "article": revision.article.slug,
        "revision": revision.id,
        "author": schemas.username(revision.author),
        "created_at": schemas.iso(revision.created_at),
        "summary": revision.summary,
        "status": revision.status.value,
        "size_delta": revision.size_delta,
    }
