"""The save flow on SQLite and PostgreSQL: append, compare-and-swap, merge, restore/undo/rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from wiki import revisions
from wiki.errors import Conflict, EditConflict, Forbidden, InvalidInput, NeedsConfirmation, TooLarge
from wiki.models import Article, ArticleAlias, IndexOutbox, Link, Revision, RevisionKind, RevisionStatus, Role

BASE = "# Asthma\n\nParagraph one.\n\nParagraph two.\n\nParagraph three.\n"


@pytest.fixture
def people(store):
    return {
        "editor": store.user("erin"),
        "editor2": store.user("eddie"),
        "reviewer": store.user("rosa", Role.REVIEWER),
        "admin": store.user("ada", Role.ADMIN),
    }


def test_create_article_by_reviewer_is_approved_and_stable(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    assert article.slug == "asthma"
    assert article.stable_revision_id == article.latest_revision_id
    rev = store.session.get(Revision, article.latest_revision_id)
    assert rev.kind == RevisionKind.CREATE and rev.status == RevisionStatus.APPROVED
    assert rev.size == len(BASE) and rev.size_delta == len(BASE)
    assert store.text(article) == BASE
    assert store.session.scalar(select(func.count()).select_from(IndexOutbox)) == 1


def test_create_article_by_editor_is_pending_without_stable(store, people):
    article = store.article("Asthma", BASE, people["editor"])
    assert article.stable_revision_id is None
    assert store.session.get(Revision, article.latest_revision_id).status == RevisionStatus.PENDING


def test_create_refuses_duplicate_titles_case_insensitively(store, people):
    store.article("Asthma", BASE, people["reviewer"])
    with pytest.raises(Conflict):
        store.article("ASTHMA", BASE, people["reviewer"])


def test_create_refuses_empty_and_bad_input_leaving_nothing(store, people):
    for title, text, error in [("", BASE, InvalidInput), ("Asthma", "  \n", InvalidInput),
                               ("Asthma", "---\n: [\n---\nx", InvalidInput), ("Asthma", "a\x00b", InvalidInput)]:
        with pytest.raises(error):
            store.article(title, text, people["reviewer"])
    assert store.session.scalar(select(func.count()).select_from(Article)) == 0
    assert store.session.scalar(select(func.count()).select_from(Revision)) == 0


def test_editor_edit_is_pending_and_stable_stays(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    stable = article.stable_revision_id
    result = revisions.save_edit(store.session, article.id, BASE + "More.\n", summary="add",
                                 author=people["editor"], base_revision_id=stable)
    assert result.revision.status == RevisionStatus.PENDING
    store.session.refresh(article)
    assert article.stable_revision_id == stable
    assert article.latest_revision_id == result.revision.id
    assert result.revision.parent_id == stable


def test_unchanged_save_appends_nothing(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    result = revisions.save_edit(store.session, article.id, BASE, summary="", author=people["editor"],
                                 base_revision_id=article.latest_revision_id)
    assert result.changed is False
    assert revisions.count_revisions(store.session, article) == 1


def test_stale_base_merges_changes_in_different_paragraphs(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    base = article.latest_revision_id
    revisions.save_edit(store.session, article.id, BASE.replace("one.", "one, edited by A."), summary="a",
                        author=people["editor"], base_revision_id=base)
    result = revisions.save_edit(store.session, article.id, BASE.replace("three.", "three, edited by B."),
                                 summary="b", author=people["editor2"], base_revision_id=base)
    assert result.merged
    text = store.text(article)
    assert "one, edited by A." in text and "three, edited by B." in text


def test_wrong_dose_merge_is_a_conflict_never_a_mixed_text(store, people):
    article = store.article("Asthma", "Give 5 mg daily.\n", people["reviewer"])
    base = article.latest_revision_id
    revisions.save_edit(store.session, article.id, "Give 10 mg daily.\n", summary="", author=people["editor"],
                        base_revision_id=base)
    with pytest.raises(EditConflict) as info:
        revisions.save_edit(store.session, article.id, "Give 2.5 mg daily.\n", summary="",
                            author=people["editor2"], base_revision_id=base)
    assert info.value.details["current_revision"] == store.session.get(Article, article.id).latest_revision_id
    assert store.text(article) == "Give 10 mg daily.\n"


def test_base_from_another_article_is_refused(store, people):
    a = store.article("Asthma", BASE, people["reviewer"])
    b = store.article("Gout", BASE, people["reviewer"])
    with pytest.raises(InvalidInput):
        revisions.save_edit(store.session, a.id, BASE + "x\n", summary="", author=people["editor"],
                            base_revision_id=b.latest_revision_id)


def test_too_large_text_is_refused(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    policy = revisions.EditPolicy(max_article_bytes=1000)
    with pytest.raises(TooLarge):
        revisions.save_edit(store.session, article.id, "x" * 1001, summary="", author=people["editor"],
                            base_revision_id=None, policy=policy)
    assert revisions.count_revisions(store.session, article) == 1


def test_personal_data_needs_confirmation_and_saves_nothing(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    text = BASE + "Write to jane.doe@example.com for advice.\n"
    with pytest.raises(NeedsConfirmation) as info:
        revisions.save_edit(store.session, article.id, text, summary="", author=people["editor"],
                            base_revision_id=None)
    assert info.value.details["warnings"][0]["kind"] == "personal_data"
    assert revisions.count_revisions(store.session, article) == 1
    result = revisions.save_edit(store.session, article.id, text, summary="", author=people["editor"],
                                 base_revision_id=None, confirm_warnings=True)
    assert result.revision.warnings and result.revision.warnings[0]["kind"] == "personal_data"


def test_delta_storage_rebuilds_every_revision_exactly(store, people):
    text = "".join(f"Line {i} of a long article about asthma.\n" for i in range(300))
    article = store.article("Asthma", text, people["reviewer"])
    expected = {article.latest_revision_id: text}
    for i in range(40):
        text = text.replace(f"Line {i} ", f"Line {i} (edited {i}) ")
        result = revisions.save_edit(store.session, article.id, text, summary=f"e{i}", author=people["reviewer"],
                                     base_revision_id=None)
        expected[result.revision.id] = text
    kinds = {r.storage for r in store.session.scalars(select(Revision))}
    assert kinds == {"full", "delta"}
    for rev_id, want in expected.items():
        assert revisions.load_text(store.session, rev_id, use_cache=False) == want


def test_corrupt_revision_is_detected(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    rev = store.session.get(Revision, article.latest_revision_id)
    rev.sha256 = "0" * 64
    store.session.commit()
    with pytest.raises(revisions.CorruptRevision):
        revisions.load_text(store.session, rev.id, use_cache=False)


def test_aliases_and_links_follow_the_text(store, people):
    text = "---\naliases: [Wheezy chest, Reactive airway]\nicd10: [J45]\ncategories: [Pulmonology]\n---\n" \
           "See [[Hay fever]] and [[COPD|chronic lung disease]].\n"
    article = store.article("Asthma", text, people["reviewer"])
    aliases = {a.slug for a in store.session.scalars(select(ArticleAlias))}
    assert aliases == {"wheezy-chest", "reactive-airway"}
    links = {link.to_slug for link in store.session.scalars(select(Link).where(Link.from_article_id == article.id))}
    assert links == {"hay-fever", "copd"}


def test_creating_a_linked_article_turns_red_links_blue(store, people):
    article = store.article("Asthma", "See [[Hay fever]].\n", people["reviewer"])
    assert 'class="wikilink new"' in revisions.html_for(store.session, article.latest_revision_id)[0]
    store.article("Hay fever", "Pollen allergy.\n", people["reviewer"])
    store.session.expire_all()
    html = revisions.html_for(store.session, article.latest_revision_id)[0]
    assert "wikilink new" not in html and 'href="/wiki/hay-fever"' in html


def test_restore_appends_a_revision_with_the_old_text(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    first = article.latest_revision_id
    revisions.save_edit(store.session, article.id, "Vandalised.\n", summary="", author=people["editor"],
                        base_revision_id=None)
    result = revisions.restore(store.session, article, first, author=people["editor2"])
    assert result.revision.kind == RevisionKind.RESTORE
    assert result.revision.summary.startswith(f"Restored revision {first} by rosa")
    assert store.text(article) == BASE
    assert revisions.count_revisions(store.session, article) == 3


def test_undo_of_a_middle_revision_keeps_later_edits(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    middle = revisions.save_edit(store.session, article.id, BASE.replace("one.", "one, wrong."), summary="",
                                 author=people["editor"], base_revision_id=None).revision
    later_text = BASE.replace("one.", "one, wrong.").replace("three.", "three, right.")
    revisions.save_edit(store.session, article.id, later_text, summary="", author=people["editor2"],
                        base_revision_id=None)
    result = revisions.undo(store.session, middle.id, author=people["editor2"])
    assert result.revision.kind == RevisionKind.UNDO
    assert result.revision.summary.startswith(f"Undid revision {middle.id} by erin")
    text = store.text(article)
    assert "one, wrong." not in text and "Paragraph one." in text and "three, right." in text


def test_undo_that_cannot_apply_cleanly_is_a_conflict(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    middle = revisions.save_edit(store.session, article.id, BASE.replace("one.", "one, A."), summary="",
                                 author=people["editor"], base_revision_id=None).revision
    revisions.save_edit(store.session, article.id, BASE.replace("one.", "one, B."), summary="",
                        author=people["editor2"], base_revision_id=None)
    with pytest.raises(EditConflict):
        revisions.undo(store.session, middle.id, author=people["editor2"])
    with pytest.raises(Conflict):
        revisions.undo(store.session, article.stable_revision_id, author=people["editor2"])  # the creation


def test_rollback_undoes_all_consecutive_edits_by_the_latest_author(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    for i in range(3):
        revisions.save_edit(store.session, article.id, BASE + f"spam {i}\n", summary="", author=people["editor"],
                            base_revision_id=None)
    result = revisions.rollback(store.session, article, author=people["reviewer"])
    assert result.revision.kind == RevisionKind.ROLLBACK
    assert result.revision.summary.startswith("Rolled back 3 edits by erin to the last revision by rosa")
    assert store.text(article) == BASE


def test_rollback_with_no_earlier_author_is_409(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    with pytest.raises(Conflict):
        revisions.rollback(store.session, article, author=people["reviewer"])


def test_rollback_needs_a_reviewer(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    revisions.save_edit(store.session, article.id, "spam\n", summary="", author=people["editor"],
                        base_revision_id=None)
    with pytest.raises(Forbidden):
        revisions.rollback(store.session, article, author=people["editor2"])


def test_suppress_hides_text_but_keeps_the_row(store, people):
    article = store.article("Asthma", BASE, people["reviewer"])
    rev = revisions.save_edit(store.session, article.id, BASE + "Call 07700 900123\n", summary="",
                              author=people["editor"], base_revision_id=None, confirm_warnings=True).revision
    with pytest.raises(Forbidden):
        revisions.suppress(store.session, rev.id, reason="phone number", actor=people["reviewer"])
    revisions.suppress(store.session, rev.id, reason="phone number", actor=people["admin"])
    assert not revisions.is_text_visible(rev, people["reviewer"])
    assert revisions.is_text_visible(rev, people["admin"])
    assert revisions.count_revisions(store.session, article) == 2


def test_only_shown_revisions_keep_stored_html(store, people):
    from wiki.models import RenderedRevision

    article = store.article("Asthma", BASE, people["reviewer"])
    first = article.latest_revision_id
    pending = revisions.save_edit(store.session, article.id, BASE + "Pending.\n", summary="",
                                  author=people["editor"], base_revision_id=None).revision
    newer = revisions.save_edit(store.session, article.id, BASE + "Pending.\nMore.\n", summary="",
                                author=people["editor"], base_revision_id=None).revision
    kept = set(store.session.scalars(select(RenderedRevision.revision_id)))
    assert kept == {first, newer.id}  # stable and latest
    html, _ = revisions.html_for(store.session, pending.id)  # rendered on demand
    assert "Pending." in html
