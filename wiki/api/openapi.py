"""API: the OpenAPI 3.1 description of ``/api/v1``, written by hand, served at ``/openapi.json``.

Owns the machine-readable copy of CONTRACT.md's JSON API section: every
endpoint (including those other modules serve: search, flags, stats), the
schemas of articles, revisions, warnings and errors, and the bearer-token
security scheme. A test checks that every route on the blueprint is
described here and that everything described here is routed.
"""

from __future__ import annotations

from typing import Any

from wiki import __version__
from wiki.api import bp

JSON = "application/json"
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
OPTIONAL_BEARER: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(type_name: str, **extra: Any) -> dict[str, Any]:
    return {"type": [type_name, "null"], **extra}


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": schema}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(status): {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status][0]}"} for status in statuses
    }


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = required
    return schema


_ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "Bad input: a malformed body, a missing field, a field of the wrong type (named in `field`).",
    ),
    401: (
        "Unauthorized",
        "No token where one is needed, or a malformed or unknown token (even where none is needed).",
    ),
    403: ("Forbidden", "The token's user may not do this (role, block, page protection, suppressed text)."),
    404: ("NotFound", "No such article, revision or address."),
    409: (
        "Conflict",
        "A conflict: the title exists, an edit conflicts, nothing to roll back to, not pending ...",
    ),
    413: ("TooLarge", "The request body is over 10 MB, or the article text over 2 MB."),
    422: (
        "NeedsConfirmation",
        "The added text looks like personal data; nothing was saved. "
        "Send again with `confirm_warnings: true` if it is not about a real person.",
    ),
    429: ("RateLimited", "Too many requests; see the Retry-After header."),
}

_SLUG = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The article's slug (reads also accept an alias's slug).",
}
_REVISION_ID = {
    "name": "revision_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}
_FLAG_ID = {"name": "flag_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_LIMIT = {
    "name": "limit",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0, "default": 50},
    "description": "Page size, clamped to 1..200. Negative or non-numeric: 400.",
}
_OFFSET = {
    "name": "offset",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 0, "default": 0},
}
_CATEGORY = {
    "name": "category",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "Only articles in this category (name or slug).",
}

_SEARCH_Q = {
    "name": "q",
    "in": "query",
    "required": True,
    "schema": {"type": "string"},
    "description": "What the reader typed; any string (cut at 200 characters). Malformed syntax is "
    'searched as words; "double quotes" search a phrase; ICD-10 codes match their subcodes.',
}

_SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": {
                "type": "string",
                "description": "A stable code: invalid_input, unauthorized, forbidden, "
                "not_found, method_not_allowed, conflict, edit_conflict, too_large, needs_confirmation, "
                "rate_limited, internal_error.",
            },
            "message": {"type": "string", "description": "A sentence for people."},
            "field": {"type": "string", "description": "For bad input: the field or parameter at fault."},
            "current_revision": {
                "type": "integer",
                "description": "For edit_conflict: the latest revision now.",
            },
            "warnings": {"type": "array", "items": _ref("Warning"), "description": "For needs_confirmation."},
        },
        ["error", "message"],
        additionalProperties=True,
    ),
    "Warning": _object(
        {
            "kind": {"type": "string", "enum": ["personal_data", "dose_change"]},
            "detail": {"type": "string"},
            "excerpt": {"type": "string"},
        },
        ["kind", "detail", "excerpt"],
    ),
    "Revision": _object(
        {
            "id": {"type": "integer"},
            "article": {"type": "string", "description": "The article's slug."},
            "parent_id": _nullable("integer"),
            "author": _nullable("string", description="Username; null for a deleted account."),
            "author_role": {
                "type": "string",
                "enum": ["editor", "clinician", "reviewer", "admin"],
                "description": "The author's role when the edit was made.",
            },
            "created_at": {"type": "string", "format": "date-time", "description": "ISO 8601, UTC."},
            "summary": {"type": "string"},
            "status": {"type": "string", "enum": ["approved", "pending", "rejected"]},
            "kind": {
                "type": "string",
                "enum": ["edit", "create", "restore", "revert", "rollback", "undo", "import"],
            },
            "size": {"type": "integer", "description": "Characters."},
            "size_delta": {"type": "integer"},
            "reviewed_by": _nullable("string"),
            "reviewed_at": _nullable("string", format="date-time"),
        },
        [
            "id",
            "article",
            "parent_id",
            "author",
            "author_role",
            "created_at",
            "summary",
            "status",
            "kind",
            "size",
            "size_delta",
            "reviewed_by",
            "reviewed_at",
        ],
    ),
    "RevisionWithText": {
        "allOf": [
            _ref("Revision"),
            _object(
                {"text": _nullable("string", description="Null where suppressed (except for admins).")},
                ["text"],
            ),
        ]
    },
    "ArticleSummary": _object(
        {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "updated_at": {"type": "string", "format": "date-time"},
            "stable_revision": _nullable("integer"),
            "latest_revision": _nullable("integer"),
        },
        ["slug", "title", "updated_at", "stable_revision", "latest_revision"],
    ),
    "Article": _object(
        {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "text": _nullable(
                "string", description="Markdown with YAML front matter; null where suppressed."
            ),
            "html": _nullable("string", description="Sanitised HTML of the text; null where suppressed."),
            "revision": _ref("Revision"),
            "stable_revision": _nullable("integer", description="Null until a revision is approved."),
            "latest_revision": {"type": "integer"},
            "pending_count": {"type": "integer"},
            "aliases": {"type": "array", "items": {"type": "string"}},
            "icd10": {"type": "array", "items": {"type": "string"}},
            "categories": {"type": "array", "items": {"type": "string"}},
            "redirected_from": _nullable("string", description="The alias the article was reached by."),
            "warnings": {"type": "array", "items": _ref("Warning"), "description": "On creation only."},
        },
        [
            "slug",
            "title",
            "text",
            "html",
            "revision",
            "stable_revision",
            "latest_revision",
            "pending_count",
            "aliases",
            "icd10",
            "categories",
        ],
    ),
    "SaveResult": _object(
        {
            "revision": _ref("Revision"),
            "status": {"type": "string", "enum": ["approved", "pending"]},
            "merged": {"type": "boolean", "description": "Merged with changes saved since base_revision."},
            "warnings": {"type": "array", "items": _ref("Warning")},
            "changed": {
                "type": "boolean",
                "description": "False when the text was already the latest text "
                "(nothing appended; `revision` is the latest).",
            },
        },
        ["revision", "status", "merged", "warnings"],
    ),
    "ReviewResult": _object(
        {
            "revision": _ref("Revision"),
            "status": {"type": "string", "enum": ["approved", "pending", "rejected"]},
            "rejected": {**_ref("Revision"), "description": "On reject: the revision rejected."},
        },
        ["revision", "status"],
    ),
    "Diff": _object(
        {
            "from": {"type": "integer"},
            "to": {"type": "integer"},
            "ops": {
                "type": "array",
                "description": "Word-level diff: op -1 deleted, 0 kept, 1 inserted. Kept + deleted texts "
                "give the `from` text exactly; kept + inserted the `to` text.",
                "items": {
                    "type": "array",
                    "prefixItems": [{"type": "integer", "enum": [-1, 0, 1]}, {"type": "string"}],
                    "minItems": 2,
                    "maxItems": 2,
                },
            },
            "html": {"type": "string", "description": "The ops as escaped HTML with <del> and <ins>."},
        },
        ["from", "to", "ops", "html"],
    ),
    "QueueEntry": _object(
        {
            "article": {"type": "string"},
            "revision": _ref("Revision"),
            "author": _nullable("string"),
            "waiting_seconds": {"type": "integer"},
            "warnings": {"type": "array", "items": _ref("Warning")},
        },
        ["article", "revision", "author", "waiting_seconds", "warnings"],
    ),
    "Change": _object(
        {
            "article": {"type": "string"},
            "revision": _nullable("integer", description="The revision made, reviewed, reported, discussed."),
            "author": _nullable("string", description="Who acted; null for an anonymous report."),
            "created_at": {"type": "string", "format": "date-time"},
            "summary": {"type": "string"},
            "status": {
                "type": "string",
                "description": "revision and review: approved, pending, rejected; flag: open, resolved, "
                "dismissed; talk: visible, hidden.",
                "enum": ["approved", "pending", "rejected", "open", "resolved", "dismissed", "visible",
                         "hidden"],
            },
            "size_delta": _nullable("integer", description="Revisions only."),
            "kind": {"type": "string", "enum": ["revision", "review", "flag", "talk"]},
        },
        ["article", "revision", "author", "created_at", "summary", "status", "size_delta", "kind"],
    ),
    "User": _object(
        {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "role": {"type": "string", "enum": ["editor", "clinician", "reviewer", "admin"]},
            "display_name": _nullable("string"),
            "credential": _nullable("string", description="A verified clinician's credential."),
        },
        ["id", "username", "role"],
    ),
    "SearchResult": _object(
        {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "score": {"type": "number"},
            "snippet": {"type": "string", "description": "Escaped text with <mark> around matches."},
        },
        ["slug", "title", "score", "snippet"],
    ),
    "Flag": _object(
        {
            "id": {"type": "integer"},
            "article": {"type": "string"},
            "revision": _nullable("integer", description="The revision readers saw when it was filed."),
            "reporter": _nullable("string", description="Username; null for an anonymous report."),
            "reason": {"type": "string"},
            "excerpt": _nullable("string"),
            "status": {"type": "string", "enum": ["open", "resolved", "dismissed"]},
            "created_at": {"type": "string", "format": "date-time"},
            "resolved_at": _nullable("string", format="date-time"),
            "resolved_by_revision": _nullable("integer"),
            "resolution_note": _nullable("string", description="The note or the reason for dismissing."),
        },
        ["id", "article", "revision", "reporter", "reason", "excerpt", "created_at", "status",
         "resolved_by_revision", "resolved_at"],
        additionalProperties=True,
    ),
}

