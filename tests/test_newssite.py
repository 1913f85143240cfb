"""The fake news site that crawl tests use: what it serves, its validators and its failures."""

from __future__ import annotations

import gzip
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import formatdate
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.newssite import NewsSite, RequestRecord, site_copy

ARTICLE_PATHS = [f"/news/article-{number}" for number in range(1, 7)] + [
    "/news/busy",
    "/news/flaky",
    "/news/slow",
    "/news/gzipped",
    "/news/cp1252",
    "/private/secret",
]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand redirects back to the test instead of following them."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        """Follow no redirect."""
        return None


OPENER = urllib.request.build_opener(NoRedirects())


@dataclass(frozen=True)
class Fetched:
    """A response as the test sees it."""

    status: int
    headers: Message
    body: bytes


def fetch(url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET ``url`` with ``headers``; HTTP errors and redirects are returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=10) as response:
            return Fetched(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.headers, error.read())


class PageParser(HTMLParser):
    """Collects a page's links, canonical URL and article paragraphs."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.canonical: str | None = None
        self.paragraphs: list[str] = []
        self._article_depth = 0
        self._paragraph: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")
        elif tag == "link" and attributes.get("rel") == "canonical":
            self.canonical = attributes.get("href")
        elif tag == "article":
            self._article_depth += 1
        elif tag == "p" and self._article_depth and "class" not in attributes:
            self._paragraph = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._article_depth -= 1
        elif tag == "p" and self._paragraph is not None:
            self.paragraphs.append("".join(self._paragraph).strip())
            self._paragraph = None

    def handle_data(self, data: str) -> None:
        if self._paragraph is not None:
            self._paragraph.append(data)


def parse(body: bytes, encoding: str = "utf-8") -> PageParser:
    parser = PageParser()
    parser.feed(body.decode(encoding))
    parser.close()
    return parser


@pytest.fixture
def site(tmp_path: Path) -> Iterator[NewsSite]:
    with NewsSite(site_copy(tmp_path / "site"), slow_seconds=0.5) as news_site:
        yield news_site


def test_site_copy_returns_the_destination(tmp_path: Path) -> None:
    destination = site_copy(tmp_path / "copy")
    assert destination == tmp_path / "copy"
    assert (destination / "index.html").is_file()
    assert (destination / "news" / "cp1252.html").is_file()


def test_url_is_local_without_trailing_slash(site: NewsSite) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.url)


def test_placeholders_are_replaced(site: NewsSite) -> None:
    home = fetch(site.url + "/")
    assert home.status == 200
    assert b"{{" not in home.body
    assert f'<link rel="canonical" href="{site.url}/">'.encode() in home.body

    sitemap = fetch(site.url + "/sitemap-pages.xml").body.decode()
    article_mtime = (site.folder / "news" / "article-1.html").stat().st_mtime
    lastmods = re.findall(r"<lastmod>([^<]+)</lastmod>", sitemap)
    assert len(lastmods) == 10
    assert lastmods[0] == datetime.fromtimestamp(int(article_mtime), tz=UTC).isoformat()
    assert lastmods[0].endswith("+00:00")
    assert f"<loc>{site.url}/news/article-1</loc>" in sitemap


def test_path_mapping_and_content_types(site: NewsSite) -> None:
    expected = {
        "/": "text/html; charset=utf-8",
        "/news/article-1": "text/html; charset=utf-8",
        "/news/article-1.html": "text/html; charset=utf-8",
        "/news/article-1?page=2": "text/html; charset=utf-8",
        "/amp/article-2": "text/html; charset=utf-8",
        "/robots.txt": "text/plain",
        "/sitemap_index.xml": "application/xml",
        "/sitemap-news.xml": "application/xml",
        "/feeds/rss.xml": "application/rss+xml",
        "/feeds/atom.xml": "application/atom+xml",
        "/files/report.pdf": "application/pdf",
        "/sitemap-pages.xml.gz": "application/x-gzip",
    }
    for path, content_type in expected.items():
        response = fetch(site.url + path)
        assert (path, response.status) == (path, 200)
        assert (path, response.headers["Content-Type"]) == (path, content_type)
    assert fetch(site.url + "/files/report.pdf").body.startswith(b"%PDF-1.4")


