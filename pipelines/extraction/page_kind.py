"""Is an HTML page an article, or a page that lists others (home, section, tag, author)?

The crawl follows links from home and section pages, so it reads many pages that only list
articles. They are told apart by what a page says of itself (JSON-LD ``@type``,
``og:type``, ``article:published_time``), by its URL (the site root, ``/tag/``, ``/page/3``)
and by the shape of its text (teasers: headline links each with at most a short summary).
The rule that weighs them is :class:`PageSignals`; ``extract_html`` applies it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urljoin, urlsplit

from lxml.html import HtmlElement

from pipelines.extraction.json_ld import node_types, page_nodes
from pipelines.extraction.words import count_words

ARTICLE_JSON_LD_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "ScholarlyArticle",
        "TechArticle",
    }
)
"""JSON-LD ``@type`` values of a page's main entity that say the page is an article."""

LISTING_JSON_LD_TYPES = frozenset(
    {"CollectionPage", "ProfilePage", "SearchResultsPage", "ItemList"}
)
"""JSON-LD ``@type`` values of a page's main entity that say the page lists other pages."""

LISTING_OG_TYPES = frozenset({"website", "profile"})
"""``og:type`` values of home, section and author pages. Many articles wrongly state
``website`` too, so these only count when the extracted text also looks like a listing."""

LISTING_PATH_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "topic",
        "topics",
        "author",
        "authors",
        "category",
        "categories",
        "section",
        "sections",
        "search",
        "archive",
        "archives",
    }
)
"""URL path segments that listings live under. Some sites put articles under them too
(``/topics/<topic>/<slug>``), so they only count together with listing-like text."""

ROOT_PATH = re.compile(r"/?(?:index\.(?:html?|php))?", re.IGNORECASE)
"""The path of a site's home page (matched in full)."""

ROOT_QUERY_KEYS = frozenset({"page", "s", "q"})
"""Query parameters a home page URL may carry (besides ``utm_*`` tracking); any other one
(``?p=123``, ``?option=com_content&id=5``) can select an article, so the URL is no root."""

PAGINATION_PATH = re.compile(r"/page/(\d+)/?$")
"""A trailing ``/page/<n>`` in a URL path: one page of a paginated listing."""

INLINE_TAGS = frozenset({"span", "strong", "b", "em", "i", "small", "time", "font", "u", "mark"})
"""Elements that sit inside a line of text; a headline link is looked at in the first
enclosing element that is not one of these."""

TEASER_MIN_HEADLINE_CHARS = 20
"""A headline link has at least this many non-space characters (shorter links are menu
entries, kickers, "Read more")."""

TEASER_HEADLINE_SHARE = 0.8
"""A link is a headline when it holds at least this share of its enclosing block's text."""

TEASER_MAX_CHARS = 600
"""A teaser (one headline link with its summary, byline and time) stays within this many
non-space characters; a block around a headline link that grows past it is no teaser."""

TEASER_LIST_MIN_TEASERS = 6
"""A page that gives no other signal is a teaser list when its extracted text comes from at
least this many teasers (and :data:`TEASER_LIST_MIN_SHARE` of it lies inside them)."""

TEASER_LIST_MIN_SHARE = 0.8
"""A page that gives no other signal is a teaser list when at least this share of the
extracted blocks (lines), and of its words, lies inside teasers."""

LISTING_MIN_TEASERS = 3
"""A page with a listing URL or ``og:type`` is a teaser list when its extracted text comes
from at least this many teasers (and :data:`LISTING_MIN_TEASER_SHARE` of it lies inside
them)."""

LISTING_MIN_TEASER_SHARE = 0.5
"""A page with a listing URL or ``og:type`` is a teaser list when at least this share of the
extracted blocks, and of its words, lies inside teasers."""

LISTING_MIN_LINK_SHARE = 0.4
"""With a listing URL or ``og:type``, extracted text with this share of link text is a listing."""

LISTING_MAX_WORDS = 50
"""With a listing URL or ``og:type``, extracted text under this many words is a listing's
blurb (the pipeline drops any text under ``VALIDATE_MIN_WORDS`` anyway)."""


_ARTICLE_TYPE_NAMES = {name.casefold(): name for name in ARTICLE_JSON_LD_TYPES}
_LISTING_TYPE_NAMES = {name.casefold(): name for name in LISTING_JSON_LD_TYPES}


