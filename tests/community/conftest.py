"""Fixtures for the community suites: a cast of invented people and one approved article.

Runs on SQLite always and on PostgreSQL when WIKI_TEST_POSTGRES_URL is set
(``store`` from tests/storage_fixtures.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.storage_fixtures import Store
from wiki import revisions
from wiki.models import Article, Revision, Role, User

TEXT = (
    "---\naliases: [Wheezy chest]\ncategories: [Respiratory]\n---\n"
    "**Asthma** is a long-term lung condition.\n\nA reliever inhaler eases symptoms within minutes.\n"
)


@dataclass
class Cast:
    """Invented people of every role, and one article (by the reviewer, so approved)."""

    store: Store
    editor: User
    editor2: User
    clinician: User
    reviewer: User
    admin: User
    article: Article

    @property
    def session(self):
        return self.store.session

    def edit(self, author: User, text: str, summary: str = "edit",
             article: Article | None = None) -> Revision:
        """Save ``text`` as the latest text of the article (the cast's unless told) by ``author``."""
        target = article or self.article
        return revisions.save_edit(self.session, target.id, text, summary=summary, author=author,
                                   base_revision_id=None, confirm_warnings=True).revision

    def refresh(self) -> None:
        self.session.commit()
        self.session.expire_all()


@pytest.fixture
def cast(store: Store) -> Cast:  # noqa: F811  (the fixture imported above)
    reviewer = store.user("rosa", Role.REVIEWER)
    return Cast(
        store=store,
        editor=store.user("erin"),
        editor2=store.user("eddie"),
        clinician=store.user("cleo", Role.CLINICIAN),
        reviewer=reviewer,
        admin=store.user("ada", Role.ADMIN),
        article=store.article("Asthma", TEXT, reviewer),
    )
