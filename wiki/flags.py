"""Inaccuracy reports: filing one, the reviewers' list, resolving and dismissing.

A report (a ``Flag``) names the revision readers saw when it was filed. It is
open until a reviewer resolves it with the approved revision that fixed the
error, or dismisses it with a reason; both are final (file a new report to
reopen the question). The time-to-correction figures built on these rows live
in ``wiki.stats``.

No Flask imports: called from views, API, CLI and tests alike. Rate limiting
by address belongs to the web layer (``wiki.auth.limiter``); nothing here can
see an address.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wiki import audit, revisions, watch
from wiki.errors import Conflict, InvalidInput, NotFound
from wiki.models import Article, Flag, FlagStatus, Revision, RevisionStatus, Role, utcnow
from wiki.permissions import Action, Actor, require
from wiki.talk import RateLimited
from wiki.transactions import begin_write

MIN_REASON = 3
MAX_REASON = 2000
MAX_EXCERPT = 1000
MAX_NOTE = 2000
MAX_PAGE = 500
# (window, most reports in it) per logged-in reporter below reviewer: plenty for a
# careful reader, too few to flood the reviewers' list.
REPORTER_LIMITS: tuple[tuple[timedelta, int], ...] = ((timedelta(minutes=1), 3), (timedelta(hours=1), 20))
# Anonymous visitors cannot be told apart here (the web layer limits them by
# address too): this caps anonymous reports on one article, a flood guard.
ANONYMOUS_LIMITS: tuple[tuple[timedelta, int], ...] = ((timedelta(hours=1), 20),)
RATE_EXEMPT = Role.REVIEWER


def _clean_block(
    value: object, field: str, *, maximum: int, minimum: int = 0, what: str, too_short: str = ""
) -> str | None:
    """Normalise free text from a form or the API: newlines kept, ends trimmed, empty to None."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        raise InvalidInput(f"The {what} must be text.", field=field)
    if "\x00" in text:
        raise InvalidInput(f"The {what} contains a NUL character.", field=field)
    if len(text) > maximum:
        raise InvalidInput(f"The {what} is longer than {maximum} characters.", field=field)
    if len(text) < minimum:
        raise InvalidInput(too_short or f"The {what} needs at least {minimum} characters.", field=field)
    return text or None


def clean_reason(reason: object) -> str:
    """The report's reason, trimmed.

    :raises InvalidInput: missing, shorter than 3 or longer than 2000 characters.
    """
    text = _clean_block(reason, "reason", maximum=MAX_REASON, minimum=MIN_REASON, what="reason",
                        too_short="Say what is wrong (at least 3 characters).")
    assert text is not None
    return text


def clean_excerpt(excerpt: object) -> str | None:
    """The quoted passage, trimmed, or None when empty.

    :raises InvalidInput: longer than 1000 characters.
    """
    return _clean_block(excerpt, "excerpt", maximum=MAX_EXCERPT, what="quoted passage")


def parse_status(status: FlagStatus | str | None) -> FlagStatus | None:
    """``status`` as a ``FlagStatus``; None, "" and "all" mean every status.

    :raises InvalidInput: an unknown status word.
    """
    if status is None or status == "" or status == "all":
        return None
    try:
        return FlagStatus(status)
    except ValueError:
        raise InvalidInput(f"Unknown report status {status!r}; use open, resolved, dismissed or all.",
                           field="status") from None


@contextmanager
def _unit_of_work(session: Session) -> Iterator[None]:
    """Start a write transaction; roll it back if anything raises, so no lock outlives an error."""
    begin_write(session)
    try:
        yield
    except BaseException:
        session.rollback()
        raise


# ---------------------------------------------------------------- filing

