"""Revisions: the only code that appends them, and the only code that reads their text.

``save_edit`` is the save flow of ARCHITECTURE.md: merge with whatever was
saved since the editor's base, append, move the latest (and maybe stable)
pointer by compare-and-swap, update the derived rows in the same transaction,
commit. ``restore``, ``undo`` and ``rollback`` are ordinary saves of a
computed text. Texts are stored as exact deltas against the parent with
periodic full keyframes (``wiki.textstore``) and checked against their SHA-256
whenever they are rebuilt. No Flask imports.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wiki import articles, audit, checks, merge, render, review, textstore
from wiki.errors import (
    Conflict,
    EditConflict,
    InvalidInput,
    NeedsConfirmation,
    NotFound,
    TooLarge,
    WikiError,
)
from wiki.models import (
    Article,
    ArticleAlias,
    ArticleCategory,
    ArticleCode,
    IndexOutbox,
    Link,
    RenderedRevision,
    Revision,
    RevisionKind,
    RevisionStatus,
    Role,
    User,
    utcnow,
)
from wiki.permissions import Action, Actor, can, require
from wiki.transactions import begin_write, command

MAX_RACE_RETRIES = 20
MAX_SUMMARY = 500


@dataclass(frozen=True)
class EditPolicy:
    """The site settings a save needs (from the app config; defaults for tests and the CLI)."""

    auto_approve: frozenset[Role] = frozenset({Role.REVIEWER, Role.ADMIN})
    max_article_bytes: int = 2 * 1024 * 1024


DEFAULT_POLICY = EditPolicy()


@dataclass(frozen=True)
class SaveResult:
    revision: Revision
    merged: bool = False
    warnings: list[checks.EditWarning] = field(default_factory=list)
    changed: bool = True  # False: the text was already the latest text; nothing was appended


class CorruptRevision(WikiError):
    """A stored revision does not rebuild to the text its checksum names."""

    status, code = 500, "corrupt_revision"


# ---------------------------------------------------------------- reading text

class _TextCache:
    """Rebuilt texts keyed by SHA-256: a text is determined by its hash, so entries never go stale."""

    def __init__(self, max_chars: int = 64 * 1024 * 1024) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self._chars = 0
        self._max = max_chars
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key: str, text: str) -> None:
        with self._lock:
            if key in self._items or len(text) > self._max // 4:
                return
            self._items[key] = text
            self._chars += len(text)
            while self._chars > self._max:
                _, old = self._items.popitem(last=False)
                self._chars -= len(old)


_cache = _TextCache()


def load_text(session: Session, revision: Revision | int, *, verify: bool = True, use_cache: bool = True) -> str:
    """Rebuild a revision's text from its keyframe and deltas.

    :raises CorruptRevision: the stored data does not rebuild to its checksum.
    :raises NotFound: no such revision.
    """
    rev_id = revision if isinstance(revision, int) else revision.id
    row = session.execute(
        select(Revision.id, Revision.parent_id, Revision.storage, Revision.content, Revision.sha256)
        .where(Revision.id == rev_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"There is no revision {rev_id}.")
    if use_cache and (cached := _cache.get(row.sha256)) is not None:
        return cached
    chain = [row]
    while chain[-1].storage == "delta":
        if use_cache and (cached := _cache.get(chain[-1].sha256)) is not None:
            break
        parent = session.execute(
            select(Revision.id, Revision.parent_id, Revision.storage, Revision.content, Revision.sha256)
            .where(Revision.id == chain[-1].parent_id)
        ).one_or_none()
        if parent is None:
            raise CorruptRevision(f"Revision {chain[-1].id} is a delta against a missing parent.")
        chain.append(parent)
    text: str | None = None
    for link in reversed(chain):
        if text is None and use_cache and (cached := _cache.get(link.sha256)) is not None:
            text = cached
            continue
        try:
            text = textstore.unpack(link.storage, link.content, text)
        except ValueError as exc:
            raise CorruptRevision(f"Revision {link.id} cannot be rebuilt: {exc}") from exc
        if verify and textstore.sha256(text) != link.sha256:
            raise CorruptRevision(f"Revision {link.id} does not match its checksum.", revision=link.id)
        if use_cache:
            _cache.put(link.sha256, text)
    assert text is not None
    return text


def get_revision(session: Session, revision_id: int, article: Article | None = None) -> Revision:
    """The revision ``revision_id`` (of ``article``, when given).

    :raises NotFound: no such revision (on that article).
    """
    rev = session.get(Revision, revision_id)
    if rev is None or (article is not None and rev.article_id != article.id):
        raise NotFound(f"There is no revision {revision_id}" + (f" of {article.title}." if article else "."))
    return rev


def readers_revision(session: Session, article: Article) -> Revision | None:
    """The revision anonymous readers see: the stable one, else (never reviewed) the latest."""
    rev_id = article.stable_revision_id or article.latest_revision_id
    return session.get(Revision, rev_id) if rev_id else None


def list_revisions(
    session: Session, article: Article, *, limit: int = 50, before: int | None = None
) -> Sequence[Revision]:
    """The article's revisions, newest first (``before`` pages by id)."""
    query = select(Revision).where(Revision.article_id == article.id).order_by(Revision.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Revision.id < before)
    return session.scalars(query).all()


