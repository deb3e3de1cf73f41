"""Every article, every category, one category."""

from __future__ import annotations

from tests.views.conftest import ASTHMA


def _gout(wiki):
    return wiki.article("Gout", "---\ncategories: [Rheumatology, Joints]\n---\n**Gout** is arthritis.\n")


def test_articles_lists_all_alphabetically_with_total(client, wiki):
    _gout(wiki)
    wiki.article("Asthma", ASTHMA)
    response = client.get("/articles")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 articles" in body
    assert body.index("/wiki/asthma") < body.index("/wiki/gout")


def test_articles_pages(client, wiki, monkeypatch):
    from wiki.views import browse

    monkeypatch.setattr(browse, "PAGE_SIZE", 1)
    _gout(wiki)
    wiki.article("Asthma", ASTHMA)
    first = client.get("/articles").get_data(as_text=True)
    assert "/wiki/asthma" in first and "/wiki/gout" not in first and "page=2" in first
    second = client.get("/articles?page=2").get_data(as_text=True)
    assert "/wiki/gout" in second and "Page 2 of 2" in second
    assert client.get("/articles?page=3").status_code == 404
    assert client.get("/articles?page=abc").status_code == 200


def test_articles_when_empty(client):
    response = client.get("/articles")
    assert response.status_code == 200 and "0 articles" in response.get_data(as_text=True)


def test_categories_with_counts(client, wiki):
    _gout(wiki)
    wiki.article("Asthma", ASTHMA)
    body = client.get("/categories").get_data(as_text=True)
    assert 'href="/category/rheumatology"' in body and "Rheumatology" in body
    assert "Respiratory" in body and "(1 article)" in body


def test_category_lists_its_articles(client, wiki):
    _gout(wiki)
    wiki.article("Asthma", ASTHMA)
    response = client.get("/category/rheumatology")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rheumatology" in body and "/wiki/gout" in body and "/wiki/asthma" not in body
    assert client.get("/category/Rheumatology").status_code == 200


def test_unknown_category_is_404(client):
    assert client.get("/category/astrology").status_code == 404
