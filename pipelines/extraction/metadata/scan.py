"""The page scan: one pass over the tree, and the lookups every field shares.

:func:`scan_tree` collects the ``<meta>``, ``<link>``, ``<time>``, ``<h1>`` and
``<article>`` elements in the only walk over the whole tree. :class:`Page` holds them with
the JSON-LD and finds the headline (the article's ``<h1>``), the article element, the region
around the headline and page chrome (comments, asides, navigation, related lists, a footer
outside ``<article>``), whose dates and bylines belong to other content. The text-node walks
beside the headline (:func:`texts_after`, :func:`texts_before`) serve datelines and bylines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lxml.etree import XPath, iterwalk
from lxml.html import HtmlElement

from pipelines.extraction.json_ld import schema_type
from pipelines.extraction.metadata.jsonld import ARTICLE_TYPES, PAGE_TYPES, WORK_TYPES, JsonLd
from pipelines.extraction.metadata.rules import check_rules
from pipelines.extraction.metadata.text import absolute, clean_text, element_text, names_of

ITEMPROP_META = frozenset(
    {"datepublished", "datecreated", "datemodified", "image", "description", "author", "keywords"}
)
"""``itemprop`` keys of ``<meta>`` only read when they belong to the page's main item."""

HEADLINE_REGION_DEPTH = 3
"""A ``<time>`` or byline counts as beside the headline when it lies within the headline's
ancestor this many levels up."""

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

UNREAD_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})
"""Elements whose text is not page text."""

SCANNED_TAGS = ("meta", "link", "time", "h1", "article")
"""The elements read in the one pass over the tree (``<a>`` elements are too many: links
with a ``rel`` are found by :data:`REL_LINK_XPATH` in the article)."""

REL_LINK_XPATH = XPath(".//a[@rel]")

TEXT_XPATH = XPath(".//text()")
"""The text nodes inside an element (each knows its element)."""

FOLLOWING_TEXT_XPATH = XPath("following::text()")
"""The text nodes after an element, in document order."""
"""Links with a ``rel`` (``tag``, ``author``)."""


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
                if (text := clean_text(value)) is not None:
                    return text
        return None

    def add_meta(self, element: HtmlElement) -> None:
        """File a ``<meta>`` under each of its keys (microdata of nested items left out)."""
        content = element.get("content")
        if content is None or not content.strip():
            return
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            for key in (element.get(attribute) or "").casefold().split():
                if attribute == "itemprop" and key in ITEMPROP_META and nested_item(element):
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


def labelled_texts(
    root: HtmlElement,
    label: re.Pattern[str],
    words: tuple[str, ...],
    after: HtmlElement | None = None,
) -> Iterator[tuple[re.Match[str], HtmlElement]]:
    """The text nodes in ``root`` (only those after ``after``, when given) that ``label``
    matches in full (spaces around aside), in document order, each with its match and the
    element it is written in (as :func:`own_texts`). ``label`` starts with one of ``words``
    (lower case): a page whose text holds none is not searched further."""
    text_content = root.text_content().lower()
    if not any(word in text_content for word in words):
        return
    for text in TEXT_XPATH(root) if after is None else FOLLOWING_TEXT_XPATH(after):
        if (match := label.fullmatch(text.strip())) is None:
            continue
        parent = text.getparent()
        owner = parent.getparent() if text.is_tail else parent
        unread = parent if not text.is_tail else None
        if owner is None or any(
            element.tag in UNREAD_TEXT_TAGS
            for element in (unread, *parent.iterancestors())
            if element is not None
        ):
            continue
        yield match, owner


def own_texts(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
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
    """The text nodes inside ``element`` in reverse document order (as :func:`own_texts`)."""
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


def texts_after(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
    """The text nodes after ``element`` in document order, each with its element."""
    current: HtmlElement | None = element
    while current is not None:
        parent = current.getparent()
        if current.tail and parent is not None:
            yield current.tail, parent
        for sibling in current.itersiblings():
            yield from own_texts(sibling)
            if sibling.tail:
                yield sibling.tail, parent
        current = parent


def texts_before(element: HtmlElement) -> Iterator[tuple[str, HtmlElement]]:
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


def short_lines(
    texts: Iterator[tuple[str, HtmlElement]], limit: int
) -> Iterator[tuple[str, HtmlElement]]:
    """The first ``limit`` non-blank text nodes, whitespace collapsed."""
    for count, (text, owner) in enumerate(t for t in texts if t[0].strip()):
        if count >= limit:
            return
        yield " ".join(text.split()), owner


def nested_item(element: HtmlElement) -> bool:
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
    names = names_of(element)
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


class Page:
    """One page being read: its sources, parsed once, and lookups shared between fields.

    :param tree: the parsed page.
    :param json_ld: its parsed JSON-LD blocks.
    :param url: where it was fetched.
    :param disabled_rules: names of :data:`~pipelines.extraction.metadata.rules.RULES` not
        to apply.
    """

    def __init__(
        self,
        tree: HtmlElement,
        json_ld: list[Any],
        url: str | None,
        disabled_rules: frozenset[str] = frozenset(),
    ) -> None:
        check_rules(disabled_rules)
        self.disabled_rules = disabled_rules
        self.tree = tree
        self.url = absolute(url, None)
        self.scan = _scan(tree)
        self.json_ld = JsonLd(json_ld if isinstance(json_ld, list) else [json_ld], self.url)
        self.chrome: dict[HtmlElement, bool] = {}
        """:func:`_in_chrome` answers so far."""

    def uses(self, rule: str) -> bool:
        """Whether ``rule`` (a name of :data:`~pipelines.extraction.metadata.rules.RULES`)
        is applied."""
        return rule not in self.disabled_rules

    @cached_property
    def headline(self) -> HtmlElement | None:
        """The article's ``<h1>``: the first inside ``<article>``, else inside ``<main>``,
        else the first outside page chrome, else the first."""
        headings = [h1 for h1 in self.scan.headings if element_text(h1)]
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
    def label_roots(self) -> list[tuple[HtmlElement, HtmlElement | None]]:
        """Where a labelled line ("Autor: …", "Datum …") is looked for, best first: the
        article element, then the rest of the page after the headline (a fact box in a side
        column; what comes before the headline is the site's header, whose date is today's),
        each with the element the search starts after (``None``: the whole element)."""
        roots: list[tuple[HtmlElement, HtmlElement | None]] = []
        if self.article_element is not self.tree:
            roots.append((self.article_element, None))
        roots.append((self.tree, self.headline))
        return roots

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

    def in_region(self, element: HtmlElement) -> bool:
        """Whether an element lies in the :attr:`headline_region`."""
        region = self.headline_region
        return region is not None and any(a is region for a in element.iterancestors())