def find_next(session: Session, revision: Revision) -> Revision | None:
    """The revision saved right after ``revision`` on the same article, or None."""
    return session.scalar(
        select(Revision)
        .where(Revision.article_id == revision.article_id, Revision.id > revision.id)
        .order_by(Revision.id)
        .limit(1)
    )


def count_revisions(session: Session, article: Article) -> int:
    return session.scalar(select(func.count()).where(Revision.article_id == article.id)) or 0


def is_text_visible(revision: Revision, actor: Actor) -> bool:
    """Whether ``actor`` may read this revision's text (suppressed text is for admins only)."""
    return revision.suppressed_at is None or can(actor, Action.SEE_SUPPRESSED)


# ---------------------------------------------------------------- saving

def clean_text(text: object, policy: EditPolicy) -> str:
    """Normalise an article text from a form or the API; refuse what cannot be stored.

    :raises InvalidInput: not text, or holds NUL / unpaired surrogates.
    :raises TooLarge: over the policy's byte limit.
    """
    if not isinstance(text, str):
        raise InvalidInput("The text must be a string.", field="text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise InvalidInput("The text contains a NUL character; remove it.", field="text")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput("The text contains invalid Unicode (an unpaired surrogate).", field="text") from None
    if size > policy.max_article_bytes:
        raise TooLarge(
            f"The text is {size:,} bytes; an article may be at most {policy.max_article_bytes:,} bytes.",
            field="text",
        )
    return text


def clean_summary(summary: object) -> str:
    if summary is None:
        return ""
    if not isinstance(summary, str):
        raise InvalidInput("The summary must be a string.", field="summary")
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"The summary is longer than {MAX_SUMMARY} characters.", field="summary")
    if "\x00" in summary:
        raise InvalidInput("The summary contains a NUL character.", field="summary")
    return summary


def link_checker(session: Session) -> Callable[[str], bool]:
    """A ``link_exists(slug)`` for the renderer: an article or an alias has that slug."""
    known: dict[str, bool] = {}

    def link_exists(slug: str) -> bool:
        if slug not in known:
            known[slug] = bool(
                session.scalar(select(exists().where(Article.slug == slug)))
                or session.scalar(select(exists().where(ArticleAlias.slug == slug)))
            )
        return known[slug]

    return link_exists


