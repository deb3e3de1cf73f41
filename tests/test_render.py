"""Tests for wiki.render: the Markdown dialect and what render() returns.

Pure functions only: the database is a set of existing slugs. XSS lives in
tests/test_sanitize.py.
"""

from __future__ import annotations

import pytest

from wiki import articles, render
from wiki.errors import InvalidInput

EXISTING = {"angina-pectoris", "myocardial-infarction", "asthma"}


def exists(slug: str) -> bool:
    return slug in EXISTING


def html_of(text: str) -> str:
    return render.render(text, link_exists=exists).html


# --- Headings and the table of contents. --------------------------------------

def test_headings_get_prefixed_ids() -> None:
    out = html_of("# Top\n\n## Symptoms\n\n### Chest pain\n\n#### Radiation")
    assert '<h1 id="s-top">Top</h1>' in out
    assert '<h2 id="s-symptoms">Symptoms</h2>' in out
    assert '<h3 id="s-chest-pain">Chest pain</h3>' in out
    assert '<h4 id="s-radiation">Radiation</h4>' in out


def test_repeated_headings_get_distinct_ids() -> None:
    out = html_of("## Causes\n\n## Causes")
    assert 'id="s-causes"' in out and 'id="s-causes_1"' in out


def test_toc_lists_h2_and_h3_with_anchors() -> None:
    text = "# Title\n\n## Symptoms\n\n### Pain\n\n## Causes\n\n#### Deep"
    rendered = render.render(text, link_exists=exists)
    assert rendered.toc.startswith('<div class="toc">')
    assert '<a href="#s-symptoms">Symptoms</a>' in rendered.toc
    assert '<a href="#s-pain">Pain</a>' in rendered.toc
    assert '<a href="#s-causes">Causes</a>' in rendered.toc
    assert "s-title" not in rendered.toc and "s-deep" not in rendered.toc
    assert "toc" not in rendered.html  # the TOC is not part of the body


@pytest.mark.parametrize("text", ["", "No headings.", "## One\n\n## Two", "# A\n\n# B\n\n# C\n\n## Only"])
def test_toc_is_empty_with_fewer_than_three_entries(text: str) -> None:
    assert render.render(text, link_exists=exists).toc == ""


def test_toc_marker_is_not_special() -> None:
    assert "[TOC]" in html_of("[TOC]\n\n## A\n\n## B\n\n## C")


def test_heading_id_matches_the_ids_headings_get() -> None:
    assert render.heading_id("Chest pain") == "s-chest-pain"
    assert f'id="{render.heading_id("Symptômes")}"' in html_of("## Symptômes")


# --- Tables, footnotes, code, lists. ---------------------------------------------

def test_tables_align_with_classes_not_style() -> None:
    out = html_of("| Drug | Dose | Max |\n|:-----|:----:|----:|\n| Aspirin | 75 mg | 4 g |")
    assert '<th class="align-left">Drug</th>' in out
    assert '<th class="align-center">Dose</th>' in out
    assert '<td class="align-right">4 g</td>' in out
    assert "style" not in out and "align=" not in out


def test_footnotes_link_both_ways() -> None:
    out = html_of("Aspirin helps.[^trial]\n\n[^trial]: An invented trial.")
    assert '<sup id="fnref:trial"><a class="footnote-ref" href="#fn:trial">1</a></sup>' in out
    assert '<div class="footnote">' in out
    assert '<li id="fn:trial">' in out
    assert 'class="footnote-backref" href="#fnref:trial"' in out


def test_fenced_code_is_escaped_and_left_alone() -> None:
    out = html_of("```python\nif dose > 4 and x < 2: [[Foo]] PMID: 1\n```")
    assert "<pre><code>if dose &gt; 4 and x &lt; 2: [[Foo]] PMID: 1\n</code></pre>" in out


def test_sane_lists_keep_list_types_apart() -> None:
    out = html_of("1. one\n2. two\n\n* bullet\n\n3. three")
    assert out.count("<ol") == 2 and out.count("<ul>") == 1
    assert '<ol start="3">' in out


def test_image_syntax_is_left_as_text() -> None:
    out = html_of("![scan](https://example.org/scan.png)")
    assert "<img" not in out and "![scan]" in out


def test_external_links_are_nofollow_and_internal_links_are_not() -> None:
    out = html_of("[guideline](https://example.org/g) and [local](/wiki/asthma)")
    assert '<a href="https://example.org/g" rel="nofollow noopener">guideline</a>' in out
    assert '<a href="/wiki/asthma">local</a>' in out


def test_autolinks_work() -> None:
    out = html_of("<https://example.org/a?b=1&c=2>")
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">' in out


