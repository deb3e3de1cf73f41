"""Parsing requests and shaping answers for the JSON API.

Owns the API's wire format: reading a JSON body and its fields (a wrong type,
a missing field, a string the database cannot store is a 400 naming the
field), reading paging parameters, and turning revisions, articles and save
results into CONTRACT.md's objects. Hostile input is stopped here, at the
parser, never by widening an error handler. It must not decide policy or
touch the database beyond following a model's relationships.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request

from wiki import accounts, checks
from wiki.errors import InvalidInput
from wiki.models import Article, Revision, User
from wiki.revisions import SaveResult

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Ids and offsets must fit a signed 64-bit column: a larger number would
# overflow the database driver instead of simply matching nothing.
MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")
# The URL converter for ids in paths: anything outside it is an unknown URL (404).
ID_CONVERTER = f"int(min=1, max={MAX_ID})"


# ---------------------------------------------------------------- request bodies


def json_body(*, allow_empty: bool = False) -> dict[str, Any]:
    """The request body as a JSON object (``{}`` for an empty body when ``allow_empty``).

    The Content-Type is not insisted on: a body that parses as JSON is JSON.

    :raises InvalidInput: the body is missing, not JSON, or not an object.
    :raises RequestEntityTooLarge: the body is over ``MAX_CONTENT_LENGTH``.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        if allow_empty:
            return {}
        raise InvalidInput("The request body is empty: send a JSON object.", field="body")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        # ValueError covers bad UTF-8, bad syntax and integers too long to convert.
        raise InvalidInput("The request body is not valid JSON.", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"The request body must be a JSON object, not {_json_type(data)}.", field="body")
    return data


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def string_field(data: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    """``data[name]`` as a string the database can store; None when absent (or null) and not required.

    :raises InvalidInput: missing when required, not a string, or holding NUL or unpaired surrogates.
    """
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"The field '{name}' is required (a string).", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"The field '{name}' must be a string, not {_json_type(value)}.", field=name)
    if "\x00" in value:
        raise InvalidInput(f"The field '{name}' contains a NUL character.", field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"The field '{name}' contains invalid Unicode (an unpaired surrogate).", field=name
        ) from None
    return value


def id_field(data: Mapping[str, Any], name: str, *, required: bool = False) -> int | None:
    """``data[name]`` as a revision (or other row) id; None when absent and not required.

    :raises InvalidInput: missing when required, or not a positive integer.
    """
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"The field '{name}' is required (a revision id).", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"The field '{name}' must be an integer id, not {_json_type(value)}.", field=name)
    if not 1 <= value <= MAX_ID:
        raise InvalidInput(f"The field '{name}' must be a positive integer id.", field=name)
    return value


def bool_field(data: Mapping[str, Any], name: str, *, default: bool = False) -> bool:
    """``data[name]`` as a boolean; ``default`` when absent or null.

    :raises InvalidInput: present but not true or false.
    """
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidInput(f"The field '{name}' must be true or false, not {_json_type(value)}.", field=name)
    return value


@dataclass(frozen=True)
class CreateRequest:
    title: str
    text: str
    summary: str
    confirm_warnings: bool


@dataclass(frozen=True)
class EditRequest:
    text: str
    summary: str
    base_revision: int
    confirm_warnings: bool


@dataclass(frozen=True)
class RestoreRequest:
    revision: int
    summary: str


@dataclass(frozen=True)
class TokenRequest:
    username: str
    password: str
    label: str


def parse_create(data: Mapping[str, Any]) -> CreateRequest:
    """``POST /articles``: ``{"title", "text", "summary"?, "confirm_warnings"?}``."""
    return CreateRequest(
        title=string_field(data, "title", required=True),
        text=string_field(data, "text", required=True),
        summary=string_field(data, "summary") or "",
        confirm_warnings=bool_field(data, "confirm_warnings"),
    )


def parse_edit(data: Mapping[str, Any]) -> EditRequest:
    """``PUT /articles/<slug>``: ``{"text", "summary"?, "base_revision", "confirm_warnings"?}``."""
    return EditRequest(
        text=string_field(data, "text", required=True),
        summary=string_field(data, "summary") or "",
        base_revision=id_field(data, "base_revision", required=True),
        confirm_warnings=bool_field(data, "confirm_warnings"),
    )


def parse_restore(data: Mapping[str, Any]) -> RestoreRequest:
    """``POST /articles/<slug>/restore``: ``{"revision", "summary"?}``."""
    return RestoreRequest(
        revision=id_field(data, "revision", required=True), summary=string_field(data, "summary") or ""
    )