@command
def save_edit(
    session: Session,
    article_id: int,
    text: str,
    *,
    summary: str,
    author: Actor,
    base_revision_id: int | None,
    policy: EditPolicy = DEFAULT_POLICY,
    confirm_warnings: bool = False,
    kind: RevisionKind = RevisionKind.EDIT,
    source_revision_id: int | None = None,
    action: Action = Action.EDIT,
) -> SaveResult:
    """Append a revision, merging with whatever was saved since ``base_revision_id``. Commits.

    ``base_revision_id`` None means "on top of the latest, whatever it is".

    :raises Forbidden: ``author`` may not edit this article.
    :raises EditConflict: both sides changed the same or adjacent lines.
    :raises NeedsConfirmation: the added text looks like personal data and
        ``confirm_warnings`` is false (nothing is saved).
    :raises InvalidInput, TooLarge: the text or summary cannot be stored.
    """
    text = clean_text(text, policy)
    summary = clean_summary(summary)
    for _ in range(MAX_RACE_RETRIES):
        begin_write(session)
        article = _fresh_article(session, article_id, lock=True)
        require(author, action, article)
        latest = session.get(Revision, article.latest_revision_id) if article.latest_revision_id else None
        if latest is None:
            raise Conflict("This article has no revision to edit.")
        latest_text = load_text(session, latest)
        new_text, merged = _merge_with_latest(session, article, text, latest, latest_text, base_revision_id)
        if new_text == latest_text:
            session.rollback()
            return SaveResult(latest, merged=merged, warnings=[], changed=False)
        warnings = checks.check_edit(latest_text, new_text)
        if not confirm_warnings and any(w.kind == "personal_data" for w in warnings):
            session.rollback()
            raise NeedsConfirmation(
                "The text you added looks like it contains personal details. Remove them, or confirm "
                "that they are not about a real person.",
                warnings=[w.to_json() for w in warnings],
            )
        status = review.initial_status(author.role, policy.auto_approve)
        if status == RevisionStatus.APPROVED and merged and _has_pending(session, article):
            # The author never saw the pending changes this merge carries in, so
            # they cannot have reviewed them: the result waits for a reviewer.
            status = RevisionStatus.PENDING
        revision = _append(session, article, new_text, latest, latest_text, summary=summary, author=author,
                           kind=kind, status=status, warnings=warnings, source_revision_id=source_revision_id)
        if not _swap_pointer(session, article.id, "latest_revision_id", seen=latest.id, new=revision.id):
            session.rollback()  # another save won the race: start again from the new latest
            continue
        if status == RevisionStatus.APPROVED:
            review.accept_pending_up_to(session, article, revision, reviewer=author, comment=None)
            if not _swap_pointer(session, article.id, "stable_revision_id",
                                 seen=article.stable_revision_id, new=revision.id):
                session.rollback()
                continue
            article.stable_revision_id = revision.id
        article.latest_revision_id = revision.id
        after_change(session, article, revision, new_text, readers_changed=readers_changed(article, revision))
        session.commit()
        return SaveResult(revision, merged=merged, warnings=warnings)
    raise EditConflict("The article kept changing while saving; reload it and try again.",
                       current_revision=_fresh_article(session, article_id).latest_revision_id)


@command
def create_article(
    session: Session,
    title: str,
    text: str,
    *,
    summary: str,
    author: Actor,
    policy: EditPolicy = DEFAULT_POLICY,
    confirm_warnings: bool = False,
    kind: RevisionKind = RevisionKind.CREATE,
    rerender: bool = True,
) -> SaveResult:
    """Create an article with its first revision. Commits.

    ``rerender`` False skips re-rendering the pages that link to it (their red
    links stay red): a bulk import does that once at the end instead.

    :raises Conflict: an article with this title (or slug) exists.
    :raises NeedsConfirmation, InvalidInput, TooLarge, Forbidden: as for ``save_edit``.
    """
    title = articles.normalize_title(title)
    slug = articles.slugify(title)
    text = clean_text(text, policy)
    summary = clean_summary(summary)
    if not text.strip():
        raise InvalidInput("The article is empty: write its text first.", field="text")
    begin_write(session)
    require(author, Action.CREATE)
    existing = session.scalar(select(Article).where(Article.slug == slug))
    if existing is not None:
        session.rollback()
        raise Conflict(f"An article called {existing.title!r} already exists.", slug=slug)
    articles.split_front_matter(text)  # bad front matter is refused before anything is written
    warnings = checks.check_edit("", text)
    if not confirm_warnings and any(w.kind == "personal_data" for w in warnings):
        session.rollback()
        raise NeedsConfirmation(
            "The text looks like it contains personal details. Remove them, or confirm that they are "
            "not about a real person.",
            warnings=[w.to_json() for w in warnings],
        )
    now = utcnow()
    article = Article(slug=slug, title=title, created_at=now, updated_at=now)
    session.add(article)
    try:
        session.flush()
    except IntegrityError:  # another save created the same slug a moment ago
        session.rollback()
        raise Conflict(f"An article called {title!r} already exists.", slug=slug) from None
    status = review.initial_status(author.role, policy.auto_approve)
    revision = _append(session, article, text, None, None, summary=summary or "Created the article",
                       author=author, kind=kind, status=status, warnings=warnings)
    article.latest_revision_id = revision.id
    if status == RevisionStatus.APPROVED:
        article.stable_revision_id = revision.id
        revision.reviewed_by_id = author.id
        revision.reviewed_at = now
    after_change(session, article, revision, text, readers_changed=True)
    if rerender:
        rerender_linkers(session, {slug} | {a.slug for a in article.aliases})
    session.commit()
    return SaveResult(revision, warnings=warnings)


