"""Security (#7): what content can make the news spider request, and what reaches Datasette.

The news spider requests http(s) URLs only, whatever pages, feeds, sitemaps, robots.txt and
servers point it to (``crawler/schemeguard.py``); stored text is text, and Datasette shows it
escaped, our plugin's links included (``data/plugins/foreign_key_links.py``).
"""

from __future__ import annotations

import json
import socket
import sqlite3
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

import crawler.settings
from crawler.discovery import parse_feed, parse_sitemap, sitemaps_in_robots
from crawler.items import Fetch, Page, utc_now
from crawler.schemeguard import REFUSED_STAT, WebOnlyRedirectMiddleware, WebOnlySpiderMiddleware
from crawler.spiders.news import NewsSpider
from pipelines.database import NewsDatabase
from pipelines.extraction.result import FetchFailed
from tests.conftest import crawl, project_crawler, serve_datasette
from tests.hostile import LITERAL_SCRIPT, article_html
from tests.newssite import SITE_DATA, NewsSite, Reply
from tests.test_datasette_browser import browser  # noqa: F401 (a fixture)
from tests.test_news_spider import crawl_site

BASE = "https://news.example.com/section/feed.xml"
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
ESCAPED_TITLE = "&lt;img src=x onerror=alert(1)&gt;"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ODD_URI = 'https://news.example.com/it\'s "quoted" <b>bold</b>'
ODD_ARTICLE_ID = '"><script>alert(1)</script>'


# The parsers leave other schemes out, and say which


@pytest.mark.parametrize(
    ("body", "parse", "listed", "left_out"),
    [
        (
            b"<rss><channel><item><link>file:///etc/passwd</link></item>"
            b"<item><link>javascript:alert(1)</link><guid>https://a.example/g</guid></item>"
            b"<item><link>/ok</link></item></channel></rss>",
            parse_feed,
            ["https://a.example/g", "https://news.example.com/ok"],
            ["file:///etc/passwd", "javascript:alert(1)"],
        ),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            b'<link href="data:text/html,hi"/><link href="ftp://a.example/x"/></entry></feed>',
            parse_feed,
            [],
            ["data:text/html,hi", "ftp://a.example/x"],
        ),
        (
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>file:///etc/passwd</loc></url><url><loc>https://a.example/p</loc></url>"
            b"<url><loc>https://</loc></url></urlset>",
            parse_sitemap,
            ["https://a.example/p"],
            ["file:///etc/passwd"],
        ),
    ],
)
def test_feeds_and_sitemaps_report_the_urls_of_other_schemes_they_leave_out(
    body: bytes, parse: Any, listed: list[str], left_out: list[str]
) -> None:
    refused: list[str] = []
    assert [listing.url for listing in parse(body, BASE, refused)] == listed
    assert refused == left_out


def test_robots_txt_reports_the_sitemaps_of_other_schemes_it_leaves_out() -> None:
    refused: list[str] = []
    body = b"Sitemap: file:///etc/passwd\nSitemap: mailto:x@a.example\nSitemap: /s.xml"
    assert sitemaps_in_robots(body, BASE, refused) == ["https://news.example.com/s.xml"]
    assert refused == ["file:///etc/passwd", "mailto:x@a.example"]


# The guard's middlewares, one at a time


def test_the_spider_middleware_drops_requests_of_other_schemes_made_from_responses() -> None:
    crawler = project_crawler()
    crawler.stats.open_spider()
    middleware = build_from_crawler(WebOnlySpiderMiddleware, crawler)
    page = HtmlResponse("https://a.example/", body=b"<html></html>")
    output = [
        Request("https://a.example/ok"),
        Request("file:///etc/passwd", meta={"discovered_via": "feed"}),
        Request("ftp://a.example/x"),
        Request("data:text/html,hi"),
        {"an": "item"},
    ]
    kept = list(middleware.process_spider_output(page, output))
    assert [getattr(item, "url", item) for item in kept] == ["https://a.example/ok", {"an": "item"}]
    assert crawler.stats.get_value(REFUSED_STAT) == 3
    assert crawler.stats.get_value(f"{REFUSED_STAT}/feed") == 1
    assert crawler.stats.get_value(f"{REFUSED_STAT}/link") == 2
    start = Request("https://a.example/start")
    assert middleware.get_processed_request(start, None) is start, "start URLs are the user's"


