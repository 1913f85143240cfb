"""Article text and metadata from an HTML page, with trafilatura."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from typing import Any

import trafilatura
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.settings import Document, Extractor, set_date_params
from trafilatura.utils import load_html

from pipelines.extraction.page_kind import listing_text, page_signals
from pipelines.extraction.result import Extraction, NotArticle

EXTRACTOR_NAME = f"trafilatura {version('trafilatura')}"

PUBLISHED_META_XPATH = (
    "//meta[@property='article:published_time' or @property='og:published_time'"
    " or @itemprop='datePublished' or @name='pubdate' or @name='publishdate'"
    " or @name='parsely-pub-date' or @name='sailthru.date' or @name='dc.date.issued'"
    " or @name='DC.date.issued']/@content"
    " | //time[@itemprop='datePublished' or contains(@class, 'pubdate')]/@datetime"
)
JSON_LD_XPATH = "//script[@type='application/ld+json']/text()"

_REGEXP_NS = {"re": "http://exslt.org/regular-expressions"}

CHROME_BLOCK_XPATH = XPath(
    "//body//*[self::div or self::section or self::aside or self::form or self::ol or self::ul]["
    " re:test(concat(@id, ' ', @class), 'comment(?!ary)', 'i')"
    " or re:test(concat(@data-component, ' ', @data-testid),"
    " 'comment|newsletter|subscri|tag-?list|topics|related|most-?(?:read|popular|viewed)"
    "|top-?stories|share', 'i')]",
    namespaces=_REGEXP_NS,
)
"""Page chrome trafilatura misses, found by name: comment sections whose name does not *start*
with "comment" (``CommentsWrapper``, ``cd-comments``), and blocks that hashed CSS-in-JS class
names leave named only by ``data-component``/``data-testid`` (newsletter promos, topic lists,
most-read lists, share tools)."""

EMAIL_FIELD_XPATH = XPath("//body//input[@type='email']")
"""E-mail fields, in a ``<form>`` or driven by script: newsletter sign-up (and comment) boxes."""

SIGN_UP_BOX_MAX_CHARS = 400
"""An e-mail field's enclosing blocks are removed with it while their text stays below this."""

TEASER_CANDIDATE_XPATH = XPath(
    "//body//*[self::p or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
    " or (self::div and not(.//p or .//div or .//ul or .//ol or .//table))]"
)
TEASER_LABEL = re.compile(
    r"(?:read more|read also|also read|see also|related|more on this story|recommended"
    r"|don't miss|must read)\b\W*",
    re.IGNORECASE,
)
"""Labels that introduce a link to another article inside the body ("Read more: <link>")."""

MAX_CHROME_SHARE = 0.5
"""A chrome candidate holding more than this share of the page's text is left alone."""

MAX_LINK_SHARE = 0.6
"""Extracted text made of link text above this share is a list of links, not an article."""


@dataclass(frozen=True)
class HtmlExtractionOptions:
    """How trafilatura is run; built from the ``EXTRACT_*`` settings.

    :param focus: ``balanced``, ``precision`` or ``recall`` (trafilatura's modes).
    :param include_tables: keep text found in ``<table>`` elements.
    """

    focus: str = "balanced"
    include_tables: bool = True

    def extractor(self, url: str | None) -> Extractor:
        """A trafilatura ``Extractor`` for one page (dates are bounded by today)."""
        return Extractor(
            output_format="python",
            precision=self.focus == "precision",
            recall=self.focus == "recall",
            comments=False,
            tables=self.include_tables,
            dedup=False,
            with_metadata=True,
            url=url,
            date_params=set_date_params(extensive=True),
        )


