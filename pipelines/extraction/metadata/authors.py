"""The authors: names from JSON-LD, ``<meta>`` and the byline beside the headline.

Precedence: JSON-LD ``author`` of the main entity (else of the page node; people, with the
organizations listed beside them unless they are the outlet; organizations alone only when
no source names a person) > :data:`AUTHOR_META` > the byline beside the headline
(``rel=author``, ``itemprop=author``, ``byline``/``author`` classes, a line starting with
"By", "Von", "Par", "Por", "Di", "Av"...) > a name after an author label in the article,
else in the page ("Autorin/Autor Roman Goncharenko", "Author: Jane Doe"). A name the article
labels as its editor ("Editor : Heryadi") is no author, even in JSON-LD. The byline is read
when metadata names no one or only the outlet (its site name, ``og:site_name``, publisher,
``<title>`` suffix, or their initials); it replaces the outlet only when it names a person.
Prefixes and labels ("Autor:"), e-mails, URLs, handles, dates, a "filed in" section and
staff or desk labels are removed (a newsroom named in JSON-LD or meta, "MND Staff", is
kept); names are split on commas, "&", "and", "und", and on "et", "og", "y", "e", "en",
"och", "ja" where each part is a name of its own ("José Ortega y Gasset" stays one); among
several names the outlet's are dropped; names are deduplicated in page order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml.etree import XPath
from lxml.html import HtmlElement

from pipelines.extraction.metadata.dates import DATELINE_NODES_AFTER
from pipelines.extraction.metadata.datetext import MONTH_PATTERN
from pipelines.extraction.metadata.jsonld import ORGANIZATION_TYPES, types_of
from pipelines.extraction.metadata.scan import Page, labelled_texts, short_lines, texts_after
from pipelines.extraction.metadata.text import NAME_TRIM, clean_text, dedupe, element_text
from pipelines.extraction.metadata.titles import DOMAIN_ENDING, names_site, site_key, title_suffix

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

DESK_WORDS = frozenset(
    {
        "staff",
        "redaktion",
        "rédaction",
        "redacción",
        "redazione",
        "redação",
        "redactie",
        "redaksjon",
        "desk",
        "newsroom",
        "team",
        "editors",
        "editorial",
    }
)
"""Words of :data:`JUNK_NAME_WORDS` that name a newsroom: in a name of two words or more
stated as the author in JSON-LD or ``<meta>`` ("MND Staff", "BR24 Redaktion"), the author
the publisher gives."""

EMAIL = re.compile(r"\S+@\S+\.\w+")
"""An e-mail address (removed from author names)."""

URLISH = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
"""A URL (removed from author names)."""

HANDLE = re.compile(r"(?<!\w)@\w+")
"""A social media handle (removed from author names)."""

BYLINE_PREFIX = re.compile(
    r"^\W*(?:(?:(?i:written|reported|posted|words|text|story|photos?)\s+)?(?i:by)\b"
    r"|(?i:von|par|por|di|av|af|door|przez)\s+(?=\S+\s+\S)"
    r"|(?i:autor(?:in)?(?:/autor)?|autorin/autor|authors?|auteure?s?|autore|autores|forfatter"
    r"|text|texte|quelle|source|fuente|fonte)\s*:|(?i:autorin/autor)\b)\s*:?\s*"
)
"""A "By", "Written by", "Von", "Par", "Por", "Di", "Av" ... before the names of a byline
(the words other than "by" only before two words or more: "Di Maio" is a name), or a label:
"Autor:", "Author:", "Quelle:"."""

BYLINE_END = re.compile(
    r"\s*(?:[|•·]|\b(?i:updated|published|posted|last modified)\b|\b(?i:on|at)\s+\d"
    r"|,\s*(?i:in)\s"
    rf"|(?:\b(?i:{MONTH_PATTERN})\s+)?\b\d).*$",
    re.DOTALL,
)
"""Where a byline's names end: a separator, a date or time, "Updated", the section it is
filed in ("By Jane Doe, in News")..."""

AUTHOR_WORDS = ("autor", "author", "verfasser", "auteur", "forfatter", "författare")
"""What an :data:`AUTHOR_LABEL` starts with (lower case): a page without any is not searched."""

AUTHOR_LABEL = re.compile(
    r"(?i:autor(?:in)?(?:/autor)?|autorin/autor|authors?|verfasser(?:in)?|auteure?s?|autore"
    r"|autores|forfatter|författare|auteur\(e\))(?!\w)\s*:?\s*(?P<names>.*)",
    re.DOTALL,
)
"""A label naming the author in a page's text ("Autorin/Autor Roman Goncharenko",
"Author: Jane Doe"), in German, English, French, Italian, Spanish, Portuguese, Norwegian,
Danish and Swedish."""

EDITOR_WORDS = (
    "editor",
    "edited by",
    "redaktur",
    "redakteur",
    "redaktør",
    "redactor",
    "editado por",
    "a cura di",
    "bearbeitet von",
    "rédact",
)
"""What an :data:`EDITOR_LABEL` starts with (lower case): a page without any is not searched."""

EDITOR_LABEL = re.compile(
    r"(?i:editors?|edited by|editor(?:a|in)|redaktur|redakteur(?:in)?|redaktør|redactor(?:a)?"
    r"|editado por|a cura di|bearbeitet von|rédact(?:eur|rice) en chef)(?!\w)\s*:?\s*"
    r"(?P<names>.*)",
    re.DOTALL,
)
"""A label naming an editor in a page's text ("Editor : Heryadi", "Edited by Jane Doe"), in
English, Indonesian, German, Norwegian, Spanish, Italian and French: the person named
edited the article, and is no author even where the JSON-LD says so."""

BY_LINE = re.compile(r"\W*(?i:by|von|par|por|di|av|af|door|przez)\b")
"""The start of a byline written as text: "By Jane Doe", "— by", "von", "Par"."""

NAME_SEPARATORS = re.compile(r"\s*(?:[,;|/&＆、]|\b(?i:and|und)\b|(?<=\w{4})\.\s+(?=[A-Z]))\s*")
"""What separates several names in one byline ("A, B & C", "A and B", "A und B", "Jane
Doe. Agency"; not the dot after an initial or a title: "Sarah E. Needleman", "Dr. Jane
Doe")."""

NAME_CONJUNCTIONS = re.compile(r"\s+(?:et|og|y|e|en|och|ja|и)\s+")
"""The lower-case "and" of other languages ("A et B", "A og B", "A y B", "A e B", "A en B",
"A och B", "A ja B"). Some of them also join the parts of one name ("José Ortega y Gasset",
"Maria da Silva e Sousa"), so a name is split on them only where every part is a full name
of two words or more (:func:`_split_on_conjunctions`)."""

BYLINE_XPATH = XPath(
    ".//*[contains(translate(@class, 'BYLINE', 'byline'), 'byline') or contains(@class, 'uthor')"
    " or @itemprop='author'"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' author ')"
    " or @itemprop='creator' or contains(translate(@data-component, 'BYLINE', 'byline'), 'byline')"
    " or contains(translate(@data-testid, 'BYLINE', 'byline'), 'byline')]"
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


def _is_name(name: str, desks: bool = False) -> bool:
    """Whether a cleaned string can be a person's (or organization's) name (not a byline's
    "By" or "Par" alone).

    :param desks: accept a newsroom's name of two words or more (:data:`DESK_WORDS`).
    """
    if not name or len(name) > MAX_NAME_CHARS or not any(c.isalpha() for c in name):
        return False
    if BY_LINE.fullmatch(name):
        return False
    words = [word.strip(".,") for word in name.casefold().split()]
    allowed = DESK_WORDS if desks and len(words) > 1 else frozenset()
    return len(words) <= MAX_NAME_WORDS and not any(
        word in JUNK_NAME_WORDS and word not in allowed for word in words
    )


def _split_on_conjunctions(part: str) -> list[str]:
    """``part`` split on :data:`NAME_CONJUNCTIONS` when each piece is a name of two words or
    more, or an agency's initials ("Juan Pérez y María López", "Le Figaro et AFP"), else
    whole ("José Ortega y Gasset")."""
    pieces = NAME_CONJUNCTIONS.split(part)
    if len(pieces) > 1 and all(_whole_name(BYLINE_PREFIX.sub("", p)) for p in pieces):
        return pieces
    return [part]


def _whole_name(piece: str) -> bool:
    """Whether a piece of a byline is a name on its own: two words or more, or an agency's
    initials in capitals ("AFP")."""
    words = piece.split()
    return len(words) >= 2 or (len(words) == 1 and words[0].isupper() and len(words[0]) > 1)


def _names(raw: object, desks: bool = False) -> list[str]:
    """The person names in one author string ("By A and B", "A, B & C").

    :param desks: keep newsrooms' names (:func:`_is_name`).
    """
    text = clean_text(raw)
    if text is None:
        return []
    text = HANDLE.sub(" ", URLISH.sub(" ", EMAIL.sub(" ", text)))
    text = BYLINE_END.sub("", BYLINE_PREFIX.sub("", text))
    names = []
    pieces = [p for part in NAME_SEPARATORS.split(text) for p in _split_on_conjunctions(part)]
    for part in pieces:
        name = " ".join(BYLINE_PREFIX.sub("", part).strip(NAME_TRIM).split())
        if _is_name(name, desks):
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
    """Person names and organization names among the main entity's authors (else creators);
    the page node's only when the main entity names none."""
    people: list[str] = []
    organizations: list[str] = []
    desks = page.uses("author_desk_names")
    for key in ("author", "creator"):
        own = page.uses("author_main_entity")
        for item in page.json_ld.own_values(key) if own else page.json_ld.values(key):
            if isinstance(item, str):
                people += _names(item, desks)
            elif isinstance(item, dict) and (name := _person_name(item)) is not None:
                is_organization = bool(types_of(item) & ORGANIZATION_TYPES)
                (organizations if is_organization else people).extend(_names(name, desks))
        if people or organizations:
            break
    return people, organizations


def _meta_authors(page: Page) -> list[str]:
    """Names under the first :data:`AUTHOR_META` key that gives any."""
    desks = page.uses("author_desk_names")
    for key in AUTHOR_META:
        names = [n for value in page.scan.meta.get(key, ()) for n in _names(value, desks)]
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


def _outlet_names(page: Page, sitename: str | None) -> list[str]:
    """The names the page gives its outlet: the site name, ``og:site_name``,
    ``application-name``, the JSON-LD publishers, the ``<title>``'s last part."""
    names: list[object] = [
        sitename,
        page.scan.first("og:site_name"),
        page.scan.first("application-name"),
    ]
    names += [p.get("name") if isinstance(p, dict) else p for p in page.json_ld.values("publisher")]
    names.append(title_suffix(page))
    return [name for name in names if isinstance(name, str) and site_key(name)]


def _names_outlet(name: str, outlet: str) -> bool:
    """Whether an author name is an outlet's name up to case, spacing and punctuation, its
    initials ("LTO", "Legal Tribune Online"; "Deutsche Welle", "DW.COM"), or holds it or
    is held in it ("BR24 Redaktion", "BR24"; names of 3 letters or fewer only whole)."""
    one, other = site_key(name), site_key(DOMAIN_ENDING.sub("", outlet))
    if not one or not other:
        return False
    initials = ["".join(w[0] for w in text.split()).casefold() for text in (name, outlet)]
    shorter, longer = sorted((one, other), key=len)
    return (
        one == other
        or one == initials[1]
        or other == initials[0]
        or (len(shorter) > 3 and shorter in longer)
    )


def _labelled_names(
    root: HtmlElement,
    label: re.Pattern[str],
    words: tuple[str, ...],
    page: Page,
    after: HtmlElement | None = None,
) -> Iterator[list[str]]:
    """The names after each ``label`` (made of ``words``) in ``root``'s text (after
    ``after``, when given), in a short element outside page chrome; ``label`` has a
    ``names`` group for what follows it in the same text node."""
    for _, owner in labelled_texts(root, label, words, after):
        after = label.fullmatch(element_text(owner))
        element = owner if after is not None and after["names"].strip() else owner.getparent()
        if element is None or page.in_chrome(element):
            continue
        line = element_text(element)
        after = label.fullmatch(line)
        if len(line) <= MAX_BYLINE_CHARS and after is not None:
            yield _names(after["names"])


def _editors(page: Page) -> set[str]:
    """The names (casefolded) labelled as the article's editors beside its headline."""
    region = page.headline_region
    if region is None:
        return set()
    return {
        name.casefold()
        for names in _labelled_names(region, EDITOR_LABEL, EDITOR_WORDS, page)
        for name in names
    }


def _labelled_authors(page: Page) -> list[str]:
    """Names after the first author label in the article, else in the page after the
    headline (a fact list "Author: Jane Doe" in a side column)."""
    for root, after in page.label_roots:
        for names in _labelled_names(root, AUTHOR_LABEL, AUTHOR_WORDS, page, after):
            if names:
                return names
    return []


def page_authors(page: Page, sitename: str | None) -> list[str]:
    """People first (JSON-LD, meta, byline, "By" line); organizations only beside people or
    when no source names a person; with several names, the outlet's are dropped (the module
    docstring gives the rules)."""
    people, organizations = _json_ld_authors(page)
    names = people or _meta_authors(page)
    editors = _editors(page) if names and page.uses("author_editors") else set()
    people = [name for name in people if name.casefold() not in editors]
    names = [name for name in names if name.casefold() not in editors]
    outlets = _outlet_names(page, sitename) if page.uses("author_outlet_names") else []

    def is_outlet(name: str) -> bool:
        return names_site(name, sitename, page.url) or any(_names_outlet(name, o) for o in outlets)

    if people and page.uses("author_organizations"):
        names = people + [name for name in organizations if not is_outlet(name)]

    if all(is_outlet(name) for name in names):
        byline = (
            _byline_authors(page) or _by_line_authors(page) if page.uses("author_byline") else []
        )
        if not byline and page.uses("author_label"):
            byline = _labelled_authors(page)
        byline = [name for name in byline if name.casefold() not in editors]
        personal = any(" " in name and not is_outlet(name) for name in byline)
        if names and not personal and page.uses("author_outlet_names"):
            byline = []
        names = byline or organizations or names
    names = dedupe(names)
    if len(names) > 1 and page.uses("author_outlet_filter"):
        suffix = site_key(title_suffix(page) or "")
        full = [n for n in names if site_key(n) != suffix and not is_outlet(n)]
        names = full or names
    return names