@pytest.mark.parametrize(
    ("response", "via"),
    [
        (
            Response("https://a.example/r", status=302, headers={"Location": "file:///etc/passwd"}),
            "redirect",
        ),
        (
            Response("https://a.example/r", status=301, headers={"Location": "ftp://a.example/"}),
            "redirect",
        ),
        (Response("https://a.example/r", status=307, headers={"Location": "data:,x"}), "redirect"),
        (
            HtmlResponse(
                "https://a.example/r",
                body=b'<html><head><meta http-equiv="refresh" content="0; url=file:///etc/passwd">',
            ),
            "meta_refresh",
        ),
    ],
    ids=["file", "ftp", "data", "meta-refresh"],
)
def test_redirects_and_meta_refreshes_to_other_schemes_are_not_followed(
    response: Response, via: str
) -> None:
    crawler = project_crawler()
    crawler.stats.open_spider()
    middleware = build_from_crawler(WebOnlyRedirectMiddleware, crawler)
    request = Request(response.url)
    assert middleware.process_response(request, response) is response
    assert request.meta["dont_redirect"] is True
    assert request.meta["refused_redirect"].split(":")[0] in ("file", "ftp", "data")
    assert crawler.stats.get_value(f"{REFUSED_STAT}/{via}") == 1


def test_redirects_to_http_are_left_to_scrapy() -> None:
    crawler = project_crawler()
    crawler.stats.open_spider()
    middleware = build_from_crawler(WebOnlyRedirectMiddleware, crawler)
    request = Request("https://a.example/r")
    moved = Response(request.url, status=301, headers={"Location": "//b.example/new"})
    assert middleware.process_response(request, moved) is moved
    assert "dont_redirect" not in request.meta
    assert crawler.stats.get_value(REFUSED_STAT) is None


def test_the_news_spider_cannot_download_other_schemes_at_all() -> None:
    settings = {name: value for name, value in vars(crawler.settings).items() if name.isupper()}
    news = get_crawler(NewsSpider, settings_dict=settings).settings
    handlers = news.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers[scheme] is None for scheme in ("file", "data", "ftp", "s3"))
    assert "crawler.schemeguard.WebOnlySpiderMiddleware" in news.getdict("SPIDER_MIDDLEWARES")
    downloader_middlewares = news.getdict("DOWNLOADER_MIDDLEWARES")
    assert "crawler.schemeguard.WebOnlyRedirectMiddleware" in downloader_middlewares


# A crawl of a site whose content points everywhere but http(s)


class SchemeTrapSite(NewsSite):
    """The fake news site, with redirects whose ``Location`` is not a http(s) URL."""

    def __init__(self, folder: Path, redirects: dict[str, str]) -> None:
        self.redirects = redirects
        super().__init__(folder)

    def _respond(self, target: str, request_headers: dict[str, str]) -> Reply:
        route = target.partition("?")[0]
        if route in self.redirects:
            return Reply(302, {"Location": self.redirects[route]}, b"")
        return super()._respond(target, request_headers)


@dataclass
class TrapCrawl:
    site: SchemeTrapSite
    db_path: Path
    stats: dict[str, int]
    stderr: str
    secret: str
    probe_connections: int


def trap_pages(folder: Path, secret_uri: str, ftp: str) -> None:
    """Write the site's pages: a home page, a feed, a sitemap, a robots.txt and a page with a
    meta refresh, each pointing to ``file:``, ``ftp:``, ``data:``, ``javascript:`` ... URLs,
    beside four good articles."""
    (folder / "news").mkdir(parents=True)
    for number in range(1, 5):
        name = f"news/article-{number}.html"
        (folder / name).write_bytes((SITE_DATA / name).read_bytes())
    (folder / "index.html").write_text(
        "<!DOCTYPE html><html><head><title>Front page</title>"
        '<meta property="og:type" content="website">'
        f'<link rel="alternate" type="application/rss+xml" href="{secret_uri}">'
        "</head><body><ul>"
        '<li><a href="/news/article-1">One</a></li><li><a href="/news/article-2">Two</a></li>'
        '<li><a href="file:///etc/passwd">Passwords</a></li>'
        f'<li><a href="{secret_uri}">Secret</a></li>'
        f'<li><a href="{ftp}/pub/secret.txt">FTP</a></li>'
        '<li><a href="data:text/html;base64,PHA+aGk8L3A+">Data</a></li>'
        '<li><a href="javascript:alert(1)">Script</a></li>'
        '<li><a href="mailto:desk@example.org">Mail</a></li>'
        '<li><a href="/old/to-file">Moved</a></li><li><a href="/old/to-ftp">Moved</a></li>'
        '<li><a href="/old/to-data">Moved</a></li><li><a href="/news/refresh">Refresh</a></li>'
        "</ul></body></html>"
    )
    (folder / "news" / "refresh.html").write_text(
        f'<html><head><meta http-equiv="refresh" content="0; url={secret_uri}">'
        "<title>This page has moved</title></head><body><p>It has moved.</p></body></html>"
    )
    (folder / "feed.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Trap</title>'
        "<item><title>Passwords</title><link>file:///etc/passwd</link></item>"
        f"<item><title>Secret</title><link>{secret_uri}</link></item>"
        "<item><title>Three</title><link>{{BASE}}/news/article-3</link></item>"
        "</channel></rss>"
    )
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{secret_uri}</loc></url><url><loc>{ftp}/sitemap-entry</loc></url>"
        "<url><loc>file:///etc/passwd</loc></url>"
        "<url><loc>{{BASE}}/news/article-4</loc></url></urlset>"
    )
    (folder / "robots.txt").write_text(
        f"User-agent: *\nDisallow: /private/\nSitemap: file:///etc/passwd\n"
        f"Sitemap: {ftp}/sitemap.xml\nSitemap: {{{{BASE}}}}/sitemap.xml\n"
    )


