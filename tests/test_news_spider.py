"""The news spider against a fake news site on 127.0.0.1: discovery, politeness, revisits.

One site and one database go through three crawls, as an hourly cron job would run them:
a first crawl, a second with nothing changed, and a third after one article was edited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils

from tests.conftest import crawl
from tests.newssite import NewsSite, RequestRecord, site_copy

ARTICLES = {f"/news/article-{n}" for n in range(1, 7)} | {
    "/news/busy",
    "/news/flaky",
    "/news/gzipped",
    "/news/cp1252",
}
"""The pages a crawl from every start URL stores as articles."""

FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_BACKOFF_BASE": 0.1,
    "CONTACT_URL": "https://cleanwire.test/contact",
}
"""Settings that keep a crawl of 127.0.0.1 quick; the politeness defaults are for real sites."""


@dataclass
class Run:
    """One crawl of the site: its id, the requests the site saw, the crawl's stats."""

    crawl_id: int
    requests: list[RequestRecord]
    stats: dict[str, int]
    stderr: str


@dataclass
class History:
    site: NewsSite
    db_path: Path
    runs: list[Run]

    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.db_path)


def start_urls(site: NewsSite) -> str:
    return ",".join(
        f"{site.url}{path}" for path in ("/", "/feeds/rss.xml", "/feeds/atom.xml", "/robots.txt")
    )


def crawl_site(site: NewsSite, db_path: Path, *arguments: str, **settings: object) -> Run:
    seen = len(site.requests)
    result = crawl(db_path, "news", *arguments, **{**FAST, **settings})
    with sqlite_utils.Database(db_path) as db:
        row = db.execute("select id, stats from crawls order by id desc limit 1").fetchone()
    return Run(row[0], site.requests[seen:], json.loads(row[1]), result.stderr)


def path_of(site: NewsSite, url: str) -> str:
    return url.removeprefix(site.url)


def fetches(history: History, run: int) -> dict[str, dict[str, object]]:
    """The fetches of the ``run``-th crawl by path of the URL requested."""
    crawl_id = history.runs[run].crawl_id
    with history.db() as db:
        rows = db.query("select * from fetches where crawl_id = ?", [crawl_id])
        return {path_of(history.site, row["uri"]): row for row in rows}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    folder = site_copy(tmp_path_factory.mktemp("site") / "site")
    db_path = tmp_path_factory.mktemp("db") / "news.db"
    with NewsSite(folder, slow_seconds=4) as site:
        first = crawl_site(site, db_path, f"start={start_urls(site)}")
        second = crawl_site(site, db_path, f"start={start_urls(site)}")
        edited = (folder / "news" / "article-1.html").read_text()
        paragraph = edited.split("<p>")[3].split("</p>")[0]
        site.touch(
            "news/article-1.html",
            edited.replace(paragraph, "Officials corrected the figures on Thursday evening."),
        )
        third = crawl_site(site, db_path, f"start={start_urls(site)}")
        yield History(site, db_path, [first, second, third])


def test_the_first_crawl_stores_every_article_once(history: History) -> None:
    with history.db() as db:
        stored = {path_of(history.site, row["url"]) for row in db["articles"].rows}
        assert stored == ARTICLES
        for article in db["articles"].rows:
            assert article["title"] and article["word_count"] > 200
            fetch = db["fetches"].get(article["fetch_id"])
            assert fetch["outcome"] == "article" and fetch["status"] == 200
            if not article["url"].endswith("/news/article-1"):  # edited before the third crawl
                assert fetch["crawl_id"] == history.runs[0].crawl_id and article["version"] == 1
            assert fetch["etag"] and fetch["last_modified"]


