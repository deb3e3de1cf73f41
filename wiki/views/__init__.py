"""Browser pages: registers the blueprints, what every template sees, and the error pages.

Views are thin (STYLE.md 8): parse the request, call one domain function,
present the result. They never commit and never decide who may do what
(``permissions.can`` only chooses what to show). Domain errors become pages
here, once: ``WikiError`` subclasses and werkzeug's HTTP errors render
``errors/<status>.html``. Requests under ``/api/`` never get an HTML page:
they are handed to the API's own handlers (or answered as CONTRACT.md's JSON).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException, InternalServerError

from wiki import articles, auth, db, errors, watch
from wiki import review as review_policy  # ``wiki.views.review`` (the blueprint) takes the plain name
from wiki.models import Role
from wiki.permissions import Action, can

API_PREFIX = "/api/"
# HTTP errors that get their own page; any other gets errors/generic.html.
ERROR_PAGES = frozenset({400, 401, 403, 404, 405, 409, 413, 422, 429, 500})
_JSON_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid_input",
               429: "rate_limited", 500: "internal_error"}


def init_app(app: Flask) -> None:
    """Register the page blueprints, the template helpers and the error pages."""
    from wiki.views import accounts, admin, browse, community, flags, history, pages, review, search, talk

    for module in (pages, history, browse, accounts, search, review, flags, admin, talk, community):
        app.register_blueprint(module.bp)
    app.context_processor(_template_context)
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(signed, "signed")
    app.add_template_filter(articles.slugify, "slug")
    _register_error_handlers(app)


# ---------------------------------------------------------------- template helpers

def _template_context() -> dict[str, Any]:
    actor = auth.current_actor()
    pending = None
    if can(actor, Action.REVIEW):
        pending = review_policy.pending_count(db.session())
    # None for visitors, so the header shows the link only to people who have notifications.
    unread = watch.unread_count(db.session(), actor) if actor.id is not None else None

    def is_watching(article: Any) -> bool:
        return watch.is_watching(db.session(), actor, article)

    return {"actor": actor, "can": can, "Action": Action, "Role": Role, "pending_review_count": pending,
            "unread_notifications": unread, "is_watching": is_watching}


def format_datetime(value: datetime | None) -> str:
    """``24 November 2026, 09:09 UTC``: unambiguous for readers anywhere."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y, %H:%M} UTC"


def format_date(value: datetime | None) -> str:
    return "" if value is None else f"{value.day} {value:%B %Y}"


def signed(number: int) -> str:
    """``+123``, ``−45`` (a real minus sign), ``0``: the sign is text, not only colour."""
    if number > 0:
        return f"+{number:,}"
    if number < 0:
        return f"\u2212{-number:,}"
    return "0"


# ---------------------------------------------------------------- error pages

def _register_error_handlers(app: Flask) -> None:
    # Registered per status code, so they are found before any handler the API
    # registers for HTTPException as a class; that is why /api/ paths are passed on.
    for status in (400, 401, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(status, _http_error)
    # Each concrete class, so a WikiError handler the API registers app-wide
    # (the less specific class) cannot take over the browser's pages.
    for cls in _wiki_error_classes():
        app.register_error_handler(cls, _wiki_error)


def _wiki_error_classes() -> list[type[errors.WikiError]]:
    found, todo = [], [errors.WikiError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def _error_page(status: int, message: str, **context: Any) -> ResponseReturnValue:
    template = f"errors/{status}.html" if status in ERROR_PAGES else "errors/generic.html"
    try:
        body = render_template(template, status=status, message=message, **context)
    except TemplateNotFound:
        body = render_template("errors/generic.html", status=status, message=message, **context)
    return body, status


def _wiki_error(exc: errors.WikiError) -> ResponseReturnValue:
    if _is_api_request():
        return _to_api(exc)
    if isinstance(exc, errors.Unauthorized) and request.method == "GET":
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    status = exc.status if 400 <= exc.status < 600 else 500
    if status >= 500:
        current_app.logger.error("domain error %s on %s", exc.code, request.path)
    return _error_page(status, exc.message, error=exc)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    if _is_api_request():
        return _to_api(exc)
    status = exc.code or 500
    if isinstance(exc, CSRFError):
        return _error_page(400, "The form expired or was sent from elsewhere.", csrf=True)
    if isinstance(exc, InternalServerError):
        try:
            return _error_page(500, "Something went wrong on our side.")
        except Exception:  # the page itself needs the database, which may be what failed
            current_app.logger.exception("could not render the 500 page")
            return "Sorry, something went wrong on our side. Try again in a moment.", 500, {
                "Content-Type": "text/plain; charset=utf-8"}
    return _error_page(status, exc.description or "", error=exc)


def _to_api(exc: Exception) -> ResponseReturnValue:
    """Let the API's own handler answer an error under /api/; JSON in CONTRACT.md's shape if it has none."""
    handler = _api_handler_for(exc)
    if handler is not None:
        return handler(exc)
    if isinstance(exc, errors.WikiError):
        status, code, message = exc.status, exc.code, exc.message
    else:
        status = getattr(exc, "code", None) or 500
        code = _JSON_CODES.get(status, "error")
        message = getattr(exc, "description", None) or "Something went wrong on our side."
    if status >= 500:
        message = "Something went wrong on our side."
    response = jsonify(error=code, message=message)
    response.status_code = status
    if isinstance(exc, HTTPException) and exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _api_handler_for(exc: Exception):
    """A class-level handler the API registered (on its blueprints, then app-wide) for ``exc``."""
    app = current_app
    mine = {_wiki_error, _http_error}
    names = [name for name in app.error_handler_spec if name and name.split(".")[0].startswith("api")]
    for name in [*names, None]:
        handler_map = app.error_handler_spec[name][None]
        for cls in type(exc).__mro__:
            handler = handler_map.get(cls)
            if handler is not None and handler not in mine:
                return handler
    return None
