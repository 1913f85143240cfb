"""Page metadata read by our own rules (``pipelines.extraction.metadata``).

Each fixture in ``tests/data/metadata/`` is a small page that states one field in one of the
usual places (``<title>``, ``og:*``, JSON-LD, microdata, ``<time>``, the byline, the URL),
or several places that disagree, so the precedence rule is visible test by test. Pages are
parsed as the extraction pipeline parses them (``parse_html`` and ``json_ld_documents``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize(
    ("fixture", "description"),
    [
        ("description_og.html", "The council approved the budget & more."),
        ("description_meta.html", "The council approved the budget."),
        ("description_json_ld.html", "The council approved the budget."),
        ("date_json_ld.html", None),
    ],
)
def test_description(fixture: str, description: str | None) -> None:
    assert read(fixture).description == description


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


def test_garbage_json_ld_is_read_where_it_makes_sense() -> None:
    metadata = read("garbage_json_ld.html")
    assert metadata.title == "Budget"
    assert metadata.authors == ["Jane Doe", "John Roe", "Ann Poe"]
    assert metadata.date_published is None
    assert metadata.sitename == "Example News"
    assert metadata.tags == ["Politics"]
    assert metadata.language == "en"


def test_full_page() -> None:
    """A WordPress-style page: a Yoast ``@graph`` with ``@id`` references, a site title in an
    ``<h1>``, teaser times in the navigation, a related list and comments."""
    url = "https://news.example.com/2026/11/20/council-approves-budget/"
    assert read("full_page.html", url) == PageMetadata(
        title="Council approves budget for city schools",
        authors=["Jane Doe", "John Roe"],
        date_published="2026-11-20T08:30:00+00:00",
        date_modified="2026-11-20T10:05:00+00:00",
        date_source="json_ld",
        sitename="Example News",
        description="Councillors voted 9 to 4 for a plan that adds 40 teachers.",
        canonical_url=url,
        image="https://news.example.com/wp-content/uploads/council.jpg",
        tags=["Budget", "Schools", "Council", "Local", "Education", "Taxes"],
        language="en",
    )


def test_full_page_without_json_ld_falls_back_to_meta_and_byline() -> None:
    html = (FIXTURES / "full_page.html").read_text(encoding="utf-8")
    start = html.index('<script type="application/ld+json">')
    end = html.index("</script>", start) + len("</script>")
    metadata = from_html(html[:start] + html[end:], None)
    assert metadata.authors == ["Jane Doe", "John Roe"]
    assert (metadata.date_published, metadata.date_source) == (
        "2026-11-20T09:30:00+01:00",
        "meta",
    )
    assert metadata.title == "Council approves budget for city schools"
    assert metadata.sitename == "Example News"


def test_byline_only_in_the_dom() -> None:
    html = (FIXTURES / "full_page.html").read_text(encoding="utf-8")
    html = html.replace('<meta property="article:published_time"', '<meta name="x"')
    start = html.index('<script type="application/ld+json">')
    end = html.index("</script>", start) + len("</script>")
    metadata = from_html(html[:start] + html[end:], URL)
    assert metadata.authors == ["Jane Doe", "John Roe"]
    assert (metadata.date_published, metadata.date_source) == (
        "2026-11-20T09:30:00+01:00",
        "time",
    )


# Robustness: page_metadata never raises, whatever the page holds.

JSON_KEYS = st.sampled_from(
    [
        "@type",
        "@id",
        "@graph",
        "mainEntity",
        "mainEntityOfPage",
        "headline",
        "name",
        "author",
        "creator",
        "publisher",
        "datePublished",
        "dateCreated",
        "dateModified",
        "description",
        "image",
        "url",
        "keywords",
        "articleSection",
        "inLanguage",
        "givenName",
        "familyName",
    ]
)
JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "NewsArticle",
            "WebPage",
            "Person",
            "Organization",
            "2026-11-20T09:30:00+01:00",
            "2026-02-30",
            "0000-00-00T99:99",
            "Nov 31, 2026",
            "/relative",
            "https://news.example.com/x",
            "http://[invalid",
            "javascript:void(0)",
        ]
    )
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(JSON_KEYS | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
META_KEYS = st.sampled_from(
    [
        "og:title",
        "og:image",
        "og:url",
        "og:site_name",
        "og:locale",
        "article:published_time",
        "article:modified_time",
        "article:tag",
        "author",
        "keywords",
        "description",
        "pubdate",
        "datePublished",
    ]
)
FRAGMENTS = st.one_of(
    st.builds(
        '<meta {} content="{}">'.format,
        st.builds("{}={}".format, st.sampled_from(["property", "name", "itemprop"]), META_KEYS),
        st.text(max_size=40).map(lambda t: t.replace('"', "&quot;")),
    ),
    st.builds('<time datetime="{}">{}</time>'.format, st.text(max_size=30), st.text(max_size=10)),
    st.builds("<h1>{}</h1>".format, st.text(max_size=30)),
    st.builds('<p class="byline">By {}</p>'.format, st.text(max_size=30)),
    st.builds(
        '<a rel="{}" href="{}">{}</a>'.format,
        st.sampled_from(["tag", "author"]),
        st.text(max_size=10),
        st.text(max_size=10),
    ),
    st.builds('<link rel="canonical" href="{}">'.format, st.text(max_size=30)),
    st.builds(
        '<script type="application/ld+json">{}</script>'.format,
        JSON_VALUES.map(lambda value: json.dumps(value).replace("</", "<\\/")),
    ),
    st.sampled_from(["<article>", "</article>", "<aside>", "<div class='comments'>", "</div>"]),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fragments=st.lists(FRAGMENTS, max_size=12),
    extra_json_ld=st.lists(JSON_VALUES, max_size=3),
    url=st.none()
    | st.text(max_size=20)
    | st.sampled_from([DATED_URL, "http://[invalid", "https://exa mple.com/a b", "ftp://x/y"]),
)
def test_never_raises(fragments: list[str], extra_json_ld: list[object], url: str | None) -> None:
    tree = parse_html(
        "<html><head><title>t</title></head><body>" + "".join(fragments) + "</body></html>"
    )
    if tree is None:
        return
    metadata = page_metadata(tree, json_ld_documents(tree) + extra_json_ld, url)
    assert isinstance(metadata, PageMetadata)
    assert all(isinstance(name, str) and name for name in metadata.authors)
    assert all(isinstance(tag, str) and tag for tag in metadata.tags)
    for link in (metadata.canonical_url, metadata.image):
        assert link is None or link.startswith(("http://", "https://"))
    assert metadata.date_source is None or metadata.date_published is not None
