"""The small pages of ``tests/data/metadata/``, read as the extraction pipeline reads them
(``parse_html`` and ``json_ld_documents``): shared by the metadata tests.

Each fixture is a small page that states one field in one of the usual places (``<title>``,
``og:*``, JSON-LD, microdata, ``<time>``, the byline, the URL), or several places that
disagree, so the precedence rule is visible test by test.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.extraction.html import parse_html
from pipelines.extraction.json_ld import json_ld_documents
from pipelines.extraction.metadata import PageMetadata, page_metadata

FIXTURES = Path(__file__).resolve().parent / "data" / "metadata"
URL = "https://news.example.com/world/council-approves-budget"
DATED_URL = "https://news.example.com/2026/11/20/council-approves-budget"


def read(name: str, url: str | None = URL) -> PageMetadata:
    """The metadata of one fixture page, fetched from ``url``."""
    tree = parse_html((FIXTURES / name).read_text(encoding="utf-8"))
    assert tree is not None
    return page_metadata(tree, json_ld_documents(tree), url)


def from_html(html: str, url: str | None = URL) -> PageMetadata:
    tree = parse_html(html)
    assert tree is not None
    return page_metadata(tree, json_ld_documents(tree), url)
