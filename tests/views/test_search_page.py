"""The search page: results and snippets, "Go to article", did-you-mean, facets, paging, empty states.

Articles are seeded through ``revisions.create_article`` by a reviewer, so
they are approved; the app indexes them when each seeding context closes.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.views.conftest import assert_csp_clean
from wiki.models import Role

MI = """---
aliases: [Heart attack, MI, STEMI]
icd10: [I21]
categories: [Cardiology]
---
A **heart attack** happens when blood flow to part of the heart muscle stops.
"""
HEART_FAILURE = """---
categories: [Cardiology]
---
In **heart failure** the heart cannot pump blood around the body as well as it should.
"""
DIABETES = """---
aliases: [Sugar diabetes, Type II diabetes]
icd10: [E11]
categories: [Endocrinology]
---
**Type 2 diabetes** causes the level of sugar in the blood to become too high.
"""
# Text a reader could paste into an article: it must come back as text, never as markup.
HOSTILE = """---
categories: [Testing]
---
Palpitations may feel like <script>alert("pwned")</script> fluttering <img src=x onerror=alert(2)> beats.
"""


@pytest.fixture
def seeded(wiki):
    wiki.article("Myocardial infarction", MI)
    wiki.article("Heart failure", HEART_FAILURE)
    wiki.article("Type 2 diabetes", DIABETES)
    return wiki


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def main_of(body: str) -> str:
    return body[body.index("<main") : body.index("</main>")]


def test_results_show_the_count_titles_and_highlighted_snippets(client, seeded):
    body = page_text(client.get("/search", query_string={"q": "heart attack"}))
    assert "<strong>2</strong> results for “heart attack”" in body
    assert '<a href="/wiki/myocardial-infarction">Myocardial infarction</a>' in body
    assert '<a href="/wiki/heart-failure">Heart failure</a>' in body
    # The article about the phrase ranks first.
    assert body.index("/wiki/myocardial-infarction") < body.index('href="/wiki/heart-failure"')
    assert "<mark>heart</mark>" in body.lower()
    assert "<title>Search results for “heart attack” – Asclepedia</title>" in body


def test_one_result_is_singular(client, seeded):
    body = page_text(client.get("/search?q=pump"))
    assert "<strong>1</strong> result for “pump”" in body


def test_snippets_show_article_text_escaped_with_only_marks_added(client, wiki):
    wiki.article("Palpitations", HOSTILE)
    body = main_of(page_text(client.get("/search?q=fluttering+alert")))
    assert "/wiki/palpitations" in body
    snippet = re.search(r'<p class="search-result__snippet">(.*?)</p>', body, re.S).group(1)
    assert "&lt;script&gt;" in snippet and "&lt;img" in snippet
    assert "<script" not in body and "<img" not in body
    assert set(re.findall(r"</?([a-z]+)", snippet)) <= {"mark"}
    assert "<mark>fluttering</mark>" in snippet


def test_the_query_is_escaped_everywhere_it_is_shown(client, seeded, as_user):
    as_user("eve")
    body = page_text(client.get("/search", query_string={"q": '<b>"x</b>'}))
    assert "<b>" not in main_of(body) and "&lt;b&gt;" in body


def test_a_query_naming_an_alias_offers_the_article_and_keeps_the_results(client, seeded):
    body = main_of(page_text(client.get("/search?q=MI")))
    assert "Go to article" in body
    assert 'class="button search-go__button" href="/wiki/myocardial-infarction"' in body
    assert "also known as “MI”" in body
    assert "search-result__title" in body  # the results are still there


def test_the_go_link_names_the_alias_as_the_article_writes_it(client, seeded):
    body = main_of(page_text(client.get("/search?q=heart+ATTACK")))
    assert (
        "There is an article called <strong>Myocardial infarction</strong> (also known as “Heart attack”)"
        in body
    )


def test_a_query_naming_a_title_offers_the_article(client, seeded):
    body = main_of(page_text(client.get("/search?q=Heart+Failure")))
    assert 'href="/wiki/heart-failure">Go to article' in body
    assert "also known as" not in body


def test_a_query_naming_no_article_offers_no_go_link(client, seeded):
    assert "Go to article" not in page_text(client.get("/search?q=heart"))


def test_a_misspelling_is_searched_and_offered_as_did_you_mean(client, seeded):
    body = main_of(page_text(client.get("/search?q=diabetis")))
    assert 'Did you mean <a href="/search?q=diabetes"><strong>diabetes</strong></a>?' in body
    assert "/wiki/type-2-diabetes" in body


def test_an_icd10_code_finds_its_article(client, seeded):
    body = page_text(client.get("/search?q=E11"))
    assert "/wiki/type-2-diabetes" in body and "/wiki/heart-failure" not in body


def test_a_quoted_phrase_is_searched_as_a_phrase(client, seeded):
    body = main_of(page_text(client.get("/search", query_string={"q": '"blood flow"'})))
    assert "/wiki/myocardial-infarction" in body and "/wiki/type-2-diabetes" not in body


def test_facets_count_per_category_and_link_to_a_filtered_search(client, seeded):
    body = main_of(page_text(client.get("/search?q=blood")))
    assert "<strong>3</strong> results" in body
    assert '<a href="/search?q=blood&amp;category=Cardiology">Cardiology</a>' in body
    assert re.search(r"Cardiology</a> <span class=\"secondary-text\">\(2<", body)
    assert re.search(r"Endocrinology</a> <span class=\"secondary-text\">\(1<", body)
    # Biggest category first.
    assert body.index("Cardiology") < body.index("Endocrinology")
    assert "Clear filter" not in body


def test_a_category_filter_narrows_the_results_and_can_be_cleared(client, seeded):
    body = main_of(page_text(client.get("/search?q=blood&category=Cardiology")))
    assert "<strong>2</strong> results for “blood” in <strong>Cardiology</strong>" in body
    assert "/wiki/type-2-diabetes" not in body.split("search-results")[1]
    # The other categories stay on offer, with their unfiltered counts.
    assert '<a href="/search?q=blood&amp;category=Endocrinology">Endocrinology</a>' in body
    assert '<strong aria-current="true">Cardiology' in body
    assert '<a href="/search?q=blood">Clear filter' in body
    # The page's own search box keeps the filter.
    assert '<input type="hidden" name="category" value="Cardiology">' in body


def test_the_category_filter_ignores_case(client, seeded):
    body = page_text(client.get("/search?q=blood&category=cardiology"))
    assert "<strong>2</strong> results" in body


def test_an_unknown_category_gives_an_empty_page_with_a_way_out(client, seeded):
    body = main_of(page_text(client.get("/search?q=blood&category=Astrology")))
    assert "No results for “blood” in <strong>Astrology</strong>" in body
    assert '<a href="/search?q=blood">Search every category</a>' in body


def test_pages_share_one_total_and_never_repeat_a_hit(client, seeded, monkeypatch):
    from wiki.views import search as search_view

    monkeypatch.setattr(search_view, "PAGE_SIZE", 2)
    first = main_of(page_text(client.get("/search?q=blood")))
    second = main_of(page_text(client.get("/search?q=blood&page=2")))
    for body in (first, second):
        assert "<strong>3</strong> results for “blood”" in body
    assert "page 1 of 2" in first and 'rel="next" href="/search?page=2&amp;q=blood"' in first
    assert "page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    hits = [re.findall(r'search-result__title"><a href="([^"]+)"', body) for body in (first, second)]
    assert len(hits[0]) == 2 and len(hits[1]) == 1
    assert len(set(hits[0] + hits[1])) == 3
    assert '<ol class="search-results" start="3">' in second


def test_a_page_past_the_end_goes_to_the_last_page(client, seeded, monkeypatch):
    from wiki.views import search as search_view

    monkeypatch.setattr(search_view, "PAGE_SIZE", 2)
    response = client.get("/search?q=blood&page=99")
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=blood&page=2"
    single = client.get("/search?q=pump&page=5")
    assert single.status_code == 302 and single.headers["Location"] == "/search?q=pump"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e3", "99999999999999999999", ""])
def test_an_odd_page_number_is_page_one(client, seeded, page):
    body = page_text(client.get("/search", query_string={"q": "heart", "page": page}))
    assert "<strong>2</strong> results" in body


def test_an_empty_query_shows_the_form_with_examples(client):
    for url in ("/search", "/search?q=", "/search?q=+++"):
        body = main_of(page_text(client.get(url)))
        assert 'id="search-page-q"' in body
        assert '<a href="/search?q=heart+attack">heart attack</a>' in body
        assert "results for" not in body


def test_nothing_found_gives_tips_and_no_create_link_for_readers(client, seeded):
    body = main_of(page_text(client.get("/search?q=xylophonitis")))
    assert "No results for “xylophonitis”" in body and "Nothing matched" in body
    assert "/new" not in body
    assert "Log in</a> to write the article" in body


def test_nothing_found_offers_editors_the_article_to_create(client, seeded, as_user):
    as_user("erin", Role.EDITOR)
    body = main_of(page_text(client.get("/search", query_string={"q": "Xylophone knee"})))
    assert '<a class="button button--secondary" href="/new?title=Xylophone+knee">' in body
    assert "Create the article “Xylophone knee”" in body


def test_found_results_offer_no_create_link(client, seeded, as_user):
    as_user("erin", Role.EDITOR)
    assert "/new?title" not in page_text(client.get("/search?q=heart"))


def test_the_page_is_csp_clean_and_enhances_its_search_box(client, seeded):
    response = client.get("/search?q=heart")
    assert_csp_clean(response)
    body = response.get_data(as_text=True)
    assert 'data-suggest-url="/api/v1/search/suggest?aliases=1"' in body
    assert '<script src="/static/js/autocomplete.js" defer></script>' in body


def test_every_page_header_search_box_has_autocomplete(client, seeded):
    body = page_text(client.get("/wiki/heart-failure"))
    header = body[body.index('<form class="site-search"') : body.index("</form>")]
    assert 'action="/search"' in header and 'name="q"' in header
    assert 'data-suggest-url="/api/v1/search/suggest?aliases=1"' in header
    assert "/static/js/autocomplete.js" in body


def test_a_very_long_query_is_cut_not_refused(client, seeded):
    body = page_text(client.get("/search", query_string={"q": "heart " * 2000}))
    value = re.search(r'id="search-page-q"[^>]*value="([^"]*)"', body, re.S).group(1)
    assert len(value) <= 200
    assert "/wiki/heart-failure" in body


MALFORMED = [
    '"unbalanced',
    'heart"',
    '""',
    "AND OR",
    "OR",
    "NOT",
    "*",
    "?",
    "heart*",
    "(",
    ")",
    "((heart",
    "[",
    "{",
    "heart AND",
    "-",
    "+",
    "~",
    "^2",
    "\\",
    "'",
    "title:heart",
    "category:",
    ":",
    "a" * 500,
    "\x00",
    "\x1b[31m",
    "mi\u0000ocard",
    "Ménière",
    "心脏病",
    "🫀 attack",
    "\u202e",
    "\ufeff",
    "E11.",
    "E",
    "%",
    "%%",
    "&q=1",
    "<script>",
    "{{7*7}}",
    "heart\nattack",
    "\t",
    "NEAR/2",
    "heart~2",
    "heart^",
    "'; DROP TABLE articles; --",
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_give_a_page_not_an_error(client, seeded, query):
    page_text(client.get("/search", query_string={"q": query}))
    page_text(
        client.get(
            "/search", query_string={"q": query, "category": query, "page": "2"}, follow_redirects=True
        )
    )


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=st.text(max_size=80), category=st.one_of(st.none(), st.text(max_size=20)))
def test_any_query_gives_a_page(client, seeded, query, category):
    args = {"q": query} if category is None else {"q": query, "category": category}
    assert client.get("/search", query_string=args).status_code == 200
