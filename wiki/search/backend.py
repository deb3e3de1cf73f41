"""The search interface: what every backend stores, answers and promises.

Owns the value types (``SearchDocument``, ``Hit``, ``ResultPage``,
``Suggestion``), the ``SearchBackend`` protocol whose docstrings are the
contract both implementations are tested against, the ranking weights they
share, and the small text helpers both use (query clean-up, ICD-10 code
spotting, the plain-text snippet fallback).

No Flask and no database session here: backends are handed documents, and
the indexer (``wiki.search.indexer``) decides which documents to hand them.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

# Relative weight of a match in each field. The Whoosh backend uses them as
# query-time field boosts; the PostgreSQL backend maps them onto tsvector
# weights A-D (title/ICD-10 'A', aliases 'B', categories 'C', body 'D').
TITLE_BOOST = 6.0
ALIAS_BOOST = 4.0
ICD10_BOOST = 8.0
CATEGORY_BOOST = 1.5
BODY_BOOST = 1.0
# A query equal to a whole title or alias ("heart attack", "MI") is almost
# certainly a request for that article.
EXACT_NAME_BOOST = 12.0

# Longer queries are cut rather than refused: nobody types more, and the cost
# of a query grows with its terms.
MAX_QUERY_CHARS = 300
MAX_QUERY_WORDS = 24
SNIPPET_CHARS = 200

# An ICD-10 code as typed: a letter, two digits or digit+letter, an optional
# dotted subcode ("E11", "e11.9", "I21.4", "O9A").
ICD10_RE = re.compile(r"(?<![\w.])([A-Za-z]\d[0-9A-Za-z](?:\.[0-9A-Za-z]{1,4})?)(?![\w])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"\w+")
# Words shorter than this are never "corrected": "mi", "flu", "hiv" are
# abbreviations far more often than typos.
MIN_CORRECTED_CHARS = 4
MAX_CORRECTED_CHARS = 30


class IndexBusy(RuntimeError):
    """Another writer holds the index lock; try again on the next drain."""


@dataclass(frozen=True)
class SearchDocument:
    """What the index holds for one article: the text anonymous readers see."""

    article_id: int
    slug: str
    title: str
    aliases: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    body: str = ""  # plain text, no Markdown


@dataclass(frozen=True)
class Hit:
    """One search result."""

    slug: str
    title: str
    score: float
    snippet: str  # safe HTML: escaped article text, with <mark>…</mark> around matches only


@dataclass
class ResultPage:
    """One page of results for a query.

    ``total`` counts every match (after the category filter), so it is the
    same on every page of one query. ``facets`` counts matches per category
    before the category filter, so a page can offer the other categories.
    """

    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    suggestion: str | None = None  # "Did you mean …", built from the index's own words
    facets: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """An autocomplete entry: the article, and the alias that matched if it was not the title."""

    slug: str
    title: str
    alias: str | None = None


@runtime_checkable
class SearchBackend(Protocol):
    """A search index over ``SearchDocument``s, keyed on ``article_id``."""

    def index(self, docs: Iterable[SearchDocument], *, wait: bool = True) -> None:
        """Add or replace these documents, keyed on ``article_id``; doing it twice is harmless.

        All of ``docs`` become visible together once this returns. With
        ``wait=False`` a busy writer lock is not waited for at all (request
        workers use it); otherwise for a short timeout (well under a second).

        :raises IndexBusy: the writer lock could not be had; nothing was
            written and the caller should retry later.
        """
        ...

    def remove(self, article_ids: Iterable[int], *, wait: bool = True) -> None:
        """Drop these articles from the index; unknown ids are ignored.

        :raises IndexBusy: as for ``index``.
        """
        ...

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0, category: str | None = None
    ) -> ResultPage:
        """Return one page of results for ``query``, best first.

        Any string is accepted: malformed syntax (unbalanced quotes or
        brackets, lone operators, symbols) is searched as plain words, and a
        query with no searchable words gives an empty page. Never raises for
        the query's sake. ``"double quotes"`` search a phrase; an ICD-10 code
        matches itself and its subcodes ("E11" finds E11.9); misspelt words are
        also searched as their nearest indexed word, which is offered as
        ``suggestion`` (Whoosh draws it from titles, aliases and categories,
        PostgreSQL from every indexed word). ``category`` (case-insensitive)
        keeps only that category's articles.
        """
        ...

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Return titles and aliases whose words start with ``prefix``'s words, for autocomplete.

        Whole-name prefix matches come first, titles before aliases; at most
        one entry per article. Never raises for the prefix's sake.
        """
        ...

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``docs`` and return how many were indexed.

        Search keeps answering from the old index until the new one is
        complete; ``index`` and ``remove`` meanwhile raise ``IndexBusy``, so
        their outbox rows wait and apply to the new index. ``progress`` is
        called now and then with the number of
        documents indexed since its previous call (so ``click``'s
        ``ProgressBar.update`` fits).
        """
        ...

    def indexed_ids(self) -> set[int]:
        """Return the article ids the index holds (for the start-up consistency check)."""
        ...

    def writer_is_free(self) -> bool:
        """Return whether no writer holds the index lock right now (tests check nothing leaks)."""
        ...

    def close(self) -> None:
        """Release files, searchers and connections held by the backend."""
        ...


def clean_query(query: object) -> str:
    """Return ``query`` as a bounded, single-line string fit to parse."""
    text = query if isinstance(query, str) else ""
    text = _CONTROL.sub(" ", text)
    # Lone surrogates cannot be encoded for the index or the database.
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = " ".join(text.split())[:MAX_QUERY_CHARS]
    words = text.split(" ")
    return " ".join(words[:MAX_QUERY_WORDS])


# Every backend pages within these bounds (the views and API clamp before them).
MAX_LIMIT = 200
MAX_OFFSET = 10_000


def clean_request(query: object, limit: int, offset: int) -> tuple[str, int, int]:
    """Return ``(query, limit, offset)`` cleaned and clamped as every backend's ``search`` takes them."""
    return clean_query(query), max(0, min(int(limit), MAX_LIMIT)), max(0, min(int(offset), MAX_OFFSET))


