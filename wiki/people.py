"""Contributors: their public pages, their profile fields, exporting and deleting their data.

Owns what a user may say about themselves (display name, bio) and the two
data-protection commands: ``export_user_data`` (everything we hold about a
user, as JSON-able data) and ``delete_account`` (personal data scrubbed; the
user's revisions and talk posts stay, attributed to a placeholder name, so
history is never rewritten). The lists on a contributor page come from
``wiki.recent`` filtered to one user.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from wiki import accounts, audit, recent
from wiki.errors import Conflict, Forbidden, InvalidInput
from wiki.models import (
    ApiToken,
    Article,
    AuditEvent,
    Flag,
    Notification,
    Revision,
    Role,
    TalkPost,
    User,
    Watch,
    utcnow,
)
from wiki.permissions import ANONYMOUS, Action, Actor, can
from wiki.transactions import begin_write

MAX_DISPLAY_NAME = 80
MAX_BIO = 1000
PLACEHOLDER_PREFIX = "deleted-user-"
# Audit detail keys that hold a person's own data (a credential names their profession).
_PERSONAL_AUDIT_KEYS = frozenset({"credential"})


def _iso(when: datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None


def _self_or_admin(actor: Actor, user: User, what: str) -> None:
    if actor.id is not None and actor.id == user.id and user.deleted_at is None:
        if actor.is_blocked() and what == "edit":
            raise Forbidden("Your account is blocked: you cannot change your profile now.")
        return
    if can(actor, Action.SET_ROLE):  # the admin-only row of the permissions table
        return
    raise Forbidden(f"Only the account holder or an admin may {what} this account.")


# ---------------------------------------------------------------- contributor page

@dataclass(frozen=True)
class Profile:
    """What ``/user/<name>`` shows. Lists are newest first and limited; counts are totals."""

    user: User
    username: str
    shown_name: str
    bio: str | None
    role: Role
    credential: str | None  # only when verified by an admin
    verified_at: datetime | None
    joined_at: datetime
    deleted: bool
    contributions_count: int
    reviews_count: int
    reports_count: int
    talk_posts_count: int
    contributions: list[recent.Change]
    reviews: list[recent.Change]
    reports: list[recent.Change]
    talk_posts: list[recent.Change]


def profile(session: Session, user: User, *, viewer: Actor = ANONYMOUS, limit: int = 20) -> Profile:
    """A contributor page for ``user`` as ``viewer`` may see it."""
    see_hidden = can(viewer, Action.SEE_HIDDEN)
    talk_count = select(func.count()).where(TalkPost.author_id == user.id)
    if not see_hidden:
        talk_count = talk_count.where(TalkPost.hidden_at.is_(None))

    def changes(kind: str) -> list[recent.Change]:
        return recent.list_changes(session, user_id=user.id, kinds={kind}, limit=limit, viewer=viewer,
                                   include_closures=False)

    return Profile(
        user=user,
        username=user.username,
        shown_name=user.shown_name,
        bio=user.bio,
        role=user.role,
        credential=user.credential if user.is_verified_clinician else None,
        verified_at=user.verified_at if user.is_verified_clinician else None,
        joined_at=user.created_at,
        deleted=user.deleted_at is not None,
        contributions_count=session.scalar(select(func.count()).where(Revision.author_id == user.id)) or 0,
        reviews_count=session.scalar(select(func.count()).where(
            AuditEvent.actor_id == user.id, AuditEvent.action.in_(recent.REVIEW_ACTIONS))) or 0,
        reports_count=session.scalar(select(func.count()).where(Flag.reporter_id == user.id)) or 0,
        talk_posts_count=session.scalar(talk_count) or 0,
        contributions=changes("revision"),
        reviews=changes("review"),
        reports=changes("flag"),
        talk_posts=changes("talk"),
    )


def _clean_line(value: object, field: str, maximum: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"The {field.replace('_', ' ')} must be text.", field=field)
    value = " ".join(value.split())
    what = field.replace("_", " ")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value):
        raise InvalidInput(f"The {what} contains invisible or control characters.", field=field)
    if len(value) > maximum:
        raise InvalidInput(f"The {what} may be at most {maximum} characters.", field=field)
    return value or None


def _clean_bio(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("The bio must be text.", field="bio")
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in value):
        raise InvalidInput("The bio contains control characters.", field="bio")
    if len(value) > MAX_BIO:
        raise InvalidInput(f"The bio may be at most {MAX_BIO} characters.", field="bio")
    return value or None


_KEEP: Any = object()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_email(email: str | None) -> str | None:
    """A plausible e-mail address (for notifications), or None when empty.

    :raises InvalidInput: not shaped like an address.
    """
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("That does not look like an e-mail address (name@example.org).", field="email")
    return email


def update_profile(session: Session, user: User, *, display_name: str | None, bio: str | None,
                   actor: Actor, email: str | None = _KEEP) -> User:
    """Set ``user``'s display name, short bio and (when given) notification e-mail; empty clears them. Commits.

    A display name may not be another user's username, so nobody can pass as someone else.
    The e-mail address is private: it is used only to send notifications.

    :raises Forbidden: ``actor`` is neither the user nor an admin, or the user is blocked.
    :raises InvalidInput: too long, or holding control characters.
    :raises Conflict: the display name is another user's username.
    """
    _self_or_admin(actor, user, "edit")
    name = _clean_line(display_name, "display_name", MAX_DISPLAY_NAME)
    text = _clean_bio(bio)
    address = _KEEP if email is _KEEP else clean_email(email)
    user_id = user.id
    begin_write(session)
    user = session.get(User, user_id)
    if name is not None:
        other = accounts.find_user(session, name) if len(name) <= 40 else None
        if other is not None and other.id != user.id:
            session.rollback()
            raise Conflict("That display name is another user's username; choose another.",
                           field="display_name")
    user.display_name = name
    user.bio = text
    if address is not _KEEP:
        user.email = address
    session.commit()
    return user


# ---------------------------------------------------------------- data protection

def export_user_data(session: Session, user: User, *, actor: Actor) -> dict[str, Any]:
    """Everything held about ``user``, as JSON-able data (no password hash, no token hashes).

    :raises Forbidden: ``actor`` is neither the user nor an admin.
    """
    _self_or_admin(actor, user, "export")
    revs = session.execute(
        select(Revision.id, Revision.created_at, Revision.summary, Revision.kind, Revision.status,
               Revision.size, Revision.size_delta, Article.slug, Article.title)
        .join(Article, Article.id == Revision.article_id)
        .where(Revision.author_id == user.id).order_by(Revision.id)
    ).all()
    posts = session.execute(
        select(TalkPost, Article.slug).join(Article, Article.id == TalkPost.article_id)
        .where(TalkPost.author_id == user.id).order_by(TalkPost.id)
    ).all()
    flags = session.execute(
        select(Flag, Article.slug).join(Article, Article.id == Flag.article_id)
        .where(Flag.reporter_id == user.id).order_by(Flag.id)
    ).all()
    watches = session.execute(
        select(Watch.created_at, Article.slug, Article.title).join(Article, Article.id == Watch.article_id)
        .where(Watch.user_id == user.id).order_by(Article.title)
    ).all()
    notes = session.scalars(select(Notification).where(Notification.user_id == user.id)
                            .order_by(Notification.id)).all()
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()
    return {
        "format": "asclepedia-user-export/1",
        "exported_at": _iso(utcnow()),
        "account": {
            "id": user.id, "username": user.username, "display_name": user.display_name, "bio": user.bio,
            "email": user.email, "role": user.role.label, "credential": user.credential,
            "verified_at": _iso(user.verified_at), "created_at": _iso(user.created_at),
            "blocked_until": _iso(user.blocked_until), "block_reason": user.block_reason,
            "deleted_at": _iso(user.deleted_at),
        },
        "revisions": [
            {"id": r.id, "article": r.slug, "title": r.title, "created_at": _iso(r.created_at),
             "summary": r.summary, "kind": str(r.kind), "status": str(r.status), "size": r.size,
             "size_delta": r.size_delta}
            for r in revs
        ],
        "talk_posts": [
            {"id": p.id, "article": slug, "parent_id": p.parent_id, "revision_id": p.revision_id,
             "subject": p.subject, "text": p.text, "created_at": _iso(p.created_at),
             "edited_at": _iso(p.edited_at), "hidden": p.hidden_at is not None}
            for p, slug in posts
        ],
        "flags": [
            {"id": fl.id, "article": slug, "revision_id": fl.revision_id, "reason": fl.reason,
             "excerpt": fl.excerpt, "status": str(fl.status), "created_at": _iso(fl.created_at),
             "resolved_at": _iso(fl.resolved_at), "resolution_note": fl.resolution_note}
            for fl, slug in flags
        ],
        "watches": [{"article": w.slug, "title": w.title, "since": _iso(w.created_at)} for w in watches],
        "notifications": [
            {"id": n.id, "kind": n.kind, "message": n.message, "created_at": _iso(n.created_at),
             "read_at": _iso(n.read_at), "emailed_at": _iso(n.emailed_at)}
            for n in notes
        ],
        "api_tokens": [
            {"label": t.label, "created_at": _iso(t.created_at), "last_used_at": _iso(t.last_used_at)}
            for t in tokens
        ],
    }


def _placeholder(session: Session, user: User) -> str:
    name = f"{PLACEHOLDER_PREFIX}{user.id}"
    taken = session.scalar(select(User.id).where(User.username_key == name))
    if taken is not None and taken != user.id:
        # Someone registered the placeholder name for themselves; stay unique anyway.
        name = f"{name}-{secrets.token_hex(3)}"
    return name


def delete_account(session: Session, user: User, *, actor: Actor) -> str:
    """Delete ``user``'s account: scrub their personal data, keep their contributions. Commits.

    The username becomes ``deleted-user-<id>``; display name, bio, e-mail,
    credential, password hash and block reason are cleared; API tokens,
    watches and notifications are deleted; every session ends. Revisions,
    talk posts and reports stay, attributed to the placeholder. Notices
    other users got that name the user, and audit targets naming them, are
    rewritten to the placeholder. Audited. Returns the placeholder name.

    :raises Forbidden: ``actor`` is neither the user nor an admin.
    :raises Conflict: the account is already deleted.
    """
    _self_or_admin(actor, user, "delete")
    if user.deleted_at is not None:
        raise Conflict("This account is already deleted.")
    user_id = user.id
    begin_write(session)
    user = session.get(User, user_id, populate_existing=True)
    old = user.username
    placeholder = _placeholder(session, user)
    user.username = placeholder
    user.username_key = placeholder
    user.display_name = user.bio = user.email = user.credential = user.password_hash = None
    user.verified_at = user.verified_by_id = None
    user.block_reason = None
    user.blocked_until = None
    user.deleted_at = utcnow()
    user.session_version += 1
    for model in (ApiToken, Watch, Notification):
        session.execute(delete(model).where(model.user_id == user_id))
    _rename_in_notifications(session, user_id, old, placeholder)
    _rename_in_audit(session, old, placeholder)
    audit.record(session, actor.id, "delete_account", f"user:{placeholder}", by_self=actor.id == user_id)
    session.commit()
    return placeholder


def _rename_in_notifications(session: Session, user_id: int, old: str, new: str) -> None:
    # The messages are written by wiki.watch with the actor's name first ("erin edited …")
    # or, for closed reports, in brackets at the end ("… (erin): note").
    for note in session.scalars(select(Notification).where(Notification.actor_id == user_id)):
        if note.message.startswith(old + " "):
            note.message = new + note.message[len(old):]
        note.message = note.message.replace(f"({old})", f"({new})")


def _rename_in_audit(session: Session, old: str, new: str) -> None:
    session.execute(update(AuditEvent).where(AuditEvent.target == f"user:{old}").values(target=f"user:{new}"),
                    execution_options={"synchronize_session": False})
    for event in session.scalars(select(AuditEvent).where(AuditEvent.target == f"user:{new}")):
        if _PERSONAL_AUDIT_KEYS & set(event.details or {}):
            event.details = {k: v for k, v in event.details.items() if k not in _PERSONAL_AUDIT_KEYS}
