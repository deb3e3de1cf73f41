"""Articles: the slug rule, front matter, and looking articles up.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from wiki.errors import InvalidInput

MAX_TITLE_LENGTH = 200
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def slugify(title: str) -> str:
    """Lowercase ``title`` and turn runs of non-alphanumerics into ``-``.

    ``Myocardial infarction`` → ``myocardial-infarction``. Accents are folded
    (``Ménière's disease`` → ``meniere-s-disease``) so slugs stay ASCII.
    """
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("-", folded.lower()).strip("-")


def normalize_title(title: str) -> str:
    """Return ``title`` with whitespace collapsed.

    :raises InvalidInput: the title is empty, too long, or has no letter or digit.
    """
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise InvalidInput("The title is empty: give the article a name.", field="title")
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"The title is longer than {MAX_TITLE_LENGTH} characters.", field="title")
    if not slugify(cleaned):
        raise InvalidInput("The title needs at least one letter or digit.", field="title")
    if any(ch in cleaned for ch in "[]|#<>{}"):
        raise InvalidInput("A title cannot contain any of [ ] | # < > { }.", field="title")
    return cleaned


@dataclass(frozen=True)
class FrontMatter:
    """The metadata at the head of an article's text."""

    aliases: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


def _string_list(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        value = [value]
    if not isinstance(value, list):
        raise InvalidInput(f"Front matter '{key}' must be a list, like [A, B].", field="text")
    items = []
    for item in value:
        if isinstance(item, dict | list) or item is None:
            raise InvalidInput(f"Front matter '{key}' must list plain words.", field="text")
        text = " ".join(str(item).split())
        if text and text not in items:
            items.append(text)
    return tuple(items)


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Split ``text`` into its YAML front matter and its Markdown body.

    Text without a leading ``---`` block has empty front matter.

    :raises InvalidInput: the front matter is not valid YAML or not a mapping.
    """
    match = _FRONT_MATTER.match(text or "")
    if not match:
        return FrontMatter(), text or ""
    try:
        data = yaml.safe_load(match.group(1))
    except RecursionError:
        raise InvalidInput("The front matter is nested too deeply.", field="text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise InvalidInput(f"The front matter is not valid YAML{where}.", field="text") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("The front matter must be 'key: value' lines.", field="text")
    extra = {str(k): v for k, v in data.items() if k not in ("aliases", "icd10", "categories")}
    icd10 = tuple(code.upper() for code in _string_list(data.get("icd10"), "icd10"))
    return (
        FrontMatter(
            aliases=_string_list(data.get("aliases"), "aliases"),
            icd10=icd10,
            categories=_string_list(data.get("categories"), "categories"),
            extra=extra,
        ),
        text[match.end():],
    )


# ---------------------------------------------------------------- looking articles up
# (imports here rather than at the top keep the pure helpers above free of the ORM
# for callers that only need slugs and front matter)

from collections.abc import Sequence  # noqa: E402

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from wiki.errors import NotFound  # noqa: E402
from wiki.models import Article, ArticleAlias, ArticleCategory  # noqa: E402


def find_by_slug(session: Session, slug: str) -> Article | None:
    """The article whose slug is ``slug``, or None."""
    return session.scalar(select(Article).where(Article.slug == slug))


def get_by_slug(session: Session, slug: str) -> Article:
    """The article whose slug is ``slug``.

    :raises NotFound: there is none.
    """
    article = find_by_slug(session, slug)
    if article is None:
        raise NotFound(f"There is no article at {slug!r}.", slug=slug)
    return article


def resolve(session: Session, slug: str) -> tuple[Article | None, str | None]:
    """The article for ``slug``, following aliases: ``(article, alias it was reached by or None)``."""
    article = find_by_slug(session, slug)
    if article is not None:
        return article, None
    normalized = slugify(slug)
    if normalized != slug and (article := find_by_slug(session, normalized)) is not None:
        return article, None
    alias = session.scalar(
        select(ArticleAlias).where(ArticleAlias.slug == normalized).order_by(ArticleAlias.article_id).limit(1)
    )
    if alias is None:
        return None, None
    return alias.article, alias.alias


def find_by_title(session: Session, title: str) -> Article | None:
    """The article with this title (case-insensitively, via its slug), or None."""
    return find_by_slug(session, slugify(title))


def list_articles(
    session: Session, *, limit: int = 50, offset: int = 0, category: str | None = None
) -> tuple[Sequence[Article], int]:
    """Articles in title order, one page of them, and how many there are in all."""
    query = select(Article)
    count = select(func.count(Article.id))
    if category:
        cat = slugify(category)
        query = query.join(ArticleCategory).where(ArticleCategory.slug == cat)
        count = count.join(ArticleCategory).where(ArticleCategory.slug == cat)
    page = session.scalars(query.order_by(func.lower(Article.title), Article.id).limit(limit).offset(offset)).all()
    return page, session.scalar(count) or 0


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count(Article.id))) or 0


def list_recently_updated(session: Session, limit: int = 10) -> Sequence[Article]:
    return session.scalars(select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(limit)).all()


def list_categories(session: Session) -> list[tuple[str, str, int]]:
    """Every category as ``(slug, name, article count)``, by name."""
    rows = session.execute(
        select(ArticleCategory.slug, func.min(ArticleCategory.name), func.count(ArticleCategory.article_id))
        .group_by(ArticleCategory.slug)
        .order_by(ArticleCategory.slug)
    ).all()
    return [(slug, name, count) for slug, name, count in rows]
