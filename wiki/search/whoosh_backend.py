"""The embedded search backend: a Whoosh index in a directory of the instance.

Owns the schema, query building (fields, boosts, phrases, ICD-10 codes,
spelling correction), facets, suggestions, the per-thread caches
that live as long as one index generation (documents per term, and each
query's counts and ranking so far), and the on-disk layout that lets
``rebuild`` swap a fresh index in atomically:

    <index_dir>/live            symlink to the generation readers use
    <index_dir>/gen-<stamp>/    one complete Whoosh index per generation

Whoosh allows one writer at a time across processes (a file lock). Writes
take it with a short timeout and raise ``IndexBusy`` rather than wait, so no
request ever queues behind another; the outbox row stays for the next drain.
Never ``AsyncWriter`` (its thread dies with a gunicorn worker, losing the
write) and never ``BufferedWriter`` (it buffers in one process's memory).

No Flask, no database: it is handed ``SearchDocument``s.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import os
import re
import shutil
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Set
from contextlib import contextmanager
from dataclasses import dataclass, field

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import (
    NgramFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, FieldType, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence
from whoosh.qparser import MultifieldParser, OrGroup, plugins
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F
from whoosh.support.levenshtein import distance as edit_distance
from whoosh.util.filelock import try_for

from wiki.search.analysis import STEMMED, STOPLIST, plain_analyzer, snippet, stem
from wiki.search.backend import (
    ALIAS_BOOST,
    BODY_BOOST,
    CATEGORY_BOOST,
    EXACT_NAME_BOOST,
    ICD10_BOOST,
    MAX_LIMIT,
    MAX_OFFSET,
    TITLE_BOOST,
    Hit,
    IndexBusy,
    ResultPage,
    SearchDocument,
    Suggestion,
    apply_corrections,
    clean_query,
    clean_request,
    icd10_codes,
    misspelling_candidates,
    name_key,
)
from wiki.search.whoosh_postings import (
    LENGTH_OF_BYTE,
    UINT32,
    leaf_length_bytes,
    leaf_values,
    position_keys,
    read_postings,
    read_postings_values,
    segment_id,
)

log = logging.getLogger(__name__)

LIVE = "live"
GEN_PREFIX = "gen-"
WRITE_LOCK = "MAIN_WRITELOCK"  # the name Whoosh's SegmentWriter locks
DEFAULT_LOCK_TIMEOUT = 0.5
REBUILD_LOCK_TIMEOUT = 30.0
NGRAM_MAX = 15  # longer prefixes are checked against the stored names
TERM_CACHE_SIZE = 4096
POSTINGS_CACHE_SIZE = 1024
# Postings (and documents in remembered sets) kept per thread, whatever the
# number of lists: a common word of a 100,000-article wiki has 70,000 (about
# 5 MB as Python lists), and a thousand such lists would be gigabytes.
# Three caches hold up to this many each: about 200 MB a thread at most.
POSTINGS_CACHE_BUDGET = 1_000_000
# Answers remembered per searcher generation: a popular query, and the next
# page of one, cost a dictionary look-up until the index changes.
RESULT_CACHE_SIZE = 256
# Ranking finds a floor by scoring the documents of the strongest terms if
# there are no more than this many (see _top_candidates).
FLOOR_SAMPLE = 1000
FLOOR_PARTIAL = 20_000  # and beyond, by partial sums over no more than this many
TEXT_FIELDS = ("title", "aliases", "cats_text", "body")
FIELD_BOOSTS = {"title": TITLE_BOOST, "aliases": ALIAS_BOOST, "cats_text": CATEGORY_BOOST, "body": BODY_BOOST}
PHRASE_BONUS = 1.5
CORRECTED_WEIGHT = 0.9
_WORD = re.compile(r"\w+", re.UNICODE)
# Unstemmed words of titles, aliases and categories: the vocabulary "did
# you mean" draws from. Body words are left out on purpose: they would double
# the postings written per article, and readers misspell the names of
# conditions far more than anything else.
SPELLING = plain_analyzer() | StopFilter(stoplist=STOPLIST, minsize=3)
# Edge n-grams of every word of a title or alias, for autocomplete.
WORD_PREFIXES = plain_analyzer() | NgramFilter(1, NGRAM_MAX, at="start")
PLAIN = plain_analyzer()


def make_schema() -> Schema:
    """Return the schema of a Whoosh search index.

    Every field with postings is ``scorable`` (has a length column) even where
    scores do not matter: while writing a segment Whoosh looks up each
    posting's field length, and for a field without the column that lookup is
    a filesystem ``stat`` per posting, which made indexing several times slower.
    """
    return Schema(
        id=ID(unique=True, stored=True, sortable=True),
        slug=STORED(),
        title=TEXT(analyzer=STEMMED, stored=True),
        aliases=TEXT(analyzer=STEMMED, stored=True),  # one alias per line
        names_exact=KEYWORD(commas=True, lowercase=False, scorable=True),  # name_key of title and each alias
        first_ngram=FieldType(Existence(), WORD_PREFIXES, scorable=True),  # first word of each name
        title_ngram=FieldType(Existence(), WORD_PREFIXES, scorable=True),
        alias_ngram=FieldType(Existence(), WORD_PREFIXES, scorable=True),
        icd10=KEYWORD(commas=True, lowercase=True, stored=True, scorable=True),
        categories=KEYWORD(commas=True, lowercase=False, stored=True, scorable=True),
        cats_text=TEXT(analyzer=STEMMED),
        body=TEXT(analyzer=STEMMED, stored=True),
        spell=FieldType(Existence(), SPELLING, scorable=True),
    )


def _fields(doc: SearchDocument) -> dict[str, str]:
    names = [doc.title, *doc.aliases]
    return {
        "id": str(doc.article_id),
        "slug": doc.slug,
        "title": doc.title,
        "aliases": "\n".join(doc.aliases),
        "names_exact": ",".join(key for key in map(name_key, names) if key),
        "first_ngram": "\n".join(name.split()[0] for name in names if name.split()),
        "title_ngram": doc.title,
        "alias_ngram": "\n".join(doc.aliases),
        "icd10": ",".join(code.strip() for code in doc.icd10 if code.strip()),
        "categories": ",".join(cat.replace(",", " ").strip() for cat in doc.categories if cat.strip()),
        "cats_text": "\n".join(doc.categories),
        "body": doc.body,
        "spell": "\n".join([*names, *doc.categories]),
    }


def _make_parser(schema: Schema, *, syntax: bool) -> MultifieldParser:
    # Any word may match; BM25 sums the words' scores, so articles with all
    # of them come first. (Whoosh's scaled OrGroup, the usual "coordination
    # bonus", scores one-word queries 0 once they spread over several fields.)
    parser = MultifieldParser(list(TEXT_FIELDS), schema, fieldboosts=FIELD_BOOSTS, group=OrGroup)
    # Readers type words, quotes and brackets, not Whoosh's field, wildcard,
    # range or boost syntax; "title:x" or "a*" are searched as the words.
    unwanted = [
        plugins.FieldsPlugin,
        plugins.WildcardPlugin,
        plugins.RangePlugin,
        plugins.BoostPlugin,
        plugins.EveryPlugin,
        plugins.SingleQuotePlugin,
    ]
    if not syntax:
        unwanted += [plugins.PhrasePlugin, plugins.GroupPlugin, plugins.OperatorsPlugin]
    for plugin in unwanted:
        parser.remove_plugin_class(plugin)
    return parser


class _Lru(OrderedDict):
    """Entries in the order they were last used, the oldest forgotten beyond a count and a budget.

    ``size`` tells what an entry holds (postings, documents); their sum stays
    within ``budget``, except that the newest entry is always kept.
    """

    def __init__(self, entries: int, budget: float = float("inf"), size: Callable[[object], int] = len) -> None:
        super().__init__()
        self.entries, self.budget, self.size, self.held = entries, budget, size, 0

    def find(self, key: object) -> object | None:
        """Return the entry for ``key`` (now the most recently used), or None."""
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def keep(self, key: object, value: object) -> object:
        """Remember ``value`` under ``key``, forgetting the oldest entries beyond the caps; return it."""
        if key in self:
            self.held -= self.size(self.pop(key))
        self[key] = value
        self.held += self.size(value)
        while len(self) > 1 and (len(self) > self.entries or self.held > self.budget):
            self.held -= self.size(self.popitem(last=False)[1])
        return value

    def forget(self, keys: Iterable[object]) -> None:
        """Drop the entries under ``keys``."""
        for key in list(keys):
            self.held -= self.size(self.pop(key))

    def clear(self) -> None:
        super().clear()
        self.held = 0


def _postings_lru() -> _Lru:
    return _Lru(POSTINGS_CACHE_SIZE, POSTINGS_CACHE_BUDGET, size=lambda found: len(found[0]))


@dataclass
class _Answer:
    """What one (query, category) gave on one generation: counts, and the ranking as far as asked.

    ``ranked`` holds (docnum, score) best first for the first ``len(ranked)``
    places; ``hits`` the ``Hit`` already built for a docnum.
    """

    total: int
    facets: dict[str, int]
    suggestion: str | None
    stems: set[str]
    ranked: list[tuple[int, float]] = field(default_factory=list)
    hits: dict[int, Hit] = field(default_factory=dict)
    query: object = None  # the scored query and its filter, to rank deeper when a later page asks
    allowed: object = None

    def covers(self, end: int) -> bool:
        return len(self.ranked) >= min(end, self.total)


@dataclass
class _Local:
    """One thread's searcher on one generation, with its per-generation caches.

    Segments never change once written (deletions are kept beside them), so
    what was read from a segment (postings, field lengths) is also kept per
    segment, across generations: an approval adds a small segment, and only
    that one is read afresh.
    """

    real: str = ""
    ix: object = None
    generation: int = -1
    searcher: object = None
    category_docs: dict[str, set[int]] | None = None
    reader_key: object = None
    terms: _Lru = field(default_factory=lambda: _Lru(TERM_CACHE_SIZE, POSTINGS_CACHE_BUDGET))
    deleted: frozenset[int] | None = None
    results: _Lru = field(default_factory=lambda: _Lru(RESULT_CACHE_SIZE, size=lambda _answer: 1))
    lengths: dict[object, bytes | int] = field(default_factory=dict)
    posting_lists: _Lru = field(default_factory=_postings_lru)
    leaf_postings: _Lru = field(default_factory=_postings_lru)
    leaf_lengths: dict[tuple[str, str], bytes] = field(default_factory=dict)

    @property
    def postings_held(self) -> int:
        return self.posting_lists.held

    @property
    def docs_held(self) -> int:
        return self.terms.held

    def reset(self, reader) -> None:
        self.reader_key, self.category_docs, self.deleted = reader, None, None
        self.terms.clear()
        self.results.clear()
        self.lengths.clear()
        self.posting_lists.clear()
        # Forget what came from segments merged away or from another generation.
        live = {segment_id(leaf) for leaf, _ in reader.leaf_readers()}
        for key in [key for key in self.leaf_lengths if key[0] not in live]:
            del self.leaf_lengths[key]
        self.leaf_postings.forget(key for key in self.leaf_postings if key[0] not in live)

    def field_lengths(self, reader, fieldname: str) -> bytes:
        """Return each document's length byte of ``fieldname`` (``LENGTH_OF_BYTE`` gives the length
        Whoosh's scorer sees)."""
        found = self.lengths.get(fieldname)
        if found is None:
            parts = []
            for leaf, _offset in reader.leaf_readers():  # segments are numbered one after another
                key = (segment_id(leaf), fieldname)
                part = self.leaf_lengths.get(key) if key[0] else None
                if part is None:
                    part = leaf_length_bytes(leaf, fieldname)
                    if key[0]:
                        self.leaf_lengths[key] = part
                parts.append(part)
            found = parts[0] if len(parts) == 1 else b"".join(parts)
            self.lengths[fieldname] = found
        return found

    def shortest_length(self, reader, fieldname: str) -> int:
        """Return the smallest length byte of ``fieldname`` (0 if a document lacks it)."""
        key = ("shortest", fieldname)
        found = self.lengths.get(key)
        if found is None:
            found = self.lengths[key] = min(self.field_lengths(reader, fieldname), default=0)
        return found

    def _leaf_postings(self, leaf, fieldname: str, text: str) -> tuple[array, array]:
        segment = segment_id(leaf)
        if not segment:
            return read_postings(leaf, fieldname, text)
        key = (segment, fieldname, text)
        found = self.leaf_postings.find(key)
        if found is None:
            found = self.leaf_postings.keep(key, read_postings(leaf, fieldname, text))
        return found

    def read_with_values(self, leaf, fieldname: str, text: str) -> tuple[array, list[str]] | None:
        """Read a term's postings in one segment unless remembered; return their docnums and values
        (positions, as latin-1 text) from the same block reads, or None if they were remembered."""
        segment = segment_id(leaf)
        key = (segment, fieldname, text)
        if segment and key in self.leaf_postings:
            return None
        ids, weights, values = read_postings_values(leaf, fieldname, text, with_values=True)
        if segment:
            self.leaf_postings.keep(key, (ids, weights))
        return ids, values

    def postings(self, reader, fieldname: str, text: str) -> tuple[array, array]:
        """Return the docnums holding a term and the term's weight in each, deleted ones included.

        Remembered (for the largest posting lists, which cost most to read)
        until the index changes, and shared by the counting and the scoring.
        Arrays, not lists: a million remembered postings in lists are two
        million objects the garbage collector walks over again and again
        (tens of milliseconds a full collection), and four times the memory.
        """
        key = (fieldname, text)
        found = self.posting_lists.find(key)
        if found is not None:
            return found
        leaves = reader.leaf_readers()
        if len(leaves) == 1 and leaves[0][1] == 0:
            found = self._leaf_postings(leaves[0][0], fieldname, text)  # shared, never changed
        else:
            ids, weights = array(UINT32), array("d")
            for leaf, offset in leaves:
                leaf_ids, leaf_weights = self._leaf_postings(leaf, fieldname, text)
                ids.extend(map(offset.__add__, leaf_ids) if offset else leaf_ids)
                weights.extend(leaf_weights)
            found = (ids, weights)
        return self.posting_lists.keep(key, found)

    def deleted_docs(self, reader) -> frozenset[int]:
        """Return the docnums deleted but not yet purged, remembered until the index changes."""
        if self.deleted is None:
            deleted: set[int] = set()
            for leaf, offset in reader.leaf_readers():
                if not leaf.has_deletions():
                    continue
                perdoc = getattr(leaf, "_perdoc", None)
                if perdoc is not None and hasattr(perdoc, "deleted_docs"):
                    local = perdoc.deleted_docs()  # the segment's own set: no pass over every document
                else:
                    local = (docnum for docnum in range(leaf.doc_count_all()) if leaf.is_deleted(docnum))
                deleted.update(offset + docnum for docnum in local)
            self.deleted = frozenset(deleted)
        return self.deleted

    def term_docs(self, reader, fieldname: str, text: str) -> frozenset[int]:
        """Return the live documents holding a term, remembered until the index changes."""
        key = (fieldname, text)
        docs = self.terms.find(key)
        if docs is None:
            docs = frozenset(self.postings(reader, fieldname, text)[0])
            if docs and reader.has_deletions():
                deleted = self.deleted_docs(reader)
                if not docs.isdisjoint(deleted):  # a look-up per deleted document, not a copy of the set
                    docs = docs - deleted
            self.terms.keep(key, docs)
        return docs


