"""The reviewer queue: pending changes oldest first, approve and reject without leaving the page.

Thin (STYLE.md 8): ``review.pending_queue`` decides what waits and in which
order, ``review.approve`` / ``review.reject`` do the work and enforce who may;
this module only lays the queue out as cards (the stable → latest diff with
doses marked, the warnings, the authors) and answers the two forms. The forms
work without JavaScript (post, flash, redirect back to the next card);
``static/js/review.js`` posts the same forms with ``fetch`` and asks for JSON
(``Accept: application/json``) so the card can go away without a reload.

Also here: the article page's schema.org JSON-LD, as a template global, since
it states who reviewed the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy.orm import Session

from wiki import articles, auth, checks, db, flags, permissions, review, revisions, trust
from wiki.errors import Conflict, Forbidden, InvalidInput, Unauthorized, WikiError
from wiki.forms import ApproveForm, RejectForm
from wiki.models import Article, Flag, Revision, Role, User
from wiki.permissions import Action
from wiki.views import diffview, params

# Ids a row can have; anything else in the path is an unknown URL (404), never an overflow.
ID = f"int(min=1, max={params.MAX_ID})"

bp = Blueprint("review", __name__)

PAGE_SIZE = 50
# pending_queue's own cap is 500; the page shows PAGE_SIZE of them at a time.
QUEUE_LIMIT = 500
REVIEW_BENCHMARK_SECONDS = 2 * 3600


@dataclass(frozen=True)
class Card:
    """One article in the queue, as the page shows it."""

    entry: review.QueueEntry
    authors: list[tuple[User, Role]]
    visible: bool  # False when a pending text is suppressed and the reader is not an admin
    segments: list[diffview.Segment]
    stable_id: int | None
    open_flags: list[Flag]

    @property
    def personal_data(self) -> list[dict[str, Any]]:
        return [w for w in self.entry.warnings if w.get("kind") == checks.PERSONAL_DATA]

    @property
    def dose_changes(self) -> list[dict[str, Any]]:
        return [w for w in self.entry.warnings if w.get("kind") == checks.DOSE_CHANGE]


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    """``3 h 12 min``, ``45 s``, ``3.5 days``; empty for None."""
    from wiki import charts

    return "" if seconds is None else charts.format_duration(seconds)


@bp.app_template_global("article_json_ld")
def article_json_ld(article: Article, revision: Revision | None, meta: articles.FrontMatter) -> Markup:
    """The ``MedicalWebPage`` JSON-LD text for ``article`` as shown (goes inside a ld+json script)."""
    reviewer = revision.reviewed_by if revision is not None else None
    data = trust.json_ld(article, revision, reviewer, front_matter=meta,
                         url=url_for("pages.show", slug=article.slug, _external=True))
    return trust.json_ld_script(data)


# ---------------------------------------------------------------- the queue

@bp.get("/review")
def queue() -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    permissions.require(actor, Action.REVIEW)
    category = request.args.get("category", "").strip()[:140] or None
    dose_only = request.args.get("dose") == "1"
    page = params.page_arg()
    entries = review.pending_queue(session, category=category, dose_only=dose_only, dose_first=True,
                                   limit=QUEUE_LIMIT)
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(page, pages)
    shown = entries[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    filters = {k: v for k, v in (("category", category), ("dose", "1" if dose_only else None)) if v}
    return render_template(
        "review/queue.html",
        cards=[_card(session, entry, actor) for entry in shown],
        total=len(entries),
        capped=len(entries) >= QUEUE_LIMIT,
        page=page,
        pages=pages,
        first_number=(page - 1) * PAGE_SIZE + 1,
        category=category,
        dose_only=dose_only,
        filters=filters,
        queue_url=url_for("review.queue", **filters, **({"page": page} if page > 1 else {})),
        categories=articles.list_categories(session),
        open_flags=flags.count_flags(session, status="open"),
        approve_form=ApproveForm(),
        reject_form=RejectForm(),
    )


def _card(session: Session, entry: review.QueueEntry, actor) -> Card:
    article = entry.article
    pending = review.list_pending_revisions(session, article)
    authors: dict[int, tuple[User, Role]] = {}
    for rev in pending:
        if rev.author is not None and rev.author_id not in authors:
            authors[rev.author_id] = (rev.author, rev.author_role)
    stable = session.get(Revision, article.stable_revision_id) if article.stable_revision_id else None
    shown = [r for r in (stable, entry.revision) if r is not None]
    visible = all(revisions.is_text_visible(r, actor) for r in shown)
    segments: list[diffview.Segment] = []
    if visible:
        old = revisions.load_text(session, stable) if stable is not None else ""
        segments = diffview.inline(old, revisions.load_text(session, entry.revision),
                                   highlight=checks.DOSE_PATTERN)
    return Card(entry=entry, authors=list(authors.values()), visible=visible, segments=segments,
                stable_id=stable.id if stable is not None else None,
                open_flags=list(flags.list_flags(session, status="open", article=article, limit=20)))


# ---------------------------------------------------------------- approve and reject

def _wants_json() -> bool:
    """Whether the form was posted by review.js (``Accept: application/json``) rather than the browser."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


