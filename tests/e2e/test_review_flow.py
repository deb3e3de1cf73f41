"""The review workflow in a browser: an editor's change, a reader's report of it, a reviewer's
rejection (closing the report), the reader seeing the corrected text, and the Corrections page."""

from __future__ import annotations

import re

from tests.e2e.conftest import login
from wiki import db, flags
from wiki.models import Role

TEXT = ("**Ibuprofen** is a painkiller.\n\n## Dose\n\n"
        "The usual adult dose is 200 mg to 400 mg every 4 to 6 hours.\n")


def test_report_reject_and_the_reader_sees_the_corrected_text(live_wiki, browser, page):
    live_wiki.create_user("rosa", Role.REVIEWER)
    live_wiki.create_user("erin")
    live_wiki.create_article("Ibuprofen", TEXT, "rosa")
    url = live_wiki.url

    # An editor changes the dose; the change waits for review.
    login(page, url, "erin")
    page.goto(f"{url}/wiki/ibuprofen/edit")
    textarea = page.get_by_label("Article text")
    textarea.fill(textarea.input_value().replace("200 mg to 400 mg", "2000 mg to 4000 mg"))
    page.get_by_label("Summary").first.fill("Updated the dose")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "waiting for review" in page.content()

    # A reader (no account, own browser) reads the newest version and reports the passage.
    reader = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    reader.set_default_timeout(15_000)
    reader.goto(f"{url}/wiki/ibuprofen?version=latest")
    assert "2000 mg to 4000 mg" in reader.content()
    reader.get_by_role("link", name=re.compile("Report an inaccuracy")).click()
    reader.get_by_label("What is wrong?").fill("The adult dose is 200 to 400 mg, not 2000 to 4000 mg.")
    reader.get_by_label("The passage that is wrong (optional)").fill("2000 mg to 4000 mg every 4 to 6 hours")
    reader.get_by_role("button", name="Send report").click()
    reader.wait_for_load_state()
    assert "Thank you: your report has been sent" in reader.content()

    # A reviewer opens the queue, sees the dose change, rejects it and closes the report with it.
    reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reviewer.set_default_timeout(15_000)
    login(reviewer, url, "rosa")
    reviewer.goto(f"{url}/review")
    card = reviewer.locator("[data-card]").first
    assert "Dose / number change" in card.inner_text()
    assert card.locator("mark.diff-mark").count() >= 1
    reject = card.locator("form[action$='/reject']")
    reject.get_by_label(re.compile("^Report \\d+:")).check()
    reject.get_by_label("Why are you rejecting it?").fill("The dose was ten times too high; see the BNF.")
    reject.get_by_role("button", name=re.compile("^Reject")).click()
    reviewer.get_by_text(re.compile("Rejected the changes to Ibuprofen")).wait_for()
    assert reviewer.locator("[data-card]").count() == 0  # the card went away without a reload
    assert "Closed 1 report as fixed" in reviewer.content()

    # The reader reloads and sees the corrected, reviewed text.
    reader.goto(f"{url}/wiki/ibuprofen")
    body = reader.content()
    assert "200 mg to 400 mg" in body and "2000 mg" not in body

    # The report is closed by the revision the rejection appended.
    with live_wiki.app.app_context():
        session = db.session()
        [flag] = flags.list_flags(session, status="all")
        stable = flag.article.stable_revision_id
        assert flag.status.value == "resolved" and flag.resolved_by_revision_id == stable

    # The Corrections page counts that correction and its time.
    reader.goto(f"{url}/corrections")
    assert reader.locator("[data-figure=open]").inner_text() == "0"
    assert re.fullmatch(r"\d+ s", reader.locator("[data-figure=median-fix]").inner_text())
    assert "1 correction " in reader.content()
    reader.context.close()
    reviewer.context.close()
