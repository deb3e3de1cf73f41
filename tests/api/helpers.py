"""Helpers for the API tests: a JSON client wrapper, callers with tokens, the error assertion."""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any

from wiki.models import User

API = "/api/v1"
# CONTRACT.md's revision object, exactly.
REVISION_KEYS = {
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
}


@dataclass
class Caller:
    """A user and the bearer token they call the API with (no user: anonymous)."""

    user: User | None
    token: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


ANON = Caller(None, None)


class Api:
    """``client`` with the /api/v1 prefix, a caller's token and JSON bodies."""

    def __init__(self, client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        *,
        as_: Caller = ANON,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
    ):
        all_headers = {**as_.headers, **(headers or {})}
        kwargs: dict[str, Any] = {"headers": all_headers, "query_string": query}
        if json is not None:
            kwargs["data"] = jsonlib.dumps(json)
            kwargs["content_type"] = "application/json"
        elif data is not None:
            kwargs["data"] = data
        return self.client.open(API + path, method=method, **kwargs)

    def get(self, path: str, **kw: Any):
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any):
        return self.call("POST", path, **kw)

    def put(self, path: str, **kw: Any):
        return self.call("PUT", path, **kw)


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is CONTRACT.md's JSON error with ``status`` (and ``code``); return its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), body
    if code is not None:
        assert body["error"] == code, body
    return body