def test_robots_txt(site: NewsSite) -> None:
    robots = fetch(site.url + "/robots.txt").body.decode()
    assert "User-agent: *" in robots
    assert "Disallow: /private/" in robots
    assert f"Sitemap: {site.url}/sitemap_index.xml" in robots


def test_validators_on_every_200(site: NewsSite) -> None:
    response = fetch(site.url + "/news/article-1")
    mtime = (site.folder / "news" / "article-1.html").stat().st_mtime
    assert re.fullmatch(r'"[0-9a-f]+"', response.headers["ETag"])
    assert response.headers["Last-Modified"] == formatdate(int(mtime), usegmt=True)


def test_if_none_match_gives_304(site: NewsSite) -> None:
    first = fetch(site.url + "/news/article-1")
    again = fetch(site.url + "/news/article-1", {"If-None-Match": first.headers["ETag"]})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    other = fetch(site.url + "/news/article-1", {"If-None-Match": '"0000"'})
    assert other.status == 200


def test_if_modified_since_gives_304(site: NewsSite) -> None:
    first = fetch(site.url + "/news/article-2")
    since = first.headers["Last-Modified"]
    assert fetch(site.url + "/news/article-2", {"If-Modified-Since": since}).status == 304
    earlier = formatdate(
        (site.folder / "news" / "article-2.html").stat().st_mtime - 60, usegmt=True
    )
    assert fetch(site.url + "/news/article-2", {"If-Modified-Since": earlier}).status == 200


def test_touch_changes_validators_and_content(site: NewsSite) -> None:
    before = fetch(site.url + "/news/article-3")
    site.touch("news/article-3.html", "<html><body><p>Corrected story</p></body></html>")
    after = fetch(site.url + "/news/article-3")
    assert after.body == b"<html><body><p>Corrected story</p></body></html>"
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    stale = {
        "If-None-Match": before.headers["ETag"],
        "If-Modified-Since": before.headers["Last-Modified"],
    }
    assert fetch(site.url + "/news/article-3", stale).status == 200
    since = {"If-Modified-Since": stale["If-Modified-Since"]}
    assert fetch(site.url + "/news/article-3", since).status == 200


def test_touch_without_text_still_changes_validators(site: NewsSite) -> None:
    before = fetch(site.url + "/news/article-4")
    site.touch("news/article-4.html")
    after = fetch(site.url + "/news/article-4")
    assert after.body == before.body
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    since = {"If-Modified-Since": before.headers["Last-Modified"]}
    assert fetch(site.url + "/news/article-4", since).status == 200


def test_touching_an_article_moves_the_sitemap(site: NewsSite) -> None:
    before = fetch(site.url + "/sitemap-pages.xml")
    site.touch("news/article-5.html")
    after = fetch(site.url + "/sitemap-pages.xml")
    assert after.body != before.body
    assert after.headers["Last-Modified"] != before.headers["Last-Modified"]
    lastmods = re.findall(rb"<lastmod>([^<]+)</lastmod>", after.body)
    assert lastmods[4] > lastmods[0]


def test_unknown_path_is_404(site: NewsSite) -> None:
    response = fetch(site.url + "/news/missing")
    assert response.status == 404
    assert b"Not Found" in response.body
    assert "ETag" not in response.headers
    assert fetch(site.url + "/../../etc/passwd").status == 404


def test_broken_is_always_500(site: NewsSite) -> None:
    assert [fetch(site.url + "/news/broken").status for _ in range(3)] == [500, 500, 500]


def test_busy_is_429_once_then_200(site: NewsSite) -> None:
    first = fetch(site.url + "/news/busy")
    assert first.status == 429
    assert first.headers["Retry-After"] == "1"
    second = fetch(site.url + "/news/busy")
    assert second.status == 200
    assert b"Hospital waiting times fall" in second.body


def test_flaky_is_503_twice_then_200(site: NewsSite) -> None:
    responses = [fetch(site.url + "/news/flaky") for _ in range(3)]
    assert [response.status for response in responses] == [503, 503, 200]
    assert "Retry-After" not in responses[0].headers
    assert b"Early frost damages" in responses[2].body


def test_old_address_redirects_permanently(site: NewsSite) -> None:
    response = fetch(site.url + "/old/article-3")
    assert response.status == 301
    assert response.headers["Location"] == f"{site.url}/news/article-3"


