"""The page's JSON-LD as metadata reads it: its main entity (the article node), the node
describing the page, the ``WebSite`` node and ``@id`` references.

The main entity is the article node found at the top level, in ``@graph``, in a list or as a
``mainEntity`` (never nested things: comments, breadcrumb items, related articles); among
several article nodes, the first whose URL is the page's. Page-level fields are read from the
main entity, then from the page's ``WebPage`` node.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pipelines.extraction.json_ld import node_types, page_nodes
from pipelines.extraction.metadata.text import clean_text

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


def types_of(node: dict[str, Any]) -> set[str]:
    """A JSON-LD node's ``@type`` values, as :func:`schema_type` names."""
    return set(node_types(node))


def flat_items(value: object) -> list[Any]:
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


def node_urls(node: dict[str, Any]) -> list[str]:
    """The URLs a node gives for the page: ``url``, ``mainEntityOfPage``, ``@id``."""
    urls: list[str] = []
    for key in ("url", "mainEntityOfPage", "@id"):
        for item in flat_items(node.get(key)):
            value = (item.get("@id") or item.get("url")) if isinstance(item, dict) else item
            if isinstance(value, str) and value.strip():
                urls.append(value)
    return urls


class JsonLd:
    """The page's JSON-LD: its main entity, page node, site node and ``@id`` references.

    :param documents: the parsed JSON-LD blocks.
    :param url: the page URL, to choose between several article nodes.
    """

    def __init__(self, documents: list[Any], url: str | None) -> None:
        nodes = page_nodes(documents)
        self.ids = _by_id(nodes)
        self.article = self._main_entity(nodes, url)
        pages = [node for node in nodes if types_of(node) & PAGE_TYPES and node is not self.article]
        self.entities = ([self.article] if self.article is not None else []) + pages[:1]
        """The main entity, then the page node: where page-level fields are read."""
        self.site = next((node for node in nodes if "website" in types_of(node)), None)

    @staticmethod
    def _main_entity(nodes: list[dict[str, Any]], url: str | None) -> dict[str, Any] | None:
        """The first article node (among several, the first whose URL is the page's), else
        a creative work whose URL is the page's."""
        key = _url_key(url) if url else ""
        articles = [node for node in nodes if types_of(node) & ARTICLE_TYPES]
        works = [node for node in nodes if types_of(node) & WORK_TYPES]
        same = [n for n in articles + works if key and key in map(_url_key, node_urls(n))]
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
            for item in flat_items(node.get(key)):
                yield self.resolve(item)

    def own_values(self, key: str) -> list[object]:
        """The items under ``key`` in the main entity, else (when it has none) in the page
        node (resolved): for what belongs to one node, such as its authors."""
        for node in self.entities:
            if items := flat_items(node.get(key)):
                return [self.resolve(item) for item in items]
        return []

    def text(self, key: str) -> str | None:
        """The first string under ``key`` in the main entity, then in the page node."""
        return next(filter(None, map(clean_text, self.values(key))), None)
