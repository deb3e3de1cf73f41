"""The Whoosh backend's own top-N ranking equals Whoosh's exhaustive ranking, page after page."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiki.search.backend import SearchDocument
from wiki.search.whoosh_backend import WhooshBackend, _rank

WORDS = (
    "pain fever cough rash swelling knee chest blood pressure nausea tremor kidney liver "
    "bladder fatigue thirst headache stiffness treatment diagnosis chronic acute"
).split()
CATEGORIES = ("Cardiology", "Neurology", "Urology", "Dermatology")


def _corpus(rng: random.Random, count: int) -> list[SearchDocument]:
    docs = []
    for article_id in range(1, count + 1):
        title = " ".join(rng.sample(WORDS, rng.randint(1, 3))).capitalize()
        aliases = tuple(" ".join(rng.sample(WORDS, 2)) for _ in range(rng.randint(0, 2)))
        body = " ".join(rng.choices(WORDS, k=rng.randint(5, 120)))
        categories = tuple(rng.sample(CATEGORIES, rng.randint(0, 2)))
        docs.append(SearchDocument(article_id, f"invented-{article_id}", title, aliases, (), categories, body))
    return docs


def _query(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(1, 4))
    if rng.random() < 0.2:
        return f'"{words[0]} {words[-1]}"'
    return " ".join(words)


def _same_ranking(mine: list[tuple[int, float]], ref: list[tuple[int, float]]) -> None:
    """Assert equal scores place by place, and equal docnums wherever the score is not a tie."""
    assert len(mine) == len(ref)
    scores = [score for _, score in ref]
    for i, ((docnum, score), (ref_docnum, ref_score)) in enumerate(zip(mine, ref)):
        assert score == pytest.approx(ref_score, rel=1e-12)
        tied = any(abs(other - ref_score) <= 1e-9 * abs(ref_score) for j, other in enumerate(scores) if j != i)
        if not tied:
            assert docnum == ref_docnum


@pytest.fixture
def whoosh(tmp_path) -> WhooshBackend:
    backend = WhooshBackend(str(tmp_path / "index"))
    yield backend
    backend.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_top_hits_are_exactly_the_exhaustive_ranking(whoosh, seed):
    rng = random.Random(seed)
    docs = _corpus(rng, 300)
    whoosh.rebuild(docs)
    if seed == 2:
        # Deletions and a second segment must not change which documents rank.
        whoosh.remove([3, 30, 150])
        whoosh.index(_corpus(random.Random(99), 20)[:10])
    for _ in range(60):
        text = _query(rng)
        category = rng.choice([None, None, "Urology"])
        depth = rng.choice([1, 5, 20, 60])
        whoosh.search(text, limit=1, category=category)
        with whoosh._searcher() as (searcher, local):
            key = (text, None if category is None else category.casefold())
            answer = local.results[key]
            if answer.query is None:
                continue
            mine = _rank(searcher, local, answer.query, answer.allowed, depth)
            results = searcher.search(answer.query, limit=None, filter=answer.allowed, optimize=False)
            ref = sorted(((hit.docnum, float(hit.score)) for hit in results), key=lambda item: (-item[1], item[0]))
            _same_ranking(mine, ref[:depth])


@pytest.mark.parametrize("segments", [1, 3])
@pytest.mark.parametrize("floor_sample", [1000, 0])  # the floor from scored documents, or from partial sums
def test_pruned_candidates_hold_the_whole_top(whoosh, segments, floor_sample, monkeypatch):
    """The documents left out of scoring all score below the depth-th best (Whoosh's exhaustive
    ranking), and leaving them out happens."""
    from wiki.search import whoosh_backend
    from wiki.search.whoosh_backend import _top_candidates

    monkeypatch.setattr(whoosh_backend, "FLOOR_SAMPLE", floor_sample)
    rng = random.Random(20 + segments)
    docs = _corpus(rng, 360)
    whoosh.rebuild(docs[: 360 - 30 * (segments - 1)])
    for n in range(1, segments):
        whoosh.index(docs[360 - 30 * n : 390 - 30 * n])
    whoosh.remove([2, 40])
    pruned = 0
    for _ in range(50):
        text = " ".join(rng.sample(WORDS, rng.randint(1, 4)))
        category = rng.choice([None, None, "Cardiology"])
        depth = rng.choice([1, 3, 10, 20, 50])
        whoosh.search(text, limit=1, category=category)
        with whoosh._searcher() as (searcher, local):
            answer = local.results[(text, None if category is None else category.casefold())]
            candidates = _top_candidates(searcher, local, answer.query, answer.allowed, depth)
            if candidates is None:
                continue
            results = searcher.search(answer.query, limit=None, filter=answer.allowed, optimize=False)
            ref = sorted(((hit.docnum, float(hit.score)) for hit in results), key=lambda item: (-item[1], item[0]))
            floor = ref[min(depth, len(ref)) - 1][1]
            assert all(docnum in candidates for docnum, score in ref if score >= floor)
            pruned += len(candidates) < len(ref)
    assert pruned > 5


def test_pages_are_slices_of_one_ranking(whoosh):
    rng = random.Random(7)
    whoosh.rebuild(_corpus(rng, 200))
    for text in ("pain fever", "treatment", '"blood pressure"', "knee chest rash"):
        whole = whoosh.search(text, limit=200)
        whoosh.close()  # a fresh searcher, so each page is ranked on its own
        pages = []
        for offset in range(0, whole.total, 7):
            page = whoosh.search(text, limit=7, offset=offset)
            assert page.total == whole.total
            pages.extend(hit.slug for hit in page.hits)
        assert pages == [hit.slug for hit in whole.hits]


@pytest.mark.parametrize("segments", [1, 4])
def test_phrase_sets_equal_whooshs_span_matching(whoosh, segments):
    from whoosh import query as wq

    from wiki.search.analysis import STEMMED
    from wiki.search.whoosh_backend import _phrase_docs

    rng = random.Random(11)
    docs = _corpus(rng, 300)
    whoosh.rebuild(docs[:200] if segments > 1 else docs)
    for n in range(1, segments):
        # Approvals after a rebuild each add a small segment.
        whoosh.index(docs[200 + (n - 1) * 40 : 200 + n * 40] + [docs[n * 7]])
    whoosh.remove([5, 50])
    whoosh.search("warm")
    with whoosh._searcher() as (searcher, local):
        assert len(searcher.reader().leaf_readers()) >= segments
        for _ in range(80):
            source = rng.choice(docs)
            fieldname = rng.choice(["body", "title", "aliases"])
            text = {"body": source.body, "title": source.title, "aliases": " ".join(source.aliases)}[fieldname]
            tokens = [token.text for token in STEMMED(text)] or ["pain"]
            size = rng.randint(2, 3)
            start = rng.randint(0, max(0, len(tokens) - size))
            words = tokens[start : start + size] if rng.random() < 0.7 else rng.choices(WORDS, k=size)
            q = wq.Phrase(fieldname, words)
            mine = _phrase_docs(searcher, local, q)
            if mine is not None:
                assert mine == frozenset(searcher.docs_for_query(q)), (fieldname, words)


@pytest.mark.parametrize("remembered", [False, True])
def test_phrase_sets_read_cold_or_remembered_equal_whooshs(whoosh, remembered, monkeypatch):
    """Positions come with the postings read for the phrase, or from blocks read again when the
    postings were remembered: the same documents either way, on a big segment and small ones."""
    from whoosh import query as wq

    from wiki.search import whoosh_postings
    from wiki.search.whoosh_backend import _phrase_docs

    blocks = []
    real = whoosh_postings.read_block_texts
    monkeypatch.setattr(whoosh_postings, "read_block_texts", lambda matcher: blocks.append(real(matcher)) or blocks[-1])

    rng = random.Random(13)
    docs = _corpus(rng, 400)
    whoosh.rebuild(docs[:360])
    whoosh.index(docs[360:380])
    whoosh.index(docs[380:] + [docs[9]])
    whoosh.remove([4, 77, 365])
    whoosh.search("warm")
    phrases = [rng.sample(WORDS, rng.randint(2, 3)) for _ in range(25)] + [["pain", "pain"], ["blood", "pressure"]]
    with whoosh._searcher() as (searcher, local):
        assert len(searcher.reader().leaf_readers()) == 3
        for words in phrases:
            for fieldname in ("body", "title"):
                local.reset(searcher.reader())
                local.leaf_postings.clear()
                if remembered:
                    for word in words:
                        local.term_docs(searcher.reader(), fieldname, word)
                q = wq.Phrase(fieldname, words)
                assert _phrase_docs(searcher, local, q) == frozenset(searcher.docs_for_query(q)), (fieldname, words)
    assert any(block is not None for block in blocks)  # values read as text, not through Whoosh


@given(
    lists=st.lists(
        st.lists(st.integers(min_value=0, max_value=70_000), min_size=1, max_size=1_100).map(sorted),
        min_size=1,
        max_size=12,
    )
)
def test_position_keys_decode_as_whoosh_does(lists):
    from whoosh.formats import Characters, Positions

    from wiki.search.whoosh_postings import position_keys

    docnums = sorted(random.Random(len(lists)).sample(range(1, 10**6), len(lists)))
    expected = [(docnum << 32) + position for docnum, positions in zip(docnums, lists) for position in positions]
    fmt = Positions()
    texts = [fmt.encode(positions).decode("latin-1") for positions in lists]  # values as the phrase path reads them
    assert position_keys(fmt, texts, docnums) == expected
    chars = Characters()  # another encoding: decoded one value at a time
    values = [chars.encode([(position, 0, 1) for position in positions]).decode("latin-1") for positions in lists]
    assert position_keys(chars, values, docnums) == expected


def test_postings_read_without_their_values_equal_whooshs(whoosh, monkeypatch):
    """Blocks unpickled only up to their values give Whoosh's own docnums and weights, term by term."""
    from wiki.search import whoosh_postings
    from wiki.search.whoosh_postings import bare, read_postings

    heads = []
    real = whoosh_postings.read_block_head
    monkeypatch.setattr(whoosh_postings, "read_block_head", lambda matcher: heads.append(real(matcher)) or heads[-1])
    # Some long bodies, so words occur many times in a document (weights of more than one byte).
    docs = [
        dataclasses.replace(doc, body=doc.body * 12) if doc.article_id % 5 == 0 else doc
        for doc in _corpus(random.Random(14), 600)
    ]
    whoosh.rebuild(docs[:560])
    whoosh.index(docs[560:])
    with whoosh._searcher() as (searcher, _):
        reader = searcher.reader()
        for leaf, _offset in reader.leaf_readers():
            for fieldname in ("body", "title", "aliases", "categories", "title_ngram"):
                for term in list(leaf.lexicon(fieldname)):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    matcher = bare(leaf.postings(fieldname, text))
                    ref_ids, ref_weights = [], []
                    while matcher.is_active():
                        ref_ids.append(matcher.id())
                        ref_weights.append(matcher.weight())
                        matcher.next()
                    ids, weights = read_postings(leaf, fieldname, text)
                    assert (list(ids), list(weights)) == (ref_ids, ref_weights), (fieldname, text)
    assert any(head is not None for head in heads)  # the short way was taken