@pytest.fixture(scope="module")
def trap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrapCrawl]:
    folder = tmp_path_factory.mktemp("trap")
    secret = "cleanwire-test-secret-7f3a9c41"
    secret_file = folder / "secret.txt"
    secret_file.write_text(f"{secret}\n" * 50)
    with socket.create_server(("127.0.0.1", 0)) as probe:  # would see any FTP connection
        ftp = f"ftp://127.0.0.1:{probe.getsockname()[1]}"
        trap_pages(folder / "site", secret_file.as_uri(), ftp)
        redirects = {
            "/old/to-file": secret_file.as_uri(),
            "/old/to-ftp": f"{ftp}/moved",
            "/old/to-data": "data:text/plain,moved",
        }
        with SchemeTrapSite(folder / "site", redirects) as site:
            starts = ",".join(f"{site.url}{path}" for path in ("/", "/robots.txt", "/feed.xml"))
            run = crawl_site(site, folder / "news.db", f"start={starts}", LOG_LEVEL="DEBUG")
            probe.setblocking(False)
            try:
                probe.accept()[0].close()
                connections = 1
            except BlockingIOError:
                connections = 0
            yield TrapCrawl(site, folder / "news.db", run.stats, run.stderr, secret, connections)


def test_no_fetch_is_of_another_scheme_than_http(trap: TrapCrawl) -> None:
    with sqlite3.connect(trap.db_path) as connection:
        rows = connection.execute("select uri, final_url, outcome from fetches").fetchall()
    connection.close()
    assert rows
    for uri, final_url, _ in rows:
        assert uri.startswith(trap.site.url), uri
        assert final_url is None or final_url.startswith(trap.site.url), final_url
    outcomes = {uri.removeprefix(trap.site.url): outcome for uri, _, outcome in rows}
    for moved in ("/old/to-file", "/old/to-ftp", "/old/to-data"):
        assert outcomes[moved] == "skipped: refused_scheme", moved
    assert trap.probe_connections == 0, "nothing connected to the ftp:// address"
    paths = trap.site.paths()
    assert not [path for path in paths if "passwd" in path or "secret" in path], paths


def test_no_local_file_reaches_the_database(trap: TrapCrawl) -> None:
    with sqlite3.connect(trap.db_path) as connection:
        dump = "\n".join(connection.iterdump())
    connection.close()
    assert trap.secret not in dump
    assert "root:x:0:0" not in dump and "/bin/bash" not in dump


def test_every_refusal_is_counted_and_logged(trap: TrapCrawl) -> None:
    stats = trap.stats
    by_via = {
        "link": 3,  # file:///etc/passwd, the secret file, ftp:// (the link extractor
        # leaves data:, javascript: and mailto: links out itself)
        "feed": 2,
        "sitemap": 3,
        "robots": 2,
        "redirect": 3,
        "meta_refresh": 1,
    }
    for via, expected in by_via.items():
        assert stats.get(f"{REFUSED_STAT}/{via}") == expected, via
    assert stats[REFUSED_STAT] == sum(by_via.values())
    assert "Refused 'file:///etc/passwd' (link in " in trap.stderr
    assert "Traceback" not in trap.stderr


def test_the_good_pages_are_stored(trap: TrapCrawl) -> None:
    with sqlite3.connect(trap.db_path) as connection:
        urls = {row[0] for row in connection.execute("select url from articles")}
    connection.close()
    assert {url.removeprefix(trap.site.url) for url in urls} == {
        f"/news/article-{number}" for number in range(1, 5)
    }


# What Datasette shows of hostile text


