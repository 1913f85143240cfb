"""Listing pages (home, section, tag, author, search, paginated) are not articles.

Each page is built from small helpers that write the markup news sites use: a header with
navigation, a ``<main>`` of teaser cards or an article body, a footer. Listing pages must be
rejected as ``index_page`` with the signal that gave them away; articles that carry some
listing-like signal (``og:type website``, a ``/topics/`` URL, many links, a live blog of short
entries) must come through.
"""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest

from pipelines.extraction.html import HtmlExtractionOptions, extract_html
from pipelines.extraction.page_kind import json_ld_page_types, url_listing_pattern
from pipelines.extraction.result import NotArticle

SITE = "https://news.example.com"

STORIES = [
    (
        "Council approves new budget for city schools after long debate",
        "Councillors voted 9 to 4 for a plan that adds 40 teachers and repairs three buildings.",
    ),
    (
        "Storm brings flooding to coastal towns as rivers burst their banks",
        "Hundreds of homes were evacuated overnight and two main roads remain closed.",
    ),
    (
        "Local side wins championship in overtime thriller at home stadium",
        "A late header from the captain settled a final that drew a record crowd.",
    ),
    (
        "Hospital opens new cancer wing funded by community donations",
        "The unit will treat 3,000 patients a year and cut waiting times by half.",
    ),
    (
        "Transport authority announces fare rise for buses and trams",
        "Single tickets will cost 20 cents more from January, the first rise in four years.",
    ),
    (
        "Police appeal for witnesses after collision on the ring road",
        "A cyclist was taken to hospital with serious injuries after the crash on Tuesday.",
    ),
    (
        "Researchers find new species of tree frog in national park",
        "The tiny amber frog was spotted during a night survey of the upper valley.",
    ),
    (
        "Farmers warn of poor harvest after driest summer on record",
        "Wheat yields could fall by a third, the regional farmers' union said.",
    ),
    (
        "Museum reopens after two-year renovation with six new galleries",
        "Visitors queued round the block for the first look at the restored collection.",
    ),
    (
        "Mayor defends housing plan against criticism from residents",
        "Opponents say the 1,200 new homes would overwhelm schools and surgeries.",
    ),
    (
        "Airport expansion delayed again amid planning objections",
        "A public inquiry will now examine noise and traffic concerns next spring.",
    ),
    (
        "Schools to get extra funding for teaching assistants",
        "Each primary school will receive enough to hire at least one more assistant.",
    ),
]

ARTICLE = [
    "The city council approved a new budget for its schools on Tuesday night after a debate"
    " that ran for more than five hours and drew a crowd of parents, teachers and students"
    " to the public gallery.",
    "The plan adds 40 teaching posts over the next two years, pays for repairs to three"
    " primary schools whose roofs leak every winter, and sets aside money for a new"
    " after-school programme in the eastern districts.",
    'Supporters said the spending was overdue. "We have asked teachers to do more with less'
    ' for a decade," said the chair of the education committee, who proposed the plan. "This'
    ' budget starts to put that right."',
    "Opponents argued that the council had not explained how it would pay for the new posts"
    " once a one-off grant from the regional government runs out in 2027. Several members"
    " asked for the vote to be delayed until an independent review of the figures was done.",
    "The finance director told members that the posts could be funded from savings in the"
    " council's energy bills, which have fallen since solar panels were fitted on 20 public"
    " buildings last year, but conceded that the estimate depended on future prices.",
    "Parents in the gallery applauded when the result was read out. One mother, whose two"
    " children attend a school where classes were moved to temporary cabins last winter, said"
    " she hoped the repairs would begin before the cold weather returned.",
    "The teachers' union welcomed the vote but said it would watch closely how the new posts"
    " were shared between schools. The council will publish a timetable for the repairs and"
    " the hiring next month, and the first new teachers are expected in September.",
]


