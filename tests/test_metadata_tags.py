"""Tags, language, canonical URL and image (``pipelines.extraction.metadata.tags``)."""

from __future__ import annotations

import pytest

from tests.metadata_pages import URL, read


@pytest.mark.parametrize(
    ("fixture", "url", "canonical"),
    [
        ("canonical_link.html", URL, URL),
        ("canonical_link.html", None, "https://news.example.com/og-url"),
        ("canonical_og.html", URL, URL),
        ("canonical_json_ld.html", URL, URL),
        ("date_none.html", URL, None),
    ],
)
def test_canonical_url(fixture: str, url: str | None, canonical: str | None) -> None:
    """Relative links resolve against the page URL (and are skipped without one); only
    http(s) URLs count; a canonical naming the site root on an article is ignored."""
    assert read(fixture, url).canonical_url == canonical


@pytest.mark.parametrize(
    ("fixture", "image"),
    [
        ("image_og_relative.html", "https://news.example.com/images/council.jpg"),
        ("image_twitter.html", "https://cdn.example.com/council.jpg"),
        ("image_json_ld.html", "https://cdn.example.com/council.jpg"),
        ("image_link.html", "https://news.example.com/world/images/council.jpg"),
        ("date_none.html", None),
    ],
)
def test_image(fixture: str, image: str | None) -> None:
    assert read(fixture).image == image


def test_tags_from_every_source_deduplicated_in_order() -> None:
    assert read("tags_sources.html").tags == [
        "Budget",
        "Schools",
        "city council",
        "Education",
        "taxes",
        "Mayor",
        "Politics",
        "Local",
        "Parks",
    ]


@pytest.mark.parametrize(
    ("fixture", "language"),
    [
        ("language_html.html", "en"),
        ("language_og.html", "fr"),
        ("language_json_ld.html", "de"),
        ("language_none.html", None),
    ],
)
def test_language(fixture: str, language: str | None) -> None:
    assert read(fixture).language == language