@pytest.fixture(scope="module")
def hostile_datasette(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Datasette with the project's configuration over a database holding an article whose
    title and text are markup as literal text (read from a page that escapes them), and a
    fetch whose URI and article id hold quotes and markup. Yields the base URL and the
    article's id."""
    folder = tmp_path_factory.mktemp("hostile-datasette")
    page = folder / "pages" / "hostile.html"
    page.parent.mkdir()
    lead = f"A reader typed {LITERAL_SCRIPT} into the comment box, and it is shown here as text."
    page.write_text(article_html(HOSTILE_TITLE, lead))
    db_path = folder / "news.db"
    crawl(db_path, "files", f"path={page}")
    database = NewsDatabase(db_path)
    try:
        fetch = Fetch(uri=ODD_URI, fetched_at=utc_now(), final_url=ODD_URI, status=500)
        fetch.reject(FetchFailed("http_500"))
        fetch.article_id = ODD_ARTICLE_ID
        with database.transaction():
            database.save_page(Page(fetch=fetch), crawl_id=1)
        (article_id, title, text) = database.db.execute(
            "select id, title, text from articles"
        ).fetchone()
    finally:
        database.close()
    assert title == HOSTILE_TITLE and LITERAL_SCRIPT in text, "stored as the reader sees it"
    with serve_datasette(folder) as base:
        yield base, article_id


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def odd_fetch_id(base: str) -> int:
    sql = "select id from fetches where article_id like '%script%'"
    with urllib.request.urlopen(
        f"{base}/news.json?{urllib.parse.urlencode({'sql': sql, '_shape': 'array'})}", timeout=10
    ) as response:
        return int(json.load(response)[0]["id"])


@pytest.mark.parametrize(
    "page",
    [
        "/news/articles",
        "/news/articles/{article}",
        "/news/articles?_search=reader",
        "/news/latest_articles",
        "/news/article_history?article_id={article}",
        "/news/fetches",
        "/news/fetches/{fetch}",
        "/news/failed_and_skipped",
        "/news?sql=select+title,+text+from+articles",
    ],
)
def test_datasette_pages_show_hostile_text_escaped(
    hostile_datasette: tuple[str, str], page: str
) -> None:
    base, article = hostile_datasette
    fetch = odd_fetch_id(base) if "{fetch}" in page else 0
    html = get(base + page.format(article=article, fetch=fetch))
    assert LITERAL_SCRIPT not in html
    assert "<img src=x onerror" not in html
    assert "<b>bold</b>" not in html
    shown = {
        "articles": ESCAPED_TITLE,
        "latest_articles": ESCAPED_TITLE,
        "_search": ESCAPED_SCRIPT,
        "article_history": ESCAPED_SCRIPT,
        "sql=": ESCAPED_SCRIPT,
        "fetches": "&lt;b&gt;bold&lt;/b&gt;",
        "failed_and_skipped": "&lt;b&gt;bold&lt;/b&gt;",
    }
    expected = [escaped for key, escaped in shown.items() if key in page]
    assert expected and all(escaped in html for escaped in expected), page


def test_the_row_page_links_a_hostile_foreign_key_escaped(
    hostile_datasette: tuple[str, str],
) -> None:
    base, _ = hostile_datasette
    html = get(f"{base}/news/fetches/{odd_fetch_id(base)}")
    cell = html.split('<td class="col-article_id', 1)[1].split("</td>", 1)[0]
    assert "<a href=" in cell, "the plugin's link"
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</a>" in cell
    href = cell.split('<a href="', 1)[1].split('"', 1)[0]
    assert "<" not in href and ">" not in href and '"' not in href


def test_the_json_api_gives_the_text_as_stored(hostile_datasette: tuple[str, str]) -> None:
    base, article = hostile_datasette
    with urllib.request.urlopen(f"{base}/news/articles/{article}.json?_shape=array") as response:
        (row,) = json.load(response)
    assert row["title"] == HOSTILE_TITLE and LITERAL_SCRIPT in row["text"]


def test_a_browser_runs_no_script_from_the_text(
    hostile_datasette: tuple[str, str],
    browser: WebDriver,  # noqa: F811 (the fixture imported above)
) -> None:
    base, article = hostile_datasette
    for page in (f"/news/articles/{article}", f"/news/fetches/{odd_fetch_id(base)}"):
        browser.get(base + page)
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert  # noqa: B018 (raises when no alert is open)
    browser.get(f"{base}/news/articles/{article}")
    # The article's page (data/templates/row.html) shows them as text
    assert browser.find_element(By.CSS_SELECTOR, "article h1").text == HOSTILE_TITLE
    assert LITERAL_SCRIPT in browser.find_element(By.CSS_SELECTOR, "article .text").text
    browser.get(f"{base}/news/articles")  # and so does the articles table
    titles = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert HOSTILE_TITLE in titles
