"""Inaccuracy reports: filing, listing, resolving, dismissing (SQLite and PostgreSQL).

Every transition goes through ``wiki.flags``: open → resolved, open →
dismissed, and each closed state refusing both.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.review.conftest import START, TEXT
from wiki import audit, flags, review, watch
from wiki.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, WikiError
from wiki.models import AuditEvent, Flag, FlagStatus, Notification
from wiki.permissions import ANONYMOUS
from wiki.talk import RateLimited

FIXED = TEXT.replace("within minutes", "within 5 to 10 minutes")


def _notices(cast, flag):
    """The notifications about ``flag``: (recipient id, message)."""
    cast.session.commit()
    rows = cast.session.scalars(select(Notification).where(Notification.flag_id == flag.id)).all()
    return [(row.user_id, row.message) for row in rows]


def _report(cast, reporter=ANONYMOUS, reason="The inhaler does not work within minutes.", **kw):
    return flags.report(cast.session, cast.article, reason=reason, reporter=reporter, **kw)


def _audit_rows(cast, action):
    cast.session.commit()
    return cast.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


# ---------------------------------------------------------------- filing

def test_anyone_can_report_and_the_report_names_the_revision_readers_saw(cast, clock):
    stable = cast.fresh().stable_revision_id
    cast.edit(FIXED, cast.editor)  # pending: readers still see the stable text
    flag = _report(cast, excerpt="within minutes")
    assert flag.status == FlagStatus.OPEN
    assert flag.reporter_id is None
    assert flag.revision_id == stable
    assert flag.created_at == START
    assert flag.excerpt == "within minutes"
    assert flags.get_flag(cast.session, flag.id).reason == "The inhaler does not work within minutes."


def test_a_report_on_a_never_reviewed_article_names_its_latest_revision(cast):
    article = cast.fresh(cast.store.article("Croup", "Croup is a viral infection.\n", cast.editor))
    assert article.stable_revision_id is None
    flag = flags.report(cast.session, article, reason="Not always viral.", reporter=cast.editor)
    assert flag.revision_id == article.latest_revision_id


def test_a_logged_in_reporter_watches_the_article_but_an_anonymous_one_cannot(cast):
    before = watch.count_watchers(cast.session, cast.article)
    flag = _report(cast, reporter=cast.editor)
    assert flag.reporter_id == cast.editor.id
    _report(cast)
    _report(cast, reporter=cast.editor)  # watching twice is harmless
    assert watch.is_watching(cast.session, cast.editor, cast.article)
    assert watch.count_watchers(cast.session, cast.article) == before + 1


@pytest.mark.parametrize(("reason", "excerpt"), [
    ("", None), ("  ab  ", None), (None, None), (42, None), ("x" * 2001, None), ("bad \x00 byte", None),
    ("A fine reason", "q" * 1001), ("A fine reason", 7),
])
def test_a_report_needs_a_reason_of_3_to_2000_characters_and_a_short_quote(cast, reason, excerpt):
    with pytest.raises(InvalidInput):
        flags.report(cast.session, cast.article, reason=reason, excerpt=excerpt, reporter=ANONYMOUS)
    assert flags.count_flags(cast.session, status="all") == 0


def test_reason_and_quote_are_trimmed_and_an_empty_quote_is_none(cast):
    flag = _report(cast, reason="  abc\r\nsecond line  ", excerpt="   ")
    assert flag.reason == "abc\nsecond line"
    assert flag.excerpt is None
    long_ok = _report(cast, reason="r" * 2000, excerpt="q" * 1000)
    assert len(long_ok.reason) == 2000 and len(long_ok.excerpt) == 1000


def test_a_blocked_user_cannot_report(cast, clock):
    cast.block(cast.editor, days=1)
    with pytest.raises(Forbidden):
        _report(cast, reporter=cast.editor)


# ---------------------------------------------------------------- reading

def test_list_flags_filters_by_status_and_article_and_pages(cast, clock):
    other = cast.store.article("Croup", "Croup is a viral infection.\n", cast.reviewer)
    first = _report(cast)
    clock.advance(minutes=1)
    second = _report(cast)
    clock.advance(minutes=1)
    elsewhere = flags.report(cast.session, other, reason="Not always viral.", reporter=ANONYMOUS)
    flags.dismiss(cast.session, second.id, actor=cast.reviewer, reason="Works as written.")
    s = cast.session
    assert [f.id for f in flags.list_flags(s)] == [first.id, elsewhere.id]  # open: oldest first
    assert [f.id for f in flags.list_flags(s, status="dismissed")] == [second.id]
    assert [f.id for f in flags.list_flags(s, status=None)] == [elsewhere.id, second.id, first.id]
    assert [f.id for f in flags.list_flags(s, status="all", article=cast.article)] == [second.id, first.id]
    assert [f.id for f in flags.list_flags(s, limit=1, offset=1)] == [elsewhere.id]
    assert flags.count_flags(s) == 2
    assert flags.count_flags(s, article=other) == 1
    assert flags.count_flags(s, status=FlagStatus.RESOLVED) == 0
    with pytest.raises(InvalidInput):
        flags.list_flags(s, status="closed")


def test_get_flag_of_an_unknown_id_is_not_found(cast):
    assert flags.find_flag(cast.session, 999) is None
    with pytest.raises(NotFound):
        flags.get_flag(cast.session, 999)


# ---------------------------------------------------------------- resolving

def test_resolving_with_the_fixing_revision_closes_the_report_and_is_audited(cast, clock):
    flag = _report(cast, reporter=cast.editor2)
    clock.advance(minutes=30)
    fix = cast.edit(FIXED, cast.editor)
    clock.advance(minutes=30)
    review.approve(cast.session, fix.id, reviewer=cast.reviewer)
    clock.advance(minutes=5)
    closed = flags.resolve(cast.session, flag.id, actor=cast.reviewer, revision_id=fix.id,
                           note="Timing fixed")
    assert closed.status == FlagStatus.RESOLVED
    assert closed.resolved_by_id == cast.reviewer.id
    assert closed.resolved_by_revision_id == fix.id
    assert closed.resolved_at == START + timedelta(minutes=65)
    assert closed.resolution_note == "Timing fixed"
    [row] = _audit_rows(cast, "resolve_flag")
    assert (row.actor_id, row.target) == (cast.reviewer.id, f"flag:{flag.id}")
    assert row.details["revision_id"] == fix.id
    [(recipient, message)] = _notices(cast, flag)
    assert recipient == cast.editor2.id
    assert message.startswith(f"Your report on Asthma was resolved by revision {fix.id}")


def test_resolving_without_a_revision_takes_the_stable_one_when_it_is_newer(cast, clock):
    flag = _report(cast)
    clock.advance(hours=1)
    fix = cast.edit(FIXED, cast.reviewer)  # a reviewer's edit is approved on save
    closed = flags.resolve(cast.session, flag.id, actor=cast.admin)
    assert closed.resolved_by_revision_id == fix.id


def test_resolving_without_a_revision_when_nothing_was_fixed_is_refused(cast, clock):
    flag = _report(cast)
    clock.advance(hours=1)
    cast.edit(FIXED, cast.editor)  # pending, so the stable text still predates the report
    with pytest.raises(InvalidInput, match="No fix yet"):
        flags.resolve(cast.session, flag.id, actor=cast.reviewer)
    assert flags.get_flag(cast.session, flag.id).status == FlagStatus.OPEN


def test_approving_a_correction_that_was_already_waiting_counts_as_the_fix(cast, clock):
    waiting = cast.edit(FIXED, cast.editor)
    clock.advance(minutes=10)
    flag = _report(cast)
    clock.advance(minutes=10)
    review.approve(cast.session, waiting.id, reviewer=cast.reviewer)
    assert flags.resolve(cast.session, flag.id, actor=cast.reviewer).resolved_by_revision_id == waiting.id


def test_a_revision_that_cannot_be_the_fix_is_refused(cast, clock):
    old_stable = cast.fresh().stable_revision_id
    other = cast.store.article("Croup", "Croup is a viral infection.\n", cast.reviewer)
    flag = _report(cast)
    clock.advance(minutes=5)
    pending = cast.edit(FIXED, cast.editor)
    elsewhere = cast.fresh(other).stable_revision_id
    for bad in (old_stable, pending.id, elsewhere, 10_000):
        with pytest.raises(InvalidInput):
            flags.resolve(cast.session, flag.id, actor=cast.reviewer, revision_id=bad)
    assert flags.get_flag(cast.session, flag.id).status == FlagStatus.OPEN


@pytest.mark.parametrize("who", ["editor", "clinician", "anonymous"])
def test_only_reviewers_resolve_or_dismiss(cast, who):
    flag = _report(cast)
    expected = Unauthorized if who == "anonymous" else Forbidden
    actor = getattr(cast, who)
    with pytest.raises(expected):
        flags.resolve(cast.session, flag.id, actor=actor)
    with pytest.raises(expected):
        flags.dismiss(cast.session, flag.id, actor=actor, reason="Not wrong.")


def test_a_blocked_reviewer_cannot_close_reports(cast, clock):
    flag = _report(cast)
    cast.block(cast.reviewer2, hours=1)
    with pytest.raises(Forbidden):
        flags.dismiss(cast.session, flag.id, actor=cast.reviewer2, reason="Not wrong.")
    clock.advance(hours=2)  # the block has ended
    closed = flags.dismiss(cast.session, flag.id, actor=cast.reviewer2, reason="Not wrong.")
    assert closed.status == FlagStatus.DISMISSED


def test_closing_an_unknown_report_is_not_found(cast):
    with pytest.raises(NotFound):
        flags.resolve(cast.session, 999, actor=cast.reviewer)
    with pytest.raises(NotFound):
        flags.dismiss(cast.session, 999, actor=cast.reviewer, reason="Not wrong.")


# ---------------------------------------------------------------- dismissing

def test_dismissing_keeps_the_reason_and_is_audited(cast, clock):
    flag = _report(cast, reporter=cast.editor)
    clock.advance(hours=3)
    reason = "  Relievers do act in minutes. "
    closed = flags.dismiss(cast.session, flag.id, actor=cast.reviewer, reason=reason)
    assert closed.status == FlagStatus.DISMISSED
    assert closed.resolution_note == "Relievers do act in minutes."
    assert closed.resolved_by_id == cast.reviewer.id
    assert closed.resolved_by_revision_id is None
    assert closed.resolved_at == START + timedelta(hours=3)
    [row] = _audit_rows(cast, "dismiss_flag")
    assert row.details["reason"] == "Relievers do act in minutes."
    [(recipient, message)] = _notices(cast, flag)
    assert recipient == cast.editor.id
    assert "dismissed" in message and "Relievers do act in minutes." in message


@pytest.mark.parametrize("reason", ["", "  ", None, "no", "x" * 2001])
def test_dismissing_needs_a_reason(cast, reason):
    flag = _report(cast)
    with pytest.raises(InvalidInput):
        flags.dismiss(cast.session, flag.id, actor=cast.reviewer, reason=reason)
    assert flags.get_flag(cast.session, flag.id).status == FlagStatus.OPEN


def test_the_reporter_is_not_told_when_there_is_no_reporter(cast, clock):
    flag = _report(cast)
    flags.dismiss(cast.session, flag.id, actor=cast.reviewer, reason="Works as written.")
    assert _notices(cast, flag) == []


# ---------------------------------------------------------------- closed is final

def _close(cast, flag, how):
    if how == "resolved":
        fix = cast.edit(FIXED + "\nMore.\n", cast.reviewer)
        return flags.resolve(cast.session, flag.id, actor=cast.reviewer, revision_id=fix.id)
    return flags.dismiss(cast.session, flag.id, actor=cast.reviewer, reason="Works as written.")


@pytest.mark.parametrize("first", ["resolved", "dismissed"])
@pytest.mark.parametrize("then", ["resolve", "dismiss"])
def test_a_closed_report_cannot_be_closed_again(cast, clock, first, then):
    flag = _report(cast)
    clock.advance(minutes=1)
    closed = _close(cast, flag, first)
    before = (closed.status, closed.resolved_at, closed.resolved_by_revision_id, closed.resolution_note)
    clock.advance(minutes=1)
    with pytest.raises(Conflict, match=f"already {first}"):
        if then == "resolve":
            flags.resolve(cast.session, flag.id, actor=cast.reviewer2)
        else:
            flags.dismiss(cast.session, flag.id, actor=cast.reviewer2, reason="Also fine.")
    cast.session.expire_all()
    again = flags.get_flag(cast.session, flag.id)
    assert (again.status, again.resolved_at, again.resolved_by_revision_id, again.resolution_note) == before
    expected_rows = 1 if first.startswith(then) else 0  # only the first closure was recorded
    assert len(audit.list_events(cast.session, action=f"{then}_flag")) == expected_rows


def test_is_fix_for_is_the_rule_resolve_applies(cast, clock):
    flag = _report(cast)
    clock.advance(minutes=1)
    fix = cast.edit(FIXED, cast.reviewer)
    assert flags.is_fix_for(flag, fix)
    assert not flags.is_fix_for(flag, cast.session.get(type(fix), flag.revision_id))
    assert cast.session.get(Flag, flag.id).article_id == fix.article_id


def test_reporter_role_does_not_matter_to_a_report(cast):
    for who in (cast.editor, cast.clinician, cast.reviewer, cast.admin):
        assert _report(cast, reporter=who).reporter_id == who.id
    assert flags.count_flags(cast.session) == 4


# ---------------------------------------------------------------- flood guards

def test_a_logged_in_reporter_may_file_three_reports_a_minute(cast, clock):
    for _ in range(3):
        _report(cast, reporter=cast.editor)
        clock.advance(seconds=5)
    with pytest.raises(RateLimited) as limited:
        _report(cast, reporter=cast.editor)
    assert limited.value.status == 429 and limited.value.details["retry_after"] == 60
    _report(cast, reporter=cast.editor2)  # someone else is not held up
    clock.advance(minutes=1)
    _report(cast, reporter=cast.editor)
    assert flags.count_flags(cast.session) == 5


def test_anonymous_reports_on_one_article_are_capped_per_hour_and_reviewers_are_exempt(cast, clock):
    other = cast.store.article("Croup", "Croup is a viral infection.\n", cast.reviewer)
    for _ in range(flags.ANONYMOUS_LIMITS[0][1]):
        _report(cast)
        clock.advance(seconds=30)
    with pytest.raises(RateLimited):
        _report(cast)
    flags.report(cast.session, other, reason="Not always viral.", reporter=ANONYMOUS)
    for _ in range(5):
        _report(cast, reporter=cast.reviewer)
    clock.advance(hours=1)
    _report(cast)


def test_a_refused_command_leaves_no_transaction_open(cast):
    flag = _report(cast)
    for attempt in (
        lambda: flags.resolve(cast.session, flag.id, actor=cast.editor),
        lambda: flags.resolve(cast.session, flag.id, actor=cast.reviewer),  # no fix yet
        lambda: flags.dismiss(cast.session, 999, actor=cast.reviewer, reason="Not wrong."),
    ):
        with pytest.raises(WikiError):
            attempt()
        assert not cast.session.in_transaction()
