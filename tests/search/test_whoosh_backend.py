"""What only the Whoosh backend has to get right: its directory layout, its lock, its snippets."""

from __future__ import annotations

import os
import shutil

import pytest

from wiki.search.analysis import snippet
from wiki.search.backend import IndexBusy, SearchDocument
from wiki.search.whoosh_backend import GEN_PREFIX, WhooshBackend


def doc(article_id: int, title: str, body: str = "") -> SearchDocument:
    return SearchDocument(article_id, f"a-{article_id}", title, body=body or f"{title} text")


@pytest.fixture
def whoosh(tmp_path) -> WhooshBackend:
    backend = WhooshBackend(str(tmp_path / "index"))
    yield backend
    assert backend.writer_is_free()
    backend.close()


def test_search_answers_from_the_old_index_while_a_rebuild_runs(whoosh):
    whoosh.index([doc(1, "Old asthma article")])
    seen_during = []

    def docs():
        for i in range(2, 6):
            seen_during.append([hit.slug for hit in whoosh.search("asthma").hits])
            with pytest.raises(IndexBusy):
                whoosh.index([doc(99, "Written meanwhile")], wait=False)  # left in the outbox
            yield doc(i, f"New gout article {i}")

    assert whoosh.rebuild(docs()) == 4
    assert seen_during == [["a-1"]] * 4
    assert whoosh.search("asthma").total == 0
    assert whoosh.search("gout").total == 4


def test_rebuild_keeps_only_the_previous_generation(whoosh):
    for round_number in range(3):
        whoosh.rebuild([doc(round_number, f"Round {round_number}")])
    generations = [name for name in os.listdir(whoosh.index_dir) if name.startswith(GEN_PREFIX)]
    assert len(generations) == 2
    assert [hit.slug for hit in whoosh.search("round").hits] == ["a-2"]


def test_a_second_process_sees_the_first_ones_writes(tmp_path):
    writer = WhooshBackend(str(tmp_path / "index"))
    reader = WhooshBackend(str(tmp_path / "index"))
    assert reader.search("gout").total == 0  # opens its searcher
    writer.index([doc(1, "Gout")])
    assert reader.search("gout").total == 1
    writer.rebuild([doc(2, "Gout again")])
    assert [hit.slug for hit in reader.search("gout").hits] == ["a-2"]
    writer.remove([2])
    assert reader.search("gout").total == 0
    writer.close()
    reader.close()


def test_a_held_lock_makes_writes_fail_fast_not_wait(whoosh):
    whoosh.index([doc(1, "Gout")])
    blocker = WhooshBackend(whoosh.index_dir, lock_timeout=0)
    lock = blocker._lock(os.path.realpath(os.path.join(whoosh.index_dir, "live")))
    assert lock.acquire(blocking=False)
    try:
        with pytest.raises(IndexBusy):
            whoosh.index([doc(2, "Asthma")], wait=False)
        with pytest.raises(IndexBusy):
            whoosh.remove([1], wait=False)
        assert whoosh.search("gout").total == 1  # reading never needs the lock
    finally:
        lock.release()
    whoosh.index([doc(2, "Asthma")], wait=False)
    assert whoosh.indexed_ids() == {1, 2}


def test_a_deleted_index_directory_is_recreated_empty(whoosh):
    whoosh.index([doc(1, "Gout")])
    shutil.rmtree(whoosh.index_dir)
    assert whoosh.search("gout").total == 0
    assert whoosh.indexed_ids() == set()
    whoosh.index([doc(2, "Asthma")])
    assert whoosh.indexed_ids() == {2}


def test_snippet_marks_stemmed_matches_in_the_best_window():
    body = (
        "Intro words. " * 30
        + "Wheezing and coughing at night are typical; the cough is dry. "
        + "Outro. " * 30
    )
    text = snippet(body, {"wheez", "cough"})
    assert text.startswith("… ") and text.endswith(" …")
    assert (
        "<mark>Wheezing</mark>" in text and "<mark>coughing</mark>" in text and "<mark>cough</mark>" in text
    )
    assert len(text.replace("<mark>", "").replace("</mark>", "")) <= 210


def test_snippet_does_not_mark_words_that_only_start_alike():
    assert "<mark>" not in snippet("Painting walls is fun.", {"pain"})
    assert snippet("Painting walls is fun.", {"pain"}) == "Painting walls is fun."


def test_snippet_escapes_everything_but_its_marks():
    text = snippet('<b>Gout</b> & "gout" <script>x</script>', {"gout"})
    expected = "&lt;b&gt;<mark>Gout</mark>&lt;/b&gt; &amp; &quot;<mark>gout</mark>&quot; "
    assert text == expected + "&lt;script&gt;x&lt;/script&gt;"


@pytest.mark.parametrize("segments", [1, 3])
def test_words_within_an_edit_distance_are_whooshs(whoosh, segments):
    from wiki.search.whoosh_backend import _terms_within

    names = "asthma eczema migraine psoriasis anaemia angina arthritis bronchitis gastritis hepatitis".split()
    whoosh.rebuild(doc(i, f"{name} {other}") for i, (name, other) in enumerate(zip(names, reversed(names)), 1))
    for n in range(1, segments):
        whoosh.index([doc(100 + n, f"{names[n]}s {names[-n]}x")])
    with whoosh._searcher() as (searcher, _):
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == segments
        for word in ["astma", "asthmas", "ezcema", "migrane", "hepatits", "arthritus", "anemia", "angin", "ab"]:
            for distance in (1, 2):
                for prefix in (0, 1):
                    mine = sorted(_terms_within(reader, "spell", word, distance, prefix))
                    assert mine == sorted(reader.terms_within("spell", word, distance, prefix=prefix)), (word, distance)


def test_segment_files_are_read_in_place_not_copied(whoosh, monkeypatch):
    """Whoosh copies each file of a memory-mapped segment into a BytesIO; the backend opens
    indexes without the mapping, so no searcher or writer copies a segment's files."""
    from whoosh.filedb import compound

    copies = []
    real = compound.BufferFile
    monkeypatch.setattr(compound, "BufferFile", lambda *args, **kwargs: copies.append(1) or real(*args, **kwargs))
    whoosh.rebuild([SearchDocument(n, f"a{n}", f"Invented {n} syndrome", body=f"word{n} and fever") for n in range(30)])
    whoosh.index([SearchDocument(40, "a40", "Late syndrome", body="fever at night")])
    whoosh.remove([3])
    page = whoosh.search("fever")
    assert page.total == 30 and page.hits and copies == []