def _fresh_article(session: Session, article_id: int, *, lock: bool = False) -> Article:
    # lock: SELECT ... FOR UPDATE where the database has it (PostgreSQL), so
    # writers of one article queue instead of all doing the work and all but
    # one losing the compare-and-swap. SQLite's BEGIN IMMEDIATE already queues.
    article = session.get(Article, article_id, populate_existing=True, with_for_update=lock or None)
    if article is None:
        raise NotFound(f"There is no article {article_id}.")
    return article


def _merge_with_latest(
    session: Session, article: Article, text: str, latest: Revision, latest_text: str, base_id: int | None
) -> tuple[str, bool]:
    if base_id is None or base_id == latest.id:
        return text, False
    base = session.get(Revision, base_id)
    if base is None or base.article_id != article.id:
        raise InvalidInput(f"base_revision {base_id} is not a revision of {article.title}.",
                           field="base_revision")
    base_text = load_text(session, base)
    if text == base_text:
        return latest_text, True  # nothing of mine to add
    try:
        return merge.three_way(base_text, text, latest_text), True
    except merge.MergeConflict:
        session.rollback()
        raise EditConflict(
            "Someone saved a change to the same lines while you were editing. Your text is kept below "
            "beside the current version; combine them and save again.",
            current_revision=latest.id,
        ) from None


def _has_pending(session: Session, article: Article) -> bool:
    query = select(exists().where(
        Revision.article_id == article.id,
        Revision.status == RevisionStatus.PENDING,
        Revision.id > (article.stable_revision_id or 0),
    ))
    return bool(session.scalar(query))


def _append(
    session: Session,
    article: Article,
    text: str,
    parent: Revision | None,
    parent_text: str | None,
    *,
    summary: str,
    author: Actor,
    kind: RevisionKind,
    status: RevisionStatus,
    warnings: Sequence[checks.EditWarning],
    source_revision_id: int | None = None,
) -> Revision:
    rendered = render.render(text, link_exists=link_checker(session))
    chain = parent.delta_depth if parent is not None else 0
    storage, content = textstore.pack(text, parent_text, chain)
    now = utcnow()
    revision = Revision(
        article_id=article.id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        author_role=author.role if author.role != Role.ANONYMOUS else Role.EDITOR,
        created_at=now,
        summary=summary,
        kind=kind,
        status=status,
        size=len(text),
        size_delta=len(text) - (len(parent_text) if parent_text is not None else 0),
        sha256=textstore.sha256(text),
        storage=storage,
        delta_depth=chain + 1 if storage == "delta" else 0,
        content=content,
        warnings=[w.to_json() for w in warnings],
        is_dose_change=checks.is_dose_change(warnings),
        source_revision_id=source_revision_id,
    )
    if status == RevisionStatus.APPROVED:
        revision.reviewed_by_id = author.id
        revision.reviewed_at = now
    session.add(revision)
    session.flush()
    session.add(RenderedRevision(revision_id=revision.id, article_id=article.id, html=rendered.html,
                                 toc=rendered.toc))
    _cache.put(revision.sha256, text)
    revision.rendered_links = rendered.links  # not a column: read by after_change in this transaction
    return revision


