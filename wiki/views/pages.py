"""Article pages: the home page, reading an article, editing it, creating one.

Thin: each view parses the request, calls one domain function and presents
the result. The edit and create forms present some domain errors themselves
(an edit conflict, warnings to confirm, bad input beside its field) because
the author's text must come back with them; every other error goes to the
error pages in ``wiki.views``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy.orm import Session

from wiki import articles, auth, db, permissions, render, review, revisions
from wiki.errors import Conflict, EditConflict, InvalidInput, NeedsConfirmation, TooLarge
from wiki.forms import EditForm, NewArticleForm, show_by_field
from wiki.models import Article, Revision, RevisionStatus
from wiki.permissions import Action
from wiki.views import diffview, params

bp = Blueprint("pages", __name__)

RECENT_ON_HOME = 10


@bp.get("/")
def home() -> ResponseReturnValue:
    session = db.session()
    return render_template(
        "pages/home.html",
        article_count=articles.count_articles(session),
        recent=articles.list_recently_updated(session, RECENT_ON_HOME),
        reviewed=review.list_recently_reviewed(session, RECENT_ON_HOME),
    )


# ---------------------------------------------------------------- reading

@bp.get("/wiki/<slug>")
def show(slug: str) -> ResponseReturnValue:
    session = db.session()
    article, alias = articles.resolve(session, slug)
    if article is None:
        return render_template("pages/missing.html", slug=slug, title=_title_from_slug(slug)), 404
    if article.slug != slug:
        # Keep what the reader asked for (a revision, the latest version) across the redirect.
        kept = {key: request.args[key] for key in ("rev", "version") if request.args.get(key)}
        if alias:
            kept["redirected_from"] = alias
        return redirect(url_for("pages.show", slug=article.slug, **kept))

    actor = auth.current_actor()
    rev_id = params.int_arg("rev")
    if rev_id is not None:
        revision, mode = revisions.get_revision(session, rev_id, article), "rev"
    elif request.args.get("version") == "latest":
        revision, mode = session.get(Revision, article.latest_revision_id), "latest"
    else:
        revision, mode = revisions.readers_revision(session, article), "stable"

    visible = revisions.is_text_visible(revision, actor)
    text = revisions.load_text(session, revision) if visible else ""
    html, toc = revisions.html_for(session, revision) if visible else ("", "")
    pending = [r for r in review.list_pending_revisions(session, article)
               if r.id > (article.stable_revision_id or 0)]
    return render_template(
        "pages/show.html",
        article=article,
        revision=revision,
        mode=mode,
        visible=visible,
        html=html,
        toc=toc,
        meta=_front_matter(text),
        stable=session.get(Revision, article.stable_revision_id) if article.stable_revision_id else None,
        latest_id=article.latest_revision_id,
        pending=pending,
        redirected_from=_redirected_from(article, request.args.get("redirected_from", "")),
    )


def _front_matter(text: str) -> articles.FrontMatter:
    try:
        return articles.split_front_matter(text)[0]
    except InvalidInput:
        return articles.FrontMatter()


def _redirected_from(article: Article, name: str) -> str | None:
    """The alias the reader came by, only if it really is one of this article's (no spoofed banners)."""
    wanted = articles.slugify(name[:200])
    if not wanted:
        return None
    return next((a.alias for a in article.aliases if a.slug == wanted), None)


def _title_from_slug(slug: str) -> str:
    words = " ".join(slug.replace("-", " ").replace("_", " ").split())[:200]
    return words[:1].upper() + words[1:]


# ---------------------------------------------------------------- editing

@bp.route("/wiki/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    permissions.require(actor, Action.EDIT, article)
    form = EditForm()
    if request.method == "GET":
        form.text.data = revisions.load_text(session, article.latest_revision_id)
        form.base_revision.set(article.latest_revision_id)
        return _edit_page(session, article, form)
    if not form.validate_on_submit():
        return _edit_page(session, article, form), 400
    if form.preview.data:
        preview = _preview(session, form.text)
        return _edit_page(session, article, form, preview=preview), 200 if preview else 400
    try:
        result = revisions.save_edit(
            session, article.id, form.text.data or "", summary=form.summary.data or "", author=actor,
            base_revision_id=form.base_revision.data, policy=auth.edit_policy(),
            confirm_warnings=form.confirm_warnings.data,
        )
    except EditConflict:
        return _conflict_page(session, article, form), 409
    except NeedsConfirmation as exc:
        return _edit_page(session, article, form, warnings=exc.details.get("warnings", [])), 422
    except (InvalidInput, TooLarge) as exc:
        show_by_field(form, exc)
        return _edit_page(session, article, form), exc.status
    flash(_saved_message(result), "success")
    return redirect(url_for("pages.show", slug=article.slug, version="latest"))


def _edit_page(session: Session, article: Article, form: EditForm, **context: Any) -> str:
    pending = sum(1 for r in review.list_pending_revisions(session, article)
                  if r.id > (article.stable_revision_id or 0))
    return render_template("pages/edit.html", article=article, form=form, pending_count=pending, **context)


def _conflict_page(session: Session, article: Article, form: EditForm) -> str:
    """The form again, the author's text intact, beside the text saved meanwhile; a resave merges on it."""
    session.refresh(article)
    current_text = revisions.load_text(session, article.latest_revision_id)
    form.base_revision.set(article.latest_revision_id)
    segments = diffview.inline(current_text, form.text.data or "")
    return _edit_page(session, article, form, conflict=True, current_text=current_text, segments=segments)


def _preview(session: Session, field: Any) -> render.Rendered | None:
    try:
        return render.render(field.data or "", link_exists=revisions.link_checker(session))
    except InvalidInput as exc:
        field.errors = [*field.errors, exc.message]
        return None


def _saved_message(result: revisions.SaveResult) -> str:
    if not result.changed:
        return "Nothing was saved: your text is the same as the current version."
    parts = ["Saved."]
    if result.merged:
        parts.append("Your edit was merged with another edit saved while you were writing.")
    if result.revision.status == RevisionStatus.PENDING:
        parts.append("Your change is waiting for review.")
    return " ".join(parts)


# ---------------------------------------------------------------- creating

@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    permissions.require(actor, Action.CREATE)
    form = NewArticleForm()
    if request.method == "GET":
        form.title.data = request.args.get("title", "")[:articles.MAX_TITLE_LENGTH]
        return render_template("pages/new.html", form=form)
    if not form.validate_on_submit():
        return render_template("pages/new.html", form=form), 400
    if form.preview.data:
        preview = _preview(session, form.text)
        return render_template("pages/new.html", form=form, preview=preview), 200 if preview else 400
    try:
        result = revisions.create_article(
            session, form.title.data or "", form.text.data or "", summary=form.summary.data or "",
            author=actor, policy=auth.edit_policy(), confirm_warnings=form.confirm_warnings.data,
        )
    except NeedsConfirmation as exc:
        return render_template("pages/new.html", form=form, warnings=exc.details.get("warnings", [])), 422
    except Conflict as exc:
        existing = articles.find_by_slug(session, str(exc.details.get("slug", "")))
        return render_template("pages/new.html", form=form, existing=existing, conflict=exc.message), 409
    except (InvalidInput, TooLarge) as exc:
        show_by_field(form, exc)
        return render_template("pages/new.html", form=form), exc.status
    article = session.get(Article, result.revision.article_id)
    pending = result.revision.status == RevisionStatus.PENDING
    flash("Created." + (" Your article is waiting for review." if pending else ""), "success")
    return redirect(url_for("pages.show", slug=article.slug))
