"""Lists readers and editors expect: what links here, wanted articles, a random article,
articles with no references, articles whose review is stale.

Queries only (nothing here writes), answered from the derived tables (``links``,
``article_aliases``, the stored HTML) so no article text is parsed on a page
view. Every article and every category are in ``wiki.articles``.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from wiki import revisions
from wiki.models import Article, ArticleAlias, Link, RenderedRevision, Revision, utcnow

# What counts as a reference in the text readers see (matched case-insensitively in the
# rendered HTML, where PMID:/doi: have become links to PubMed and doi.org).
REFERENCE_MARKERS = ("pmid", "doi:", "doi.org/", "pubmed.ncbi.nlm.nih.gov")
STALE_AFTER = timedelta(days=365)


def what_links_here(session: Session, article: Article) -> Sequence[Article]:
    """Articles whose latest text links to ``article`` by its slug or one of its aliases, by title."""
    slugs = select(ArticleAlias.slug).where(ArticleAlias.article_id == article.id)
    return session.scalars(
        select(Article)
        .where(Article.id.in_(select(Link.from_article_id).where(
            or_(Link.to_slug == article.slug, Link.to_slug.in_(slugs)))),
            Article.id != article.id)
        .order_by(func.lower(Article.title))
    ).all()


@dataclass(frozen=True)
class WantedArticle:
    """A red link: an article that does not exist, and how many articles link to it."""

    slug: str
    title: str  # a title to create it under, made from the slug
    count: int


def title_from_slug(slug: str) -> str:
    """A readable title for a slug: ``chest-pain`` → ``Chest pain``."""
    words = slug.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def wanted_articles(session: Session, *, limit: int = 100) -> list[WantedArticle]:
    """Slugs linked to but matching no article or alias, most linked first."""
    linkers = func.count(func.distinct(Link.from_article_id)).label("linkers")
    rows = session.execute(
        select(Link.to_slug, linkers)
        .where(~exists().where(Article.slug == Link.to_slug),
               ~exists().where(ArticleAlias.slug == Link.to_slug))
        .group_by(Link.to_slug)
        .order_by(linkers.desc(), Link.to_slug)
        .limit(limit)
    ).all()
    return [WantedArticle(slug=slug, title=title_from_slug(slug), count=count) for slug, count in rows]


def random_article(session: Session, *, rng: random.Random | None = None) -> Article | None:
    """Some article, or None when there are none (two indexed lookups, not a table sort)."""
    low, high = session.execute(select(func.min(Article.id), func.max(Article.id))).one()
    if low is None:
        return None
    pick = (rng or random).randint(low, high)
    return session.scalar(select(Article).where(Article.id >= pick).order_by(Article.id).limit(1))


def _readers_revision_id():
    return func.coalesce(Article.stable_revision_id, Article.latest_revision_id)


def articles_without_references(session: Session, *, limit: int | None = None) -> list[Article]:
    """Articles whose text readers see cites nothing (no PMID, no DOI), by title."""
    html = func.lower(RenderedRevision.html)
    cited = or_(*(html.like(f"%{marker}%") for marker in REFERENCE_MARKERS))
    query = (
        select(Article, RenderedRevision.revision_id)
        .outerjoin(RenderedRevision, RenderedRevision.revision_id == _readers_revision_id())
        .where(or_(RenderedRevision.revision_id.is_(None), ~cited))
        .order_by(func.lower(Article.title))
    )
    found = []
    for article, stored in session.execute(query):
        if stored is None:
            # No stored HTML for this revision (it should have some): read the text itself.
            rev_id = article.stable_revision_id or article.latest_revision_id
            text = revisions.load_text(session, rev_id).lower() if rev_id else ""
            if any(marker in text for marker in REFERENCE_MARKERS):
                continue
        found.append(article)
        if limit is not None and len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class StaleArticle:
    article: Article
    reviewed_at: datetime | None  # when its stable text was approved; None: never reviewed


def stale_reviews(
    session: Session, *, older_than: timedelta = STALE_AFTER, now: datetime | None = None, limit: int = 500
) -> list[StaleArticle]:
    """Articles whose approved text was last reviewed longer ago than ``older_than``, oldest first.

    Articles never reviewed count from their creation.
    """
    cutoff = (now or utcnow()) - older_than
    since = func.coalesce(Revision.reviewed_at, Revision.created_at, Article.created_at)
    rows = session.execute(
        select(Article, Revision.reviewed_at, Revision.created_at)
        .outerjoin(Revision, and_(Revision.id == Article.stable_revision_id))
        .where(since < cutoff)
        .order_by(since, Article.id)
        .limit(limit)
    ).all()
    return [
        StaleArticle(article, (reviewed or created) if article.stable_revision_id else None)
        for article, reviewed, created in rows
    ]
