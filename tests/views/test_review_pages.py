"""The reviewer queue over HTTP: cards, filters, the cap, approve and reject (form and fetch), and the
article page's trust signals (JSON-LD, report link, rejection notice)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.views.conftest import ASTHMA, Wiki, assert_csp_clean, make_csrf_app, parse
from wiki import articles, checks, db, diffing, flags
from wiki.models import Role
from wiki.permissions import ANONYMOUS
from wiki.views import diffview

DOSE_EDIT = ASTHMA.replace("within minutes.", "within minutes. Take 2 puffs of 100 mcg.")
WORD_EDIT = ASTHMA.replace("long-term condition", "lifelong condition")
GOUT = "---\ncategories: [Rheumatology]\n---\n**Gout** is a painful arthritis.\n"


@pytest.fixture
def pending(wiki):
    """Asthma (approved) with one pending edit by the editor eddie; returns (slug, stable id, pending id)."""
    slug = wiki.article()
    stable, _ = wiki.pointers(slug)
    wiki.user("eddie")
    rev = wiki.edit(slug, WORD_EDIT, author="eddie", summary="plainer words")
    return slug, stable, rev


def _report(wiki, slug: str, reason: str = "This is out of date") -> int:
    def file(session):
        article = articles.get_by_slug(session, slug)
        return flags.report(session, article, reason=reason, excerpt="long-term", reporter=ANONYMOUS).id

    return wiki.run(file)


def _flag_status(wiki, flag_id: int) -> tuple[str, int | None]:
    def read(session):
        flag = flags.get_flag(session, flag_id)
        return flag.status.value, flag.resolved_by_revision_id

    return wiki.run(read)


# ---------------------------------------------------------------- the queue page


def test_queue_card_shows_title_wait_authors_diff_and_forms(client, wiki, as_user, pending):
    slug, stable, rev = pending
    as_user("rita", Role.REVIEWER)
    response = client.get("/review")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_csp_clean(response)
    assert f'href="/wiki/{slug}?version=latest"' in body and ">Asthma</a>" in body
    assert re.search(r"waiting \d+ s", body)
    assert "1 change " in body or "1 change\n" in body
    assert 'href="/user/eddie"' in body and "badge--editor" in body
    assert "plainer words" in body
    assert '<del class="diff-del">long-term</del>' in body and '<ins class="diff-ins">lifelong</ins>' in body
    assert f'action="/review/{rev}/approve"' in body and f'action="/review/{rev}/reject"' in body
    assert '<script src="/static/js/review.js" defer></script>' in body
    assert "Dose / number change" not in body


def test_queue_marks_dose_changes_and_highlights_the_tokens(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    wiki.edit(slug, DOSE_EDIT, author="eddie")
    as_user("rita", Role.REVIEWER)
    body = client.get("/review").get_data(as_text=True)
    assert "Dose / number change" in body and "queue-card--dose" in body
    assert '<mark class="diff-mark">100 mcg</mark>' in body
    assert "Check the doses and numbers" in body


def test_queue_shows_personal_data_warnings_to_the_reviewer(client, wiki, as_user):
    slug = wiki.article()
    wiki.user("eddie")
    wiki.edit(slug, ASTHMA + "\nMy patient Jane Doe, born 02/03/1961, improved.\n", author="eddie")
    as_user("rita", Role.REVIEWER)
    body = client.get("/review").get_data(as_text=True)
    assert "Possible personal data" in body
    assert "Jane Doe" in body


def test_queue_puts_dose_changes_first_and_filters_to_them(client, wiki, as_user):
    asthma = wiki.article()
    gout = wiki.article("Gout", GOUT)
    wiki.user("eddie")
    wiki.edit(asthma, WORD_EDIT, author="eddie")  # older, but no dose
    wiki.edit(gout, GOUT + "\nTake 500 mg of colchicine.\n", author="eddie")
    as_user("rita", Role.REVIEWER)
    body = client.get("/review").get_data(as_text=True)
    assert body.index(">Gout</a>") < body.index(">Asthma</a>")
    only_dose = client.get("/review?dose=1").get_data(as_text=True)
    assert ">Gout</a>" in only_dose and ">Asthma</a>" not in only_dose


def test_queue_filters_by_category(client, wiki, as_user):
    asthma = wiki.article()
    gout = wiki.article("Gout", GOUT)
    wiki.user("eddie")
    wiki.edit(asthma, WORD_EDIT, author="eddie")
    wiki.edit(gout, GOUT + "\nIt often starts in the big toe.\n", author="eddie")
    as_user("rita", Role.REVIEWER)
    body = client.get("/review?category=rheumatology").get_data(as_text=True)
    assert ">Gout</a>" in body and ">Asthma</a>" not in body
    assert '<option value="rheumatology" selected>' in body


def test_empty_queue_says_so(client, wiki, as_user):
    wiki.article()
    as_user("rita", Role.REVIEWER)
    body = client.get("/review").get_data(as_text=True)
    assert "All caught up" in body and "data-card" not in body
    assert "No changes match" in client.get("/review?dose=1").get_data(as_text=True)


def test_long_queue_shows_fifty_cards_a_page_with_the_count(client, wiki, as_user):
    wiki.user("eddie")
    for n in range(53):
        slug = wiki.article(f"Condition {n}", f"Condition {n} is rare.\n")
        wiki.edit(slug, f"Condition {n} is very rare.\n", author="eddie")
    as_user("rita", Role.REVIEWER)
    first = client.get("/review").get_data(as_text=True)
    assert first.count("data-card") == 50
    assert "53 articles with changes waiting" in first and "Showing 1 to 50 of 53" in first
    second = client.get("/review?page=2").get_data(as_text=True)
    assert second.count("data-card") == 3 and "Page 2 of 2" in second


def test_nav_counts_articles_waiting_for_reviewers(client, as_user, pending):
    as_user("rita", Role.REVIEWER)
    body = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/review">Review <span class="count">1<', body)
    assert 'href="/corrections"' in body and 'href="/admin/users"' not in body


# ---------------------------------------------------------------- approve and reject by form


def test_approve_makes_the_change_stable_and_returns_to_the_queue(client, wiki, as_user, pending):
    slug, stable, rev = pending
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/review/{rev}/approve", data={"comment": "Good", "next": "/review#card-9"})
    assert response.status_code == 302 and response.headers["Location"] == "/review#card-9"
    assert wiki.pointers(slug) == (rev, rev)
    assert wiki.revision(rev)["status"] == "approved"
    assert "Approved the changes to Asthma" in client.get("/review").get_data(as_text=True)
    assert "lifelong condition" in client.get(f"/wiki/{slug}").get_data(as_text=True)


def test_next_must_be_a_local_url(client, as_user, pending):
    _, _, rev = pending
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/review/{rev}/approve", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/review"


def test_reject_needs_a_comment(client, wiki, as_user, pending):
    slug, stable, rev = pending
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/review/{rev}/reject", data={"comment": "  "})
    assert response.status_code == 302
    assert wiki.revision(rev)["status"] == "pending"
    assert "Say why you are rejecting" in client.get("/review").get_data(as_text=True)


def test_reject_reverts_and_the_author_sees_the_comment(client, wiki, as_user, pending):
    slug, stable, rev = pending
    as_user("rita", Role.REVIEWER)
    comment = "Keep long-term, it is the NHS term"
    assert client.post(f"/review/{rev}/reject", data={"comment": comment}).status_code == 302
    revert = wiki.pointers(slug)[1]
    assert revert != rev and wiki.pointers(slug) == (revert, revert)
    assert wiki.revision(rev)["status"] == "rejected" and wiki.revision(revert)["kind"] == "revert"
    assert "long-term condition" in client.get(f"/wiki/{slug}").get_data(as_text=True)
    client.post("/logout")
    as_user("eddie2")  # any logged-in reader, the author included, sees why
    page = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert "most recent changes to this article were rejected" in page
    assert "Keep long-term, it is the NHS term" in page
    history = client.get(f"/wiki/{slug}/history").get_data(as_text=True)
    assert "rita</a>: “Keep long-term, it is the NHS term”" in history


def test_reviewing_a_revision_twice_is_refused_with_a_message(client, wiki, as_user, pending):
    slug, stable, rev = pending
    as_user("rita", Role.REVIEWER)
    client.post(f"/review/{rev}/reject", data={"comment": "No"})
    response = client.post(f"/review/{rev}/approve", data={})
    assert response.status_code == 302
    assert "was rejected" in client.get("/review").get_data(as_text=True)


def test_reject_can_close_the_reports_it_fixes(client, wiki, as_user, pending):
    slug, stable, rev = pending
    flag_id = _report(wiki, slug)
    as_user("rita", Role.REVIEWER)
    card = client.get("/review").get_data(as_text=True)
    assert '<a href="/flags">1 open inaccuracy report</a>' in card
    assert f'name="resolve_flags" value="{flag_id}"' in card and "This is out of date" in card
    client.post(f"/review/{rev}/reject", data={"comment": "Wrong", "resolve_flags": [str(flag_id), "x"]})
    revert = wiki.pointers(slug)[1]
    assert _flag_status(wiki, flag_id) == ("resolved", revert)
    assert "Closed 1 report as fixed" in client.get("/review").get_data(as_text=True)


# ---------------------------------------------------------------- approve and reject by fetch (review.js)


def test_json_approve_answers_json_with_the_new_count(client, wiki, as_user, pending):
    slug, stable, rev = pending
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/review/{rev}/approve", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert body["ok"] is True and body["pending_count"] == 0 and body["revision"] == rev
    assert "Approved" in body["message"]


def test_json_reject_without_comment_is_a_json_400(client, wiki, as_user, pending):
    _, _, rev = pending
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/review/{rev}/reject", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_input"
    assert wiki.revision(rev)["status"] == "pending"


def test_json_reject_of_a_closed_revision_is_a_json_409(client, wiki, as_user, pending):
    _, _, rev = pending
    as_user("rita", Role.REVIEWER)
    client.post(f"/review/{rev}/approve", data={})
    response = client.post(
        f"/review/{rev}/reject", data={"comment": "x"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 409 and response.get_json()["error"] == "conflict"


def test_json_post_by_a_non_reviewer_is_a_json_403(client, wiki, as_user, pending):
    _, _, rev = pending
    as_user("eve")
    response = client.post(f"/review/{rev}/approve", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert client.post(f"/review/{rev}/approve", data={}).mimetype == "text/html"


def test_review_posts_need_the_csrf_token(tmp_path):
    app = make_csrf_app(tmp_path)
    wiki = Wiki(app)
    slug = wiki.article()
    wiki.user("eddie")
    rev = wiki.edit(slug, WORD_EDIT, author="eddie")
    wiki.user("rita", Role.REVIEWER)
    client = app.test_client()
    token = parse(client.get("/login")).inputs["csrf_token"]
    client.post("/login", data={"username": "rita", "password": PASSWORD, "csrf_token": token})
    assert client.post(f"/review/{rev}/approve", data={}).status_code == 400
    assert wiki.revision(rev)["status"] == "pending"
    token = parse(client.get("/review")).inputs["csrf_token"]
    assert client.post(f"/review/{rev}/approve", data={"csrf_token": token}).status_code == 302
    assert wiki.revision(rev)["status"] == "approved"
    db.database(app).engine.dispose()


# ---------------------------------------------------------------- the article page


def _json_ld(body: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_article_carries_medical_web_page_json_ld(client, wiki):
    slug = wiki.article()
    response = client.get(f"/wiki/{slug}")
    data = _json_ld(response.get_data(as_text=True))
    assert data["@type"] == "MedicalWebPage" and data["about"]["@type"] == "MedicalCondition"
    assert data["about"]["code"] == [{"@type": "MedicalCode", "codeValue": "J45", "codingSystem": "ICD-10"}]
    assert data["reviewedBy"] == {"@type": "Person", "name": "seed_reviewer"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["lastReviewed"])
    assert data["url"].endswith(f"/wiki/{slug}")
    assert_csp_clean(response)


def test_json_ld_of_an_unreviewed_version_claims_no_review(client, pending):
    slug, _, _ = pending
    data = _json_ld(client.get(f"/wiki/{slug}?version=latest").get_data(as_text=True))
    assert "reviewedBy" not in data and "lastReviewed" not in data


def test_every_article_offers_to_report_an_inaccuracy(client, wiki):
    slug = wiki.article()
    body = client.get(f"/wiki/{slug}").get_data(as_text=True)
    assert f'href="/wiki/{slug}/report"' in body and "Report an inaccuracy" in body
    assert "Last reviewed by" in body


# ---------------------------------------------------------------- widening changes to whole doses


def test_a_changed_number_is_shown_with_its_unit():
    old = "The usual adult dose is 200 mg to 400 mg every 4 to 6 hours.\n"
    new = old.replace("200 mg to 400 mg", "2000 mg to 4000 mg")
    html = diffing.ops_to_html(
        diffview.widen_to_matches(diffing.word_diff(old, new), checks.DOSE_PATTERN),
        highlight=checks.DOSE_PATTERN,
    )
    assert '<del class="diff-del"><mark class="diff-mark">200 mg</mark></del>' in html
    assert '<ins class="diff-ins"><mark class="diff-mark">2000 mg</mark></ins>' in html


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet="0123456789 .,mgclk\n", max_size=60),
    st.text(alphabet="0123456789 .,mgclk\n", max_size=60),
)
def test_widening_keeps_both_texts(old, new):
    ops = diffview.widen_to_matches(diffing.word_diff(old, new), checks.DOSE_PATTERN)
    assert diffing.source_texts(ops) == (old, new)
    assert all(text for _, text in ops)


def test_approving_the_latest_of_several_pending_changes_accepts_them_all(client, wiki, as_user, pending):
    slug, stable, first = pending
    second = wiki.edit(slug, WORD_EDIT.replace("Wheezing", "Wheeze"), author="eddie", summary="shorter")
    as_user("rita", Role.REVIEWER)
    body = client.get("/review").get_data(as_text=True)
    assert "2 changes" in body and f'action="/review/{second}/approve"' in body
    client.post(f"/review/{second}/approve", data={})
    assert wiki.revision(first)["status"] == wiki.revision(second)["status"] == "approved"
    assert wiki.pointers(slug) == (second, second)
    assert "All caught up" in client.get("/review").get_data(as_text=True)
