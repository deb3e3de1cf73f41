"""Who is asking: flask-login sessions for the browser, bearer tokens for the API,
CSRF protection and rate limits.

The domain knows only ``Actor`` (``wiki.permissions``); this module turns a
request into one. Sessions are signed cookies (HttpOnly, SameSite=Lax), so any
worker on any host can serve any request.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from wiki import db
from wiki.models import Role, User
from wiki.permissions import ANONYMOUS, Actor
from wiki.revisions import EditPolicy

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class LoginUser:
    """Adapts a ``User`` row to flask-login; the id carries the session version."""

    def __init__(self, user: User) -> None:
        self.user = user

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in to do that."
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    try:
        raw_id, version = user_id.split(":")
        user = db.session().get(User, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or user.deleted_at is not None or str(user.session_version) != version:
        return None
    return LoginUser(user)


def current_actor() -> Actor:
    """The user behind this request (API token first, then the login session), or the anonymous actor."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if request.blueprint == "api":
        return ANONYMOUS  # the API takes bearer tokens only, never the cookie (no CSRF there)
    if current_user and current_user.is_authenticated:
        return current_user.user
    return ANONYMOUS


def current_user_row() -> User | None:
    actor = current_actor()
    return actor if isinstance(actor, User) else None


def edit_policy() -> EditPolicy:
    """The save policy from the app config."""
    cfg = current_app.config
    return EditPolicy(
        auto_approve=frozenset(Role.parse(name) for name in cfg["AUTO_APPROVE_ROLES"]),
        max_article_bytes=int(cfg["MAX_ARTICLE_BYTES"]),
    )


def password_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]
