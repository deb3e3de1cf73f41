"""Concurrent saves on SQLite and PostgreSQL: nothing is lost, nothing is mixed.

Each thread has its own session (its own connection), as each request or
worker process does; the compare-and-swap on the latest pointer decides.
"""

from __future__ import annotations

import threading

import pytest

from wiki import revisions
from wiki.errors import EditConflict
from wiki.models import Article, Role

THREADS = 16


def _run_threads(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_sixteen_threads_saving_different_lines_from_one_base_all_land(store):
    reviewer = store.user("rosa", Role.REVIEWER)
    editors = [store.user(f"editor{i}") for i in range(THREADS)]
    base_text = "".join(f"Line {i}: original.\n\n" for i in range(THREADS))
    article = store.article("Asthma", base_text, reviewer)
    base_id = article.latest_revision_id

    def save(i: int):
        session = store.factory()
        try:
            mine = base_text.replace(f"Line {i}: original.", f"Line {i}: changed by editor {i}.")
            return revisions.save_edit(session, article.id, mine, summary=f"thread {i}",
                                       author=session.get(type(editors[i]), editors[i].id),
                                       base_revision_id=base_id)
        finally:
            session.close()

    results = _run_threads(save, THREADS)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    final = store.text(article)
    for i in range(THREADS):
        assert f"Line {i}: changed by editor {i}." in final
    assert revisions.count_revisions(store.session, store.session.get(Article, article.id)) == THREADS + 1
    # The chain is linear: every revision's parent is the one saved before it.
    history = list(revisions.iter_history(store.session, article))
    for newer, older in zip(history, history[1:], strict=False):
        assert newer.parent_id == older.id


def test_overlapping_saves_conflict_and_never_mix(store):
    reviewer = store.user("rosa", Role.REVIEWER)
    editors = [store.user(f"editor{i}") for i in range(8)]
    article = store.article("Asthma", "Give 5 mg daily.\n", reviewer)
    base_id = article.latest_revision_id
    doses = ["10 mg", "2.5 mg", "7 mg", "20 mg", "1 mg", "3 mg", "15 mg", "40 mg"]

    def save(i: int):
        session = store.factory()
        try:
            return revisions.save_edit(session, article.id, f"Give {doses[i]} daily.\n", summary="",
                                       author=session.get(type(editors[i]), editors[i].id),
                                       base_revision_id=base_id)
        finally:
            session.close()

    results = _run_threads(save, len(doses))
    saved = [r for r in results if isinstance(r, revisions.SaveResult)]
    conflicts = [r for r in results if isinstance(r, EditConflict)]
    others = [r for r in results if not isinstance(r, revisions.SaveResult | EditConflict)]
    assert not others, others
    assert len(saved) == 1 and len(conflicts) == len(doses) - 1
    final = store.text(article)
    assert final in {f"Give {d} daily.\n" for d in doses}
    assert revisions.count_revisions(store.session, store.session.get(Article, article.id)) == 2


@pytest.mark.parametrize("threads", [8])
def test_concurrent_creates_of_one_title_make_one_article(store, threads):
    reviewer = store.user("rosa", Role.REVIEWER)

    def create(i: int):
        session = store.factory()
        try:
            return revisions.create_article(session, "Gout", f"Version {i}\n", summary="",
                                            author=session.get(type(reviewer), reviewer.id))
        finally:
            session.close()

    results = _run_threads(create, threads)
    assert sum(isinstance(r, revisions.SaveResult) for r in results) == 1
    assert all(isinstance(r, revisions.SaveResult) or getattr(r, "status", None) == 409 for r in results), results