@dataclass
class WhooshBackend:
    """A ``SearchBackend`` over a Whoosh index in ``index_dir``."""

    index_dir: str
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _opened: list[_Local] = field(default_factory=list, init=False, repr=False)
    _opened_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.index_dir = os.path.abspath(self.index_dir)
        self.schema = make_schema()
        self._parser = _make_parser(self.schema, syntax=True)
        self._plain_parser = _make_parser(self.schema, syntax=False)
        self._live = os.path.join(self.index_dir, LIVE)
        self._ensure_live()

    # -- layout ---------------------------------------------------------

    def _new_generation(self) -> str:
        name = f"{GEN_PREFIX}{time.time_ns():x}-{os.getpid()}"
        path = os.path.join(self.index_dir, name)
        os.makedirs(path)
        whoosh_index.create_in(path, self.schema)
        return path

    def _ensure_live(self) -> str:
        """Return the live generation's directory, creating an empty index if there is none."""
        if os.path.isdir(self._live):
            return os.path.realpath(self._live)
        os.makedirs(self.index_dir, exist_ok=True)
        path = self._new_generation()
        try:
            if os.path.islink(self._live):  # dangling: its generation was deleted
                os.unlink(self._live)
            os.symlink(os.path.basename(path), self._live)
        except FileExistsError:
            # Another process created it first: use theirs.
            shutil.rmtree(path, ignore_errors=True)
        return os.path.realpath(self._live)

    def _lock(self, real: str) -> object:
        return FileStorage(real).lock(WRITE_LOCK)

    # -- writing --------------------------------------------------------

    @contextmanager
    def _writer(self, wait: bool) -> Iterator[object]:
        real = self._ensure_live()
        ix = _open_index(real)
        try:
            writer = ix.writer(timeout=self.lock_timeout if wait else 0.0, delay=0.05)
        except whoosh_index.LockError:
            raise IndexBusy("the search index is being written by another process") from None
        try:
            if os.path.realpath(self._live) != real:
                # A rebuild swapped generations while we waited for the lock:
                # writing here would be lost with the old generation.
                raise IndexBusy("the search index was just rebuilt; retry")
            yield writer
        except BaseException:
            writer.cancel()
            raise
        else:
            writer.commit()
        finally:
            ix.close()

    def index(self, docs: Iterable[SearchDocument], *, wait: bool = True) -> None:
        """Add or replace ``docs`` (see ``SearchBackend.index``)."""
        # update_document only replaces committed documents, so two versions
        # of one article in a batch would both stay: the last one wins.
        latest = {doc.article_id: doc for doc in docs}
        if not latest:
            return
        with self._writer(wait) as writer:
            for doc in latest.values():
                writer.update_document(**_fields(doc))

    def remove(self, article_ids: Iterable[int], *, wait: bool = True) -> None:
        """Drop these articles (see ``SearchBackend.remove``)."""
        ids = [str(int(article_id)) for article_id in article_ids]
        if not ids:
            return
        with self._writer(wait) as writer:
            for article_id in ids:
                writer.delete_by_term("id", article_id)

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Build a new generation from ``docs`` and swap it in (see ``SearchBackend.rebuild``).

        The live generation's write lock is held throughout, so drains that
        happen meanwhile leave their outbox rows and apply them to the new
        generation afterwards instead of writing into the one being replaced.

        :raises IndexBusy: another writer kept the lock for ``REBUILD_LOCK_TIMEOUT``.
        """
        old = self._ensure_live()
        lock = self._lock(old)
        if not try_for(lock.acquire, timeout=REBUILD_LOCK_TIMEOUT, delay=0.1):
            raise IndexBusy("another writer holds the search index")
        try:
            if os.path.realpath(self._live) != old:
                raise IndexBusy("another rebuild swapped the index meanwhile; retry")
            path = self._new_generation()
            count = 0
            try:
                ix = _open_index(path)
                writer = ix.writer(limitmb=128)
                pending = 0
                for doc in docs:
                    writer.add_document(**_fields(doc))
                    count += 1
                    pending += 1
                    if progress is not None and pending >= 100:
                        progress(pending)
                        pending = 0
                writer.commit()
                ix.close()
                if progress is not None and pending:
                    progress(pending)
                link = os.path.join(self.index_dir, f"{LIVE}.{os.getpid()}.tmp")
                if os.path.lexists(link):
                    os.unlink(link)
                os.symlink(os.path.basename(path), link)
                os.replace(link, self._live)  # atomic: readers see old or new, never neither
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
        finally:
            lock.release()
        self._remove_old_generations(keep={path, old})
        return count

    def _remove_old_generations(self, keep: set[str]) -> None:
        # The generation just replaced is kept one round: searchers in other
        # processes may still be reading it until they notice the swap.
        for name in os.listdir(self.index_dir):
            path = os.path.join(self.index_dir, name)
            if name.startswith(GEN_PREFIX) and path not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def writer_is_free(self) -> bool:
        """Return whether no writer holds the live generation's lock."""
        if not os.path.isdir(self._live):
            return True
        lock = self._lock(os.path.realpath(self._live))
        if lock.acquire(blocking=False):
            lock.release()
            return True
        return False

    # -- reading --------------------------------------------------------

    @contextmanager
    def _searcher(self) -> Iterator[tuple[object, _Local]]:
        local = getattr(self._local, "state", None)
        if local is None:
            local = self._local.state = _Local()
            with self._opened_lock:
                self._opened.append(local)
        real = self._ensure_live()
        # Reopen rather than Searcher.refresh(): refresh re-uses segment
        # readers and so misses deletions made in a segment it already had.
        if local.searcher is None or local.real != real or local.ix.latest_generation() != local.generation:
            if local.searcher is not None:
                local.searcher.close()
            local.ix = _open_index(real)
            local.searcher = local.ix.searcher()
            local.real, local.generation = real, local.searcher.reader().generation()
        reader = local.searcher.reader()
        if local.reader_key is not reader:
            local.reset(reader)
        yield local.searcher, local

    def indexed_ids(self) -> set[int]:
        """Return the article ids in the live generation."""
        with self._searcher() as (searcher, _):
            reader = searcher.reader()
            if reader.doc_count() == 0:
                return set()
            ids = reader.column_reader("id")
            return {int(ids[docnum]) for docnum in reader.all_doc_ids()}

    def search(self, query: str, *, limit: int = 20, offset: int = 0, category: str | None = None) -> ResultPage:
        """Return a page of results (see ``SearchBackend.search``)."""
        text, limit, offset = clean_request(query, limit, offset)
        if not text:
            return ResultPage(query=text, total=0)
        try:
            with self._searcher() as (searcher, local):
                return self._search(searcher, local, text, limit, offset, category)
        except Exception:
            # A query that trips Whoosh must not become a 500: log, answer empty.
            log.exception("search failed for a query of %d characters", len(text))
            return ResultPage(query=text, total=0)

    def _search(self, searcher, local: _Local, text: str, limit: int, offset: int, category: str | None) -> ResultPage:
        key = (text, None if category is None else category.strip().casefold())
        answer = local.results.find(key)
        if answer is None:
            answer = local.results.keep(key, self._answer(searcher, local, text, category))
        page = ResultPage(query=text, total=answer.total, suggestion=answer.suggestion, facets=dict(answer.facets))
        if limit == 0 or offset >= answer.total:
            return page
        end = offset + limit
        if not answer.covers(end):
            # Rank as deep as this page (at least twice the last depth, so
            # paging on does not rank again for every page).
            depth = min(max(end, 2 * len(answer.ranked)), MAX_OFFSET + MAX_LIMIT)
            answer.ranked = _rank(searcher, local, answer.query, answer.allowed, depth)
        for docnum, score in answer.ranked[offset:end]:
            hit = answer.hits.get(docnum)
            if hit is None:
                stored = searcher.stored_fields(docnum)
                hit = answer.hits[docnum] = Hit(
                    slug=stored["slug"],
                    title=stored["title"],
                    score=score,
                    snippet=snippet(stored.get("body", ""), answer.stems),
                )
            page.hits.append(hit)
        return page

    def _answer(self, searcher, local: _Local, text: str, category: str | None) -> _Answer:
        """Return the counts of ``text`` in ``category`` and what to rank them with; nothing scored yet."""
        reader = searcher.reader()
        suggestion = self._correct(reader, text)
        q = self._compose(reader, text, syntax=True)
        if suggestion:
            corrected = self._compose(reader, suggestion, syntax=True)
            if corrected is not None:
                corrected = corrected.with_boost(CORRECTED_WEIGHT)
                q = corrected if q is None else wq.Or([q, corrected])
        if q is None:
            return _Answer(total=0, facets={}, suggestion=suggestion, stems=set())
        # One flat OR: Whoosh runs a nested one several times slower.
        q = q.normalize()
        try:
            matched = self._docset(searcher, local, q)
        except Exception:
            # Syntax that parsed but cannot run: fall back to the bare words.
            q = self._compose(reader, suggestion or text, syntax=False)
            if q is None:
                return _Answer(total=0, facets={}, suggestion=suggestion, stems=set())
            matched = self._docset(searcher, local, q)
        categories = self._category_docs(reader, local)
        facets = {name: n for name, docs in categories.items() if (n := len(matched & docs))}
        allowed: set[int] | None = None
        if category is not None:
            wanted = category.strip().casefold()
            allowed = set()
            for name, docs in categories.items():
                if name.casefold() == wanted:
                    allowed |= docs
            matched = matched & allowed
        # The total above came from cached per-term sets; only pages are scored.
        scored = q
        if any(isinstance(sub, wq.Phrase) for sub in q.children()) or isinstance(q, wq.Phrase):
            # Checking word positions again for every candidate costs more
            # than the search: score the phrase as its words, among the
            # documents already known to hold it.
            scored = _relax_phrases(q)
            allowed = matched
        stems = {term for fieldname, term in q.iter_all_terms() if fieldname == "body"}
        return _Answer(
            total=len(matched), facets=facets, suggestion=suggestion, stems=stems, query=scored, allowed=allowed
        )

    def _docset(self, searcher, local: _Local, q: wq.Query) -> set[int] | frozenset[int]:
        """Return the documents matching ``q``, from cached per-term sets where the tree allows.

        Or and And of terms (what the parser mostly builds) are set unions and
        intersections; anything else (phrases, negations) asks Whoosh.
        """
        if isinstance(q, wq.Term):
            return local.term_docs(searcher.reader(), q.fieldname, q.text)
        if type(q) is wq.Or and not q.minmatch:
            out: set[int] = set()
            for sub in q.subqueries:
                out |= self._docset(searcher, local, sub)
            return out
        if type(q) is wq.And:
            sets = sorted((self._docset(searcher, local, sub) for sub in q.subqueries), key=len)
            return set(sets[0]).intersection(*sets[1:]) if sets else set()
        if q is wq.NullQuery:
            return set()
        key = ("query", repr(q))
        if type(q) is wq.Phrase and q.slop == 1 and key not in local.terms:
            docs = _phrase_docs(searcher, local, q)
            if docs is not None:
                return local.terms.keep(key, docs)
        docs = local.terms.find(key)
        if docs is None:
            docs = local.terms.keep(key, frozenset(searcher.docs_for_query(q)))
        return docs

    def _category_docs(self, reader, local: _Local) -> dict[str, set[int]]:
        if local.category_docs is None:
            docs: dict[str, set[int]] = {}
            for term in reader.lexicon("categories"):
                name = term.decode("utf-8") if isinstance(term, bytes) else term
                docs[name] = set(local.term_docs(reader, "categories", name))
            local.category_docs = docs
        return local.category_docs

    def _compose(self, reader, text: str, *, syntax: bool) -> wq.Query | None:
        """Return the query for ``text``: any of its words, with bonuses for the words as a
        phrase in a title or alias, for a whole name, and for ICD-10 codes."""
        parts: list[wq.Query] = []
        parser = self._parser if syntax else self._plain_parser
        try:
            main = parser.parse(text)
        except Exception:
            main = self._plain_parser.parse(" ".join(_WORD.findall(text)))
            syntax = False
        if main is not None and main is not wq.NullQuery:
            parts.append(main)
        parts.extend(self._bonus_parts(reader, text))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def _bonus_parts(self, reader, text: str) -> list[wq.Query]:
        """Return the clauses that lift whole names, names with every word, and ICD-10 codes."""
        parts: list[wq.Query] = []
        stems = [token.text for token in STEMMED(text.replace('"', " "))]
        if 2 <= len(stems) <= 6:
            # Unquoted "motor neurone" still prefers articles named with all
            # the words. (AND rather than a phrase: a phrase clause would make
            # Whoosh check positions for every candidate of every query.)
            parts.append(wq.And([wq.Term("title", stem) for stem in stems], boost=TITLE_BOOST * PHRASE_BONUS))
            parts.append(wq.And([wq.Term("aliases", stem) for stem in stems], boost=ALIAS_BOOST * PHRASE_BONUS))
        key = name_key(text)
        if key:
            parts.append(wq.Term("names_exact", key, boost=EXACT_NAME_BOOST))
        for code in icd10_codes(text):
            parts.append(wq.Term("icd10", code, boost=ICD10_BOOST))
            # Subcodes (E11 → E11.9), expanded here because a one-term
            # wq.Prefix drops its boost.
            for sub in reader.expand_prefix("icd10", code + "."):
                sub = sub.decode("utf-8") if isinstance(sub, bytes) else sub
                parts.append(wq.Term("icd10", sub, boost=ICD10_BOOST * 0.75))
            if "." in code:
                parts.append(wq.Term("icd10", code.split(".")[0], boost=ICD10_BOOST * 0.5))  # E11.9 → E11
        return parts

    def _correct(self, reader, text: str) -> str | None:
        """Return ``text`` with words the index has never seen replaced by their nearest indexed word."""
        replacements: dict[str, str] = {}
        for word in misspelling_candidates(text):
            if _is_live_word(reader, word):
                continue
            # The vocabulary offered is the names'. A word whose stem the
            # bodies hold may still be a typo of a name ("migrane" shares a
            # stem with "migrans"), but only one edit away.
            in_bodies = reader.doc_frequency("body", stem(word)) > 0
            nearest = self._nearest(reader, word, max_distance=1 if in_bodies else 2)
            if nearest:
                replacements[word] = nearest
        return apply_corrections(text, replacements)

    def _nearest(self, reader, word: str, max_distance: int = 2) -> str | None:
        # One edit for short words, two for longer; the first letter is
        # trusted on multi-segment readers, where the search is not automaton-driven.
        prefix = 0 if reader.is_atomic() else 1
        for distance in (1, 2) if len(word) > 5 and max_distance > 1 else (1,):
            scored = []
            for candidate in _terms_within(reader, "spell", word, distance, prefix):
                if isinstance(candidate, bytes):
                    candidate = candidate.decode("utf-8")
                if candidate != word and _is_live_word(reader, candidate):
                    scored.append((reader.doc_frequency("spell", candidate), candidate))
            if scored:
                return max(scored)[1]
        return None

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Return autocomplete entries for ``prefix`` (see ``SearchBackend.suggest``)."""
        text = clean_query(prefix)
        limit = max(0, min(int(limit), 50))
        words = [token.text for token in PLAIN(text)][:6]
        if not words or limit == 0:
            return []
        grams = [word[:NGRAM_MAX] for word in words]
        key = name_key(text)
        parts = [
            _all_of("title_ngram", grams, boost=2.0),
            _all_of("alias_ngram", grams),
            # names that start with the first word typed come first
            wq.Term("first_ngram", grams[0], boost=3.0),
        ]
        try:
            with self._searcher() as (searcher, local):
                # Ranked as Whoosh would, by the same dictionary arithmetic as
                # search: a first letter matches most names of a large wiki.
                ranked = _rank(searcher, local, wq.Or(parts), None, limit * 5)
                candidates = [searcher.stored_fields(docnum) for docnum, _ in ranked]
        except Exception:
            log.exception("suggest failed for a prefix of %d characters", len(text))
            return []
        ranked = []
        for stored in candidates:
            best = _best_name(stored["title"], stored.get("aliases", ""), words, key)
            if best is not None:
                rank, name, is_alias = best
                ranked.append((rank, Suggestion(stored["slug"], stored["title"], name if is_alias else None)))
        ranked.sort(key=lambda item: item[0])
        return [suggestion for _, suggestion in ranked[:limit]]

    def close(self) -> None:
        """Close every searcher this backend opened."""
        with self._opened_lock:
            for local in self._opened:
                if local.searcher is not None:
                    local.searcher.close()
                    local.searcher = None
            self._opened.clear()
        self._local = threading.local()


def _open_index(path: str):
    """Open the Whoosh index in ``path``, its segment files read in place.

    By default Whoosh maps each compound segment file into memory and then
    wraps every file inside it in a BytesIO, which copies it: each searcher
    opened (one per thread after every write) copied the segment's whole
    postings file, and its stored fields at the first hit (320 and 143 MB,
    about 0.3 s, at 100,000 articles). Without the mapping Whoosh reads each
    file inside a segment through the segment's own open file, nothing copied.
    """
    return FileStorage(path, supports_mmap=False).open_index()


def _all_of(fieldname: str, words: list[str], boost: float = 1.0) -> wq.Query:
    """Return the query for all ``words`` in ``fieldname`` (one word: its term; Whoosh drops the boost
    of an And holding a single term)."""
    if len(words) == 1:
        return wq.Term(fieldname, words[0], boost=boost)
    return wq.And([wq.Term(fieldname, word) for word in words], boost=boost)


def _is_live_word(reader, word: str) -> bool:
    """Return whether a document not yet purged of deletions still has ``word``."""
    if not reader.has_deletions():
        return reader.doc_frequency("spell", word) > 0
    try:
        postings = reader.postings("spell", word)
    except TermNotFound:
        return False
    return any(not reader.is_deleted(docnum) for docnum in postings.all_ids())


def _terms_within(reader, fieldname: str, word: str, maxdist: int, prefix: int) -> Iterator[str | bytes]:
    """Return ``reader.terms_within(fieldname, word, maxdist, prefix)``; on several segments, where
    Whoosh works out the edit distance of every word with the prefix, words whose length alone puts
    them too far away are passed over first."""
    if reader.is_atomic():
        return reader.terms_within(fieldname, word, maxdist, prefix=prefix)
    fieldobj = reader.schema[fieldname]
    shortest, longest = len(word) - maxdist, len(word) + maxdist
    found = []
    for btext in reader.expand_prefix(fieldname, word[:prefix]):
        candidate = fieldobj.from_bytes(btext)
        if shortest <= len(candidate) <= longest and edit_distance(candidate, word, limit=maxdist) <= maxdist:
            found.append(candidate)
    return iter(found)


def _best_name(title: str, aliases: str, words: list[str], key: str) -> tuple[tuple, str, bool] | None:
    """Return the sort key, text and alias-ness of the best name of an article matching ``words``."""
    best = None
    names = [(title, False)] + [(alias, True) for alias in aliases.split("\n") if alias]
    for name, is_alias in names:
        name_words = [token.text for token in PLAIN(name)]
        if not all(any(nw.startswith(word) for nw in name_words) for word in words):
            continue
        rank = (0 if name_key(name).startswith(key) else 1, int(is_alias), len(name), name.casefold())
        if best is None or rank < best[0]:
            best = (rank, name, is_alias)
    return best


def _rank(searcher, local: _Local, q: wq.Query, allowed, depth: int) -> list[tuple[int, float]]:
    """Return the best ``depth`` (docnum, score) of ``q`` among ``allowed``, best first.

    Whoosh scores each candidate through a tree of matcher objects, a few
    microseconds apiece, and common words match most of the corpus. A plain
    tree of terms under Or/And is scored here instead with the same BM25F
    arithmetic, one dictionary pass per posting list, segment by segment;
    anything else is left to Whoosh's own top-N collector.
    Ties go to the lower docnum either way.
    """
    scores = None
    reader = searcher.reader()
    if isinstance(searcher.weighting, BM25F):
        # Only documents that can reach the depth-th place are scored, and a
        # few allowed ones (a phrase's) are looked up in each posting list.
        within = _top_candidates(searcher, local, q, allowed, depth)
        if within is None:
            within = allowed
        elif allowed is not None:
            within &= allowed
        scores = _scores(searcher, local, q, within)
    if scores is None:
        results = searcher.search(q, limit=depth, filter=allowed, terms=False)
        # Slice, never list(): list() asks len(), and Whoosh answers that by
        # running the whole query again to count.
        return [(hit.docnum, float(hit.score)) for hit in results[:depth]]
    if allowed is not None:
        scores = {docnum: score for docnum, score in scores.items() if docnum in allowed}
    if reader.has_deletions():
        for docnum in local.deleted_docs(reader):  # a few, against tens of thousands scored
            scores.pop(docnum, None)
    return _best(scores, depth)


def _top_candidates(searcher, local: _Local, q: wq.Query, allowed, depth: int) -> set[int] | None:
    """Return documents among which the ``depth`` best of ``q`` (among ``allowed``) are all found,
    or None to score every document.

    Each term can add at most its best BM25F score (its highest frequency
    over its shortest field length) times the boosts above it. The documents
    of the terms that can add most are scored first (if few; if many, only
    what those terms outside any And add, which is less), and their
    ``depth``-th best is a floor; the terms that, all together, cannot lift a
    document to that floor do not make it a candidate on their own. Common
    body words mostly are such terms: their documents are scored only where
    a rarer term (a title, an alias) holds them too.
    """
    leaves = _leaves(q)
    if leaves is None or len(leaves) < 2 or depth <= 0:
        return None
    reader = searcher.reader()
    bounds = []
    for fieldname, text, boost, alone in leaves:
        bound = _term_bound(searcher, local, fieldname, text)
        if bound is None or not boost > 0:
            return None
        bounds.append((bound * boost, fieldname, text, boost, alone))
    bounds.sort(key=lambda item: item[0], reverse=True)
    deleted = local.deleted_docs(reader) if reader.has_deletions() else frozenset()
    eligible: set[int] = set()

    def live(docs) -> set[int]:
        docs = docs - deleted
        return docs & allowed if allowed is not None else docs

    for _bound, fieldname, text, _boost, _alone in bounds:
        eligible = live(eligible.union(local.postings(reader, fieldname, text)[0]))
        if len(eligible) >= depth:
            break
    else:
        return None
    if len(eligible) <= FLOOR_SAMPLE:
        # The documents of the strongest terms, scored: their depth-th best is a floor.
        scored = _scores(searcher, local, q, eligible)
        if scored is None or len(scored) < depth:
            return None
        floor = heapq.nlargest(depth, scored.values())[-1]
    else:
        # Too many to score twice: what the strongest terms outside any And
        # add is less than the whole score of each of their documents.
        partial: dict[int, float] = {}
        for _bound, fieldname, text, boost, alone in bounds:
            if not alone:
                continue
            if len(partial) + len(local.postings(reader, fieldname, text)[0]) > FLOOR_PARTIAL:
                return None  # a common word among the strongest: nearly everything is a candidate
            for docnum, score in _term_scores(searcher, local, fieldname, text).items():
                partial[docnum] = partial.get(docnum, 0.0) + score * boost
            eligible = live(partial.keys())
            if len(eligible) >= depth:
                break
        else:
            return None
        floor = heapq.nlargest(depth, map(partial.__getitem__, eligible))[-1]
    # The weakest terms, while all of them together stay clearly below the floor.
    total, weak = 0.0, 0
    for bound, *_rest in reversed(bounds):
        if (total + bound) * (1 + 1e-6) >= floor:
            break
        total += bound
        weak += 1
    if weak == 0:
        return None
    candidates = set(eligible)
    for _bound, fieldname, text, _boost, _alone in bounds[: len(bounds) - weak]:
        candidates.update(local.postings(reader, fieldname, text)[0])
    return candidates


def _leaves(q: wq.Query, boost: float = 1.0, alone: bool = True) -> list[tuple[str, str, float, bool]] | None:
    """Return (fieldname, text, product of the boosts over it, whether no And is over it) of each
    term of a plain tree of Or and And, or None if ``q`` is not one."""
    if type(q) is wq.Term:
        return [(q.fieldname, q.text, boost * q.boost, alone)]
    if type(q) not in (wq.Or, wq.And) or not q.subqueries or (type(q) is wq.Or and (q.minmatch or q.scale)):
        return None
    out = []
    for sub in q.subqueries:
        found = _leaves(sub, boost * q.boost, alone and type(q) is wq.Or)
        if found is None:
            return None
        out.extend(found)
    return out


def _bm25(searcher, fieldname: str, text: str) -> tuple[float, float, float, float]:
    """Return (idf, K1, B, average field length) of a term, as whoosh.scoring's BM25F uses them."""
    weighting = searcher.weighting
    B = weighting._field_B.get(fieldname, weighting.B)
    return searcher.idf(fieldname, text), weighting.K1, B, searcher.avg_field_length(fieldname) or 1


