"""Talk pages: threaded discussion of an article.

Owns the ``talk_posts`` rows: posting (rendered once through ``render`` and
its one ``sanitize``, rate-limited, with the personal-data warning edits get),
editing within a short window, hiding by reviewers (audited), and the thread
tree readers see. A thread can start from a revision ("discuss this change"):
its first post quotes that revision's summary and links to its diff.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from wiki import audit, checks, render, revisions, watch
from wiki.errors import Forbidden, InvalidInput, NeedsConfirmation, NotFound, WikiError
from wiki.models import Article, Revision, Role, TalkPost, User, utcnow
from wiki.permissions import Action, Actor, can, require
from wiki.transactions import begin_write

EDIT_WINDOW = timedelta(minutes=15)
MAX_TEXT = 20_000  # characters
MAX_SUBJECT = 200
MAX_REASON = 1000
# (window, most posts in it) for everyone below reviewer: enough to argue, not to flood.
RATE_LIMITS: tuple[tuple[timedelta, int], ...] = ((timedelta(minutes=1), 5), (timedelta(hours=1), 40))
RATE_EXEMPT = Role.REVIEWER

# Characters Python-Markdown lets a backslash escape; quoted summaries stay plain text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!>|<~])")


class RateLimited(WikiError):
    """The author posted too much too quickly."""

    status, code = 429, "rate_limited"


# ---------------------------------------------------------------- helpers

def _clean_text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidInput("The post must be text.", field="text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InvalidInput("Write something before posting.", field="text")
    if "\x00" in text:
        raise InvalidInput("The post contains a NUL character; remove it.", field="text")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"A post may be at most {MAX_TEXT:,} characters.", field="text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("The post contains invalid Unicode.", field="text") from None
    return text


def _clean_subject(subject: object) -> str | None:
    if subject is None:
        return None
    if not isinstance(subject, str):
        raise InvalidInput("The subject must be text.", field="subject")
    subject = " ".join(subject.split())
    if len(subject) > MAX_SUBJECT:
        raise InvalidInput(f"A subject may be at most {MAX_SUBJECT} characters.", field="subject")
    if "\x00" in subject:
        raise InvalidInput("The subject contains a NUL character.", field="subject")
    return subject or None


def _clean_reason(reason: object) -> str:
    reason = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput("Give the reason for hiding this post.", field="reason")
    return reason[:MAX_REASON]


def escape_markdown(text: str) -> str:
    """Backslash-escape Markdown syntax so ``text`` renders as the plain text it is."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _warn_personal(text: str, confirm_warnings: bool) -> None:
    warnings = checks.personal_data(text)
    if warnings and not confirm_warnings:
        raise NeedsConfirmation(
            "Your post looks like it contains personal details. Remove them, or confirm that they are "
            "not about a real person.",
            warnings=[w.to_json() for w in warnings],
        )


