"""Text analysis both search backends share: the stemmed words, and snippets.

The Whoosh index is built with these analysers; the PostgreSQL backend uses
them only to mark a snippet's words, so both mark the same ones.
"""

from __future__ import annotations

import functools
import html
import re

from whoosh.analysis import STOP_WORDS, CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map

from wiki.search.backend import SNIPPET_CHARS, plain_snippet

SCAN_CHARS = 20_000  # how far into a body a snippet looks for matches
# "Parkinson's" tokenizes to "parkinson" + "s": the stray letters carry nothing.
STOPLIST = frozenset(STOP_WORDS) | {"s", "t", "d"}
_WORD_PATTERN = r"\w+(?:\.\w+)*"


def plain_analyzer() -> object:
    """Return words lowercased and accent-folded, unstemmed."""
    return RegexTokenizer(_WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


# Stemmed, accent-folded words, single characters kept so "type 1" and
# "type 2" stay different.
STEMMED = plain_analyzer() | StopFilter(stoplist=STOPLIST, minsize=1) | StemFilter(cachesize=100_000)


@functools.lru_cache(maxsize=100_000)  # the analyser chain costs more than the stemming
def stem(word: str) -> str:
    """Return the stem ``STEMMED`` gives one word (empty for a stop word)."""
    tokens = [token.text for token in STEMMED(word)]
    return tokens[0] if tokens else ""


def snippet(body: str, stems: set[str], chars: int = SNIPPET_CHARS) -> str:
    """Return about ``chars`` of ``body`` around its best run of query words, as safe HTML.

    The text is escaped; each word whose stem is one of ``stems`` is wrapped
    in <mark>. Whoosh's own highlighter re-analyses every hit's whole body,
    which cost more than the search itself; this looks only at words that
    start like a stem (Porter stems are prefixes of their words but for a
    final y/i) and checks their stem. Falls back to the opening of the body.
    """
    if not stems or not body:
        return plain_snippet(body)
    alternatives = sorted({re.escape(stem[:-1] if stem.endswith("i") else stem) for stem in stems if stem})
    pattern = re.compile(r"\b(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE)
    matches = []
    for match in pattern.finditer(body, 0, SCAN_CHARS):
        if stem(match.group(0)) in stems:
            matches.append(match)
            if len(matches) >= 50:
                break
    if not matches:
        return plain_snippet(body)
    # The window of ``chars`` holding the most different matched words.
    best, best_count = 0, 0
    for i, first in enumerate(matches):
        words = {m.group(0).lower() for m in matches[i:] if m.end() - first.start() <= chars}
        if len(words) > best_count:
            best, best_count = i, len(words)
    start = max(0, matches[best].start() - chars // 4)
    if start:
        space = body.rfind(" ", 0, start)
        start = space + 1 if space != -1 and start - space < 30 else start
    end = min(len(body), start + chars)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start + chars // 2 else end
    out, position = [], start
    for match in matches:
        if match.start() >= start and match.end() <= end:
            out.append(html.escape(body[position : match.start()]))
            out.append("<mark>" + html.escape(match.group(0)) + "</mark>")
            position = match.end()
    out.append(html.escape(body[position:end]))
    text = " ".join("".join(out).split())
    return ("… " if start else "") + text + (" …" if end < len(body) else "")
