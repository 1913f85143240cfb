"""Publication and modification dates (``pipelines.extraction.metadata.dates``)."""

from __future__ import annotations

import pytest

from tests.metadata_pages import DATED_URL, URL, read


@pytest.mark.parametrize(
    ("fixture", "url", "published", "source"),
    [
        ("date_json_ld.html", URL, "2026-11-20T09:30:00+01:00", "json_ld"),
        ("date_json_ld_main_entity.html", URL, "2026-11-20T08:30:00+00:00", "json_ld"),
        ("authors_json_ld_graph.html", URL, "2026-11-20T09:30:00+01:00", "json_ld"),
        ("date_meta.html", URL, "2026-11-20T08:30:00+00:00", "meta"),
        ("date_meta_name.html", URL, "2026-11-20T09:30:00+01:00", "meta"),
        ("date_itemprop.html", URL, "2026-11-20", "meta"),
        ("date_time.html", URL, "2026-11-20T09:30:00-05:00", "time"),
        ("date_url.html", DATED_URL, "2026-11-20", "url"),
        ("date_dateline.html", URL, "2026-11-20", "text"),
        ("date_formats.html", URL, "2026-11-20T09:30:00+00:00", "meta"),
    ],
)
def test_date_published_source(fixture: str, url: str, published: str, source: str) -> None:
    metadata = read(fixture, url)
    assert (metadata.date_published, metadata.date_source) == (published, source)


@pytest.mark.parametrize(
    "fixture",
    [
        "date_none.html",
        "date_url.html",
        "date_comments_related.html",
        "date_absurd.html",
        "date_dateline_updated_only.html",
    ],
)
def test_no_date_stated_gives_none(fixture: str) -> None:
    """Dates in the body text, in comments, related articles and nested JSON-LD nodes,
    absurd dates and update lines are no publication date."""
    metadata = read(fixture, URL)
    assert (metadata.date_published, metadata.date_source) == (None, None)


def test_json_ld_date_wins_over_url_date() -> None:
    """The offset is kept: 23:30 on the 18th in California is the 19th in UTC, and the URL
    says the 20th."""
    metadata = read("date_json_ld_vs_url.html", DATED_URL)
    assert metadata.date_published == "2026-11-18T23:30:00-08:00"
    assert metadata.date_source == "json_ld"


def test_json_ld_wins_over_meta_and_time() -> None:
    metadata = read("date_sources_conflict.html")
    assert (metadata.date_published, metadata.date_source) == (
        "2026-11-18T10:00:00+00:00",
        "json_ld",
    )


def test_meta_wins_over_time() -> None:
    metadata = read("date_meta_vs_time.html")
    assert (metadata.date_published, metadata.date_source) == (
        "2026-11-19T10:00:00+00:00",
        "meta",
    )


def test_article_matching_the_url_is_the_main_entity() -> None:
    assert read("date_related_article_first.html").date_published == "2026-11-20T10:00:00+00:00"


def test_day_only_date_takes_the_time_of_a_same_day_timestamp() -> None:
    metadata = read("date_refined.html")
    assert (metadata.date_published, metadata.date_source) == (
        "2026-11-20T09:30:00+05:30",
        "json_ld",
    )


@pytest.mark.parametrize(
    ("fixture", "modified"),
    [
        ("date_json_ld.html", "2026-11-20T11:00:00+01:00"),
        ("date_meta.html", "2026-11-20T10:15:00+00:00"),
        ("date_time.html", "2026-11-20T12:00:00-05:00"),
        ("date_modified_earlier.html", None),
        ("date_none.html", None),
    ],
)
def test_date_modified(fixture: str, modified: str | None) -> None:
    assert read(fixture).date_modified == modified
