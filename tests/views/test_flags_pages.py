"""Inaccuracy reports over HTTP: the report form (anonymous, rate-limited), the reviewers' list with
resolve and dismiss, and the Corrections page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import make_config
from tests.views.conftest import ASTHMA, Wiki, assert_csp_clean, parse
from wiki import accounts, articles, create_app, db, flags, review
from wiki.models import Flag, Role, User, utcnow
from wiki.permissions import ANONYMOUS

FIXED = ASTHMA.replace("within minutes", "within a few minutes")


def _flags(wiki, status: str = "all") -> list[dict]:
    def read(session):
        return [
            {
                "id": f.id,
                "status": f.status.value,
                "reason": f.reason,
                "excerpt": f.excerpt,
                "reporter_id": f.reporter_id,
                "revision_id": f.revision_id,
                "fixed_by": f.resolved_by_revision_id,
                "note": f.resolution_note,
            }
            for f in flags.list_flags(session, status=status)
        ]

    return wiki.run(read)


def _report(wiki, slug: str, reason: str = "The onset time is wrong") -> int:
    def file(session):
        article = articles.get_by_slug(session, slug)
        return flags.report(session, article, reason=reason, excerpt="within minutes", reporter=ANONYMOUS).id

    return wiki.run(file)


def _fix(wiki, slug: str) -> int:
    """A correction by eddie, approved by seed_reviewer; returns its id."""
    if wiki.run(lambda s: s.query(User).filter_by(username="eddie").first()) is None:
        wiki.user("eddie")
    rev = wiki.edit(slug, FIXED, author="eddie", summary="fix onset")
    wiki.run(
        lambda s: review.approve(s, rev, reviewer=s.query(User).filter_by(username="seed_reviewer").one())
    )
    return rev


# ---------------------------------------------------------------- reporting


def test_anyone_can_open_the_report_form(client, wiki):
    slug = wiki.article()
    response = client.get(f"/wiki/{slug}/report?excerpt=within+minutes")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_csp_clean(response)
    assert "What is wrong?" in body and "The passage that is wrong (optional)" in body
    assert parse(response).textareas["excerpt"].strip() == "within minutes"
    assert "not a way to get medical advice" in body


def test_anonymous_report_is_filed_and_thanked(client, wiki):
    slug = wiki.article()
    stable, _ = wiki.pointers(slug)
    response = client.post(
        f"/wiki/{slug}/report", data={"reason": "The onset is slower", "excerpt": "within minutes"}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/wiki/{slug}"
    [flag] = _flags(wiki)
    assert flag["status"] == "open" and flag["reporter_id"] is None and flag["revision_id"] == stable
    assert flag["excerpt"] == "within minutes" and flag["reason"] == "The onset is slower"
    assert "Thank you: your report has been sent" in client.get(f"/wiki/{slug}").get_data(as_text=True)


def test_logged_in_report_names_the_reporter_and_watches(client, wiki, as_user):
    slug = wiki.article()
    as_user("rhea")
    client.post(f"/wiki/{slug}/report", data={"reason": "Out of date"})
    [flag] = _flags(wiki)
    assert flag["reporter_id"] is not None and flag["excerpt"] is None
    assert "You are now watching" in client.get(f"/wiki/{slug}").get_data(as_text=True)


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": ""}, "Say what is wrong"),
        ({"reason": "x" * 2001}, "longer than 2000"),
        ({"reason": "Wrong dose", "excerpt": "y" * 1001}, "longer than 1000"),
    ],
)
def test_bad_report_is_shown_again_with_the_problem(client, wiki, data, message):
    slug = wiki.article()
    response = client.post(f"/wiki/{slug}/report", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _flags(wiki) == []


def test_report_on_unknown_article_is_404(client):
    assert client.get("/wiki/nothing/report").status_code == 404
    assert client.post("/wiki/nothing/report", data={"reason": "abc"}).status_code == 404


def test_reports_are_rate_limited_by_address(tmp_path):
    app = create_app(make_config(tmp_path, RATELIMIT_ENABLED=True, FLAG_RATE_LIMIT="2 per minute"))
    with app.app_context():
        db.create_all()
    slug = Wiki(app).article()
    client = app.test_client()
    statuses = [
        client.post(f"/wiki/{slug}/report", data={"reason": f"Wrong {n}"}).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert client.get(f"/wiki/{slug}/report").status_code == 200  # reading the form is not limited
    db.database(app).engine.dispose()


def test_blocked_user_cannot_report(client, wiki, as_user):
    slug = wiki.article()
    as_user("bea")
    wiki.user("ada", Role.ADMIN)
    wiki.run(
        lambda s: accounts.block(
            s,
            accounts.get_user(s, "bea"),
            until=utcnow() + timedelta(days=1),
            reason="spam",
            actor=accounts.get_user(s, "ada"),
        )
    )
    assert client.get(f"/wiki/{slug}/report").status_code == 403
    assert client.post(f"/wiki/{slug}/report", data={"reason": "Wrong"}).status_code == 403
    assert _flags(wiki) == []


# ---------------------------------------------------------------- the reviewers' list


def test_flags_list_shows_open_reports_with_excerpt_reason_and_age(client, wiki, as_user):
    slug = wiki.article()
    flag_id = _report(wiki, slug)
    as_user("rita", Role.REVIEWER)
    response = client.get("/flags")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_csp_clean(response)
    assert f'id="flag-{flag_id}"' in body and ">Asthma</a>" in body
    assert "within minutes" in body and "The onset time is wrong" in body
    assert re.search(r"\(\d+ s ago\)", body) and "an anonymous reader" in body
    assert f'action="/flags/{flag_id}/resolve"' in body and f'action="/flags/{flag_id}/dismiss"' in body
    assert "What has changed since the report" not in body
    assert "1 open report" in body


def test_flags_list_links_to_what_changed_since_the_report(client, wiki, as_user):
    slug = wiki.article()
    stable, _ = wiki.pointers(slug)
    _report(wiki, slug)
    wiki.user("eddie")
    latest = wiki.edit(slug, FIXED, author="eddie")
    as_user("rita", Role.REVIEWER)
    body = client.get("/flags").get_data(as_text=True)
    assert f"/wiki/{slug}/diff?to={latest}&amp;from={stable}" in body


def test_resolving_before_any_fix_is_refused(client, wiki, as_user):
    slug = wiki.article()
    flag_id = _report(wiki, slug)
    as_user("rita", Role.REVIEWER)
    response = client.post(f"/flags/{flag_id}/resolve", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#flag-{flag_id}")
    assert _flags(wiki)[0]["status"] == "open"
    assert "No fix yet" in client.get("/flags").get_data(as_text=True)


def test_resolve_defaults_to_the_current_stable_revision(client, wiki, as_user):
    slug = wiki.article()
    flag_id = _report(wiki, slug)
    fix = _fix(wiki, slug)
    as_user("rita", Role.REVIEWER)
    assert client.post(f"/flags/{flag_id}/resolve", data={"revision": ""}).status_code == 302
    [flag] = _flags(wiki)
    assert flag["status"] == "resolved" and flag["fixed_by"] == fix
    body = client.get("/flags").get_data(as_text=True)
    assert f"closed as fixed by revision {fix}" in body and "No open reports" in body
    resolved = client.get("/flags?status=resolved").get_data(as_text=True)
    assert "Fixed</strong> by" in resolved and f"revision {fix}</a>" in resolved


def test_resolve_with_a_named_revision_checks_it(client, wiki, as_user):
    slug = wiki.article()
    stable, _ = wiki.pointers(slug)
    flag_id = _report(wiki, slug)
    fix = _fix(wiki, slug)
    as_user("rita", Role.REVIEWER)
    client.post(f"/flags/{flag_id}/resolve", data={"revision": str(stable)})
    assert _flags(wiki)[0]["status"] == "open"
    assert "cannot have fixed this report" in client.get("/flags").get_data(as_text=True)
    client.post(f"/flags/{flag_id}/resolve", data={"revision": "abc"})
    client.post(f"/flags/{flag_id}/resolve", data={"revision": "99999999999999999999"})
    assert _flags(wiki)[0]["status"] == "open"
    client.post(f"/flags/{flag_id}/resolve", data={"revision": str(fix)})
    assert _flags(wiki)[0]["fixed_by"] == fix
    client.post(f"/flags/{flag_id}/resolve", data={})
    assert "already resolved" in client.get("/flags").get_data(as_text=True)


def test_dismiss_needs_a_reason_and_closes_the_report(client, wiki, as_user):
    slug = wiki.article()
    flag_id = _report(wiki, slug)
    as_user("rita", Role.REVIEWER)
    client.post(f"/flags/{flag_id}/dismiss", data={"reason": ""})
    assert _flags(wiki)[0]["status"] == "open"
    assert "Say why you are dismissing" in client.get("/flags").get_data(as_text=True)
    client.post(f"/flags/{flag_id}/dismiss", data={"reason": "The article already says this"})
    [flag] = _flags(wiki)
    assert flag["status"] == "dismissed" and flag["note"] == "The article already says this"
    assert "The article already says this" in client.get("/flags?status=dismissed").get_data(as_text=True)


def test_unknown_flag_is_404(client, wiki, as_user):
    as_user("rita", Role.REVIEWER)
    assert client.post("/flags/99999999999999999999/resolve", data={}).status_code == 404
    assert client.post("/flags/999/resolve", data={}).status_code == 404
    assert client.post("/flags/999/dismiss", data={"reason": "nope"}).status_code == 404


def test_odd_status_filter_falls_back_to_open(client, wiki, as_user):
    as_user("rita", Role.REVIEWER)
    assert client.get("/flags?status=<script>").status_code == 200


# ---------------------------------------------------------------- corrections


def test_corrections_page_with_no_data(client):
    response = client.get("/corrections")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert_csp_clean(response)
    assert 'data-figure="open">0<' in body and "No reports have been corrected yet" in body
    assert body.count("<svg") == 3 and "No corrections yet" in body
    assert "two hours" in body


def test_corrections_page_shows_the_time_to_correction_in_human_units(client, wiki, as_user):
    slug = wiki.article()
    flag_id = _report(wiki, slug)
    _report(wiki, slug, "Another one")

    def backdate(session):
        flag = session.get(Flag, flag_id)
        flag.created_at = flag.created_at - timedelta(hours=1, minutes=42)
        session.commit()

    wiki.run(backdate)
    _fix(wiki, slug)
    as_user("rita", Role.REVIEWER)
    client.post(f"/flags/{flag_id}/resolve", data={})
    client.post("/logout")
    body = client.get("/corrections").get_data(as_text=True)
    assert 'data-figure="open">1<' in body
    assert 'data-figure="median-fix">1 h 42 min<' in body and 'data-figure="p90-fix">1 h 42 min<' in body
    assert "Within our two-hour aim" in body
    assert "1 correction " in body
    assert '<rect x="' in body  # a bar was drawn for this week
    assert "<script" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