def _swap_pointer(session: Session, article_id: int, column: str, *, seen: int | None, new: int) -> bool:
    """Compare-and-swap one of the article's revision pointers; False when another save moved it."""
    col = getattr(Article, column)
    condition = col.is_(None) if seen is None else col == seen
    values = {column: new}
    if column == "latest_revision_id":
        values["updated_at"] = utcnow()
    result = session.execute(
        update(Article).where(Article.id == article_id, condition).values(**values),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def readers_changed(article: Article, revision: Revision) -> bool:
    """Whether ``revision`` is now what anonymous readers see of ``article``."""
    return article.stable_revision_id == revision.id or article.stable_revision_id is None


def after_change(
    session: Session, article: Article, revision: Revision, text: str, *, readers_changed: bool
) -> None:
    """Update what is derived from the revisions, inside the caller's transaction.

    The link rows follow the latest text; aliases, codes and categories follow
    the text readers see; the outbox row asks the indexer to refresh the article.
    Stored HTML is kept only for the revisions an article shows (stable and
    latest): an old revision is rendered when someone opens it, so a thousand
    edits do not keep a thousand rendered pages.
    """
    if article.latest_revision_id == revision.id:
        links = getattr(revision, "rendered_links", None)
        if links is None:
            links = render.render(text, link_exists=lambda slug: True).links
        _sync_links(session, article, links)
    if readers_changed:
        sync_metadata(session, article, text)
        session.add(IndexOutbox(article_id=article.id))
    _drop_unshown_html(session, article, revision)
    from wiki import watch  # community hook: watchers hear of the change (imported late: watch is a leaf)
    watch.on_revision_saved(session, revision)


def _drop_unshown_html(session: Session, article: Article, revision: Revision) -> None:
    shown = {article.stable_revision_id, article.latest_revision_id} - {None}
    session.execute(
        delete(RenderedRevision).where(RenderedRevision.article_id == article.id,
                                       RenderedRevision.revision_id.not_in(shown))
    )


def html_for(session: Session, revision: Revision | int) -> tuple[str, str]:
    """A revision's rendered ``(html, toc)``: stored for the revisions articles show, else rendered now."""
    rev_id = revision if isinstance(revision, int) else revision.id
    stored = session.get(RenderedRevision, rev_id)
    if stored is not None:
        return stored.html, stored.toc or ""
    rendered = render.render(load_text(session, rev_id), link_exists=link_checker(session))
    return rendered.html, rendered.toc


def _sync_links(session: Session, article: Article, links: frozenset[str]) -> None:
    session.execute(delete(Link).where(Link.from_article_id == article.id))
    for slug in sorted(links):
        if slug != article.slug:
            session.add(Link(from_article_id=article.id, to_slug=slug))


def sync_metadata(session: Session, article: Article, text: str) -> None:
    """Copy aliases, ICD-10 codes and categories from ``text``'s front matter into their tables."""
    try:
        meta, _ = articles.split_front_matter(text)
    except InvalidInput:
        meta = articles.FrontMatter()
    session.execute(delete(ArticleAlias).where(ArticleAlias.article_id == article.id))
    session.execute(delete(ArticleCode).where(ArticleCode.article_id == article.id))
    session.execute(delete(ArticleCategory).where(ArticleCategory.article_id == article.id))
    session.expire(article, ["aliases", "codes", "categories"])
    seen: set[str] = set()
    for alias in meta.aliases:
        slug = articles.slugify(alias)
        if slug and slug not in seen and slug != article.slug:
            seen.add(slug)
            session.add(ArticleAlias(article_id=article.id, alias=alias[:200], slug=slug[:220]))
    for code in dict.fromkeys(meta.icd10):
        session.add(ArticleCode(article_id=article.id, code=code[:16]))
    seen = set()
    for name in meta.categories:
        slug = articles.slugify(name)
        if slug and slug not in seen:
            seen.add(slug)
            session.add(ArticleCategory(article_id=article.id, name=name[:120], slug=slug[:140]))
    session.flush()


def rerender_linkers(session: Session, slugs: set[str]) -> int:
    """Re-render the stable and latest revisions of articles linking to ``slugs`` (red links turn blue)."""
    slugs = {s for s in slugs if s}
    if not slugs:
        return 0
    article_ids = session.scalars(select(Link.from_article_id).where(Link.to_slug.in_(slugs)).distinct()).all()
    checker = link_checker(session)
    count = 0
    for linker in session.scalars(select(Article).where(Article.id.in_(article_ids))):
        for rev_id in {linker.stable_revision_id, linker.latest_revision_id} - {None}:
            rendered = render.render(load_text(session, rev_id), link_exists=checker)
            stored = session.get(RenderedRevision, rev_id)
            if stored is None:
                session.add(RenderedRevision(revision_id=rev_id, article_id=linker.id, html=rendered.html,
                                             toc=rendered.toc))
            else:
                stored.html, stored.toc = rendered.html, rendered.toc
            count += 1
    return count


# ---------------------------------------------------------------- restore, undo, rollback

@command
def restore(
    session: Session, article: Article, revision_id: int, *, author: Actor, summary: str = "",
    policy: EditPolicy = DEFAULT_POLICY,
) -> SaveResult:
    """Append a revision whose text is that of ``revision_id``. Commits."""
    old = get_revision(session, revision_id, article)
    if old.suppressed_at is not None:
        raise Conflict("That revision's text is suppressed and cannot be restored.")
    text = load_text(session, old)
    auto = f"Restored revision {old.id} by {_author_name(session, old)}"
    return save_edit(session, article.id, text, summary=_with_reason(auto, summary), author=author,
                     base_revision_id=None, policy=policy, confirm_warnings=True,
                     kind=RevisionKind.RESTORE, source_revision_id=old.id, action=Action.RESTORE)


def undo_text(session: Session, revision: Revision) -> tuple[str, int]:
    """The latest text with ``revision``'s change taken back, and the latest revision's id.

    :raises EditConflict: later edits touched the same lines.
    """
    if revision.parent_id is None:
        raise Conflict("The first revision of an article cannot be undone.")
    article = session.get(Article, revision.article_id)
    latest_text = load_text(session, article.latest_revision_id)
    try:
        text = merge.three_way(load_text(session, revision), load_text(session, revision.parent_id), latest_text)
    except merge.MergeConflict as exc:
        conflict = EditConflict(
            f"Revision {revision.id} cannot be undone cleanly: later edits changed the same lines "
            f"({len(exc.regions)} place(s)). The parts that could be undone are ready in the edit form.",
            current_revision=article.latest_revision_id,
        )
        conflict.partial_text = exc.partial  # for the edit form; not part of the JSON answer
        raise conflict from None
    return text, article.latest_revision_id


@command
def undo(
    session: Session, revision_id: int, *, author: Actor, summary: str = "", policy: EditPolicy = DEFAULT_POLICY
) -> SaveResult:
    """Append a revision that takes back ``revision_id``'s change and keeps later ones. Commits.

    :raises Conflict: the revision is the first, or later edits touched the same lines.
    """
    revision = get_revision(session, revision_id)
    article = session.get(Article, revision.article_id)
    require(author, Action.UNDO, article)
    text, latest_id = undo_text(session, revision)
    auto = f"Undid revision {revision.id} by {_author_name(session, revision)}"
    return save_edit(session, article.id, text, summary=_with_reason(auto, summary), author=author,
                     base_revision_id=latest_id, policy=policy, confirm_warnings=True,
                     kind=RevisionKind.UNDO, source_revision_id=revision.id, action=Action.UNDO)


@command
def rollback(
    session: Session, article: Article, *, author: Actor, summary: str = "", policy: EditPolicy = DEFAULT_POLICY
) -> SaveResult:
    """Undo every consecutive latest edit by the latest author, back to the last other author's text. Commits.

    :raises Conflict: the whole history is by that one author.
    """
    require(author, Action.ROLLBACK, article)
    history = iter_history(session, article)
    latest = next(history)
    undone = 1
    target = None
    for rev in history:
        if rev.author_id != latest.author_id:
            target = rev
            break
        undone += 1
    if target is None:
        raise Conflict("Every revision of this article is by the same author: there is no one to roll back to.")
    if target.suppressed_at is not None:
        raise Conflict("The revision to roll back to is suppressed; restore another one instead.")
    edits = "edit" if undone == 1 else "edits"
    auto = (f"Rolled back {undone} {edits} by {_author_name(session, latest)} to the last revision by "
            f"{_author_name(session, target)} (revision {target.id})")
    return save_edit(session, article.id, load_text(session, target), summary=_with_reason(auto, summary),
                     author=author, base_revision_id=latest.id, policy=policy, confirm_warnings=True,
                     kind=RevisionKind.ROLLBACK, source_revision_id=target.id, action=Action.ROLLBACK)


def iter_history(session: Session, article: Article, batch: int = 100) -> Iterator[Revision]:
    """The article's revisions newest first, fetched in batches."""
    before = None
    while True:
        page = list_revisions(session, article, limit=batch, before=before)
        yield from page
        if len(page) < batch:
            return
        before = page[-1].id


@command
def suppress(session: Session, revision_id: int, *, reason: str, actor: Actor) -> Revision:
    """Hide a revision's text from everyone but admins; the history row stays. Commits.

    The remedy when someone posts a real person's details. Audited.
    """
    require(actor, Action.SUPPRESS)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Give the reason for suppressing this revision.", field="reason")
    revision = get_revision(session, revision_id)
    if revision.suppressed_at is None:
        revision.suppressed_at = utcnow()
        revision.suppressed_by_id = actor.id
        revision.suppression_reason = reason[:1000]
        audit.record(session, actor.id, "suppress", f"revision:{revision.id}", reason=reason[:1000],
                     article_id=revision.article_id)
        session.commit()
    return revision


def _author_name(session: Session, revision: Revision) -> str:
    user = session.get(User, revision.author_id) if revision.author_id else None
    if user is None or user.deleted_at is not None:
        return "a former user"
    return user.username


def _with_reason(auto: str, summary: str | None) -> str:
    extra = " ".join((summary or "").split())
    text = f"{auto}: {extra}" if extra else auto
    return text[:MAX_SUMMARY]
