"""The shared search backend: full-text search inside PostgreSQL, for several hosts.

Owns the search tables (``SCHEMA_SQL``, which a migration can run as is), the
SQL that fills them and the SQL that queries them. Every host sees the same
index because it is just rows in the shared database.

* ``search_documents``: one row per article, with a weighted ``tsvector``
  (title and ICD-10 codes 'A', aliases 'B', categories 'C', body 'D', the
  ``english`` configuration, GIN-indexed), code arrays for exact and
  subcode matches, and a small ranking vector kept in the row.
* ``search_texts``: each article's body (for snippets) and vocabulary.
* ``search_category_sets``: each distinct list of categories, so counts
  are grouped by an integer.
* ``search_names``: one row per title or alias, for exact names, pg_trgm
  typo tolerance and autocomplete by prefix.
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

import hashlib
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

from wiki.search.analysis import SCAN_CHARS, STEMMED, snippet
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
    vocabulary,
)

log = logging.getLogger(__name__)

# The shape of the tables below. The search tables hold nothing that cannot
# be rebuilt from the articles, so a database whose tables have another shape
# has them dropped and made again; the next catch-up (the first request, or
# the indexer) refills them.
LAYOUT = 5
# The tables a rebuild empties and refills, children first; with search_state, all of them.
# Ranking reads, besides the names' small vector, a signature of the words in
# the names and in the body's opening: a Bloom filter of SIGNATURE_BITS bits,
# each lexeme setting the SIGNATURE_HASHES bits named by its MD5 digest's
# first hex digits (three digits, twelve bits: a bit of 4,096). The synthetic
# benchmark's articles set 508 bits on average, so about one absent word in
# 500 looks present; that gives the article one word's body share too much
# (a small part of a title match's score) and never decides what matches (the
# GIN index on the full vector decides that, exactly). The
# opening held in the row as a vector instead (300 stripped words, ~1.5 kB)
# made the table twice the size of the default shared buffers at 100,000
# articles, and a common word's query read most of it from the operating
# system's cache: 250-320 ms; with the 512-byte signature the whole table
# stays in shared buffers: 70-100 ms (benchmarks/search.py).
# Fewer opening words rank worse: with 60 or 120, symptoms described further
# down ("wheezing and cough", "face drooping on one side") left the top three
# of the relevance table; 200 still lost one.
LEAD_WORDS = 300
SIGNATURE_BITS = 4096
SIGNATURE_HASHES = 3
_SIGNATURE_SQL = (  # every piece a constant of this module
    f"(SELECT coalesce(bit_or(CAST(B'1' AS bit({SIGNATURE_BITS}))"  # noqa: S608
    " >> CAST(CAST('x' || substr(md5(lexeme), h.at, 3) AS bit(12)) AS integer)),"
    f" CAST(repeat('0', {SIGNATURE_BITS}) AS bit({SIGNATURE_BITS})))"
    " FROM unnest(tsvector_to_array(%s)) AS lexeme,"
    f" (VALUES {', '.join(f'({1 + 3 * i})' for i in range(SIGNATURE_HASHES))}) AS h(at))"
)


def signature_bits(lexeme: str) -> list[int]:
    """Return the bits of the ranking signature that ``lexeme`` sets (as ``_SIGNATURE_SQL`` does)."""
    digest = hashlib.md5(lexeme.encode("utf-8"), usedforsecurity=False).hexdigest()
    return [int(digest[3 * i : 3 * i + 3], 16) for i in range(SIGNATURE_HASHES)]


_INDEX_TABLES = ("search_names", "search_texts", "search_documents", "search_words", "search_category_sets")
_TABLES = ", ".join([*_INDEX_TABLES, "search_state"])

SCHEMA_SQL: list[str] = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch",
    f"""DO $$
    DECLARE found integer := 0;
    BEGIN
        IF to_regclass('search_documents') IS NULL THEN
            RETURN;
        END IF;
        IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('search_state')
                   AND attname = 'layout' AND NOT attisdropped) THEN
            EXECUTE 'SELECT layout FROM search_state' INTO found;
        END IF;
        IF found IS DISTINCT FROM {LAYOUT} THEN
            DROP TABLE IF EXISTS {_TABLES} CASCADE;
        END IF;
    END $$""",  # noqa: S608 - constants of this module
    # What a query matches, counts and ranks, and nothing more: every match's
    # row is read, so the rows are kept narrow enough for the whole table to
    # stay in shared buffers (about 700 bytes a row). The full vector is only
    # searched through its GIN index and lives out of line, uncompressed
    # (EXTERNAL). Ranking reads the names' small vector and a signature of
    # the words in the names and the body's opening (see ``SIGNATURE_BITS``).
    # The body and vocabulary, read for a page's snippets or by writers, are
    # in search_texts. The columns every match reads come first: reaching a
    # column means stepping over each variable-width one before it (the
    # signature after the names' arrays cost a common word's query 20 ms).
    f"""CREATE TABLE IF NOT EXISTS search_documents (
        article_id integer PRIMARY KEY,
        category_set integer NOT NULL,
        signature bit({SIGNATURE_BITS}) NOT NULL,
        names_tsv tsvector NOT NULL,
        icd10 text[] NOT NULL DEFAULT '{{}}',
        icd10_all text[] NOT NULL DEFAULT '{{}}',
        names_exact text[] NOT NULL DEFAULT '{{}}',
        slug text NOT NULL,
        title text NOT NULL,
        tsv tsvector NOT NULL
    )""",
    # Altered only when needed: ALTER TABLE locks out readers.
    """DO $$ BEGIN
        IF (SELECT attstorage FROM pg_attribute
            WHERE attrelid = 'search_documents'::regclass AND attname = 'tsv') <> 'e' THEN
            ALTER TABLE search_documents ALTER COLUMN tsv SET STORAGE EXTERNAL,
                                         ALTER COLUMN names_tsv SET STORAGE MAIN,
                                         ALTER COLUMN signature SET STORAGE MAIN;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_tsv ON search_documents USING gin (tsv)",
    # Quoted phrases: each pair of lexemes side by side in a vector, as one
    # lexeme ("blood pressur"). A phrase's pairs, found through this index,
    # leave a few candidates to check word positions in; the vector's own
    # index finds every article with both words ("blood pressure": 28,000 of
    # 100,000 synthetic articles, 188 with the phrase), and checking
    # positions meant reading each one's whole vector: 280 ms, now 7 ms.
    # (A self-join on positions rather than lead(): several lexemes may share
    # a position, the last one a vector can record.)
    """CREATE OR REPLACE FUNCTION search_pairs(v tsvector) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        WITH t AS (SELECT lexeme AS word, unnest(positions) AS pos FROM unnest(v))
        SELECT coalesce(array_to_tsvector(array_agg(DISTINCT a.word || ' ' || b.word)), '')
        FROM t a JOIN t b ON b.pos = a.pos + 1
    $$""",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_pairs ON search_documents USING gin (search_pairs(tsv))",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_names_exact ON search_documents USING gin (names_exact)",
    "CREATE INDEX IF NOT EXISTS ix_search_documents_icd10_all ON search_documents USING gin (icd10_all)",
    """CREATE TABLE IF NOT EXISTS search_texts (
        article_id integer PRIMARY KEY REFERENCES search_documents (article_id) ON DELETE CASCADE,
        body text NOT NULL DEFAULT '',
        words text[] NOT NULL DEFAULT '{}'
    )""",
    # Each distinct list of categories once: a query counts its matches per
    # list (an integer to group by) and turns the lists into facets after.
    """CREATE TABLE IF NOT EXISTS search_category_sets (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        categories text[] NOT NULL UNIQUE
    )""",
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
    # Typo tolerance: names within a trigram distance of the query.
    "CREATE INDEX IF NOT EXISTS ix_search_names_key_trgm ON search_names USING gin (key gin_trgm_ops)",
    """CREATE TABLE IF NOT EXISTS search_words (
        word text PRIMARY KEY,
        ndoc integer NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)",
    # One row: bumped by every write, so each process can keep answers until
    # the index changes, whichever host changed it. It starts from the clock,
    # so tables made again never repeat a generation an older table had.
    f"""CREATE TABLE IF NOT EXISTS search_state (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        generation bigint NOT NULL DEFAULT 0,
        layout integer NOT NULL DEFAULT {LAYOUT}
    )""",
    "INSERT INTO search_state (one, generation)"
    " VALUES (true, CAST(extract(epoch FROM clock_timestamp()) * 1000 AS bigint)) ON CONFLICT (one) DO NOTHING",
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
    "{" + ",".join(f"{w / TITLE_BOOST:.3f}" for w in (BODY_BOOST, CATEGORY_BOOST, ALIAS_BOOST, TITLE_BOOST)) + "}"
)
EXACT_BONUS = EXACT_NAME_BOOST / TITLE_BOOST
CODE_BONUS = ICD10_BOOST / TITLE_BOOST
FUZZY_MIN_CHARS = 5  # trigram matching on shorter keys finds everything ("mi" ~ "migraine")
FUZZY_WEIGHT = 0.5
FUZZY_UNTIL = 50  # exact matches beyond which look-alike names are not sought
SUGGEST_THRESHOLD = 0.3
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_KEY_WORDS = re.compile(r"[a-z0-9]+")

# The query's words, any of them, as a tsquery: the lexemes of the folded
# text OR-ed together ('simple' keeps the already-stemmed lexemes as they are),
# and the words as websearch_to_tsquery reads them (all words; "phrases").
# Computed first so the main statements see constants and can use the indexes.
# The same round trip sets the search's planner settings for its transaction:
# the planner prices a sequential scan of the table below the GIN bitmap scan
# for common words, not counting that it then reads each row's TOASTed
# vector (a tenfold mistake); the indexes are the way.
_PREPARE_SQL = sa.text("""
SELECT set_config('enable_seqscan', 'off', true),
       coalesce((SELECT CAST(to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS text)
                 FROM unnest(q.any_lexemes) AS lexeme), '') AS any_q,
       CAST(websearch_to_tsquery('english', :web) AS text) AS web_q,
       q.any_lexemes,
       tsvector_to_array(to_tsvector('english', :web)) AS web_lexemes,
       coalesce((SELECT CAST(string_agg(quote_literal(pair), ' & ') AS text)
                 FROM unnest(CAST(:phrases AS text[])) AS phrase,
                      unnest(tsvector_to_array(search_pairs(to_tsvector('english', phrase)))) AS pair), '') AS pairs_q
