"""Articles: the slug rule, front matter, and looking articles up.

No Flask imports: called from views, API, CLI and tests alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from wiki.errors import InvalidInput

MAX_TITLE_LENGTH = 200
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def slugify(title: str) -> str:
    """Lowercase ``title`` and turn runs of non-alphanumerics into ``-``.

    ``Myocardial infarction`` → ``myocardial-infarction``. Accents are folded
    (``Ménière's disease`` → ``meniere-s-disease``) so slugs stay ASCII.
    """
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("-", folded.lower()).strip("-")


def normalize_title(title: str) -> str:
    """Return ``title`` with whitespace collapsed.

    :raises InvalidInput: the title is empty, too long, or has no letter or digit.
    """
    cleaned = " ".join((title or "").split())
    if not cleaned:
        raise InvalidInput("The title is empty: give the article a name.", field="title")
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"The title is longer than {MAX_TITLE_LENGTH} characters.", field="title")
    if not slugify(cleaned):
        raise InvalidInput("The title needs at least one letter or digit.", field="title")
    if any(ch in cleaned for ch in "[]|#<>{}"):
        raise InvalidInput("A title cannot contain any of [ ] | # < > { }.", field="title")
    return cleaned


@dataclass(frozen=True)
class FrontMatter:
    """The metadata at the head of an article's text."""

    aliases: tuple[str, ...] = ()
    icd10: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


def _string_list(value: object, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int | float):
        value = [value]
    if not isinstance(value, list):
        raise InvalidInput(f"Front matter '{key}' must be a list, like [A, B].", field="text")
    items = []
    for item in value:
        if isinstance(item, dict | list) or item is None:
            raise InvalidInput(f"Front matter '{key}' must list plain words.", field="text")
        text = " ".join(str(item).split())
        if text and text not in items:
            items.append(text)
    return tuple(items)


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Split ``text`` into its YAML front matter and its Markdown body.

    Text without a leading ``---`` block has empty front matter.

    :raises InvalidInput: the front matter is not valid YAML or not a mapping.
    """
    match = _FRONT_MATTER.match(text or "")
    if not match:
        return FrontMatter(), text or ""
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise InvalidInput(f"The front matter is not valid YAML{where}.", field="text") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("The front matter must be 'key: value' lines.", field="text")
    extra = {str(k): v for k, v in data.items() if k not in ("aliases", "icd10", "categories")}
    icd10 = tuple(code.upper() for code in _string_list(data.get("icd10"), "icd10"))
    return (
        FrontMatter(
            aliases=_string_list(data.get("aliases"), "aliases"),
            icd10=icd10,
            categories=_string_list(data.get("categories"), "categories"),
            extra=extra,
        ),
        text[match.end():],
    )
