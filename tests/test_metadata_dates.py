"""Publication and modification dates (``pipelines.extraction.metadata.dates``)."""

from __future__ import annotations

import pytest

from tests.metadata_pages import DATED_URL, URL, from_html, read


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


def body(head: str, content: str) -> str:
    return f"<html><head>{head}</head><body>{content}</body></html>"


def test_a_day_stated_only_in_a_labelled_line_or_the_title_is_read() -> None:
    facts = (
        "<ul><li><strong>Datum</strong> 28.04.2023</li>"
        "<li><strong>Autor</strong> Jane Doe</li></ul>"
    )
    html = body("<title>Ziele, Chancen, Risiken</title>", f"<h1>Ziele</h1><p>Text.</p>{facts}")
    assert (from_html(html).date_published, from_html(html).date_source) == ("2023-04-28", "text")
    titled = body("<title>Ziele, Chancen, Risiken | DW | 28.04.2023</title>", "<p>Text.</p>")
    assert from_html(titled).date_published == "2023-04-28"


@pytest.mark.parametrize(
    "html",
    [
        # A date inside the headline, an update label, a sentence: no publication date (the
        # pages have no <h1>, beside which a dateline would be read).
        body("<title>Election on 5 May 2024: what to know | News</title>", "<p>Text.</p>"),
        body("", "<p>Text.</p><ul><li><strong>Stand</strong> 28.04.2023</li></ul>"),
        body("", "<p>Date: 28.04.2023 is when the council will vote on the plan again.</p>"),
    ],
)
def test_dates_in_headlines_update_lines_and_sentences_are_not_publication_days(html: str) -> None:
    assert from_html(html).date_published is None


def test_a_labelled_date_before_the_headline_is_the_sites_header() -> None:
    menu = "".join(f"<li>Section {n}</li>" for n in range(12))
    header = f"<div><p>Datum 07.12.2026</p><ul>{menu}</ul></div>"
    html = body("", f"{header}<h1>Ziele, Chancen, Risiken</h1><p>Text.</p>")
    assert from_html(html).date_published is None
    after = body("", f"<ul>{menu}</ul><h1>Ziele</h1><p>Text.</p><p>Datum 28.04.2023</p>")
    assert from_html(after).date_published == "2023-04-28"
