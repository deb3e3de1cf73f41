"""API: full-text search and title autocomplete, ``GET /search`` and ``GET /search/suggest``.

Thin handlers over ``wiki.search.get_backend()``: read the query-string
parameters (``wiki.api.schemas`` refuses a negative or non-numeric limit or
offset with 400), ask the backend, answer CONTRACT.md's JSON. Any ``q``,
however malformed, is a query: the backend never raises for its sake, so
nothing here parses or catches query syntax.
"""

from __future__ import annotations

from typing import Any

from flask import request

from wiki import search
from wiki.api import bp, schemas

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
SUGGEST_LIMIT = 8
# Cut, not refused (as on the search page): the cut query still finds things.
MAX_QUERY_CHARS = 200
_TRUE = frozenset({"1", "true", "yes", "on"})


def _query() -> str:
    return request.args.get("q", "")[:MAX_QUERY_CHARS]


@bp.get("/search")
def search_articles() -> dict[str, Any]:
    """One page of results, best first; ``total`` counts every match after the category filter."""
    limit = schemas.query_limit(request.args, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    offset = schemas.query_offset(request.args)
    category = request.args.get("category", "").strip() or None
    page = search.get_backend().search(_query(), limit=limit, offset=offset, category=category)
    # The backends stop paging at some depth; past the total there is nothing to show.
    hits = page.hits if offset < page.total else []
    return {
        "query": page.query,
        "total": page.total,
        "results": [
            {"slug": hit.slug, "title": hit.title, "score": hit.score, "snippet": hit.snippet} for hit in hits
        ],
        "suggestion": page.suggestion,
    }


@bp.get("/search/suggest")
def suggest() -> dict[str, Any]:
    """Titles and aliases starting like ``q``, for autocomplete; an empty ``q`` suggests nothing.

    ``aliases=1`` adds ``"alias"`` to each entry: the alias that matched, or
    null when the title did (the search box shows "Heart attack → Myocardial
    infarction"). Without it each entry is exactly ``{"slug", "title"}``.
    """
    prefix = _query()
    with_alias = request.args.get("aliases", "").strip().lower() in _TRUE
    found = search.get_backend().suggest(prefix, limit=SUGGEST_LIMIT) if prefix.strip() else []
    entries = []
    for entry in found:
        item: dict[str, Any] = {"slug": entry.slug, "title": entry.title}
        if with_alias:
            item["alias"] = entry.alias
        entries.append(item)
    return {"suggestions": entries}
