"""Trust signals: page protection (through the domain), badges, the last-review line, JSON-LD."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.review.conftest import START, TEXT
from wiki import accounts, articles, review, revisions, trust
from wiki.errors import Forbidden, InvalidInput, Unauthorized
from wiki.models import Article, AuditEvent, Revision, RevisionStatus, Role, User
from wiki.permissions import ANONYMOUS, Action, can

CHANGED = TEXT.replace("long-term", "lifelong")


def _protect_rows(cast):
    cast.session.commit()
    return cast.session.scalars(select(AuditEvent).where(AuditEvent.action == "protect")).all()


# ---------------------------------------------------------------- protection

def test_protecting_at_clinician_keeps_editors_out_and_lets_clinicians_in(cast):
    first = cast.fresh().latest_revision_id
    trust.set_protection(cast.session, cast.article, Role.CLINICIAN, actor=cast.admin)
    assert cast.fresh().protection == Role.CLINICIAN
    with pytest.raises(Forbidden, match="protected"):
        cast.edit(CHANGED, cast.editor)
    with pytest.raises(Forbidden):
        revisions.restore(cast.session, cast.article, first, author=cast.editor)
    by_clinician = cast.edit(CHANGED, cast.clinician)
    assert by_clinician.status == RevisionStatus.PENDING
    with pytest.raises(Forbidden):
        revisions.undo(cast.session, by_clinician.id, author=cast.editor)
    assert revisions.undo(cast.session, by_clinician.id, author=cast.reviewer).revision.kind == "undo"
    [row] = _protect_rows(cast)
    assert (row.actor_id, row.target) == (cast.admin.id, "article:asthma")
    assert (row.details["old"], row.details["new"]) == ("editor", "clinician")


def test_protecting_at_reviewer_keeps_clinicians_out_and_unprotecting_lets_editors_back(cast):
    trust.set_protection(cast.session, cast.article, "reviewer", actor=cast.admin)
    with pytest.raises(Forbidden):
        cast.edit(CHANGED, cast.clinician)
    assert cast.edit(CHANGED, cast.reviewer).status == RevisionStatus.APPROVED
    trust.set_protection(cast.session, cast.article, Role.EDITOR, actor=cast.admin)
    assert cast.edit(CHANGED + "More.\n", cast.editor).status == RevisionStatus.PENDING
    assert [(r.details["old"], r.details["new"]) for r in _protect_rows(cast)] == [
        ("editor", "reviewer"), ("reviewer", "editor")]


def test_setting_the_same_level_again_writes_no_audit_row(cast):
    trust.set_protection(cast.session, cast.article, Role.CLINICIAN, actor=cast.admin)
    trust.set_protection(cast.session, cast.article, Role.CLINICIAN, actor=cast.admin)
    assert len(_protect_rows(cast)) == 1


@pytest.mark.parametrize("level", [Role.ADMIN, Role.ANONYMOUS, "owner", "", None])
def test_only_editor_clinician_and_reviewer_are_protection_levels(cast, level):
    with pytest.raises(InvalidInput):
        trust.set_protection(cast.session, cast.article, level, actor=cast.admin)
    assert cast.fresh().protection == Role.EDITOR


@pytest.mark.parametrize(("who", "error"), [
    ("anonymous", Unauthorized), ("editor", Forbidden), ("clinician", Forbidden), ("reviewer", Forbidden),
])
def test_only_admins_protect(cast, who, error):
    with pytest.raises(error):
        trust.set_protection(cast.session, cast.article, Role.CLINICIAN, actor=getattr(cast, who))
    assert not cast.session.in_transaction()  # the refusal released the write lock
    assert _protect_rows(cast) == []


def test_a_blocked_admin_cannot_protect(cast):
    other_admin = cast.store.user("otto_admin", Role.ADMIN)
    cast.block(other_admin, days=1)
    with pytest.raises(Forbidden, match="blocked"):
        trust.set_protection(cast.session, cast.article, Role.CLINICIAN, actor=other_admin)


# ---------------------------------------------------------------- blocked users

def test_a_blocked_user_cannot_edit_create_or_restore_until_the_block_ends(cast, clock):
    first = cast.fresh().latest_revision_id
    cast.block(cast.editor, hours=2)
    assert can(cast.editor, Action.READ) and can(cast.editor, Action.SEARCH)
    with pytest.raises(Forbidden, match="blocked"):
        cast.edit(CHANGED, cast.editor)
    with pytest.raises(Forbidden):
        revisions.create_article(cast.session, "Croup", "Croup is viral.\n", summary="", author=cast.editor)
    with pytest.raises(Forbidden):
        revisions.restore(cast.session, cast.article, first, author=cast.editor)
    clock.advance(hours=2, seconds=1)
    assert cast.edit(CHANGED, cast.editor).status == RevisionStatus.PENDING


# ---------------------------------------------------------------- badges and the review line

def _user(role, credential=None, verified=False, **kw):
    return User(username="u", role=role, credential=credential,
                verified_at=START if verified else None, **kw)


@pytest.mark.parametrize(("user", "role", "text"), [
    (None, None, None),
    (_user(Role.EDITOR), None, None),
    (_user(Role.CLINICIAN), None, "Clinician"),
    (_user(Role.CLINICIAN, "RN, oncology", verified=True), None, "Verified clinician: RN, oncology"),
    (_user(Role.CLINICIAN, "RN, oncology", verified=False), None, "Clinician"),
    (_user(Role.REVIEWER, "MD, cardiology", verified=True), None, "Reviewer: MD, cardiology"),
    (_user(Role.REVIEWER), None, "Reviewer"),
    (_user(Role.ADMIN), None, "Admin"),
    (_user(Role.REVIEWER, "MD, cardiology", verified=True), Role.EDITOR, None),  # edit made as an editor
    (_user(Role.REVIEWER, "MD, cardiology", verified=True), Role.CLINICIAN,
     "Verified clinician: MD, cardiology"),
])
def test_badges(user, role, text):
    got = trust.badge(user, role)
    assert (got.text if got else None) == text


def test_verification_gives_a_badge_and_demotion_takes_it_away(cast):
    badge = trust.badge(cast.clinician)
    assert badge.text == "Verified clinician: RN, oncology"
    assert badge.verified_at == START and badge.credential == "RN, oncology"
    accounts.set_role(cast.session, cast.clinician, Role.EDITOR, actor=cast.admin)
    assert trust.badge(cast.clinician) is None


def test_last_review_names_who_approved_the_text_readers_see(cast, clock):
    rev = cast.edit(CHANGED, cast.editor)
    clock.advance(hours=5)
    review.approve(cast.session, rev.id, reviewer=cast.reviewer2)
    line = trust.last_review(cast.session, cast.fresh())
    assert line.reviewer.id == cast.reviewer2.id
    assert (line.reviewed_at, line.revision.id) == (START + timedelta(hours=5), rev.id)


def test_a_never_reviewed_article_has_no_review_line(cast):
    article = cast.store.article("Croup", "Croup is a viral infection.\n", cast.editor)
    assert trust.last_review(cast.session, cast.fresh(article)) is None


# ---------------------------------------------------------------- schema.org JSON-LD

def _page(title="Asthma", status=RevisionStatus.APPROVED, reviewed=True):
    article = Article(slug=articles.slugify(title), title=title)
    shown = Revision(status=status, created_at=datetime(2030, 3, 4, 9, 0, tzinfo=UTC),
                     reviewed_at=datetime(2030, 3, 5, 23, 30, tzinfo=UTC) if reviewed else None)
    return article, shown


def test_json_ld_describes_a_medical_web_page_about_the_condition():
    article, shown = _page()
    meta, _ = articles.split_front_matter(TEXT)
    data = trust.json_ld(article, shown, _user(Role.REVIEWER, display_name="Rosa Reviewer"),
                         url="https://wiki.example/wiki/asthma", front_matter=meta)
    assert data == {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": "Asthma",
        "url": "https://wiki.example/wiki/asthma",
        "about": {
            "@type": "MedicalCondition",
            "name": "Asthma",
            "alternateName": ["Wheezy chest"],
            "code": [{"@type": "MedicalCode", "codeValue": "J45", "codingSystem": "ICD-10"}],
        },
        "lastReviewed": "2030-03-05",
        "reviewedBy": {"@type": "Person", "name": "Rosa Reviewer"},
        "dateModified": "2030-03-04T09:00:00+00:00",
    }


def test_json_ld_of_unreviewed_text_claims_no_review_and_leaves_out_empty_parts():
    article, shown = _page(status=RevisionStatus.PENDING, reviewed=False)
    data = trust.json_ld(article, shown, _user(Role.REVIEWER), url="/wiki/asthma",
                         front_matter=articles.FrontMatter())
    assert "lastReviewed" not in data and "reviewedBy" not in data
    assert data["about"] == {"@type": "MedicalCondition", "name": "Asthma"}
    assert "dateModified" in data
    bare = trust.json_ld(article, None, None, url="/wiki/asthma", front_matter=articles.FrontMatter())
    assert set(bare) == {"@context", "@type", "name", "url", "about"}


def test_json_ld_script_cannot_break_out_of_its_element_and_reads_back_the_same():
    title = "</script><script>alert(1)</script> <!-- & \u2028"
    article, shown = _page(title=title)
    data = trust.json_ld(article, shown, None, url="/wiki/x?a=1&b=<2>", front_matter=articles.FrontMatter())
    text = trust.json_ld_script(data)
    assert isinstance(text, str)
    assert not any(ch in text for ch in "<>&\u2028\u2029")
    assert "\\u003c/script\\u003e" in text
    assert json.loads(text) == data


def test_json_ld_script_keeps_non_ascii_readable():
    text = trust.json_ld_script({"name": "Ménière's disease"})
    assert "Ménière" in text and json.loads(text) == {"name": "Ménière's disease"}


def test_anonymous_visitors_and_gone_accounts_have_no_badge():
    assert trust.badge(None) is None
    assert trust.badge(ANONYMOUS) is None
