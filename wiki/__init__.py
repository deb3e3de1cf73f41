"""Asclepedia: a collaborative medical wiki.

``create_app`` builds the Flask app; importing this package only defines things.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

import config as wiki_config

ROOT = Path(__file__).resolve().parent.parent
__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a wiki app. ``config`` overrides the environment (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(wiki_config.Config)
    app.config.update(wiki_config.from_env(os.environ))
    app.config.update(config or {})
    wiki_config.finish(app.config)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.config["INSTANCE_DIR"]))

    from wiki import api, auth, cli, db, mailer, search, security, views

    db.init_app(app)
    if app.config["AUTO_MIGRATE"]:
        cli.ensure_schema_current(app)
    for part in (security, auth, search, views, api, cli, mailer):
        part.init_app(app)
    return app


def _instance_secret(instance: Path) -> str:
    """The session signing key kept in the instance dir, made on first start."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    # O_EXCL: when several workers start at once, the first one's key wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
