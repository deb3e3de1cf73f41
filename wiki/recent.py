"""Recent changes: revisions, reviews, reports and talk posts in one stream, and its Atom feed.

Owns nothing in the database: it reads the rows other modules write
(``revisions``, ``audit_events`` for reviews, ``flags``, ``talk_posts``), each
source limited and filtered in SQL, then merged newest first. ``atom_feed``
turns a list of changes into an Atom 1.0 document with the standard library.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import Integer, Select, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from wiki import articles
from wiki.models import (
    Article,
    ArticleCategory,
    AuditEvent,
    Flag,
    FlagStatus,
    Revision,
    RevisionStatus,
    Role,
    TalkPost,
    User,
    utcnow,
)
from wiki.permissions import ANONYMOUS, Action, Actor, can

KINDS = ("revision", "review", "flag", "talk")
MAX_LIMIT = 500
SUMMARY_CHARS = 300
REVIEW_ACTIONS = ("approve", "reject")
_REVISION_TARGET = "revision:"

ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 cannot carry at all; a feed containing one is not well-formed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_REVISION_VERBS = {
    "edit": "edited", "create": "created", "restore": "restored an earlier version of",
    "revert": "reverted", "rollback": "rolled back", "undo": "undid an edit to", "import": "imported",
}


@dataclass(frozen=True)
class Change:
    """One line of recent changes. No URLs: ``change_path`` or the views build them."""

    kind: str  # "revision" | "review" | "flag" | "talk"
    # revision: its kind (edit, create, revert…); review: approve/reject;
    # flag: reported/resolved/dismissed; talk: post/reply
    action: str
    created_at: datetime
    article_id: int
    article_slug: str
    article_title: str
    revision_id: int | None  # the revision made, reviewed, reported against or discussed
    parent_revision_id: int | None  # for the diff link: from here to ``revision_id``
    user_id: int | None
    user_name: str | None  # None: an anonymous visitor
    user_role: Role | None
    summary: str
    status: str  # revision: approved/pending/rejected; review: approved/rejected; flag: open/resolved/…
    size_delta: int | None
    is_dose_change: bool
    talk_post_id: int | None = None
    flag_id: int | None = None
    source_id: int = 0  # id of the row in its own table (revision, audit event, flag, post)

    @property
    def key(self) -> str:
        """A key unique across kinds, stable over time (feed entry ids, HTML anchors)."""
        return f"{self.kind}-{self.action}-{self.source_id}"

    @property
    def headline(self) -> str:
        """A one-line plain-text description: "erin edited Asthma"."""
        who = self.user_name or "An anonymous reader"
        if self.kind == "revision":
            verb = _REVISION_VERBS.get(self.action, "edited")
        elif self.kind == "review":
            verb = "approved a change to" if self.action == "approve" else "rejected changes to"
        elif self.kind == "flag":
            verb = {"reported": "reported an inaccuracy in", "resolved": "resolved a report on",
                    "dismissed": "dismissed a report on"}.get(self.action, "reported")
        else:
            verb = "replied on the talk page of" if self.action == "reply" else "posted on the talk page of"
        return f"{who} {verb} {self.article_title}"

    def to_json(self) -> dict:
        """The API's change object (CONTRACT.md's recent-changes fields plus ``kind`` and friends)."""
        return {
            "kind": self.kind, "action": self.action, "article": self.article_slug,
            "title": self.article_title,
            "revision": self.revision_id, "author": self.user_name,
            "author_role": self.user_role.label if self.user_role is not None else None,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"), "summary": self.summary,
            "status": self.status, "size_delta": self.size_delta, "is_dose_change": self.is_dose_change,
            "talk_post": self.talk_post_id, "flag": self.flag_id,
        }


@dataclass(frozen=True)
class _Filters:
    limit: int
    before: datetime | None
    category: str | None
    role: Role | None
    exclude_user_id: int | None
    user_id: int | None
    article_id: int | None
    dose_only: bool
    pending_only: bool


def _clip(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scope(query: Select, f: _Filters, *, created: object, article_col: object, user_col: object,
           role_col: object) -> Select:
    """Apply the filters every source shares."""
    if f.before is not None:
        query = query.where(created < f.before)
    if f.article_id is not None:
        query = query.where(article_col == f.article_id)
    if f.category:
        query = query.where(article_col.in_(
            select(ArticleCategory.article_id).where(ArticleCategory.slug == f.category)))
    if f.role is not None:
        query = query.where(role_col == f.role)
    if f.exclude_user_id is not None:
        query = query.where(or_(user_col.is_(None), user_col != f.exclude_user_id))
    if f.user_id is not None:
        query = query.where(user_col == f.user_id)
    return query.order_by(created.desc()).limit(f.limit)


def _revision_changes(session: Session, f: _Filters, viewer: Actor) -> list[Change]:
    see_suppressed = can(viewer, Action.SEE_SUPPRESSED)
    query = (
        select(Revision.id, Revision.parent_id, Revision.article_id, Revision.author_id, Revision.author_role,
               Revision.created_at, Revision.summary, Revision.kind, Revision.status, Revision.size_delta,
               Revision.is_dose_change, Revision.suppressed_at, Article.slug, Article.title, User.username)
        .join(Article, Article.id == Revision.article_id)
        .outerjoin(User, User.id == Revision.author_id)
    )
    if f.pending_only:
        query = query.where(Revision.status == RevisionStatus.PENDING)
    if f.dose_only:
        query = query.where(Revision.is_dose_change.is_(True))
    query = _scope(query, f, created=Revision.created_at, article_col=Revision.article_id,
                   user_col=Revision.author_id, role_col=Revision.author_role)
    changes = []
    for r in session.execute(query):
        hide = r.suppressed_at is not None and not see_suppressed
        changes.append(Change(
            kind="revision", action=str(r.kind), created_at=r.created_at, article_id=r.article_id,
            article_slug=r.slug, article_title=r.title, revision_id=r.id, parent_revision_id=r.parent_id,
            user_id=r.author_id, user_name=r.username, user_role=r.author_role,
            summary="(suppressed)" if hide else _clip(r.summary), status=str(r.status),
            size_delta=r.size_delta, is_dose_change=r.is_dose_change, source_id=r.id,
        ))
    return changes


def _review_changes(session: Session, f: _Filters) -> list[Change]:
    # Reviews are the approve/reject audit rows: one per decision (an approval accepts many
    # revisions at once). The target "revision:N" is joined by its number, so the revisions'
    # primary key does the lookup.
    reviewed_id = cast(func.substr(AuditEvent.target, len(_REVISION_TARGET) + 1), Integer)
    query = (
        select(AuditEvent.id, AuditEvent.action, AuditEvent.created_at, AuditEvent.details,
               AuditEvent.actor_id, User.username, User.role, Revision.id.label("revision_id"),
               Revision.parent_id, Revision.article_id, Revision.is_dose_change, Article.slug, Article.title)
        .join(Revision, Revision.id == reviewed_id)
        .join(Article, Article.id == Revision.article_id)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action.in_(REVIEW_ACTIONS), AuditEvent.target.like(_REVISION_TARGET + "%"))
    )
    if f.dose_only:
        query = query.where(Revision.is_dose_change.is_(True))
    query = _scope(query, f, created=AuditEvent.created_at, article_col=Revision.article_id,
                   user_col=AuditEvent.actor_id, role_col=User.role)
    return [
        Change(
            kind="review", action=r.action, created_at=r.created_at, article_id=r.article_id,
            article_slug=r.slug, article_title=r.title, revision_id=r.revision_id,
            parent_revision_id=r.parent_id, user_id=r.actor_id, user_name=r.username, user_role=r.role,
            summary=_clip((r.details or {}).get("comment")),
            status="approved" if r.action == "approve" else "rejected",
            size_delta=None, is_dose_change=r.is_dose_change, source_id=r.id,
        )
        for r in session.execute(query)
    ]


def _flag_changes(session: Session, f: _Filters, viewer: Actor, *, include_closures: bool) -> list[Change]:
    # A report's reason is shown to reviewers (and the reporter); the public sees that a report was made.
    see_reasons = can(viewer, Action.RESOLVE_FLAG)
    reporter = aliased(User)
    resolver = aliased(User)
    filed = (
        select(Flag.id, Flag.article_id, Flag.revision_id, Flag.reporter_id, Flag.reason, Flag.created_at,
               Flag.status, Article.slug, Article.title, reporter.username, reporter.role)
        .join(Article, Article.id == Flag.article_id)
        .outerjoin(reporter, reporter.id == Flag.reporter_id)
    )
    filed = _scope(filed, f, created=Flag.created_at, article_col=Flag.article_id, user_col=Flag.reporter_id,
                   role_col=reporter.role)
    changes = []
    for r in session.execute(filed):
        own = viewer.id is not None and viewer.id == r.reporter_id
        changes.append(Change(
            kind="flag", action="reported", created_at=r.created_at, article_id=r.article_id,
            article_slug=r.slug, article_title=r.title, revision_id=r.revision_id, parent_revision_id=None,
            user_id=r.reporter_id, user_name=r.username, user_role=r.role,
            summary=_clip(r.reason) if (see_reasons or own) else "Reported a possible inaccuracy",
            status=str(r.status), size_delta=None, is_dose_change=False, flag_id=r.id, source_id=r.id,
        ))
    if not include_closures:
        return changes
    closed = (
        select(Flag.id, Flag.article_id, Flag.resolved_by_revision_id, Flag.resolved_by_id, Flag.resolved_at,
               Flag.resolution_note, Flag.reporter_id, Flag.status, Revision.parent_id, Article.slug,
               Article.title, resolver.username, resolver.role)
        .join(Article, Article.id == Flag.article_id)
        .outerjoin(resolver, resolver.id == Flag.resolved_by_id)
        .outerjoin(Revision, Revision.id == Flag.resolved_by_revision_id)
        .where(Flag.resolved_at.is_not(None), Flag.status != FlagStatus.OPEN)
    )
    closed = _scope(closed, f, created=Flag.resolved_at, article_col=Flag.article_id,
                    user_col=Flag.resolved_by_id, role_col=resolver.role)
    for r in session.execute(closed):
        own = viewer.id is not None and viewer.id == r.reporter_id
        action = "dismissed" if r.status == FlagStatus.DISMISSED else "resolved"
        changes.append(Change(
            kind="flag", action=action, created_at=r.resolved_at, article_id=r.article_id,
            article_slug=r.slug, article_title=r.title, revision_id=r.resolved_by_revision_id,
            parent_revision_id=r.parent_id, user_id=r.resolved_by_id, user_name=r.username, user_role=r.role,
            summary=_clip(r.resolution_note) if (see_reasons or own) else "",
            status=str(r.status), size_delta=None, is_dose_change=False, flag_id=r.id, source_id=r.id,
        ))
    return changes


def _post_excerpt(text: str) -> str:
    # Skip the quoted revision a "discuss this change" thread opens with.
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return _clip(" ".join(lines))


def _talk_changes(session: Session, f: _Filters, viewer: Actor) -> list[Change]:
    see_hidden = can(viewer, Action.SEE_HIDDEN)
    query = (
        select(TalkPost.id, TalkPost.article_id, TalkPost.parent_id, TalkPost.author_id, TalkPost.author_role,
               TalkPost.revision_id, TalkPost.subject, TalkPost.text, TalkPost.created_at, TalkPost.hidden_at,
               Article.slug, Article.title, User.username)
        .join(Article, Article.id == TalkPost.article_id)
        .outerjoin(User, User.id == TalkPost.author_id)
    )
    if not see_hidden:
        query = query.where(TalkPost.hidden_at.is_(None))
    query = _scope(query, f, created=TalkPost.created_at, article_col=TalkPost.article_id,
                   user_col=TalkPost.author_id, role_col=TalkPost.author_role)
    return [
        Change(
            kind="talk", action="reply" if r.parent_id else "post", created_at=r.created_at,
            article_id=r.article_id, article_slug=r.slug, article_title=r.title, revision_id=r.revision_id,
            parent_revision_id=None, user_id=r.author_id, user_name=r.username, user_role=r.author_role,
            summary=_clip(r.subject) if r.subject else _post_excerpt(r.text),
            status="hidden" if r.hidden_at is not None else "visible", size_delta=None,
            is_dose_change=False, talk_post_id=r.id, source_id=r.id,
        )
        for r in session.execute(query)
    ]


def list_changes(
    session: Session,
    *,
    limit: int = 50,
    before: datetime | None = None,
    pending_only: bool = False,
    category: str | None = None,
    role: Role | str | None = None,
    exclude_user_id: int | None = None,
    dose_only: bool = False,
    article_id: int | None = None,
    user_id: int | None = None,
    kinds: Collection[str] | None = None,
    include_closures: bool = True,
    viewer: Actor = ANONYMOUS,
) -> list[Change]:
    """Recent revisions, reviews, reports and talk posts, newest first.

    ``before`` pages by time (pass the last change's ``created_at``).
    ``pending_only`` keeps unreviewed revisions only; ``dose_only`` keeps
    revisions (and reviews of revisions) that change a dose or number.
    ``category`` is a category name or slug; ``role`` the acting user's role.
    ``user_id`` keeps what one user did (contributor pages); ``kinds``
    limits the sources; ``include_closures`` False leaves out reports being
    resolved or dismissed (only reports being filed).
    ``viewer`` decides what text is shown: report reasons to reviewers,
    hidden posts to those who may see them, suppressed summaries to admins.

    :raises ValueError: an unknown role or kind.
    """
    if isinstance(role, str):
        role = Role.parse(role)
    wanted = set(KINDS if kinds is None else kinds)
    if wanted - set(KINDS):
        raise ValueError(f"unknown kinds {sorted(wanted - set(KINDS))}; known: {', '.join(KINDS)}")
    if pending_only:
        wanted &= {"revision"}
    if dose_only:
        wanted &= {"revision", "review"}
    f = _Filters(
        limit=max(1, min(int(limit), MAX_LIMIT)), before=before,
        category=articles.slugify(category) if category else None, role=role,
        exclude_user_id=exclude_user_id, user_id=user_id, article_id=article_id,
        dose_only=dose_only, pending_only=pending_only,
    )
    changes: list[Change] = []
    if "revision" in wanted:
        changes += _revision_changes(session, f, viewer)
    if "review" in wanted:
        changes += _review_changes(session, f)
    if "flag" in wanted:
        changes += _flag_changes(session, f, viewer, include_closures=include_closures)
    if "talk" in wanted:
        changes += _talk_changes(session, f, viewer)
    order = {kind: i for i, kind in enumerate(KINDS)}
    # Newest first; on equal times a review follows (sorts after) what it reviewed.
    changes.sort(key=lambda c: (c.created_at, -order[c.kind], c.source_id), reverse=True)
    return changes[: f.limit]


# ---------------------------------------------------------------- links and the feed

def change_path(change: Change) -> str:
    """The site path a change points at (CONTRACT.md's routes): a diff, a talk post or the article."""
    slug = quote(change.article_slug)
    if change.kind == "talk" and change.talk_post_id:
        return f"/wiki/{slug}/talk#post-{change.talk_post_id}"
    if change.revision_id and change.parent_revision_id:
        return f"/wiki/{slug}/diff?from={change.parent_revision_id}&to={change.revision_id}"
    if change.revision_id:
        return f"/wiki/{slug}?rev={change.revision_id}"
    return f"/wiki/{slug}"


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def _rfc3339(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def atom_feed(
    changes: Sequence[Change],
    *,
    title: str,
    feed_url: str,
    site_url: str,
    link_for: Callable[[Change], str] = change_path,
    updated: datetime | None = None,
    site_name: str = "Asclepedia",
) -> str:
    """An Atom 1.0 document (RFC 4287) listing ``changes``; links are ``site_url`` + ``link_for(change)``."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _xml_text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = _xml_text(text)
        return el

    base = site_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", feed_url)
    sub(feed, "title", title, type="text")
    newest = max((c.created_at for c in changes), default=None)
    sub(feed, "updated", _rfc3339(updated or newest or utcnow()))
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=base + "/recent")
    author = sub(feed, "author")
    sub(author, "name", site_name)
    sub(feed, "generator", site_name)
    for change in changes:
        entry = sub(feed, "entry")
        sub(entry, "id", uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/recent#{change.key}").urn)
        sub(entry, "title", change.headline, type="text")
        sub(entry, "updated", _rfc3339(change.created_at))
        sub(entry, "published", _rfc3339(change.created_at))
        sub(entry, "link", rel="alternate", type="text/html", href=base + link_for(change))
        who = sub(entry, "author")
        sub(who, "name", change.user_name or "anonymous")
        sub(entry, "category", term=change.kind)
        details = [change.summary] if change.summary else []
        details.append(f"Status: {change.status}.")
        if change.size_delta is not None:
            details.append(f"Size change: {change.size_delta:+d} characters.")
        if change.is_dose_change:
            details.append("Changes a dose or number.")
        sub(entry, "summary", " ".join(details), type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
