"""Rendering: article Markdown to safe HTML, and the one HTML sanitizer.

Owns the Markdown dialect (tables, footnotes, fenced code, sane lists, heading
ids and a table of contents, ``[[wiki links]]``, ``PMID:``/``doi:`` links) and
``sanitize``, the only place HTML is cleaned, with its allowlist beside it.

Pure functions: no Flask, no database. The database is seen only through the
``link_exists`` callable, so red links can be tested with a ``set``. Output is
deterministic (same text, same HTML) because it is stored per revision.
"""

from __future__ import annotations

import html
import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlsplit

import bleach
import markdown
import nh3
from bleach.html5lib_shim import Filter
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import (
    LINK_RE,
    REFERENCE_RE,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from wiki import articles
from wiki.errors import InvalidInput

# --- The allowlist: the one definition both bleach and nh3 enforce. ---------

ALLOWED_TAGS: Final[frozenset[str]] = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td",
    "a", "em", "strong", "code", "pre", "blockquote",
    "sup", "sub", "abbr", "del", "ins", "div", "span",
})

# Attributes allowed per tag; "*" applies to every tag. ``class``, ``id`` and
# ``rel`` are further restricted by value (ALLOWED_CLASSES, _ID_RULES, EXTERNAL_REL).
ALLOWED_ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "a": frozenset({"href", "title", "class", "rel"}),
    "abbr": frozenset({"title"}),
    "ol": frozenset({"start"}),
    "th": frozenset({"class"}),
    "td": frozenset({"class"}),
    "div": frozenset({"class"}),
    "span": frozenset({"class"}),
    "sup": frozenset({"id"}),
    "li": frozenset({"id"}),
    **{f"h{level}": frozenset({"id"}) for level in range(1, 7)},
}

# Every class name the renderer emits, per tag; any other class drops the attribute.
ALLOWED_CLASSES: Final[dict[str, frozenset[str]]] = {
    "a": frozenset({"wikilink", "new", "footnote-ref", "footnote-backref", "pmid", "doi"}),
    "div": frozenset({"footnote", "toc"}),
    "span": frozenset({"wikilink-invalid"}),
    "th": frozenset({"align-left", "align-center", "align-right"}),
    "td": frozenset({"align-left", "align-center", "align-right"}),
}

ALLOWED_PROTOCOLS: Final[frozenset[str]] = frozenset({"http", "https", "mailto"})

# Heading ids carry a prefix so that no id a user can cause equals a JavaScript
# identifier: ``<h2 id="location">`` would otherwise clobber ``window.location``-style
# named properties (DOM clobbering). Footnote ids from the footnotes extension
# ("fn:1", "fnref:1", "fnref2:1") contain a colon, so they are safe as they are.
HEADING_ID_PREFIX: Final[str] = "s-"
_ID_RULES: Final[dict[str, re.Pattern[str]]] = {
    "li": re.compile(r"fn:\S+\Z"),
    "sup": re.compile(r"fnref\d*:\S+\Z"),
    **{f"h{level}": re.compile(re.escape(HEADING_ID_PREFIX) + r"\S*\Z") for level in range(1, 7)},
}

# rel for links that leave the wiki: no ranking credit for spam, no window.opener.
EXTERNAL_REL: Final[str] = "nofollow noopener"

PUBMED_URL: Final[str] = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
DOI_URL: Final[str] = "https://doi.org/{doi}"

# Tab, newline and carriage return are removed from URLs by browsers wherever they sit.
_URL_INVISIBLES = re.compile(r"[\t\n\r]")
# Stricter, for scheme checks: every control character and whitespace.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")


def _is_attribute_allowed(tag: str, name: str, value: str) -> bool:
    """The allowlist as a predicate, shared by the bleach and nh3 passes."""
    if name not in ALLOWED_ATTRIBUTES.get(tag, ()) and name not in ALLOWED_ATTRIBUTES.get("*", ()):
        return False
    if name == "class":
        names = value.split()
        return bool(names) and all(n in ALLOWED_CLASSES.get(tag, ()) for n in names)
    if name == "id":
        rule = _ID_RULES.get(tag)
        return rule is not None and rule.match(value) is not None
    if name == "rel":
        return value == EXTERNAL_REL
    if name == "start":
        return value.isdigit() and len(value) <= 9
    if name == "href":
        return _has_allowed_scheme(value)
    return True