def _term_bound(searcher, local: _Local, fieldname: str, text: str) -> float | None:
    """Return at least the highest unboosted BM25F score of a term in any document, or None."""
    if not searcher.schema[fieldname].scorable:
        return None
    reader = searcher.reader()
    ids, weights = local.postings(reader, fieldname, text)
    if not ids:
        return 0.0
    idf, K1, B, avgfl = _bm25(searcher, fieldname, text)
    # The score grows with the frequency and falls with the length (length bytes ascend with lengths):
    # the field's shortest anywhere, found once per field, serves every term of it.
    shortest = LENGTH_OF_BYTE[local.shortest_length(reader, fieldname)]
    tf = max(weights)
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * shortest / avgfl)))


def _best(scores: dict[int, float], depth: int) -> list[tuple[int, float]]:
    """Return the ``depth`` best (docnum, score), best first, ties to the lower docnum.

    The depth-th best score is found among the bare floats (compared in C),
    and only the few items that reach it are sorted with a key.
    """
    if depth <= 0 or not scores:
        return []
    if depth >= len(scores):
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    floor = heapq.nlargest(depth, scores.values())[-1]
    reaching = [item for item in scores.items() if item[1] >= floor]
    reaching.sort(key=lambda item: (-item[1], item[0]))
    return reaching[:depth]


