"""The JSON API under ``/api/v1``: the blueprint, bearer-token authentication,
write rate limits and the JSON error handlers.

Owns turning HTTP into calls of the domain and back, for programs: each
resource module (``articles``, ``revisions``, ``review``, ``tokens``) parses
with ``wiki.api.schemas``, calls one domain command or query, and returns
JSON. It must not decide policy (``wiki.permissions`` does), build SQL, or
read the browser's session cookie: the API authenticates by bearer token only,
which is why it is exempt from CSRF.

Every answer under ``/api/`` is JSON, errors included: ``{"error": code,
"message": text, **details}`` for the domain's ``WikiError`` tree and for
werkzeug's HTTP errors (404, 405, 413, 429 ...). Requests to other paths are
left to the browser's error pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, default_exceptions

from wiki import accounts, auth, db
from wiki.errors import Unauthorized, WikiError

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_PREFIX = "/api/"

# Codes for werkzeug's HTTP errors, in the words the domain's errors use.
HTTP_CODES: dict[int, str] = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "internal_error",
}

HTTP_MESSAGES: dict[int, str] = {
    404: "There is nothing at this address in the API. See /api/v1/openapi.json.",
    405: "This address does not take that method.",
    413: "The request body is larger than the server accepts.",
    500: "Something went wrong on the server. The error has been logged.",
}

View = TypeVar("View", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Register the API blueprint, exempt it from CSRF and make errors under /api/ JSON."""
    app.register_blueprint(bp)
    auth.csrf.exempt(bp)
    _install_app_error_handlers(app)


# ---------------------------------------------------------------- request checks


@bp.before_request
def _refuse_large_bodies() -> None:
    """Refuse a body declared larger than ``MAX_CONTENT_LENGTH`` before anything else looks at the request.

    Flask only refuses such a body when a view reads it; checking here gives
    every endpoint the same 413, whether or not it would have read the body.
    """
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


@bp.before_request
def _authenticate() -> None:
    """Turn ``Authorization: Bearer <token>`` into ``g.api_user``; refuse a bad token, needed or not.

    A client that sends a token wants to act as someone: answering a wrong one
    anonymously would hide the mistake until the first write.
    """
    g.api_user = None  # always reset: g outlives a request when an app context is already pushed
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("The Authorization header must be 'Bearer <token>'.", reason="malformed_token")
    user = accounts.find_user_by_token(db.session(), token)
    if user is None:
        raise Unauthorized(
            "This API token is not valid: it is unknown, revoked, or its account was deleted.",
            reason="invalid_token",
        )
    g.api_user = user


# ---------------------------------------------------------------- rate limits


def _client_key() -> str:
    """Rate-limit key: the bearer token's hash if there is one (clients share addresses), else the address."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode("utf-8")).hexdigest()[:32]
    return get_remote_address() or "unknown"


def write_limited(view: View) -> View:
    """Count ``view`` against the API's shared write limit (config ``API_WRITE_RATE_LIMIT``)."""
    limit = auth.limiter.shared_limit(
        lambda: current_app.config["API_WRITE_RATE_LIMIT"], scope="api-write", key_func=_client_key
    )
    return limit(view)


def login_limited(view: View) -> View:
    """Count ``view`` against the login limit (config ``LOGIN_RATE_LIMIT``), per address."""
    limit = auth.limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=get_remote_address)
    return limit(view)


# ---------------------------------------------------------------- errors


def is_api_request() -> bool:
    """Whether this request is addressed to the API (any version, known route or not)."""
    return request.path == API_PREFIX.rstrip("/") or request.path.startswith(API_PREFIX)


def error_response(exc: BaseException) -> Response:
    """The JSON answer for ``exc``: ``{"error", "message", **details}`` with its status.

    Also ends the request's transaction: a command that failed half-way may
    still hold SQLite's write lock, and nothing after an error should wait on it.
    """
    try:
        db.session().rollback()
    except SQLAlchemyError:  # the database itself failed: the answer below still goes out
        current_app.logger.warning("rollback after an API error failed", exc_info=True)
    if isinstance(exc, WikiError):
        status, code, message, details = exc.status, exc.code, exc.message, exc.details
        if status >= 500:
            current_app.logger.error("API error %s (%s)", code, type(exc).__name__, exc_info=exc)
        response = Response(status=status)
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
        code = HTTP_CODES.get(status) or _snake(exc.name)
        message = _http_message(exc, status)
        details = {}
        # get_response keeps the headers that matter: Allow on 405, Retry-After on 429.
        response = exc.get_response()
        response.status_code = status
    else:
        current_app.logger.error("Unhandled error in the API", exc_info=exc)
        status, code, message, details = 500, HTTP_CODES[500], HTTP_MESSAGES[500], {}
        response = Response(status=500)
    payload = {"error": code, "message": message}
    payload.update({key: value for key, value in details.items() if key not in payload})
    response.set_data(current_app.json.dumps(payload))
    response.mimetype = "application/json"
    if status == 401:
        challenge = 'Bearer realm="asclepedia"'
        if details.get("reason") in ("invalid_token", "malformed_token"):
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def _http_message(exc: HTTPException, status: int) -> str:
    if status == 429:
        return f"Too many requests (limit: {exc.description}). Wait a little and try again."
    if status in HTTP_MESSAGES:
        return HTTP_MESSAGES[status]
    return exc.description or exc.name


def _snake(name: str) -> str:
    return "_".join(name.lower().replace("'", "").split())


def _api_first(fallback: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """An app-level handler answering /api/ requests with JSON and handing others to ``fallback``."""

    def handle(exc: BaseException) -> Any:
        if is_api_request():
            return error_response(exc)
        if fallback is not None:
            return fallback(exc)
        if isinstance(exc, HTTPException):
            return exc
        if isinstance(exc, WikiError):
            return Response(exc.message, status=exc.status, mimetype="text/plain")
        raise exc

    handle.api_first = True  # type: ignore[attr-defined]
    return handle


def _install_app_error_handlers(app: Flask) -> None:
    """Make errors under /api/ JSON even where no blueprint matched (unknown URLs, 405s).

    The browser's handlers (``wiki.views``) are registered before this runs;
    each app-level handler found is wrapped so that it still answers every
    other path. Inside the blueprint its own handlers (below) already win.
    """
    spec = app.error_handler_spec[None]
    existing = [(cls, handler) for by_class in spec.values() for cls, handler in by_class.items()]
    for cls, handler in existing:
        if not getattr(handler, "api_first", False):
            app.register_error_handler(cls, _api_first(handler))
    for cls in (WikiError, HTTPException):
        if cls not in spec[None]:
            app.register_error_handler(cls, _api_first(None))


# Blueprint handlers come first for requests routed into the blueprint; one per
# HTTP status, since Flask prefers any handler for a specific status (even the
# app's) to a handler for the HTTPException class.
bp.register_error_handler(WikiError, error_response)
bp.register_error_handler(HTTPException, error_response)
for _status in default_exceptions:
    bp.register_error_handler(_status, error_response)


# The resource modules add their routes to ``bp`` when imported.
from wiki.api import articles, flags, openapi, review, revisions, search, tokens  # noqa: E402, F401