def test_pages_that_are_not_articles_are_recorded_as_such(history: History) -> None:
    first = fetches(history, 0)
    for path in ("/", "/tag/iraq", "/author/jane-doe", "/section/world"):
        assert first[path]["outcome"] == "not_article", path
        assert first[path]["reason"] in ("index_page", "link_list"), path
    assert first["/feeds/rss.xml"]["reason"] == "feed"
    assert first["/feeds/atom.xml"]["reason"] == "feed"
    assert first["/robots.txt"]["reason"] == "robots_txt"
    assert first["/sitemap_index.xml"]["reason"] == "sitemap_index"
    assert first["/sitemap-news.xml"]["reason"] == "sitemap"
    assert first["/sitemap-pages.xml.gz"]["reason"] == "sitemap"


def test_failures_are_recorded_and_the_crawl_finishes(history: History) -> None:
    first = fetches(history, 0)
    assert first["/news/missing"]["outcome"] == "error: http_404"
    assert first["/news/missing"]["status"] == 404
    assert first["/news/broken"]["outcome"] == "error: http_500"
    assert first["/news/slow"]["outcome"] == "error: download_timeout"
    assert first["/private/secret"]["outcome"] == "skipped: robots_txt"
    stats = history.runs[0].stats
    assert stats["pages/error/http_404"] == 1 and stats["pages/error/http_500"] == 1
    assert stats["pages/error/download_timeout"] == 1
    assert stats["pages/skipped/robots_txt"] == 1
    assert stats["finish_reason"] == "finished"
    assert "Traceback" not in history.runs[0].stderr


def test_the_same_article_at_a_second_url_is_a_duplicate(history: History) -> None:
    amp = fetches(history, 0)["/amp/article-2"]
    assert amp["outcome"] in ("duplicate", "article"), "an article when read before its own URL"
    with history.db() as db:
        (article,) = db["articles"].rows_where("url like ?", ["%/news/article-2"])
        assert amp["article_id"] == article["id"]
        assert path_of(history.site, db["fetches"].get(article["fetch_id"])["uri"]) == (
            "/news/article-2"
        )


def test_encodings_and_compression_are_read_right(history: History) -> None:
    with history.db() as db:
        (cp1252,) = db["articles"].rows_where("url like ?", ["%/news/cp1252"])
        assert "€" in cp1252["text"] or "’" in cp1252["text"]
        assert "\ufffd" not in cp1252["text"] and "â€" not in cp1252["text"]
        assert db["fetches"].get(cp1252["fetch_id"])["encoding"] == "cp1252"
        (gzipped,) = db["articles"].rows_where("url like ?", ["%/news/gzipped"])
        assert gzipped["word_count"] > 200


def test_requests_are_polite(history: History) -> None:
    site, requests = history.site, history.runs[0].requests
    paths = [request.path for request in requests]
    assert "/private/secret" not in paths, "robots.txt disallows it"
    assert "/files/report.pdf" not in paths, "a PDF holds no article to extract"
    assert not [p for p in paths if "passwd" in p or p.startswith(("ftp", "mailto"))]
    assert paths.count("/robots.txt") >= 1
    for request in requests:
        assert request.headers["User-Agent"].startswith("cleanwire/")
        assert "+https://cleanwire.test/contact" in request.headers["User-Agent"]
    busy = [r.time for r in requests if r.path == "/news/busy"]
    assert len(busy) == 2 and busy[1] - busy[0] >= 1.0, "Retry-After: 1 was honoured"
    assert paths.count("/news/flaky") == 3, "two 503s, then the page"
    assert paths.count("/news/broken") == 4, "the first try and three retries"
    assert site.url