FROM (SELECT tsvector_to_array(to_tsvector('english', :plain)) AS any_lexemes) q
""")

_NAMES_RANK = f"ts_rank(CAST('{RANK_WEIGHTS}' AS real[]), d.names_tsv, CAST(:any_q AS tsquery))"
# What one query word found in the names or the opening adds, divided by the
# number of query words: ts_rank's share for a word of body weight.
BODY_SHARE = BODY_BOOST / TITLE_BOOST / 1.64493406685
ALL_WORDS_BONUS = 0.5 * BODY_SHARE  # every word of a query of several, in the names or the opening
SCORED_WORDS = 10  # query words the signature is asked about (a table of 2**10 scores)
_CATEGORY_SET_SQL = sa.text("""
INSERT INTO search_category_sets (categories) VALUES (:categories) ON CONFLICT (categories) DO NOTHING
""")
# The names' vector is made once; it begins the full vector and the signature.
_UPSERT_SQL = sa.text(f"""
INSERT INTO search_documents
    (article_id, slug, title, category_set, icd10, icd10_all, names_exact, names_tsv, signature, tsv)
SELECT :article_id, :slug, :title,
       (SELECT id FROM search_category_sets WHERE categories = CAST(:categories AS text[])),
       :icd10, :icd10_all, :names_exact, n.names,
       {_SIGNATURE_SQL % "n.names || to_tsvector('english', :f_lead)"},
       n.names || setweight(to_tsvector('english', :f_body), 'D')
