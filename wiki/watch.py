"""Watchlists and notifications, and their optional delivery by e-mail.

Owns the ``watches`` and ``notifications`` rows. The ``on_*`` functions are
called by the commands that change things (saving, reviewing, replying,
resolving a report) *inside their transaction*: they add rows and never
commit, so a change and the notices about it land together or not at all.
``deliver_pending`` is called by the web layer after commit; it is synchronous
and does nothing when no SMTP URL is configured.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from wiki.errors import InvalidInput
from wiki.models import (
    Article,
    Flag,
    FlagStatus,
    Notification,
    Revision,
    RevisionStatus,
    TalkPost,
    User,
    Watch,
    utcnow,
)
from wiki.permissions import Actor
from wiki.transactions import begin_write

log = logging.getLogger(__name__)

# Notification kinds (the ``kind`` column).
EDIT = "edit"
REPLY = "reply"
REVIEW = "review"
FLAG_RESOLVED = "flag_resolved"

MAX_MESSAGE = 600
SMTP_TIMEOUT = 15  # seconds
# Notifications older than this are never mailed: turning mail on must not
# send everyone a year of backlog.
MAIL_MAX_AGE = timedelta(days=2)


# ---------------------------------------------------------------- watchlists

def _insert_watch(session: Session, user_id: int, article_id: int) -> None:
    """Add a watch row unless there is one, without failing the transaction on a race."""
    values = {"user_id": user_id, "article_id": article_id, "created_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.execute(sqlite.insert(Watch).values(**values).on_conflict_do_nothing())
    elif dialect == "postgresql":
        session.execute(postgresql.insert(Watch).values(**values).on_conflict_do_nothing())
    elif not is_watching_ids(session, user_id, article_id):
        with session.begin_nested():
            session.add(Watch(**values))


def is_watching_ids(session: Session, user_id: int | None, article_id: int) -> bool:
    """Whether user ``user_id`` watches article ``article_id``."""
    if user_id is None:
        return False
    query = select(exists().where(Watch.user_id == user_id, Watch.article_id == article_id))
    return bool(session.scalar(query))


def auto_watch(session: Session, user_id: int | None, article_id: int) -> None:
    """Make the user watch the article (they edited, posted about or reported it). Does not commit."""
    if user_id is not None:
        _insert_watch(session, user_id, article_id)


def watch(session: Session, user: Actor, article: Article) -> None:
    """Add ``article`` to ``user``'s watchlist; watching twice is harmless. Commits.

    :raises InvalidInput: an anonymous visitor has no watchlist.
    """
    if user.id is None:
        raise InvalidInput("Log in to watch articles.")
    article_id = article.id
    if not (session.new or session.dirty or session.deleted):
        begin_write(session)
    # else: called inside another command's unit of work (flags.report does): join it, never
    # roll it back. Such callers should use ``auto_watch``, which does not commit.
    _insert_watch(session, user.id, article_id)
    session.commit()


def unwatch(session: Session, user: Actor, article: Article) -> None:
    """Remove ``article`` from ``user``'s watchlist. Commits."""
    if user.id is None:
        return
    article_id = article.id
    begin_write(session)
    session.execute(delete(Watch).where(Watch.user_id == user.id, Watch.article_id == article_id))
    session.commit()


def is_watching(session: Session, user: Actor, article: Article) -> bool:
    """Whether ``user`` watches ``article`` (never, for anonymous visitors)."""
    return is_watching_ids(session, user.id, article.id)


def list_watched(session: Session, user: Actor) -> Sequence[Article]:
    """The articles ``user`` watches, by title."""
    if user.id is None:
        return []
    return session.scalars(
        select(Article).join(Watch, Watch.article_id == Article.id)
        .where(Watch.user_id == user.id).order_by(Article.title)
    ).all()


def count_watchers(session: Session, article: Article) -> int:
    """How many users watch ``article``."""
    return session.scalar(select(func.count()).where(Watch.article_id == article.id)) or 0


# ---------------------------------------------------------------- notifying (inside the caller's transaction)

def _name(user: User | None) -> str:
    return user.username if user is not None else "someone"


