"""Fixtures for the review-workflow suites: a frozen clock and a cast of invented people.

The clock replaces ``utcnow`` in the modules that stamp times (revisions,
review, flags, accounts, stats, and models for ``User.is_blocked``), so every
timestamp a command writes is the one the test set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.storage_fixtures import Store
from wiki import accounts, flags, models, review, revisions, stats
from wiki.models import Article, Role, User
from wiki.permissions import ANONYMOUS

# A Monday, so the first week of a scenario starts on the first day.
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
TEXT = (
    "---\naliases: [Wheezy chest]\nicd10: [J45]\ncategories: [Respiratory]\n---\n"
    "**Asthma** is a long-term lung condition.\n\nA reliever inhaler eases symptoms within minutes.\n"
)


class Clock:
    """A settable ``utcnow``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> datetime:
        self.now = now
        return now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(START)
    for module in (models, revisions, review, flags, accounts, stats):
        monkeypatch.setattr(module, "utcnow", frozen)
    return frozen


@dataclass
class Cast:
    """Invented people of every role, and one article (by the reviewer, so approved)."""

    store: Store
    editor: User
    editor2: User
    clinician: User
    reviewer: User
    reviewer2: User
    admin: User
    article: Article
    anonymous: object = ANONYMOUS

    @property
    def session(self):
        return self.store.session

    def edit(self, text: str, author, *, article: Article | None = None):
        """Save ``text`` on top of the latest revision; return the new revision."""
        target = article or self.article
        return revisions.save_edit(self.session, target.id, text, summary="edit", author=author,
                                   base_revision_id=None).revision

    def block(self, user: User, **delta: float) -> None:
        """Block ``user`` (by the admin) for ``delta`` from the clock's now."""
        until = models.utcnow() + timedelta(**delta)
        accounts.block(self.session, user, until=until, reason="Test block", actor=self.admin)

    def fresh(self, article: Article | None = None) -> Article:
        self.session.commit()
        return self.session.get(Article, (article or self.article).id, populate_existing=True)


@pytest.fixture
def cast(store, clock) -> Cast:  # noqa: F811  (store is the imported fixture)
    admin = store.user("ada_admin", Role.ADMIN)
    clinician = store.user("cleo_nurse")
    accounts.verify_clinician(store.session, clinician, "RN, oncology", actor=admin)
    return Cast(
        store=store,
        editor=store.user("erin_editor"),
        editor2=store.user("eddie_editor"),
        clinician=clinician,
        reviewer=store.user("rosa_reviewer", Role.REVIEWER),
        reviewer2=store.user("remy_reviewer", Role.REVIEWER),
        admin=admin,
        article=store.article("Asthma", TEXT, store.user("seed_reviewer", Role.REVIEWER)),
    )
