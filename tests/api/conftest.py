"""Fixtures for the API tests: a JSON client and users of every role with tokens.

Users and tokens go through ``accounts.create_user`` and ``accounts.create_token``
(the conftest factories); articles through ``revisions.create_article``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.helpers import ANON, Api, Caller
from wiki import accounts
from wiki.models import Role


@pytest.fixture
def api(client) -> Api:
    return Api(client)


@pytest.fixture
def make_caller(session, make_user) -> Callable[..., Caller]:
    """``make_caller(Role.REVIEWER)``: a new user of that role with a fresh token (anonymous: no token)."""

    def make(role: Role = Role.EDITOR, name: str | None = None) -> Caller:
        if role == Role.ANONYMOUS:
            return ANON
        user = make_user(name, role=role)
        return Caller(user, accounts.create_token(session, user, label="test"))

    return make


@pytest.fixture
def editor(make_caller) -> Caller:
    return make_caller(Role.EDITOR, "eddie")


@pytest.fixture
def editor2(make_caller) -> Caller:
    return make_caller(Role.EDITOR, "edna")


@pytest.fixture
def reviewer(make_caller) -> Caller:
    return make_caller(Role.REVIEWER, "rita")


@pytest.fixture
def admin(make_caller) -> Caller:
    return make_caller(Role.ADMIN, "adam")