def page(main: str, *, url: str, head: str = "", title: str = "Example News") -> str:
    """A whole page: header and navigation, ``main``, footer; ``head`` goes into ``<head>``."""
    nav = "".join(
        f'<li><a href="{SITE}/{slug}/">{name}</a></li>'
        for slug, name in [("news", "News"), ("sport", "Sport"), ("business", "Business")]
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html_lib.escape(title)}</title>
<link rel="canonical" href="{url}">{head}</head>
<body><header><a class="logo" href="{SITE}/">Example News</a><nav><ul>{nav}</ul></nav></header>
<main>{main}</main>
<footer><p>&copy; 2024 Example News Ltd. All rights reserved.</p>
<ul><li><a href="{SITE}/about/">About us</a></li><li><a href="{SITE}/contact/">Contact</a></li>
</ul></footer></body></html>"""


def meta(**properties: str) -> str:
    """``<meta property=...>`` tags, ``og_type`` written as ``og:type``."""
    return "".join(
        f'<meta property="{name.replace("_", ":", 1)}" content="{value}">'
        for name, value in properties.items()
    )


def json_ld(data: object) -> str:
    """A JSON-LD ``<script>`` block."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def teaser_cards(stories: list[tuple[str, str]] = STORIES, *, summaries: bool = True) -> str:
    """Teaser cards as news fronts write them: image link, kicker, headline link, summary, time."""
    cards = []
    for number, (headline, summary) in enumerate(stories):
        href = f"{SITE}/news/2024/05/{number + 101}/{headline.lower().replace(' ', '-')[:40]}"
        cards.append(
            f'<article class="card"><a href="{href}"><img src="/img/{number}.jpg" alt=""></a>'
            f'<a class="kicker" href="{SITE}/news/">News</a>'
            f'<h3 class="card__title"><a href="{href}">{headline}</a></h3>'
            + (f'<p class="card__summary">{summary}</p>' if summaries else "")
            + f'<time datetime="2024-05-12T{8 + number % 10:02d}:00">{number + 1}h ago</time>'
            "</article>"
        )
    return f'<section class="stream">{"".join(cards)}</section>'


def card_links(stories: list[tuple[str, str]] = STORIES) -> str:
    """Teasers whose whole card is one link, in a list."""
    items = "".join(
        f'<li><a class="card" href="/world/{number}"><h3>{headline}</h3><p>{summary}</p></a></li>'
        for number, (headline, summary) in enumerate(stories)
    )
    return f'<ul class="cards">{items}</ul>'


def with_links(paragraph: str) -> str:
    """The paragraph with the words before each comma and full stop linked, as in a
    well-sourced story."""
    return re.sub(
        r"(\w+ \w+ \w+)(?=[.,])",
        lambda words: f'<a href="/news/{words[1].lower().replace(" ", "-")}">{words[1]}</a>',
        paragraph,
    )