def parse_token_request(data: Mapping[str, Any]) -> TokenRequest:
    """``POST /tokens``: ``{"username", "password", "label"?}``."""
    password = string_field(data, "password", required=True)
    if len(password) > accounts.MAX_PASSWORD:
        raise InvalidInput("The password is too long.", field="password")
    return TokenRequest(
        username=string_field(data, "username", required=True),
        password=password,
        label=string_field(data, "label") or "API token",
    )


# ---------------------------------------------------------------- query parameters


def _query_int(name: str, raw: str) -> int:
    if raw.startswith("-") and _DIGITS.fullmatch(raw[1:]):
        raise InvalidInput(f"The parameter '{name}' must not be negative.", field=name)
    if not _DIGITS.fullmatch(raw):
        raise InvalidInput(f"The parameter '{name}' must be a whole number, not {raw[:40]!r}.", field=name)
    try:
        value = int(raw)
    except ValueError:  # thousands of digits
        raise InvalidInput(f"The parameter '{name}' is too large.", field=name) from None
    if value > MAX_ID:
        raise InvalidInput(f"The parameter '{name}' is too large.", field=name)
    return value


def query_limit(args: Mapping[str, str], *, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """``?limit=``: a whole number, clamped to 1..``maximum``.

    :raises InvalidInput: negative or not a number.
    """
    raw = args.get("limit")
    if raw is None or raw == "":
        return default
    return max(1, min(maximum, _query_int("limit", raw)))


def query_offset(args: Mapping[str, str]) -> int:
    """``?offset=``: a whole number, 0 when absent.

    :raises InvalidInput: negative or not a number.
    """
    raw = args.get("offset")
    if raw is None or raw == "":
        return 0
    return _query_int("offset", raw)


def query_id(args: Mapping[str, str], name: str, *, required: bool = False) -> int | None:
    """``?<name>=``: a revision id.

    :raises InvalidInput: missing when required, or not a positive whole number.
    """
    raw = args.get(name)
    if raw is None or raw == "":
        if required:
            raise InvalidInput(f"The parameter '{name}' is required (a revision id).", field=name)
        return None
    value = _query_int(name, raw)
    if value < 1:
        raise InvalidInput(f"The parameter '{name}' must be a positive revision id.", field=name)
    return value


def query_choice(args: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str:
    """``?<name>=``: one of ``choices``.

    :raises InvalidInput: anything else.
    """
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if raw not in choices:
        raise InvalidInput(f"The parameter '{name}' must be one of {', '.join(choices)}.", field=name)
    return raw


# ---------------------------------------------------------------- answers


def iso(moment: datetime | None) -> str | None:
    """``moment`` as ISO 8601 in UTC with a ``Z`` (None stays None)."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored as UTC (SQLite hands back naive datetimes)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def username(user: User | None) -> str | None:
    """A user's public name, or None for no user or a deleted account."""
    if user is None or user.deleted_at is not None:
        return None
    return user.username


def revision_to_json(revision: Revision) -> dict[str, Any]:
    """CONTRACT.md's revision object (never the text: callers add it where the reader may see it)."""
    return {
        "id": revision.id,
        "article": revision.article.slug,
        "parent_id": revision.parent_id,
        "author": username(revision.author),
        "author_role": revision.author_role.label,
        "created_at": iso(revision.created_at),
        "summary": revision.summary,
        "status": revision.status.value,
        "kind": revision.kind.value,
        "size": revision.size,
        "size_delta": revision.size_delta,
        "reviewed_by": username(revision.reviewed_by),
        "reviewed_at": iso(revision.reviewed_at),
    }


def user_to_json(user: User) -> dict[str, Any]:
    """A user as the API shows them to themselves."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role.label,
        "display_name": user.display_name,
        "credential": user.credential if user.is_verified_clinician else None,
    }


def article_summary_to_json(article: Article) -> dict[str, Any]:
    """An entry of ``GET /articles``."""
    return {
        "slug": article.slug,
        "title": article.title,
        "updated_at": iso(article.updated_at),
        "stable_revision": article.stable_revision_id,
        "latest_revision": article.latest_revision_id,
    }


def warnings_to_json(warnings: Iterable[checks.EditWarning | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Warnings as CONTRACT.md's warning objects (stored ones are already JSON)."""
    return [w.to_json() if isinstance(w, checks.EditWarning) else dict(w) for w in warnings]


def save_result_to_json(result: SaveResult) -> dict[str, Any]:
    """The answer to a save (``PUT /articles/<slug>``, restore, undo, rollback)."""
    return {
        "revision": revision_to_json(result.revision),
        "status": result.revision.status.value,
        "merged": result.merged,
        "warnings": warnings_to_json(result.warnings),
        "changed": result.changed,
    }
