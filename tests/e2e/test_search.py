"""Searching in a real browser: autocomplete in the header on a phone, and the plain form without it."""

from __future__ import annotations

import pytest

from wiki import search
from wiki.models import Role

ARTICLES = {
    "Heart failure": "---\ncategories: [Cardiology]\n---\nIn **heart failure** the heart cannot pump blood "
    "as well as it should.\n",
    "Myocardial infarction": "---\naliases: [Heart attack, MI]\nicd10: [I21]\ncategories: [Cardiology]\n---\n"
    "A **heart attack** happens when blood flow to the heart muscle stops.\n",
    "Type 2 diabetes": "---\naliases: [Sugar diabetes]\nicd10: [E11]\ncategories: [Endocrinology]\n---\n"
    "**Type 2 diabetes** makes the level of sugar in the blood too high.\n",
    "Asthma": "---\ncategories: [Respiratory]\n---\n**Asthma** is a long-term lung condition.\n",
}


@pytest.fixture
def seeded(live_wiki):
    live_wiki.create_user("rosa", Role.REVIEWER)
    for title, text in ARTICLES.items():
        live_wiki.create_article(title, text, "rosa")
    search.drain_now(live_wiki.app)
    return live_wiki


def header_box(page):
    return page.get_by_role("combobox", name="Search Asclepedia")


def test_typing_in_the_header_suggests_articles_and_enter_opens_one(seeded, page):
    page.goto(f"{seeded.url}/wiki/asthma")
    box = header_box(page)
    box.press_sequentially("hear")
    listbox = page.get_by_role("listbox", name="Suggested articles")
    listbox.wait_for()
    options = listbox.get_by_role("option")
    texts = options.all_inner_texts()
    assert any(text.startswith("Heart failure") for text in texts), texts
    assert any(text.startswith("Heart attack") and "Myocardial infarction" in text for text in texts), texts
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")

    box.press("ArrowDown")
    first = options.first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and not listbox.is_visible()

    box.press("ArrowDown")  # the list comes back
    target = next(i for i, text in enumerate(texts) if text.startswith("Heart failure"))
    for _ in range(target):
        box.press("ArrowDown")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == f"{seeded.url}/wiki/heart-failure"
    assert page.get_by_role("heading", name="Heart failure", level=1).is_visible()


def test_clicking_a_suggestion_for_an_alias_opens_the_article(seeded, page):
    page.goto(f"{seeded.url}/articles")
    header_box(page).press_sequentially("heart a")
    option = page.get_by_role("option", name="Heart attack")
    with page.expect_navigation():
        option.click()
    assert page.url.startswith(f"{seeded.url}/wiki/myocardial-infarction")
    assert page.get_by_role("heading", name="Myocardial infarction", level=1).is_visible()
    assert page.get_by_text("(Redirected from Heart attack)").is_visible()


def test_tapping_a_suggestion_on_a_touch_screen_opens_the_article(seeded, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{seeded.url}/articles")
        box = header_box(page)
        box.tap()
        box.press_sequentially("diab")
        option = page.get_by_role("option", name="Type 2 diabetes")
        with page.expect_navigation():
            option.tap()
        assert page.url == f"{seeded.url}/wiki/type-2-diabetes"
    finally:
        context.close()


def test_enter_without_choosing_a_suggestion_searches(seeded, page):
    page.goto(f"{seeded.url}/articles")
    box = header_box(page)
    box.press_sequentially("heart")
    page.get_by_role("listbox", name="Suggested articles").wait_for()
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == f"{seeded.url}/search?q=heart"
    assert "2 results for “heart”" in page.locator(".search-count").inner_text()


def test_without_javascript_a_misspelling_still_finds_the_article(seeded, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{seeded.url}/wiki/asthma")
        box = page.get_by_role("searchbox", name="Search Asclepedia")  # a plain field: no combobox
        box.fill("diabetis")
        with page.expect_navigation():
            page.get_by_role("button", name="Search", exact=True).click()
        assert page.url == f"{seeded.url}/search?q=diabetis"
        assert page.get_by_role("link", name="diabetes").first.is_visible()  # Did you mean …?
        page.get_by_role("link", name="Type 2 diabetes").click()
        page.wait_for_load_state()
        assert page.url == f"{seeded.url}/wiki/type-2-diabetes"
    finally:
        context.close()


def test_search_page_filters_by_category_on_a_phone(seeded, page):
    page.goto(f"{seeded.url}/search?q=blood")
    assert "3 results for “blood”" in page.locator(".search-count").inner_text()
    page.get_by_role("link", name="Endocrinology").click()
    page.wait_for_load_state()
    assert "1 result for “blood” in Endocrinology" in page.locator(".search-count").inner_text()
    assert page.get_by_role("link", name="Type 2 diabetes").is_visible()
    # Nothing on the page is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
