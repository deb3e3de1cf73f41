"""Importing and exporting articles as Markdown files with YAML front matter.

A file's front matter may carry ``title:``; the title is the article's name,
not part of its text, so it is taken out on import and put back on export
(exactly, so export → import round-trips every text byte for byte).
No Flask imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from wiki import articles, revisions
from wiki.errors import InvalidInput
from wiki.models import Article, RevisionKind, Role

_TITLE_LINE = re.compile(r"^title:[^\n]*\n", re.MULTILINE)
_OPEN = "---\n"


class SystemActor:
    """The wiki itself, for imports from the command line: an admin with no account."""

    id = None
    role = Role.ADMIN
    username = "import"

    def is_blocked(self, now: object = None) -> bool:
        return False


SYSTEM = SystemActor()


@dataclass(frozen=True)
class ArticleFile:
    path: Path
    title: str
    text: str


def parse_file(path: Path) -> ArticleFile:
    """Read one article file: its title and the text to store.

    :raises InvalidInput: unreadable, not UTF-8, bad front matter, or no title.
    """
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name}: not UTF-8 text (byte {exc.start}).") from None
    except OSError as exc:
        raise InvalidInput(f"{path.name}: cannot be read ({exc.strerror}).") from None
    raw = raw.replace("\r\n", "\n").removeprefix("\ufeff")
    try:
        meta, body = articles.split_front_matter(raw)
    except InvalidInput as exc:
        raise InvalidInput(f"{path.name}: {exc.message}") from None
    title = meta.extra.get("title")
    text = raw
    if title is not None:
        if not isinstance(title, str | int | float):
            raise InvalidInput(f"{path.name}: 'title' in the front matter must be plain text.")
        title = str(title)
        text = _strip_title(raw)
    else:
        heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = heading.group(1).strip() if heading else path.stem.replace("-", " ").capitalize()
    try:
        title = articles.normalize_title(title)
    except InvalidInput as exc:
        raise InvalidInput(f"{path.name}: {exc.message}") from None
    if not text.strip():
        raise InvalidInput(f"{path.name}: the article is empty.")
    return ArticleFile(path, title, text)


def _strip_title(raw: str) -> str:
    end = raw.index("\n---", 3) + 1
    block = _TITLE_LINE.sub("", raw[len(_OPEN):end], count=1)
    rest = raw[end:]
    if not block.strip():
        return rest.split("\n", 1)[1] if "\n" in rest else ""
    return _OPEN + block + rest


def with_title(title: str, text: str) -> str:
    """``text`` with ``title:`` added to its front matter (the inverse of the import's stripping)."""
    line = yaml.safe_dump({"title": title}, allow_unicode=True, width=10_000).strip() + "\n"
    if text.startswith(_OPEN) and "\n---" in text[3:]:
        return _OPEN + line + text[len(_OPEN):]
    return _OPEN + line + "---\n" + text


def read_dir(directory: Path) -> tuple[list[ArticleFile], list[str]]:
    """Every ``*.md`` file under ``directory`` parsed, and the errors of those that failed."""
    files, errors = [], []
    seen: dict[str, Path] = {}
    for path in sorted(directory.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            parsed = parse_file(path)
        except InvalidInput as exc:
            errors.append(exc.message)
            continue
        slug = articles.slugify(parsed.title)
        if slug in seen:
            errors.append(f"{path.name}: the title {parsed.title!r} is also used by {seen[slug].name}.")
            continue
        seen[slug] = path
        files.append(parsed)
    return files, errors


def import_file(session: Session, item: ArticleFile, *, policy: revisions.EditPolicy,
                rerender: bool = True) -> str:
    """Create or update one article from a file; "created", "updated" or "unchanged". Commits.

    With ``rerender`` False a new article does not re-render the pages linking
    to it; call ``finish_import`` once after the batch.
    """
    article = articles.find_by_slug(session, articles.slugify(item.title))
    if article is None:
        revisions.create_article(session, item.title, item.text, summary=f"Imported from {item.path.name}",
                                 author=SYSTEM, policy=policy, confirm_warnings=True, kind=RevisionKind.IMPORT,
                                 rerender=rerender)
        return "created"
    if revisions.load_text(session, article.latest_revision_id) == item.text:
        return "unchanged"
    revisions.save_edit(session, article.id, item.text, summary=f"Imported from {item.path.name}", author=SYSTEM,
                        base_revision_id=None, policy=policy, confirm_warnings=True, kind=RevisionKind.IMPORT)
    return "updated"


def finish_import(session: Session, titles: list[str]) -> int:
    """Re-render, once, the pages linking to the articles a batch created (red links turn blue). Commits."""
    slugs = {articles.slugify(title) for title in titles}
    found = session.scalars(select(Article).where(Article.slug.in_(slugs))).all()
    slugs |= {alias.slug for article in found for alias in article.aliases}
    count = revisions.rerender_linkers(session, slugs)
    session.commit()
    return count


def iter_export(session: Session) -> Iterator[tuple[str, str]]:
    """``(file name, file text)`` for every article: its approved text (latest if never approved)."""
    for article in session.scalars(select(Article).order_by(Article.slug)):
        rev_id = article.stable_revision_id or article.latest_revision_id
        if rev_id is None:
            continue
        yield f"{article.slug}.md", with_title(article.title, revisions.load_text(session, rev_id))

