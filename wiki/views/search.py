"""The search page, ``GET /search?q=&page=&category=``: results, facets, spelling suggestion, paging.

Owns presenting a ``ResultPage``: the count, each hit's title and snippet,
the category facets as filter links, "Did you mean …", pagination and the
empty states. It must not parse query syntax, rank, correct spelling or catch
the backend's errors: ``SearchBackend.search`` accepts any string and never
raises for the query's sake, so a malformed query is just a query.

A query that names an article exactly (its title or an alias, compared by
slug as ``/wiki/<slug>`` does) gets a prominent "Go to article" link above
the results, rather than a redirect as Wikipedia's "Go" does: "MI" or
"asthma" may also be wanted as words in other articles, and the results stay
one click away either way. Autocomplete already takes readers who pick a
suggestion straight to the article.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from wiki import articles, db, search
from wiki.models import Article
from wiki.views import params

bp = Blueprint("search", __name__)

PAGE_SIZE = 20
# Cut, not refused: nobody types more, and the cut query still finds things.
MAX_QUERY_CHARS = 200
# The backends serve results up to this offset; later pages would repeat it.
MAX_OFFSET = 10_000
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
# Shown on the empty page, as things readers really type.
EXAMPLES = ("heart attack", "MI", "diabetis", "E11", "sugar diabetes", '"chest pain"')


@bp.get("/search")
def results() -> ResponseReturnValue:
    query = request.args.get("q", "")[:MAX_QUERY_CHARS]
    category = request.args.get("category", "")[:MAX_QUERY_CHARS].strip() or None
    if not query.strip():
        return render_template("search/results.html", query="", examples=EXAMPLES, result=None)

    page = min(params.page_arg(), MAX_PAGE)
    result = search.get_backend().search(
        query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, category=category
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    if page > pages:
        # Past the end (an old link, a hand-typed page): the last page is at its own address.
        return redirect(url_for(".results", q=query, category=category, page=pages if pages > 1 else None))

    return render_template(
        "search/results.html",
        query=query,
        category=category,
        result=result,
        page=page,
        pages=min(pages, MAX_PAGE),
        first_rank=(page - 1) * PAGE_SIZE + 1,
        facets=sorted(result.facets.items(), key=lambda item: (-item[1], item[0].casefold())),
        exact=_named_article(query),
        examples=EXAMPLES,
    )


def _named_article(query: str) -> tuple[Article, str | None] | None:
    """``(article, alias or None)`` whose title or alias is ``query`` (ignoring case and punctuation)."""
    slug = articles.slugify(query)
    if not slug:
        return None
    article, alias = articles.resolve(db.session(), slug)
    return None if article is None else (article, alias)
