"""API: single revisions (reading, undo, suppression) and the recent-changes feed.

Thin handlers over ``wiki.revisions``: parse, authorize with the permission
table, call, present. Suppressed text is shown to admins only. No SQL here.
"""

from __future__ import annotations

from typing import Any

from flask import request

from wiki import auth, db, permissions, recent, revisions
from wiki.api import bp, schemas, write_limited
from wiki.errors import InvalidInput
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
    """Revisions, reviews, reports and talk posts, newest first; ``kinds`` (comma list) narrows them.

    Suppressed summaries are hidden but for admins, report reasons but for reviewers.
    """
    limit = schemas.query_limit(request.args)
    raw_kinds = [k.strip() for k in request.args.get("kinds", "").split(",") if k.strip()]
    unknown = sorted(set(raw_kinds) - set(recent.KINDS))
    if unknown:
        raise InvalidInput(f"Unknown kinds {', '.join(unknown)[:200]}; known: {', '.join(recent.KINDS)}.",
                           field="kinds")
    changes = recent.list_changes(db.session(), limit=limit, kinds=raw_kinds or None,
                                  viewer=auth.current_actor())
    return {"changes": [_change_to_json(change) for change in changes]}


def _change_to_json(change: recent.Change) -> dict[str, Any]:
    # CONTRACT.md's fields first; "kind" says which of the four streams the change is from.
    return {
        "article": change.article_slug,
        "revision": change.revision_id,
        "author": change.user_name,
        "created_at": schemas.iso(change.created_at),
        "summary": change.summary,
        "status": change.status,
        "size_delta": change.size_delta,
        "kind": change.kind,
    }