def article_body(paragraphs: list[str] = ARTICLE, *, headline: str = STORIES[0][0]) -> str:
    """An article: headline, byline, paragraphs, and a related-stories box after it."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    related = teaser_cards(STORIES[1:5], summaries=False)
    return (
        f'<article><h1>{headline}</h1><p class="byline">By Jane Doe</p>'
        f'<div class="article-body">{body}</div></article>'
        f"<aside><h2>More stories</h2>{related}</aside>"
    )


def rejection(html: str, url: str) -> NotArticle:
    """The ``NotArticle`` that extracting ``html`` read from ``url`` raises."""
    with pytest.raises(NotArticle) as caught:
        extract_html(html, url, HtmlExtractionOptions())
    return caught.value


LISTINGS = {
    "home page": (
        page(
            "<h1>Latest news</h1>" + teaser_cards(),
            url=f"{SITE}/",
            head=meta(og_type="website") + json_ld({"@type": "WebSite", "url": SITE}),
        ),
        f"{SITE}/",
        r"url root",
    ),
    "tag page": (
        page(
            "<h1>Climate</h1><p>All our coverage of climate change.</p>" + teaser_cards(),
            url=f"{SITE}/tag/climate/",
            head=meta(og_type="website")
            + json_ld(
                {
                    "@context": "https://schema.org",
                    "@type": "CollectionPage",
                    "name": "Climate",
                    "mainEntity": {"@type": "ItemList", "itemListElement": []},
                }
            ),
        ),
        f"{SITE}/tag/climate/",
        r"json_ld CollectionPage",
    ),
    "author page": (
        page(
            "<h1>Jane Doe</h1><p>Jane Doe is our education correspondent.</p>"
            + teaser_cards(STORIES[:8]),
            url=f"{SITE}/people/jane-doe",
            head=meta(og_type="profile")
            + json_ld(
                {
                    "@context": "https://schema.org",
                    "@graph": [
                        {"@type": "ProfilePage", "@id": f"{SITE}/people/jane-doe"},
                        {"@type": "Person", "name": "Jane Doe"},
                        {"@type": "WebSite", "url": SITE},
                    ],
                }
            ),
        ),
        f"{SITE}/people/jane-doe",
        r"json_ld ProfilePage",
    ),
    "search results": (
        page(
            '<h1>Results for "flood"</h1><form action="/search"><input name="q"></form>'
            + teaser_cards(STORIES[1:9]),
            url=f"{SITE}/search?q=flood",
            head=meta(og_type="website"),
        ),
        f"{SITE}/search?q=flood",
        r"url /search/, teaser list \d+ of \d+ blocks",
    ),
    "search results by JSON-LD": (
        page(
            "<h1>Search</h1>" + teaser_cards(STORIES[:5]),
            url=f"{SITE}/find?query=museum",
            head=json_ld({"@type": ["WebPage", "SearchResultsPage"]}),
        ),
        f"{SITE}/find?query=museum",
        r"json_ld SearchResultsPage",
    ),
    "paginated listing": (
        page(
            "<h1>News</h1>" + teaser_cards() + f'<a href="{SITE}/news/page/4">Next page</a>',
            url=f"{SITE}/news/page/3",
            head=meta(og_type="website"),
        ),
        f"{SITE}/news/page/3",
        r"url /page/3, teaser list \d+ of \d+ blocks",
    ),
    "listing paginated by query": (
        page("<h1>Business</h1>" + teaser_cards(STORIES[4:]), url=f"{SITE}/business?page=2"),
        f"{SITE}/business?page=2",
        r"url \?page=2, teaser list \d+ of \d+ blocks",
    ),
    "section page without metadata": (
        page("<h1>Europe</h1>" + teaser_cards(), url=f"{SITE}/world/europe"),
        f"{SITE}/world/europe",
        r"teaser list \d+ of \d+ blocks",
    ),
    "section page of card links": (
        page("<h1>World</h1>" + card_links(), url=f"{SITE}/world"),
        f"{SITE}/world",
        r"teaser list \d+ of \d+ blocks",
    ),
    "category page with a short blurb": (
        page(
            "<h1>Weather</h1><p>Forecasts, warnings and the stories behind them, updated"
            " every day by our weather desk.</p>",
            url=f"{SITE}/category/weather/",
            head=meta(og_type="website"),
        ),
        f"{SITE}/category/weather/",
        r"url /category/, short text \d+ words",
    ),
}


@pytest.mark.parametrize("name", LISTINGS)
def test_listing_page_is_an_index_page(name: str) -> None:
    html, url, detail = LISTINGS[name]
    rejected = rejection(html, url)
    assert rejected.outcome == "not_article"
    assert rejected.reason == "index_page"
    assert re.fullmatch(detail, rejected.detail), rejected.detail


def test_teaser_list_detail_counts_the_blocks() -> None:
    html, url, _ = LISTINGS["section page without metadata"]
    counted = re.fullmatch(r"teaser list (\d+) of (\d+) blocks", rejection(html, url).detail)
    assert counted is not None
    in_teasers, blocks = map(int, counted.groups())
    assert len(STORIES) <= in_teasers <= blocks


def test_a_root_url_is_an_index_page_unless_the_page_declares_an_article_type() -> None:
    url = f"{SITE}/index.html"
    dated = meta(article_published_time="2024-05-12T09:00:00Z")
    assert rejection(page(article_body(), url=url, head=dated), url).detail == "url root"
    declared = meta(og_type="article") + dated
    text = extract_html(page(article_body(), url=url, head=declared), url, HtmlExtractionOptions())
    assert ARTICLE[-1] in text.text


def test_a_root_url_declaring_an_article_over_a_teaser_list_is_an_index_page() -> None:
    url = f"{SITE}/"
    html = page("<h1>Latest news</h1>" + teaser_cards(), url=url, head=meta(og_type="article"))
    assert rejection(html, url).detail.startswith("url root, ")


def test_a_saved_page_is_judged_by_the_address_it_names_for_itself() -> None:
    canonical = f"{SITE}/tag/climate/"
    html = page(
        "<h1>Climate</h1>" + teaser_cards(),
        url=canonical,
        head=meta(og_type="website"),
    )
    assert rejection(html, "file:///home/me/pages/climate.html").detail.startswith("url /tag/")


LIVE_BLOG = "".join(
    f'<div class="entry"><time>{9 + n}:{15 * (n % 4):02d}</time><h3>{headline}</h3>'
    f"<p>{summary}</p></div>"
    for n, (headline, summary) in enumerate(STORIES[:10])
)

ARTICLES = {
    "long article stating og:type website": (
        page(
            article_body(),
            url=f"{SITE}/2024/05/12/city-schools-budget",
            head=meta(og_type="website"),
        ),
        f"{SITE}/2024/05/12/city-schools-budget",
    ),
    "NewsArticle under /topics/": (
        page(
            article_body(),
            url=f"{SITE}/topics/education/city-schools-budget",
            head=meta(og_type="website")
            + json_ld({"@context": "https://schema.org", "@type": "NewsArticle"}),
        ),
        f"{SITE}/topics/education/city-schools-budget",
    ),
    "article with many inline links": (
        page(
            article_body([with_links(paragraph) for paragraph in ARTICLE]),
            url=f"{SITE}/education/city-schools-budget",
        ),
        f"{SITE}/education/city-schools-budget",
    ),
    "live blog": (
        page(
            f"<article><h1>Storm live: latest updates</h1>{LIVE_BLOG}</article>",
            url=f"{SITE}/news/live/storm-latest",
            head=meta(og_type="website") + json_ld({"@type": "LiveBlogPosting"}),
        ),
        f"{SITE}/news/live/storm-latest",
    ),
    "@graph of WebPage, NewsArticle and BreadcrumbList": (
        page(
            article_body(),
            url=f"{SITE}/category/education/city-schools-budget/",
            head=json_ld(
                {
                    "@context": "https://schema.org",
                    "@graph": [
                        {"@type": "WebPage", "@id": f"{SITE}/category/education/"},
                        {"@type": "NewsArticle", "headline": STORIES[0][0]},
                        {"@type": "BreadcrumbList", "itemListElement": []},
                    ],
                }
            ),
        ),
        f"{SITE}/category/education/city-schools-budget/",
    ),
    "article at the root with a query selecting it": (
        page(article_body(), url=f"{SITE}/?p=123", head=meta(og_type="article")),
        f"{SITE}/?p=123",
    ),
}


@pytest.mark.parametrize("name", ARTICLES)
def test_article_is_extracted(name: str) -> None:
    html, url = ARTICLES[name]
    text = extract_html(html, url, HtmlExtractionOptions()).text
    first, last = (STORIES[0][1], STORIES[9][1]) if "live" in url else (ARTICLE[0], ARTICLE[-1])
    assert first in text
    assert last in text


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        (f"{SITE}/tag/climate/", "/tag/"),
        (f"{SITE}/Topics/climate", "/Topics/"),
        (f"{SITE}/authors/jane-doe/", "/authors/"),
        (f"{SITE}/news/page/3", "/page/3"),
        (f"{SITE}/news/page/3/", "/page/3"),
        (f"{SITE}/news?page=2", "?page=2"),
        (f"{SITE}/2024/05/12/tagged-for-life", None),
        (f"{SITE}/news/page-turner-of-a-novel", None),
        (f"{SITE}/news?id=7", None),
    ],
)
def test_url_listing_pattern(url: str, pattern: str | None) -> None:
    assert url_listing_pattern(url) == pattern


def test_json_ld_types_come_from_the_main_entity_only() -> None:
    documents = [
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": ["WebPage", "schema:CollectionPage"]},
                {
                    "@type": "ItemList",
                    "itemListElement": [{"@type": "ListItem", "item": {"@type": "NewsArticle"}}],
                },
            ],
        },
        [{"@type": "http://schema.org/WebSite", "mainEntity": {"@type": "Organization"}}],
    ]
    types = json_ld_page_types(documents)
    assert sorted(types) == ["collectionpage", "itemlist", "organization", "webpage", "website"]
