"""A reader opens an article, an editor edits it through the form, and the edit shows in history."""

from __future__ import annotations

from tests.e2e.conftest import login
from wiki.models import Role


def test_open_article_edit_through_the_form_and_see_it_in_history(live_wiki, page):
    live_wiki.create_user("rosa", Role.REVIEWER)
    live_wiki.create_user("erin")
    live_wiki.create_article("Asthma", "**Asthma** is a long-term lung condition.\n\nIt causes wheezing.\n", "rosa")

    page.goto(f"{live_wiki.url}/wiki/asthma")
    assert page.get_by_role("heading", name="Asthma").first.is_visible()
    assert "long-term lung condition" in page.content()

    login(page, live_wiki.url, "erin")
    page.goto(f"{live_wiki.url}/wiki/asthma")
    page.get_by_role("link", name="Edit", exact=True).first.click()
    textarea = page.get_by_label("Article text")
    textarea.fill(textarea.input_value().replace("It causes wheezing.", "It causes wheezing and a tight chest."))
    page.get_by_label("Summary").first.fill("Added chest tightness")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "tight chest" in page.content()  # the editor sees their (pending) version

    page.goto(f"{live_wiki.url}/wiki/asthma/history")
    history = page.content()
    assert "Added chest tightness" in history
    assert "erin" in history and "pending" in history.lower()
