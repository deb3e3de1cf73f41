"""Configuration: defaults, and the ``WIKI_*`` environment variables parsed once.

``from_env`` is pure (it takes the environment as a mapping) so its parsing is
unit-tested; a bad value stops start-up with a message naming the variable.
Keys drop the ``WIKI_`` prefix, as Flask's ``Config.from_prefixed_env`` does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent

ROLES = ("editor", "clinician", "reviewer", "admin")


class ConfigError(ValueError):
    """A ``WIKI_*`` variable has a value the wiki cannot use."""


class Config:
    """Defaults; every one can be overridden by the environment or by ``create_app(config)``."""

    INSTANCE_DIR = str(Path.cwd() / "instance")
    DATABASE_URL: str | None = None  # default: sqlite:///<INSTANCE_DIR>/wiki.db
    SEARCH_BACKEND = "whoosh"
    SEARCH_INDEX_DIR: str | None = None  # default: <INSTANCE_DIR>/index
    # Drain the search outbox in the request process right after commit. The
    # demo wants it; under many gunicorn workers a separate `indexer` process
    # does it, and workers only try (non-blocking) so none waits on the lock.
    SEARCH_INLINE_INDEX = True
    SECRET_KEY: str | None = None  # default: generated once into <INSTANCE_DIR>/secret_key
    AUTO_APPROVE_ROLES = frozenset({"reviewer", "admin"})
    OPEN_REGISTRATION = True
    LOAD_CONTENT = True
    # Bring the schema up to date when the app starts (one process migrates, the
    # others wait), so `gunicorn -w 4 'wiki:create_app()'` works on a new
    # instance; `flask --app wiki init-db` does the same by hand.
    AUTO_MIGRATE = True
    CONTENT_DIR = str(ROOT / "content")
    SMTP_URL: str | None = None
    MAIL_FROM = "wiki@localhost"

    MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # request bodies: 413 above this
    MAX_ARTICLE_BYTES = 2 * 1024 * 1024  # article texts: 413 above this
    MAX_SUMMARY_LENGTH = 500

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: long edits must not lose work

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    FLAG_RATE_LIMIT = "10 per minute;100 per day"
    TALK_RATE_LIMIT = "10 per minute;200 per day"
    API_WRITE_RATE_LIMIT = "120 per minute"

    # werkzeug's default (scrypt) in production; tests pass a cheaper method.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash algorithm name, not a password


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (or true/false), not {value!r}")


def _parse_roles(name: str, value: str) -> frozenset[str]:
    roles = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = roles - set(ROLES)
    if unknown:
        raise ConfigError(f"{name} names unknown roles {sorted(unknown)}; known: {', '.join(ROLES)}")
    return roles


def _parse_backend(name: str, value: str) -> str:
    value = value.strip().lower()
    if value not in ("whoosh", "postgres"):
        raise ConfigError(f"{name} must be 'whoosh' or 'postgres', not {value!r}")
    return value


def _parse_text(name: str, value: str) -> str:
    return value


_PARSERS: Mapping[str, Any] = {
    "INSTANCE_DIR": _parse_text,
    "DATABASE_URL": _parse_text,
    "SEARCH_BACKEND": _parse_backend,
    "SEARCH_INDEX_DIR": _parse_text,
    "SEARCH_INLINE_INDEX": _parse_bool,
    "SECRET_KEY": _parse_text,
    "AUTO_APPROVE_ROLES": _parse_roles,
    "OPEN_REGISTRATION": _parse_bool,
    "LOAD_CONTENT": _parse_bool,
    "AUTO_MIGRATE": _parse_bool,
    "CONTENT_DIR": _parse_text,
    "SMTP_URL": _parse_text,
    "MAIL_FROM": _parse_text,
    "RATELIMIT_STORAGE_URI": _parse_text,
}


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the config keys set by ``WIKI_*`` variables in ``environ``.

    :raises ConfigError: a variable has a value the wiki cannot use.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, parse in _PARSERS.items():
        name = f"WIKI_{key}"
        if name in environ:
            values[key] = parse(name, environ[name])
    return values


def finish(config: dict[str, Any]) -> None:
    """Fill in the defaults that depend on other keys (paths under the instance dir)."""
    instance = Path(config["INSTANCE_DIR"]).resolve()
    config["INSTANCE_DIR"] = str(instance)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'wiki.db'}"
    if not config.get("SEARCH_INDEX_DIR"):
        config["SEARCH_INDEX_DIR"] = str(instance / "index")
    roles = config.get("AUTO_APPROVE_ROLES")
    if isinstance(roles, str):
        config["AUTO_APPROVE_ROLES"] = _parse_roles("AUTO_APPROVE_ROLES", roles)
