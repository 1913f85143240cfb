"""Page metadata read by our own rules from the parsed page, so trafilatura can run text-only.

:func:`page_metadata` reads a page's title, authors, dates, site name, description, canonical
URL, main image, tags and declared language from its JSON-LD and from one pass over its
``<meta>``, ``<link>``, ``<time>``, ``<h1>`` and ``<article>`` elements. The body is only
searched where the headline's article is: ``<a rel>`` links (tags), and, when metadata
states no author or date, bylines, microdata dates and a dateline beside the headline.
Nothing is guessed: a field no source states is ``None`` (or empty).

Precedence, the first source giving a usable value wins:

* **Dates**, ``date_source`` naming where ``date_published`` came from:

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
  5. ``text``: a dateline ("Published 20 November 2026") in a short line beside the headline.

  The winner decides the day and ``date_source``; a day-only winner takes the time and
  offset of a same-day timestamp from JSON-LD, meta or a ``<time>`` marked as published,
  and a time stated without offset takes the offset of one stating the same wall time. Times
  and offsets are kept as stated (``Z`` becomes ``+00:00``, fractions of a second are
  dropped); a day-only value stays day-only. Dates before :data:`EARLIEST_YEAR` or more than
  :data:`MAX_FUTURE` ahead are rejected. ``date_modified`` comes from ``dateModified``, then
  :data:`MODIFIED_META`, ``itemprop=dateModified``, a ``<time>`` marked as updated; it is
  dropped when earlier than ``date_published``.

* **Title**: JSON-LD ``headline`` of the main article (unless ``og:title`` or the ``<h1>``
  is its untruncated form) > ``og:title`` > the article's ``<h1>`` > ``<title>``; a
  `` | Site`` suffix or ``Site: `` prefix naming the site name or host is removed.
* **Authors**: JSON-LD ``author`` of the main entity (people; organizations only when no
  source names a person) > :data:`AUTHOR_META` > the byline beside the headline
  (``rel=author``, ``itemprop=author``, ``byline``/``author`` classes, a line starting with
  "By"). "By" prefixes, e-mails, URLs, handles, dates and staff or desk labels are removed;
  "A and B", "A, B & C" are split; among several names, one-word names (the agency in
  "Jane Doe, Reuters"), :data:`AGENCY_NAMES` and the site's name (or ``<title>`` suffix)
  are dropped; names are deduplicated in page order.
* **Site name**: JSON-LD ``publisher`` name > ``og:site_name`` > ``application-name`` >
  JSON-LD ``WebSite`` name; but ``og:site_name`` when the publisher is another name (the
  agency of a syndicated story, a blog platform).
* **Description**: ``og:description`` > ``description`` meta > JSON-LD ``description`` >
  ``twitter:description``.
* **Canonical URL**: ``<link rel=canonical>`` > ``og:url`` > JSON-LD ``url``/
  ``mainEntityOfPage``; resolved against the page URL, http(s) only, and never the site root
  for a page that is not the root.
* **Image**: ``og:image`` (``og:image:url``, ``og:image:secure_url``) > ``twitter:image`` >
  JSON-LD ``image`` > ``<link rel=image_src>`` > ``itemprop=image``; made absolute.
* **Tags**: ``article:tag``, ``keywords``/``news_keywords`` (and ``parsely-tags``,
  ``sailthru.tags``), JSON-LD ``keywords``, JSON-LD ``articleSection``, ``article:section``,
  ``rel=tag`` links in the article, in that order; comma-split, taxonomy labels ("Topic: ")
  removed, CMS identifiers (``@post-id:123``, ``channel_news``) and tags over
  :data:`MAX_TAG_CHARS` dropped, deduplicated case-insensitively.
* **Language**: ``<html lang>`` > ``og:locale`` > JSON-LD ``inLanguage`` >
  ``content-language``/``language`` meta, as an ISO 639-1 code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import cached_property
from itertools import chain
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.etree import XPath, iterwalk
from lxml.html import HtmlElement

from pipelines.extraction.json_ld import node_types, page_nodes, schema_type

ARTICLE_TYPES = frozenset(
    [
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "askpublicnewsarticle",
        "satiricalarticle",
        "advertisercontentarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "discussionforumposting",
        "report",
        "scholarlyarticle",
        "medicalscholarlyarticle",
        "techarticle",
    ]
)
"""JSON-LD and microdata types (casefolded) of an article: the preferred main entity."""

WORK_TYPES = frozenset({"creativework", "videoobject", "recipe", "review", "howto"})
"""Other types that are a page's main entity when it names no article and their URL is the
page's (elsewhere they describe embedded media)."""

PAGE_TYPES = frozenset({"webpage", "itempage", "medicalwebpage", "faqpage", "qapage"})
"""Types of the node describing the page itself: a fallback for dates, authors, image."""

ORGANIZATION_TYPES = frozenset(
    {"organization", "newsmediaorganization", "corporation", "educationalorganization"}
)
"""Author types naming an organization rather than a person."""

EARLIEST_YEAR = 1990
"""Dates before this year are rejected as absurd (placeholders, epoch zero)."""

MAX_FUTURE = timedelta(days=2)
"""Dates further than this ahead of now are rejected."""

MAX_OFFSET = timedelta(hours=14)
"""The largest UTC offset a stated time can have."""

MAX_EPOCH_SECONDS = 1e11
"""A JSON number above this many seconds since the epoch counts milliseconds."""

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

TAG_META = ("article:tag", "keywords", "news_keywords", "parsely-tags", "sailthru.tags")
"""``<meta>`` keys holding tags (``article:tag``) or comma-separated keywords, in reading
order."""

IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
"""``<meta>`` keys naming the main image, best first."""

ITEMPROP_META = frozenset(
    {"datepublished", "datecreated", "datemodified", "image", "description", "author", "keywords"}
)
"""``itemprop`` keys of ``<meta>`` only read when they belong to the page's main item."""

MAX_TAG_CHARS = 60
"""Longer tags are junk (sentences, concatenated keyword lists)."""

TAG_SEPARATOR = re.compile(r"[,;，、]")
"""What separates tags in one keywords value."""

TAG_LABEL = re.compile(
    r"^(?:categor(?:y|ies)|topics?|sections?|tags?|types?|channels?|subjects?|keywords?)"
    r"\s*:\s*(?=\S)",
    re.IGNORECASE,
)
"""A taxonomy label before a tag ("Topic: Politics")."""

TAG_IDENTIFIER = re.compile(r"^[@/]|_|^[\w.-]+:\S")
"""CMS identifiers among keywords: ``@post-id:1913719``, ``/article``, ``channel_other``,
``AdNode:culture/wide``."""

