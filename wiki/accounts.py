"""Accounts: creating users, passwords, roles, clinician verification, blocks, API tokens.

No Flask imports (``wiki.auth`` wires flask-login and bearer tokens on top).
Commands end in one commit and say so.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from wiki import audit
from wiki.errors import Conflict, InvalidInput, NotFound
from wiki.models import ApiToken, Role, User, utcnow
from wiki.permissions import Action, Actor, require

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
TOKEN_PREFIX = "wk_"  # noqa: S105 - a prefix, not a secret
# A hash to check against when the user does not exist, so a login for an
# unknown name takes as long as one for a known name.
_DUMMY_HASH = generate_password_hash("not a password", method="pbkdf2:sha256:1000")


def username_key(username: str) -> str:
    return username.strip().casefold()


def validate_username(username: str) -> str:
    name = (username or "").strip()
    if not USERNAME.match(name):
        raise InvalidInput(
            "A username is 3 to 40 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.",
            field="username",
        )
    return name


def validate_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"The password needs at least {MIN_PASSWORD} characters.", field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput("The password is too long.", field="password")
    return password


def find_user(session: Session, username: str) -> User | None:
    """The user called ``username`` (case-insensitively), or None."""
    return session.scalar(select(User).where(User.username_key == username_key(username or "")))


def get_user(session: Session, username: str) -> User:
    """The user called ``username``.

    :raises NotFound: there is no such user.
    """
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"There is no user called {username!r}.")
    return user


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    role: Role = Role.EDITOR,
    email: str | None = None,
    hash_method: str = "scrypt",
) -> User:
    """Create a user. Commits.

    :raises InvalidInput: bad username or password.
    :raises Conflict: the name is taken.
    """
    name = validate_username(username)
    validate_password(password)
    if role == Role.ANONYMOUS:
        raise InvalidInput("'anonymous' is not a role a user can have.", field="role")
    if find_user(session, name) is not None:
        raise Conflict(f"The username {name!r} is taken.", field="username")
    user = User(
        username=name,
        username_key=username_key(name),
        role=role,
        email=(email or None),
        password_hash=generate_password_hash(password, method=hash_method),
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"The username {name!r} is taken.", field="username") from None
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (same cost either way)."""
    user = find_user(session, username or "")
    if user is None or user.deleted_at is not None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def set_password(session: Session, user: User, password: str, *, hash_method: str = "scrypt") -> None:
    """Change ``user``'s password and end their other sessions. Commits."""
    validate_password(password)
    user.password_hash = generate_password_hash(password, method=hash_method)
    user.session_version += 1
    session.commit()


def set_role(session: Session, user: User, role: Role, *, actor: Actor | None) -> None:
    """Give ``user`` the role ``role``. ``actor`` None means the command line. Commits."""
    if actor is not None:
        require(actor, Action.SET_ROLE)
    if role == Role.ANONYMOUS:
        raise InvalidInput("'anonymous' is not a role a user can have.", field="role")
    old = user.role
    user.role = role
    if role < Role.CLINICIAN:
        user.verified_at = None
        user.verified_by_id = None
    audit.record(session, actor.id if actor else None, "set_role", f"user:{user.username}",
                 old=old.label, new=role.label)
    session.commit()


def verify_clinician(session: Session, user: User, credential: str, *, actor: Actor) -> None:
    """Record ``user``'s verified credential ("RN, oncology") and make them a clinician at least. Commits."""
    require(actor, Action.VERIFY)
    credential = " ".join((credential or "").split())
    if not credential or len(credential) > 120:
        raise InvalidInput("Give the credential, e.g. 'MD, cardiology' (at most 120 characters).",
                           field="credential")
    user.credential = credential
    user.verified_at = utcnow()
    user.verified_by_id = actor.id
    if user.role < Role.CLINICIAN:
        user.role = Role.CLINICIAN
    audit.record(session, actor.id, "verify_clinician", f"user:{user.username}", credential=credential)
    session.commit()


def block(session: Session, user: User, *, until: datetime, reason: str, actor: Actor) -> None:
    """Block ``user`` from editing and posting until ``until``. Commits."""
    require(actor, Action.BLOCK)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Give a reason for the block.", field="reason")
    if until.tzinfo is None:
        raise InvalidInput("The block's end needs a time zone.", field="until")
    if until <= utcnow():
        raise InvalidInput("The block must end in the future.", field="until")
    if user.id == actor.id:
        raise InvalidInput("You cannot block yourself.")
    user.blocked_until = until
    user.block_reason = reason
    audit.record(session, actor.id, "block", f"user:{user.username}", until=until.isoformat(), reason=reason)
    session.commit()


def unblock(session: Session, user: User, *, actor: Actor) -> None:
    """Lift ``user``'s block. Commits."""
    require(actor, Action.BLOCK)
    user.blocked_until = None
    user.block_reason = None
    audit.record(session, actor.id, "unblock", f"user:{user.username}")
    session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, *, label: str = "") -> str:
    """Make a new API token for ``user`` and return it; only its hash is kept. Commits."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), label=(label or "")[:120]))
    session.commit()
    return token


def find_user_by_token(session: Session, token: str) -> User | None:
    """The live user whose API token this is, or None."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.user.deleted_at is not None:
        return None
    return row.user


def list_users(session: Session, *, role: Role | None = None) -> Sequence[User]:
    query = select(User).where(User.deleted_at.is_(None)).order_by(User.username_key)
    if role is not None:
        query = query.where(User.role == role)
    return session.scalars(query).all()
