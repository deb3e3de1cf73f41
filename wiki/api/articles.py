"""API: articles, reading, creating and editing them, their history, diffs, rollback and restore.

Thin handlers: parse (``wiki.api.schemas``), authorize with the permission
table, call one domain command or query, present. Reads follow aliases
(``articles.resolve``); writes need the article's own slug. No SQL here.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from wiki import articles, auth, db, diffing, permissions, review, revisions
from wiki.api import bp, schemas, write_limited
from wiki.errors import Forbidden, InvalidInput, NotFound
from wiki.models import Article, Revision
from wiki.permissions import Action, Actor


def find_article(slug: str) -> tuple[Article, str | None]:
    """The article at ``slug`` or at one of its aliases, and the alias it was reached by.

    :raises NotFound: neither an article nor an alias has that slug.
    """
    article, alias = articles.resolve(db.session(), slug)
    if article is None:
        raise NotFound(f"There is no article at {slug!r}.", slug=slug)
    return article, alias


def article_to_json(
    article: Article, revision: Revision, actor: Actor, redirected_from: str | None = None
) -> dict[str, Any]:
    """The article as shown at ``revision``: text and HTML only where ``actor`` may read them."""
    session = db.session()
    visible = revisions.is_text_visible(revision, actor)
    text = revisions.load_text(session, revision) if visible else None
    meta = _front_matter(text)
    return {
        "slug": article.slug,
        "title": article.title,
        "text": text,
        "html": revisions.html_for(session, revision)[0] if visible else None,
        "revision": schemas.revision_to_json(revision),
        "stable_revision": article.stable_revision_id,
        "latest_revision": article.latest_revision_id,
        "pending_count": review.pending_count(session, article),
        "aliases": list(meta.aliases),
        "icd10": list(meta.icd10),
        "categories": list(meta.categories),
        "redirected_from": redirected_from,
    }


def _front_matter(text: str | None) -> articles.FrontMatter:
    # Hidden text shows no metadata either: its front matter is part of what was suppressed.
    if text is None:
        return articles.FrontMatter()
    try:
        meta, _ = articles.split_front_matter(text)
    except InvalidInput:
        return articles.FrontMatter()  # an old revision with broken front matter still displays
    return meta


@bp.get("/articles")
def list_articles() -> dict[str, Any]:
    """Articles in title order, a page at a time, optionally in one category."""
    limit = schemas.query_limit(request.args)
    offset = schemas.query_offset(request.args)
    category = request.args.get("category") or None
    page, total = articles.list_articles(db.session(), limit=limit, offset=offset, category=category)
    return {"articles": [schemas.article_summary_to_json(a) for a in page], "total": total}


@bp.post("/articles")
@write_limited
def create_article() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create an article; 409 when the title exists, 422 when the text needs confirming."""
    actor = auth.current_actor()
    permissions.require(actor, Action.CREATE)
    req = schemas.parse_create(schemas.json_body())
    session = db.session()
    result = revisions.create_article(
        session,
        req.title,
        req.text,
        summary=req.summary,
        author=actor,
        policy=auth.edit_policy(),
        confirm_warnings=req.confirm_warnings,
    )
    article = result.revision.article
    body = article_to_json(article, result.revision, actor)
    body["warnings"] = schemas.warnings_to_json(result.warnings)
    return body, 201, {"Location": url_for("api.show_article", slug=article.slug)}


@bp.get("/articles/<slug>")
def show_article(slug: str) -> dict[str, Any]:
    """The stable version (default), the latest (``?version=latest``) or one revision (``?revision=``)."""
    session = db.session()
    article, alias = find_article(slug)
    revision_id = schemas.query_id(request.args, "revision")
    version = schemas.query_choice(request.args, "version", ("stable", "latest"), "stable")
    if revision_id is not None:
        revision = revisions.get_revision(session, revision_id, article)
    elif version == "latest":
        revision = revisions.get_revision(session, article.latest_revision_id, article)
    else:
        revision = revisions.readers_revision(session, article)
    return article_to_json(article, revision, auth.current_actor(), redirected_from=alias)


@bp.put("/articles/<slug>")
@write_limited
def update_article(slug: str) -> dict[str, Any]:
    """Save an edit made on ``base_revision``, merging with what was saved since."""
    actor = auth.current_actor()
    permissions.require(actor, Action.EDIT)
    req = schemas.parse_edit(schemas.json_body())
    session = db.session()
    article = articles.get_by_slug(session, slug)
    result = revisions.save_edit(
        session,
        article.id,
        req.text,
        summary=req.summary,
        author=actor,
        base_revision_id=req.base_revision,
        policy=auth.edit_policy(),
        confirm_warnings=req.confirm_warnings,
    )
    return schemas.save_result_to_json(result)


@bp.get("/articles/<slug>/revisions")
def list_article_revisions(slug: str) -> dict[str, Any]:
    """The article's revisions, newest first; ``?before=<id>`` pages back."""
    limit = schemas.query_limit(request.args)
    before = schemas.query_id(request.args, "before")
    article, _ = find_article(slug)
    page = revisions.list_revisions(db.session(), article, limit=limit, before=before)
    return {"revisions": [schemas.revision_to_json(r) for r in page]}


@bp.get("/articles/<slug>/diff")
def diff_revisions(slug: str) -> dict[str, Any]:
    """The word diff between two revisions of the article; its ops rebuild both texts exactly."""
    from_id = schemas.query_id(request.args, "from", required=True)
    to_id = schemas.query_id(request.args, "to", required=True)
    session = db.session()
    article, _ = find_article(slug)
    old = revisions.get_revision(session, from_id, article)
    new = revisions.get_revision(session, to_id, article)
    actor = auth.current_actor()
    for revision in (old, new):
        if not revisions.is_text_visible(revision, actor):
            raise Forbidden(f"The text of revision {revision.id} is suppressed.", revision=revision.id)
    ops = diffing.word_diff(revisions.load_text(session, old), revisions.load_text(session, new))
    return {
        "from": old.id,
        "to": new.id,
        "ops": [[op, text] for op, text in ops],
        "html": diffing.ops_to_html(ops),
    }


@bp.post("/articles/<slug>/rollback")
@write_limited
def rollback_article(slug: str) -> dict[str, Any]:
    """Undo every consecutive latest edit by the latest author (reviewers)."""
    actor = auth.current_actor()
    permissions.require(actor, Action.ROLLBACK)
    summary = schemas.string_field(schemas.json_body(allow_empty=True), "summary") or ""
    session = db.session()
    article = articles.get_by_slug(session, slug)
    result = revisions.rollback(session, article, author=actor, summary=summary, policy=auth.edit_policy())
    return schemas.save_result_to_json(result)


@bp.post("/articles/<slug>/restore")
@write_limited
def restore_article(slug: str) -> dict[str, Any]:
    """Append a revision whose text is that of an earlier one."""
    actor = auth.current_actor()
    permissions.require(actor, Action.RESTORE)
    req = schemas.parse_restore(schemas.json_body())
    session = db.session()
    article = articles.get_by_slug(session, slug)
    result = revisions.restore(
        session, article, req.revision, author=actor, summary=req.summary, policy=auth.edit_policy()
    )
    return schemas.save_result_to_json(result)
