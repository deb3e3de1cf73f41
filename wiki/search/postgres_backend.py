"""The shared search backend: full-text search inside PostgreSQL, for several hosts.

Owns the search tables (``SCHEMA_SQL``, which a migration can run as is), the
SQL that fills them and the SQL that queries them. Every host sees the same
index because it is just rows in the shared database.

* ``search_documents``: one row per article, with a weighted ``tsvector``
  (title and ICD-10 codes 'A', aliases 'B', categories 'C', body 'D', the
  ``english`` configuration, GIN-indexed), code arrays for exact and
  subcode matches, and the folded names for pg_trgm typo tolerance.
* ``search_names``: one row per title or alias, for autocomplete by prefix.
* ``search_words``: the indexed vocabulary with document counts, for
  "did you mean" (pg_trgm finds near words, fuzzystrmatch's Levenshtein
  distance orders them).
* ``search_state``: one row whose ``generation`` every write bumps, so each
  process may keep the pages it answered until the index changes.

Text is accent-folded in Python before it reaches ``to_tsvector`` so
"Ménière" and "meniere" meet. Writers serialize on a transaction-scoped
advisory lock taken with a short timeout, so the vocabulary counts stay
exact; a writer that cannot have it raises ``IndexBusy`` like Whoosh's.
Readers never wait.

No Flask: it is handed an SQLAlchemy engine and ``SearchDocument``s.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from wiki.search.backend import (
    ALIAS_BOOST,
    BODY_BOOST,
    CATEGORY_BOOST,
    EXACT_NAME_BOOST,
    ICD10_BOOST,
    TITLE_BOOST,
    Hit,
    IndexBusy,
    ResultPage,
    SearchDocument,
    Suggestion,
    apply_corrections,
    clean_query,
    clean_request,
    fold,
    icd10_codes,
    misspelling_candidates,
    name_key,
    plain_snippet,
    vocabulary,
)

log = logging.getLogger(__name__)

SCHEMA_SQL: list[str] = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    """CREATE TABLE IF NOT EXISTS search_documents (
        article_id integer PRIMARY KEY,
        slug text NOT NULL,
        title text NOT NULL,
        aliases text NOT NULL DEFAULT '',
        categories text[] NOT NULL DEFAULT '{}',
        icd10 text[] NOT NULL DEFAULT '{}',
        icd10_all text[] NOT NULL DEFAULT '{}',
        names text NOT NULL DEFAULT '',
        names_exact text[] NOT NULL DEFAULT '{}',
        words text[] NOT NULL DEFAULT '{}',
        body text NOT NULL DEFAULT '',
        tsv tsvector NOT NULL,
        rank_tsv tsvector NOT NULL
    ) WITH (toast_tuple_target = 4096)""",
    # Ranking reads the small columns and the ranking vector of every match:
    # keep them in the row (MAIN, and room for 4 kB before anything leaves
    # it: toast_tuple_target above), and let the body and the full vector go
    # to TOAST. Reading those from TOAST for every match cost five times the
    # ranking itself. Altered only when needed: ALTER TABLE locks out readers.
    """DO $$ BEGIN
        IF (SELECT attstorage FROM pg_attribute
            WHERE attrelid = 'search_documents'::regclass AND attname = 'rank_tsv') <> 'm' THEN
            ALTER TABLE search_documents ALTER COLUMN rank_tsv SET STORAGE MAIN;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_names_trgm"
    " ON search_documents USING gin (names gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_names_exact ON search_documents USING gin (names_exact)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_icd10_all ON search_documents USING gin (icd10_all)",
    """CREATE TABLE IF NOT EXISTS search_names (
        article_id integer NOT NULL REFERENCES search_documents (article_id) ON DELETE CASCADE,
        name text NOT NULL,
        key text COLLATE "C" NOT NULL,
        is_alias boolean NOT NULL,
        key_tsv tsvector NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ix_search_names_article_id ON search_names (article_id)",
    # C collation: one btree serves both LIKE 'prefix%' and ORDER BY key.
    "CREATE INDEX IF NOT EXISTS ix_search_names_key ON search_names (key)",
    "CREATE INDEX IF NOT EXISTS ix_search_names_key_tsv ON search_names USING gin (key_tsv)",
    """CREATE TABLE IF NOT EXISTS search_words (
        word text PRIMARY KEY,
        ndoc integer NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)",
    # One row: bumped by every write, so each process can keep answers until
    # the index changes, whichever host changed it.
    """CREATE TABLE IF NOT EXISTS search_state (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        generation bigint NOT NULL DEFAULT 0
    )""",
    "INSERT INTO search_state (one, generation) VALUES (true, 0) ON CONFLICT (one) DO NOTHING",
]

