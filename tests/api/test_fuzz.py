"""API: hostile bodies and parameters never give a 500, and every error is CONTRACT.md's JSON.

Hypothesis throws random JSON (strings with NULs and lone surrogates, huge and
negative integers, floats, nulls, nested arrays and objects) at each field of
each POST and PUT, then whole random bodies and raw bytes. The caller is an
admin, so bodies get past the permission check into the parsers and the domain.
Unexpected exceptions propagate in the test app (TESTING), so a crash fails
the test rather than hiding in a 500.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki.models import Role

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

surrogates = st.characters(categories=["Cs"])
strings = st.one_of(
    st.text(max_size=40),
    st.text(st.one_of(st.characters(), surrogates, st.sampled_from("\x00\r\n-:[]{}|#<>")), max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "---\n- a\n---\n",
            "---\n: [\n---\nx",
            "asthma",
            "Give 5 mg daily.",
            "x@example.com",
            "\x00",
            "\ud800",
            "[[",
            "a" * 600,
        ]
    ),
)
integers = st.one_of(st.integers(-5, 50), st.integers(), st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63)]))
scalars = st.one_of(
    st.none(), st.booleans(), integers, st.floats(allow_nan=True, allow_infinity=True), strings
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)

# Each write endpoint and the fields its body has (CONTRACT.md).
ENDPOINTS = {
    "tokens": ("POST", "/tokens", ("username", "password", "label")),
    "create": ("POST", "/articles", ("title", "text", "summary", "confirm_warnings")),
    "edit": ("PUT", "/articles/asthma", ("text", "summary", "base_revision", "confirm_warnings")),
    "rollback": ("POST", "/articles/asthma/rollback", ("summary",)),
    "restore": ("POST", "/articles/asthma/restore", ("revision", "summary")),
    "approve": ("POST", "/revisions/{rev}/approve", ("comment",)),
    "reject": ("POST", "/revisions/{rev}/reject", ("comment",)),
    "undo": ("POST", "/revisions/{rev}/undo", ("summary",)),
    "suppress": ("POST", "/revisions/{rev}/suppress", ("reason",)),
}


def bodies(fields: tuple[str, ...]) -> st.SearchStrategy:
    """Objects with some of ``fields`` set to random JSON, sometimes plus stray keys."""
    known = st.fixed_dictionaries({}, optional={name: json_values for name in fields})
    return st.one_of(
        known,
        st.builds(
            lambda a, b: {**b, **a}, known, st.dictionaries(st.text(max_size=6), json_values, max_size=2)
        ),
    )


@pytest.fixture
def fuzz_target(api, make_article, make_caller):
    """An article with a few revisions, an admin caller, and a function sending a body to an endpoint."""
    admin = make_caller(Role.ADMIN)
    editor = make_caller(Role.EDITOR)
    first = make_article("Asthma", "Give 5 mg daily.\n\nSecond paragraph.\n").latest_revision_id
    saved = api.put(
        "/articles/asthma", as_=editor, json={"text": "Give 5 mg daily.\n\nEdited.\n", "base_revision": first}
    )
    pending = saved.get_json()["revision"]["id"]

    def send(endpoint: str, data: bytes):
        method, path, _ = ENDPOINTS[endpoint]
        return api.call(
            method,
            path.format(rev=pending),
            as_=admin,
            data=data,
            headers={"Content-Type": "application/json"},
        )

    return send


def check(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        body = response.get_json()
        assert isinstance(body["error"], str) and isinstance(body["message"], str)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_random_field_values_never_give_a_500(fuzz_target, endpoint):
    @FUZZ
    @given(body=bodies(ENDPOINTS[endpoint][2]))
    def run(body):
        check(fuzz_target(endpoint, json.dumps(body).encode()))

    run()


@pytest.mark.parametrize("endpoint", ["edit", "create", "approve", "tokens"])
def test_random_documents_and_bytes_never_give_a_500(fuzz_target, endpoint):
    @FUZZ
    @given(data=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=64)))
    def run(data):
        check(fuzz_target(endpoint, data))

    run()


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    params=st.dictionaries(
        st.sampled_from(["limit", "offset", "before", "from", "to", "revision", "version", "category"]),
        st.one_of(st.text(max_size=12), integers.map(str)),
        max_size=4,
    ),
    path=st.sampled_from(
        [
            "/articles",
            "/articles/asthma",
            "/articles/asthma/revisions",
            "/articles/asthma/diff",
            "/recent-changes",
        ]
    ),
)
def test_random_query_parameters_never_give_a_500(api, make_article, params, path):
    if not api.get("/articles/asthma").status_code == 200:
        make_article("Asthma", "Text.\n")
    check(api.get(path, query=params))
