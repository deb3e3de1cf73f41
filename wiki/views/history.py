"""History pages: an article's revisions, diffs between two, and restore, undo and rollback.

Wikipedia is the model for these pages. Restore, undo and rollback each have a
GET page that shows what will happen and a POST (with its CSRF token) that
calls the one domain command; the commands enforce permission themselves.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session

from wiki import articles, auth, db, permissions, revisions
from wiki.errors import EditConflict, InvalidInput
from wiki.forms import RestoreForm, RollbackForm, UndoForm
from wiki.models import Article, Revision, RevisionStatus
from wiki.permissions import Action, Actor
from wiki.views import diffview, params

bp = Blueprint("history", __name__)

PAGE_SIZE = 50


@bp.get("/wiki/<slug>/history")
def history(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    before = params.int_arg("before")
    rows = revisions.list_revisions(session, article, limit=PAGE_SIZE, before=before)
    latest = session.get(Revision, article.latest_revision_id)
    return render_template(
        "history/history.html",
        article=article,
        rows=rows,
        latest=latest,
        before=before,
        older=rows[-1].id if len(rows) == PAGE_SIZE else None,
        total=revisions.count_revisions(session, article),
    )


@bp.get("/wiki/<slug>/diff")
def diff(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    to_id, from_id = params.int_arg("to"), params.int_arg("from")
    new = revisions.get_revision(session, to_id or article.latest_revision_id, article)
    if from_id is not None:
        old = revisions.get_revision(session, from_id, article)
    else:
        old = revisions.get_revision(session, new.parent_id, article) if new.parent_id else None
    side = request.args.get("view") == "side"
    visible = revisions.is_text_visible(new, actor) and (old is None or revisions.is_text_visible(old, actor))
    context: dict[str, Any] = {}
    if visible:
        old_text = revisions.load_text(session, old) if old is not None else ""
        new_text = revisions.load_text(session, new)
        if side:
            context["rows"] = diffview.side_by_side(old_text, new_text)
        else:
            context["segments"] = diffview.inline(old_text, new_text)
        context["identical"] = old_text == new_text
        context["html"] = revisions.html_for(session, new)[0]
    newer = revisions.find_next(session, new)
    return render_template(
        "history/diff.html",
        article=article,
        old=old,
        new=new,
        side=side,
        visible=visible,
        older_edit=old.id if old is not None and old.parent_id else None,
        newer_edit=newer.id if newer is not None else None,
        **context,
    )


# ---------------------------------------------------------------- restore

@bp.route("/wiki/<slug>/restore", methods=["GET", "POST"])
@login_required
def restore(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    permissions.require(actor, Action.RESTORE, article)
    form = RestoreForm()
    if request.method == "GET":
        old_id = params.int_arg("revision")
        if old_id is None:
            raise InvalidInput("Choose a revision to restore from the history page.", field="revision")
        old = revisions.get_revision(session, old_id, article)
        form.revision.set(old.id)
        return render_template("history/restore.html", article=article, old=old, form=form,
                               **_diff_to(session, article, old, actor))
    if not form.validate_on_submit():
        raise InvalidInput("Choose a revision to restore from the history page.", field="revision")
    result = revisions.restore(session, article, form.revision.data, author=actor,
                               summary=form.summary.data or "", policy=auth.edit_policy())
    flash(_done_message(result, f"Restored revision {form.revision.data}."), "success")
    return redirect(url_for("pages.show", slug=article.slug, version="latest"))


def _diff_to(session: Session, article: Article, old: Revision, actor: Actor) -> dict[str, Any]:
    """The change a restore would make: the latest text to ``old``'s text, when both may be shown."""
    latest = session.get(Revision, article.latest_revision_id)
    if not (revisions.is_text_visible(old, actor) and revisions.is_text_visible(latest, actor)):
        return {"visible": False}
    old_text, latest_text = revisions.load_text(session, old), revisions.load_text(session, latest)
    return {"visible": True, "identical": old_text == latest_text,
            "segments": diffview.inline(latest_text, old_text)}


# ---------------------------------------------------------------- undo

@bp.route("/wiki/<slug>/undo/<int:rev_id>", methods=["GET", "POST"])
@login_required
def undo(slug: str, rev_id: int) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    permissions.require(actor, Action.UNDO, article)
    target = revisions.get_revision(session, rev_id, article)
    form = UndoForm()
    page = {"article": article, "target": target, "form": form}
    if request.method == "GET":
        try:
            text, latest_id = revisions.undo_text(session, target)
        except EditConflict as conflict:
            return render_template("history/undo.html", conflict=conflict.message,
                                   partial_text=getattr(conflict, "partial_text", None),
                                   latest_id=conflict.details.get("current_revision"), **page), 409
        latest = session.get(Revision, latest_id)
        visible = all(revisions.is_text_visible(r, actor) for r in (target, latest))
        segments = diffview.inline(revisions.load_text(session, latest), text) if visible else []
        return render_template("history/undo.html", visible=visible, segments=segments, **page)
    if not form.validate_on_submit():
        return render_template("history/undo.html", visible=False, **page), 400
    try:
        result = revisions.undo(session, target.id, author=actor, summary=form.summary.data or "",
                                policy=auth.edit_policy())
    except EditConflict as conflict:
        return render_template("history/undo.html", conflict=conflict.message, **page), 409
    flash(_done_message(result, f"Undid revision {target.id}."), "success")
    return redirect(url_for("pages.show", slug=article.slug, version="latest"))


# ---------------------------------------------------------------- rollback

@bp.route("/wiki/<slug>/rollback", methods=["GET", "POST"])
@login_required
def rollback(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    permissions.require(actor, Action.ROLLBACK, article)
    form = RollbackForm()
    if request.method == "GET" or not form.validate_on_submit():
        latest = session.get(Revision, article.latest_revision_id)
        status = 200 if request.method == "GET" else 400
        return render_template("history/rollback.html", article=article, latest=latest, form=form), status
    result = revisions.rollback(session, article, author=actor, summary=form.summary.data or "",
                                policy=auth.edit_policy())
    flash(_done_message(result, "Rolled back."), "success")
    return redirect(url_for("pages.show", slug=article.slug, version="latest"))


def _done_message(result: revisions.SaveResult, done: str) -> str:
    if not result.changed:
        return "Nothing changed: the text is already the same as the current version."
    if result.revision.status == RevisionStatus.PENDING:
        return f"{done} The change is waiting for review."
    return done