def _iso_timestamp(value: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    has_time = "T" in value or " " in value.strip()
    return stamp if has_time else None


def json_ld_documents(tree: HtmlElement) -> list[Any]:
    """The page's JSON-LD blocks, parsed once; blocks that are not valid JSON are left out."""
    documents: list[Any] = []
    for script in tree.xpath(JSON_LD_XPATH):
        try:
            documents.append(json.loads(script))
        except ValueError:
            continue
    return documents


def _json_ld_dates(documents: list[Any]) -> list[str]:
    dates: list[str] = []
    stack = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                dates.append(value)
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
    return dates


def published_timestamp(
    tree: HtmlElement, day: str | None, json_ld: list[Any] | None = None
) -> str | None:
    """The publication date with its time and UTC offset where the page states them.

    trafilatura (through htmldate) finds the publication day; a machine-readable timestamp
    in JSON-LD or ``<meta>`` that falls on the same day adds the time. Nothing is invented:
    without a day there is no date, and a day without a stated time stays a bare day.

    :param tree: the parsed page.
    :param day: the ``YYYY-MM-DD`` day trafilatura found, or ``None``.
    :param json_ld: the page's :func:`json_ld_documents`, when already parsed.
    """
    if day is None:
        return None
    documents = json_ld_documents(tree) if json_ld is None else json_ld
    for value in _json_ld_dates(documents) + [str(v) for v in tree.xpath(PUBLISHED_META_XPATH)]:
        stamp = _iso_timestamp(value)
        if stamp is not None and stamp.date().isoformat() == day:
            return stamp.isoformat()
    return day


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _is_teaser(element: HtmlElement) -> bool:
    """A "Read more: <link>" line: a teaser label followed by nothing or mostly link text."""
    text = _text(element)
    label = TEASER_LABEL.match(text)
    if label is None:
        return False
    rest = text[label.end() :]
    links = sum(len(_text(link)) for link in element.iter("a"))
    return not rest or links >= len(rest) / 2


def _is_link_list(element: HtmlElement | None) -> bool:
    if element is None or element.tag not in ("ul", "ol"):
        return False
    text = _text(element)
    return bool(text) and sum(len(_text(link)) for link in element.iter("a")) >= 0.8 * len(text)


def chrome_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """Blocks of page chrome that trafilatura's own rules let through on common news pages.

    * comment sections and ``data-component``/``data-testid``-named widgets
      (:data:`CHROME_BLOCK_XPATH`);
    * newsletter sign-up boxes: the largest block around an e-mail field whose text stays
      within :data:`SIGN_UP_BOX_MAX_CHARS` characters;
    * teaser lines inside the body ("Read more: <link>", "ALSO READ: <link>"), and a bare
      "Read more:" label together with the list of links that follows it.

    No candidate holding an ``<h1>`` or more than :data:`MAX_CHROME_SHARE` of the page's text
    is returned, so a misnamed article container is never lost.

    :param tree: the parsed page.
    """
    candidates: list[HtmlElement] = list(CHROME_BLOCK_XPATH(tree))
    for field in EMAIL_FIELD_XPATH(tree):
        box = field
        for ancestor in field.iterancestors():
            if ancestor.tag in ("body", "html") or len(_text(ancestor)) > SIGN_UP_BOX_MAX_CHARS:
                break
            box = ancestor
        candidates.append(box)
    for element in TEASER_CANDIDATE_XPATH(tree):
        if _is_teaser(element):
            candidates.append(element)
            label_only = TEASER_LABEL.fullmatch(_text(element)) is not None
            if label_only and _is_link_list(element.getnext()):
                candidates.append(element.getnext())
    body = tree.find(".//body")
    page_chars = len(_text(body if body is not None else tree))
    kept = [
        element
        for element in dict.fromkeys(candidates)
        if not element.xpath(".//h1") and len(_text(element)) <= MAX_CHROME_SHARE * page_chars
    ]
    outer = set(kept)
    return [e for e in kept if not any(ancestor in outer for ancestor in e.iterancestors())]


def link_text_share(tree: HtmlElement, text: str) -> float:
    """The share of ``text`` (in characters) that is the text of the page's links.

    When a page holds no article, trafilatura falls back to whatever text it finds, which on
    a section front or a navigation page is its links: this tells such output apart.
    """
    flat = " ".join(text.split())
    if not flat:
        return 0.0
    anchors = {_text(link) for link in tree.iter("a")}
    return min(
        1.0,
        sum(len(anchor) for anchor in anchors if len(anchor) > 1 and anchor in flat) / len(flat),
    )


def _drop_repeated_headline(text: str, title: str | None) -> str:
    """Drop a first line that only repeats the headline (an ``<h1>`` inside the container)."""
    first, _, rest = text.partition("\n")
    if not title or not rest.strip():
        return text
    same = " ".join(first.split()).casefold() == " ".join(title.split()).casefold()
    return rest.strip() if same else text


def extract_html(html: str, url: str | None, options: HtmlExtractionOptions) -> Extraction:
    """Extract the article from an HTML page.

    :param html: the decoded page.
    :param url: where the page was read from; relative links resolve against it, and it
        stands as the page's URL when the page names no canonical URL.
    :param options: how trafilatura is run.
    :raises NotArticle: ``unparseable_html`` when no HTML tree can be built, ``index_page``
        when the page is a home, section, tag, author, search or paginated listing page (the
        rule of :class:`PageSignals`; the detail names the signal), ``no_main_text`` when
        trafilatura finds no article text, ``link_list`` when what it finds is mostly the
        text of links (:data:`MAX_LINK_SHARE`).

    Before trafilatura runs, the :func:`chrome_blocks` it would let through are removed from
    the tree (so neither the text nor the metadata, e.g. the author, is taken from reader
    comments); afterwards a first line repeating the title is dropped from the text.
    """
    tree = load_html(html)
    if tree is None:
        raise NotArticle("unparseable_html")
    for block in chrome_blocks(tree):
        block.drop_tree()
    json_ld = json_ld_documents(tree)
    signals = page_signals(tree, json_ld, url)
    if (signal := signals.index_page_before_text()) is not None:
        raise NotArticle("index_page", signal)
    document = trafilatura.bare_extraction(tree, options=options.extractor(url))
    if not isinstance(document, Document) or not document.text or not document.text.strip():
        raise NotArticle("no_main_text")
    share = link_text_share(tree, document.text)
    stated_url = document.url if (document.url or "").startswith(("http://", "https://")) else None
    if signals.article is None:
        evidence = listing_text(tree, document.text, share, url or stated_url)
        if (signal := signals.index_page_from_text(evidence)) is not None:
            raise NotArticle("index_page", signal)
    if share > MAX_LINK_SHARE:
        raise NotArticle("link_list", f"{share:.0%} link text")
    return Extraction(
        text=_drop_repeated_headline(document.text.strip(), document.title),
        extractor=EXTRACTOR_NAME,
        title=document.title or None,
        author=document.author or None,
        date_published=published_timestamp(tree, document.date, json_ld),
        sitename=document.sitename or None,
        description=document.description or None,
        url=stated_url,
    )
