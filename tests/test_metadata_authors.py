"""Authors (``pipelines.extraction.metadata.authors``)."""

from __future__ import annotations

import pytest

from tests.metadata_pages import read


@pytest.mark.parametrize(
    ("fixture", "authors"),
    [
        ("authors_json_ld_list.html", ["Jane Doe", "John Roe"]),
        ("authors_json_ld_graph.html", ["Jane Doe"]),
        ("authors_meta.html", ["Jane Doe"]),
        ("authors_meta_parsely.html", ["Jane Doe", "John Roe"]),
        ("authors_byline.html", ["Jane Doe", "John Roe"]),
        ("authors_rel_author.html", ["Jane Doe", "John Roe", "Ann Poe"]),
        ("authors_by_line_text.html", ["Jane Doe", "John Roe"]),
        ("authors_organization_only.html", ["Example News"]),
        ("authors_organization_and_byline.html", ["Jane Doe"]),
        ("authors_junk.html", []),
        ("authors_email_url.html", ["Jane Doe"]),
        ("authors_comments_only.html", []),
    ],
)
def test_authors(fixture: str, authors: list[str]) -> None:
    assert read(fixture).authors == authors