def test_less_than_signs_read_as_text_everywhere() -> None:
    out = html_of("eGFR<30 and x<y here, `a<b` there\n\n    if a<b:\n")
    assert "eGFR&lt;30 and x&lt;y here" in out
    assert "<code>a&lt;b</code>" in out
    assert "<pre><code>if a&lt;b:" in out


# --- Wiki links. -------------------------------------------------------------------

def test_existing_wiki_link_is_a_plain_link() -> None:
    out = html_of("[[Angina pectoris]]")
    assert '<a class="wikilink" href="/wiki/angina-pectoris">Angina pectoris</a>' in out


def test_missing_wiki_link_invites_creation() -> None:
    out = html_of("[[Pericarditis]]")
    assert ('<a class="wikilink new" href="/new?title=Pericarditis" title="Create this article">'
            "Pericarditis</a>") in out


def test_wiki_link_label() -> None:
    out = html_of("[[Angina pectoris|angina]]")
    assert '<a class="wikilink" href="/wiki/angina-pectoris">angina</a>' in out
    assert ">Heart attack</a>" in html_of("[[Myocardial infarction|Heart attack]]")


def test_empty_label_falls_back_to_title() -> None:
    assert ">Asthma</a>" in html_of("[[Asthma|]]")


def test_wiki_link_slug_follows_the_slug_rule() -> None:
    rendered = render.render("[[Myocardial  Infarction]] [[Ménière's disease]]", link_exists=exists)
    assert '<a class="wikilink" href="/wiki/myocardial-infarction">' in rendered.html
    assert 'href="/new?title=M%C3%A9ni%C3%A8re%27s%20disease"' in rendered.html
    assert rendered.links == {"myocardial-infarction", articles.slugify("Ménière's disease")}


def test_links_lists_every_target_once() -> None:
    rendered = render.render("[[Asthma]] [[asthma|it]] [[Pericarditis]] [[Angina pectoris#Treatment]]",
                             link_exists=exists)
    assert rendered.links == frozenset({"asthma", "pericarditis", "angina-pectoris"})


def test_wiki_links_in_code_are_not_links() -> None:
    rendered = render.render("`[[Asthma]]`\n\n```\n[[Pericarditis]]\n```\n\n    [[Angina pectoris]]",
                             link_exists=exists)
    assert "wikilink" not in rendered.html
    assert rendered.links == frozenset()


def test_section_links() -> None:
    out = html_of("[[Asthma#Acute attack|attacks]] [[#Causes|above]]")
    assert '<a class="wikilink" href="/wiki/asthma#s-acute-attack">attacks</a>' in out
    assert '<a class="wikilink" href="#s-causes">above</a>' in out


@pytest.mark.parametrize("text", ["[[<b>]]", "[[ ]]", "[[Foo{1}]]", "[[" + "x" * 201 + "]]"])
def test_titles_no_one_could_create_stay_as_text(text: str) -> None:
    rendered = render.render(text, link_exists=exists)
    assert "<a" not in rendered.html
    assert rendered.links == frozenset()


def test_url_builders_are_used() -> None:
    rendered = render.render(
        "[[Asthma]] [[Croup]]",
        link_exists=exists,
        article_url=lambda slug: f"/a/{slug}.html",
        new_url=lambda title: f"/create/{title.lower()}",
    )
    assert 'href="/a/asthma.html"' in rendered.html
    assert 'href="/create/croup"' in rendered.html


def test_default_urls() -> None:
    assert render.default_article_url("asthma") == "/wiki/asthma"
    assert render.default_new_url("Heart & lung?") == "/new?title=Heart%20%26%20lung%3F"


# --- PMID and DOI. -----------------------------------------------------------------

@pytest.mark.parametrize("text", ["PMID: 29955311", "PMID 29955311", "PMID:29955311"])
def test_pmid_links_to_pubmed(text: str) -> None:
    assert (f'<a class="pmid" href="https://pubmed.ncbi.nlm.nih.gov/29955311/" rel="nofollow noopener">'
            f"{text}</a>") in html_of(f"See {text}.")


@pytest.mark.parametrize("text", ["doi:10.1093/eurheartj/ehy462", "DOI: 10.1093/eurheartj/ehy462",
                                  "DOI:10.1093/eurheartj/ehy462"])
def test_doi_links_to_doi_org(text: str) -> None:
    out = html_of(f"See {text}.")
    assert (f'<a class="doi" href="https://doi.org/10.1093/eurheartj/ehy462" rel="nofollow noopener">'
            f"{text}</a>.") in out