FROM (SELECT setweight(to_tsvector('english', :f_title), 'A')
             || setweight(to_tsvector('english', :f_aliases), 'B')
             || setweight(to_tsvector('english', :f_categories), 'C') AS names) n
ON CONFLICT (article_id) DO UPDATE SET
    slug = EXCLUDED.slug, title = EXCLUDED.title, category_set = EXCLUDED.category_set,
    icd10 = EXCLUDED.icd10, icd10_all = EXCLUDED.icd10_all, names_exact = EXCLUDED.names_exact,
    names_tsv = EXCLUDED.names_tsv, signature = EXCLUDED.signature, tsv = EXCLUDED.tsv
""")  # noqa: S608 - constants of this module
_TEXT_SQL = sa.text("""
INSERT INTO search_texts (article_id, body, words) VALUES (:article_id, :body, :words)
ON CONFLICT (article_id) DO UPDATE SET body = EXCLUDED.body, words = EXCLUDED.words
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


_OR = re.compile(r"(?i)(?:^|\s)or(?:\s|$)")


def required_phrases(text: str) -> list[str]:
    """Return the quoted phrases every match of ``websearch_to_tsquery(text)`` must hold.

    Only for plainly written queries: an even number of quotes, each opening
    one at the start of a word (or after a minus) and each closing one at its
    end, and no "or" outside them (a phrase may then be missing from a
    match). Negated phrases (-"...") are left out. Anything else gets no
    phrases: it still works, only without the pairs' index.
    """
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return []
    phrases = []
    for i in range(1, len(parts), 2):
        before, phrase, after = parts[i - 1], parts[i], parts[i + 1]
        negated = before.endswith("-") and (len(before) == 1 or before[-2].isspace())
        opens = not before or before[-1].isspace() or negated
        closes = not after or after[0].isspace()
        if not (opens and closes):
            return []
        if not negated and phrase.strip():
            phrases.append(phrase)
    if any(_OR.search(parts[i]) for i in range(0, len(parts), 2)):
        return []
    return phrases


