"""Who may do what: one table of role × action, and ``can()``.

Nothing else decides access. Commands *enforce* with ``require``; views and
templates *ask* ``can`` only to choose what to show. No Flask imports.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Final, Protocol

from wiki.errors import Forbidden, Unauthorized
from wiki.models import Article, Role


class Actor(Protocol):
    """Anyone acting: a ``User`` or an anonymous visitor."""

    id: int | None
    role: Role

    def is_blocked(self, now: datetime | None = None) -> bool: ...


class AnonymousActor:
    """A visitor who is not logged in."""

    id: int | None = None
    role: Role = Role.ANONYMOUS
    username = "anonymous"

    def is_blocked(self, now: datetime | None = None) -> bool:
        return False


ANONYMOUS: Final = AnonymousActor()


class Action(enum.StrEnum):
    READ = "read"
    SEARCH = "search"
    FLAG = "flag"
    CREATE = "create"
    EDIT = "edit"
    RESTORE = "restore"
    UNDO = "undo"
    TALK = "talk"
    REVIEW = "review"  # approve, reject, see the queue
    ROLLBACK = "rollback"
    RESOLVE_FLAG = "resolve_flag"
    HIDE_POST = "hide_post"
    SEE_HIDDEN = "see_hidden"
    PROTECT = "protect"
    SUPPRESS = "suppress"
    SEE_SUPPRESSED = "see_suppressed"
    BLOCK = "block"
    SET_ROLE = "set_role"
    VERIFY = "verify"
    AUDIT = "audit"


MINIMUM_ROLE: Final[Mapping[Action, Role]] = {
    Action.READ: Role.ANONYMOUS,
    Action.SEARCH: Role.ANONYMOUS,
    Action.FLAG: Role.ANONYMOUS,
    Action.CREATE: Role.EDITOR,
    Action.EDIT: Role.EDITOR,
    Action.RESTORE: Role.EDITOR,
    Action.UNDO: Role.EDITOR,
    Action.TALK: Role.EDITOR,
    Action.REVIEW: Role.REVIEWER,
    Action.ROLLBACK: Role.REVIEWER,
    Action.RESOLVE_FLAG: Role.REVIEWER,
    Action.HIDE_POST: Role.REVIEWER,
    Action.SEE_HIDDEN: Role.REVIEWER,
    Action.PROTECT: Role.ADMIN,
    Action.SUPPRESS: Role.ADMIN,
    Action.SEE_SUPPRESSED: Role.ADMIN,
    Action.BLOCK: Role.ADMIN,
    Action.SET_ROLE: Role.ADMIN,
    Action.VERIFY: Role.ADMIN,
    Action.AUDIT: Role.ADMIN,
}

# Actions that change the wiki: a blocked user may do none of them.
WRITES: Final = frozenset(MINIMUM_ROLE) - {Action.READ, Action.SEARCH, Action.SEE_HIDDEN, Action.SEE_SUPPRESSED}
# Actions limited further by an article's protection level.
PROTECTED: Final = frozenset({Action.EDIT, Action.RESTORE, Action.UNDO})


def can(actor: Actor, action: Action, article: Article | None = None) -> bool:
    """Whether ``actor`` may do ``action`` (to ``article``, where it has one)."""
    needed = MINIMUM_ROLE[action]
    if action in PROTECTED and article is not None and article.protection is not None:
        needed = max(needed, Role(article.protection))
    if actor.role < needed:
        return False
    return not (action in WRITES and actor.is_blocked())


def require(actor: Actor, action: Action, article: Article | None = None) -> None:
    """Raise unless ``actor`` may do ``action``.

    :raises Unauthorized: an anonymous visitor tried something that needs an account.
    :raises Forbidden: the actor's role, a block or the page's protection forbids it.
    """
    if can(actor, action, article):
        return
    if actor.role == Role.ANONYMOUS:
        raise Unauthorized("Log in to do this.", action=str(action))
    if action in WRITES and actor.is_blocked():
        raise Forbidden("Your account is blocked from editing.", action=str(action))
    if action in PROTECTED and article is not None and actor.role >= MINIMUM_ROLE[action]:
        level = Role(article.protection).label
        raise Forbidden(f"This page is protected: only {level}s and up may edit it.", action=str(action))
    raise Forbidden(f"Your role may not {action.value.replace('_', ' ')}.", action=str(action))