def _check_rate(session: Session, author: Actor, now: datetime) -> None:
    if author.role >= RATE_EXEMPT:
        return
    for window, most in RATE_LIMITS:
        recent = session.scalar(
            select(func.count()).where(TalkPost.author_id == author.id, TalkPost.created_at > now - window)
        ) or 0
        if recent >= most:
            minutes = int(window.total_seconds() // 60)
            span = "a minute" if minutes == 1 else f"{minutes} minutes"
            raise RateLimited(f"You have posted {most} times in {span}; wait a little and post again.",
                              retry_after=int(window.total_seconds()))


def _render(session: Session, text: str) -> str:
    return render.render_fragment(text, link_exists=revisions.link_checker(session))


def get_post(session: Session, post_id: int) -> TalkPost:
    """The talk post ``post_id``.

    :raises NotFound: there is no such post.
    """
    post = session.get(TalkPost, post_id)
    if post is None:
        raise NotFound(f"There is no talk post {post_id}.")
    return post


def diff_path(article: Article, revision: Revision) -> str:
    """The site path showing ``revision``'s change (its first text when it has no parent)."""
    slug = quote(article.slug)
    if revision.parent_id is None:
        return f"/wiki/{slug}?rev={revision.id}"
    return f"/wiki/{slug}/diff?from={revision.parent_id}&to={revision.id}"


def quote_revision(session: Session, article: Article, revision: Revision) -> str:
    """The Markdown a "discuss this change" thread starts with: the summary quoted, a link to the diff."""
    author = session.get(User, revision.author_id) if revision.author_id else None
    who = escape_markdown(author.username) if author else "a former user"
    when = revision.created_at.strftime("%Y-%m-%d %H:%M UTC")
    if revision.suppressed_at is not None:
        said = "*(this revision's text is suppressed)*"
    elif revision.summary:
        said = f"“{escape_markdown(revision.summary)}”"
    else:
        said = "*(no summary)*"
    return (f"> Revision {revision.id} by {who}, {when}: {said}  \n"
            f"> [View this change]({diff_path(article, revision)})\n\n")


def _default_subject(revision: Revision) -> str:
    summary = " ".join((revision.summary or "").split()) if revision.suppressed_at is None else ""
    subject = f"Revision {revision.id}" + (f": {summary}" if summary else "")
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


# ---------------------------------------------------------------- commands

def post(
    session: Session,
    article: Article,
    text: str,
    *,
    author: Actor,
    parent_id: int | None = None,
    revision_id: int | None = None,
    subject: str | None = None,
    confirm_warnings: bool = False,
    now: datetime | None = None,
) -> TalkPost:
    """Add a post to ``article``'s talk page: a new thread, or a reply to ``parent_id``. Commits.

    A new thread about ``revision_id`` begins with a quote of that revision's
    summary and a link to its diff. The author starts watching the article;
    the parent post's author is told of a reply.

    :raises Forbidden, Unauthorized: ``author`` may not post (role, block).
    :raises NotFound: the parent post or the revision is not on this article.
    :raises NeedsConfirmation: the text looks like personal data and ``confirm_warnings`` is false.
    :raises RateLimited: the author posted too often just now.
    :raises InvalidInput: empty or over-long text or subject.
    """
    body = _clean_text(text)
    subject = _clean_subject(subject)
    article_id = article.id
    require(author, Action.TALK, article)
    _warn_personal(body, confirm_warnings)
    begin_write(session)
    try:
        new = _add_post(session, article_id, body, author=author, parent_id=parent_id,
                        revision_id=revision_id, subject=subject, now=now or utcnow())
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return new


def _add_post(
    session: Session, article_id: int, body: str, *, author: Actor, parent_id: int | None,
    revision_id: int | None, subject: str | None, now: datetime,
) -> TalkPost:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"There is no article {article_id}.")
    _check_rate(session, author, now)
    parent = None
    if parent_id is not None:
        parent = session.get(TalkPost, parent_id)
        if parent is None or parent.article_id != article.id or (
                parent.hidden_at is not None and not can(author, Action.SEE_HIDDEN)):
            raise NotFound(f"There is no post {parent_id} on the talk page of {article.title}.")
        subject = None  # a reply belongs to its thread's subject
        revision_id = None
    if revision_id is not None:
        revision = session.get(Revision, revision_id)
        if revision is None or revision.article_id != article.id:
            raise NotFound(f"There is no revision {revision_id} of {article.title}.")
        body = quote_revision(session, article, revision) + body
        subject = subject or _default_subject(revision)
    new = TalkPost(
        article_id=article.id, parent_id=parent.id if parent else None, author_id=author.id,
        author_role=author.role, revision_id=revision_id, subject=subject, text=body,
        html=_render(session, body), created_at=now,
    )
    session.add(new)
    session.flush()
    watch.auto_watch(session, author.id, article.id)
    if parent is not None:
        watch.on_reply(session, new, parent)
    return new


