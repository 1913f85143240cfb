"""The authors: names from JSON-LD, ``<meta>`` and the byline beside the headline.

Precedence: JSON-LD ``author`` of the main entity (people; organizations only when no
source names a person) > :data:`AUTHOR_META` > the byline beside the headline
(``rel=author``, ``itemprop=author``, ``byline``/``author`` classes, a line starting with
"By"). "By" prefixes, e-mails, URLs, handles, dates and staff or desk labels are removed;
"A and B", "A, B & C" are split; among several names, one-word names (the agency in
"Jane Doe, Reuters"), :data:`AGENCY_NAMES` and the site's name (or ``<title>`` suffix)
are dropped; names are deduplicated in page order.
"""

from __future__ import annotations

import re
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from pipelines.extraction.metadata.dates import DATELINE_NODES_AFTER
from pipelines.extraction.metadata.datetext import MONTH_PATTERN
from pipelines.extraction.metadata.jsonld import ORGANIZATION_TYPES, types_of
from pipelines.extraction.metadata.scan import Page, short_lines, texts_after
from pipelines.extraction.metadata.text import NAME_TRIM, clean_text, dedupe, element_text
from pipelines.extraction.metadata.titles import names_site, site_key, title_suffix

AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "byl",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
)
"""``<meta>`` keys naming the authors, best first; the first key giving a name wins."""

MAX_NAME_CHARS = 60
"""Longer author names are not names."""

MAX_NAME_WORDS = 6
"""Author names with more words are sentences."""

MAX_BYLINE_CHARS = 150
"""A byline element with more text is an author box (with a bio), not a byline."""

JUNK_NAME_WORDS = frozenset(
    [
        "staff",
        "admin",
        "administrator",
        "editor",
        "editors",
        "editorial",
        "desk",
        "newsroom",
        "team",
        "reporter",
        "reporters",
        "writer",
        "writers",
        "correspondent",
        "contributor",
        "contributors",
        "guest",
        "anonymous",
        "unknown",
        "webmaster",
        "redaktion",
        "rédaction",
        "redacción",
        "facebook",
        "twitter",
        "instagram",
        "linkedin",
        "email",
        "e-mail",
        "share",
        "follow",
        "subscribe",
        "profile",
        "posts",
        "articles",
        "more",
        "view",
        "updated",
        "published",
    ]
)
"""A "name" holding one of these words (casefolded) is a label, role or link, not a person."""

AGENCY_NAMES = frozenset(
    {
        "associated press",
        "the associated press",
        "ap",
        "reuters",
        "thomson reuters",
        "afp",
        "agence france-presse",
        "agence france presse",
        "dpa",
        "efe",
        "ansa",
        "xinhua",
        "upi",
        "press association",
        "pa media",
        "bloomberg",
        "tass",
        "kyodo",
        "yonhap",
    }
)
"""News agencies (casefolded): organizations, dropped from the authors when people are named
("By Jane Doe and John Roe, Associated Press")."""

EMAIL = re.compile(r"\S+@\S+\.\w+")
"""An e-mail address (removed from author names)."""

URLISH = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
"""A URL (removed from author names)."""

HANDLE = re.compile(r"(?<!\w)@\w+")
"""A social media handle (removed from author names)."""

BYLINE_PREFIX = re.compile(
    r"^\W*(?:(?:(?i:written|reported|posted|words|text|story|photos?)\s+)?(?i:by)|von|par|por)"
    r"\b\s*:?\s*"
)
"""A "By", "Written by", "von" ... before the names of a byline."""

BYLINE_END = re.compile(
    r"\s*(?:[|•·]|\b(?i:updated|published|posted|last modified)\b|\b(?i:on|at)\s+\d"
    rf"|(?:\b(?i:{MONTH_PATTERN})\s+)?\d).*$",
    re.DOTALL,
)
"""Where a byline's names end: a separator, a date or time, "Updated"..."""

BY_LINE = re.compile(r"\W*(?i:by)\b")
"""The start of a byline written as text: "By Jane Doe", "— by"."""

NAME_SEPARATORS = re.compile(
    r"\s*(?:[,;|/&]|\b(?:and|und|et)\b|(?<=\w{4})\.\s+(?=[A-Z]))\s*", re.IGNORECASE
)
"""What separates several names in one byline ("A, B & C", "A and B", "Jane Doe. Agency";
not the dot after an initial or a title: "Sarah E. Needleman", "Dr. Jane Doe")."""

BYLINE_XPATH = XPath(
    ".//*[contains(@class, 'yline') or contains(@class, 'uthor') or @itemprop='author'"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' author ')"
    " or @itemprop='creator' or contains(@data-component, 'yline')"
    " or contains(@data-testid, 'yline')]"
)
"""Elements beside the headline that may hold the byline (searched only when no metadata
names an author)."""

BYLINE_NAMES_XPATH = XPath(
    ".//*[@itemprop='name']"
    " | .//a[contains(@href, '/author') or contains(@href, '/people/')"
    " or contains(@href, '/profile') or contains(@href, '/staff/')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' author ')]"
)
"""Elements inside a byline that hold exactly one name each."""

BYLINE_SKIP = re.compile(r"bio|avatar|image|img|photo|desc|about|social|follow|more", re.I)
"""Class words of an author box's parts that are not the byline."""


