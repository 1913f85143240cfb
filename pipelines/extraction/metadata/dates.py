"""Publication and modification dates: where a page states them, and which one wins.

Precedence, the first source giving a usable value wins; ``date_source`` names where
``date_published`` came from:

1. ``json_ld``: ``datePublished`` (then ``dateCreated``) of the main entity, the article
   node found at the top level, in ``@graph``, in a list or as a ``mainEntity`` (never
   nested things: comments, breadcrumb items, related articles), else of the page's
   ``WebPage`` node;
2. ``meta``: ``article:published_time`` and the other keys of :data:`PUBLISHED_META`, then
   ``itemprop=datePublished``/``dateCreated`` on other elements of the page's main item;
3. ``time``: a ``<time>`` marked as the publication time (``pubdate``, a ``published``
   class), else the first one in ``<article>``/``<header>``/``<main>`` or beside the
   headline; never in comments, asides or related lists;
4. ``url``: a day in the URL path (``/2026/11/20/``, ``/2026/nov/20/``, ``/2026-11-20-``,
   ``/20261120/``);
5. ``text``: a dateline ("Published 20 November 2026") in a short line beside the headline,
   else a day after a :data:`DATE_LABEL` in a short line of the article or page ("Datum
   28.04.2023"), else a day ending the ``<title>`` or ``og:title`` ("Headline | DW |
   28.04.2023").

The winner decides the day and ``date_source``; a day-only winner takes the time and
offset of a same-day timestamp from JSON-LD, meta or a ``<time>`` marked as published,
and a time stated without offset takes the offset of one stating the same wall time. Times
and offsets are kept as stated (``Z`` becomes ``+00:00``, fractions of a second are
dropped); a day-only value stays day-only. Absurd dates are rejected
(:func:`~pipelines.extraction.metadata.datetext.plausible`). ``date_modified`` comes from
``dateModified``, then :data:`MODIFIED_META`, ``itemprop=dateModified``, a ``<time>``
marked as updated; it is dropped when earlier than ``date_published``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import chain

from lxml.etree import XPath
from lxml.html import HtmlElement

from pipelines.extraction.metadata.datetext import (
    MAX_FUTURE,
    complete,
    earlier,
    iso_text,
    more_precise,
    parse_date,
    plausible,
    text_date,
    url_date,
)
from pipelines.extraction.metadata.scan import (
    Page,
    labelled_texts,
    nested_item,
    short_lines,
    texts_after,
    texts_before,
)
from pipelines.extraction.metadata.text import element_text, names_of
from pipelines.extraction.metadata.titles import TITLE_SEPARATOR

PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date.created",
    "citation_publication_date",
    "citation_date",
    "datecreated",
    "date",
    "dc.date",
    "dcterms.date",
)
"""``<meta>`` names, properties and itemprops (casefolded) stating the publication date,
best first."""

MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "article:modified",
    "datemodified",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",
    "lastmod",
)
"""``<meta>`` keys stating when the page was last modified, best first."""

MAX_DATELINE_CHARS = 120
"""Dates in longer text nodes are events in the article, not its dateline."""

DATELINE_NODES_AFTER = 25
"""How many text nodes after the headline are searched for a dateline (and a "By" line)."""

DATELINE_NODES_BEFORE = 8
"""How many text nodes before the headline are searched for a dateline."""

MOSTLY_DATE_SLACK = 25
"""A text node holding a date and at most this many other characters is a dateline."""

UPDATE_LABEL = re.compile(
    r"(?:updat|modif|edited|aktualisiert|mis à jour|actualizado)\w*\W*(?:\w+\W*)?$", re.I
)
"""Text right before a date that makes it an update time, not the publication date."""

PUBLISHED_LABEL = re.compile(
    r"(?:published|posted|publiziert|veröffentlicht|publié|publicado|pubblicato|dated?|on|am"
    r"|le|el|il)\W*(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\W*)?$",
    re.IGNORECASE,
)
"""Text right before a date that makes it the publication date ("Published", "Posted on
Monday,")."""

DATE_WORDS = (
    "datum",
    "date",
    "dato",
    "data",
    "fecha",
    "publi",
    "veröffentlicht",
    "erschienen",
    "gepubliceerd",
    "udgivet",
    "opublikowano",
    "yayınlanma",
    "опубликовано",
)
"""What a :data:`DATE_LABEL` starts with (lower case): a page without any is not searched."""

DATE_LABEL = re.compile(
    r"(?i:datum|date|dato|data|fecha|published|publiziert|veröffentlicht|erschienen(?: am)?"
    r"|publié(?: le)?|publicado(?: el| em)?|pubblicato(?: il)?|gepubliceerd(?: op)?|publisert"
    r"|publicerad|udgivet|opublikowano|yayınlanma(?: tarihi)?|опубликовано)(?!\w)\s*:?\s*"
    r"(?P<date>.*)",
    re.DOTALL,
)
"""A label before the publication date in a page's text ("Datum 28.04.2023", "Published:
20 November 2026"), in English, German, French, Spanish, Portuguese, Italian, Dutch, the
Nordic languages, Polish, Turkish and Russian; a label of an update ("Stand", "Updated") is
no such label."""

DATE_MARK = re.compile(r"date|time|publish|posted|dateline|byline|meta", re.IGNORECASE)
"""``class``/``id`` words of an element whose text is the page's date line."""

ARTICLE_TAGS = frozenset({"article", "header", "main"})
"""Elements around the article, where a ``<time>`` dates the article."""

PUBLISHED_MARK = re.compile(r"publish|pubdate|posted|created|entry-date|dateline", re.I)
"""Names (class, id, itemprop) marking a ``<time>`` as the publication time."""

MODIFIED_MARK = re.compile(r"updat|modif|edited", re.I)
"""Names marking a ``<time>`` as the modification time."""

ITEMPROP_DATE_XPATH = XPath(
    ".//*[@itemprop][@itemprop='datePublished' or @itemprop='dateCreated'"
    " or @itemprop='dateModified'][not(self::meta)]"
)
"""Microdata dates on elements other than ``<meta>`` (those are read with the meta)."""


def element_value(element: HtmlElement) -> str:
    """The machine-readable value of a microdata or ``<time>`` element, else its text."""
    for attribute in ("content", "datetime"):
        if (value := element.get(attribute)) is not None and value.strip():
            return str(value)
    return element_text(element)


def marks(element: HtmlElement) -> str:
    """The names of an element and of its parent that may say what a ``<time>`` stands for."""
    names = [element.get(a) or "" for a in ("class", "id", "itemprop", "name")]
    parent = element.getparent()
    if parent is not None:
        names.append(names_of(parent))
    return " ".join(names) + (" pubdate" if element.get("pubdate") is not None else "")


def is_dateline(text: str, match: re.Match[str], owner: HtmlElement) -> bool:
    """Whether a date found in a short text node is the page's publication date line: not
    labelled as an update, and labelled as published, or the node is little more than the
    date, or its element is named as a date or byline."""
    before = text[: match.start()]
    if UPDATE_LABEL.search(before):
        return False
    if PUBLISHED_LABEL.search(before) or len(text) - len(match[0]) <= MOSTLY_DATE_SLACK:
        return True
    for element in (owner, owner.getparent()):
        if element is not None and DATE_MARK.search(names_of(element)):
            return True
    return False


class DateSources:
    """Where one page states its dates, best first.

    :param page: the page.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        self.latest = datetime.now(UTC) + MAX_FUTURE
        """The latest acceptable moment."""

    @cached_property
    def itemprop_dates(self) -> list[HtmlElement]:
        """Microdata date elements of the main item in the article, outside page chrome."""
        return [
            element
            for element in ITEMPROP_DATE_XPATH(self.page.article_element)
            if not nested_item(element) and not self.page.in_chrome(element)
        ]

    @cached_property
    def time_marks(self) -> list[tuple[HtmlElement, str]]:
        """The page's ``<time>`` elements with their :func:`marks`."""
        return [(element, marks(element)) for element in self.page.scan.times]

    def time_values(self, mark: re.Pattern[str], unmarked: bool) -> Iterator[str]:
        """Values of ``<time>`` elements outside page chrome: those whose names match
        ``mark``, then (with ``unmarked``) those marked neither way in the article or beside
        the headline."""
        marked = (t for t, names in self.time_marks if mark.search(names))
        others = (
            t
            for t, names in self.time_marks
            if unmarked
            and not PUBLISHED_MARK.search(names)
            and not MODIFIED_MARK.search(names)
            and (self.page.in_region(t) or any(a.tag in ARTICLE_TAGS for a in t.iterancestors()))
        )
        for element in chain(marked, others):
            if not self.page.in_chrome(element):
                yield element_value(element)

    def _dates(self, values: Iterable[object], source: str) -> Iterator[tuple[str, date]]:
        """The plausible dates among ``values``, each with ``source``."""
        for value in values:
            if (when := parse_date(value, self.latest)) is not None:
                yield source, when

    def _itemprop(self, *names: str) -> Iterator[str]:
        """Values of the :attr:`itemprop_dates` whose ``itemprop`` is one of ``names``."""
        for element in self.itemprop_dates:
            if (element.get("itemprop") or "").casefold() in names:
                yield element_value(element)

    def published_structured(self, unmarked: bool = True) -> Iterator[tuple[str, date]]:
        """Publication dates from JSON-LD, meta and ``<time>``, best first.

        :param unmarked: include ``<time>`` elements not marked as the publication time.
        """
        yield from self._dates(self.page.json_ld.values("datePublished"), "json_ld")
        yield from self._dates(self.page.json_ld.values("dateCreated"), "json_ld")
        for key in PUBLISHED_META:
            yield from self._dates(self.page.scan.meta.get(key, ()), "meta")
        yield from self._dates(self._itemprop("datepublished", "datecreated"), "meta")
        if self.page.uses("date_time_elements"):
            yield from self._dates(self.time_values(PUBLISHED_MARK, unmarked), "time")

    def published_marked(self) -> Iterator[tuple[str, date]]:
        """:meth:`published_structured` without unmarked ``<time>`` elements, which may be
        any time of the same day: the sources that may add a time to a day."""
        return self.published_structured(unmarked=False)

    def published_all(self) -> Iterator[tuple[str, date]]:
        """Publication dates from every source, best first."""
        yield from self.published_structured()
        day = url_date(self.page.url) if self.page.uses("date_url") else None
        if day is not None and plausible(day, self.latest):
            yield "url", day
        if self.page.uses("date_dateline") and (day := self.dateline()) is not None:
            yield "text", day
        if self.page.uses("date_label") and (day := self.labelled_day()) is not None:
            yield "text", day
        if self.page.uses("date_title") and (day := self.title_day()) is not None:
            yield "text", day

    def modified_all(self) -> Iterator[tuple[str, date]]:
        """Modification dates, best first."""
        yield from self._dates(self.page.json_ld.values("dateModified"), "json_ld")
        for key in MODIFIED_META:
            yield from self._dates(self.page.scan.meta.get(key, ()), "meta")
        yield from self._dates(self._itemprop("datemodified"), "meta")
        yield from self._dates(self.time_values(MODIFIED_MARK, unmarked=False), "time")

    def _mostly_date(self, text: str) -> date | None:
        """The plausible day ``text`` starts with, when it is little more than that day."""
        found = text_date(text)
        if found is None:
            return None
        day, match = found
        if match.start() > 0 or len(text) - len(match[0]) > MOSTLY_DATE_SLACK:
            return None
        return day if plausible(day, self.latest) else None

    def labelled_day(self) -> date | None:
        """A day after a :data:`DATE_LABEL` in a short line of the article, else of the page
        after the headline (a fact box in a side column: "Datum 28.04.2023")."""
        for root, after in self.page.label_roots:
            for _, owner in labelled_texts(root, DATE_LABEL, DATE_WORDS, after):
                own = DATE_LABEL.fullmatch(element_text(owner))
                element = owner if own is not None and own["date"].strip() else owner.getparent()
                if element is None or self.page.in_chrome(element):
                    continue
                line = element_text(element)
                labelled = DATE_LABEL.fullmatch(line)
                if labelled is None or len(line) > MAX_DATELINE_CHARS:
                    continue
                if (day := self._mostly_date(labelled["date"])) is not None:
                    return day
        return None

    def title_day(self) -> date | None:
        """A day written as the last part of ``<title>`` or ``og:title`` ("Headline | Site |
        28.04.2023")."""
        element = self.page.tree.find(".//title")
        titles = [element_text(element) if element is not None else None]
        titles.append(self.page.scan.first("og:title"))
        for title in filter(None, titles):
            parts = TITLE_SEPARATOR.split(title)
            if len(parts) > 1 and (day := self._mostly_date(parts[-1].strip())) is not None:
                return day
        return None

    def dateline(self) -> date | None:
        """A publication date written in a short line right after (or before) the headline."""
        h1 = self.page.headline
        if h1 is None:
            return None
        after = short_lines(texts_after(h1), DATELINE_NODES_AFTER)
        before = short_lines(texts_before(h1), DATELINE_NODES_BEFORE)
        for text, owner in (*after, *before):
            if len(text) > MAX_DATELINE_CHARS or (found := text_date(text)) is None:
                continue
            day, match = found
            if is_dateline(text, match, owner) and plausible(day, self.latest):
                return day
        return None


def _best_date(
    candidates: Iterator[tuple[str, date]],
    refinements: Callable[[], Iterator[tuple[str, date]]],
    refine: bool = True,
) -> tuple[date | None, str | None]:
    """The first candidate and its source, made more precise by a structured source that
    states the same day (or wall time) with a time (or offset)."""
    for source, when in candidates:
        if not complete(when) and refine:
            for _, other in refinements():
                if more_precise(when, other):
                    return other, source
        return when, source
    return None, None


def page_dates(page: Page) -> tuple[str | None, str | None, str | None]:
    """``date_published``, ``date_modified`` and ``date_source``."""
    sources = DateSources(page)
    refine = page.uses("date_refinement")
    published, source = _best_date(sources.published_all(), sources.published_marked, refine)
    modified, _ = _best_date(sources.modified_all(), sources.modified_all)
    if modified is not None and published is not None and earlier(modified, published):
        modified = None
    return (
        iso_text(published) if published is not None else None,
        iso_text(modified) if modified is not None else None,
        source,
    )
