"""API: inaccuracy reports (file, list, resolve, dismiss) and the time-to-correction figures.

Thin handlers over ``wiki.flags`` and ``wiki.stats``: parse with
``wiki.api.schemas``, authorize with the permission table, call, present.
Filing a report is open to anonymous callers, so it counts against the
report limit (config ``FLAG_RATE_LIMIT``) per token or address, as well as
the shared write limit. No SQL here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from wiki import articles, auth, db, flags, permissions, stats
from wiki.api import _client_key, bp, schemas, write_limited
from wiki.models import Flag
from wiki.permissions import Action


def flag_to_json(flag: Flag) -> dict[str, Any]:
    """CONTRACT.md's flag object."""
    return {
        "id": flag.id,
        "article": flag.article.slug,
        "revision": flag.revision_id,
        "reporter": schemas.username(flag.reporter),
        "reason": flag.reason,
        "excerpt": flag.excerpt,
        "created_at": schemas.iso(flag.created_at),
        "status": flag.status.value,
        "resolved_by_revision": flag.resolved_by_revision_id,
        "resolved_at": schemas.iso(flag.resolved_at),
        "resolution_note": flag.resolution_note,
    }


def _flag_limit() -> str:
    return current_app.config["FLAG_RATE_LIMIT"]


@bp.post("/articles/<slug>/flags")
@auth.limiter.limit(_flag_limit, key_func=_client_key, scope="api-flag")
@write_limited
def create_flag(slug: str) -> tuple[dict[str, Any], int]:
    """Report an inaccuracy in the article readers see (anyone, anonymous included)."""
    session = db.session()
    data = schemas.json_body()
    reason = schemas.string_field(data, "reason", required=True)
    excerpt = schemas.string_field(data, "excerpt")
    article = articles.get_by_slug(session, slug)
    flag = flags.report(session, article, reason=reason or "", excerpt=excerpt, reporter=auth.current_actor())
    return flag_to_json(flag), 201


@bp.get("/flags")
def list_flags() -> dict[str, Any]:
    """Reports with ``?status=`` (default open; ``all``: every one), paged (reviewers)."""
    permissions.require(auth.current_actor(), Action.RESOLVE_FLAG)
    session = db.session()
    status = schemas.query_choice(request.args, "status", ("open", "resolved", "dismissed", "all"), "open")
    limit = schemas.query_limit(request.args)
    offset = schemas.query_offset(request.args)
    rows = flags.list_flags(session, status=status, limit=limit, offset=offset)
    total = flags.count_flags(session, status=status)
    return {"flags": [flag_to_json(flag) for flag in rows], "total": total}


@bp.post(f"/flags/<{schemas.ID_CONVERTER}:flag_id>/resolve")
@write_limited
def resolve_flag(flag_id: int) -> dict[str, Any]:
    """Close a report as fixed by ``revision`` (default: the current stable revision) (reviewers)."""
    actor = auth.current_actor()
    permissions.require(actor, Action.RESOLVE_FLAG)
    data = schemas.json_body(allow_empty=True)
    revision_id = schemas.id_field(data, "revision")
    note = schemas.string_field(data, "note")
    flag = flags.resolve(db.session(), flag_id, actor=actor, revision_id=revision_id, note=note)
    return flag_to_json(flag)


@bp.post(f"/flags/<{schemas.ID_CONVERTER}:flag_id>/dismiss")
@write_limited
def dismiss_flag(flag_id: int) -> dict[str, Any]:
    """Close a report without a fix, with a ``reason`` (reviewers)."""
    actor = auth.current_actor()
    permissions.require(actor, Action.RESOLVE_FLAG)
    reason = schemas.string_field(schemas.json_body(), "reason", required=True)
    flag = flags.dismiss(db.session(), flag_id, actor=actor, reason=reason or "")
    return flag_to_json(flag)


@bp.get("/stats/corrections")
def correction_stats() -> dict[str, Any]:
    """The correction and review figures in seconds, and the last weeks one by one (anyone)."""
    summary = stats.corrections_summary(db.session())
    weeks = [{**week, "week_start": week["week_start"].isoformat()} for week in summary["weeks"]]
    return {**summary, "weeks": weeks}