def _scores(searcher, local: _Local, q: wq.Query, within: Set[int] | None = None) -> dict[int, float] | None:
    """Return docnum -> score of ``q`` as Whoosh's matchers would sum it, or None if ``q`` is not plain.

    Given ``within``, only the documents in it are scored.
    """
    if type(q) is wq.Term:
        scores = _term_scores(searcher, local, q.fieldname, q.text, within)
        if scores is None:
            return None
        if q.boost != 1.0:
            boost = q.boost
            return {docnum: score * boost for docnum, score in scores.items()}
        return dict(scores)
    if type(q) not in (wq.Or, wq.And) or not q.subqueries:
        return None
    if type(q) is wq.Or and (q.minmatch or q.scale):
        return None
    parts = []
    for sub in q.subqueries:
        part = _scores(searcher, local, sub, within)
        if part is None:
            return None
        parts.append(part)
    if type(q) is wq.Or:
        out = _union_tree(parts)
    else:
        out = parts[0]
        for part in parts[1:]:
            out = {docnum: score + part[docnum] for docnum, score in out.items() if docnum in part}
    if q.boost != 1.0:
        boost = q.boost
        out = {docnum: score * boost for docnum, score in out.items()}
    return out


def _union_tree(parts: list[dict[int, float]]) -> dict[int, float]:
    # The same halving as Whoosh's binary tree of UnionMatchers, so the
    # scores are summed in the same order (an And of three or more terms may
    # still differ in the last bit: Whoosh orders those by estimated size).
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    left, right = _union_tree(parts[:half]), _union_tree(parts[half:])
    if len(left) < len(right):
        out = dict(right)
        for docnum, score in left.items():
            other = out.get(docnum)
            out[docnum] = score if other is None else score + other
    else:
        out = dict(left)
        for docnum, score in right.items():
            other = out.get(docnum)
            out[docnum] = score if other is None else other + score
    return out


