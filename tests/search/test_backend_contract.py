"""The ``SearchBackend`` contract, run against every backend (Whoosh always, PostgreSQL when set up)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki.search.backend import ResultPage, SearchBackend, SearchDocument, Suggestion

CORPUS = [
    SearchDocument(
        1,
        "type-2-diabetes",
        "Type 2 diabetes",
        ("T2DM", "Adult-onset diabetes"),
        ("E11",),
        ("Endocrinology",),
        "A long-term condition in which blood sugar is too high because the body resists insulin. "
        "People feel thirsty and tired.",
    ),
    SearchDocument(
        2,
        "type-1-diabetes",
        "Type 1 diabetes",
        ("T1DM", "Juvenile diabetes"),
        ("E10",),
        ("Endocrinology",),
        "An autoimmune condition in which the pancreas stops making insulin.",
    ),
    SearchDocument(
        3,
        "myocardial-infarction",
        "Myocardial infarction",
        ("Heart attack", "MI", "STEMI"),
        ("I21", "I22"),
        ("Cardiology",),
        "A condition in which blood flow to part of the heart muscle is blocked. Chest pain is common.",
    ),
    SearchDocument(
        4,
        "heart-failure",
        "Heart failure",
        ("Congestive heart failure", "CHF"),
        ("I50",),
        ("Cardiology",),
        "A condition in which the heart does not pump blood as well as it should.",
    ),
    SearchDocument(
        5,
        "hypertension",
        "Hypertension",
        ("High blood pressure",),
        ("I10",),
        ("Cardiology",),
        "A condition in which the pressure of blood in the arteries stays high.",
    ),
    SearchDocument(
        6,
        "diabetic-foot",
        "Diabetic foot ulcer",
        (),
        ("E11.5",),
        ("Endocrinology",),
        "A sore on the foot of a person with diabetes, a complication of the condition.",
    ),
    SearchDocument(
        7,
        "migraine",
        "Migraine",
        ("Sick headache",),
        ("G43",),
        ("Neurology",),
        "A condition of repeated headaches, often with nausea and sensitivity to light.",
    ),
]
BY_SLUG = {doc.slug: doc for doc in CORPUS}

MALFORMED = [
    '"unbalanced',
    'heart "attack',
    "((heart",
    "heart))",
    ")(",
    "AND OR NOT",
    "NOT",
    "AND",
    "heart AND",
    "OR diabetes",
    "*",
    "diab*",
    "*etes",
    "?",
    "~",
    "diabetes~2",
    ":",
    "title:",
    "title:heart",
    "a:b:c",
    "^2",
    "heart^",
    "-",
    "--",
    "-heart",
    "+",
    "'",
    "'heart",
    "\\",
    "%",
    "_",
    "%_%",
    "'; DROP TABLE search_documents; --",
    "[[heart]]",
    "{}[]<>",
    "<script>alert(1)</script>",
    "&amp;",
    "x" * 10_000,
    "heart " * 500,
    "é",
    "心臓発作",
    "🫀 heart",
    "heart\x00attack",
    "heart\u202eattack",
    "\ud800",
    "",
    "   ",
    "\n\t",
    "E",
    "E1",
    "E11.",
    "E11.9.9",
    "to:*",
    "a & b | !c",
    "<->",
    "'a':*",
]


def slugs(page: ResultPage) -> list[str]:
    return [hit.slug for hit in page.hits]


@pytest.fixture
def corpus(backend: SearchBackend) -> SearchBackend:
    backend.index(CORPUS)
    return backend


def test_index_twice_is_harmless(backend: SearchBackend):
    backend.index(CORPUS[:2])
    backend.index(CORPUS[:2])
    assert backend.indexed_ids() == {1, 2}
    assert backend.search("juvenile").total == 1


def test_index_replaces_the_document_with_the_same_article_id(corpus: SearchBackend):
    doc = BY_SLUG["migraine"]
    corpus.index([SearchDocument(doc.article_id, doc.slug, doc.title, body="Throbbing pain on one side.")])
    assert corpus.search("nausea").total == 0
    assert slugs(corpus.search("throbbing")) == ["migraine"]
    assert corpus.search("sick headache").total == 0  # the alias went with the old version


def test_the_last_version_in_one_batch_wins(backend: SearchBackend):
    first = SearchDocument(9, "x", "Xylophone fever", body="alpha")
    second = SearchDocument(9, "x", "Xylophone fever", body="omega")
    backend.index([first, second])
    assert backend.search("alpha").total == 0
    assert backend.search("omega").total == 1


def test_remove_drops_articles_and_ignores_unknown_ids(corpus: SearchBackend):
    corpus.remove([7, 12345])
    assert corpus.search("migraine").total == 0
    assert 7 not in corpus.indexed_ids()
    corpus.remove([])
    corpus.remove([7])
    assert corpus.indexed_ids() == {doc.article_id for doc in CORPUS} - {7}


def test_indexed_ids_lists_what_the_index_holds(backend: SearchBackend):
    assert backend.indexed_ids() == set()
    backend.index(CORPUS)
    assert backend.indexed_ids() == {doc.article_id for doc in CORPUS}


def test_title_ranks_above_alias_above_body(backend: SearchBackend):
    backend.index(
        [
            SearchDocument(1, "in-body", "Alpha condition", body="Sometimes called zorblax by some."),
            SearchDocument(2, "in-alias", "Beta condition", aliases=("Zorblax fever",), body="Other words."),
            SearchDocument(3, "in-title", "Zorblax syndrome", body="Other words again."),
        ]
    )
    assert slugs(backend.search("zorblax")) == ["in-title", "in-alias", "in-body"]


def test_scores_are_descending(corpus: SearchBackend):
    scores = [hit.score for hit in corpus.search("condition").hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("query", "top"),
    [
        ("heart attack", "myocardial-infarction"),
        ("MI", "myocardial-infarction"),
        ("high blood pressure", "hypertension"),
        ("Sick headache", "migraine"),
        ("t2dm", "type-2-diabetes"),
    ],
)
def test_a_whole_alias_finds_its_article_first(corpus: SearchBackend, query: str, top: str):
    assert slugs(corpus.search(query))[0] == top


def test_icd10_code_matches_itself_and_its_subcodes(corpus: SearchBackend):
    found = slugs(corpus.search("E11"))
    assert set(found[:2]) == {"type-2-diabetes", "diabetic-foot"}
    assert slugs(corpus.search("e11"))[:2] == found[:2]
    assert slugs(corpus.search("I21"))[0] == "myocardial-infarction"
    assert slugs(corpus.search("I22"))[0] == "myocardial-infarction"


def test_a_subcode_matches_exactly_first_then_its_category(corpus: SearchBackend):
    found = slugs(corpus.search("E11.5"))
    assert found[0] == "diabetic-foot"
    assert "type-2-diabetes" in found  # E11.5 is a kind of E11
    assert "type-1-diabetes" not in found


def test_misspelt_word_finds_articles_and_suggests_the_spelling(corpus: SearchBackend):
    page = corpus.search("diabetis")
    assert {"type-2-diabetes", "type-1-diabetes"} <= set(slugs(page))
    assert page.suggestion == "diabetes"


def test_suggestion_keeps_the_other_words_and_a_capital(corpus: SearchBackend):
    page = corpus.search("Diabetis type 2")
    assert page.suggestion == "Diabetes type 2"
    assert slugs(page)[0] == "type-2-diabetes"


def test_correctly_spelt_queries_get_no_suggestion(corpus: SearchBackend):
    assert corpus.search("diabetes").suggestion is None
    assert corpus.search("heart attack").suggestion is None
    assert corpus.search("MI").suggestion is None


def test_quoted_phrase_matches_only_the_words_together(backend: SearchBackend):
    backend.index(
        [
            SearchDocument(1, "together", "One", body="Her blood pressure was high."),
            SearchDocument(2, "apart", "Two", body="The pressure of work raised her blood sugar."),
        ]
    )
    assert slugs(backend.search('"blood pressure"')) == ["together"]
    assert set(slugs(backend.search("blood pressure"))) == {"together", "apart"}


def test_all_words_rank_above_some_words(backend: SearchBackend):
    backend.index(
        [
            SearchDocument(1, "some", "One", body="Pain in the knee after running, and more pain."),
            SearchDocument(2, "all", "Two", body="Chest pain when climbing stairs."),
        ]
    )
    assert slugs(backend.search("chest pain"))[0] == "all"


def test_facets_count_categories_and_the_filter_keeps_one(corpus: SearchBackend):
    everything = corpus.search("condition")
    assert everything.total == 7
    assert everything.facets == {"Endocrinology": 3, "Cardiology": 3, "Neurology": 1}
    cardiology = corpus.search("condition", category="cardiology")
    assert cardiology.total == 3
    assert set(slugs(cardiology)) == {"myocardial-infarction", "heart-failure", "hypertension"}
    assert cardiology.facets == everything.facets  # facets are counted before the filter
    assert corpus.search("condition", category="Dermatology").total == 0


def test_pages_share_one_total_and_never_repeat(backend: SearchBackend):
    backend.index(
        SearchDocument(i, f"article-{i}", f"Article {i}", body=f"common word and number {i}")
        for i in range(1, 26)
    )
    pages = [backend.search("common", limit=10, offset=offset) for offset in (0, 10, 20, 30)]
    assert [page.total for page in pages] == [25, 25, 25, 25]
    assert [len(page.hits) for page in pages] == [10, 10, 5, 0]
    seen = [slug for page in pages for slug in slugs(page)]
    assert len(seen) == len(set(seen)) == 25


def test_pages_are_slices_of_one_ranking_in_any_order_asked(backend: SearchBackend):
    backend.index(
        SearchDocument(i, f"article-{i}", f"Article {i}", body="common " * (i % 7 + 1) + f"filler {i}")
        for i in range(1, 41)
    )
    whole = slugs(backend.search("common", limit=40))
    # Later pages first, then earlier ones, then the same again: one order throughout.
    for offset in (30, 10, 0, 20, 10):
        assert slugs(backend.search("common", limit=10, offset=offset)) == whole[offset : offset + 10]


def test_a_repeated_query_sees_writes_made_since(backend: SearchBackend):
    backend.index(CORPUS[:2])
    assert backend.search("zorblax").total == 0
    assert backend.search("juvenile", category="Endocrinology").total == 1
    backend.index([SearchDocument(90, "zorblax", "Zorblax fever", categories=("Endocrinology",))])
    assert slugs(backend.search("zorblax")) == ["zorblax"]
    backend.remove([2])
    assert backend.search("juvenile", category="Endocrinology").total == 0


def test_limit_zero_still_counts(corpus: SearchBackend):
    page = corpus.search("condition", limit=0)
    assert page.total == 7
    assert page.hits == []


def test_snippet_escapes_article_text_and_marks_matches(backend: SearchBackend):
    body = "Before <script>alert('x')</script> the insulin & <b>glucose</b> \"levels\" matter."
    backend.index([SearchDocument(1, "tricky", "Tricky", body=body)])
    for query in ("insulin", "script", "glucose"):
        snippet = backend.search(query).hits[0].snippet
        assert f"<mark>{query}</mark>" in snippet.lower()
        bare = snippet.replace("<mark>", "").replace("</mark>", "")
        assert "<" not in bare and ">" not in bare
        assert "&lt;" in bare  # the text's own brackets are shown, escaped
        assert re.sub(r"&(?!(amp|lt|gt|quot|#x27|#39);)", "", bare) == bare  # every & is an entity


def test_snippet_falls_back_to_the_opening_when_only_the_title_matches(backend: SearchBackend):
    backend.index([SearchDocument(1, "gout", "Gout", body="A painful <swelling> of joints. " * 20)])
    snippet = backend.search("gout").hits[0].snippet
    assert snippet.startswith("A painful &lt;swelling&gt; of joints.")
    assert "<mark>" not in snippet and len(snippet) < 260


def test_malformed_queries_give_results_or_nothing_never_an_error(corpus: SearchBackend):
    for query in MALFORMED:
        page = corpus.search(query)
        assert isinstance(page, ResultPage), query
        assert page.total >= len(page.hits), query
        assert isinstance(corpus.suggest(query), list), query


def test_odd_limits_and_offsets_are_clamped(corpus: SearchBackend):
    assert corpus.search("condition", limit=-5).hits == []
    assert corpus.search("condition", offset=-3).total == 7
    assert len(corpus.search("condition", limit=10**9).hits) == 7


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=60))
def test_any_text_is_a_valid_query(corpus: SearchBackend, query: str):
    page = corpus.search(query)
    assert page.total >= len(page.hits)
    assert all("<" not in hit.snippet.replace("<mark>", "").replace("</mark>", "") for hit in page.hits)


def test_suggest_completes_titles_before_aliases(corpus: SearchBackend):
    found = corpus.suggest("heart")
    assert found[0] == Suggestion("heart-failure", "Heart failure")
    assert Suggestion("myocardial-infarction", "Myocardial infarction", alias="Heart attack") in found


def test_suggest_completes_aliases_and_several_words(corpus: SearchBackend):
    assert corpus.suggest("juven") == [
        Suggestion("type-1-diabetes", "Type 1 diabetes", alias="Juvenile diabetes")
    ]
    assert corpus.suggest("heart at") == [
        Suggestion("myocardial-infarction", "Myocardial infarction", alias="Heart attack")
    ]
    assert corpus.suggest("myo")[0] == Suggestion("myocardial-infarction", "Myocardial infarction")


def test_suggest_gives_one_entry_per_article_within_the_limit(corpus: SearchBackend):
    found = corpus.suggest("d")
    assert len({s.slug for s in found}) == len(found)
    assert len(corpus.suggest("d", limit=1)) == 1
    assert corpus.suggest("zzzz") == []
    assert corpus.suggest("") == []


def test_rebuild_replaces_everything_and_reports_progress(corpus: SearchBackend):
    counted = []
    fresh = [
        SearchDocument(100 + i, f"new-{i}", f"Fresh article {i}", body="brand new text") for i in range(3)
    ]
    assert corpus.rebuild(iter(fresh), progress=counted.append) == 3
    assert sum(counted) == 3
    assert corpus.indexed_ids() == {100, 101, 102}
    assert corpus.search("diabetes").total == 0
    assert corpus.search("brand").total == 3
    corpus.index([CORPUS[0]])  # writes go to the new index
    assert corpus.search("diabetes").total == 1


def test_did_you_mean_forgets_words_of_removed_articles(backend: SearchBackend):
    backend.index([SearchDocument(1, "a", "Quixotic syndrome", body="rare words here")])
    backend.remove([1])
    backend.index([SearchDocument(2, "b", "Other", body="plain text")])
    assert backend.search("quixotik").suggestion is None


def test_accents_are_folded(backend: SearchBackend):
    backend.index([SearchDocument(1, "meniere-s-disease", "Ménière's disease", body="Vertigo and tinnitus.")])
    assert slugs(backend.search("meniere")) == ["meniere-s-disease"]
    assert slugs(backend.search("MÉNIÈRE")) == ["meniere-s-disease"]