def edit(
    session: Session, post_id: int, text: str, *, author: Actor, confirm_warnings: bool = False,
    now: datetime | None = None,
) -> TalkPost:
    """Replace the text of the author's own post, within ``EDIT_WINDOW`` of posting it. Commits.

    A post that quotes a revision keeps its quote, whether or not ``text`` repeats it.

    :raises Forbidden: not the author, the window has passed, or the post is hidden.
    :raises NeedsConfirmation: the new text looks like personal data and ``confirm_warnings`` is false.
    """
    body = _clean_text(text)
    now = now or utcnow()
    begin_write(session)
    try:
        target = get_post(session, post_id)
        article = session.get(Article, target.article_id)
        require(author, Action.TALK, article)
        if author.id is None or target.author_id != author.id:
            raise Forbidden("Only the author may edit a post.")
        if target.hidden_at is not None:
            raise Forbidden("This post was hidden by a reviewer and can no longer be edited.")
        if now - target.created_at > EDIT_WINDOW:
            minutes = int(EDIT_WINDOW.total_seconds() // 60)
            raise Forbidden(f"A post can be edited for {minutes} minutes after posting; reply instead.")
        quoted = ""
        if target.revision_id is not None:
            quoted = quote_revision(session, article, session.get(Revision, target.revision_id))
            if body.startswith(quoted.strip()):
                body = _clean_text(body[len(quoted.strip()):])
        _warn_personal(body, confirm_warnings)
        target.text = quoted + body
        target.html = _render(session, target.text)
        target.edited_at = now
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return target


def hide(session: Session, post_id: int, *, reason: str, actor: Actor) -> TalkPost:
    """Hide a post from everyone but reviewers, giving the reason. Audited. Commits.

    :raises Forbidden: ``actor`` is not a reviewer.
    :raises InvalidInput: no reason given.
    """
    require(actor, Action.HIDE_POST)
    reason = _clean_reason(reason)
    begin_write(session)
    try:
        target = get_post(session, post_id)
    except NotFound:
        session.rollback()
        raise
    if target.hidden_at is None:
        target.hidden_at = utcnow()
        target.hidden_by_id = actor.id
        target.hidden_reason = reason
        audit.record(session, actor.id, "hide_post", f"talk_post:{target.id}", reason=reason,
                     article_id=target.article_id)
    session.commit()
    return target


def unhide(session: Session, post_id: int, *, actor: Actor) -> TalkPost:
    """Show a hidden post again. Audited. Commits.

    :raises Forbidden: ``actor`` is not a reviewer.
    """
    require(actor, Action.HIDE_POST)
    begin_write(session)
    try:
        target = get_post(session, post_id)
    except NotFound:
        session.rollback()
        raise
    if target.hidden_at is not None:
        target.hidden_at = None
        target.hidden_by_id = None
        target.hidden_reason = None
        audit.record(session, actor.id, "unhide_post", f"talk_post:{target.id}", article_id=target.article_id)
    session.commit()
    return target


# ---------------------------------------------------------------- queries

@dataclass(frozen=True)
class PostView:
    """A post as a given reader may see it; ``html`` is empty when the post is concealed from them."""

    id: int
    article_id: int
    parent_id: int | None
    revision_id: int | None
    subject: str | None
    html: str
    author_id: int | None
    author_name: str
    author_display: str
    author_role: Role
    author_credential: str | None  # the verified credential, when the author has one
    created_at: datetime
    edited_at: datetime | None
    hidden: bool
    concealed: bool  # hidden and the reader may not see hidden posts: show a placeholder
    hidden_reason: str | None  # for readers who may see hidden posts
    can_edit: bool


@dataclass
class Thread:
    """A post and its replies, oldest first."""

    post: PostView
    replies: list[Thread] = field(default_factory=list)

    def __iter__(self):
        """Walk the thread depth-first, yielding ``(depth, PostView)``."""
        stack = [(0, self)]
        while stack:
            depth, node = stack.pop()
            yield depth, node.post
            stack.extend((depth + 1, child) for child in reversed(node.replies))


def _view(p: TalkPost, actor: Actor, *, see_hidden: bool, now: datetime) -> PostView:
    user = p.author
    hidden = p.hidden_at is not None
    concealed = hidden and not see_hidden
    return PostView(
        id=p.id, article_id=p.article_id, parent_id=p.parent_id, revision_id=p.revision_id,
        subject=None if concealed else p.subject, html="" if concealed else p.html,
        author_id=p.author_id,
        author_name=user.username if user else "unknown",
        author_display=user.shown_name if user else "unknown",
        author_role=p.author_role,
        author_credential=user.credential if user is not None and user.is_verified_clinician else None,
        created_at=p.created_at, edited_at=p.edited_at, hidden=hidden, concealed=concealed,
        hidden_reason=p.hidden_reason if hidden and see_hidden else None,
        can_edit=(actor.id is not None and p.author_id == actor.id and not hidden
                  and now - p.created_at <= EDIT_WINDOW and can(actor, Action.TALK)),
    )


def list_threads(
    session: Session, article: Article, *, actor: Actor, now: datetime | None = None
) -> list[Thread]:
    """The talk page of ``article``: top-level posts oldest first, each with its replies in order.

    Hidden posts are shown to readers who may see them (reviewers); for anyone
    else a hidden post disappears, or stays as a concealed placeholder when it
    has visible replies, so the conversation still reads in order.
    """
    now = now or utcnow()
    see_hidden = can(actor, Action.SEE_HIDDEN)
    posts = session.scalars(
        select(TalkPost).where(TalkPost.article_id == article.id)
        .options(selectinload(TalkPost.author)).order_by(TalkPost.created_at, TalkPost.id)
    ).all()
    nodes = {p.id: Thread(_view(p, actor, see_hidden=see_hidden, now=now)) for p in posts}
    roots: list[Thread] = []
    for p in posts:
        parent = nodes.get(p.parent_id) if p.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(nodes[p.id])

    def prune(threads: list[Thread]) -> list[Thread]:
        kept = []
        for node in threads:
            node.replies = prune(node.replies)
            if not node.post.concealed or node.replies:
                kept.append(node)
        return kept

    return roots if see_hidden else prune(roots)


def find_revision_thread(session: Session, article: Article, revision_id: int) -> TalkPost | None:
    """The first thread already started about ``revision_id``, or None."""
    return session.scalar(
        select(TalkPost).where(TalkPost.article_id == article.id, TalkPost.revision_id == revision_id,
                               TalkPost.parent_id.is_(None), TalkPost.hidden_at.is_(None))
        .order_by(TalkPost.id).limit(1)
    )


def count_posts(session: Session, article: Article, *, actor: Actor) -> int:
    """How many posts on ``article``'s talk page ``actor`` can read."""
    query = select(func.count()).where(TalkPost.article_id == article.id)
    if not can(actor, Action.SEE_HIDDEN):
        query = query.where(TalkPost.hidden_at.is_(None))
    return session.scalar(query) or 0


def list_posts_by(session: Session, user: User, *, actor: Actor, limit: int = 50) -> Sequence[TalkPost]:
    """``user``'s posts newest first (hidden ones only for readers who may see them)."""
    query = (select(TalkPost).where(TalkPost.author_id == user.id)
             .options(selectinload(TalkPost.article)).order_by(TalkPost.id.desc()).limit(limit))
    if not can(actor, Action.SEE_HIDDEN):
        query = query.where(TalkPost.hidden_at.is_(None))
    return session.scalars(query).all()
