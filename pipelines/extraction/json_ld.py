"""A page's JSON-LD: parsed once, and the nodes that describe the page itself.

Both the page-kind rule (:mod:`pipelines.extraction.page_kind`) and the metadata
(:mod:`pipelines.extraction.metadata`) read the same nodes: top-level nodes, ``@graph``
members and the ``mainEntity`` of either. Nodes nested deeper (an article's ``hasPart``, a
listing's items, comments, breadcrumbs) describe other things.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lxml.html import HtmlElement

JSON_LD_XPATH = "//script[@type='application/ld+json']/text()"


def json_ld_documents(tree: HtmlElement) -> list[Any]:
    """The page's JSON-LD blocks, parsed once; blocks that are not valid JSON, or nested too
    deep for Python's parser (``RecursionError``), are left out.

    Control characters inside strings (raw newlines, tabs) are accepted: CMSs leave them.

    :param tree: the parsed page.
    """
    documents: list[Any] = []
    for script in tree.xpath(JSON_LD_XPATH):
        try:
            documents.append(json.loads(script, strict=False))
        except (ValueError, RecursionError):
            continue
    return documents


def schema_type(value: str) -> str:
    """``http://schema.org/NewsArticle`` and ``schema:NewsArticle`` to ``newsarticle``."""
    return re.split(r"[/:#]", value.strip())[-1].casefold()


def node_types(node: dict[str, Any]) -> list[str]:
    """A node's ``@type`` values (one or a list), as :func:`schema_type` names, in order."""
    declared = node.get("@type")
    values = declared if isinstance(declared, list) else [declared]
    return [schema_type(value) for value in values if isinstance(value, str)]


def page_nodes(documents: list[Any]) -> list[dict[str, Any]]:
    """The nodes that may describe the page, in document order.

    :param documents: the page's :func:`json_ld_documents`.
    """
    nodes: list[dict[str, Any]] = []
    stack: list[Any] = [documents]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            nodes.append(node)
            stack.extend(reversed([node[k] for k in ("@graph", "mainEntity") if k in node]))
    return nodes