MAX_NAME_CHARS = 60
"""Longer author names are not names."""

MAX_NAME_WORDS = 6
"""Author names with more words are sentences."""

MAX_BYLINE_CHARS = 150
"""A byline element with more text is an author box (with a bio), not a byline."""

MAX_DATE_TEXT_CHARS = 60
"""A ``<time>`` text or a metadata value longer than this is not a date."""

MAX_DATELINE_CHARS = 120
"""Dates in longer text nodes are events in the article, not its dateline."""

DATELINE_NODES_AFTER = 25
"""How many text nodes after the headline are searched for a dateline (and a "By" line)."""

DATELINE_NODES_BEFORE = 8
"""How many text nodes before the headline are searched for a dateline."""

MOSTLY_DATE_SLACK = 25
"""A text node holding a date and at most this many other characters is a dateline."""

HEADLINE_REGION_DEPTH = 3
"""A ``<time>`` or byline counts as beside the headline when it lies within the headline's
ancestor this many levels up."""

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

MONTH_NAMES = (
    "january jan januar janvier enero gennaio janeiro januari января",
    "february feb februar février fevrier febrero febbraio fevereiro februari февраля",
    "march mar märz maerz mär mars marzo março maart марта",
    "april apr avril abril aprile апреля",
    "may mai mayo maggio maio mei мая",
    "june jun juni juin junio giugno junho июня",
    "july jul juli juillet julio luglio julho июля",
    "august aug août aout agosto augustus августа",
    "september sep sept septembre septiembre setiembre settembre setembro сентября",
    "october oct oktober okt octobre octubre ottobre outubro октября",
    "november nov novembre noviembre novembro ноября",
    "december dec dezember dez décembre decembre diciembre dicembre dezembro декабря",
)
"""Month names and abbreviations (English, German, French, Spanish, Italian, Portuguese,
Dutch, Russian), one line per month."""

MONTHS = {name: number for number, line in enumerate(MONTH_NAMES, 1) for name in line.split()}
"""Month number by casefolded name."""

ZONES = {"z": 0, "utc": 0, "gmt": 0, "est": -5, "edt": -4, "pst": -8, "pdt": -7, "cet": 1}
"""Unambiguous time zone abbreviations, in hours from UTC; other abbreviations leave a time
without offset."""

LANGUAGE_ALIASES = {
    "eng": "en",
    "english": "en",
    "fra": "fr",
    "fre": "fr",
    "french": "fr",
    "deu": "de",
    "ger": "de",
    "german": "de",
    "spa": "es",
    "spanish": "es",
    "ita": "it",
    "italian": "it",
    "por": "pt",
    "portuguese": "pt",
    "rus": "ru",
    "russian": "ru",
    "jpn": "ja",
    "japanese": "ja",
    "kor": "ko",
    "korean": "ko",
    "zho": "zh",
    "chi": "zh",
    "chinese": "zh",
    "ara": "ar",
    "arabic": "ar",
    "nld": "nl",
    "dut": "nl",
    "dutch": "nl",
}
"""Three-letter codes and English names of common languages, to ISO 639-1."""

ISO_STAMP = re.compile(
    r"(?P<year>\d{4})(?:(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"|(?P<cmonth>\d{2})(?P<cday>\d{2}))"
    r"(?:(?:T\s*|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<zone>Z|[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{2,5})?)?\s*",
    re.IGNORECASE,
)
"""An ISO-8601-like timestamp (also with ``/`` or ``.`` between the parts, a space before the
time, a zone abbreviation), matched in full."""

ZONE_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?")
"""A numeric UTC offset: ``+01``, ``+0100``, ``+01:00``."""

RFC_2822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
"""The start of an RFC 2822 timestamp (``Fri, 20 Nov 2026 09:30:00 +0100``)."""

_MONTH = (
    "(?P<month>"
    + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
    + r")(?:\.|(?!\w))"
)

MONTH_DAY_YEAR = re.compile(
    rf"(?<!\w){_MONTH}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
"""A written date, month first: ``November 20, 2026``, ``Nov. 20 2026``."""

DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th|er)?\s+(?:of\s+|de\s+)?{_MONTH},?\s+"
    r"(?:de\s+|del\s+)?(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
"""A written date, day first: ``20 November 2026``, ``20. November 2026``, ``20 de
noviembre de 2026``."""

CJK_DATE = re.compile(r"(?P<year>\d{4})\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})")
"""A Chinese, Japanese or Korean date: ``2026年11月20日``, ``2026년 11월 20일``."""

YEAR_FIRST_DATE = re.compile(
    r"(?<![\d.])(?P<year>(?:19|20)\d{2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)"
    r"(?P<day>\d{1,2})(?!\d)"
)
"""A numeric date in text, year first: ``2026-11-20``, ``2026.11.20``, ``2026/11/20``."""

DOTTED_DATE = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})(?!\d)")
"""A European day-first dotted date: ``20.11.2026`` (slashed day/month orders are
ambiguous and left unread)."""

TEXT_DATE_PATTERNS = (MONTH_DAY_YEAR, DAY_MONTH_YEAR, CJK_DATE, YEAR_FIRST_DATE, DOTTED_DATE)
"""Patterns of dates written in text."""

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

DATE_MARK = re.compile(r"date|time|publish|posted|dateline|byline|meta", re.IGNORECASE)
"""``class``/``id`` words of an element whose text is the page's date line."""

URL_DATES = (
    re.compile(
        r"/(?P<year>(?:19|20)\d{2})/(?P<month>0?[1-9]|1[0-2])/(?P<day>0?[1-9]|[12]\d|3[01])"
        r"(?:[/_.-]|$)"
    ),
    re.compile(
        r"/(?P<year>(?:19|20)\d{2})/(?P<month>[a-z]{3})[a-z]*/(?P<day>0?[1-9]|[12]\d|3[01])"
        r"(?:[/_.-]|$)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d{2})(?P<sep>[-_.])(?P<month>0[1-9]|1[0-2])(?P=sep)"
        r"(?P<day>0[1-9]|[12]\d|3[01])(?!\d)"
    ),
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d{2})(?P<month>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])"
        r"(?!\d)"
    ),
)
"""Days in a URL path: ``/2026/11/20/``, ``/2026/nov/20/``, ``/2026-11-20-slug``,
``/20261120/``."""

CHROME_NAME = re.compile(
    r"comment|related|recommend|sidebar|widget|newsletter|most-?(?:read|popular|viewed)"
    r"|trending|teaser|promo|more-?(?:stories|news|articles)|read-?next|up-?next|outbrain"
    r"|taboola|breadcrumb|(?:^|[\s_-])nav",
    re.IGNORECASE,
)
"""``class``/``id`` words of page chrome, whose dates and bylines belong to other content."""