def _check_rate(session: Session, reporter: Actor, article: Article, now: datetime) -> None:
    if reporter.role >= RATE_EXEMPT:
        return
    if reporter.id is None:
        limits, who = ANONYMOUS_LIMITS, (Flag.reporter_id.is_(None), Flag.article_id == article.id)
    else:
        limits, who = REPORTER_LIMITS, (Flag.reporter_id == reporter.id,)
    for window, most in limits:
        recent = session.scalar(select(func.count(Flag.id)).where(*who, Flag.created_at > now - window)) or 0
        if recent >= most:
            minutes = int(window.total_seconds() // 60)
            span = "a minute" if minutes == 1 else f"{minutes} minutes"
            raise RateLimited(f"{most} reports in {span} is the most we take; please try again later.",
                              retry_after=int(window.total_seconds()))


def report(
    session: Session, article: Article, *, reason: str, excerpt: str | None = None, reporter: Actor
) -> Flag:
    """File an inaccuracy report on ``article`` against the revision readers see now. Commits.

    Anyone may report, anonymous visitors included; a logged-in reporter starts
    watching the article, so they hear of the fix.

    :raises InvalidInput: the reason or the quoted passage is missing or too long.
    :raises Forbidden: the reporter is blocked.
    :raises RateLimited: too many reports just now (by this user; or, anonymous,
        on this article); reviewers are exempt.
    """
    reason = clean_reason(reason)
    excerpt = clean_excerpt(excerpt)
    article_id = article.id
    with _unit_of_work(session):
        article = session.get(Article, article_id, populate_existing=True)
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        require(reporter, Action.FLAG, article)
        now = utcnow()
        _check_rate(session, reporter, article, now)
        shown = revisions.readers_revision(session, article)
        flag = Flag(
            article_id=article.id,
            revision_id=shown.id if shown is not None else None,
            reporter_id=reporter.id,
            reason=reason,
            excerpt=excerpt,
            created_at=now,
            status=FlagStatus.OPEN,
        )
        session.add(flag)
        if reporter.id is not None and reporter.role != Role.ANONYMOUS:
            watch.auto_watch(session, reporter.id, article.id)  # joins this transaction; no commit
        session.commit()
    return flag


# ---------------------------------------------------------------- reading

def find_flag(session: Session, flag_id: int) -> Flag | None:
    """The report ``flag_id``, or None."""
    return session.get(Flag, flag_id)


def get_flag(session: Session, flag_id: int) -> Flag:
    """The report ``flag_id``.

    :raises NotFound: there is no such report.
    """
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise NotFound(f"There is no report {flag_id}.")
    return flag


def _filtered(query, status: FlagStatus | None, article: Article | None):
    if status is not None:
        query = query.where(Flag.status == status)
    if article is not None:
        query = query.where(Flag.article_id == article.id)
    return query


def list_flags(
    session: Session,
    *,
    status: FlagStatus | str | None = FlagStatus.OPEN,
    article: Article | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Sequence[Flag]:
    """Reports with ``status`` (None or "all": every one), on ``article`` when given.

    Open reports come oldest first, as a queue to work through; closed ones
    (and "all") newest first. ``limit`` is capped at 500.

    :raises InvalidInput: an unknown status word.
    """
    wanted = parse_status(status)
    limit = max(0, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    order = (Flag.created_at, Flag.id) if wanted == FlagStatus.OPEN else (Flag.id.desc(),)
    query = _filtered(select(Flag), wanted, article).order_by(*order).limit(limit).offset(offset)
    return session.scalars(query).all()


def count_flags(
    session: Session, *, status: FlagStatus | str | None = FlagStatus.OPEN, article: Article | None = None
) -> int:
    """How many reports ``list_flags`` would list with no limit.

    :raises InvalidInput: an unknown status word.
    """
    query = _filtered(select(func.count(Flag.id)), parse_status(status), article)
    return session.scalar(query) or 0


# ---------------------------------------------------------------- closing

def _open_flag_for(session: Session, flag_id: int, actor: Actor) -> tuple[Flag, Article]:
    """Load the flag and its article fresh, check the actor may close it and that it is open."""
    flag = session.get(Flag, flag_id, populate_existing=True)
    if flag is None:
        raise NotFound(f"There is no report {flag_id}.")
    article = session.get(Article, flag.article_id, populate_existing=True)
    require(actor, Action.RESOLVE_FLAG, article)
    if flag.status != FlagStatus.OPEN:
        raise Conflict(f"Report {flag_id} is already {flag.status.value}.", status=flag.status.value)
    return flag, article


def is_fix_for(flag: Flag, revision: Revision) -> bool:
    """Whether ``revision`` can be recorded as the fix of ``flag``.

    It must be an approved revision of the same article, newer than the text
    the reporter saw, and created (or approved) after the report: approving a
    correction that was already waiting in the queue counts as fixing it.
    """
    if revision.article_id != flag.article_id or revision.status != RevisionStatus.APPROVED:
        return False
    if flag.revision_id is not None and revision.id <= flag.revision_id:
        return False
    if revision.created_at >= flag.created_at:
        return True
    return revision.reviewed_at is not None and revision.reviewed_at >= flag.created_at


def resolve(
    session: Session, flag_id: int, *, actor: Actor, revision_id: int | None = None, note: str | None = None
) -> Flag:
    """Close report ``flag_id`` as fixed by ``revision_id``. Commits; audited.

    ``revision_id`` None means the article's current stable revision, which
    must itself be newer than the report. A logged-in reporter is told
    (``watch.on_flag_resolved``, in the same transaction).

    :raises NotFound: no such report (or revision).
    :raises Forbidden: the actor is not a reviewer, or is blocked.
    :raises Conflict: the report is already resolved or dismissed.
    :raises InvalidInput: the revision is not an approved revision of this
        article made after the report ("no fix yet" when none is given and
        the stable text predates the report).
    """
    note = _clean_block(note, "note", maximum=MAX_NOTE, what="note")
    with _unit_of_work(session):
        flag, article = _open_flag_for(session, flag_id, actor)
        fix = _fixing_revision(session, flag, article, revision_id)
        flag.status = FlagStatus.RESOLVED
        flag.resolved_by_id = actor.id
        flag.resolved_by_revision_id = fix.id
        flag.resolved_at = utcnow()
        flag.resolution_note = note
        audit.record(session, actor.id, "resolve_flag", f"flag:{flag.id}", article_id=article.id,
                     revision_id=fix.id, note=note)
        _tell_reporter(session, flag)
        session.commit()
    return flag


def _fixing_revision(session: Session, flag: Flag, article: Article, revision_id: int | None) -> Revision:
    if revision_id is None:
        fix = session.get(Revision, article.stable_revision_id) if article.stable_revision_id else None
        if fix is None or not is_fix_for(flag, fix):
            raise InvalidInput("No fix yet: the approved text of this article predates the report. "
                               "Approve a correction first, or name the revision that fixed it.",
                               field="revision")
        return fix
    fix = session.get(Revision, revision_id)
    if fix is None or fix.article_id != flag.article_id:
        raise InvalidInput(f"Revision {revision_id} is not a revision of {article.title}.", field="revision")
    if not is_fix_for(flag, fix):
        raise InvalidInput(f"Revision {revision_id} cannot have fixed this report: it must be an "
                           "approved revision made after the report.", field="revision")
    return fix


def dismiss(session: Session, flag_id: int, *, actor: Actor, reason: str) -> Flag:
    """Close report ``flag_id`` without a fix, saying why. Commits; audited.

    The reason is kept as the report's ``resolution_note`` and a logged-in
    reporter is told (``watch.on_flag_resolved``, in the same transaction).

    :raises NotFound: no such report.
    :raises Forbidden: the actor is not a reviewer, or is blocked.
    :raises Conflict: the report is already resolved or dismissed.
    :raises InvalidInput: no reason, or one over 2000 characters.
    """
    reason = _clean_block(reason, "reason", maximum=MAX_NOTE, minimum=MIN_REASON, what="reason",
                          too_short="Say why you are dismissing this report: the reporter will see it.")
    with _unit_of_work(session):
        flag, article = _open_flag_for(session, flag_id, actor)
        flag.status = FlagStatus.DISMISSED
        flag.resolved_by_id = actor.id
        flag.resolved_by_revision_id = None
        flag.resolved_at = utcnow()
        flag.resolution_note = reason
        audit.record(session, actor.id, "dismiss_flag", f"flag:{flag.id}", article_id=article.id,
                     reason=reason)
        _tell_reporter(session, flag)
        session.commit()
    return flag


def _tell_reporter(session: Session, flag: Flag) -> None:
    # Inside the closing transaction, so the notice and the closure land together.
    if flag.reporter_id is not None:
        watch.on_flag_resolved(session, flag)
