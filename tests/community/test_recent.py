"""Recent changes: one stream of revisions, reviews, reports and talk posts; filters; the Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.community.conftest import TEXT
from wiki import flags, recent, review, revisions, talk
from wiki.models import Role
from wiki.permissions import ANONYMOUS

GOUT = "---\ncategories: [Rheumatology]\n---\n**Gout** is a painful arthritis.\n\nTake 500 mg daily.\n"


@pytest.fixture
def scene(cast, store):
    """A small busy morning on two articles; returns a dict of what happened."""
    s = cast.session
    gout = store.article("Gout", GOUT, cast.reviewer)
    dose = cast.edit(cast.editor, TEXT.replace("inhaler eases", "inhaler (2 puffs) eases"),
                     summary="Be precise")
    pending = cast.edit(cast.editor2, GOUT + "Drink water.\n", summary="Fluids", article=gout)
    review.approve(s, dose.id, reviewer=cast.reviewer, comment="Matches the guideline")
    flag = flags.report(s, gout, reason="500 mg seems wrong", reporter=cast.editor2)
    post = talk.post(s, cast.article, "Which guideline?", author=cast.clinician, subject="Source")
    cast.refresh()
    return {"gout": gout, "dose": dose, "pending": pending, "flag": flag, "post": post}


def _kinds(changes):
    return [(c.kind, c.action, c.article_slug) for c in changes]


def test_changes_of_every_kind_come_newest_first(cast, scene):
    changes = recent.list_changes(cast.session)
    assert _kinds(changes) == [
        ("talk", "post", "asthma"),
        ("flag", "reported", "gout"),
        ("review", "approve", "asthma"),
        ("revision", "edit", "gout"),
        ("revision", "edit", "asthma"),
        ("revision", "create", "gout"),
        ("revision", "create", "asthma"),
    ]
    times = [c.created_at for c in changes]
    assert times == sorted(times, reverse=True)
    review_change = changes[2]
    assert (review_change.user_name, review_change.summary, review_change.status) == (
        "rosa", "Matches the guideline", "approved")
    assert review_change.revision_id == scene["dose"].id
    edit = changes[4]
    assert (edit.user_name, edit.user_role, edit.status, edit.is_dose_change) == (
        "erin", Role.EDITOR, "approved", True)
    assert edit.size_delta == len(" (2 puffs)") and edit.parent_revision_id == scene["dose"].parent_id
    assert changes[3].status == "pending"


def test_filters(cast, scene):
    s = cast.session
    assert _kinds(recent.list_changes(s, pending_only=True)) == [("revision", "edit", "gout")]
    assert {c.article_slug for c in recent.list_changes(s, category="Respiratory")} == {"asthma"}
    assert {c.article_slug for c in recent.list_changes(s, category="rheumatology")} == {"gout"}
    assert _kinds(recent.list_changes(s, role=Role.CLINICIAN)) == [("talk", "post", "asthma")]
    assert _kinds(recent.list_changes(s, role="clinician")) == [("talk", "post", "asthma")]
    others = recent.list_changes(s, exclude_user_id=cast.reviewer.id)
    assert len(others) == 4 and all(c.user_id != cast.reviewer.id for c in others)
    assert _kinds(recent.list_changes(s, dose_only=True)) == [  # Gout's first text has "500 mg"
        ("review", "approve", "asthma"), ("revision", "edit", "asthma"), ("revision", "create", "gout")]
    assert {c.article_slug for c in recent.list_changes(s, article_id=scene["gout"].id)} == {"gout"}
    assert _kinds(recent.list_changes(s, user_id=cast.editor2.id)) == [
        ("flag", "reported", "gout"), ("revision", "edit", "gout")]
    assert _kinds(recent.list_changes(s, kinds={"talk", "review"})) == [
        ("talk", "post", "asthma"), ("review", "approve", "asthma")]
    with pytest.raises(ValueError):
        recent.list_changes(s, kinds={"gossip"})


def test_paging_with_before_covers_everything_once(cast, scene):
    s = cast.session
    everything = recent.list_changes(s)
    pages, before = [], None
    while True:
        page = recent.list_changes(s, limit=2, before=before)
        if not page:
            break
        pages += page
        before = page[-1].created_at
    assert [c.key for c in pages] == [c.key for c in everything]


def test_report_reasons_are_for_reviewers_and_the_reporter(cast, scene):
    s = cast.session

    def flag_summary(viewer):
        return [c.summary for c in recent.list_changes(s, kinds={"flag"}, viewer=viewer)]

    assert flag_summary(ANONYMOUS) == ["Reported a possible inaccuracy"]
    assert flag_summary(cast.editor) == ["Reported a possible inaccuracy"]
    assert flag_summary(cast.editor2) == ["500 mg seems wrong"]
    assert flag_summary(cast.reviewer) == ["500 mg seems wrong"]


def test_resolving_a_report_is_a_change_too(cast, scene):
    s = cast.session
    fix = cast.edit(cast.reviewer, GOUT.replace("500 mg", "100 mg"), article=scene["gout"])
    flags.resolve(s, scene["flag"].id, actor=cast.reviewer, revision_id=fix.id, note="Corrected")
    cast.refresh()
    top = recent.list_changes(s, kinds={"flag"}, viewer=cast.reviewer)
    assert [(c.action, c.status, c.user_name) for c in top] == [
        ("resolved", "resolved", "rosa"), ("reported", "resolved", "eddie")]
    assert top[0].revision_id == fix.id and top[0].summary == "Corrected"
    assert recent.change_path(top[0]) == f"/wiki/gout/diff?from={fix.parent_id}&to={fix.id}"


def test_rejections_are_listed_as_reviews(cast, scene):
    s = cast.session
    review.reject(s, scene["pending"].id, reviewer=cast.reviewer, comment="Not relevant here")
    cast.refresh()
    top = recent.list_changes(s, limit=2)
    assert _kinds(top) == [("review", "reject", "gout"), ("revision", "revert", "gout")]
    assert top[0].status == "rejected" and top[0].summary == "Not relevant here"


def test_hidden_posts_only_for_reviewers(cast, scene):
    s = cast.session
    talk.hide(s, scene["post"].id, reason="test", actor=cast.reviewer)
    cast.refresh()
    assert recent.list_changes(s, kinds={"talk"}) == []
    [hidden] = recent.list_changes(s, kinds={"talk"}, viewer=cast.reviewer)
    assert hidden.status == "hidden"


def test_suppressed_summaries_are_for_admins(cast, scene):
    s = cast.session
    revisions.suppress(s, scene["dose"].id, reason="privacy", actor=cast.admin)
    cast.refresh()

    def summary(viewer):
        changes = recent.list_changes(s, kinds={"revision"}, viewer=viewer)
        return next(c.summary for c in changes if c.revision_id == scene["dose"].id)

    assert summary(ANONYMOUS) == "(suppressed)"
    assert summary(cast.admin) == "Be precise"


def test_change_paths_and_json(cast, scene):
    changes = {c.kind: c for c in recent.list_changes(cast.session)}
    assert recent.change_path(changes["talk"]) == f"/wiki/asthma/talk#post-{scene['post'].id}"
    assert recent.change_path(changes["flag"]) == f"/wiki/gout?rev={scene['gout'].stable_revision_id}"
    data = changes["revision"].to_json()
    assert {"article", "revision", "author", "created_at", "summary", "status", "size_delta"} <= set(data)
    assert data["created_at"].endswith("Z")


def test_the_atom_feed_parses_with_one_entry_per_change(cast, scene):
    changes = recent.list_changes(cast.session)
    xml = recent.atom_feed(changes, title="Asclepedia: recent changes",
                           feed_url="https://wiki.example.org/recent.atom", site_url="https://wiki.example.org/")
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Asclepedia: recent changes"
    assert len(parsed.entries) == len(changes)
    first = parsed.entries[0]
    assert first.title == "cleo posted on the talk page of Asthma"
    assert first.link == f"https://wiki.example.org/wiki/asthma/talk#post-{scene['post'].id}"
    assert first.author == "cleo"
    assert len({e.id for e in parsed.entries}) == len(changes)


def test_the_per_article_history_feed_parses(cast, scene):
    changes = recent.list_changes(cast.session, article_id=cast.article.id, kinds={"revision", "review"})
    xml = recent.atom_feed(changes, title="Asthma: history", feed_url="https://w.example/wiki/asthma/history.atom",
                           site_url="https://w.example")
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0 and len(parsed.entries) == 3
    assert parsed.entries[-1].link == f"https://w.example/wiki/asthma?rev={changes[-1].revision_id}"


def test_an_empty_feed_is_valid():
    parsed = feedparser.parse(recent.atom_feed([], title="Nothing", feed_url="https://w.example/recent.atom",
                                               site_url="https://w.example"))
    assert parsed.bozo == 0 and parsed.entries == []


_ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)


@settings(max_examples=150, deadline=None)
@given(summary=_ANY_TEXT, title=_ANY_TEXT, name=st.one_of(st.none(), _ANY_TEXT), slug=_ANY_TEXT)
def test_any_text_gives_a_well_formed_feed(summary, title, name, slug):
    change = recent.Change(
        kind="revision", action="edit", created_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), article_id=1,
        article_slug=slug, article_title=title, revision_id=2, parent_revision_id=1, user_id=None,
        user_name=name, user_role=None, summary=summary, status="pending", size_delta=-3, is_dose_change=True,
        source_id=2,
    )
    parsed = feedparser.parse(recent.atom_feed([change], title=title or "t", feed_url="https://w.example/f",
                                               site_url="https://w.example"))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == 1