def json_ld_page_types(documents: list[Any]) -> list[str]:
    """The schema.org types (casefolded, prefix-free) the page's JSON-LD gives its main entities.

    :param documents: the page's :func:`~pipelines.extraction.json_ld.json_ld_documents`.
    """
    return [name for node in page_nodes(documents) for name in node_types(node)]


def _is_root(parts: SplitResult) -> bool:
    keys = {key.casefold() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    tracking = {key for key in keys if key.startswith("utm_")}
    return ROOT_PATH.fullmatch(parts.path) is not None and keys - tracking <= ROOT_QUERY_KEYS


def url_listing_pattern(url: str) -> str | None:
    """The listing pattern a URL follows, e.g. ``/tag/`` or ``/page/3``, or ``None``.

    :param url: the URL the page was read from.
    """
    parts = urlsplit(url)
    for segment in parts.path.split("/"):
        if segment.casefold() in LISTING_PATH_SEGMENTS:
            return f"/{segment}/"
    page = PAGINATION_PATH.search(parts.path)
    if page is not None:
        return f"/page/{page.group(1)}"
    for key, value in parse_qsl(parts.query):
        if key.casefold() == "page" and value.isdigit():
            return f"?page={value}"
    return None


@dataclass(frozen=True)
class PageSignals:
    """What a page says about its own kind, and the rule that weighs it.

    :param article: the first article signal (``og:type article``, ``json_ld NewsArticle``,
        ``meta article:published_time``), or ``None``.
    :param root: the URL is the site's home page.
    :param declared: the article signal is the page's own statement of its type
        (``og:type article``, a JSON-LD article type), not only a publication time.
    :param listing: a listing JSON-LD type (``json_ld CollectionPage``), or ``None``.
    :param hint: a listing signal that many articles give too: a listing URL pattern
        (``url /tag/``, ``url /page/3``) or a listing ``og:type`` (``og:type website``).

    The rule, in order:

    1. a root URL is an index page, unless the page declares itself an article by its type:
       then the root URL is a hint (step 4);
    2. any article signal makes the page an article;
    3. a listing JSON-LD type is an index page;
    4. a hint is an index page when the extracted text looks like a listing too: a teaser
       list by the loose thresholds (:data:`LISTING_MIN_TEASERS`,
       :data:`LISTING_MIN_TEASER_SHARE`), :data:`LISTING_MIN_LINK_SHARE` link text, or fewer
       than :data:`LISTING_MAX_WORDS` words;
    5. with no signal at all, a teaser list by the strict thresholds
       (:data:`TEASER_LIST_MIN_TEASERS`, :data:`TEASER_LIST_MIN_SHARE`) is an index page.

    Steps 1 to 3 need no text, so they are checked before trafilatura runs.
    """

    article: str | None
    root: bool
    listing: str | None
    hint: str | None
    declared: bool = False

    def index_page_before_text(self) -> str | None:
        """Steps 1 to 3 of the rule: the signal that makes the page an index page, if any."""
        if self.root and not self.declared:
            return "url root"
        return None if self.article is not None else self.listing

    def index_page_from_text(self, evidence: ListingText) -> str | None:
        """Steps 4 and 5 of the rule, once the text is known.

        :param evidence: what the extracted text looks like.
        """
        if self.root and self.declared:
            found = evidence.loose()
            return f"url root, {found}" if found else None
        if self.article is not None:
            return None
        if self.hint is not None:
            found = evidence.loose()
            return f"{self.hint}, {found}" if found else None
        return evidence.strict()


def _meta_signals(tree: HtmlElement) -> tuple[str | None, str | None]:
    """The page's article signal and listing hint from ``og:type`` and published-time meta."""
    og_type = ""
    published = False
    for meta in tree.iter("meta"):
        name = (meta.get("property") or meta.get("name") or "").strip().casefold()
        content = (meta.get("content") or "").strip()
        if name == "og:type" and not og_type:
            og_type = content.casefold()
        elif name == "article:published_time" and content:
            published = True
    if og_type.startswith("article"):
        return f"og:type {og_type}", None
    hint = f"og:type {og_type}" if og_type in LISTING_OG_TYPES else None
    return ("meta article:published_time" if published else None), hint


def page_signals(tree: HtmlElement, json_ld: list[Any], url: str | None) -> PageSignals:
    """Read the signals of :class:`PageSignals` from a page (one pass over its ``<meta>``).

    :param tree: the parsed page.
    :param json_ld: the page's :func:`~pipelines.extraction.json_ld.json_ld_documents`.
    :param url: the page's :func:`web_url`: the URL it was read from, and for a saved file
        the canonical URL it names (which sites that misconfigure it set to their home page
        on every page: a root URL with a declared article type is only a hint).
    """
    types = json_ld_page_types(json_ld)
    article, hint = _meta_signals(tree)
    json_ld_article = next(
        (_ARTICLE_TYPE_NAMES[t] for t in types if t in _ARTICLE_TYPE_NAMES), None
    )
    if json_ld_article is not None:
        article = f"json_ld {json_ld_article}"
    declared = article is not None and not article.startswith("meta ")
    listing_type = next((_LISTING_TYPE_NAMES[t] for t in types if t in _LISTING_TYPE_NAMES), None)
    listing = f"json_ld {listing_type}" if listing_type else None
    pattern = url_listing_pattern(url) if url is not None else None
    hint = f"url {pattern}" if pattern is not None else hint
    root = url is not None and _is_root(urlsplit(url))
    return PageSignals(article=article, root=root, listing=listing, hint=hint, declared=declared)


def _visible_chars(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def _char_counts(root: HtmlElement) -> dict[HtmlElement, int]:
    """Non-space characters of text under each element, in one bottom-up pass (no script,
    style or comment text)."""
    counts: dict[HtmlElement, int] = {}
    for element in reversed(list(root.iter())):
        counted = isinstance(element.tag, str) and element.tag not in ("script", "style")
        own = _visible_chars(element.text) if counted else 0
        counts[element] = own + sum(counts[c] + _visible_chars(c.tail) for c in element)
    return counts


def _site(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def web_url(url: str | None, tree: HtmlElement) -> str | None:
    """The web address to judge a page's links and path by: the URL it was read from when
    that is an http(s) URL, else (a saved file) the absolute http(s) URL the page names for
    itself (``<link rel=canonical>``, ``og:url``), else ``None``.

    :param url: where the page was read from.
    :param tree: the parsed page.
    """
    if url is not None and urlsplit(url).scheme in ("http", "https"):
        return url
    for element in tree.iter("link", "meta"):
        if element.tag == "link":
            rel = (element.get("rel") or "").casefold().split()
            stated = element.get("href") if "canonical" in rel else None
        else:
            name = (element.get("property") or element.get("name") or "").casefold()
            stated = element.get("content") if name == "og:url" else None
        parts = urlsplit((stated or "").strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            return parts.geturl()
    return None


def same_site_target(href: str | None, page_url: str | None) -> str | None:
    """Where a link leads, when it leads to another page of the same site (a relative link,
    or a host equal to the page's, its parent or a subdomain); ``None`` otherwise, and for
    every absolute link when the page's site is not known (``page_url`` is ``None`` or has
    no host, as a ``file://`` URL has none: see :func:`web_url`)."""
    if not href or href.startswith("#"):
        return None
    page = (page_url or "").partition("#")[0]
    target = urljoin(page, href.strip()).partition("#")[0]
    if urlsplit(target).scheme not in ("", "http", "https") or target == page:
        return None
    host, site = _site(target), _site(page)
    if host and not site:
        return None
    if host and not (f".{host}".endswith(f".{site}") or f".{site}".endswith(f".{host}")):
        return None
    return target


def _headline_block(link: HtmlElement, chars: dict[HtmlElement, int]) -> HtmlElement | None:
    """The block a headline link fills (its heading, list item, card), or ``None`` when the
    link is too short, too long, or only part of its block's text."""
    if not TEASER_MIN_HEADLINE_CHARS <= chars[link] <= TEASER_MAX_CHARS:
        return None
    block = link.getparent()
    while block is not None and block.tag in INLINE_TAGS:
        block = block.getparent()
    if block is None or chars[link] < TEASER_HEADLINE_SHARE * chars[block]:
        return None
    return block


def teasers(tree: HtmlElement, page_url: str | None) -> list[HtmlElement]:
    """The page's teasers: the largest block around each same-site headline link that leads
    nowhere else and stays within :data:`TEASER_MAX_CHARS` (headline, summary, byline, time).

    :param tree: the parsed page.
    :param page_url: the page's URL, to tell same-site links.
    """
    body = tree.find(".//body")
    root = body if body is not None else tree
    chars = _char_counts(root)
    headlines: list[HtmlElement] = []
    targets: dict[HtmlElement, set[str]] = {}
    for link in root.iter("a"):
        target = same_site_target(link.get("href"), page_url)
        block = _headline_block(link, chars) if target is not None else None
        if target is not None and block is not None:
            headlines.append(block)
            for element in (block, *block.iterancestors()):
                targets.setdefault(element, set()).add(target)
    found: dict[HtmlElement, None] = {}
    for block in headlines:
        teaser = block
        for parent in block.iterancestors():
            if parent is root or len(targets[parent]) > 1 or chars[parent] > TEASER_MAX_CHARS:
                break
            teaser = parent
        found[teaser] = None
    return list(found)


def _source(line: str, teaser_texts: list[str]) -> int | None:
    """The index of the first teaser holding ``line``; texts are compared without spaces,
    since the extractor adds spaces between blocks that the markup runs together."""
    packed = "".join(line.split())
    return next((i for i, text in enumerate(teaser_texts) if packed in text), None)


@dataclass(frozen=True)
class ListingText:
    """What the extracted text of a page looks like, for the rule of :class:`PageSignals`.

    :param blocks: non-empty lines of the text (list items without their ``-`` marker).
    :param in_teasers: of which lie inside a teaser (:func:`teasers`).
    :param teasers: distinct teasers those lines come from.
    :param words: words in the text.
    :param teaser_words: of which lie inside teasers.
    :param link_share: :func:`link_text_share` of the text.
    """

    blocks: int
    in_teasers: int
    teasers: int
    words: int
    teaser_words: int
    link_share: float

    def _teaser_list(self, teasers: int, share: float) -> str | None:
        """A detail when the text comes from ``teasers`` teasers or more, and ``share`` of
        its blocks and of its words lie inside them (so that an article's own paragraphs
        are not outweighed by a box of related stories made of many short lines)."""
        is_list = (
            self.teasers >= teasers
            and self.in_teasers >= share * self.blocks
            and self.teaser_words >= share * self.words
        )
        return f"teaser list {self.in_teasers} of {self.blocks} blocks" if is_list else None

    def strict(self) -> str | None:
        """A teaser list that needs no other signal, as a detail, or ``None``."""
        return self._teaser_list(TEASER_LIST_MIN_TEASERS, TEASER_LIST_MIN_SHARE)

    def loose(self) -> str | None:
        """Any sign of a listing that supports a listing hint, as a detail, or ``None``."""
        if found := self._teaser_list(LISTING_MIN_TEASERS, LISTING_MIN_TEASER_SHARE):
            return found
        if self.link_share >= LISTING_MIN_LINK_SHARE:
            return f"link text {self.link_share:.0%}"
        return f"short text {self.words} words" if self.words < LISTING_MAX_WORDS else None


def teaser_texts(tree: HtmlElement, page_url: str | None) -> list[str]:
    """The text of each of the page's :func:`teasers`, without spaces, for
    :func:`listing_text`.

    :param tree: the parsed page.
    :param page_url: the page's URL, to tell same-site links.
    """
    return ["".join(teaser.text_content().split()) for teaser in teasers(tree, page_url)]


def listing_text(teaser_texts: list[str], text: str, link_share: float) -> ListingText:
    """Measure how much the extracted ``text`` looks like a list of teasers.

    :param teaser_texts: the :func:`teaser_texts` of the page the text was extracted from.
    :param text: the extracted text.
    :param link_share: its :func:`link_text_share`.
    """
    lines = [line.strip().removeprefix("- ") for line in text.splitlines() if line.strip()]
    words = count_words(text)
    if len(teaser_texts) < min(LISTING_MIN_TEASERS, TEASER_LIST_MIN_TEASERS):
        return ListingText(len(lines), 0, 0, words, 0, link_share)
    sources = {line: _source(line, teaser_texts) for line in lines}
    found = [(line, sources[line]) for line in lines if sources[line] is not None]
    return ListingText(
        blocks=len(lines),
        in_teasers=len(found),
        teasers=len({source for _, source in found}),
        words=words,
        teaser_words=sum(count_words(line) for line, _ in found),
        link_share=link_share,
    )
