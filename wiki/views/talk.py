"""Talk pages in the browser: an article's threads, posting and replying, editing, hiding.

Thin (STYLE.md 8): every decision is ``wiki.talk``'s (who may post, the edit
window, the rate limit, the personal-data warning, who sees hidden posts).
The posting form presents the errors that must give the author their text
back (warnings to confirm, bad input, the rate limit); every other error goes
to the error pages in ``wiki.views``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from wiki import articles, auth, db, people, revisions, talk
from wiki.errors import InvalidInput, NeedsConfirmation, NotFound
from wiki.forms import HidePostForm, TalkEditForm, TalkPostForm, show_by_field
from wiki.models import Article, Revision
from wiki.permissions import Action, can
from wiki.views import params

bp = Blueprint("talk", __name__)


def _talk_page(article: Article, form: TalkPostForm, *, status: int = 200,
               **context: Any) -> ResponseReturnValue:
    """The talk page with ``form`` as the new-thread form, or as the reply form under ``reply_to``."""
    session = db.session()
    actor = auth.current_actor()
    threads = talk.list_threads(session, article, actor=actor)
    context.setdefault("reply_to", None)
    context.setdefault("revision", None)
    return render_template(
        "talk/show.html", article=article, threads=threads, form=form, hide_form=HidePostForm(),
        may_post=can(actor, Action.TALK, article), placeholder_prefix=people.PLACEHOLDER_PREFIX,
        edit_minutes=int(talk.EDIT_WINDOW.total_seconds() // 60), **context,
    ), status


@bp.get("/wiki/<slug>/talk")
def show(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    form = TalkPostForm(formdata=None)
    reply_to = params.int_arg("reply")
    rev_id = params.int_arg("revision")
    revision = None
    if rev_id is not None:
        existing = talk.find_revision_thread(session, article, rev_id)
        if existing is not None:
            # "Discuss this change" joins the thread already started about it.
            return redirect(url_for("talk.show", slug=article.slug, reply=existing.id,
                                    _anchor=f"post-{existing.id}"))
        revision = revisions.get_revision(session, rev_id, article)
        form.revision.set(revision.id)
    if reply_to is not None:
        if talk.get_post(session, reply_to).article_id != article.id:
            raise NotFound(f"There is no post {reply_to} on the talk page of {article.title}.")
        form.parent.set(reply_to)
    return _talk_page(article, form, reply_to=reply_to, revision=revision)


@bp.post("/wiki/<slug>/talk")
@login_required
def post(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    form = TalkPostForm()
    reply_to = form.parent.data if form.parent.data else None
    revision = session.get(Revision, form.revision.data) if form.revision.data else None
    if revision is not None and revision.article_id != article.id:
        revision = None
    context = {"reply_to": reply_to, "revision": revision}
    if not form.validate_on_submit():
        return _talk_page(article, form, status=400, **context)
    try:
        new = talk.post(session, article, form.text.data or "", author=actor, parent_id=reply_to,
                        revision_id=form.revision.data or None, subject=form.subject.data or None,
                        confirm_warnings=bool(form.confirm_warnings.data))
    except NeedsConfirmation as exc:
        return _talk_page(article, form, status=422, warnings=exc.details.get("warnings", []), **context)
    except talk.RateLimited as exc:
        form.form_errors.append(exc.message)
        return _talk_page(article, form, status=429, **context)
    except InvalidInput as exc:
        show_by_field(form, exc)
        return _talk_page(article, form, status=exc.status, **context)
    flash("Your reply is posted." if reply_to else "Your post is on the talk page.", "success")
    return redirect(url_for("talk.show", slug=article.slug, _anchor=f"post-{new.id}"))


@bp.route("/talk/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    target = talk.get_post(session, post_id)
    article = session.get(Article, target.article_id)
    form = TalkEditForm()
    if request.method == "GET":
        form.text.data = target.text
        return render_template("talk/edit.html", article=article, post=target, form=form)
    if not form.validate_on_submit():
        return render_template("talk/edit.html", article=article, post=target, form=form), 400
    try:
        talk.edit(session, post_id, form.text.data or "", author=actor,
                  confirm_warnings=bool(form.confirm_warnings.data))
    except NeedsConfirmation as exc:
        return render_template("talk/edit.html", article=article, post=target, form=form,
                               warnings=exc.details.get("warnings", [])), 422
    except InvalidInput as exc:
        show_by_field(form, exc)
        return render_template("talk/edit.html", article=article, post=target, form=form), exc.status
    flash("Your post is updated.", "success")
    return redirect(url_for("talk.show", slug=article.slug, _anchor=f"post-{post_id}"))


@bp.post("/talk/<int:post_id>/hide")
@login_required
def hide(post_id: int) -> ResponseReturnValue:
    session = db.session()
    form = HidePostForm()
    hidden = talk.hide(session, post_id, reason=form.reason.data or "", actor=auth.current_actor())
    article = session.get(Article, hidden.article_id)
    flash("The post is hidden. Reviewers can still read it.", "success")
    return redirect(url_for("talk.show", slug=article.slug, _anchor=f"post-{post_id}"))


@bp.post("/talk/<int:post_id>/unhide")
@login_required
def unhide(post_id: int) -> ResponseReturnValue:
    session = db.session()
    shown = talk.unhide(session, post_id, actor=auth.current_actor())
    article = session.get(Article, shown.article_id)
    flash("The post is visible again.", "success")
    return redirect(url_for("talk.show", slug=article.slug, _anchor=f"post-{post_id}"))