def _term_scores(
    searcher, local: _Local, fieldname: str, text: str, within: Set[int] | None = None
) -> dict[int, float] | None:
    """Return docnum -> unboosted BM25F score of one term, for every document holding it (given
    ``within``, every one of those holding it)."""
    if not searcher.schema[fieldname].scorable:
        return None
    reader = searcher.reader()
    ids, weights = local.postings(reader, fieldname, text)
    if not ids:
        return {}
    idf, K1, B, avgfl = _bm25(searcher, fieldname, text)
    lengths = local.field_lengths(reader, fieldname)
    # bm25() of whoosh.scoring, with the part that depends on the length
    # worked out once per length byte, in the same order of operations.
    norms = [K1 * ((1 - B) + B * fl / avgfl) for fl in LENGTH_OF_BYTE]
    k1_plus_1 = K1 + 1
    if within is not None and len(within) * 20 < len(ids):
        # A few documents in a long list: found by bisection (docnums ascend).
        pairs = []
        for docnum in sorted(within):
            i = bisect.bisect_left(ids, docnum)
            if i < len(ids) and ids[i] == docnum:
                pairs.append((docnum, weights[i]))
    elif within is not None:
        pairs = itertools.compress(zip(ids, weights, strict=True), map(within.__contains__, ids))
    else:
        pairs = zip(ids, weights, strict=True)
    return {docnum: idf * ((tf * k1_plus_1) / (tf + norms[lengths[docnum]])) for docnum, tf in pairs}


