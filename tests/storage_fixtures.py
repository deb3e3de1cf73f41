"""Domain-level fixtures without Flask: a session on SQLite or PostgreSQL.

The storage and concurrency suites use these so they run on both databases
(``db_url`` in conftest.py) exactly as the commands do in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from wiki import accounts, db, revisions
from wiki.models import Article, Base, Role, User

FAST_HASH = "pbkdf2:sha256:1000"
PASSWORD = "correct horse battery"


@dataclass
class Store:
    """A database for one test: a session factory and factories for users and articles."""

    factory: sessionmaker[Session]
    session: Session

    def user(self, name: str, role: Role = Role.EDITOR) -> User:
        return accounts.create_user(self.session, name, PASSWORD, role=role, hash_method=FAST_HASH)

    def article(self, title: str, text: str, author: User) -> Article:
        result = revisions.create_article(self.session, title, text, summary="", author=author,
                                          confirm_warnings=True)
        return self.session.get(Article, result.revision.article_id)

    def text(self, article: Article, which: str = "latest") -> str:
        self.session.commit()  # end any read transaction: on SQLite it would pin an old snapshot
        self.session.refresh(article)
        rev_id = article.latest_revision_id if which == "latest" else article.stable_revision_id
        return revisions.load_text(self.session, rev_id)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    engine = db.make_engine(db_url)
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    yield Store(factory, session)
    session.close()
    engine.dispose()
