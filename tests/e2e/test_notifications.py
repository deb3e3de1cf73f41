"""A user watches an article, another edits it in another browser; the first sees the notice and the diff."""

from __future__ import annotations

from tests.e2e.conftest import login
from wiki.models import Role

TEXT = "**Asthma** is a long-term lung condition.\n\nA reliever inhaler eases symptoms.\n"


def test_watcher_is_notified_of_another_users_edit_and_opens_the_diff(live_wiki, page, browser):
    live_wiki.create_user("rosa", Role.REVIEWER)
    live_wiki.create_user("alice")
    live_wiki.create_user("bob")
    live_wiki.create_article("Asthma", TEXT, "rosa")

    # Alice watches the article with the button on it.
    login(page, live_wiki.url, "alice")
    page.goto(f"{live_wiki.url}/wiki/asthma")
    page.get_by_role("button", name="Watch Asthma").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Stop watching Asthma").is_visible()
    assert page.get_by_role("link", name="Notifications (0)").is_visible()

    # Bob, in a browser of his own, edits it.
    other = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        bob = other.new_page()
        bob.set_default_timeout(15_000)
        login(bob, live_wiki.url, "bob")
        bob.goto(f"{live_wiki.url}/wiki/asthma/edit")
        textarea = bob.get_by_label("Article text")
        textarea.fill(textarea.input_value().replace("eases symptoms.", "eases symptoms within minutes."))
        bob.get_by_label("Summary").first.fill("Said how fast relievers work")
        bob.get_by_role("button", name="Save").click()
        bob.wait_for_load_state()
    finally:
        other.close()

    # Alice sees the count in the header, opens her notifications and the change.
    page.goto(f"{live_wiki.url}/")
    link = page.get_by_role("link", name="Notifications (1)")
    assert link.is_visible()
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("/notifications")
    item = page.get_by_role("link", name="bob edited Asthma: Said how fast relievers work (awaiting review)")
    item.click()
    page.wait_for_load_state()
    assert "/wiki/asthma/diff" in page.url
    assert "within minutes" in page.locator("main").inner_text()
    assert page.locator("ins", has_text="within minutes").first.is_visible()
    assert page.get_by_role("link", name="Notifications (0)").is_visible()