def _has_allowed_scheme(url: str) -> bool:
    """Whether ``url`` is relative or http/https/mailto, even if decoded once more.

    bleach and nh3 check the scheme of the attribute as parsed; this also
    refuses "javascript&colon;..." in case some consumer unescapes twice.
    """
    decoded = _URL_IGNORED.sub("", html.unescape(url))
    match = _URL_SCHEME.match(decoded)
    return match is None or match.group(1).lower() in ALLOWED_PROTOCOLS


def _is_external(href: str) -> bool:
    """Whether ``href`` leaves the wiki (has a scheme or a host)."""
    # Browsers read "\" as "/" in http URLs, so "\\evil.example" is a host too.
    cleaned = _URL_INVISIBLES.sub("", href).strip().replace("\\", "/")
    return cleaned.startswith("//") or bool(urlsplit(cleaned).scheme)


class _ExternalLinkRel(Filter):
    """Set ``rel`` on external links and remove it from internal ones (bleach filter)."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attrs = dict(token["data"])
                attrs.pop((None, "rel"), None)
                href = attrs.get((None, "href"))
                if href is not None and _is_external(href):
                    attrs[(None, "rel")] = EXTERNAL_REL
                token["data"] = attrs
            yield token


_EtreeWalker = bleach.html5lib_shim.getTreeWalker("etree")


class _IndexedEtreeWalker(_EtreeWalker):
    """html5lib's etree walker without its quadratic step.

    The stock ``getParentNode`` finds an element's position with
    ``list(grandparent).index(parent)`` on every step back up the tree, so a
    20,000-row table took 25 s to sanitize. Same walk, positions looked up once
    per parent. (bleach is frozen at end of life, so this internal cannot move.)
    """

    def __init__(self, tree):
        super().__init__(tree)
        self._positions: dict[int, dict[int, int]] = {}

    def getParentNode(self, node):  # noqa: N802 (html5lib's API)
        if isinstance(node, tuple) and node[3] != "text" and len(node[2]) > 1:
            parents = node[2]
            parent = parents.pop()
            grandparent = parents[-1]
            positions = self._positions.get(id(grandparent))
            if positions is None:
                positions = {id(child): i for i, child in enumerate(grandparent)}
                self._positions[id(grandparent)] = positions
            return parent, positions[id(parent)], parents, None
        return super().getParentNode(node)


_bleach_local = threading.local()


def _bleach_cleaner() -> bleach.sanitizer.Cleaner:
    # bleach's Cleaner keeps parser state, so each thread gets its own.
    cleaner = getattr(_bleach_local, "cleaner", None)
    if cleaner is None:
        cleaner = bleach.sanitizer.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=_is_attribute_allowed,
            protocols=ALLOWED_PROTOCOLS,
            strip=False,  # show disallowed markup as text rather than silently drop it
            strip_comments=True,
            filters=[_ExternalLinkRel],
        )
        cleaner.walker = _IndexedEtreeWalker
        _bleach_local.cleaner = cleaner
    return cleaner


def _nh3_attribute_filter(tag: str, name: str, value: str) -> str | None:
    return value if _is_attribute_allowed(tag, name, value) else None


_NH3_CLEANER: Final = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_nh3_attribute_filter,
    strip_comments=True,
    link_rel=None,  # rel is allowed as an attribute (external links only), set by the bleach pass
    url_schemes=set(ALLOWED_PROTOCOLS),
)


def _clean_with_bleach(html_text: str) -> str:
    return _bleach_cleaner().clean(html_text)


def _clean_with_nh3(html_text: str) -> str:
    return _NH3_CLEANER.clean(html_text)


# html5lib (inside bleach) checks the whole stack of open elements for each
# block start tag, so 5,000 nested <div>s took 4 s and time grows with the
# square of the depth. Markup nested deeper than this is shown as text.
MAX_NESTING: Final[int] = 128
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID_TAGS: Final[frozenset[str]] = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
    "param", "source", "track", "wbr", "keygen", "image", "frame", "basefont",
})


def _is_nested_too_deep(html_text: str) -> bool:
    """Whether tags in ``html_text`` may nest past MAX_NESTING (an over-estimate)."""
    depth = 0
    for m in _TAG_TOKEN.finditer(html_text):
        if m.group(1):
            depth = max(depth - 1, 0)
        elif m.group(2).lower() not in _VOID_TAGS:
            depth += 1
            if depth > MAX_NESTING:
                return True
    return False


def sanitize(html_text: str) -> str:
    """Return ``html_text`` reduced to the allowlist: bleach first, then nh3.

    bleach is past end of life, so a payload must also get through nh3 (Ammonia),
    which enforces the same allowlist with a different HTML parser.
    """
    if _is_nested_too_deep(html_text):
        html_text = html.escape(html_text, quote=False)
    return _clean_with_nh3(_clean_with_bleach(html_text))


# --- Markdown extensions. ----------------------------------------------------


def default_article_url(slug: str) -> str:
    """Return the path of the article ``slug``."""
    return "/wiki/" + quote(slug, safe="")


def default_new_url(title: str) -> str:
    """Return the path of the form that creates an article called ``title``."""
    return "/new?title=" + quote(title, safe="")


def heading_id(text: str, separator: str = "-") -> str:
    """Return the id a heading with ``text`` gets (before de-duplication)."""
    return HEADING_ID_PREFIX + slugify_unicode(text, separator)


# [[Title]], [[Title|label]], [[Title#Section]]; no brackets or newlines inside.
_WIKILINK_RE = r"\[\[([^\[\]|\n]*)(?:\|([^\[\]\n]*))?\]\]"


class _WikiLinkProcessor(InlineProcessor):
    # A wiki link inside a Markdown link would nest <a> in <a>.
    ANCESTOR_EXCLUDES = ("a",)

    def __init__(self, pattern: str, ext: _WikiExtension) -> None:
        super().__init__(pattern)
        self.ext = ext

    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802 (Markdown's API)
        target = m.group(1).replace(_DEFUSED_LT, "<")
        label = m.group(2).replace(_DEFUSED_LT, "<") if m.group(2) is not None else None
        page, _, section = target.partition("#")
        label = " ".join((label or "").split()) or " ".join(target.split())
        fragment = "#" + heading_id(section.strip()) if section.strip() else ""
        if not page.strip():
            if not fragment:
                return self._invalid(m)
            return self._link(fragment, label, "wikilink"), m.start(0), m.end(0)
        try:
            title = articles.normalize_title(page)
        except InvalidInput:
            return self._invalid(m)
        slug = articles.slugify(title)
        self.ext.links.add(slug)
        if self.ext.link_exists(slug):
            el = self._link(self.ext.article_url(slug) + fragment, label, "wikilink")
        else:
            el = self._link(self.ext.new_url(title), label, "wikilink new")
            el.set("title", "Create this article")
        return el, m.start(0), m.end(0)

    @staticmethod
    def _link(href: str, label: str, css_class: str) -> etree.Element:
        el = etree.Element("a")
        el.set("href", href)
        el.set("class", css_class)
        el.text = AtomicString(label)  # the label is plain text, never more markup
        return el

    @staticmethod
    def _invalid(m: re.Match[str]):
        # Not a title anyone could create ([[<b>]], [[]]): show what was typed, as text.
        el = etree.Element("span")
        el.set("class", "wikilink-invalid")
        el.text = AtomicString(m.group(0))
        return el, m.start(0), m.end(0)


_PMID_RE = r"(?<![\w/.-])PMID(?::[ \t]?|[ \t])(\d{1,9})(?!\d)"
# A DOI runs to the next space or quote; the caller trims trailing punctuation.
_DOI_RE = r"(?<![\w/.-])(?i:doi):[ \t]?(10\.\d{4,9}/[^\s\"<>\x02\x03\ue000]+)"
_DOI_TRAILING = ".,;:!?'*_"
_DOI_SAFE = "/():;"


def _trim_doi(doi: str) -> str:
    """Drop trailing punctuation that belongs to the sentence, not the DOI."""
    while doi:
        last = doi[-1]
        if last in _DOI_TRAILING:
            doi = doi[:-1]
        elif last in ")]}" and doi.count(last) > doi.count({")": "(", "]": "[", "}": "{"}[last]):
            doi = doi[:-1]
        else:
            break
    return doi


class _PmidProcessor(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802
        el = etree.Element("a")
        el.set("href", PUBMED_URL.format(pmid=int(m.group(1))))
        el.set("class", "pmid")
        el.text = AtomicString(m.group(0))
        return el, m.start(0), m.end(0)


class _DoiProcessor(InlineProcessor):
    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802
        doi = _trim_doi(m.group(1))
        if "/" not in doi or doi.endswith("/"):
            return None, None, None
        end = m.start(1) + len(doi)
        el = etree.Element("a")
        el.set("href", DOI_URL.format(doi=quote(doi, safe=_DOI_SAFE)))
        el.set("class", "doi")
        el.text = AtomicString(data[m.start(0):end])
        return el, m.start(0), end


class _TableAlignClasses(Treeprocessor):
    """Turn the tables extension's ``align`` attributes into classes (style is not allowed)."""

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if el.tag not in ("th", "td"):
                continue
            align = el.attrib.pop("align", None)
            if align in ("left", "center", "right"):
                el.set("class", f"align-{align}")