def _is_name(name: str) -> bool:
    """Whether a cleaned string can be a person's (or organization's) name."""
    if not name or len(name) > MAX_NAME_CHARS or not any(c.isalpha() for c in name):
        return False
    words = name.casefold().split()
    return len(words) <= MAX_NAME_WORDS and not any(w.strip(".,") in JUNK_NAME_WORDS for w in words)


def _names(raw: object) -> list[str]:
    """The person names in one author string ("By A and B", "A, B & C")."""
    text = clean_text(raw)
    if text is None:
        return []
    text = HANDLE.sub(" ", URLISH.sub(" ", EMAIL.sub(" ", text)))
    text = BYLINE_END.sub("", BYLINE_PREFIX.sub("", text))
    names = []
    for part in NAME_SEPARATORS.split(text):
        name = " ".join(BYLINE_PREFIX.sub("", part).strip(NAME_TRIM).split())
        if _is_name(name):
            names.append(name.title() if name.isupper() and " " in name else name)
    return names


def _person_name(node: dict[str, Any]) -> str | None:
    """The name of a JSON-LD author node: ``name`` (a string, list or node), else
    ``givenName`` and ``familyName``."""
    name = node.get("name")
    if isinstance(name, dict):
        name = name.get("name")
    if isinstance(name, list):
        name = next((item for item in name if isinstance(item, str)), None)
    if isinstance(name, str):
        return name
    parts = [node.get(k) for k in ("givenName", "additionalName", "familyName")]
    return " ".join(part for part in parts if isinstance(part, str)) or None


def _json_ld_authors(page: Page) -> tuple[list[str], list[str]]:
    """Person names and organization names among the main entity's authors (else creators)."""
    people: list[str] = []
    organizations: list[str] = []
    for key in ("author", "creator"):
        for item in page.json_ld.values(key):
            if isinstance(item, str):
                people += _names(item)
            elif isinstance(item, dict) and (name := _person_name(item)) is not None:
                is_organization = bool(types_of(item) & ORGANIZATION_TYPES)
                (organizations if is_organization else people).extend(_names(name))
        if people or organizations:
            break
    return people, organizations


def _meta_authors(page: Page) -> list[str]:
    """Names under the first :data:`AUTHOR_META` key that gives any."""
    for key in AUTHOR_META:
        names = [n for value in page.scan.meta.get(key, ()) for n in _names(value)]
        if names:
            return names
    return []


def _byline_elements(page: Page) -> list[HtmlElement]:
    """Elements beside the headline that hold a byline: ``rel=author`` links, ``author`` and
    ``byline`` classes and itemprops; short ones outside page chrome, outermost first."""
    region = page.headline_region
    if region is None:
        return []
    kept = [
        element
        for element in BYLINE_XPATH(region)
        if element.tag not in ("meta", "link", "script", "style", "img", "svg")
        and not BYLINE_SKIP.search(element.get("class") or "")
        and len(element_text(element)) <= MAX_BYLINE_CHARS
        and not page.in_chrome(element)
    ]
    return kept


def _byline_authors(page: Page) -> list[str]:
    """Names in the first byline element and in those beside it (same parent)."""
    candidates = _byline_elements(page)
    if not candidates:
        return []
    first = candidates[0]
    group = [first] + [
        c
        for c in candidates[1:]
        if c.getparent() is first.getparent() and not any(a is first for a in c.iterancestors())
    ]
    names: list[str] = []
    for element in group:
        inner = [c for c in candidates if any(a is element for a in c.iterancestors())]
        parts = [element] if element.tag == "a" else inner + BYLINE_NAMES_XPATH(element)
        found = [n for part in parts for n in _names(part.text_content())]
        names += found or _names(element.text_content())
    return names


def _by_line_authors(page: Page) -> list[str]:
    """Names in a short line starting with "By" right after the headline."""
    if page.headline is None:
        return []
    for text, parent in short_lines(texts_after(page.headline), DATELINE_NODES_AFTER):
        if not BY_LINE.match(text):
            continue
        line = element_text(parent)
        if len(line) <= MAX_BYLINE_CHARS:
            links = [n for a in BYLINE_NAMES_XPATH(parent) for n in _names(a.text_content())]
            return links or _names(line)
    return []


def page_authors(page: Page, sitename: str | None) -> list[str]:
    """People first (JSON-LD, meta, byline, "By" line); organizations only when no source
    names a person; with several names, the site's name (or the ``<title>``'s last part),
    agencies and one-word names are dropped."""
    people, organizations = _json_ld_authors(page)
    names = people or _meta_authors(page)
    if all(names_site(name, sitename, page.url) for name in names):
        byline = (
            _byline_authors(page) or _by_line_authors(page) if page.uses("author_byline") else []
        )
        names = byline or organizations or names
    names = dedupe(names)
    if len(names) > 1 and page.uses("author_outlet_filter"):
        suffix = site_key(title_suffix(page) or "")
        full = [
            n
            for n in names
            if " " in n
            and n.casefold() not in AGENCY_NAMES
            and site_key(n) != suffix
            and not names_site(n, sitename, page.url)
        ]
        names = full or names
    return names