def test_gzipped_when_asked(site: NewsSite) -> None:
    plain = fetch(site.url + "/news/gzipped")
    assert "Content-Encoding" not in plain.headers
    compressed = fetch(site.url + "/news/gzipped", {"Accept-Encoding": "gzip, deflate"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert compressed.headers["Content-Type"] == "text/html; charset=utf-8"
    assert gzip.decompress(compressed.body) == plain.body
    assert compressed.headers["ETag"] != plain.headers["ETag"]


def test_gzipped_sitemap_decompresses_to_a_urlset(site: NewsSite) -> None:
    response = fetch(site.url + "/sitemap-pages.xml.gz")
    assert "Content-Encoding" not in response.headers
    sitemap = gzip.decompress(response.body)
    assert b"<urlset" in sitemap
    assert f"<loc>{site.url}/private/secret</loc>".encode() in sitemap
    assert sitemap == fetch(site.url + "/sitemap-pages.xml").body


def test_cp1252_page_is_served_byte_for_byte(site: NewsSite) -> None:
    response = fetch(site.url + "/news/cp1252")
    assert response.headers["Content-Type"] == "text/html"
    assert b"\x92" in response.body
    assert b"\x80" in response.body
    assert b"\x93" in response.body
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">' in (
        response.body
    )
    assert b"<meta charset" not in response.body
    text = response.body.decode("cp1252")
    assert "Café owners in Lyon" in text
    assert f"{site.url}/news/cp1252" in text


def test_slow_page_does_not_block_others(site: NewsSite) -> None:
    slow_status: list[int] = []
    started = time.monotonic()
    slow_request = threading.Thread(
        target=lambda: slow_status.append(fetch(site.url + "/news/slow").status)
    )
    slow_request.start()
    while site.paths() != ["/news/slow"]:
        time.sleep(0.01)
    assert fetch(site.url + "/news/article-1").status == 200
    assert slow_status == []
    slow_request.join()
    assert slow_status == [200]
    assert time.monotonic() - started >= 0.5


def test_request_log(site: NewsSite) -> None:
    fetch(site.url + "/news/article-1?ref=home", {"User-Agent": "cleanwire-test"})
    fetch(site.url + "/robots.txt", {"If-None-Match": '"abc"'})
    assert site.paths() == ["/news/article-1?ref=home", "/robots.txt"]
    first, second = site.requests
    assert isinstance(first, RequestRecord)
    assert first.method == "GET"
    assert first.headers["User-Agent"] == "cleanwire-test"
    assert second.headers["If-None-Match"] == '"abc"'
    assert first.time <= second.time <= time.monotonic()


def test_articles_are_long_distinct_and_canonical(site: NewsSite) -> None:
    seen_paragraphs: set[str] = set()
    for path in ARTICLE_PATHS:
        response = fetch(site.url + path)
        assert response.status in (200, 429, 503)
        while response.status != 200:
            response = fetch(site.url + path)
        page = parse(response.body, "cp1252" if path == "/news/cp1252" else "utf-8")
        assert page.canonical == site.url + path
        words = sum(len(paragraph.split()) for paragraph in page.paragraphs)
        assert (path, len(page.paragraphs) in range(5, 9), words >= 200) == (path, True, True)
        assert not seen_paragraphs & set(page.paragraphs), path
        seen_paragraphs |= set(page.paragraphs)


def test_amp_page_repeats_article_2(site: NewsSite) -> None:
    article = parse(fetch(site.url + "/news/article-2").body)
    amp = parse(fetch(site.url + "/amp/article-2").body)
    assert amp.canonical == f"{site.url}/news/article-2"
    assert amp.paragraphs == article.paragraphs


def test_home_page_links(site: NewsSite) -> None:
    links = set(parse(fetch(site.url + "/").body).links)
    never_follow = {
        "http://elsewhere.example/story",
        "mailto:desk@example.org",
        "javascript:void(0)",
        "file:///etc/passwd",
        "ftp://127.0.0.1/x",
    }
    assert never_follow <= links
    expected_status = {
        "/news/missing": 404,
        "/news/broken": 500,
        "/old/article-3": 301,
        "/news/busy": 429,
        "/news/flaky": 503,
    }
    local = {
        link.removeprefix(site.url)
        for link in links
        if link.startswith("/") or link.startswith(site.url)
    }
    assert set(expected_status) | set(ARTICLE_PATHS) <= local
    for path in sorted(local):
        assert (path, fetch(site.url + path).status) == (path, expected_status.get(path, 200))
