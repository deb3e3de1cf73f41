"""Browsing: every article in title order, every category, and the articles in one category."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from wiki import articles, db
from wiki.errors import NotFound
from wiki.views import params

bp = Blueprint("browse", __name__)

PAGE_SIZE = 100


@bp.get("/articles")
def all_articles() -> ResponseReturnValue:
    page = params.page_arg()
    rows, total = articles.list_articles(db.session(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        raise NotFound(f"There is no page {page}: the list has {pages}.")
    return render_template("browse/articles.html", rows=rows, total=total, page=page, pages=pages)


@bp.get("/categories")
def categories() -> ResponseReturnValue:
    return render_template("browse/categories.html", categories=articles.list_categories(db.session()))


@bp.get("/category/<name>")
def category(name: str) -> ResponseReturnValue:
    session = db.session()
    page = params.page_arg()
    rows, total = articles.list_articles(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
                                         category=name)
    if total == 0:
        raise NotFound(f"There is no category called {name!r}.")
    wanted = articles.slugify(name)
    # The display name is on the article rows, as written in their front matter.
    shown = next((c.name for a in rows for c in a.categories if c.slug == wanted), name)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("browse/category.html", name=shown, slug=wanted, rows=rows, total=total,
                           page=page, pages=pages)
