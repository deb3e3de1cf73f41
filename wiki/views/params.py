"""Reading query-string values the pages share: revision ids, page numbers, local ``next`` URLs."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from wiki.errors import InvalidInput, NotFound

# Ids beyond a 64-bit integer cannot name a row; looking them up would overflow the driver.
MAX_ID = 2**63 - 1


def int_arg(name: str) -> int | None:
    """The query-string value ``name`` as an id, or None when absent or empty.

    :raises InvalidInput: it is not a whole number (400).
    :raises NotFound: it is a number no row can have (404).
    """
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw, 10)
    except ValueError:
        raise InvalidInput(f"'{name}' must be a revision number, not {raw[:40]!r}.", field=name) from None
    if not 0 < value <= MAX_ID:
        raise NotFound(f"There is no revision {raw[:40]}.")
    return value


def page_arg(name: str = "page") -> int:
    """A 1-based page number from the query string; anything odd is page 1."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def local_url(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(ch) < 32 for ch in target)):
        return default
    return target
