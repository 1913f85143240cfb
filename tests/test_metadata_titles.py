"""Titles and site names (``pipelines.extraction.metadata.titles``)."""

from __future__ import annotations

import pytest

from tests.metadata_pages import read


@pytest.mark.parametrize(
    ("fixture", "title"),
    [
        ("title_json_ld.html", "Council approves budget for city schools"),
        ("title_og.html", "Council approves budget for city schools"),
        ("title_h1.html", "Council approves budget for city & schools"),
        ("title_title.html", "Council approves budget for city schools"),
        ("title_title_host.html", "Council approves budget for city schools"),
        (
            "title_truncated_headline.html",
            "Council approves budget for city schools after a long debate that ran past midnight",
        ),
        (
            "title_keeps_colon.html",
            "The Example view on the budget: a city on the brink | Editorial",
        ),
    ],
)
def test_title(fixture: str, title: str) -> None:
    assert read(fixture).title == title


@pytest.mark.parametrize(
    ("fixture", "sitename"),
    [
        ("site_json_ld_publisher.html", "The Example News"),
        ("site_og.html", "Example News"),
        ("site_application_name.html", "Example News"),
        ("site_syndicated.html", "Example Courier"),
    ],
)
def test_sitename(fixture: str, sitename: str) -> None:
    assert read(fixture).sitename == sitename