FOOTER_NAME = re.compile(r"footer", re.IGNORECASE)
"""``class``/``id`` word of a footer: the site's footer is chrome, an article's is not."""

CHROME_TAGS = frozenset({"aside", "nav"})
"""Elements whose dates and bylines belong to other content."""

ARTICLE_TAGS = frozenset({"article", "header", "main"})
"""Elements around the article, where a ``<time>`` dates the article."""

PUBLISHED_MARK = re.compile(r"publish|pubdate|posted|created|entry-date|dateline", re.I)
"""Names (class, id, itemprop) marking a ``<time>`` as the publication time."""

MODIFIED_MARK = re.compile(r"updat|modif|edited", re.I)
"""Names marking a ``<time>`` as the modification time."""

EMAIL = re.compile(r"\S+@\S+\.\w+")
"""An e-mail address (removed from author names)."""

URLISH = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
"""A URL (removed from author names)."""

HANDLE = re.compile(r"(?<!\w)@\w+")
"""A social media handle (removed from author names)."""

HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
"""Markup left in JSON-LD strings and double-escaped attributes."""

SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
"""Space left before punctuation where markup was removed ("<b>budget</b>.")."""

BYLINE_PREFIX = re.compile(
    r"^\W*(?:(?:(?i:written|reported|posted|words|text|story|photos?)\s+)?(?i:by)|von|par|por)"
    r"\b\s*:?\s*"
)
"""A "By", "Written by", "von" ... before the names of a byline."""

BYLINE_END = re.compile(
    r"\s*(?:[|•·]|\b(?i:updated|published|posted|last modified)\b|\b(?i:on|at)\s+\d"
    rf"|(?:\b(?i:{_MONTH})\s+)?\d).*$",
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

NAME_TRIM = " \t\n-–—:,;|·•()[]'\"“”‘’"
"""Characters stripped around names and tags."""

TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·•»/~]\s+")
"""What separates a title from the site name in ``<title>`` and ``og:title``."""

DOMAIN_ENDING = re.compile(r"\.(?:com|org|net|co|news|info)(?:\.[a-z]{2})?$", re.IGNORECASE)
"""The end of a site name written as its domain ("Spokesman.com")."""

SITE_PART_SLACK = 6
"""A title part names the site when it is part of the site name or host name, or one of
them plus at most this many characters ("The" + host, host + "com")."""

TRUNCATION = ("…", "...")
"""Endings of a headline shortened to a length limit."""

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

ITEMPROP_DATE_XPATH = XPath(
    ".//*[@itemprop][@itemprop='datePublished' or @itemprop='dateCreated'"
    " or @itemprop='dateModified'][not(self::meta)]"
)
"""Microdata dates on elements other than ``<meta>`` (those are read with the meta)."""

UNREAD_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})
"""Elements whose text is not page text."""

SCANNED_TAGS = ("meta", "link", "time", "h1", "article")
"""The elements read in the one pass over the tree (``<a>`` elements are too many: links
with a ``rel`` are found by :data:`REL_LINK_XPATH` in the article)."""

REL_LINK_XPATH = XPath(".//a[@rel]")
"""Links with a ``rel`` (``tag``, ``author``)."""


@dataclass(frozen=True)
class PageMetadata:
    """What a page states about itself (the module docstring says where each field is read).

    :param title: the headline.
    :param authors: every author, in page order, deduplicated.
    :param date_published: ISO-8601, with time and UTC offset when the page states them, a
        bare ``YYYY-MM-DD`` when only the day is known.
    :param date_modified: the same for the last modification; never before ``date_published``.
    :param date_source: where ``date_published`` came from: ``json_ld``, ``meta``, ``time``,
        ``url`` or ``text``.
    :param sitename: the site's or publisher's name.
    :param description: the page's summary.
    :param canonical_url: the absolute http(s) URL the page names for itself.
    :param image: the absolute URL of the main image.
    :param tags: tags, keywords and sections, deduplicated case-insensitively, in page order.
    :param language: the ISO 639-1 code the page declares, e.g. ``en``.
    """

    title: str | None
    authors: list[str]
    date_published: str | None
    date_modified: str | None
    date_source: str | None
    sitename: str | None
    description: str | None
    canonical_url: str | None
    image: str | None
    tags: list[str]
    language: str | None


def _clean_text(value: object) -> str | None:
    """A JSON or attribute string with entities unescaped, tags removed and whitespace
    collapsed; ``None`` for anything else or an empty result."""
    if not isinstance(value, str):
        return None
    if "&" in value:
        value = html.unescape(value)
    if "<" in value:
        value = SPACE_BEFORE_PUNCTUATION.sub(r"\1", HTML_TAG.sub(" ", value))
    return " ".join(value.split()) or None


def _element_text(element: HtmlElement) -> str:
    """An element's text with whitespace collapsed."""
    return " ".join(element.text_content().split())


def _names_of(element: HtmlElement) -> str:
    """An element's ``class`` and ``id``."""
    return f"{element.get('class') or ''} {element.get('id') or ''}"


# JSON-LD


def _types(node: dict[str, Any]) -> set[str]:
    """A JSON-LD node's ``@type`` values, as :func:`schema_type` names."""
    return set(node_types(node))


def _items(value: object) -> list[Any]:
    """``value`` as a flat list: nested lists are flattened, ``None`` is no item."""
    items: list[Any] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif item is not None:
            items.append(item)
    return items