def test_doi_trailing_punctuation_is_not_part_of_it() -> None:
    out = html_of("(doi:10.1000/xyz123), doi:10.1000/abc; doi:10.1016/S0140-6736(20)30183-5.")
    assert 'href="https://doi.org/10.1000/xyz123"' in out
    assert 'href="https://doi.org/10.1000/abc"' in out
    assert 'href="https://doi.org/10.1016/S0140-6736(20)30183-5"' in out


def test_doi_is_url_quoted() -> None:
    out = html_of("doi:10.1000/a#b?c%d&e")
    assert 'href="https://doi.org/10.1000/a%23b%3Fc%25d%26e"' in out


def test_pmid_inside_a_markdown_link_does_not_nest_links() -> None:
    out = html_of("[trial PMID: 123](https://example.org/t)")
    assert out.count("<a ") == 1


@pytest.mark.parametrize("text", ["PMID:", "PMID: abc", "XPMID: 1", "PMID: 12345678901",
                                  "doi:10.1/x", "doi:11.1000/x"])
def test_things_that_are_not_references(text: str) -> None:
    assert "<a" not in html_of(text)


# --- Front matter, fragments, Unicode, determinism. --------------------------------

FRONT = "---\naliases: [Heart attack, MI]\nicd10: [i21]\ncategories: [Cardiology]\n---\n**MI** is common.\n"


def test_front_matter_is_returned_not_shown() -> None:
    rendered = render.render(FRONT, link_exists=exists)
    assert rendered.html == "<p><strong>MI</strong> is common.</p>"
    assert rendered.front_matter == articles.FrontMatter(
        aliases=("Heart attack", "MI"), icd10=("I21",), categories=("Cardiology",))


def test_no_front_matter_gives_empty_front_matter() -> None:
    assert render.render("text", link_exists=exists).front_matter == articles.FrontMatter()


@pytest.mark.parametrize("text", ["---\naliases: [unclosed\n---\nx", "---\n- a list\n---\nx",
                                  "---\na: " + "[" * 3000 + "\n---\nx"])
def test_invalid_front_matter_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        render.render(text, link_exists=exists)


def test_render_fragment_has_no_front_matter_or_toc() -> None:
    out = render.render_fragment("---\ntitle: x\n---\n## A\n\n## B\n\n## C\n\n[[Asthma]]", link_exists=exists)
    assert out.startswith("<hr>")
    assert 'class="toc"' not in out
    assert '<a class="wikilink" href="/wiki/asthma">Asthma</a>' in out


def test_render_fragment_links_are_red_unless_told_otherwise() -> None:
    assert 'class="wikilink new"' in render.render_fragment("[[Asthma]]")


def test_unicode_text_survives() -> None:
    out = html_of("## Συμπτώματα\n\nΠόνος στο στήθος — 胸痛 — ألم الصدر 🫀\n\n[[Ménière's disease|Ménière]]")
    assert '<h2 id="s-συμπτώματα">Συμπτώματα</h2>' in out
    assert "Πόνος στο στήθος — 胸痛 — ألم الصدر 🫀" in out
    assert ">Ménière</a>" in out


def test_rendering_is_deterministic() -> None:
    text = FRONT + "\n## A\n\n## B\n\n### C\n\nx[^1] [[Asthma]] PMID: 1\n\n[^1]: n\n"
    first = render.render(text, link_exists=exists)
    assert all(render.render(text, link_exists=exists) == first for _ in range(3))


def test_rendered_is_frozen() -> None:
    rendered = render.render("x", link_exists=exists)
    with pytest.raises(AttributeError):
        rendered.html = "<script>"  # type: ignore[misc]


# --- Hostile sizes: these took minutes before the limits in render.py. ---------------

@pytest.mark.parametrize("text", [
    "[" * 5000, "[[" * 5000, "[a](" * 5000, "[a][" * 5000, "x<y " * 5000, '<a b="' * 5000, "<a\n" * 5000,
])
def test_pathological_inline_text_renders_as_text(text: str) -> None:
    out = html_of(text)
    assert out.startswith("<p>") and "<a" not in out


def test_deep_nesting_falls_back_to_preformatted_source() -> None:
    text = "> " * (render.MAX_NESTING + 10) + "deep"
    rendered = render.render(text, link_exists=exists)
    assert rendered.html.startswith("<pre>&gt; &gt;")
    assert rendered.html.endswith("deep</pre>")


def test_long_paragraphs_lose_inline_markup_but_keep_text() -> None:
    text = "*word* " * (render.MAX_INLINE_CHARS // 7 + 1)
    out = html_of(text)
    assert "<em>" not in out and out.count("*word*") > 1000