def test_a_second_crawl_with_nothing_changed_adds_nothing(history: History) -> None:
    second = fetches(history, 1)
    outcomes = {path: row["outcome"] for path, row in second.items()}
    failed = {"/news/missing", "/news/broken", "/news/slow", "/private/secret"}
    listing_documents = {"/robots.txt": "robots_txt", "/sitemap_index.xml": "sitemap_index"}
    for path, reason in listing_documents.items():
        assert second[path]["reason"] == reason, "read whole again: they list other documents"
    others = outcomes.keys() - failed - listing_documents.keys()
    assert {outcomes[path] for path in others} == {"unchanged"}, outcomes
    with history.db() as db:
        assert db["articles"].count == len(ARTICLES)
        third_started = db["crawls"].get(history.runs[2].crawl_id)["started_at"]
        versions = list(db["article_versions"].rows)
        assert all(row["superseded_at"] >= third_started for row in versions)
        first_crawl = {path_of(history.site, row["url"]) for row in db["articles"].rows}
        assert first_crawl == ARTICLES
    stats = history.runs[1].stats
    assert stats["pages/unchanged/not_modified"] >= 1
    assert "extract/pages" not in stats or stats["extract/pages"] <= 1


def test_the_second_crawl_asks_with_validators_or_skips_by_listing_date(
    history: History,
) -> None:
    requests = {r.path: r for r in history.runs[1].requests}
    assert "If-None-Match" in requests["/feeds/rss.xml"].headers
    assert "If-Modified-Since" in requests["/feeds/rss.xml"].headers
    assert "If-None-Match" not in requests["/sitemap_index.xml"].headers
    stats = history.runs[1].stats
    assert stats["revisit/conditional"] >= 5
    assert stats["pages/unchanged/not_modified"] >= 5


def test_an_edited_article_gets_one_new_version(history: History) -> None:
    third = fetches(history, 2)
    assert third["/news/article-1"]["outcome"] == "article"
    with history.db() as db:
        (article,) = db["articles"].rows_where("url like ?", ["%/news/article-1"])
        assert article["version"] == 2
        assert "Officials corrected the figures" in article["text"]
        (earlier,) = db["article_versions"].rows
        assert earlier["article_id"] == article["id"] and earlier["version"] == 1
        assert "Officials corrected the figures" not in earlier["text"]
        assert db["fetches"].get(earlier["fetch_id"])["crawl_id"] == 1
        assert article["first_seen"] < article["last_seen"]
        assert db["articles"].count == len(ARTICLES)
    assert history.runs[2].stats["articles/changed"] == 1
    assert history.runs[2].stats["revisit/listed_unchanged"] >= 5, "the sitemap dates the rest"
    assert "changed: version 2" in history.runs[2].stderr


def test_discovery_provenance_comes_from_each_kind_of_listing(tmp_path: Path) -> None:
    with NewsSite(site_copy(tmp_path / "site")) as site:
        db_path = tmp_path / "news.db"
        crawl_site(site, db_path, f"start={site.url}/feeds/rss.xml", "depth=0")
        crawl_site(site, db_path, f"start={site.url}/robots.txt", "depth=0")
        crawl_site(site, db_path, f"start={site.url}/old/article-3", "depth=0")
    with sqlite_utils.Database(db_path) as db:
        rows = {path_of(site, row["uri"]): row for row in db["fetches"].rows}
    rss = rows["/news/article-1"]
    assert (rss["discovered_via"], path_of(site, rss["discovered_from"])) == (
        "feed",
        "/feeds/rss.xml",
    )
    listed = json.loads(rss["discovery"])
    assert listed["guid"] == "fixture-article-1" and listed["title"] and listed["published"]
    news = rows["/news/cp1252"]
    assert (news["discovered_via"], path_of(site, news["discovered_from"])) == (
        "sitemap",
        "/sitemap-news.xml",
    )
    assert json.loads(news["discovery"])["news_publication_date"]
    index = rows["/sitemap_index.xml"]
    assert (index["discovered_via"], path_of(site, index["discovered_from"])) == (
        "robots",
        "/robots.txt",
    )
    assert rows["/robots.txt"]["discovered_via"] == "start"
    moved = rows["/old/article-3"]
    assert path_of(site, moved["final_url"]) == "/news/article-3"
    assert moved["status"] == 304, "read by the crawl before: asked with its validators"
    assert moved["outcome"] in ("article", "unchanged", "duplicate")


