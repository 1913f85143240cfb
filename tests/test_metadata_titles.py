"""Titles and site names (``pipelines.extraction.metadata.titles``)."""

from __future__ import annotations

import json

import pytest

from tests.metadata_pages import from_html, read


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


def page(headline: str | None = None, og: str | None = None, h1: str | None = None) -> str:
    """A page stating its title in JSON-LD, ``og:title`` and an ``<h1>``, as asked."""
    head = f'<meta property="og:title" content="{og}">' if og else ""
    if headline:
        node = json.dumps(
            {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline}
        )
        head += f'<script type="application/ld+json">{node}</script>'
    body = f"<h1>{h1}</h1>" if h1 else ""
    return f"<html><head>{head}</head><body><article>{body}<p>Text.</p></article></body></html>"


@pytest.mark.parametrize(
    ("html", "title"),
    [
        # A title going on after the JSON-LD headline's last word has a suffix: not taken.
        (
            page("Budget passes after vote", og="Budget passes after vote - National"),
            "Budget passes after vote",
        ),
        # One going on mid-word is the headline's untruncated form.
        (
            page(
                "Council approves budget for city sch",
                og="Council approves budget for city schools",
            ),
            "Council approves budget for city schools",
        ),
        # A section suffix that another source leaves out.
        (
            page(
                og="Budget vote: council approves the plan | Sport",
                h1="Budget vote: council approves the plan",
            ),
            "Budget vote: council approves the plan",
        ),
        (
            page(
                "Schule: Lybke ist ganz und gar nicht eigenartig",
                og="Lybke ist ganz und gar nicht eigenartig",
            ),
            "Lybke ist ganz und gar nicht eigenartig",
        ),
        # Two kickers, one headline.
        (
            page(
                og="Angriff auf Israel: «Die Zurückhaltung hat viel mit den USA zu tun»",
                h1="Eskalation - «Die Zurückhaltung hat viel mit den USA zu tun»",
            ),
            "«Die Zurückhaltung hat viel mit den USA zu tun»",
        ),
        # The same kicker in every source is part of the headline.
        (
            page(
                "Samastipur: two thieves caught in two days",
                h1="Samastipur:two thieves caught in two days",
            ),
            "Samastipur: two thieves caught in two days",
        ),
        # A kicker is shorter than its headline.
        (
            page("A long kicker about the whole story: Short one", og="Short one here"),
            "A long kicker about the whole story: Short one",
        ),
    ],
)
def test_title_sources_agree_on_the_headline(html: str, title: str) -> None:
    assert from_html(html).title == title


@pytest.mark.parametrize(
    ("og", "site", "title"),
    [
        (
            "南海トラフ、一時調査 巨大地震、基準達せず｜中日新聞Web",
            "中日新聞Web",
            "南海トラフ、一時調査 巨大地震、基準達せず",
        ),
        (
            "東京女子医大元理事長を逮捕：東京新聞デジタル",
            "東京新聞デジタル",
            "東京女子医大元理事長を逮捕",
        ),
        (
            "장동혁, 한동훈 제명했지만 부담 커졌다ㅣ한국일보",
            "한국일보",
            "장동혁, 한동훈 제명했지만 부담 커졌다",
        ),
        (
            "Zelensky considers firing top general * The Gateway Pundit",
            "The Gateway Pundit",
            "Zelensky considers firing top general",
        ),
        ("Council：a city on the brink", "Example", "Council：a city on the brink"),
    ],
)
def test_site_names_are_cut_after_full_width_separators(og: str, site: str, title: str) -> None:
    html = (
        f'<html><head><meta property="og:title" content="{og}">'
        f'<meta property="og:site_name" content="{site}"></head><body><p>Text.</p></body></html>'
    )
    assert from_html(html).title == title
