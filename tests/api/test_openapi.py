"""API: /openapi.json describes exactly the routes the blueprint serves, and holds together."""

from __future__ import annotations

import re
from typing import Any

from tests.api.helpers import REVISION_KEYS
from wiki.api.openapi import DOCUMENT

# Documented (CONTRACT.md) but served by modules still being written elsewhere.
PENDING: set[tuple[str, str]] = set()
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?[^<>]+>")
_PLACEHOLDER = re.compile(r"\{[^}]+\}")


def routed(app) -> set[tuple[str, str]]:
    """(method, path template with ``{}`` for parameters) for every rule of the api blueprint."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "api":
            continue
        path = _CONVERTER.sub("{}", rule.rule.removeprefix("/api/v1"))
        found |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), _PLACEHOLDER.sub("{}", path))
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_route_is_documented(app):
    assert routed(app) - documented() == set()


def test_everything_documented_is_routed_or_known_pending(app):
    missing = documented() - routed(app)
    assert missing <= PENDING, missing - PENDING


def test_pending_list_holds_only_what_is_still_missing(app):
    """When another module adds a pending route, take it off PENDING here."""
    assert PENDING & routed(app) == set()


def test_served_document_is_the_openapi_31_document(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["openapi"].startswith("3.1") and body == DOCUMENT
    assert body["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token, e.g. wk_...",
    }
    for name in ("Article", "Revision", "Warning", "Error"):
        assert name in body["components"]["schemas"]


def _walk(node: Any, path: str = "#"):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def _resolve(ref: str) -> Any:
    node: Any = DOCUMENT
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_every_ref_resolves():
    refs = [node["$ref"] for _, node in _walk(DOCUMENT) if "$ref" in node]
    assert refs
    for ref in refs:
        assert _resolve(ref) is not None, ref


def test_path_parameters_match_the_placeholders():
    for path, item in DOCUMENT["paths"].items():
        placeholders = set(re.findall(r"\{([^}]+)\}", path))
        declared = {p["name"] for p in item.get("parameters", []) if p["in"] == "path"}
        assert placeholders == declared, path


def test_every_operation_has_an_id_a_summary_and_responses():
    ids = []
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            assert op.get("summary") and op.get("responses"), (method, path)
            assert all(re.fullmatch(r"[1-5]\d\d", status) for status in op["responses"]), (method, path)
            ids.append(op["operationId"])
    assert len(ids) == len(set(ids))


def test_revision_schema_lists_the_contract_fields():
    revision = DOCUMENT["components"]["schemas"]["Revision"]
    assert (
        set(revision["required"])
        == set(revision["properties"])
        == REVISION_KEYS
    )
