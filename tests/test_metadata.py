"""Page metadata read by our own rules (``pipelines.extraction.metadata``): whole pages, the
description, and robustness. Each field family has its own test file
(``test_metadata_dates.py``, ``_authors``, ``_titles``, ``_tags``); the fixture pages are
described in ``tests/metadata_pages.py``.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.extraction.html import parse_html
from pipelines.extraction.json_ld import json_ld_documents
from pipelines.extraction.metadata import PageMetadata, page_metadata
from pipelines.extraction.options import HtmlExtractionOptions
from tests.metadata_pages import DATED_URL, FIXTURES, URL, from_html, read


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


def test_a_disabled_rule_is_not_applied_and_an_unknown_one_is_an_error() -> None:
    tree = parse_html(
        "<html><head><title>Budget passes | Example News</title>"
        '<meta property="og:site_name" content="Example News"></head><body></body></html>'
    )
    assert tree is not None
    assert page_metadata(tree, [], URL).title == "Budget passes"
    kept = page_metadata(tree, [], URL, frozenset({"title_site_affix"}))
    assert kept.title == "Budget passes | Example News"
    with pytest.raises(ValueError, match="unknown metadata rules: nope"):
        page_metadata(tree, [], URL, frozenset({"nope"}))
    with pytest.raises(ValueError, match="unknown metadata rules: nope"):
        HtmlExtractionOptions(disabled_metadata_rules=frozenset({"nope"}))