def _signature_score(lexemes: Sequence[str], together: Sequence[str]) -> str:
    """Return SQL scoring the query words ``d.signature`` holds, with a bonus when it holds all of ``together``.

    Each word is tested once: the words held make a bit mask that picks the
    score from a constant table (the same words tested twice, for the share
    and for the bonus, cost a third more on a common word's 60,000 matches).
    """
    lexemes = list(dict.fromkeys(lexemes))[:SCORED_WORDS]
    if not lexemes:
        return "0"
    wanted = 0
    if len(together) > 1 and set(together) <= set(lexemes):
        wanted = sum(1 << lexemes.index(lexeme) for lexeme in set(together))
    table = [
        BODY_SHARE * mask.bit_count() / len(lexemes) + (ALL_WORDS_BONUS if wanted and mask & wanted == wanted else 0)
        for mask in range(1 << len(lexemes))
    ]
    # (SQL's bit operators share one precedence, left to right: each term is bracketed.)
    held = [
        "((" + " & ".join(f"get_bit(d.signature, {bit})" for bit in signature_bits(lexeme)) + f") << {i})"
        for i, lexeme in enumerate(lexemes)
    ]
    values = ",".join(f"{value:.6g}" for value in table)
    return f"(CAST('{{{values}}}' AS real[]))[1 + ({' | '.join(held)})]"


def _text(value: str) -> str:
    return _CONTROL.sub(" ", value or "")


def _tsv_text(value: str) -> str:
    # PostgreSQL's parser drops anything shaped like an HTML tag; the body is
    # plain text, so "<script>" there is words, as Whoosh indexes it.
    return fold(value).replace("<", " ").replace(">", " ")