@bp.post(f"/review/<{ID}:rev_id>/approve")
def approve(rev_id: int) -> ResponseReturnValue:
    form = ApproveForm()
    return _decide(rev_id, form, approve=True)


@bp.post(f"/review/<{ID}:rev_id>/reject")
def reject(rev_id: int) -> ResponseReturnValue:
    form = RejectForm()
    return _decide(rev_id, form, approve=False)


def _decide(rev_id: int, form: ApproveForm | RejectForm, *, approve: bool) -> ResponseReturnValue:
    """Approve or reject ``rev_id``; close the reports the reviewer ticked with the resulting revision."""
    session = db.session()
    actor = auth.current_actor()
    back = params.local_url(form.next.data, url_for("review.queue"))
    wants_json = _wants_json()
    try:
        permissions.require(actor, Action.REVIEW)  # before the form, so nobody else learns how it is checked
    except (Unauthorized, Forbidden) as exc:
        if not wants_json:
            raise  # the error pages (a 401 or 403 page) answer the browser
        return _refused(exc, back, wants_json)
    if not form.validate_on_submit():
        message = "The form expired or was incomplete; reload the page and try again."
        if "csrf_token" not in form.errors:
            message = " ".join(e for errs in form.errors.values() for e in errs) or message
        return _refused(InvalidInput(message), back, wants_json)
    flag_ids = [int(v) for v in request.form.getlist("resolve_flags") if v.isdigit() and len(v) < 19]
    try:
        if approve:
            revision = review.approve(session, rev_id, reviewer=actor, comment=form.comment.data)
        else:
            revision = review.reject(session, rev_id, reviewer=actor, comment=form.comment.data)
    except (InvalidInput, Conflict) as exc:
        return _refused(exc, back, wants_json)
    article = session.get(Article, revision.article_id)
    closed = _resolve_flags(session, flag_ids, revision, actor)
    if approve:
        message = f"Approved the changes to {article.title}: readers now see them."
    else:
        message = (f"Rejected the changes to {article.title}; readers see the reviewed text. "
                   "The authors will see your comment.")
    if closed:
        message += f" Closed {closed} report{'' if closed == 1 else 's'} as fixed."
    if wants_json:
        return jsonify(ok=True, message=message, article=article.slug, revision=revision.id,
                       status=revision.status.value, resolved_flags=closed,
                       pending_count=review.pending_count(session))
    flash(message, "success")
    return redirect(back)


def _resolve_flags(session: Session, flag_ids: list[int], revision: Revision, actor) -> int:
    """Close each ticked report as fixed by ``revision``; skip those already closed or not fixable."""
    closed = 0
    for flag_id in dict.fromkeys(flag_ids):
        flag = flags.find_flag(session, flag_id)
        if flag is None or flag.article_id != revision.article_id:
            continue
        try:
            flags.resolve(session, flag_id, actor=actor, revision_id=revision.id)
        except (InvalidInput, Conflict):
            continue  # closed meanwhile, or this decision cannot have fixed it: leave it for /flags
        closed += 1
    return closed


def _refused(exc: WikiError, back: str, wants_json: bool) -> ResponseReturnValue:
    if wants_json:
        response = jsonify(error=exc.code, message=exc.message, **{k: v for k, v in exc.details.items()
                                                                   if isinstance(v, str | int | None)})
        response.status_code = exc.status
        return response
    flash(exc.message, "error")
    return redirect(back)
