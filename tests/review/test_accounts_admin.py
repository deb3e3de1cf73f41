"""Admin actions on accounts (verify, block, unblock, set role) and the audit log they write.

Also checks that every action the issue names (review, protection, block,
role, suppression, report closing) leaves exactly one audit row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.review.conftest import START, TEXT
from wiki import accounts, audit, flags, review, revisions, trust
from wiki.errors import Forbidden, InvalidInput, Unauthorized
from wiki.models import Role
from wiki.permissions import ANONYMOUS, Action, can

TOMORROW = START + timedelta(days=1)


def _events(cast, action):
    cast.session.commit()
    return audit.list_events(cast.session, action=action)


# ---------------------------------------------------------------- verification

def test_verifying_a_clinician_records_credential_verifier_and_time(cast, clock):
    clock.advance(days=2)
    accounts.verify_clinician(cast.session, cast.editor, "  MD,   general practice ", actor=cast.admin)
    user = cast.editor
    assert user.role == Role.CLINICIAN
    assert (user.credential, user.verified_by_id, user.verified_at) == (
        "MD, general practice", cast.admin.id, START + timedelta(days=2))
    assert user.is_verified_clinician
    [event, _setup] = _events(cast, "verify_clinician")  # newest first; the cast verified Cleo
    assert (event.actor_id, event.target, event.details) == (
        cast.admin.id, "user:erin_editor", {"credential": "MD, general practice"})


def test_verifying_a_reviewer_keeps_them_a_reviewer(cast):
    accounts.verify_clinician(cast.session, cast.reviewer, "PharmD", actor=cast.admin)
    assert cast.reviewer.role == Role.REVIEWER and cast.reviewer.is_verified_clinician


@pytest.mark.parametrize("credential", ["", "   ", None, "x" * 121])
def test_a_verification_needs_a_credential_of_at_most_120_characters(cast, credential):
    with pytest.raises(InvalidInput):
        accounts.verify_clinician(cast.session, cast.editor, credential, actor=cast.admin)


@pytest.mark.parametrize(("who", "error"), [
    ("anonymous", Unauthorized), ("editor", Forbidden), ("clinician", Forbidden), ("reviewer", Forbidden),
])
def test_only_admins_verify_block_and_set_roles(cast, who, error):
    actor = getattr(cast, who)
    with pytest.raises(error):
        accounts.verify_clinician(cast.session, cast.editor2, "RN", actor=actor)
    with pytest.raises(error):
        accounts.block(cast.session, cast.editor2, until=TOMORROW, reason="spam", actor=actor)
    with pytest.raises(error):
        accounts.unblock(cast.session, cast.editor2, actor=actor)
    with pytest.raises(error):
        accounts.set_role(cast.session, cast.editor2, Role.ADMIN, actor=actor)
    assert cast.editor2.role == Role.EDITOR and cast.editor2.blocked_until is None


# ---------------------------------------------------------------- blocks

def test_blocking_records_reason_and_expiry_and_stops_writes_not_reads(cast, clock):
    until = START + timedelta(days=3)
    accounts.block(cast.session, cast.editor, until=until, reason="  Repeated spam links ", actor=cast.admin)
    assert (cast.editor.blocked_until, cast.editor.block_reason) == (until, "Repeated spam links")
    assert cast.editor.is_blocked()
    assert can(cast.editor, Action.READ) and not can(cast.editor, Action.EDIT)
    [event] = _events(cast, "block")
    assert event.target == "user:erin_editor"
    assert event.details == {"until": until.isoformat(), "reason": "Repeated spam links"}
    clock.set(until)
    assert not cast.editor.is_blocked()  # the block ends by itself


def test_unblocking_lifts_the_block_and_is_audited(cast):
    cast.block(cast.editor, days=3)
    accounts.unblock(cast.session, cast.editor, actor=cast.admin)
    assert cast.editor.blocked_until is None and cast.editor.block_reason is None
    assert can(cast.editor, Action.EDIT)
    [event] = _events(cast, "unblock")
    assert (event.actor_id, event.target) == (cast.admin.id, "user:erin_editor")


@pytest.mark.parametrize(("until", "reason"), [
    (START - timedelta(seconds=1), "spam"),        # in the past
    (START, "spam"),                               # now is not the future
    (datetime(2030, 3, 9), "spam"),                # naive
    (TOMORROW, "   "),                            # no reason
])
def test_a_block_needs_a_future_aware_end_and_a_reason(cast, until, reason):
    with pytest.raises(InvalidInput):
        accounts.block(cast.session, cast.editor, until=until, reason=reason, actor=cast.admin)
    assert _events(cast, "block") == []


def test_an_admin_cannot_block_themselves(cast):
    with pytest.raises(InvalidInput):
        accounts.block(cast.session, cast.admin, until=TOMORROW, reason="oops", actor=cast.admin)


# ---------------------------------------------------------------- roles

def test_setting_a_role_is_audited_with_old_and_new(cast):
    accounts.set_role(cast.session, cast.editor, Role.REVIEWER, actor=cast.admin)
    assert cast.editor.role == Role.REVIEWER
    [event] = _events(cast, "set_role")
    assert (event.actor_id, event.details) == (cast.admin.id, {"old": "editor", "new": "reviewer"})


def test_the_command_line_sets_roles_with_no_actor(cast):
    accounts.set_role(cast.session, cast.editor, Role.ADMIN, actor=None)
    [event] = _events(cast, "set_role")
    assert event.actor_id is None


def test_demoting_a_clinician_clears_the_verification(cast):
    accounts.set_role(cast.session, cast.clinician, Role.EDITOR, actor=cast.admin)
    assert cast.clinician.verified_at is None and not cast.clinician.is_verified_clinician


def test_anonymous_is_not_a_role_to_give(cast):
    with pytest.raises(InvalidInput):
        accounts.set_role(cast.session, cast.editor, Role.ANONYMOUS, actor=cast.admin)


# ---------------------------------------------------------------- the audit log as a whole

def test_every_review_protection_block_role_suppression_and_report_action_is_audited_once(cast, clock):
    s = cast.session
    first = cast.edit(TEXT + "\nOne.\n", cast.editor)
    review.approve(s, first.id, reviewer=cast.reviewer)
    second = cast.edit(TEXT + "\nTwo.\n", cast.editor)
    review.reject(s, second.id, reviewer=cast.reviewer, comment="Unsourced")
    revisions.suppress(s, second.id, reason="Named a patient", actor=cast.admin)
    trust.set_protection(s, cast.article, Role.CLINICIAN, actor=cast.admin)
    cast.block(cast.editor2, days=1)
    accounts.unblock(s, cast.editor2, actor=cast.admin)
    accounts.set_role(s, cast.editor2, Role.CLINICIAN, actor=cast.admin)
    accounts.verify_clinician(s, cast.editor2, "Physiotherapist", actor=cast.admin)
    report_a = flags.report(s, cast.article, reason="Out of date.", reporter=ANONYMOUS)
    report_b = flags.report(s, cast.article, reason="Typo.", reporter=ANONYMOUS)
    clock.advance(minutes=1)
    fix = cast.edit(TEXT + "\nThree.\n", cast.reviewer)
    flags.resolve(s, report_a.id, actor=cast.reviewer, revision_id=fix.id)
    flags.dismiss(s, report_b.id, actor=cast.reviewer, reason="No typo found.")
    s.commit()
    seen = [event.action for event in audit.list_events(s, limit=50)]
    for action in ("approve", "reject", "suppress", "protect", "block", "unblock", "set_role",
                   "resolve_flag", "dismiss_flag"):
        assert seen.count(action) == 1, action
    assert seen.count("verify_clinician") == 2  # Cleo in the cast, then Eddie
    newest_first = [event.id for event in audit.list_events(s, limit=50)]
    assert newest_first == sorted(newest_first, reverse=True)
    assert [e.action for e in audit.list_events(s, limit=2)] == ["dismiss_flag", "resolve_flag"]
