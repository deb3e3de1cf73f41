"""Pending changes: initial status, approve, reject, the queue (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiki import review, revisions
from wiki.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from wiki.models import Article, Revision, RevisionKind, RevisionStatus, Role, utcnow
from wiki.permissions import ANONYMOUS

TEXT = "Asthma is a long-term lung condition.\n\nIt causes wheezing.\n"


@given(st.sampled_from(list(Role)), st.sets(st.sampled_from(list(Role))))
def test_initial_status_is_approved_exactly_for_auto_approve_roles(role, auto):
    status = review.initial_status(role, frozenset(auto))
    assert (status == RevisionStatus.APPROVED) == (role in auto)


@pytest.fixture
def setup(store):
    people = {"editor": store.user("erin"), "editor2": store.user("eddie"),
              "reviewer": store.user("rosa", Role.REVIEWER), "clinician": store.user("cleo", Role.CLINICIAN)}
    article = store.article("Asthma", TEXT, people["reviewer"])
    return people, article


def _edit(store, article, text, author):
    return revisions.save_edit(store.session, article.id, text, summary="edit", author=author,
                               base_revision_id=None).revision


def test_approving_a_revision_accepts_every_pending_one_before_it(store, setup):
    people, article = setup
    first = _edit(store, article, TEXT + "One.\n", people["editor"])
    second = _edit(store, article, TEXT + "One.\nTwo.\n", people["editor2"])
    third = _edit(store, article, TEXT + "One.\nTwo.\nThree.\n", people["editor"])
    review.approve(store.session, second.id, reviewer=people["reviewer"], comment="Checked")
    store.session.expire_all()
    assert store.session.get(Article, article.id).stable_revision_id == second.id
    assert store.session.get(Revision, first.id).status == RevisionStatus.APPROVED
    assert store.session.get(Revision, second.id).reviewed_by_id == people["reviewer"].id
    assert store.session.get(Revision, third.id).status == RevisionStatus.PENDING
    assert store.text(article, "stable") == TEXT + "One.\nTwo.\n"


def test_approve_needs_a_reviewer(store, setup):
    people, article = setup
    rev = _edit(store, article, TEXT + "x\n", people["editor"])
    for who, error in [(people["editor2"], Forbidden), (people["clinician"], Forbidden), (ANONYMOUS, Unauthorized)]:
        with pytest.raises(error):
            review.approve(store.session, rev.id, reviewer=who)


def test_approving_an_older_revision_than_stable_is_a_conflict(store, setup):
    people, article = setup
    old = _edit(store, article, TEXT + "x\n", people["editor"])
    new = _edit(store, article, TEXT + "y\n", people["editor"])
    review.approve(store.session, new.id, reviewer=people["reviewer"])
    review.approve(store.session, new.id, reviewer=people["reviewer"])  # twice is harmless
    store.session.expire_all()
    assert store.session.get(Revision, old.id).status == RevisionStatus.APPROVED
    with pytest.raises(Conflict):  # approving an older one would move the stable version back
        review.approve(store.session, old.id, reviewer=people["reviewer"])


def test_reject_appends_a_revert_to_the_stable_text_and_marks_pending_rejected(store, setup):
    people, article = setup
    stable = store.session.get(Article, article.id).stable_revision_id
    bad = _edit(store, article, TEXT.replace("wheezing", "nothing"), people["editor"])
    bad2 = _edit(store, article, TEXT.replace("wheezing", "nothing at all"), people["editor2"])
    revert = review.reject(store.session, bad.id, reviewer=people["reviewer"], comment="Wrong: it causes wheezing")
    store.session.expire_all()
    assert revert.kind == RevisionKind.REVERT and revert.status == RevisionStatus.APPROVED
    assert revert.source_revision_id == stable
    art = store.session.get(Article, article.id)
    assert art.latest_revision_id == art.stable_revision_id == revert.id
    assert store.text(article) == TEXT
    for rev_id in (bad.id, bad2.id):
        rev = store.session.get(Revision, rev_id)
        assert rev.status == RevisionStatus.REJECTED and rev.review_comment == "Wrong: it causes wheezing"
    assert revisions.count_revisions(store.session, art) == 4  # history is never rewritten


def test_reject_needs_a_comment_and_a_pending_revision(store, setup):
    people, article = setup
    rev = _edit(store, article, TEXT + "x\n", people["editor"])
    with pytest.raises(InvalidInput):
        review.reject(store.session, rev.id, reviewer=people["reviewer"], comment="  ")
    review.reject(store.session, rev.id, reviewer=people["reviewer"], comment="No source")
    with pytest.raises(Conflict):
        review.reject(store.session, rev.id, reviewer=people["reviewer"], comment="again")


def test_reject_of_a_never_approved_article_empties_the_latest_text(store, setup):
    people, _ = setup
    article = store.article("Gout", "Unreviewed claims.\n", people["editor"])
    review.reject(store.session, article.latest_revision_id, reviewer=people["reviewer"], comment="Unsourced")
    assert store.text(article) == ""


def test_reviewer_merge_over_unseen_pending_changes_stays_pending(store, setup):
    people, article = setup
    base = store.session.get(Article, article.id).latest_revision_id
    _edit(store, article, TEXT.replace("long-term", "lifelong"), people["editor"])
    result = revisions.save_edit(store.session, article.id, TEXT.replace("wheezing", "wheezing and coughing"),
                                 summary="", author=people["reviewer"], base_revision_id=base)
    assert result.merged and result.revision.status == RevisionStatus.PENDING


def test_reviewer_edit_on_top_of_pending_changes_accepts_them(store, setup):
    people, article = setup
    pending = _edit(store, article, TEXT + "x\n", people["editor"])
    approved = _edit(store, article, TEXT + "x\ny\n", people["reviewer"])
    store.session.expire_all()
    assert approved.status == RevisionStatus.APPROVED
    assert store.session.get(Revision, pending.id).status == RevisionStatus.APPROVED


def test_queue_lists_articles_oldest_wait_first_with_dose_changes_optionally_first(store, setup):
    people, article = setup
    other = store.article("Gout", "Take 500 mg twice daily.\n", people["reviewer"])
    _edit(store, article, TEXT + "More.\n", people["editor"])
    _edit(store, other, "Take 1000 mg twice daily.\n", people["editor"])
    queue = review.pending_queue(store.session, now=utcnow() + timedelta(minutes=5))
    assert [e.article.slug for e in queue] == ["asthma", "gout"]
    assert queue[0].waiting_seconds >= 300
    assert [e.article.slug for e in review.pending_queue(store.session, dose_first=True)] == ["gout", "asthma"]
    assert [e.article.slug for e in review.pending_queue(store.session, dose_only=True)] == ["gout"]
    assert review.pending_count(store.session) == 2