def _by_id(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The nodes that carry more than an ``@id``, by their ``@id`` (the first of each)."""
    ids: dict[str, dict[str, Any]] = {}
    for node in nodes:
        node_id = node.get("@id")
        if isinstance(node_id, str) and len(node) > 1:
            ids.setdefault(node_id, node)
    return ids


def _url_key(value: str) -> str:
    """A URL without scheme, ``www.``, query, fragment and trailing slash, for comparison."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return value
    return (parts.netloc.casefold().removeprefix("www.") + parts.path).rstrip("/")


def _node_urls(node: dict[str, Any]) -> list[str]:
    """The URLs a node gives for the page: ``url``, ``mainEntityOfPage``, ``@id``."""
    urls: list[str] = []
    for key in ("url", "mainEntityOfPage", "@id"):
        for item in _items(node.get(key)):
            value = (item.get("@id") or item.get("url")) if isinstance(item, dict) else item
            if isinstance(value, str) and value.strip():
                urls.append(value)
    return urls


class _JsonLd:
    """The page's JSON-LD: its main entity, page node, site node and ``@id`` references.

    :param documents: the parsed JSON-LD blocks.
    :param url: the page URL, to choose between several article nodes.
    """

    def __init__(self, documents: list[Any], url: str | None) -> None:
        nodes = page_nodes(documents)
        self.ids = _by_id(nodes)
        self.article = self._main_entity(nodes, url)
        pages = [node for node in nodes if _types(node) & PAGE_TYPES and node is not self.article]
        self.entities = ([self.article] if self.article is not None else []) + pages[:1]
        """The main entity, then the page node: where page-level fields are read."""
        self.site = next((node for node in nodes if "website" in _types(node)), None)

    @staticmethod
    def _main_entity(nodes: list[dict[str, Any]], url: str | None) -> dict[str, Any] | None:
        """The first article node (among several, the first whose URL is the page's), else
        a creative work whose URL is the page's."""
        key = _url_key(url) if url else ""
        articles = [node for node in nodes if _types(node) & ARTICLE_TYPES]
        works = [node for node in nodes if _types(node) & WORK_TYPES]
        same = [n for n in articles + works if key and key in map(_url_key, _node_urls(n))]
        if len(articles) > 1 and same:
            return same[0]
        if articles:
            return articles[0]
        return same[0] if same else None

    def resolve(self, value: object) -> object:
        """A ``{"@id": ...}`` reference replaced by the node it names, when there is one."""
        if isinstance(value, dict) and len(value) <= 2 and isinstance(value.get("@id"), str):
            return self.ids.get(value["@id"], value)
        return value

    def values(self, key: str) -> Iterator[object]:
        """The items under ``key`` in the main entity, then in the page node (resolved)."""
        for node in self.entities:
            for item in _items(node.get(key)):
                yield self.resolve(item)

    def text(self, key: str) -> str | None:
        """The first string under ``key`` in the main entity, then in the page node."""
        return next(filter(None, map(_clean_text, self.values(key))), None)


# <meta>, <link> and the other scanned elements


@dataclass
class _Scan:
    """What one pass over the tree collects.

    :param meta: ``<meta>`` contents by ``property``/``name``/``itemprop``/``http-equiv``
        (casefolded), in page order.
    :param links: ``<link>`` targets by ``rel`` token.
    :param times: ``<time>`` elements.
    :param headings: ``<h1>`` elements.
    :param articles: ``<article>`` elements.
    """

    meta: dict[str, list[str]] = field(default_factory=dict)
    links: dict[str, list[str]] = field(default_factory=dict)
    times: list[HtmlElement] = field(default_factory=list)
    headings: list[HtmlElement] = field(default_factory=list)
    articles: list[HtmlElement] = field(default_factory=list)

    def first(self, *keys: str) -> str | None:
        """The first non-empty cleaned ``<meta>`` content under ``keys``, in this order."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if (text := _clean_text(value)) is not None:
                    return text
        return None

    def add_meta(self, element: HtmlElement) -> None:
        """File a ``<meta>`` under each of its keys (microdata of nested items left out)."""
        content = element.get("content")
        if content is None or not content.strip():
            return
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            for key in (element.get(attribute) or "").casefold().split():
                if attribute == "itemprop" and key in ITEMPROP_META and _nested_item(element):
                    continue
                self.meta.setdefault(key, []).append(content)

    def add_link(self, element: HtmlElement) -> None:
        """File a ``<link>`` target under each of its ``rel`` tokens."""
        href = (element.get("href") or "").strip()
        for token in (element.get("rel") or "").casefold().split() if href else ():
            self.links.setdefault(token, []).append(href)


def _scan(tree: HtmlElement) -> _Scan:
    """Collect :data:`SCANNED_TAGS` in one pass: the only walk over the whole tree."""
    scan = _Scan()
    for element in tree.iter(*SCANNED_TAGS):
        tag = element.tag
        if tag == "link":
            scan.add_link(element)
        elif tag == "meta":
            scan.add_meta(element)
        elif tag == "time":
            scan.times.append(element)
        elif tag == "h1":
            scan.headings.append(element)
        else:
            scan.articles.append(element)
    return scan


def _own_texts(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes inside ``element``, in document order, each with the element it is
    written in (its parent for a tail); no script or style text, no comments."""
    skipped: HtmlElement | None = None
    for event, node in iterwalk(element, events=("start", "end")):
        if event == "start":
            readable = isinstance(node.tag, str) and node.tag not in UNREAD_TEXT_TAGS
            if skipped is None and readable and node.text:
                yield node.text, node
            elif skipped is None and not readable:
                skipped = node
            continue
        if node is skipped:
            skipped = None
        if node is not element and skipped is None and node.tail:
            yield node.tail, node.getparent()


def _own_texts_backwards(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes inside ``element`` in reverse document order (as :func:`_own_texts`)."""
    stack: list[tuple[HtmlElement, bool]] = [(element, True)]
    while stack:
        node, entering = stack.pop()
        if not entering:
            if node.text:
                yield node.text, node
            continue
        if node is not element and node.tail:
            yield node.tail, node.getparent()
        if isinstance(node.tag, str) and node.tag not in UNREAD_TEXT_TAGS:
            stack.append((node, False))
            stack.extend((child, True) for child in node)


def _texts_after(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes after ``element`` in document order, each with its element."""
    current: HtmlElement | None = element
    while current is not None:
        parent = current.getparent()
        if current.tail and parent is not None:
            yield current.tail, parent
        for sibling in current.itersiblings():
            yield from _own_texts(sibling)
            if sibling.tail:
                yield sibling.tail, parent
        current = parent


def _texts_before(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes before ``element``, nearest first, each with its element (outside
    ``<head>``)."""
    current: HtmlElement | None = element
    while current is not None and current.tag != "body":
        parent = current.getparent()
        for sibling in current.itersiblings(preceding=True):
            if sibling.tail and parent is not None:
                yield sibling.tail, parent
            if isinstance(sibling.tag, str) and sibling.tag not in UNREAD_TEXT_TAGS:
                yield from _own_texts_backwards(sibling)
        if parent is not None and parent.text and parent.tag != "body":
            yield parent.text, parent
        current = parent


def _short_lines(
    texts: Iterator[tuple[str, HtmlElement]], limit: int
) -> Iterator[tuple[str, HtmlElement]]:
    """The first ``limit`` non-blank text nodes, whitespace collapsed."""
    for count, (text, owner) in enumerate(t for t in texts if t[0].strip()):
        if count >= limit:
            return
        yield " ".join(text.split()), owner


def _nested_item(element: HtmlElement) -> bool:
    """Whether a microdata property belongs to an item other than the page's main item (a
    comment, a related article, an embedded video): an enclosing ``itemscope`` has a type
    that is no article or page, or is itself a property other than ``mainEntity``."""
    for scope in element.iterancestors():
        if scope.get("itemscope") is None:
            continue
        kinds = {schema_type(kind) for kind in (scope.get("itemtype") or "").split()}
        if kinds - ARTICLE_TYPES - WORK_TYPES - PAGE_TYPES:
            return True
        role = (scope.get("itemprop") or "mainentity").casefold()
        if role not in ("mainentity", "mainentityofpage"):
            return True
    return False


def _is_chrome(element: HtmlElement) -> bool:
    """Whether an element itself is page chrome: comments, asides, navigation, related lists
    and the like, or a footer outside ``<article>``."""
    tag = element.tag
    names = _names_of(element)
    if tag in CHROME_TAGS or CHROME_NAME.search(names):
        return True
    is_footer = tag == "footer" or FOOTER_NAME.search(names) is not None
    return is_footer and next(element.iterancestors("article"), None) is None


def _in_chrome(
    element: HtmlElement, article: set[HtmlElement], known: dict[HtmlElement, bool]
) -> bool:
    """Whether an element is or lies in page chrome (:func:`_is_chrome`).

    :param element: the element.
    :param article: the headline's ancestors, which are never chrome however they are named
        (``content-sidebar-wrap``); the search stops at the first of them.
    :param known: answers for elements already looked at, filled in for the elements on the
        way up.
    """
    path: list[HtmlElement] = []
    node: HtmlElement | None = element
    found = False
    while node is not None:
        if node in known:
            found = known[node]
            break
        if node.tag in ("body", "html") or node in article:
            break
        path.append(node)
        if _is_chrome(node):
            found = True
            break
        node = node.getparent()
    for visited in path:
        known[visited] = found
    return found


# Dates


def _offset(zone: str | None) -> timezone | None:
    """The UTC offset a zone designator states, or ``None`` (none, unknown or out of range)."""
    if not zone:
        return None
    hours = ZONES.get(zone.casefold())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    match = ZONE_OFFSET.fullmatch(zone)
    if match is None:
        return None
    delta = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0))
    if delta > MAX_OFFSET:
        return None
    return timezone(-delta if match["sign"] == "-" else delta)


def _iso_stamp(value: str) -> date | None:
    """An :data:`ISO_STAMP` value as a day or a timestamp; ``None`` if it is no valid one."""
    match = ISO_STAMP.fullmatch(value)
    if match is None:
        return None
    try:
        day = date(
            int(match["year"]),
            int(match["month"] or match["cmonth"]),
            int(match["day"] or match["cday"]),
        )
        if match["hour"] is None:
            return day
        return datetime(
            day.year,
            day.month,
            day.day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=_offset(match["zone"]),
        )
    except ValueError:
        return None


def _rfc_2822(value: str) -> date | None:
    """An RFC 2822 timestamp (``Fri, 20 Nov 2026 09:30:00 +0100``), or ``None``."""
    if RFC_2822.match(value) is None:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _month_number(name: str) -> int:
    """A month given as a number or a name (:data:`MONTHS`); 0 when unknown."""
    return int(name) if name.isdigit() else MONTHS.get(name.casefold(), 0)


def _text_date(text: str) -> tuple[date, re.Match[str]] | None:
    """The first written date in ``text`` (day precision), with its match."""
    found: list[tuple[date, re.Match[str]]] = []
    for pattern in TEXT_DATE_PATTERNS:
        for match in pattern.finditer(text):
            try:
                day = date(int(match["year"]), _month_number(match["month"]), int(match["day"]))
            except ValueError:
                continue
            found.append((day, match))
            break
    return min(found, key=lambda item: item[1].start()) if found else None


def _parse_date(value: object, latest: datetime) -> date | None:
    """A date or timestamp from a metadata value, or ``None`` when there is none or it is
    absurd. A ``datetime`` keeps the stated time and offset (naive when none is stated); a
    plain ``date`` means only the day is stated.

    :param value: a string (ISO-8601-like, RFC 2822 or a written date) or a JSON number
        (seconds or milliseconds since the epoch).
    :param latest: the latest acceptable moment (now plus :data:`MAX_FUTURE`).
    """
    when: date | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        when = _epoch(value)
    elif isinstance(value, str) and len(value) <= MAX_DATE_TEXT_CHARS:
        text = value.strip()
        when = _iso_stamp(text) or _rfc_2822(text)
        if when is None and (written := _text_date(text)) is not None:
            when = written[0]
    return when if when is not None and _plausible(when, latest) else None


def _epoch(value: float) -> datetime | None:
    """A JSON number as a UTC timestamp: seconds, or milliseconds, since the epoch."""
    seconds = value / 1000 if value > MAX_EPOCH_SECONDS else value
    if not 0 < seconds < MAX_EPOCH_SECONDS:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _plausible(when: date, latest: datetime) -> bool:
    """Whether a date is neither before :data:`EARLIEST_YEAR` nor after ``latest``."""
    if when.year < EARLIEST_YEAR:
        return False
    if isinstance(when, datetime):
        return when <= (latest if when.tzinfo is not None else latest.replace(tzinfo=None))
    return when <= latest.date()


def _iso(when: date) -> str:
    """ISO-8601 text, to the second for a timestamp."""
    if isinstance(when, datetime):
        return when.isoformat(timespec="seconds")
    return when.isoformat()


def _day(when: date) -> date:
    """The day of a date or timestamp (a timestamp's day where its offset is)."""
    return when.date() if isinstance(when, datetime) else when


def _earlier(first: date, second: date) -> bool:
    """Whether ``first`` is before ``second``: as instants when both state a time and both
    or neither an offset, else by day."""
    if not isinstance(first, datetime) or not isinstance(second, datetime):
        return _day(first) < _day(second)
    if (first.tzinfo is None) != (second.tzinfo is None):
        return first.date() < second.date()
    return first < second


def _complete(when: date) -> bool:
    """Whether a date states a time and a UTC offset: nothing to add to it."""
    return isinstance(when, datetime) and when.tzinfo is not None


def _more_precise(winner: date, other: date) -> bool:
    """Whether ``other`` states all ``winner`` states and more: a time for the same day, or
    an offset for the same wall time."""
    if not isinstance(other, datetime):
        return False
    if not isinstance(winner, datetime):
        return other.date() == winner
    if winner.tzinfo is not None or other.tzinfo is None:
        return False
    return other.replace(tzinfo=None, second=0) == winner.replace(second=0)


def _url_date(url: str | None) -> date | None:
    """The day a URL path states (:data:`URL_DATES`), or ``None``."""
    if not url:
        return None
    path = urlsplit(url).path
    for pattern in URL_DATES:
        if (match := pattern.search(path)) is not None:
            try:
                return date(int(match["year"]), _month_number(match["month"]), int(match["day"]))
            except ValueError:
                continue
    return None


def _element_value(element: HtmlElement) -> str:
    """The machine-readable value of a microdata or ``<time>`` element, else its text."""
    for attribute in ("content", "datetime"):
        if (value := element.get(attribute)) is not None and value.strip():
            return str(value)
    return _element_text(element)


def _marks(element: HtmlElement) -> str:
    """The names of an element and of its parent that may say what a ``<time>`` stands for."""
    names = [element.get(a) or "" for a in ("class", "id", "itemprop", "name")]
    parent = element.getparent()
    if parent is not None:
        names.append(_names_of(parent))
    return " ".join(names) + (" pubdate" if element.get("pubdate") is not None else "")


def _is_dateline(text: str, match: re.Match[str], owner: HtmlElement) -> bool:
    """Whether a date found in a short text node is the page's publication date line: not
    labelled as an update, and labelled as published, or the node is little more than the
    date, or its element is named as a date or byline."""
    before = text[: match.start()]
    if UPDATE_LABEL.search(before):
        return False
    if PUBLISHED_LABEL.search(before) or len(text) - len(match[0]) <= MOSTLY_DATE_SLACK:
        return True
    for element in (owner, owner.getparent()):
        if element is not None and DATE_MARK.search(_names_of(element)):
            return True
    return False


class _Page:
    """One page being read: its sources, parsed once, and lookups shared between fields.

    :param tree: the parsed page.
    :param json_ld: its parsed JSON-LD blocks.
    :param url: where it was fetched.
    """

    def __init__(self, tree: HtmlElement, json_ld: list[Any], url: str | None) -> None:
        self.tree = tree
        self.url = _absolute(url, None)
        self.scan = _scan(tree)
        self.json_ld = _JsonLd(json_ld if isinstance(json_ld, list) else [json_ld], self.url)
        self.latest = datetime.now(UTC) + MAX_FUTURE
        self.chrome: dict[HtmlElement, bool] = {}
        """:func:`_in_chrome` answers so far."""

    @cached_property
    def itemprop_dates(self) -> list[HtmlElement]:
        """Microdata date elements of the main item in the article, outside page chrome."""
        return [
            element
            for element in ITEMPROP_DATE_XPATH(self.article_element)
            if not _nested_item(element) and not self.in_chrome(element)
        ]

    @cached_property
    def time_marks(self) -> list[tuple[HtmlElement, str]]:
        """The page's ``<time>`` elements with their :func:`_marks`."""
        return [(element, _marks(element)) for element in self.scan.times]

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
            and (self.in_region(t) or any(a.tag in ARTICLE_TAGS for a in t.iterancestors()))
        )
        for element in chain(marked, others):
            if not self.in_chrome(element):
                yield _element_value(element)

    @cached_property
    def headline(self) -> HtmlElement | None:
        """The article's ``<h1>``: the first inside ``<article>``, else inside ``<main>``,
        else the first outside page chrome, else the first."""
        headings = [h1 for h1 in self.scan.headings if _element_text(h1)]
        for tags in (("article",), ("main",)):
            for h1 in headings:
                if any(a.tag in tags for a in h1.iterancestors()):
                    return h1
        outside = [h1 for h1 in headings if not _in_chrome(h1, set(), {})]
        return (outside or headings or [None])[0]

    @cached_property
    def article_element(self) -> HtmlElement:
        """The headline's ``<article>`` or ``<main>``, else the first ``<article>``, else the
        whole page: where the article's tag links and microdata are searched."""
        h1 = self.headline
        if h1 is not None:
            for ancestor in h1.iterancestors("article", "main"):
                return ancestor
        return self.scan.articles[0] if self.scan.articles else self.tree

    def rel_links(self, token: str) -> list[HtmlElement]:
        """Links in the article with ``token`` among their ``rel``, outside page chrome."""
        found = self.links_by_rel.get(token, [])
        return [link for link in found if not self.in_chrome(link)]

    @cached_property
    def links_by_rel(self) -> dict[str, list[HtmlElement]]:
        """The article's ``<a rel>`` links by ``rel`` token."""
        links: dict[str, list[HtmlElement]] = {}
        for link in REL_LINK_XPATH(self.article_element):
            for token in (link.get("rel") or "").casefold().split():
                links.setdefault(token, []).append(link)
        return links

    @cached_property
    def headline_ancestors(self) -> set[HtmlElement]:
        """The headline's ancestors: the article's containers."""
        return set(self.headline.iterancestors()) if self.headline is not None else set()

    def in_chrome(self, element: HtmlElement) -> bool:
        """Whether an element lies in page chrome (see :func:`_in_chrome`)."""
        return _in_chrome(element, self.headline_ancestors, self.chrome)

    @cached_property
    def headline_region(self) -> HtmlElement | None:
        """What surrounds the headline: its ``<article>``, else its ancestor
        :data:`HEADLINE_REGION_DEPTH` levels up; without a headline, the first article, else
        the body."""
        h1 = self.headline
        if h1 is None:
            return self.scan.articles[0] if self.scan.articles else self.tree.find("body")
        ancestors = [a for a in h1.iterancestors() if a.tag not in ("body", "html")]
        article = next((a for a in ancestors if a.tag == "article"), None)
        if article is not None:
            return article
        if not ancestors:
            return h1.getparent()
        return ancestors[min(HEADLINE_REGION_DEPTH, len(ancestors)) - 1]

    @cached_property
    def title_suffix(self) -> str | None:
        """The last part of ``<title>`` after a separator ("Headline | Site"), or ``None``."""
        element = self.tree.find(".//title")
        text = _element_text(element) if element is not None else ""
        separators = list(TITLE_SEPARATOR.finditer(text))
        return text[separators[-1].end() :] if separators else None

    def in_region(self, element: HtmlElement) -> bool:
        """Whether an element lies in the :attr:`headline_region`."""
        region = self.headline_region
        return region is not None and any(a is region for a in element.iterancestors())

    def _dates(self, values: Iterable[object], source: str) -> Iterator[tuple[str, date]]:
        """The plausible dates among ``values``, each with ``source``."""
        for value in values:
            if (when := _parse_date(value, self.latest)) is not None:
                yield source, when

    def _itemprop(self, *names: str) -> Iterator[str]:
        """Values of the :attr:`itemprop_dates` whose ``itemprop`` is one of ``names``."""
        for element in self.itemprop_dates:
            if (element.get("itemprop") or "").casefold() in names:
                yield _element_value(element)

    def published_structured(self, unmarked: bool = True) -> Iterator[tuple[str, date]]:
        """Publication dates from JSON-LD, meta and ``<time>``, best first.

        :param unmarked: include ``<time>`` elements not marked as the publication time.
        """
        yield from self._dates(self.json_ld.values("datePublished"), "json_ld")
        yield from self._dates(self.json_ld.values("dateCreated"), "json_ld")
        for key in PUBLISHED_META:
            yield from self._dates(self.scan.meta.get(key, ()), "meta")
        yield from self._dates(self._itemprop("datepublished", "datecreated"), "meta")
        yield from self._dates(self.time_values(PUBLISHED_MARK, unmarked), "time")

    def published_marked(self) -> Iterator[tuple[str, date]]:
        """:meth:`published_structured` without unmarked ``<time>`` elements, which may be
        any time of the same day: the sources that may add a time to a day."""
        return self.published_structured(unmarked=False)

    def published_all(self) -> Iterator[tuple[str, date]]:
        """Publication dates from every source, best first."""
        yield from self.published_structured()
        if (day := _url_date(self.url)) is not None and _plausible(day, self.latest):
            yield "url", day
        if (day := self.dateline()) is not None:
            yield "text", day

    def modified_all(self) -> Iterator[tuple[str, date]]:
        """Modification dates, best first."""
        yield from self._dates(self.json_ld.values("dateModified"), "json_ld")
        for key in MODIFIED_META:
            yield from self._dates(self.scan.meta.get(key, ()), "meta")
        yield from self._dates(self._itemprop("datemodified"), "meta")
        yield from self._dates(self.time_values(MODIFIED_MARK, unmarked=False), "time")

    def dateline(self) -> date | None:
        """A publication date written in a short line right after (or before) the headline."""
        h1 = self.headline
        if h1 is None:
            return None
        after = _short_lines(_texts_after(h1), DATELINE_NODES_AFTER)
        before = _short_lines(_texts_before(h1), DATELINE_NODES_BEFORE)
        for text, owner in (*after, *before):
            if len(text) > MAX_DATELINE_CHARS or (found := _text_date(text)) is None:
                continue
            day, match = found
            if _is_dateline(text, match, owner) and _plausible(day, self.latest):
                return day
        return None


def _best_date(
    candidates: Iterator[tuple[str, date]],
    refinements: Callable[[], Iterator[tuple[str, date]]],
) -> tuple[date | None, str | None]:
    """The first candidate and its source, made more precise by a structured source that
    states the same day (or wall time) with a time (or offset)."""
    for source, when in candidates:
        if not _complete(when):
            for _, other in refinements():
                if _more_precise(when, other):
                    return other, source
        return when, source
    return None, None


def _dates(page: _Page) -> tuple[str | None, str | None, str | None]:
    """``date_published``, ``date_modified`` and ``date_source``."""
    published, source = _best_date(page.published_all(), page.published_marked)
    modified, _ = _best_date(page.modified_all(), page.modified_all)
    if modified is not None and published is not None and _earlier(modified, published):
        modified = None
    return (
        _iso(published) if published is not None else None,
        _iso(modified) if modified is not None else None,
        source,
    )


# Site name and title


def _site_name_text(value: object) -> str | None:
    """A site name without a handle's ``@`` ("@politifact"), or ``None``."""
    text = _clean_text(value)
    return (text.lstrip("@").strip() or None) if text else None


def _sitename(page: _Page) -> str | None:
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
    one, other = (_site_key(DOMAIN_ENDING.sub("", name)) for name in (first, second))
    if not one or not other:
        return False
    initials = ["".join(word[0] for word in name.split()).casefold() for name in (first, second)]
    return one in other or other in one or one == initials[1] or other == initials[0]


def _site_key(value: str) -> str:
    """A name or host reduced to lowercase letters and digits, for loose comparison."""
    return "".join(c for c in value.casefold() if c.isalnum())


def _names_site(part: str, sitename: str | None, url: str | None) -> bool:
    """Whether a title part (or author name) is the site's name or host."""
    key = _site_key(part)
    if len(key) < 3:
        return False
    host = (urlsplit(url).hostname or "") if url else ""
    names = [_site_key(label) for label in host.split(".") if len(label) > 3]
    names.append(_site_key(host.removeprefix("www.")))
    names += [_site_key(sitename)] if sitename else []
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
    if _names_site(title[last.end() :], sitename, url):
        return title[: last.start()].strip() or title
    if _names_site(title[: first.start()], sitename, url):
        return title[first.end() :].strip() or title
    return title


def _json_ld_headline(page: _Page) -> str | None:
    """The main entity's ``headline`` (else ``name``)."""
    article = page.json_ld.article
    if article is None:
        return None
    for key in ("headline", "name"):
        if text := next(filter(None, map(_clean_text, _items(article.get(key)))), None):
            return text
    return None


def _title(page: _Page, sitename: str | None) -> str | None:
    """The headline (the module docstring gives the precedence).

    :param page: the page.
    :param sitename: the site name, whose mention is removed from the title.
    """
    og_title = page.scan.first("og:title")
    og_title = _strip_site(og_title, sitename, page.url) if og_title else None
    h1 = _element_text(page.headline) if page.headline is not None else None
    headline = _json_ld_headline(page)
    if headline is not None:
        stem = headline.removesuffix(TRUNCATION[0]).removesuffix(TRUNCATION[1]).rstrip()
        longer = [t for t in (og_title, h1) if t and len(t) > len(stem) and t.startswith(stem)]
        return longer[0] if longer else _strip_site(headline, sitename, page.url)
    if og_title:
        return og_title
    if h1:
        return h1
    title_element = page.tree.find(".//title")
    if title_element is not None and (text := _element_text(title_element)):
        return _strip_site(text, sitename, page.url)
    return None


# Authors


def _is_name(name: str) -> bool:
    """Whether a cleaned string can be a person's (or organization's) name."""
    if not name or len(name) > MAX_NAME_CHARS or not any(c.isalpha() for c in name):
        return False
    words = name.casefold().split()
    return len(words) <= MAX_NAME_WORDS and not any(w.strip(".,") in JUNK_NAME_WORDS for w in words)


def _names(raw: object) -> list[str]:
    """The person names in one author string ("By A and B", "A, B & C")."""
    text = _clean_text(raw)
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


def _json_ld_authors(page: _Page) -> tuple[list[str], list[str]]:
    """Person names and organization names among the main entity's authors (else creators)."""
    people: list[str] = []
    organizations: list[str] = []
    for key in ("author", "creator"):
        for item in page.json_ld.values(key):
            if isinstance(item, str):
                people += _names(item)
            elif isinstance(item, dict) and (name := _person_name(item)) is not None:
                is_organization = bool(_types(item) & ORGANIZATION_TYPES)
                (organizations if is_organization else people).extend(_names(name))
        if people or organizations:
            break
    return people, organizations


def _meta_authors(page: _Page) -> list[str]:
    """Names under the first :data:`AUTHOR_META` key that gives any."""
    for key in AUTHOR_META:
        names = [n for value in page.scan.meta.get(key, ()) for n in _names(value)]
        if names:
            return names
    return []


def _byline_elements(page: _Page) -> list[HtmlElement]:
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
        and len(_element_text(element)) <= MAX_BYLINE_CHARS
        and not page.in_chrome(element)
    ]
    return kept


def _byline_authors(page: _Page) -> list[str]:
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


def _by_line_authors(page: _Page) -> list[str]:
    """Names in a short line starting with "By" right after the headline."""
    if page.headline is None:
        return []
    for text, parent in _short_lines(_texts_after(page.headline), DATELINE_NODES_AFTER):
        if not BY_LINE.match(text):
            continue
        line = _element_text(parent)
        if len(line) <= MAX_BYLINE_CHARS:
            links = [n for a in BYLINE_NAMES_XPATH(parent) for n in _names(a.text_content())]
            return links or _names(line)
    return []


def _dedupe(values: Iterable[str]) -> list[str]:
    """``values`` without case-insensitive repeats, first spelling and order kept."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def _authors(page: _Page, sitename: str | None) -> list[str]:
    """People first (JSON-LD, meta, byline, "By" line); organizations only when no source
    names a person; with several names, the site's name (or the ``<title>``'s last part),
    agencies and one-word names are dropped."""
    people, organizations = _json_ld_authors(page)
    names = people or _meta_authors(page)
    if all(_names_site(name, sitename, page.url) for name in names):
        names = _byline_authors(page) or _by_line_authors(page) or organizations or names
    names = _dedupe(names)
    if len(names) > 1:
        suffix = _site_key(page.title_suffix or "")
        full = [
            n
            for n in names
            if " " in n
            and n.casefold() not in AGENCY_NAMES
            and _site_key(n) != suffix
            and not _names_site(n, sitename, page.url)
        ]
        names = full or names
    return names


# URLs, tags, language


def _absolute(value: object, base: str | None) -> str | None:
    """``value`` as an absolute http(s) URL, resolved against ``base``; else ``None``.
    A double-escaped ``&amp;`` and spaces (as ``%20``) are repaired."""
    if not isinstance(value, str) or not (text := value.strip()):
        return None
    text = text.replace("&amp;", "&").replace(" ", "%20")
    try:
        absolute = urljoin(base, text) if base else text
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def _is_root(url: str) -> bool:
    """Whether an absolute URL is a site's home page."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def _canonical(page: _Page) -> str | None:
    """The first usable canonical URL candidate (the module docstring gives the order)."""
    candidates: list[object] = [*page.scan.links.get("canonical", [])]
    candidates += page.scan.meta.get("og:url", [])
    for node in page.json_ld.entities:
        candidates += _node_urls({k: v for k, v in node.items() if k != "@id"})
    for candidate in candidates:
        absolute = _absolute(candidate, page.url)
        if absolute is None or (page.url and _is_root(absolute) and not _is_root(page.url)):
            continue
        return absolute
    return None