# Any constant will do, as long as nothing else in the database uses it. The
# writer lock's second key is the schema's hash: advisory locks are
# database-wide, and wikis (or test runs) in other schemas must not wait on it.
WRITER_LOCK_KEY = 0x5EA2C1D8
WRITER_LOCK = "(CAST(:k AS integer), hashtext(current_schema()))"
SCHEMA_LOCK_KEY = 0x5EA2C1D9
DEFAULT_LOCK_TIMEOUT_MS = 500
REBUILD_LOCK_TIMEOUT_MS = 30_000
BATCH = 500
# ts_rank weights {D, C, B, A}, scaled from the shared boosts (title = 1).
RANK_WEIGHTS = (
    "{"
    + ",".join(f"{w / TITLE_BOOST:.3f}" for w in (BODY_BOOST, CATEGORY_BOOST, ALIAS_BOOST, TITLE_BOOST))
    + "}"
)
EXACT_BONUS = EXACT_NAME_BOOST / TITLE_BOOST
CODE_BONUS = ICD10_BOOST / TITLE_BOOST
FUZZY_MIN_CHARS = 5  # trigram matching on shorter keys finds everything ("mi" ~ "migraine")
FUZZY_WEIGHT = 0.5
# Ranking reads a small vector (names, categories and the body's opening
# words) kept inline in the row; the full vector is only searched, through
# its GIN index. Ranking every match on the full, TOASTed vector was the
# whole cost of a query for common words.
LEAD_WORDS = 300
SUGGEST_THRESHOLD = 0.3
_START, _STOP = "\x01", "\x02"  # headline markers; control characters never reach the index
_MARKS = re.compile(f"({_START}|{_STOP})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KEY_WORDS = re.compile(r"[a-z0-9]+")

# The query's words, any of them, as a tsquery: the lexemes of the folded
# text OR-ed together ('simple' keeps the already-stemmed lexemes as they are),
# and the words as websearch_to_tsquery reads them (all words; "phrases").
# Computed first so the main statements see constants and can use the indexes.
_PREPARE_SQL = sa.text("""
SELECT coalesce((SELECT CAST(to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS text)
                 FROM unnest(tsvector_to_array(to_tsvector('english', :plain))) AS lexeme), '') AS any_q,
       CAST(websearch_to_tsquery('english', :web) AS text) AS web_q
""")

_CATEGORY = (
    """EXISTS (SELECT 1 FROM unnest(d.categories) AS c WHERE lower(c) = lower(CAST(:category AS text)))"""
)
_HEADLINE_OPTIONS = f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12, MaxFragments=2"
_RANK = f"ts_rank(CAST('{RANK_WEIGHTS}' AS real[]), d.rank_tsv, CAST(:%s AS tsquery))"
_UPSERT_SQL = sa.text("""
INSERT INTO search_documents
    (article_id, slug, title, aliases, categories, icd10, icd10_all, names, names_exact, words, body, tsv,
     rank_tsv)
VALUES (:article_id, :slug, :title, :aliases, :categories, :icd10, :icd10_all, :names, :names_exact,
        :words, :body,
        setweight(to_tsvector('english', :f_title), 'A')
        || setweight(to_tsvector('english', :f_aliases), 'B')
        || setweight(to_tsvector('english', :f_categories), 'C')
        || setweight(to_tsvector('english', :f_body), 'D'),
        setweight(to_tsvector('english', :f_title), 'A')
        || setweight(to_tsvector('english', :f_aliases), 'B')
        || setweight(to_tsvector('english', :f_categories), 'C')
        || setweight(to_tsvector('english', :f_lead), 'D'))
ON CONFLICT (article_id) DO UPDATE SET
    slug = EXCLUDED.slug, title = EXCLUDED.title, aliases = EXCLUDED.aliases,
    categories = EXCLUDED.categories, icd10 = EXCLUDED.icd10, icd10_all = EXCLUDED.icd10_all,
    names = EXCLUDED.names, names_exact = EXCLUDED.names_exact, words = EXCLUDED.words,
    body = EXCLUDED.body, tsv = EXCLUDED.tsv, rank_tsv = EXCLUDED.rank_tsv
""")

_NAME_SQL = sa.text("""
INSERT INTO search_names (article_id, name, key, is_alias, key_tsv)
VALUES (:article_id, :name, :key, :is_alias, to_tsvector('simple', :key))
""")

_WORD_DELTA_SQL = sa.text("""
INSERT INTO search_words AS w (word, ndoc)
SELECT word, delta FROM unnest(CAST(:words AS text[]), CAST(:deltas AS integer[])) AS t(word, delta)
ORDER BY word
ON CONFLICT (word) DO UPDATE SET ndoc = w.ndoc + EXCLUDED.ndoc
""")

# Candidates only, each branch bounded so a one-letter prefix over 100,000
# articles reads a few hundred index entries, not every name with an "a";
# the best are picked in Python. Word prefixes ("attack" in "heart attack")
# are looked up from the third letter on.
_SUGGEST_SQL = sa.text("""
WITH candidates AS (
    (SELECT n.article_id, n.name, n.is_alias, true AS starts FROM search_names n
     WHERE n.key LIKE :like ORDER BY n.key LIMIT :cap)
    UNION ALL
    (SELECT n.article_id, n.name, n.is_alias, false FROM search_names n
     WHERE :words_too AND n.key_tsv @@ to_tsquery('simple', :tsq) LIMIT :cap)
)
SELECT c.article_id, d.slug, d.title, c.name, c.is_alias, c.starts
FROM candidates c JOIN search_documents d USING (article_id)
""")
SUGGEST_CANDIDATES = 200
# Pages remembered per process, keyed on the index generation: a popular
# query, or its next page, costs one small read until the index changes.
RESULT_CACHE_SIZE = 256
_BUMP_SQL = sa.text("UPDATE search_state SET generation = generation + 1")
_GENERATION_SQL = sa.text("SELECT generation FROM search_state")


def _text(value: str) -> str:
    return _CONTROL.sub(" ", value or "")


def _tsv_text(value: str) -> str:
    # PostgreSQL's parser drops anything shaped like an HTML tag; the body is
    # plain text, so "<script>" there is words, as Whoosh indexes it.
    return fold(value).replace("<", " ").replace(">", " ")


def _row(doc: SearchDocument) -> dict[str, Any]:
    body = _text(doc.body)
    aliases = [_text(alias) for alias in doc.aliases]
    categories = [_text(cat) for cat in doc.categories if cat.strip()]
    codes = sorted({code.strip().lower() for code in doc.icd10 if code.strip()})
    names = [doc.title, *aliases]
    keys = [key for key in map(name_key, names) if key]
    return {
        "article_id": doc.article_id,
        "slug": doc.slug,
        "title": _text(doc.title),
        "aliases": "\n".join(aliases),
        "categories": categories,
        "icd10": codes,
        "icd10_all": sorted(set(codes) | {code.split(".")[0] for code in codes}),
        "names": "\n".join(keys),
        "names_exact": keys,
        "words": sorted(vocabulary(" ".join([*names, body]))),
        "body": body,
        "f_title": _tsv_text(" ".join([doc.title, *codes])),
        "f_aliases": _tsv_text("\n".join(aliases)),
        "f_categories": _tsv_text("\n".join(categories)),
        "f_body": _tsv_text(body),
        "f_lead": _tsv_text(" ".join(body.split()[:LEAD_WORDS])),
    }


def _names(doc: SearchDocument) -> list[dict[str, Any]]:
    rows, seen = [], set()
    for name, is_alias in [(doc.title, False)] + [(alias, True) for alias in doc.aliases]:
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            rows.append({"article_id": doc.article_id, "name": _text(name), "key": key, "is_alias": is_alias})
    return rows


def _snippet(headline: str | None, body: str) -> str:
    """Return ``headline`` as safe HTML: every character escaped except our <mark> pairs."""
    if not headline or _START not in headline:
        return plain_snippet(body)
    out, open_mark = [], False
    for part in _MARKS.split(headline):
        if part == _START and not open_mark:
            out.append("<mark>")
            open_mark = True
        elif part == _STOP and open_mark:
            out.append("</mark>")
            open_mark = False
        elif part not in (_START, _STOP):
            # The body was escaped before ts_headline; unescape and escape
            # again so a fragment cut inside an entity still comes out inert.
            out.append(html.escape(html.unescape(part)))
    if open_mark:
        out.append("</mark>")
    return "".join(out).strip()


@dataclass
class PostgresBackend:
    """A ``SearchBackend`` in PostgreSQL tables reached through ``engine``."""

    engine: Engine
    lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS
    dispose_engine_on_close: bool = False
    _results: OrderedDict = field(default_factory=OrderedDict, init=False, repr=False)
    _results_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def ensure_schema(self) -> None:
        """Create the extensions, tables and indexes if they are missing. Idempotent."""
        with self.engine.begin() as conn:
            # Several workers starting at once would race on CREATE ... IF NOT EXISTS.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
            for statement in SCHEMA_SQL:
                conn.exec_driver_sql(statement)

    # -- writing --------------------------------------------------------

    def _lock_writer(self, conn: Connection, timeout_ms: int) -> None:
        if timeout_ms <= 0:
            taken = conn.execute(
                sa.text(f"SELECT pg_try_advisory_xact_lock{WRITER_LOCK}"), {"k": WRITER_LOCK_KEY}
            )
            if not taken.scalar():
                raise IndexBusy("another process is writing the search index")
            return
        conn.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{int(timeout_ms)}ms"})
        try:
            conn.execute(sa.text(f"SELECT pg_advisory_xact_lock{WRITER_LOCK}"), {"k": WRITER_LOCK_KEY})
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
                raise IndexBusy("another process is writing the search index") from None
            raise
        conn.execute(sa.text("SELECT set_config('lock_timeout', '0', true)"))

    def _write(self, conn: Connection, docs: Sequence[SearchDocument], removed: Sequence[int]) -> None:
        ids = sorted({doc.article_id for doc in docs} | set(removed))
        if not ids:
            return
        conn.execute(_BUMP_SQL)
        old = conn.execute(
            sa.text("SELECT words FROM search_documents WHERE article_id = ANY(:ids) ORDER BY article_id"),
            {"ids": ids},
        )
        delta: Counter[str] = Counter()
        for (words,) in old:
            delta.subtract(words)
        conn.execute(sa.text("DELETE FROM search_names WHERE article_id = ANY(:ids)"), {"ids": ids})
        if removed:
            conn.execute(
                sa.text("DELETE FROM search_documents WHERE article_id = ANY(:ids)"), {"ids": list(removed)}
            )
        if docs:
            rows = [_row(doc) for doc in docs]
            for row in rows:
                delta.update(row["words"])
            conn.execute(_UPSERT_SQL, rows)
            names = [name for doc in docs for name in _names(doc)]
            if names:
                conn.execute(_NAME_SQL, names)
        changed = sorted(word for word, n in delta.items() if n)
        if changed:
            conn.execute(_WORD_DELTA_SQL, {"words": changed, "deltas": [delta[word] for word in changed]})
            conn.execute(
                sa.text("DELETE FROM search_words WHERE word = ANY(:words) AND ndoc <= 0"), {"words": changed}
            )

    def index(self, docs: Iterable[SearchDocument], *, wait: bool = True) -> None:
        """Add or replace ``docs`` (see ``SearchBackend.index``)."""
        latest: dict[int, SearchDocument] = {}
        for doc in docs:
            latest[doc.article_id] = doc  # the last version of an article in the batch wins
        if not latest:
            return
        with self.engine.begin() as conn:
            self._lock_writer(conn, self.lock_timeout_ms if wait else 0)
            self._write(conn, [latest[key] for key in sorted(latest)], ())

    def remove(self, article_ids: Iterable[int], *, wait: bool = True) -> None:
        """Drop these articles (see ``SearchBackend.remove``)."""
        ids = sorted({int(article_id) for article_id in article_ids})
        if not ids:
            return
        with self.engine.begin() as conn:
            self._lock_writer(conn, self.lock_timeout_ms if wait else 0)
            self._write(conn, (), ids)

    def rebuild(self, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None = None) -> int:
        """Replace every row in one transaction (see ``SearchBackend.rebuild``).

        Readers keep seeing the old rows until the commit (MVCC), which is
        PostgreSQL's version of building beside the live index and swapping.
        """
        count = 0
        with self.engine.begin() as conn:
            self._lock_writer(conn, REBUILD_LOCK_TIMEOUT_MS)
            conn.execute(_BUMP_SQL)
            conn.execute(sa.text("DELETE FROM search_names"))
            conn.execute(sa.text("DELETE FROM search_documents"))
            conn.execute(sa.text("DELETE FROM search_words"))
            batch: dict[int, SearchDocument] = {}
            for doc in docs:
                batch[doc.article_id] = doc
                if len(batch) >= BATCH:
                    count += self._insert_batch(conn, batch, progress)
                    batch = {}
            if batch:
                count += self._insert_batch(conn, batch, progress)
            conn.execute(
                sa.text("""INSERT INTO search_words (word, ndoc)
                           SELECT word, count(*) FROM search_documents, unnest(words) AS word
                           GROUP BY word""")
            )
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "ANALYZE search_documents, search_names, search_words"
            )
        return count

    def _insert_batch(
        self, conn: Connection, batch: dict[int, SearchDocument], progress: Callable[[int], None] | None
    ) -> int:
        # An id seen in an earlier batch is replaced, as index() would.
        ids = sorted(batch)
        conn.execute(sa.text("DELETE FROM search_names WHERE article_id = ANY(:ids)"), {"ids": ids})
        conn.execute(_UPSERT_SQL, [_row(batch[key]) for key in ids])
        names = [name for key in ids for name in _names(batch[key])]
        if names:
            conn.execute(_NAME_SQL, names)
        if progress is not None:
            progress(len(batch))
        return len(batch)

    def writer_is_free(self) -> bool:
        """Return whether no transaction holds the writer lock."""
        with self.engine.connect() as conn:
            free = conn.execute(
                sa.text(f"SELECT pg_try_advisory_xact_lock{WRITER_LOCK}"), {"k": WRITER_LOCK_KEY}
            ).scalar()
            conn.rollback()
        return bool(free)

    # -- reading --------------------------------------------------------

    def indexed_ids(self) -> set[int]:
        """Return the article ids in ``search_documents``."""
        with self.engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT article_id FROM search_documents")).scalars())

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0, category: str | None = None
    ) -> ResultPage:
        """Return a page of results (see ``SearchBackend.search``)."""
        text, limit, offset = clean_request(query, limit, offset)
        if not text:
            return ResultPage(query=text, total=0)
        try:
            with self.engine.connect() as conn:
                # Read before searching: a write committed in between is then
                # cached under the older generation, which nobody asks again.
                generation = conn.execute(_GENERATION_SQL).scalar()
                key = (generation, text, category, limit, offset)
                with self._results_lock:
                    page = self._results.get(key)
                    if page is not None:
                        self._results.move_to_end(key)
                if page is None:
                    page = self._search(conn, text, limit, offset, category)
                    with self._results_lock:
                        self._results[key] = page
                        if len(self._results) > RESULT_CACHE_SIZE:
                            self._results.popitem(last=False)
                # A copy: callers may change the page they are handed (hits are frozen).
                return ResultPage(page.query, page.total, list(page.hits), page.suggestion, dict(page.facets))
        except DBAPIError:
            # Hostile input must not become a 500: log, answer empty.
            log.exception("search failed for a query of %d characters", len(text))
            return ResultPage(query=text, total=0)

    def _search(
        self, conn: Connection, text: str, limit: int, offset: int, category: str | None
    ) -> ResultPage:
        suggestion = self._correct(conn, text)
        words = re.findall(r"\w+", fold(text))
        if suggestion:
            words += re.findall(r"\w+", fold(suggestion))
        keys = sorted({key for key in (name_key(text), name_key(suggestion or "")) if key})
        codes = icd10_codes(text)
        parents = sorted({code.split(".")[0] for code in codes if "." in code})
        key = name_key(text)
        # The planner prices a sequential scan of the table below the GIN
        # bitmap scan for common words, not counting that it then reads each
        # row's TOASTed vector: a tenfold mistake. The indexes are the way.
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        any_q, web_q = conn.execute(
            _PREPARE_SQL, {"plain": " ".join(words), "web": fold(suggestion or text)}
        ).one()
        params: dict[str, Any] = {
            "any_q": any_q,
            "web_q": web_q,
            "keys": keys,
            "codes": codes,
            "parents": parents,
            "key": key,
            "category": category,
        }
        # Only the conditions this query needs, so each can use its index
        # (a bound "flag AND condition" would hide them from the planner).
        match, score = [], []
        strict = '"' in text and web_q
        if strict:
            match.append("d.tsv @@ CAST(:web_q AS tsquery)")
        elif any_q:
            match.append("d.tsv @@ CAST(:any_q AS tsquery)")
        if any_q:
            score.append(_RANK % "any_q")
        if web_q and (strict or len(words) > 1):
            score.append("0.5 * " + _RANK % "web_q")  # all the words, near each other
        if keys:
            match.append("d.names_exact && CAST(:keys AS text[])")
            score.append(f"CASE WHEN d.names_exact && CAST(:keys AS text[]) THEN {EXACT_BONUS} ELSE 0 END")
        if codes:
            match.append("d.icd10_all && CAST(:codes AS text[])")
            score.append(f"CASE WHEN d.icd10 && CAST(:codes AS text[]) THEN {CODE_BONUS} ELSE 0 END")
            score.append(
                f"CASE WHEN d.icd10_all && CAST(:codes AS text[]) THEN {CODE_BONUS * 0.75} ELSE 0 END"
            )
        if parents:
            match.append("d.icd10 && CAST(:parents AS text[])")
            score.append(f"CASE WHEN d.icd10 && CAST(:parents AS text[]) THEN {CODE_BONUS * 0.5} ELSE 0 END")
        fuzzy = len(key) >= FUZZY_MIN_CHARS
        if not match and not fuzzy:
            return ResultPage(query=text, total=0, suggestion=suggestion)

        def matching(columns: str, fuzzy_columns: str) -> str:
            # The trigram match is a branch of its own: in one OR with the
            # others, its index's recheck would re-test every row against the
            # whole condition, reading every matching row's full vector. It
            # leaves out the rows the exact branch found by their ids (a hashed
            # anti-join), not by testing the condition again: "NOT tsv @@ q"
            # read each trigram candidate's TOASTed vector, a third of a query.
            exact = "(" + " OR ".join(match) + ")" if match else "false"
            branches = [f"SELECT {columns} FROM search_documents d WHERE {exact}"] if match else []  # noqa: S608
            if fuzzy:
                seen = " AND d.article_id NOT IN (SELECT article_id FROM e)" if match else ""
                branches.append(
                    f"SELECT {fuzzy_columns} FROM search_documents d"  # noqa: S608
                    f" WHERE CAST(:key AS text) <% d.names{seen}"
                )
            if len(branches) == 1:
                return branches[0]
            return f"WITH e AS MATERIALIZED ({branches[0]}) SELECT * FROM e UNION ALL {branches[1]}"  # noqa: S608

        headline_q = "CAST(:any_q AS tsquery)" if any_q else "CAST(:web_q AS tsquery)"
        columns = f"d.article_id, d.slug, d.title, d.categories, {' + '.join(score) or '0'} AS score"
        # Trigram similarity is the dearest term (7 µs a row): only for the rows found by it.
        similarity = f"{FUZZY_WEIGHT} * word_similarity(CAST(:key AS text), d.names)"
        fuzzy_columns = (
            f"d.article_id, d.slug, d.title, d.categories, {' + '.join([*score, similarity])} AS score"
        )
        in_category = _CATEGORY if category else "true"
        # One statement, one pass over the matches: total, facets and the page.
        # Every fragment joined here is a constant of this module; values are bound.
        statement = sa.text(f"""
            WITH m AS MATERIALIZED ({matching(columns, fuzzy_columns)}),
            page AS (
                SELECT * FROM m d WHERE {in_category}
                ORDER BY score DESC, article_id LIMIT :limit OFFSET :offset
            )
            SELECT
                (SELECT count(*) FROM m d WHERE {in_category}) AS total,
                (SELECT coalesce(json_object_agg(c, n), '{{}}') FROM
                    (SELECT c, count(*) AS n FROM m, unnest(m.categories) AS c GROUP BY c) f) AS facets,
                (SELECT coalesce(json_agg(json_build_array(p.slug, p.title, p.score, left(b.body, 600),
                    ts_headline('english', replace(replace(replace(replace(b.body,
                        '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), {headline_q}, :options))
                    ORDER BY p.score DESC, p.article_id), '[]')
                 FROM page p JOIN search_documents b ON b.article_id = p.article_id) AS hits
            """)  # noqa: S608
        total, facets, rows = conn.execute(
            statement, {**params, "limit": limit, "offset": offset, "options": _HEADLINE_OPTIONS}
        ).one()
        page = ResultPage(query=text, total=int(total), suggestion=suggestion, facets=dict(facets))
        for slug, title, score_value, opening, headline in rows:
            snippet = _snippet(headline if (any_q or web_q) else None, opening)
            page.hits.append(Hit(slug=slug, title=title, score=float(score_value), snippet=snippet))
        return page

    def _correct(self, conn: Connection, text: str) -> str | None:
        """Return ``text`` with words the index has never seen replaced by their nearest indexed word."""
        words = misspelling_candidates(text)
        if not words:
            return None
        known = set(
            conn.execute(
                sa.text("SELECT word FROM search_words WHERE word = ANY(:w)"), {"w": words}
            ).scalars()
        )
        unknown = [word for word in words if word not in known]
        if not unknown:
            return None
        conn.execute(
            sa.text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
            {"t": str(SUGGEST_THRESHOLD)},
        )
        replacements = {}
        for word in unknown:
            nearest = conn.execute(
                sa.text("""SELECT word FROM search_words
                           WHERE word % :w AND levenshtein(word, :w) <= :d
                           ORDER BY levenshtein(word, :w), ndoc DESC, word LIMIT 1"""),
                {"w": word, "d": 2 if len(word) > 5 else 1},
            ).scalar()
            if nearest:
                replacements[word] = nearest
        return apply_corrections(text, replacements)

    def suggest(self, prefix: str, limit: int = 8) -> list[Suggestion]:
        """Return autocomplete entries for ``prefix`` (see ``SearchBackend.suggest``)."""
        limit = max(0, min(int(limit), 50))
        key = name_key(clean_query(prefix))
        words = _KEY_WORDS.findall(key)[:6]
        if not words or limit == 0:
            return []
        params = {
            "like": key + "%",
            "tsq": " & ".join(f"'{word}':*" for word in words),
            "words_too": len(key) >= 3,
            "cap": SUGGEST_CANDIDATES,
        }
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(_SUGGEST_SQL, params).all()
        except DBAPIError:
            log.exception("suggest failed for a prefix of %d characters", len(key))
            return []
        seen: set[int] = set()
        out: list[Suggestion] = []
        # Whole-name prefixes first, then titles before aliases, shorter first.
        for article_id, slug, title, name, is_alias, _starts in sorted(
            rows, key=lambda row: (not row[5], row[4], len(row[3]), row[3].casefold())
        ):
            if article_id not in seen:
                seen.add(article_id)
                out.append(Suggestion(slug, title, name if is_alias else None))
        return out[:limit]

    def close(self) -> None:
        """Dispose of the engine if this backend made it."""
        if self.dispose_engine_on_close:
            self.engine.dispose()