def _clip(text: str | None, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def on_revision_saved(session: Session, revision: Revision) -> int:
    """Tell the article's watchers about ``revision`` and make its author a watcher. Does not commit.

    Called from ``revisions.after_change``, which also runs when a reviewer
    approves an older revision; a revision reviewed by someone other than its
    author is such a replay and is skipped (its edit was announced when saved),
    and nobody is told twice about the same revision. Returns how many were told.
    """
    if revision.reviewed_by_id is not None and revision.reviewed_by_id != revision.author_id:
        return 0
    auto_watch(session, revision.author_id, revision.article_id)
    already_told = select(Notification.user_id).where(
        Notification.kind == EDIT, Notification.revision_id == revision.id)
    watchers = session.scalars(
        select(Watch.user_id).where(
            Watch.article_id == revision.article_id,
            Watch.user_id != (revision.author_id or 0),
            Watch.user_id.not_in(already_told),
        )
    ).all()
    if not watchers:
        return 0
    article = session.get(Article, revision.article_id)
    author = session.get(User, revision.author_id) if revision.author_id else None
    message = f"{_name(author)} edited {article.title}"
    if revision.summary:
        message += f": {_clip(revision.summary)}"
    if revision.status == RevisionStatus.PENDING:
        message += " (awaiting review)"
    now = utcnow()
    session.execute(insert(Notification), [
        {"user_id": uid, "kind": EDIT, "article_id": revision.article_id, "revision_id": revision.id,
         "actor_id": revision.author_id, "message": message[:MAX_MESSAGE], "created_at": now}
        for uid in watchers
    ])
    return len(watchers)


def reviewed_revisions(
    session: Session, article_id: int, *, after: int | None, upto: int, status: RevisionStatus
) -> Sequence[Revision]:
    """The article's revisions with ids in (``after``, ``upto``] now in ``status``: one review's batch."""
    return session.scalars(
        select(Revision).where(
            Revision.article_id == article_id,
            Revision.id > (after or 0),
            Revision.id <= upto,
            Revision.status == status,
        ).order_by(Revision.id)
    ).all()


def on_review(
    session: Session, revisions: Iterable[Revision], reviewer: Actor, comment: str | None, approved: bool
) -> int:
    """Tell each author among ``revisions`` that a reviewer approved or rejected their edits. Does not commit.

    One notice per author (about their newest revision in the batch), with the
    reviewer's comment; reviewers are not told about their own edits. Returns how many were told.
    """
    newest: dict[int, Revision] = {}
    counts: dict[int, int] = {}
    for rev in revisions:
        if rev.author_id is None or rev.author_id == reviewer.id:
            continue
        counts[rev.author_id] = counts.get(rev.author_id, 0) + 1
        if rev.author_id not in newest or rev.id > newest[rev.author_id].id:
            newest[rev.author_id] = rev
    if not newest:
        return 0
    live = set(session.scalars(select(User.id).where(User.id.in_(newest), User.deleted_at.is_(None))))
    reviewer_name = getattr(reviewer, "username", None) or _name(session.get(User, reviewer.id))
    verdict = "approved" if approved else "rejected"
    now = utcnow()
    rows = []
    for author_id, rev in newest.items():
        if author_id not in live:
            continue
        article = session.get(Article, rev.article_id)
        edits = "your edit" if counts[author_id] == 1 else f"your {counts[author_id]} edits"
        message = f"{reviewer_name} {verdict} {edits} to {article.title}"
        if comment:
            message += f": “{_clip(comment, 400)}”"
        rows.append({"user_id": author_id, "kind": REVIEW, "article_id": rev.article_id,
                     "revision_id": rev.id, "actor_id": reviewer.id, "message": message[:MAX_MESSAGE],
                     "created_at": now})
    if rows:
        session.execute(insert(Notification), rows)
    return len(rows)


def on_flag_created(session: Session, flag: Flag) -> None:
    """Make a logged-in reporter watch the article they reported. Does not commit."""
    auto_watch(session, flag.reporter_id, flag.article_id)


def on_flag_resolved(session: Session, flag: Flag) -> bool:
    """Tell a logged-in reporter that their report was resolved or dismissed. Does not commit."""
    if flag.reporter_id is None or flag.reporter_id == flag.resolved_by_id:
        return False
    reporter = session.get(User, flag.reporter_id)
    if reporter is None or reporter.deleted_at is not None:
        return False
    article = session.get(Article, flag.article_id)
    resolver = session.get(User, flag.resolved_by_id) if flag.resolved_by_id else None
    if flag.status == FlagStatus.DISMISSED:
        message = f"Your report on {article.title} was dismissed"
    else:
        message = f"Your report on {article.title} was resolved"
        if flag.resolved_by_revision_id:
            message += f" by revision {flag.resolved_by_revision_id}"
    if resolver is not None:
        message += f" ({resolver.username})"
    if flag.resolution_note:
        message += f": {_clip(flag.resolution_note, 400)}"
    session.add(Notification(
        user_id=reporter.id, kind=FLAG_RESOLVED, article_id=flag.article_id, flag_id=flag.id,
        revision_id=flag.resolved_by_revision_id, actor_id=flag.resolved_by_id, message=message[:MAX_MESSAGE],
    ))
    return True


def on_reply(session: Session, post: TalkPost, parent: TalkPost) -> bool:
    """Tell ``parent``'s author that ``post`` replies to it (unless it is their own). Does not commit."""
    if parent.author_id is None or parent.author_id == post.author_id:
        return False
    recipient = session.get(User, parent.author_id)
    if recipient is None or recipient.deleted_at is not None:
        return False
    author = session.get(User, post.author_id) if post.author_id else None
    article = session.get(Article, post.article_id)
    message = f"{_name(author)} replied to your post on the talk page of {article.title}"
    session.add(Notification(
        user_id=recipient.id, kind=REPLY, article_id=post.article_id, talk_post_id=post.id,
        actor_id=post.author_id, message=message[:MAX_MESSAGE],
    ))
    return True


# ---------------------------------------------------------------- reading and marking

@dataclass(frozen=True)
class NotificationItem:
    """A notification with what a page needs to link it (no URLs: the views build those)."""

    id: int
    kind: str
    message: str
    created_at: datetime
    read: bool
    article_slug: str | None
    article_title: str | None
    revision_id: int | None
    parent_revision_id: int | None  # diff from here to ``revision_id``; None for a first revision
    talk_post_id: int | None
    flag_id: int | None
    actor_name: str | None


def list_notifications(
    session: Session, user: Actor, *, unread_only: bool = False, limit: int = 50, before: int | None = None
) -> list[NotificationItem]:
    """``user``'s notifications, newest first (``before`` pages by id)."""
    if user.id is None:
        return []
    actor = aliased(User)
    query = (
        select(Notification, Article.slug, Article.title, Revision.parent_id, actor.username)
        .outerjoin(Article, Article.id == Notification.article_id)
        .outerjoin(Revision, Revision.id == Notification.revision_id)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before is not None:
        query = query.where(Notification.id < before)
    return [
        NotificationItem(
            id=n.id, kind=n.kind, message=n.message, created_at=n.created_at, read=n.read_at is not None,
            article_slug=slug, article_title=title, revision_id=n.revision_id, parent_revision_id=parent_id,
            talk_post_id=n.talk_post_id, flag_id=n.flag_id, actor_name=actor_name,
        )
        for n, slug, title, parent_id, actor_name in session.execute(query)
    ]


def unread_count(session: Session, user: Actor) -> int:
    """How many of ``user``'s notifications are unread (the number in the header)."""
    if user.id is None:
        return 0
    return session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def mark_read(session: Session, user: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s notifications ``ids`` (all when None) read; return how many changed. Commits."""
    if user.id is None:
        return 0
    wanted = None if ids is None else {int(i) for i in ids}
    if wanted is not None and not wanted:
        return 0
    begin_write(session)
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if wanted is not None:
        query = query.where(Notification.id.in_(wanted))
    changed = session.execute(query.values(read_at=utcnow()),
                              execution_options={"synchronize_session": False})
    session.commit()
    return changed.rowcount


# ---------------------------------------------------------------- e-mail

@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    ssl: bool
    starttls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpSettings:
    """Read ``smtp://[user:pass@]host[:port][?starttls=1]`` or ``smtps://…``.

    :raises InvalidInput: not an smtp/smtps URL with a host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput("WIKI_SMTP_URL must look like smtp://user:pass@host:port or smtps://host:port.")
    ssl = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if ssl else 25)
    except ValueError:
        raise InvalidInput("WIKI_SMTP_URL has a bad port number.") from None
    starttls = any(p.lower() in ("starttls=1", "starttls=true", "starttls=yes")
                   for p in parts.query.split("&"))
    return SmtpSettings(
        host=parts.hostname, port=port, ssl=ssl, starttls=starttls and not ssl,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def notification_path(item: NotificationItem) -> str:
    """The site path a notification points at (CONTRACT.md's routes)."""
    if item.article_slug is None:
        return "/notifications"
    slug = quote(item.article_slug)
    if item.kind == REPLY and item.talk_post_id:
        return f"/wiki/{slug}/talk#post-{item.talk_post_id}"
    if item.revision_id and item.parent_revision_id:
        return f"/wiki/{slug}/diff?from={item.parent_revision_id}&to={item.revision_id}"
    if item.revision_id:
        return f"/wiki/{slug}?rev={item.revision_id}"
    return f"/wiki/{slug}"


def _compose(to: str, items: Sequence[NotificationItem], *, mail_from: str, site_url: str,
             site_name: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = to
    msg["Subject"] = (f"[{site_name}] {items[0].message}"[:200] if len(items) == 1
                      else f"[{site_name}] {len(items)} new notifications")
    msg["Message-ID"] = make_msgid(domain=urlsplit(site_url).hostname or None)
    base = site_url.rstrip("/")
    lines = []
    for item in items:
        lines.append(f"- {item.message}\n  {base}{notification_path(item)}")
    lines.append(f"\nAll your notifications: {base}/notifications")
    lines.append("You get these e-mails because you watch these articles or took part in them.")
    msg.set_content("\n".join(lines) + "\n")
    return msg


def deliver_pending(
    session: Session,
    smtp_url: str | None,
    mail_from: str,
    *,
    site_url: str = "",
    site_name: str = "Asclepedia",
    limit: int = 200,
    now: datetime | None = None,
) -> int:
    """E-mail unsent, unread notifications to users who gave an address; returns messages sent. Commits.

    One message per user per call. Rows are claimed (``emailed_at`` set and
    committed) before sending, so two deliverers never mail the same notice;
    if the SMTP server refuses, the claim is released for the next call.
    With no ``smtp_url`` nothing happens.

    :raises InvalidInput: ``smtp_url`` is malformed.
    """
    if not smtp_url:
        return 0
    settings = parse_smtp_url(smtp_url)
    now = now or utcnow()
    begin_write(session)
    candidates = session.execute(
        select(Notification.id, Notification.user_id)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at >= now - MAIL_MAX_AGE,
            User.email.is_not(None),
            User.email != "",
            User.deleted_at.is_(None),
        )
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    claimed: dict[int, list[int]] = {}
    for note_id, user_id in candidates:
        result = session.execute(
            update(Notification).where(Notification.id == note_id, Notification.emailed_at.is_(None))
            .values(emailed_at=now), execution_options={"synchronize_session": False})
        if result.rowcount == 1:  # compare-and-swap: another deliverer may have claimed it
            claimed.setdefault(user_id, []).append(note_id)
    session.commit()
    if not claimed:
        return 0
    delivered: set[int] = set()
    try:
        with _connect(settings) as smtp:
            for user_id, note_ids in claimed.items():
                user = session.get(User, user_id)
                wanted = set(note_ids)
                items = [i for i in list_notifications(session, user, limit=500) if i.id in wanted]
                message = _compose(user.email, items, mail_from=mail_from, site_url=site_url,
                                   site_name=site_name)
                try:
                    smtp.send_message(message)
                except smtplib.SMTPException as exc:
                    log.warning("mail to user %s refused: %s", user_id, type(exc).__name__)
                    continue
                delivered.add(user_id)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP delivery stopped: %s", type(exc).__name__)
    failed = [i for user_id, ids in claimed.items() if user_id not in delivered for i in ids]
    if failed:
        begin_write(session)
        session.execute(update(Notification).where(Notification.id.in_(failed)).values(emailed_at=None),
                        execution_options={"synchronize_session": False})
        session.commit()
    session.rollback()  # end the read transaction the composing opened
    return len(delivered)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
        if settings.starttls:
            smtp.starttls()
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp
