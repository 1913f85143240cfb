"""The site name and the headline.

Precedence, the first source giving a usable value wins:

* **Title**: JSON-LD ``headline`` of the main article (unless ``og:title`` or the ``<h1>``
  is its untruncated form: it goes on where the headline ends with "…" or mid-word) >
  ``og:title`` > the article's ``<h1>`` > ``<title>``; a `` | Site`` suffix or ``Site: ``
  prefix naming the site name or host is removed (:data:`TITLE_SEPARATOR`). Then the other
  sources are compared with the choice: when one states it without a suffix ("Headline |
  Section", "Headline - Site") or without a kicker ("Kicker: Headline"), or two state the
  same headline after different kickers, that headline is taken (:func:`_agreed`).
* **Site name**: JSON-LD ``publisher`` name > ``og:site_name`` > ``application-name`` >
  JSON-LD ``WebSite`` name; but ``og:site_name`` when the publisher is another name (the
  agency of a syndicated story, a blog platform).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pipelines.extraction.metadata.jsonld import flat_items
from pipelines.extraction.metadata.scan import Page
from pipelines.extraction.metadata.text import clean_text, element_text

TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·•»/~*]\s+|\s*[｜：ㅣ]\s*")
"""What separates a title from the site name in ``<title>`` and ``og:title``: a mark
between spaces, or a full-width bar or colon (or the Hangul letter used as a bar) with or
without them ("…｜日刊ゲンダイDIGITAL", "…：東京新聞デジタル", "…ㅣ한국일보")."""

DOMAIN_ENDING = re.compile(r"\.(?:com|org|net|co|news|info)(?:\.[a-z]{2})?$", re.IGNORECASE)
"""The end of a site name written as its domain ("Spokesman.com")."""

SITE_PART_SLACK = 6
"""A title part names the site when it is part of the site name or host name, or one of
them plus at most this many characters ("The" + host, host + "com")."""

TRUNCATION = ("…", "...")
"""Endings of a headline shortened to a length limit."""

AFFIX_SEPARATORS = frozenset("|｜¦:：-–—·•»/~*ㅣ")
"""Characters between a headline and a kicker, section or site name glued to it, with or
without spaces around them (Japanese and Korean titles often have none: "…｜Site",
"…-Section ㅣSite")."""

MIN_AGREED_CHARS = 10
"""A part of a title other sources agree on is the headline only when it has at least this
many characters; shorter parts are section or site names."""


def _site_name_text(value: object) -> str | None:
    """A site name without a handle's ``@`` ("@politifact"), or ``None``."""
    text = clean_text(value)
    return (text.lstrip("@").strip() or None) if text else None


def page_sitename(page: Page) -> str | None:
    """The publisher's name, unless ``og:site_name`` names another site (a syndicated story's
    publisher is the agency); then ``og:site_name``."""
    publishers = (
        p.get("name") if isinstance(p, dict) else p for p in page.json_ld.values("publisher")
    )
    publisher = next(filter(None, map(_site_name_text, publishers)), None)
    site_name = _site_name_text(page.scan.first("og:site_name"))
    if publisher and site_name and not _same_name(publisher, site_name):
        return site_name
    names = [publisher, site_name, _site_name_text(page.scan.first("application-name"))]
    names += [_site_name_text(page.json_ld.site.get("name"))] if page.json_ld.site else []
    return next(filter(None, names), None)


def _same_name(first: str, second: str) -> bool:
    """Whether two site names are the same up to case, spacing, punctuation, additions and a
    domain ending ("The Detroit News" and "detroitnews", "Spokesman.com" and "The
    Spokesman-Review"), or one is the initials of the other ("WSJ")."""
    one, other = (site_key(DOMAIN_ENDING.sub("", name)) for name in (first, second))
    if not one or not other:
        return False
    initials = ["".join(word[0] for word in name.split()).casefold() for name in (first, second)]
    return one in other or other in one or one == initials[1] or other == initials[0]


def site_key(value: str) -> str:
    """A name or host reduced to lowercase letters and digits, for loose comparison."""
    return "".join(c for c in value.casefold() if c.isalnum())


def names_site(part: str, sitename: str | None, url: str | None) -> bool:
    """Whether a title part (or author name) is the site's name or host."""
    key = site_key(part)
    if len(key) < 3:
        return False
    host = (urlsplit(url).hostname or "") if url else ""
    names = [site_key(label) for label in host.split(".") if len(label) > 3]
    names.append(site_key(host.removeprefix("www.")))
    names += [site_key(sitename)] if sitename else []
    return any(
        (name in key and len(key) - len(name) <= SITE_PART_SLACK) or (key in name and len(key) > 3)
        for name in names
        if name
    )


