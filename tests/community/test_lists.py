"""Lists: what links here, wanted articles, random article, no references, stale reviews."""

from __future__ import annotations

import random
from datetime import timedelta

from wiki import lists, review
from wiki.models import utcnow


def test_what_links_here_follows_slugs_and_aliases(cast, store):
    s = cast.session
    by_title = store.article("Bronchitis", "Unlike [[Asthma]], it is an infection.\n", cast.reviewer)
    by_alias = store.article("Allergy", "Often with [[Wheezy chest|a wheezy chest]].\n", cast.reviewer)
    store.article("Gout", "A painful arthritis.\n", cast.reviewer)
    assert [a.title for a in lists.what_links_here(s, cast.article)] == ["Allergy", "Bronchitis"]
    assert lists.what_links_here(s, by_alias) == []
    assert by_title.id


def test_wanted_articles_are_red_links_most_linked_first(cast, store):
    s = cast.session
    store.article("Bronchitis", "See [[Chest pain]] and [[Cough]] and [[Asthma]].\n", cast.reviewer)
    store.article("Pneumonia", "See [[Cough]] and [[Fever]].\n", cast.reviewer)
    store.article("Croup", "A [[cough]] in children.\n", cast.reviewer)
    wanted = lists.wanted_articles(s)
    assert [(w.slug, w.title, w.count) for w in wanted] == [
        ("cough", "Cough", 3), ("chest-pain", "Chest pain", 1), ("fever", "Fever", 1)]
    assert [w.slug for w in lists.wanted_articles(s, limit=1)] == ["cough"]
    store.article("Cough", "A reflex.\n", cast.reviewer)
    assert [w.slug for w in lists.wanted_articles(s)] == ["chest-pain", "fever"]


def test_random_article(cast, store):
    s = cast.session
    gout = store.article("Gout", "A painful arthritis.\n", cast.reviewer)
    seen = {lists.random_article(s, rng=random.Random(seed)).id for seed in range(40)}
    assert seen == {cast.article.id, gout.id}


def test_random_article_on_an_empty_wiki(store):
    assert lists.random_article(store.session) is None


def test_articles_without_references_look_at_what_readers_see(cast, store):
    s = cast.session
    store.article("Gout", "A painful arthritis (PMID: 12345678).\n", cast.reviewer)
    store.article("Croup", "A cough in children; doi:10.1000/xyz123.\n", cast.reviewer)
    store.article("Fever", "A raised temperature.\n", cast.reviewer)
    assert [a.title for a in lists.articles_without_references(s)] == ["Asthma", "Fever"]
    # a pending edit adding a reference does not count until it is approved
    rev = cast.edit(cast.editor, "A long-term lung condition. PMID: 29955311\n")
    assert [a.title for a in lists.articles_without_references(s)] == ["Asthma", "Fever"]
    review.approve(s, rev.id, reviewer=cast.reviewer)
    assert [a.title for a in lists.articles_without_references(s, limit=5)] == ["Fever"]


def test_stale_reviews(cast, store):
    s = cast.session
    later = utcnow() + timedelta(days=400)
    assert lists.stale_reviews(s) == []
    rev = cast.edit(cast.editor, "A long-term lung condition.\n")
    stale = lists.stale_reviews(s, now=later)
    assert [(x.article.title, x.reviewed_at is not None) for x in stale] == [("Asthma", True)]
    review.approve(s, rev.id, reviewer=cast.reviewer)
    assert lists.stale_reviews(s, now=later, older_than=timedelta(days=500)) == []
    never = store.article("Gout", "A painful arthritis.\n", cast.editor)  # an editor's article: unreviewed
    assert never.stable_revision_id is None
    stale = lists.stale_reviews(s, now=later)
    assert [(x.article.title, x.reviewed_at) for x in stale][-1] == ("Gout", None)
