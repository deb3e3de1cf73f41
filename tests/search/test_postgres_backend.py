"""What only the PostgreSQL backend has to get right: its DDL, its lock, its word counts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from wiki.search import postgres_backend
from wiki.search.backend import SearchDocument
from wiki.search.postgres_backend import LAYOUT, LEAD_WORDS, PostgresBackend, required_phrases, signature_bits


def recount(engine: sa.Engine) -> tuple[dict[str, int], dict[str, int]]:
    """Return the stored vocabulary counts and a recount from the documents."""
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT word, ndoc FROM search_words")).all())
        fresh = dict(conn.execute(sa.text("SELECT w, count(*) FROM search_texts, unnest(words) AS w GROUP BY w")).all())
    return stored, fresh


def test_schema_sql_can_run_twice(search_pg_engine):
    backend = PostgresBackend(search_pg_engine)
    backend.ensure_schema()
    backend.ensure_schema()


def test_vocabulary_counts_stay_exact_through_updates_and_removals(search_pg_engine):
    with search_pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE search_documents, search_words, search_category_sets CASCADE")
    backend = PostgresBackend(search_pg_engine)
    backend.index(
        [
            SearchDocument(1, "a", "Gout", body="painful swollen joints"),
            SearchDocument(2, "b", "Asthma", body="wheezing and painful breathing"),
        ]
    )
    backend.index([SearchDocument(1, "a", "Gout", body="swollen toe at night")])
    backend.remove([2])
    backend.index([SearchDocument(3, "c", "Migraine", body="throbbing headache")])
    stored, fresh = recount(search_pg_engine)
    assert stored == fresh
    assert "painful" not in stored and stored["swollen"] == 1
    backend.rebuild([SearchDocument(4, "d", "Psoriasis", body="scaly patches")])
    stored, fresh = recount(search_pg_engine)
    assert stored == fresh == {"psoriasis": 1, "scaly": 1, "patches": 1}


def test_a_page_remembered_by_one_host_is_dropped_when_another_host_writes(search_pg_engine):
    with search_pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE search_documents, search_words, search_category_sets CASCADE")
    reader, writer = PostgresBackend(search_pg_engine), PostgresBackend(search_pg_engine)
    writer.index([SearchDocument(1, "a", "Gout", body="painful swollen joints")])
    assert reader.search("swollen").total == 1
    assert reader.search("swollen").total == 1  # answered from memory
    writer.index([SearchDocument(2, "b", "Bursitis", body="swollen elbow")])
    assert reader.search("swollen").total == 2
    writer.remove([1, 2])
    assert reader.search("swollen").total == 0
    writer.rebuild([SearchDocument(3, "c", "Cellulitis", body="swollen red skin")])
    assert [hit.slug for hit in reader.search("swollen").hits] == ["c"]


def test_search_tables_of_another_layout_are_dropped_and_made_again(search_pg_engine):
    backend = PostgresBackend(search_pg_engine)
    backend.rebuild([SearchDocument(1, "a", "Gout", body="swollen toe at night")])
    with search_pg_engine.begin() as conn:
        # The first layout had no layout column at all.
        conn.exec_driver_sql("ALTER TABLE search_state DROP COLUMN layout")
    backend.ensure_schema()
    # Derived rows go with the old tables; the next catch-up refills them.
    assert backend.indexed_ids() == set()
    with search_pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT layout FROM search_state")).scalar() == LAYOUT
    backend.index([SearchDocument(2, "b", "Bursitis", aliases=("Housemaid's knee",), body="swollen elbow")])
    assert [hit.slug for hit in backend.search("swollen").hits] == ["b"]
    backend.ensure_schema()  # the current layout is kept as it is
    assert backend.indexed_ids() == {2}


def test_facets_count_each_article_once_and_the_filtered_total_follows_the_category(search_pg_engine):
    with search_pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE search_documents, search_words, search_category_sets CASCADE")
    backend = PostgresBackend(search_pg_engine)
    backend.index(
        [
            SearchDocument(1, "a", "Gout", categories=("Rheumatology", "Rheumatology"), body="swollen toe"),
            SearchDocument(2, "b", "Cellulitis", categories=("Dermatology", "Infections"), body="swollen skin"),
            SearchDocument(3, "c", "Septic arthritis", categories=("Infections", "Rheumatology"), body="swollen"),
        ]
    )
    page = backend.search("swollen")
    assert page.total == 3
    assert page.facets == {"Infections": 2, "Rheumatology": 2, "Dermatology": 1}
    filtered = backend.search("swollen", category="infections")
    assert filtered.total == 2 and {hit.slug for hit in filtered.hits} == {"b", "c"}
    assert filtered.facets == page.facets  # facets describe every match, not just the filtered ones


def fresh(engine: sa.Engine) -> PostgresBackend:
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE search_documents, search_words, search_category_sets CASCADE")
    return PostgresBackend(engine)


def test_the_stored_signature_sets_exactly_the_bits_python_asks_about(search_pg_engine):
    backend = fresh(search_pg_engine)
    body = " ".join(f"word{n}" for n in range(LEAD_WORDS)) + " trailing beyond the opening"
    backend.index([SearchDocument(1, "a", "Crohn's disease", ("IBD",), ("K50",), ("Gastro",), body)])
    with search_pg_engine.connect() as conn:
        stored, lexemes = conn.execute(
            sa.text(
                "SELECT CAST(signature AS text), tsvector_to_array(names_tsv || to_tsvector('english', :lead))"
                " FROM search_documents"
            ),
            {"lead": " ".join(body.split()[:LEAD_WORDS])},
        ).one()
    assert "trail" not in lexemes and {"crohn", "ibd", "k50", "gastro", "word0"} <= set(lexemes)
    expected = {bit for lexeme in lexemes for bit in signature_bits(lexeme)}
    assert {i for i, bit in enumerate(stored) if bit == "1"} == expected


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ('"chest pain"', ["chest pain"]),
        ('"chest pain" fever "blood pressure"', ["chest pain", "blood pressure"]),
        ('fever -"chest pain"', []),  # negated: a match lacks it
        ('"chest pain" or "blood pressure"', []),  # alternatives
        ('"chest pain" OR fever', []),
        ('x "or" y', ["or"]),  # "or" inside quotes is a word
        ('"unclosed phrase', []),
        ('a"b c"', []),  # a quote inside a word: left to PostgreSQL's own reading
        ('x"y "w v"', []),
        ('""', []),
    ],
)
def test_required_phrases_only_names_phrases_every_match_holds(text, phrases):
    assert required_phrases(text) == phrases


PHRASE_BODIES = [
    "chest pain at rest and blood pressure checks",
    "pain in the chest, high blood, pressure sores",
    "the blood pressure of a chest pain patient",
    "shortness of breath with chest pain",
    "breath shortness and pain chest",
    "chest-pain clinics measure blood-pressure",
    "blood blood pressure pressure",
]


@pytest.mark.parametrize(
    "query",
    [
        '"chest pain"',
        '"blood pressure"',
        '"pain chest"',
        '"shortness of breath"',
        '"chest pain" "blood pressure"',
        '"blood pressure" shortness',
        '"chest-pain"',
        '"blood pressure pressure"',
        '"high blood pressure"',
        '-"chest pain" blood',
        '"chest pain" or "blood pressure"',
        '"pain',
    ],
)
def test_the_pairs_index_finds_what_checking_every_position_finds(search_pg_engine, monkeypatch, query):
    backend = fresh(search_pg_engine)
    backend.index(
        [SearchDocument(n, f"a{n}", f"Article {n}", body=body) for n, body in enumerate(PHRASE_BODIES, start=1)]
    )
    with_pairs = backend.search(query, limit=50)
    monkeypatch.setattr(postgres_backend, "required_phrases", lambda text: [])
    backend._results.clear()
    without = backend.search(query, limit=50)
    assert with_pairs.total == without.total
    assert [hit.slug for hit in with_pairs.hits] == [hit.slug for hit in without.hits]
