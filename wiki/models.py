"""The tables: typed SQLAlchemy 2 models and the enums they carry.

Data only: no queries, no rendering, no ``url_for``. Schema changes go through
Alembic (``migrations/``). Revisions are append-only: after insert only their
review fields, suppression and the cached ``html`` ever change.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime; refuses naive datetimes rather than guess a zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        # SQLite hands back naive datetimes; they were stored as UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(enum.IntEnum):
    """Roles, least to most. ``ANONYMOUS`` is never stored: it is a visitor."""

    ANONYMOUS = 0
    EDITOR = 1
    CLINICIAN = 2
    REVIEWER = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            role = cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown role {name!r}; known: editor, clinician, reviewer, admin") from None
        if role is cls.ANONYMOUS:
            raise ValueError("'anonymous' is not a role a user can have")
        return role


class RoleType(TypeDecorator[Role]):
    """Stores a ``Role`` as its lowercase name, CONTRACT.md's word for it."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Role | None, dialect: Any) -> str | None:
        return None if value is None else Role(value).label

    def process_result_value(self, value: str | None, dialect: Any) -> Role | None:
        return None if value is None else Role[value.upper()]


class RevisionStatus(enum.StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REJECTED = "rejected"


class RevisionKind(enum.StrEnum):
    EDIT = "edit"
    CREATE = "create"
    RESTORE = "restore"
    REVERT = "revert"
    ROLLBACK = "rollback"
    UNDO = "undo"
    IMPORT = "import"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


def _str_enum(enum_cls: type[enum.StrEnum]) -> Any:
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        length=16,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


def version_table_options(connection: Any) -> dict[str, Any]:
    """Return the Alembic options that place its version table beside the tables.

    On PostgreSQL that is the schema the tables go to (the first on
    search_path), so a wiki in its own schema is never mistaken for one that
    another schema on the path already holds. Used by the migrations and by
    the check that the schema is current, which must look in the same place.
    """
    if connection.dialect.name != "postgresql":
        return {}
    return {"version_table_schema": connection.exec_driver_sql("SELECT current_schema()").scalar()}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    username_key: Mapped[str] = mapped_column(String(40), unique=True)  # case-folded
    display_name: Mapped[str | None] = mapped_column(String(80))
    bio: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(RoleType, default=Role.EDITOR)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    credential: Mapped[str | None] = mapped_column(String(120))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    blocked_until: Mapped[datetime | None]
    block_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    # Bumped on password change or account deletion: old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=0)

    verified_by: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[verified_by_id])

    @property
    def is_verified_clinician(self) -> bool:
        return self.role >= Role.CLINICIAN and self.verified_at is not None and bool(self.credential)

    def is_blocked(self, now: datetime | None = None) -> bool:
        if self.blocked_until is None:
            return False
        return self.blocked_until > (now or utcnow())

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    latest_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True, name="fk_articles_latest_revision_id_revisions")
    )
    stable_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", use_alter=True, name="fk_articles_stable_revision_id_revisions")
    )
    # The least role that may edit: editor (anyone registered), clinician, reviewer.
    protection: Mapped[Role] = mapped_column(RoleType, default=Role.EDITOR)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    latest_revision: Mapped[Revision | None] = relationship(foreign_keys=[latest_revision_id], post_update=True)
    stable_revision: Mapped[Revision | None] = relationship(foreign_keys=[stable_revision_id], post_update=True)
    aliases: Mapped[list[ArticleAlias]] = relationship(back_populates="article", cascade="all, delete-orphan")
    codes: Mapped[list[ArticleCode]] = relationship(back_populates="article", cascade="all, delete-orphan")
    categories: Mapped[list[ArticleCategory]] = relationship(
        back_populates="article", cascade="all, delete-orphan"
    )


class ArticleAlias(Base):
    """An alias from the front matter of the revision readers see; ``/wiki/<alias slug>`` redirects."""

    __tablename__ = "article_aliases"
    __table_args__ = (UniqueConstraint("article_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), index=True)

    article: Mapped[Article] = relationship(back_populates="aliases")


class ArticleCode(Base):
    """An ICD-10 code from the front matter of the revision readers see."""

    __tablename__ = "article_codes"
    __table_args__ = (UniqueConstraint("article_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), index=True)

    article: Mapped[Article] = relationship(back_populates="codes")


class ArticleCategory(Base):
    """A category from the front matter of the revision readers see."""

    __tablename__ = "article_categories"
    __table_args__ = (UniqueConstraint("article_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), index=True)

    article: Mapped[Article] = relationship(back_populates="categories")


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (
        Index("ix_revisions_article_id_id", "article_id", "id"),
        Index("ix_revisions_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    author_role: Mapped[Role] = mapped_column(RoleType)  # the role when the edit was made
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[RevisionKind] = mapped_column(_str_enum(RevisionKind), default=RevisionKind.EDIT)
    status: Mapped[RevisionStatus] = mapped_column(_str_enum(RevisionStatus), default=RevisionStatus.PENDING)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(default=0)  # characters
    size_delta: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    storage: Mapped[str] = mapped_column(String(8))  # "full" or "delta" (against parent)
    delta_depth: Mapped[int] = mapped_column(default=0)  # deltas since the last full copy
    content: Mapped[bytes] = mapped_column(LargeBinary)
    warnings: Mapped[list[Any]] = mapped_column(default=list)  # EditWarning.to_json() each
    is_dose_change: Mapped[bool] = mapped_column(default=False)
    # For restore/undo/rollback/revert: the revision it brought back or undid.
    source_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    suppressed_at: Mapped[datetime | None]
    suppressed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    suppression_reason: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship(foreign_keys=[article_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class RenderedRevision(Base):
    """A revision's rendered HTML, kept while it is an article's stable or latest revision.

    Rendered once at save (and again when its red links turn blue); older
    revisions lose theirs and are rendered when someone opens them
    (``revisions.html_for``), so a thousand edits keep two rendered pages, not
    a thousand.
    """

    __tablename__ = "rendered_revisions"

    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    html: Mapped[str] = mapped_column(Text)
    toc: Mapped[str] = mapped_column(Text, default="")


class Link(Base):
    """A wiki link in an article's latest text, so red links and "what links here" need no parsing."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("from_article_id", "to_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    to_slug: Mapped[str] = mapped_column(String(220), index=True)


class Flag(Base):
    """An inaccuracy report."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[FlagStatus] = mapped_column(_str_enum(FlagStatus), default=FlagStatus.OPEN, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_by_revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])


class TalkPost(Base):
    __tablename__ = "talk_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("talk_posts.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_role: Mapped[Role] = mapped_column(RoleType)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))  # "discuss this change"
    subject: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    article: Mapped[Article] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class Watch(Base):
    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("user_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # edit, reply, review, flag_resolved
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    talk_post_id: Mapped[int | None] = mapped_column(ForeignKey("talk_posts.id"))
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("flags.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]


class ApiToken(Base):
    """An API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(240))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


class IndexOutbox(Base):
    """An article whose search entry must be refreshed; deleted once indexed."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(index=True)  # no FK: a deleted article must be unindexed
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