@given(
    scores=st.dictionaries(
        st.integers(min_value=0, max_value=500), st.sampled_from([0.0, 0.5, 1.0, 2.5, 1e-9, 3.75]), max_size=80
    ),
    depth=st.integers(min_value=0, max_value=100),
)
def test_best_is_the_head_of_the_full_ordering(scores, depth):
    from wiki.search.whoosh_backend import _best

    full = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    assert _best(scores, depth) == full[:depth]


def test_remembered_postings_stay_within_the_budget(whoosh, monkeypatch):
    from wiki.search import whoosh_backend

    monkeypatch.setattr(whoosh_backend, "POSTINGS_CACHE_BUDGET", 400)
    whoosh.rebuild(_corpus(random.Random(5), 300))
    for word in WORDS:
        whoosh.search(word)
        with whoosh._searcher() as (_, local):
            held = sum(len(ids) for ids, _ in local.posting_lists.values())
            assert held == local.postings_held
            assert held <= 400 or len(local.posting_lists) == 1
            assert sum(map(len, local.terms.values())) == local.docs_held
            assert local.docs_held <= 400 or len(local.terms) == 1
    assert whoosh.search("fever").total == whoosh.search("fever", limit=1).total > 0


@pytest.mark.parametrize("segments", [1, 3])
def test_autocomplete_candidates_rank_as_whoosh_ranks_them(whoosh, segments):
    from whoosh import query as wq

    from wiki.search.whoosh_backend import _all_of

    docs = _corpus(random.Random(8), 240)
    whoosh.rebuild(docs[: 240 - 20 * (segments - 1)])
    for n in range(1, segments):
        whoosh.index(docs[240 - 20 * n : 260 - 20 * n])
    whoosh.remove([7])
    for prefix in ["p", "pa", "ch", "c", "kid", "bl", "fe", "t", "s", "bladder f"]:
        grams = prefix.split()
        q = wq.Or(
            [
                _all_of("title_ngram", grams, boost=2.0),
                _all_of("alias_ngram", grams),
                wq.Term("first_ngram", grams[0], boost=3.0),
            ]
        )
        with whoosh._searcher() as (searcher, local):
            mine = _rank(searcher, local, q, None, 40)
            results = searcher.search(q, limit=None, optimize=False)
            ref = sorted(((hit.docnum, float(hit.score)) for hit in results), key=lambda item: (-item[1], item[0]))
            _same_ranking(mine, ref[:40])


def test_an_approval_reads_only_its_own_segment_again(whoosh, monkeypatch):
    from wiki.search import whoosh_backend

    docs = _corpus(random.Random(12), 200)
    whoosh.rebuild(docs)
    before = whoosh.search("fever cough")
    reads = []
    real = whoosh_backend.read_postings

    def counting(leaf, fieldname, text):
        reads.append(leaf.doc_count_all())
        return real(leaf, fieldname, text)

    monkeypatch.setattr(whoosh_backend, "read_postings", counting)
    whoosh.index([SearchDocument(500, "invented-500", "Fever clinic", (), (), (), "fever and cough at night")])
    after = whoosh.search("fever cough")
    assert after.total == before.total + 1
    assert reads and set(reads) == {1}  # the new one-article segment only; the big one was remembered
    with whoosh._searcher() as (searcher, local):
        assert len(searcher.reader().leaf_readers()) == 2