# Python-Markdown's inline parsing is quadratic in places (Python-Markdown
# issue #798): every match rebuilds the paragraph string, and the link
# parsers rescan to the end of the paragraph for each "[" or "(". An editor
# could stall a worker for minutes with 40 kB of "[[[[". So: text runs longer
# than MAX_INLINE_CHARS get no inline markup, and link parsing gives up past
# MAX_BRACKET_DEPTH nested brackets or MAX_LINK_TAIL characters of "(...)",
# as cmark limits nesting. No real article comes near these limits.
MAX_INLINE_CHARS: Final[int] = 20_000
MAX_BRACKET_DEPTH: Final[int] = 32
MAX_LINK_TAIL: Final[int] = 2_048
_BRACKETS = re.compile(r"[\[\]]")
_PARENS = re.compile(r"[()]")


class _InlineSizeLimit(Treeprocessor):
    """Mark over-long text runs as plain text so inline patterns skip them."""

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if isinstance(el.text, str) and len(el.text) > MAX_INLINE_CHARS:
                el.text = AtomicString(el.text)
            if isinstance(el.tail, str) and len(el.tail) > MAX_INLINE_CHARS:
                el.tail = AtomicString(el.tail)


class _BoundedLinkParsing:
    """Link text and destination scanning with the limits above (mixin)."""

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802 (Markdown's API)
        depth = 1
        for m in _BRACKETS.finditer(data, index):
            depth += 1 if m.group() == "[" else -1
            if depth == 0:
                return data[index:m.start()], m.end(), True
            if depth > MAX_BRACKET_DEPTH:
                break
        return "", index, False

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        window = data[index:index + MAX_LINK_TAIL]
        depth = 0
        for m in _PARENS.finditer(window):
            depth += 1 if m.group() == "(" else -1
            if depth <= 0:
                break
            if depth > MAX_BRACKET_DEPTH:
                window = window[:m.start()]
                break
        href, title, end, handled = super().getLink(window, 0)  # type: ignore[misc]
        return href, title, index + end, handled


class _Link(_BoundedLinkParsing, LinkInlineProcessor):
    pass


class _Reference(_BoundedLinkParsing, ReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedLinkParsing, ShortReferenceInlineProcessor):
    pass


class _WikiExtension(Extension):
    """Wiki links, PMID/DOI links and table alignment classes; collects link targets."""

    def __init__(self, *, link_exists: Callable[[str], bool], article_url: Callable[[str], str],
                 new_url: Callable[[str], str]) -> None:
        super().__init__()
        self.link_exists, self.article_url, self.new_url = link_exists, article_url, new_url
        self.links: set[str] = set()

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # No images for now: drop the image syntax rather than emit <img> for
        # the sanitizer to escape; "![x](y)" stays as the author typed it.
        for name in ("image_link", "image_reference", "short_image_ref"):
            md.inlinePatterns.deregister(name, strict=False)
        # Same names and priorities as Python-Markdown's own link processors.
        md.inlinePatterns.register(_Reference(REFERENCE_RE, md), "reference", 170)
        md.inlinePatterns.register(_Link(LINK_RE, md), "link", 160)
        md.inlinePatterns.register(_ShortReference(REFERENCE_RE, md), "short_reference", 130)
        # After code spans (190) and escapes (180), before Markdown links so
        # [[...]] is not read as a reference link, and before raw HTML (90) and
        # emphasis so a title or DOI is taken whole.
        md.inlinePatterns.register(_WikiLinkProcessor(_WIKILINK_RE, self), "wikilink", 175)
        md.inlinePatterns.register(_PmidProcessor(_PMID_RE), "pmid", 115)
        md.inlinePatterns.register(_DoiProcessor(_DOI_RE), "doi", 114)
        # Before the inline treeprocessor (20).
        md.treeprocessors.register(_InlineSizeLimit(md), "inline_size_limit", 25)
        md.treeprocessors.register(_TableAlignClasses(md), "table_align_classes", 1)


# Python-Markdown finds raw HTML with the stdlib's html.parser, whose start-tag
# regex rescans to the next ">" for every "<" + letter that does not end: 40 kB
# of "x<y " took 16 s. So every "<" that does not open a well-formed tag (or
# autolink) within MAX_TAG_CHARS is swapped for a private-use placeholder before
# Markdown runs, and written back as "&lt;" afterwards: the reader sees the same
# "<", in prose and in code alike, and html.parser never rescans it.
MAX_TAG_CHARS: Final[int] = 1_024
_DEFUSED_LT: Final[str] = "\ue000"
_TAG_CANDIDATE = re.compile(r"<[A-Za-z]")
_WELL_FORMED_TAG = re.compile(r"""
    <[A-Za-z][A-Za-z0-9-]*+
    (?>\s++[A-Za-z_:][A-Za-z0-9_.:-]*+
        (?>\s*+=\s*+(?>[^\s"'=<>`]++|'[^']*+'|"[^"]*+"))?
    )*+
    \s*+/?>
  | <[^\s<>]*+>
""", re.VERBOSE)


def _defuse_runaway_tags(text: str) -> str:
    """Replace each "<" that starts no complete tag with the placeholder."""
    text = text.replace(_DEFUSED_LT, "\ufffd")  # a placeholder typed by the author means nothing
    runaway = [
        m.start() for m in _TAG_CANDIDATE.finditer(text)
        if not _WELL_FORMED_TAG.match(text, m.start(), m.start() + MAX_TAG_CHARS)
    ]
    if not runaway:
        return text
    parts, last = [], 0
    for pos in runaway:
        parts.append(text[last:pos])
        parts.append(_DEFUSED_LT)
        last = pos + 1
    parts.append(text[last:])
    return "".join(parts)


MIN_TOC_HEADINGS: Final[int] = 3


def _markdown(ext: _WikiExtension) -> markdown.Markdown:
    # A fresh instance per call: Markdown objects keep per-document state and
    # are not thread-safe.
    return markdown.Markdown(
        extensions=["tables", "footnotes", "fenced_code", "sane_lists", "toc", ext],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {"marker": "", "toc_depth": "2-3", "slugify": heading_id, "toc_class": "toc"},
        },
        output_format="html",
    )


