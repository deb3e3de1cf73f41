"""Trust signals: page protection, contributor badges, "last reviewed", schema.org JSON-LD.

Protection is a command (audited, commits); the rest are pure or read-only
helpers the views present: the badge beside a name on every revision,
history row and talk post, the "last reviewed by … on …" line, and the
``MedicalWebPage`` JSON-LD block of an article page. Clinician verification
and blocks live in ``wiki.accounts``. No Flask imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from wiki import audit
from wiki.articles import FrontMatter
from wiki.errors import InvalidInput, NotFound
from wiki.models import Article, Revision, RevisionStatus, Role, User
from wiki.permissions import Action, Actor, require
from wiki.transactions import begin_write

PROTECTION_LEVELS: tuple[Role, ...] = (Role.EDITOR, Role.CLINICIAN, Role.REVIEWER)
PROTECTION_LABELS = {
    Role.EDITOR: "Any registered editor",
    Role.CLINICIAN: "Clinicians and up",
    Role.REVIEWER: "Reviewers and up",
}
# Characters that could end the <script> element or confuse an HTML parser
# inside it, as JSON escapes (still the same JSON for any parser).
_SCRIPT_ESCAPES = str.maketrans({
    "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
})


# ---------------------------------------------------------------- protection

def parse_protection(level: Role | str) -> Role:
    """``level`` as one of the three protection levels (a ``Role`` or its name).

    :raises InvalidInput: anything else (anonymous and admin are not levels).
    """
    try:
        role = level if isinstance(level, Role) else Role[str(level).strip().upper()]
    except KeyError:
        role = None
    if role not in PROTECTION_LEVELS:
        raise InvalidInput("The protection level is one of editor, clinician or reviewer.", field="level")
    return role


def set_protection(session: Session, article: Article, level: Role | str, *, actor: Actor) -> Article:
    """Let only ``level`` and up edit, restore and undo on ``article``. Commits; audited.

    Setting the level it already has changes nothing and writes no audit row.

    :raises InvalidInput: not editor, clinician or reviewer.
    :raises Forbidden: the actor is not an admin, or is blocked.
    """
    level = parse_protection(level)
    article_id = article.id
    begin_write(session)
    try:
        article = session.get(Article, article_id, populate_existing=True)
        if article is None:
            raise NotFound(f"There is no article {article_id}.")
        require(actor, Action.PROTECT, article)
        old = Role(article.protection) if article.protection is not None else Role.EDITOR
        if old != level:
            article.protection = level
            audit.record(session, actor.id, "protect", f"article:{article.slug}", article_id=article.id,
                         old=old.label, new=level.label)
        session.commit()
    except BaseException:
        session.rollback()  # no write lock outlives a refusal
        raise
    return article


# ---------------------------------------------------------------- badges and review line

@dataclass(frozen=True)
class Badge:
    """What to show beside a contributor's name."""

    role: Role
    label: str  # "Verified clinician", "Reviewer", "Admin"
    credential: str | None  # "RN, oncology", only when an admin verified it
    verified_at: datetime | None

    @property
    def text(self) -> str:
        """The badge as one phrase: "Verified clinician: RN, oncology"."""
        return f"{self.label}: {self.credential}" if self.credential else self.label


def badge(user: User | Actor | None, role: Role | None = None) -> Badge | None:
    """The badge for ``user`` acting as ``role`` (default their role now); None for plain editors.

    Pass a revision's ``author_role`` to badge it as it was made. The
    credential shows only while the user is a verified clinician (or above).
    """
    if user is None:
        return None
    shown = Role(role if role is not None else user.role)
    if shown < Role.CLINICIAN:  # editors and anonymous visitors: no badge
        return None
    verified = user.is_verified_clinician
    credential = user.credential if verified else None
    if shown >= Role.ADMIN:
        label = "Admin"
    elif shown >= Role.REVIEWER:
        label = "Reviewer"
    else:
        label = "Verified clinician" if verified else "Clinician"
    return Badge(role=shown, label=label, credential=credential,
                 verified_at=user.verified_at if verified else None)


@dataclass(frozen=True)
class LastReview:
    """The "last reviewed by … on …" line of an article."""

    revision: Revision
    reviewer: User | None  # None when the reviewer's account is gone
    reviewed_at: datetime


def last_review(session: Session, article: Article) -> LastReview | None:
    """Who approved the text readers see, and when; None for a never-reviewed article."""
    if article.stable_revision_id is None:
        return None
    revision = session.get(Revision, article.stable_revision_id)
    if revision is None or revision.reviewed_at is None:
        return None
    reviewer = session.get(User, revision.reviewed_by_id) if revision.reviewed_by_id else None
    if reviewer is not None and reviewer.deleted_at is not None:
        reviewer = None
    return LastReview(revision=revision, reviewer=reviewer, reviewed_at=revision.reviewed_at)


# ---------------------------------------------------------------- schema.org

def json_ld(
    article: Article,
    revision_shown: Revision | None,
    reviewer: User | None,
    *,
    url: str,
    front_matter: FrontMatter,
) -> dict[str, Any]:
    """The schema.org ``MedicalWebPage`` describing ``article`` as shown (a dict, for ``json_ld_script``).

    ``about`` is a ``MedicalCondition`` named by the title, with the front
    matter's aliases as ``alternateName`` and its ICD-10 codes as ``code``.
    ``lastReviewed`` and ``reviewedBy`` appear only when the revision shown is
    approved (an unreviewed text must not claim a review); empty parts are left out.
    """
    condition: dict[str, Any] = {"@type": "MedicalCondition", "name": article.title}
    if front_matter.aliases:
        condition["alternateName"] = list(front_matter.aliases)
    if front_matter.icd10:
        condition["code"] = [{"@type": "MedicalCode", "codeValue": code, "codingSystem": "ICD-10"}
                             for code in front_matter.icd10]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": article.title,
        "url": url,
        "about": condition,
    }
    if revision_shown is None:
        return data
    reviewed = revision_shown.status == RevisionStatus.APPROVED and revision_shown.reviewed_at is not None
    if reviewed:
        data["lastReviewed"] = revision_shown.reviewed_at.date().isoformat()
        if reviewer is not None and reviewer.deleted_at is None:
            data["reviewedBy"] = {"@type": "Person", "name": reviewer.shown_name}
    data["dateModified"] = revision_shown.created_at.isoformat()
    return data


def json_ld_script(data: dict[str, Any]) -> Markup:
    """Serialise ``data`` for a ``<script type="application/ld+json">`` element.

    ``<``, ``>`` and ``&`` (and U+2028/U+2029) become ``\\u003c``-style JSON
    escapes, so a title holding ``</script>`` or ``<!--`` cannot end or
    bend the element; any JSON parser reads back the same data. Returns
    ``Markup`` (the JSON text only, without the element): templates must not
    HTML-escape it, since entities are not decoded inside ``<script>``.
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return Markup(text.translate(_SCRIPT_ESCAPES))  # noqa: S704 -- no <, > or & left to interpret