def test_a_start_url_that_is_not_http_is_a_clear_error(db_path: Path) -> None:
    result = crawl(db_path, "news", "start=file:///etc/passwd", check=False)
    assert result.returncode == 2
    assert result.stderr == "-a start: not an http(s) URL: 'file:///etc/passwd'\n"


def test_bad_responses_each_get_a_clear_outcome(tmp_path: Path) -> None:
    folder = site_copy(tmp_path / "site")
    (folder / "news" / "huge.html").write_text("<html><body>" + "<p>word </p>" * 300_000)
    (folder / "news" / "empty.html").write_text("")
    (folder / "news" / "broken-markup.html").write_bytes(
        b"<html><body><div><p>Few words \xff<<< <b>unclosed"
    )
    with NewsSite(folder) as site:
        start_file = tmp_path / "sites.txt"
        start_file.write_text(
            "# bad inputs, one a line\n\n"
            + "".join(
                f"{site.url}{path}  # {path}\n"
                for path in (
                    "/files/report.pdf",
                    "/news/huge",
                    "/news/empty",
                    "/news/broken-markup",
                )
            )
        )
        run = crawl_site(
            site, tmp_path / "news.db", f"start_file={start_file}", DOWNLOAD_MAXSIZE=1_000_000
        )
    with sqlite_utils.Database(tmp_path / "news.db") as db:
        outcomes = {path_of(site, row["uri"]): row["outcome"] for row in db["fetches"].rows}
    assert outcomes == {
        "/files/report.pdf": "skipped: binary",
        "/news/huge": "skipped: too_large",
        "/news/empty": "skipped: empty",
        "/news/broken-markup": "not_article",
    }
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("first", ["news", "pages"])
def test_a_page_two_listings_date_differently_is_requested_when_either_is_newer(
    tmp_path: Path, first: str
) -> None:
    """A news sitemap gives a story its first publication date, another sitemap its last
    change: whichever listing is read first, the change gets the story read again."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (folder / "story.html").write_text(STORY.format(change="first told"))
    (folder / "news.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
        "<loc>{{BASE}}/story</loc><news:news><news:publication><news:name>T</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2020-01-01T00:00:00+00:00</news:publication_date>"
        "<news:title>Story</news:title></news:news></url></urlset>"
    )
    (folder / "pages.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>{{BASE}}/story</loc><lastmod>{{MTIME:story.html}}</lastmod></url></urlset>"
    )
    db_path = tmp_path / "news.db"
    with NewsSite(folder) as site:
        order = ["news", "pages"] if first == "news" else ["pages", "news"]
        start = "start=" + ",".join(f"{site.url}/{name}.xml" for name in order)
        one_at_a_time = {"CONCURRENT_REQUESTS": 1, "ROBOTSTXT_OBEY": False}
        crawl(db_path, "news", start, **{**FAST, **one_at_a_time})
        site.touch("story.html", STORY.format(change="corrected on Friday"))
        site.touch("news.xml")  # read again, with the story's old publication date
        crawl(db_path, "news", start, **{**FAST, **one_at_a_time})
        seen = [record.path for record in site.requests if record.path == "/story"]
    with sqlite_utils.Database(db_path) as db:
        (article,) = db["articles"].rows
    assert len(seen) == 2
    assert article["version"] == 2 and "corrected on Friday" in article["text"]


STORY = (
    "<html><head><title>Story</title><meta property='og:type' content='article'></head><body>"
    "<article><h1>Story</h1>"
    "<p>The city council met on Tuesday to vote on the new budget for schools and parks.</p>"
    "<p>Members argued for three hours over the cost of repairing the old library roof.</p>"
    "<p>The mayor said the vote showed the city could still agree on what matters most.</p>"
    "<p>Residents who came to the meeting asked for more money for the bus routes.</p>"
    "<p>This story was {change} by the reporters who covered the long meeting.</p>"
    "</article></body></html>"
)