def _strip_site(title: str, sitename: str | None, url: str | None) -> str:
    """``title`` without a `` | Site`` suffix or ``Site: `` prefix naming the site."""
    separators = list(TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    last, first = separators[-1], separators[0]
    if names_site(title[last.end() :], sitename, url):
        return title[: last.start()].strip() or title
    if names_site(title[: first.start()], sitename, url):
        return title[first.end() :].strip() or title
    return title


def title_suffix(page: Page) -> str | None:
    """The last part of ``<title>`` after a separator ("Headline | Site"), or ``None``."""
    element = page.tree.find(".//title")
    text = element_text(element) if element is not None else ""
    separators = list(TITLE_SEPARATOR.finditer(text))
    return text[separators[-1].end() :] if separators else None


def _json_ld_headline(page: Page) -> str | None:
    """The main entity's ``headline`` (else ``name``)."""
    article = page.json_ld.article
    if article is None:
        return None
    for key in ("headline", "name"):
        if text := next(filter(None, map(clean_text, flat_items(article.get(key)))), None):
            return text
    return None


def _cut_short(headline: str, other: str) -> bool:
    """Whether ``headline`` is ``other`` cut short: ``other`` goes on where ``headline`` ends
    with a :data:`TRUNCATION` mark, or in the middle of a word. A title going on after a
    word ("Headline - Section") is the headline with a suffix, not its untruncated form."""
    stem = headline.removesuffix(TRUNCATION[0]).removesuffix(TRUNCATION[1]).rstrip()
    if not stem or len(other) <= len(stem) or not other.startswith(stem):
        return False
    return stem != headline or (stem[-1].isalnum() and other[len(stem)].isalnum())


def _ends_with_separator(text: str) -> bool:
    """Whether ``text`` ends with one of :data:`AFFIX_SEPARATORS` (spaces aside)."""
    text = text.rstrip()
    return bool(text) and text[-1] in AFFIX_SEPARATORS


def _agreed(title: str, others: list[str]) -> str:
    """The part of ``title`` another source states alone: ``title`` is another source's
    headline with a suffix ("Headline | Section", "Headline｜Site") or with a kicker
    ("Kicker: Headline"), or shares its headline with another source that has another
    kicker ("Kicker: Headline" beside "Overline - Headline"; the same kicker in both is part
    of the headline). A kicker is shorter than its headline; else ``title`` is kept."""
    for other in others:
        if len(other) < MIN_AGREED_CHARS or len(other) >= len(title):
            continue
        rest = title[len(other) :]
        if title.startswith(other) and rest.lstrip() and rest.lstrip()[0] in AFFIX_SEPARATORS:
            return other.rstrip()
    for other in others:
        shared = 0
        while shared < min(len(title), len(other)) and title[-1 - shared] == other[-1 - shared]:
            shared += 1
        tail = title[len(title) - shared :].lstrip()
        kicker, other_kicker = title[: len(title) - len(tail)], other[: len(other) - len(tail)]
        if (
            len(tail) >= MIN_AGREED_CHARS
            and len(tail) > len(kicker)
            and _ends_with_separator(kicker)
            and (not other_kicker.strip() or _ends_with_separator(other_kicker))
            and "".join(other_kicker.split()) != "".join(kicker.split())
        ):
            return tail
    return title


def page_title(page: Page, sitename: str | None) -> str | None:
    """The headline (the module docstring gives the precedence).

    :param page: the page.
    :param sitename: the site name, whose mention is removed from the title.
    """

    def strip(title: str) -> str:
        if not page.uses("title_site_affix"):
            return title
        return _strip_site(title, sitename, page.url)

    og_title = page.scan.first("og:title")
    og_title = strip(og_title) if og_title else None
    h1 = element_text(page.headline) if page.headline is not None else None
    title_element = page.tree.find(".//title")
    text = element_text(title_element) if title_element is not None else None
    headline = _json_ld_headline(page)
    title: str | None
    if headline is not None:
        longer = [t for t in (og_title, h1) if t and _cut_short(headline, t)]
        longer = longer if page.uses("title_untruncated") else []
        title = longer[0] if longer else strip(headline)
    else:
        title = og_title or h1 or (strip(text) if text else None)
    if title is None or not page.uses("title_agreement"):
        return title
    twitter = page.scan.first("twitter:title")
    others = [t for t in (headline, og_title, h1, twitter, text) if t and t != title]
    return _agreed(title, others)