def fold(text: str) -> str:
    """Return ``text`` lowercased with accents removed (``Ménière`` → ``meniere``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def name_key(text: str) -> str:
    """Return the comparison key of a title or alias: folded, punctuation to single spaces."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def icd10_codes(query: str) -> list[str]:
    """Return the ICD-10-looking tokens of ``query``, lowercased, in order, without repeats."""
    codes: list[str] = []
    for match in ICD10_RE.finditer(query):
        # "B12" is a vitamin and "T2D" an abbreviation, yet both look like
        # codes; matching a code no article carries costs nothing, so keep all.
        code = match.group(1).lower()
        if code not in codes:
            codes.append(code)
    return codes


def plain_snippet(body: str, chars: int = SNIPPET_CHARS) -> str:
    """Return the escaped opening of ``body``, cut at a word boundary, for a hit with no highlight."""
    text = " ".join(body.split())
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars].rstrip(" ,;:.") + " …"
    return html.escape(text)


def vocabulary(text: str) -> set[str]:
    """Return the folded words of ``text`` that spelling correction may offer or correct."""
    return {
        word
        for word in _LETTERS.findall(fold(text))
        if MIN_CORRECTED_CHARS <= len(word) <= MAX_CORRECTED_CHARS
    }


def misspelling_candidates(query: str) -> list[str]:
    """Return the folded words of ``query`` worth checking against the index's vocabulary, in order."""
    words: list[str] = []
    for word in _LETTERS.findall(fold(query)):
        if MIN_CORRECTED_CHARS <= len(word) <= MAX_CORRECTED_CHARS and word not in words:
            words.append(word)
    return words


def apply_corrections(query: str, replacements: dict[str, str]) -> str | None:
    """Return ``query`` with each word whose folded form is in ``replacements`` replaced, or None.

    A replaced word keeps an initial capital ("Diabetis" → "Diabetes").
    """
    if not replacements:
        return None

    def swap(match: re.Match[str]) -> str:
        original = match.group(0)
        better = replacements.get(fold(original))
        if better is None:
            return original
        return better.capitalize() if original[:1].isupper() else better

    corrected = _WORD.sub(swap, query)
    return corrected if corrected != query else None
