"""Search documents: what the index holds for an article, built from the database.

Owns the choice of text (the revision anonymous readers see: the stable one,
else a never-reviewed article's latest) and its reduction to plain text.
Pending edits never reach the index because they are never that revision.

No Flask: called by the indexer process, the CLI and tests alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wiki import articles, render, revisions
from wiki.errors import InvalidInput
from wiki.models import Article
from wiki.search.backend import SearchDocument

# Elements whose end separates words ("<li>a</li><li>b</li>" is "a b", not "ab").
_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr td th table thead tbody blockquote pre hr dd dt dl"
    " section".split()
)
_SKIP = frozenset({"script", "style", "template"})
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\s*\n\s*")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html_text: str) -> str:
    """Return the readable text of ``html_text``: entities decoded, one line per block."""
    extractor = _TextExtractor()
    extractor.feed(html_text or "")
    extractor.close()
    text = _SPACES.sub(" ", "".join(extractor.parts))
    return _LINES.sub("\n", text).strip()


def markdown_to_text(body: str) -> str:
    """Return the readable text of a Markdown body, as the rendered page shows it."""
    return html_to_text(render.render_fragment(body, link_exists=lambda slug: True))


def document_for(session: Session, article: Article | None) -> SearchDocument | None:
    """Return the search document for ``article``, or None when readers see no text of it.

    :raises CorruptRevision: the revision's stored text does not rebuild.
    """
    if article is None:
        return None
    revision = revisions.readers_revision(session, article)
    if revision is None:
        return None
    if revision.suppressed_at is not None:
        # Suppressed text is hidden for privacy: it must not be findable either.
        return SearchDocument(article_id=article.id, slug=article.slug, title=article.title)
    text = revisions.load_text(session, revision)
    try:
        meta, body = articles.split_front_matter(text)
    except InvalidInput:
        meta, body = articles.FrontMatter(), text
    # The HTML readers see was rendered once at save: reuse it rather than render again.
    html_text, _toc = revisions.html_for(session, revision)
    plain = html_to_text(html_text) if html_text else markdown_to_text(body)
    return SearchDocument(
        article_id=article.id,
        slug=article.slug,
        title=article.title,
        aliases=tuple(meta.aliases),
        icd10=tuple(meta.icd10),
        categories=tuple(meta.categories),
        body=plain,
    )


def readable_article_ids(session: Session) -> set[int]:
    """Return the ids of the articles readers can see some text of (those the index should hold)."""
    query = select(Article.id).where(
        or_(Article.stable_revision_id.is_not(None), Article.latest_revision_id.is_not(None))
    )
    return set(session.scalars(query))


def iter_documents(session: Session, *, batch: int = 200) -> Iterator[SearchDocument]:
    """Yield the search document of every article readers can see, in id order."""
    ids = sorted(readable_article_ids(session))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        found = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(chunk)))}
        for article_id in chunk:
            doc = document_for(session, found.get(article_id))
            if doc is not None:
                yield doc
        session.expunge_all()  # keep memory flat over 100,000 articles