def _image(page: _Page, canonical: str | None) -> str | None:
    """The first usable main image candidate, made absolute against the page URL (or the
    canonical URL when the page URL is unknown).

    :param page: the page.
    :param canonical: the page's canonical URL.
    """
    candidates: list[object] = [v for key in IMAGE_META for v in page.scan.meta.get(key, ())]
    for item in page.json_ld.values("image"):
        if isinstance(item, dict):
            candidates += [item.get("url"), item.get("contentUrl"), item.get("@id")]
        else:
            candidates.append(item)
    candidates += page.scan.links.get("image_src", [])
    candidates += page.scan.meta.get("image", [])
    base = page.url or canonical
    return next(filter(None, (_absolute(c, base) for c in candidates)), None)


def _tag(text: str) -> str | None:
    """One tag without a taxonomy label ("Topic: "), or ``None`` for a CMS identifier."""
    tag = TAG_LABEL.sub("", text.strip(NAME_TRIM))
    if not tag or len(tag) > MAX_TAG_CHARS or TAG_IDENTIFIER.search(tag):
        return None
    return tag


def _tags(page: _Page) -> list[str]:
    """Tags from every source, in source order (the module docstring lists them)."""
    raw: list[object] = [v for key in TAG_META for v in page.scan.meta.get(key, ())]
    raw += list(page.json_ld.values("keywords"))
    raw += list(page.json_ld.values("articleSection"))
    raw += page.scan.meta.get("article:section", [])
    raw += [link.text_content() for link in page.rel_links("tag")]
    texts = (part for text in map(_clean_text, raw) if text for part in TAG_SEPARATOR.split(text))
    return _dedupe(filter(None, map(_tag, texts)))