def _row(doc: SearchDocument) -> dict[str, Any]:
    body = _text(doc.body)
    aliases = [_text(alias) for alias in doc.aliases]
    # Each category once, in the article's order: facets count articles.
    categories = list(dict.fromkeys(_text(cat).strip() for cat in doc.categories if cat.strip()))
    codes = sorted({code.strip().lower() for code in doc.icd10 if code.strip()})
    names = [doc.title, *aliases]
    keys = [key for key in map(name_key, names) if key]
    return {
        "article_id": doc.article_id,
        "slug": doc.slug,
        "title": _text(doc.title),
        "categories": categories,
        "icd10": codes,
        "icd10_all": sorted(set(codes) | {code.split(".")[0] for code in codes}),
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
            taken = conn.execute(sa.text(f"SELECT pg_try_advisory_xact_lock{WRITER_LOCK}"), {"k": WRITER_LOCK_KEY})
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
            sa.text("SELECT words FROM search_texts WHERE article_id = ANY(:ids) ORDER BY article_id"),
            {"ids": ids},
        )
        delta: Counter[str] = Counter()
        for (words,) in old:
            delta.subtract(words)
        conn.execute(sa.text("DELETE FROM search_names WHERE article_id = ANY(:ids)"), {"ids": ids})
        if removed:
            conn.execute(sa.text("DELETE FROM search_documents WHERE article_id = ANY(:ids)"), {"ids": list(removed)})
        if docs:
            for row in self._upsert(conn, docs):
                delta.update(row["words"])
        changed = sorted(word for word, n in delta.items() if n)
        if changed:
            conn.execute(_WORD_DELTA_SQL, {"words": changed, "deltas": [delta[word] for word in changed]})
            conn.execute(sa.text("DELETE FROM search_words WHERE word = ANY(:words) AND ndoc <= 0"), {"words": changed})

    @staticmethod
    def _upsert(conn: Connection, docs: Sequence[SearchDocument]) -> list[dict[str, Any]]:
        """Write the rows of ``docs`` (their names must have been deleted); return the rows."""
        rows = [_row(doc) for doc in docs]
        category_sets = sorted({tuple(row["categories"]) for row in rows})
        conn.execute(_CATEGORY_SET_SQL, [{"categories": list(cats)} for cats in category_sets])
        conn.execute(_UPSERT_SQL, rows)
        conn.execute(_TEXT_SQL, rows)
        names = [name for doc in docs for name in _names(doc)]
        if names:
            conn.execute(_NAME_SQL, names)
        return rows

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
            for table in _INDEX_TABLES:
                conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - a constant of this module
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
                           SELECT word, count(*) FROM search_texts, unnest(words) AS word
                           GROUP BY word""")
            )
        # Statistics for the planner, and the GIN indexes' pending lists merged
        # into their trees: a fresh bulk load leaves megabytes of entries that
        # every search would otherwise read through one by one.
        with self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                f"VACUUM (ANALYZE) {', '.join(_INDEX_TABLES)}"
            )
        return count

    def _insert_batch(
        self, conn: Connection, batch: dict[int, SearchDocument], progress: Callable[[int], None] | None
    ) -> int:
        # An id seen in an earlier batch is replaced, as index() would.
        ids = sorted(batch)
        conn.execute(sa.text("DELETE FROM search_names WHERE article_id = ANY(:ids)"), {"ids": ids})
        self._upsert(conn, [batch[key] for key in ids])
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

    def search(self, query: str, *, limit: int = 20, offset: int = 0, category: str | None = None) -> ResultPage:
        """Return a page of results (see ``SearchBackend.search``)."""
        text, limit, offset = clean_request(query, limit, offset)
        if not text:
            return ResultPage(query=text, total=0)
        try:
            with self.engine.connect() as conn:
                # One snapshot for the generation, the counts and the page: a
                # write committed meanwhile is in none of them, so the total
                # agrees with the page and the page with its cache key.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
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

    def _search(self, conn: Connection, text: str, limit: int, offset: int, category: str | None) -> ResultPage:
        suggestion = self._correct(conn, text)
        words = re.findall(r"\w+", fold(text))
        if suggestion:
            words += re.findall(r"\w+", fold(suggestion))
        keys = sorted({key for key in (name_key(text), name_key(suggestion or "")) if key})
        codes = icd10_codes(text)
        parents = sorted({code.split(".")[0] for code in codes if "." in code})
        key = name_key(text)
        web = fold(suggestion or text)
        _, any_q, web_q, any_lexemes, web_lexemes, pairs_q = conn.execute(
            _PREPARE_SQL, {"plain": " ".join(words), "web": web, "phrases": required_phrases(web)}
        ).one()
        params: dict[str, Any] = {
            "any_q": any_q,
            "web_q": web_q,
            "pairs_q": pairs_q,
            "keys": keys,
            "codes": codes,
            "parents": parents,
            "key": key,
        }
        # Only the conditions this query needs, so each can use its index
        # (a bound "flag AND condition" would hide them from the planner).
        # Scores test membership in small sets found by their own indexes (a
        # hashed look-up) rather than evaluate a condition on every match.
        match, score, ctes = [], [], []
        strict = '"' in text and web_q
        if strict and pairs_q:
            # The pairs' index finds the candidates; positions are checked in
            # those rows only ("IS TRUE" keeps the planner off the vector's
            # own index, which would hand over every article with the words).
            match.append(
                "(search_pairs(d.tsv) @@ CAST(:pairs_q AS tsquery) AND (d.tsv @@ CAST(:web_q AS tsquery)) IS TRUE)"
            )
        elif strict:
            match.append("d.tsv @@ CAST(:web_q AS tsquery)")
        elif any_q:
            match.append("d.tsv @@ CAST(:any_q AS tsquery)")
        if any_q:
            # ts_rank of the names, and a share for each word the signature
            # holds; more for all the words near the start. (All the words
            # anywhere in the body, found by the index, ranked worse: a long
            # article holds most words.)
            score.append(f"{_NAMES_RANK} + {_signature_score(any_lexemes, [] if strict else web_lexemes)}")
        if keys:
            match.append("d.names_exact && CAST(:keys AS text[])")
            ctes.append(
                "x AS MATERIALIZED (SELECT article_id FROM search_names WHERE key = ANY(CAST(:keys AS text[])))"
            )
            score.append(f"CASE WHEN d.article_id IN (SELECT article_id FROM x) THEN {EXACT_BONUS} ELSE 0 END")  # noqa: S608
        if codes:
            match.append("d.icd10_all && CAST(:codes AS text[])")
            score.append(f"CASE WHEN d.icd10 && CAST(:codes AS text[]) THEN {CODE_BONUS} ELSE 0 END")
            score.append(f"CASE WHEN d.icd10_all && CAST(:codes AS text[]) THEN {CODE_BONUS * 0.75} ELSE 0 END")
        if parents:
            match.append("d.icd10 && CAST(:parents AS text[])")
            score.append(f"CASE WHEN d.icd10 && CAST(:parents AS text[]) THEN {CODE_BONUS * 0.5} ELSE 0 END")
        fuzzy = len(key) >= FUZZY_MIN_CHARS
        if not match and not fuzzy:
            return ResultPage(query=text, total=0, suggestion=suggestion)

        # The exact match (e) and the trigram match (f) are branches of their
        # own: in one OR, the trigram index's recheck would re-test every row
        # against the whole condition, reading every match's full vector. The
        # trigram branch leaves out the rows e found by their ids (a hashed
        # anti-join), not by testing the condition again, which would read
        # each candidate's full vector as well.
        # Each match is scored once; the counts and the page are taken from
        # the same materialized rows, in one statement.
        score_sql = " + ".join(score) or "0"
        branches = []
        if match:
            ctes.append(
                f"e AS MATERIALIZED (SELECT d.article_id, d.category_set, {score_sql} AS score"  # noqa: S608
                f" FROM search_documents d WHERE {' OR '.join(match)})"
            )
            branches.append("SELECT * FROM e")
        if fuzzy:
            # Names within a trigram distance, each article at its nearest
            # name; the similarity is worked out only for these few rows. Only
            # while the words themselves found few articles: a name misspelt
            # beyond what "did you mean" mends finds little else, and a query
            # that found plenty has no need of look-alikes (nor the cost).
            seen, few = "", ""
            if match:
                seen = "WHERE n.article_id NOT IN (SELECT article_id FROM e)"
                few = f" AND NOT EXISTS (SELECT 1 FROM e OFFSET {FUZZY_UNTIL - 1})"  # noqa: S608 - a constant
            ctes.append(
                f"f AS MATERIALIZED (SELECT d.article_id, d.category_set, {score_sql} + {FUZZY_WEIGHT} * n.near"  # noqa: S608
                " AS score FROM (SELECT article_id, max(word_similarity(CAST(:key AS text), key)) AS near"
                f" FROM search_names WHERE CAST(:key AS text) <% key{few} GROUP BY article_id) n"
                f" JOIN search_documents d ON d.article_id = n.article_id {seen})"
            )
            branches.append("SELECT * FROM f")
        matches = " UNION ALL ".join(branches)
        if category:
            ctes.append(
                "wanted AS (SELECT s.id FROM search_category_sets s WHERE EXISTS"
                " (SELECT 1 FROM unnest(s.categories) AS c WHERE lower(c) = lower(CAST(:category AS text))))"
            )
            in_category = "g.category_set IN (SELECT id FROM wanted)"
            only = "WHERE m.category_set IN (SELECT id FROM wanted)"
        else:
            in_category, only = "true", ""
        statement = sa.text(f"""
            WITH {", ".join(ctes)},
            p AS (
                SELECT m.article_id, m.score FROM ({matches}) m {only}
                ORDER BY m.score DESC, m.article_id LIMIT :limit OFFSET :offset
            )
            SELECT
                (SELECT coalesce(json_agg(json_build_array(s.categories, g.n, {in_category})), '[]')
                 FROM (SELECT m.category_set, count(*) AS n FROM ({matches}) m GROUP BY m.category_set) g
                 JOIN search_category_sets s ON s.id = g.category_set) AS counts,
                (SELECT coalesce(json_agg(json_build_array(d.slug, d.title, p.score, left(b.body, {SCAN_CHARS}))
                    ORDER BY p.score DESC, p.article_id), '[]')
                 FROM p JOIN search_documents d ON d.article_id = p.article_id
                 JOIN search_texts b ON b.article_id = p.article_id) AS hits
            """)  # noqa: S608 - every fragment is a constant of this module; values are bound
        counts, rows = conn.execute(
            statement,
            {**params, "category": category, "limit": limit, "offset": offset},
        ).one()
        facets: Counter[str] = Counter()
        total = 0
        for categories, n, wanted in counts:
            facets.update(dict.fromkeys(categories, n))
            total += n if wanted else 0
        page = ResultPage(
            query=text,
            total=total,
            suggestion=suggestion,
            facets=dict(sorted(facets.items(), key=lambda item: (-item[1], item[0]))),
        )
        # Snippets are cut and marked in Python, as the Whoosh backend does
        # (the same words marked on both; ts_headline parsed each whole body
        # again, twice the time).
        stems = {token.text for token in STEMMED(" ".join(words))} if (any_q or web_q) else set()
        for slug, title, score_value, body in rows:
            page.hits.append(Hit(slug=slug, title=title, score=float(score_value), snippet=snippet(body, stems)))
        return page

    def _correct(self, conn: Connection, text: str) -> str | None:
        """Return ``text`` with words the index has never seen replaced by their nearest indexed word."""
        words = misspelling_candidates(text)
        if not words:
            return None
        known = set(conn.execute(sa.text("SELECT word FROM search_words WHERE word = ANY(:w)"), {"w": words}).scalars())
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