def _phrase_docs(searcher, local: _Local, q: wq.Phrase) -> frozenset[int] | None:
    """Return the live documents holding ``q``'s words side by side, or None to leave it to Whoosh.

    Whoosh walks span matchers over every document with all the words; here
    the candidates come from the cached per-term sets and only their
    positions are decoded. A word's postings not yet remembered are read
    once, positions included; remembered ones have only the blocks holding a
    candidate read again. Each word's positions become numbers
    ``(docnum << 32) + position - place``, so a document holds the phrase
    where one number is in every word's set: set intersections, not a loop
    over documents.
    """
    reader = searcher.reader()
    fieldname = q.fieldname
    fmt = searcher.schema[fieldname].format
    if not q.words or not fmt.supports("positions"):
        return None
    words = list(dict.fromkeys(q.words))
    leaves = reader.leaf_readers()
    read = {}
    if len(q.words) > 1:
        read = {word: [local.read_with_values(leaf, fieldname, word) for leaf, _ in leaves] for word in words}
    sets = [local.term_docs(reader, fieldname, word) for word in words]
    candidates = frozenset.intersection(*sets)
    if len(q.words) == 1 or not candidates:
        return candidates
    count = len(q.words)
    ordered = sorted(candidates)
    out: set[int] = set()
    for i, (leaf, offset) in enumerate(leaves):
        end = offset + leaf.doc_count_all()
        wanted = ordered[bisect.bisect_left(ordered, offset) : bisect.bisect_left(ordered, end)]
        if not wanted:
            continue
        if offset:
            wanted = [docnum - offset for docnum in wanted]
        wanted_set = set(wanted)
        keys = {}
        for word in words:
            found = read[word][i]
            if found is None:
                values = leaf_values(leaf, fieldname, word, wanted, wanted_set)
            else:
                ids, values = found
                values = list(itertools.compress(values, map(wanted_set.__contains__, ids)))
            keys[word] = position_keys(fmt, values, wanted)
        # Shifted by the words after each place too, so no number goes below
        # its document's; the place with the fewest positions first.
        places = sorted(range(count), key=lambda place: len(keys[q.words[place]]))
        starts = set(map((count - places[0]).__add__, keys[q.words[places[0]]]))
        for place in places[1:]:
            if not starts:
                break
            starts.intersection_update(map((count - place).__add__, keys[q.words[place]]))
        out.update(docnum + offset for docnum in {key >> 32 for key in starts})
    return frozenset(out)


def _relax_phrases(q: wq.Query) -> wq.Query:
    """Return ``q`` with each phrase replaced by the AND of its words, boost kept."""
    if isinstance(q, wq.Phrase):
        return wq.And([wq.Term(q.fieldname, word) for word in q.words], boost=q.boost)
    if isinstance(q, wq.Or):
        return wq.Or([_relax_phrases(sub) for sub in q.subqueries], boost=q.boost)
    return q