def _count_toc_entries(tokens: list[dict]) -> int:
    return sum(1 + _count_toc_entries(t.get("children", [])) for t in tokens)


# --- Public interface. -------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """An article body rendered for storage with its revision."""

    html: str
    toc: str
    links: frozenset[str]
    front_matter: articles.FrontMatter


def _convert(body: str, ext: _WikiExtension) -> tuple[str, str]:
    """Markdown → (unsanitized body HTML, unsanitized TOC HTML or "")."""
    md = _markdown(ext)
    try:
        body_html = md.convert(_defuse_runaway_tags(body))
    except RecursionError:  # Python-Markdown's block parser recurses per nesting level
        body_html = None
    if body_html is None or _is_nested_too_deep(body_html):
        # Show what the author wrote, as preformatted text, rather than fail
        # the save or show them generated markup they never typed.
        ext.links.clear()
        return "<pre>" + html.escape(body, quote=False) + "</pre>", ""
    tokens = getattr(md, "toc_tokens", [])
    toc = md.toc if _count_toc_entries(tokens) >= MIN_TOC_HEADINGS else ""
    return body_html.replace(_DEFUSED_LT, "&lt;"), toc.replace(_DEFUSED_LT, "&lt;")


def render(text: str, *, link_exists: Callable[[str], bool],
           article_url: Callable[[str], str] = default_article_url,
           new_url: Callable[[str], str] = default_new_url) -> Rendered:
    """Render an article's text (front matter + Markdown) to sanitized HTML.

    :raises InvalidInput: the front matter is not valid.
    """
    try:
        front_matter, body = articles.split_front_matter(text)
    except RecursionError as exc:  # PyYAML's composer recurses once per nesting level
        raise InvalidInput("The front matter is nested too deeply.", field="text") from exc
    ext = _WikiExtension(link_exists=link_exists, article_url=article_url, new_url=new_url)
    body_html, toc = _convert(body, ext)
    return Rendered(sanitize(body_html), sanitize(toc) if toc else "", frozenset(ext.links), front_matter)


def render_fragment(text: str, *, link_exists: Callable[[str], bool] = lambda slug: False,
                    article_url: Callable[[str], str] = default_article_url,
                    new_url: Callable[[str], str] = default_new_url) -> str:
    """Render a snippet (talk post, preview) to sanitized HTML; front matter is not special."""
    ext = _WikiExtension(link_exists=link_exists, article_url=article_url, new_url=new_url)
    return sanitize(_convert(text or "", ext)[0])
