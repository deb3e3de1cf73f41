"""API: getting a bearer token with a username and password.

The one API endpoint that takes a password, so it is rate-limited like the
login form (config ``LOGIN_RATE_LIMIT``, per address). No SQL here.
"""

from __future__ import annotations

from typing import Any

from wiki import accounts, db
from wiki.api import bp, login_limited, schemas
from wiki.errors import Unauthorized


@bp.post("/tokens")
@login_limited
def create_token() -> tuple[dict[str, Any], int]:
    """Exchange ``{"username", "password"}`` for a new API token; 401 when they do not match."""
    req = schemas.parse_token_request(schemas.json_body())
    session = db.session()
    user = accounts.authenticate(session, req.username, req.password)
    if user is None:
        raise Unauthorized("Wrong username or password.", reason="bad_credentials")
    token = accounts.create_token(session, user, label=req.label)
    return {"token": token, "user": schemas.user_to_json(user)}, 201