def _language_code(value: object) -> str | None:
    """An ISO 639-1 code from a language tag (``en-GB``, ``en_US``), a three-letter code,
    an English language name, or a JSON-LD ``Language`` node; ``None`` otherwise."""
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    text = _clean_text(value)
    if text is None:
        return None
    primary = re.split(r"[-_\s,;]", text.casefold(), maxsplit=1)[0]
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return LANGUAGE_ALIASES.get(primary)


def _language(page: _Page) -> str | None:
    """The first language the page declares (the module docstring gives the order)."""
    root = page.tree.getroottree().getroot()
    candidates: list[object] = [root.get("lang"), root.get("xml:lang")]
    candidates += page.scan.meta.get("og:locale", [])
    candidates += list(page.json_ld.values("inLanguage"))
    candidates += page.scan.meta.get("content-language", [])
    candidates += page.scan.meta.get("language", [])
    return next(filter(None, map(_language_code, candidates)), None)


def page_metadata(tree: HtmlElement, json_ld: list[Any], url: str | None) -> PageMetadata:
    """Read what a page states about itself (the rules are in the module docstring).

    :param tree: the page, parsed by ``pipelines.extraction.html.parse_html``.
    :param json_ld: the page's parsed JSON-LD blocks
        (:func:`pipelines.extraction.json_ld.json_ld_documents`).
    :param url: where the page was fetched; relative URLs resolve against it.
    """
    page = _Page(tree, json_ld, url)
    published, modified, source = _dates(page)
    sitename = _sitename(page)
    canonical = _canonical(page)
    return PageMetadata(
        title=_title(page, sitename),
        authors=_authors(page, sitename),
        date_published=published,
        date_modified=modified,
        date_source=source,
        sitename=sitename,
        description=page.scan.first("og:description", "description")
        or page.json_ld.text("description")
        or page.scan.first("twitter:description"),
        canonical_url=canonical,
        image=_image(page, canonical),
        tags=_tags(page),
        language=_language(page),
    )
