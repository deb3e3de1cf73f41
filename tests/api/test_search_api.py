"""API: GET /search and GET /search/suggest answer exactly CONTRACT.md's JSON, and 400 only for bad paging."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki import revisions, search
from wiki.models import Role

ARTICLES = {
    "Myocardial infarction": "---\naliases: [Heart attack, MI]\nicd10: [I21]\ncategories: [Cardiology]\n---\n"
    "A **heart attack** happens when blood flow to the heart muscle stops.\n",
    "Heart failure": "---\ncategories: [Cardiology]\n---\nThe heart cannot pump blood as well as it can.\n",
    "Type 2 diabetes": "---\naliases: [Sugar diabetes]\nicd10: [E11]\ncategories: [Endocrinology]\n---\n"
    "Type 2 diabetes makes the sugar in the blood too high.\n",
    "Palpitations": "---\ncategories: [Cardiology]\n---\nA fluttering <script>alert(1)</script> heartbeat.\n",
}


@pytest.fixture
def seeded(app, session, make_user):
    author = make_user("rosa", role=Role.REVIEWER)
    for title, text in ARTICLES.items():
        revisions.create_article(session, title, text, summary="", author=author, confirm_warnings=True)
    search.drain_now(app)


def get_json(api, path, **query):
    response = api.get(path, query=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def test_search_answers_the_contract_shape(api, seeded):
    body = get_json(api, "/search", q="heart attack")
    assert set(body) == {"query", "total", "results", "suggestion"}
    assert body["query"] == "heart attack" and body["suggestion"] is None
    assert body["total"] == len(body["results"]) >= 2
    for hit in body["results"]:
        assert set(hit) == {"slug", "title", "score", "snippet"}
        assert isinstance(hit["score"], float) and isinstance(hit["snippet"], str)
    assert body["results"][0] == {
        **body["results"][0],
        "slug": "myocardial-infarction",
        "title": "Myocardial infarction",
    }
    assert "<mark>" in body["results"][0]["snippet"]
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_snippets_are_escaped_text_with_only_marks(api, seeded):
    body = get_json(api, "/search", q="fluttering")
    snippet = body["results"][0]["snippet"]
    assert "&lt;script&gt;" in snippet and "<script" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_misspelling_gives_a_suggestion_and_results(api, seeded):
    body = get_json(api, "/search", q="diabetis")
    assert body["suggestion"] == "diabetes"
    assert [hit["slug"] for hit in body["results"]][:1] == ["type-2-diabetes"]


def test_icd10_code_and_alias_find_their_article(api, seeded):
    assert get_json(api, "/search", q="E11")["results"][0]["slug"] == "type-2-diabetes"
    assert get_json(api, "/search", q="sugar diabetes")["results"][0]["slug"] == "type-2-diabetes"
    assert get_json(api, "/search", q="MI")["results"][0]["slug"] == "myocardial-infarction"


def test_pages_share_one_total_and_do_not_overlap(api, seeded):
    whole = get_json(api, "/search", q="blood")
    assert whole["total"] == 3
    seen = []
    for offset in range(0, whole["total"], 2):
        page = get_json(api, "/search", q="blood", limit=2, offset=offset)
        assert page["total"] == whole["total"] and len(page["results"]) <= 2
        seen += [hit["slug"] for hit in page["results"]]
    assert seen == [hit["slug"] for hit in whole["results"]]
    past = get_json(api, "/search", q="blood", offset=whole["total"])
    assert past["results"] == [] and past["total"] == whole["total"]
    far = get_json(api, "/search", q="blood", offset=2**62)
    assert far["results"] == [] and far["total"] == whole["total"]


def test_category_filters_and_the_total_counts_after_it(api, seeded):
    body = get_json(api, "/search", q="blood", category="cardiology")
    assert {hit["slug"] for hit in body["results"]} == {"myocardial-infarction", "heart-failure"}
    assert body["total"] == 2
    assert get_json(api, "/search", q="blood", category="Nowhere") == {
        "query": "blood",
        "total": 0,
        "results": [],
        "suggestion": None,
    }


@pytest.fixture
def asked(api, monkeypatch):
    """What the API asked the backend for, its answer replaced by an empty page."""
    from wiki.search.backend import ResultPage

    calls = {}

    def spy(query, *, limit, offset, category):
        calls.update(query=query, limit=limit, offset=offset, category=category)
        return ResultPage(query=query, total=0)

    with api.client.application.app_context():
        monkeypatch.setattr(search.get_backend(), "search", spy)
    return calls


@pytest.mark.parametrize(
    "limit, expected", [("1", 1), ("0", 1), ("37", 37), ("100", 100), ("5000", 100), ("", 20), (None, 20)]
)
def test_limit_defaults_to_20_and_is_clamped_to_1_through_100(api, asked, limit, expected):
    get_json(api, "/search", q="heart", **({} if limit is None else {"limit": limit}))
    assert asked == {"query": "heart", "limit": expected, "offset": 0, "category": None}


def test_offset_and_category_are_passed_on(api, asked):
    get_json(api, "/search", q="heart", offset="40", category=" Cardiology ")
    assert asked == {"query": "heart", "limit": 20, "offset": 40, "category": "Cardiology"}


def test_a_limit_of_one_gives_one_result(api, seeded):
    body = get_json(api, "/search", q="blood", limit=1)
    assert len(body["results"]) == 1 and body["total"] == 3


@pytest.mark.parametrize("name", ["limit", "offset"])
@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "1e3", " 2", "9" * 40, "0x10"])
def test_bad_limit_or_offset_is_a_400_naming_it(api, seeded, name, value):
    response = api.get("/search", query={"q": "heart", name: value})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_input" and body["field"] == name and body["message"]


def test_empty_or_missing_query_is_an_empty_page(api, seeded):
    empty = {"query": "", "total": 0, "results": [], "suggestion": None}
    assert get_json(api, "/search") == empty
    assert get_json(api, "/search", q="") == empty
    assert get_json(api, "/search", q="   ")["results"] == []


def test_a_long_query_is_cut_at_200_characters(api, seeded):
    body = get_json(api, "/search", q="heart " + "x" * 1000)
    assert len(body["query"]) <= 200


def test_suggest_answers_titles_and_aliases_in_the_contract_shape(api, seeded):
    body = get_json(api, "/search/suggest", q="hear")
    assert set(body) == {"suggestions"}
    assert all(set(entry) == {"slug", "title"} for entry in body["suggestions"])
    slugs = [entry["slug"] for entry in body["suggestions"]]
    assert "heart-failure" in slugs and "myocardial-infarction" in slugs  # via "Heart attack"
    assert len(slugs) == len(set(slugs))


def test_suggest_with_aliases_says_which_alias_matched(api, seeded):
    body = get_json(api, "/search/suggest", q="heart a", aliases="1")
    assert {
        "slug": "myocardial-infarction",
        "title": "Myocardial infarction",
        "alias": "Heart attack",
    } in body["suggestions"]
    titles = get_json(api, "/search/suggest", q="heart f", aliases="1")["suggestions"]
    assert titles[0] == {"slug": "heart-failure", "title": "Heart failure", "alias": None}


def test_suggest_for_an_abbreviation(api, seeded):
    assert get_json(api, "/search/suggest", q="MI")["suggestions"][0]["slug"] == "myocardial-infarction"


@pytest.mark.parametrize("q", [None, "", "   "])
def test_suggest_for_nothing_is_an_empty_list(api, seeded, q):
    query = {} if q is None else {"q": q}
    assert get_json(api, "/search/suggest", **query) == {"suggestions": []}


def test_suggest_gives_at_most_8(api, app, session, make_user):
    author = make_user("rosa", role=Role.REVIEWER)
    for n in range(12):
        revisions.create_article(
            session, f"Heart topic {n}", "Text.\n", summary="", author=author, confirm_warnings=True
        )
    search.drain_now(app)
    assert len(get_json(api, "/search/suggest", q="heart")["suggestions"]) == 8


def test_search_needs_no_token_but_refuses_a_bad_one(api, seeded):
    response = api.get("/search", query={"q": "heart"}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=st.text(max_size=60), category=st.one_of(st.none(), st.text(max_size=15)))
def test_any_query_gives_json_not_an_error(api, seeded, q, category):
    query = {"q": q} if category is None else {"q": q, "category": category}
    body = get_json(api, "/search", **query)
    assert body["total"] >= len(body["results"])
    assert isinstance(get_json(api, "/search/suggest", q=q)["suggestions"], list)