_SUMMARY_FIELD = {"type": "string", "maxLength": 500, "description": "Edit summary."}
_CONFIRM_FIELD = {
    "type": "boolean",
    "default": False,
    "description": "Save even though the text looks like personal data.",
}

_PATHS: dict[str, Any] = {
    "/tokens": {
        "post": {
            "operationId": "createToken",
            "tags": ["accounts"],
            "summary": "Get an API token with a username and password.",
            "security": OPTIONAL_BEARER,
            "requestBody": _body(
                _object(
                    {
                        "username": {"type": "string"},
                        "password": {"type": "string"},
                        "label": {"type": "string", "maxLength": 120},
                    },
                    ["username", "password"],
                )
            ),
            "responses": {
                "201": _ok(
                    "A new token (shown once) and its user.",
                    _object({"token": {"type": "string"}, "user": _ref("User")}, ["token", "user"]),
                ),
                **_errors(400, 401, 413, 429),
            },
        }
    },
    "/articles": {
        "get": {
            "operationId": "listArticles",
            "tags": ["articles"],
            "summary": "Every article in title order, a page at a time.",
            "parameters": [_LIMIT, _OFFSET, _CATEGORY],
            "responses": {
                "200": _ok(
                    "A page of articles and the total.",
                    _object(
                        {
                            "articles": {"type": "array", "items": _ref("ArticleSummary")},
                            "total": {"type": "integer"},
                        },
                        ["articles", "total"],
                    ),
                ),
                **_errors(400, 401),
            },
        },
        "post": {
            "operationId": "createArticle",
            "tags": ["articles"],
            "summary": "Create an article (editor+).",
            "security": BEARER,
            "requestBody": _body(
                _object(
                    {
                        "title": {"type": "string", "maxLength": 200},
                        "text": {"type": "string"},
                        "summary": _SUMMARY_FIELD,
                        "confirm_warnings": _CONFIRM_FIELD,
                    },
                    ["title", "text"],
                )
            ),
            "responses": {
                "201": _ok(
                    "The new article (at its first revision), with the edit's warnings.", _ref("Article")
                ),
                **_errors(400, 401, 403, 409, 413, 422, 429),
            },
        },
    },
    "/articles/{slug}": {
        "parameters": [_SLUG],
        "get": {
            "operationId": "getArticle",
            "tags": ["articles"],
            "summary": "An article: the stable version, the latest, or one revision.",
            "parameters": [
                {
                    "name": "version",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["stable", "latest"], "default": "stable"},
                    "description": "stable: the approved version (the latest if none is approved yet).",
                },
                {
                    "name": "revision",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "One revision of this article; takes precedence over `version`.",
                },
            ],
            "responses": {"200": _ok("The article.", _ref("Article")), **_errors(400, 401, 404)},
        },
        "put": {
            "operationId": "editArticle",
            "tags": ["articles"],
            "summary": "Save an edit made on base_revision, merged with what was saved since (editor+).",
            "security": BEARER,
            "requestBody": _body(
                _object(
                    {
                        "text": {"type": "string"},
                        "summary": _SUMMARY_FIELD,
                        "base_revision": {
                            "type": "integer",
                            "minimum": 1,
                            "description": "The revision the edit started from.",
                        },
                        "confirm_warnings": _CONFIRM_FIELD,
                    },
                    ["text", "base_revision"],
                )
            ),
            "responses": {
                "200": _ok(
                    "The saved revision: approved (reviewers, admins) or pending.", _ref("SaveResult")
                ),
                "409": {
                    "description": "edit_conflict: the change overlaps one saved since base_revision "
                    "(`current_revision` names the latest); or another conflict.",
                    "content": {JSON: {"schema": _ref("Error")}},
                },
                **_errors(400, 401, 403, 404, 413, 422, 429),
            },
        },
    },
    "/articles/{slug}/revisions": {
        "parameters": [_SLUG],
        "get": {
            "operationId": "listRevisions",
            "tags": ["history"],
            "summary": "The article's revisions, newest first.",
            "parameters": [
                _LIMIT,
                {
                    "name": "before",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                    "description": "Only revisions with a smaller id (the next page).",
                },
            ],
            "responses": {
                "200": _ok(
                    "Revisions, newest first.",
                    _object({"revisions": {"type": "array", "items": _ref("Revision")}}, ["revisions"]),
                ),
                **_errors(400, 401, 404),
            },
        },
    },
    "/articles/{slug}/diff": {
        "parameters": [_SLUG],
        "get": {
            "operationId": "diffRevisions",
            "tags": ["history"],
            "summary": "The word diff between two revisions of the article.",
            "parameters": [
                {
                    "name": "from",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                },
                {"name": "to", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
            ],
            "responses": {"200": _ok("The diff.", _ref("Diff")), **_errors(400, 401, 403, 404)},
        },
    },
    "/articles/{slug}/rollback": {
        "parameters": [_SLUG],
        "post": {
            "operationId": "rollbackArticle",
            "tags": ["review"],
            "summary": "Undo every consecutive latest edit by the latest author (reviewer+).",
            "security": BEARER,
            "requestBody": _body(_object({"summary": _SUMMARY_FIELD}), required=False),
            "responses": {
                "200": _ok("The rollback revision.", _ref("SaveResult")),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/articles/{slug}/restore": {
        "parameters": [_SLUG],
        "post": {
            "operationId": "restoreRevision",
            "tags": ["history"],
            "summary": "Append a revision whose text is an earlier revision's (editor+).",
            "security": BEARER,
            "requestBody": _body(
                _object(
                    {"revision": {"type": "integer", "minimum": 1}, "summary": _SUMMARY_FIELD}, ["revision"]
                )
            ),
            "responses": {
                "200": _ok("The restore revision.", _ref("SaveResult")),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/articles/{slug}/flags": {
        "parameters": [_SLUG],
        "post": {
            "operationId": "flagArticle",
            "tags": ["flags"],
            "summary": "Report an inaccuracy (anyone).",
            "security": OPTIONAL_BEARER,
            "requestBody": _body(
                _object({"reason": {"type": "string"}, "excerpt": {"type": "string"}}, ["reason"])
            ),
            "responses": {"201": _ok("The flag.", _ref("Flag")), **_errors(400, 401, 404, 413, 429)},
        },
    },
    "/revisions/{revision_id}": {
        "parameters": [_REVISION_ID],
        "get": {
            "operationId": "getRevision",
            "tags": ["history"],
            "summary": "One revision with its text.",
            "responses": {"200": _ok("The revision.", _ref("RevisionWithText")), **_errors(401, 404)},
        },
    },
    "/revisions/{revision_id}/approve": {
        "parameters": [_REVISION_ID],
        "post": {
            "operationId": "approveRevision",
            "tags": ["review"],
            "summary": "Make the revision the stable version; earlier pending ones are accepted with it "
            "(reviewer+).",
            "security": BEARER,
            "requestBody": _body(_object({"comment": {"type": "string", "maxLength": 2000}}), required=False),
            "responses": {
                "200": _ok("The approved revision.", _ref("ReviewResult")),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/revisions/{revision_id}/reject": {
        "parameters": [_REVISION_ID],
        "post": {
            "operationId": "rejectRevision",
            "tags": ["review"],
            "summary": "Reject the pending changes up to the revision; the latest text returns to the stable "
            "one as a new `revert` revision (reviewer+).",
            "security": BEARER,
            "requestBody": _body(_object({"comment": {"type": "string", "maxLength": 2000}}, ["comment"])),
            "responses": {
                "200": _ok(
                    "The revert revision (`revision`) and the rejected one (`rejected`).",
                    _ref("ReviewResult"),
                ),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/revisions/{revision_id}/undo": {
        "parameters": [_REVISION_ID],
        "post": {
            "operationId": "undoRevision",
            "tags": ["history"],
            "summary": "Append a revision taking back this one change, keeping later ones (editor+).",
            "security": BEARER,
            "requestBody": _body(_object({"summary": _SUMMARY_FIELD}), required=False),
            "responses": {
                "200": _ok("The undo revision.", _ref("SaveResult")),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/revisions/{revision_id}/suppress": {
        "parameters": [_REVISION_ID],
        "post": {
            "operationId": "suppressRevision",
            "tags": ["review"],
            "summary": "Hide the revision's text from everyone but admins; the history row stays (admin).",
            "security": BEARER,
            "requestBody": _body(_object({"reason": {"type": "string"}}, ["reason"])),
            "responses": {
                "200": _ok(
                    "The suppressed revision.",
                    _object(
                        {
                            "revision": _ref("Revision"),
                            "status": {"type": "string"},
                            "suppressed": {"type": "boolean"},
                            "suppressed_at": {"type": "string", "format": "date-time"},
                        },
                        ["revision", "suppressed"],
                    ),
                ),
                **_errors(400, 401, 403, 404, 413, 429),
            },
        },
    },
    "/review/queue": {
        "get": {
            "operationId": "reviewQueue",
            "tags": ["review"],
            "summary": "Every pending revision, oldest first (reviewer+).",
            "security": BEARER,
            "parameters": [
                _CATEGORY,
                {"name": "dose", "in": "query", "required": False,
                 "description": "1: only revisions that change a dose, unit, number or frequency.",
                 "schema": {"type": "string", "enum": ["0", "1"]}},
            ],
            "responses": {
                "200": _ok(
                    "The queue.",
                    _object({"pending": {"type": "array", "items": _ref("QueueEntry")}}, ["pending"]),
                ),
                **_errors(401, 403),
            },
        },
    },
    "/search": {
        "get": {
            "operationId": "search",
            "tags": ["search"],
            "summary": "Full-text search over the approved texts.",
            "parameters": [
                _SEARCH_Q,
                {
                    **_LIMIT,
                    "schema": {"type": "integer", "minimum": 0, "default": 20},
                    "description": "Page size, clamped to 1..100. Negative or non-numeric: 400.",
                },
                _OFFSET,
                {
                    **_CATEGORY,
                    "description": "Only articles in this category (its name, any case). "
                    "`total` counts after this filter.",
                },
            ],
            "responses": {
                "200": _ok(
                    "A page of results.",
                    _object(
                        {
                            "query": {"type": "string"},
                            "total": {"type": "integer"},
                            "results": {"type": "array", "items": _ref("SearchResult")},
                            "suggestion": _nullable("string", description="Did you mean ..."),
                        },
                        ["query", "total", "results", "suggestion"],
                    ),
                ),
                **_errors(400, 401),
            },
        },
    },
    "/search/suggest": {
        "get": {
            "operationId": "suggest",
            "tags": ["search"],
            "summary": "Titles and aliases starting like q, for autocomplete.",
            "parameters": [
                _SEARCH_Q,
                {
                    "name": "aliases",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["0", "1"], "default": "0"},
                    "description": "1: each entry also carries `alias`, "
                    "the alias that matched (null for a title).",
                },
            ],
            "responses": {
                "200": _ok(
                    "At most 8 suggestions, whole-name matches first; none for an empty q.",
                    _object(
                        {
                            "suggestions": {
                                "type": "array",
                                "items": _object(
                                    {
                                        "slug": {"type": "string"},
                                        "title": {"type": "string", "description": "The article's title."},
                                        "alias": _nullable("string", description="Only with aliases=1."),
                                    },
                                    ["slug", "title"],
                                ),
                            }
                        },
                        ["suggestions"],
                    ),
                ),
                **_errors(400, 401),
            },
        },
    },
    "/recent-changes": {
        "get": {
            "operationId": "recentChanges",
            "tags": ["history"],
            "summary": "Revisions, reviews, reports and talk posts across the wiki, newest first.",
            "parameters": [
                _LIMIT,
                {
                    "name": "kinds",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "Comma-separated: revision, review, flag, talk (default: all).",
                },
            ],
            "responses": {
                "200": _ok(
                    "Recent changes.",
                    _object({"changes": {"type": "array", "items": _ref("Change")}}, ["changes"]),
                ),
                **_errors(400, 401),
            },
        },
    },
    "/flags": {
        "get": {
            "operationId": "listFlags",
            "tags": ["flags"],
            "summary": "Inaccuracy reports (reviewer+).",
            "security": BEARER,
            "parameters": [
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": ["open", "resolved", "dismissed", "all"],
                        "default": "open",
                    },
                },
                _LIMIT,
                _OFFSET,
            ],
            "responses": {
                "200": _ok(
                    "Flags: open ones oldest first, others newest first.",
                    _object(
                        {"flags": {"type": "array", "items": _ref("Flag")}, "total": {"type": "integer"}},
                        ["flags", "total"],
                    ),
                ),
                **_errors(400, 401, 403),
            },
        },
    },
    "/flags/{flag_id}/resolve": {
        "parameters": [_FLAG_ID],
        "post": {
            "operationId": "resolveFlag",
            "tags": ["flags"],
            "summary": "Close a flag, with the revision that fixed it (reviewer+).",
            "security": BEARER,
            "requestBody": _body(
                _object({"revision": {"type": "integer", "minimum": 1}, "note": {"type": "string"}}),
                required=False,
            ),
            "responses": {
                "200": _ok("The closed flag.", _ref("Flag")),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/flags/{flag_id}/dismiss": {
        "parameters": [_FLAG_ID],
        "post": {
            "operationId": "dismissFlag",
            "tags": ["flags"],
            "summary": "Close a flag without a fix, saying why (reviewer+).",
            "security": BEARER,
            "requestBody": _body(_object({"reason": {"type": "string", "minLength": 3}}, ["reason"])),
            "responses": {
                "200": _ok("The dismissed flag.", _ref("Flag")),
                **_errors(400, 401, 403, 404, 409, 413, 429),
            },
        },
    },
    "/stats/corrections": {
        "get": {
            "operationId": "correctionStats",
            "tags": ["flags"],
            "summary": "How fast reported inaccuracies are corrected and edits reviewed.",
            "responses": {
                "200": _ok(
                    "Figures in seconds (null when there is nothing to measure).",
                    _object(
                        {
                            "open_flags": {"type": "integer"},
                            "median_seconds_to_correction": _nullable("number"),
                            "p90_seconds_to_correction": _nullable("number"),
                            "median_seconds_to_review": _nullable("number"),
                            "weeks": {
                                "type": "array",
                                "description": "The last 12 ISO weeks, oldest first.",
                                "items": _object(
                                    {
                                        "week_start": {"type": "string", "format": "date"},
                                        "reports": {"type": "integer"},
                                        "corrections": {"type": "integer"},
                                        "median_seconds_to_correction": _nullable("number"),
                                        "median_seconds_to_review": _nullable("number"),
                                    }
                                ),
                            },
                        },
                        [
                            "open_flags",
                            "median_seconds_to_correction",
                            "p90_seconds_to_correction",
                            "median_seconds_to_review",
                        ],
                    ),
                ),
                **_errors(401),
            },
        },
    },
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "tags": ["meta"],
            "summary": "This document.",
            "responses": {
                "200": {"description": "OpenAPI 3.1.", "content": {JSON: {"schema": {"type": "object"}}}}
            },
        },
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Asclepedia API",
        "version": __version__,
        "summary": "A collaborative medical wiki: reviewed articles, full history, fast correction.",
        "description": (
            "Authenticate with `Authorization: Bearer <token>` (from `POST /tokens` or "
            "`flask --app wiki token create NAME`). Reading needs no token, but a malformed or unknown "
            "token is refused with 401 everywhere. "
            'Errors are JSON `{"error": code, "message": text, ...details}`. '
            "Request bodies over 10 MB and article texts over 2 MB give 413; writes are rate-limited (429)."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": OPTIONAL_BEARER,
    "tags": [
        {"name": name} for name in ("articles", "history", "review", "search", "flags", "accounts", "meta")
    ],
    "paths": _PATHS,
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API token, e.g. wk_..."}
        },
        "responses": {
            name: {"description": description, "content": {JSON: {"schema": _ref("Error")}}}
            for name, description in _ERROR_RESPONSES.values()
        },
    },
}


@bp.get("/openapi.json")
def openapi_document() -> dict[str, Any]:
    """Serve the OpenAPI 3.1 description of this API."""
    return DOCUMENT
