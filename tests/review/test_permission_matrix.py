"""The whole role × action permission matrix, from one table.

Each row is (action, article protection or None, who may do it). The table is
written out by hand rather than derived from ``permissions.MINIMUM_ROLE``, so
a change to the policy has to be made twice, on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wiki.errors import Forbidden, Unauthorized
from wiki.models import Article, Role, User
from wiki.permissions import ANONYMOUS, MINIMUM_ROLE, Action, can, require

FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)
ACTORS = {
    "anonymous": ANONYMOUS,
    "editor": User(username="erin", role=Role.EDITOR),
    "clinician": User(username="cleo", role=Role.CLINICIAN),
    "reviewer": User(username="rosa", role=Role.REVIEWER),
    "admin": User(username="ada", role=Role.ADMIN),
    "blocked_editor": User(username="bea", role=Role.EDITOR, blocked_until=FAR_FUTURE, block_reason="spam"),
    "blocked_reviewer": User(username="bob", role=Role.REVIEWER, blocked_until=FAR_FUTURE, block_reason="x"),
}
EVERYONE = "anonymous editor clinician reviewer admin blocked_editor blocked_reviewer"
MEMBERS = "editor clinician reviewer admin"
REVIEWERS = "reviewer admin"
ADMINS = "admin"

# (action, article protection level or None for no article, who may)
MATRIX: list[tuple[Action, Role | None, str]] = [
    (Action.READ, None, EVERYONE),
    (Action.SEARCH, None, EVERYONE),
    (Action.FLAG, None, "anonymous " + MEMBERS),
    (Action.CREATE, None, MEMBERS),
    (Action.EDIT, None, MEMBERS),
    (Action.RESTORE, None, MEMBERS),
    (Action.UNDO, None, MEMBERS),
    (Action.TALK, None, MEMBERS),
    (Action.REVIEW, None, REVIEWERS),
    (Action.ROLLBACK, None, REVIEWERS),
    (Action.RESOLVE_FLAG, None, REVIEWERS),
    (Action.HIDE_POST, None, REVIEWERS),
    (Action.SEE_HIDDEN, None, REVIEWERS + " blocked_reviewer"),
    (Action.PROTECT, None, ADMINS),
    (Action.SUPPRESS, None, ADMINS),
    (Action.SEE_SUPPRESSED, None, ADMINS),
    (Action.BLOCK, None, ADMINS),
    (Action.SET_ROLE, None, ADMINS),
    (Action.VERIFY, None, ADMINS),
    (Action.AUDIT, None, ADMINS),
    # Protection levels limit edit, restore and undo, and nothing else.
    (Action.EDIT, Role.EDITOR, MEMBERS),
    (Action.RESTORE, Role.EDITOR, MEMBERS),
    (Action.UNDO, Role.EDITOR, MEMBERS),
    (Action.EDIT, Role.CLINICIAN, "clinician reviewer admin"),
    (Action.RESTORE, Role.CLINICIAN, "clinician reviewer admin"),
    (Action.UNDO, Role.CLINICIAN, "clinician reviewer admin"),
    (Action.EDIT, Role.REVIEWER, REVIEWERS),
    (Action.RESTORE, Role.REVIEWER, REVIEWERS),
    (Action.UNDO, Role.REVIEWER, REVIEWERS),
    (Action.READ, Role.REVIEWER, EVERYONE),
    (Action.FLAG, Role.REVIEWER, "anonymous " + MEMBERS),
    (Action.TALK, Role.REVIEWER, MEMBERS),
    (Action.REVIEW, Role.CLINICIAN, REVIEWERS),
    (Action.ROLLBACK, Role.REVIEWER, REVIEWERS),
]

CASES = [
    pytest.param(action, level, name, name in allowed.split(),
                 id=f"{action.value}-{level.label if level else 'none'}-{name}")
    for action, level, allowed in MATRIX
    for name in ACTORS
]


def _article(level: Role | None) -> Article | None:
    return None if level is None else Article(slug="asthma", title="Asthma", protection=level)


def test_the_table_names_every_action_once_without_protection():
    plain = [action for action, level, _ in MATRIX if level is None]
    assert sorted(plain) == sorted(MINIMUM_ROLE)
    assert len(plain) == len(set(plain))
    for _, _, allowed in MATRIX:
        assert set(allowed.split()) <= set(ACTORS)


@pytest.mark.parametrize(("action", "level", "actor", "allowed"), CASES)
def test_can_matches_the_table(action, level, actor, allowed):
    assert can(ACTORS[actor], action, _article(level)) is allowed


@pytest.mark.parametrize(("action", "level", "actor", "allowed"), CASES)
def test_require_raises_the_fitting_error_exactly_where_the_table_says_no(action, level, actor, allowed):
    who = ACTORS[actor]
    if allowed:
        require(who, action, _article(level))
        return
    expected = Unauthorized if actor == "anonymous" else Forbidden
    with pytest.raises(expected) as raised:
        require(who, action, _article(level))
    assert type(raised.value) is expected
    assert raised.value.details["action"] == action.value


def test_a_block_that_has_ended_no_longer_limits(monkeypatch):
    lapsed = User(username="lee", role=Role.EDITOR, blocked_until=datetime(2000, 1, 1, tzinfo=UTC))
    assert not lapsed.is_blocked()
    assert can(lapsed, Action.EDIT, _article(Role.EDITOR))


def test_a_protected_page_tells_an_editor_why():
    with pytest.raises(Forbidden, match="protected: only clinicians and up"):
        require(ACTORS["editor"], Action.EDIT, _article(Role.CLINICIAN))


def test_a_blocked_user_is_told_about_the_block():
    with pytest.raises(Forbidden, match="blocked"):
        require(ACTORS["blocked_reviewer"], Action.REVIEW)
