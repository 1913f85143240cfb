"""The web crawl's downloader middlewares, one at a time, on handmade requests."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler

from crawler.items import Crawl, Fetch, Page, PreviousFetch
from crawler.middlewares import (
    BackoffRetryMiddleware,
    ContactUserAgentMiddleware,
    ListingDateFilter,
    RevisitMiddleware,
    listed_before,
    retry_after_seconds,
)
from pipelines.database import NewsDatabase
from tests.conftest import project_crawler

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"120", 120.0),
        ("0", 0.0),
        ("Sat, 21 Nov 2026 12:00:30 GMT", 30.0),
        ("Sat, 21 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(header: bytes | str | None, seconds: float) -> None:
    assert retry_after_seconds(header, now=NOW) == seconds


def previous(fetched_at: str = "2026-11-21T10:00:00+00:00", **fields: object) -> PreviousFetch:
    values: dict = {
        "fetch_id": 1,
        "fetched_at": fetched_at,
        "outcome": "article",
        "crawl_finished": True,
        "article_id": "a",
    }
    return PreviousFetch(**{**values, **fields})


@pytest.mark.parametrize(
    ("listed", "skip"),
    [
        ("2026-11-21T09:59:59+00:00", True),
        ("2026-11-21T10:59:59+01:00", True),
        ("2026-11-21T10:00:00+00:00", False),
        ("2026-11-21T10:00:01+00:00", False),
        ("not a date", False),
        (None, False),
    ],
)
def test_a_listing_date_before_the_last_read_skips_the_page(listed: str | None, skip: bool) -> None:
    assert listed_before(listed, previous()) is skip


def test_the_user_agent_names_the_project_and_the_contact() -> None:
    crawler = project_crawler(CONTACT_URL="https://example.org/who")
    request = Request("https://news.example/")
    build_from_crawler(ContactUserAgentMiddleware, crawler).process_request(request)
    agent = request.headers[b"User-Agent"].decode()
    assert agent.startswith("cleanwire/") and agent.endswith("(+https://example.org/who)")


def test_an_explicit_user_agent_wins() -> None:
    crawler = project_crawler(USER_AGENT="my-lab-bot/1.0")
    request = Request("https://news.example/")
    build_from_crawler(ContactUserAgentMiddleware, crawler).process_request(request)
    assert request.headers[b"User-Agent"] == b"my-lab-bot/1.0"


def retry_middleware(**settings: object) -> BackoffRetryMiddleware:
    crawler = project_crawler(**settings)
    crawler.spider = crawler._create_spider("news", start="https://news.example/")
    crawler.stats.open_spider()
    return build_from_crawler(BackoffRetryMiddleware, crawler)


def test_backoff_doubles_up_to_its_ceiling() -> None:
    middleware = retry_middleware(RETRY_BACKOFF_BASE=1.0, RETRY_BACKOFF_MAX=5.0)
    for number, expected in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)):
        assert 0.8 * expected <= middleware.backoff(number) <= 1.2 * expected


def test_a_429_waits_for_retry_after_then_retries() -> None:
    middleware = retry_middleware(RETRY_BACKOFF_BASE=0.01)
    request = Request("https://news.example/busy")
    response = Response(request.url, status=429, headers={"Retry-After": "1"}, request=request)
    started = time.monotonic()
    retry = asyncio.run(middleware.process_response(request, response))
    assert time.monotonic() - started >= 1.0
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1


def test_a_retry_after_beyond_the_limit_is_not_waited_for() -> None:
    middleware = retry_middleware(RETRY_AFTER_MAX=10)
    request = Request("https://news.example/busy")
    response = Response(request.url, status=429, headers={"Retry-After": "3600"}, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert middleware.crawler.stats.get_value("retry/retry_after_too_long") == 1


@pytest.fixture
def history_db(tmp_path: Path) -> Path:
    """A database holding one finished crawl that read two URLs."""
    path = tmp_path / "news.db"
    database = NewsDatabase(path)
    crawl_id = database.start_crawl(Crawl(spider="news", args="{}", started_at="x", versions="{}"))
    pages = [
        Fetch(
            uri="https://news.example/a",
            final_url="https://news.example/a",
            fetched_at="2026-11-21T10:00:00+00:00",
            status=200,
            body_sha256="abc",
            etag='"v1"',
            last_modified="Sat, 21 Nov 2026 09:00:00 GMT",
            outcome="not_article",
            reason="index_page",
            warc_file="warc/a.warc.gz",
        ),
        Fetch(
            uri="https://news.example/robots.txt",
            fetched_at="2026-11-21T10:00:00+00:00",
            etag='"r1"',
            outcome="not_article",
            reason="robots_txt",
        ),
    ]
    with database.transaction():
        for fetch in pages:
            database.save_page(Page(fetch=fetch), crawl_id)
    database.finish_crawl(crawl_id, "y", "finished", {})
    database.close()
    return path


def revisit(history_db: Path) -> RevisitMiddleware:
    crawler = project_crawler(SQLITE_PATH=str(history_db))
    crawler.stats.open_spider()
    return build_from_crawler(RevisitMiddleware, crawler)


def test_a_url_read_before_is_asked_for_with_its_validators(history_db: Path) -> None:
    request = Request("https://news.example/a")
    revisit(history_db).process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Sat, 21 Nov 2026 09:00:00 GMT"
    assert request.meta["previous_fetch"].body_sha256 == "abc"


def test_a_url_whose_last_read_was_not_archived_is_read_whole_again(history_db: Path) -> None:
    with sqlite3.connect(history_db) as db:
        db.execute("update fetches set warc_file = null")
    db.close()
    request = Request("https://news.example/a")
    middleware = revisit(history_db)
    middleware.process_request(request)
    assert b"If-None-Match" not in request.headers
    assert middleware.crawler.stats.get_value("revisit/unarchived") == 1
    off = build_from_crawler(
        RevisitMiddleware, project_crawler(SQLITE_PATH=str(history_db), WARC_ENABLED=False)
    )
    off.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"v1"', "without archiving, nothing to heal"


def test_a_new_url_goes_out_plain(history_db: Path) -> None:
    request = Request("https://news.example/new", headers={"If-None-Match": '"stale"'})
    revisit(history_db).process_request(request)
    assert b"If-None-Match" not in request.headers
    assert request.meta["previous_fetch"] is None


def test_robots_txt_is_always_read_whole(history_db: Path) -> None:
    request = Request("https://news.example/robots.txt")
    revisit(history_db).process_request(request)
    assert b"If-None-Match" not in request.headers


def test_a_page_listed_as_older_than_its_last_read_is_not_requested(history_db: Path) -> None:
    crawler = project_crawler(SQLITE_PATH=str(history_db))
    middleware = build_from_crawler(ListingDateFilter, crawler)
    listing = Response("https://news.example/sitemap.xml")
    old = Request("https://news.example/a", meta={"listed_modified": "2026-11-20T00:00:00+00:00"})
    assert middleware.get_processed_request(old, listing) is None
    new = Request("https://news.example/a", meta={"listed_modified": "2026-11-21T11:00:00+00:00"})
    assert middleware.get_processed_request(new, listing) is new
    unlisted = Request("https://news.example/a")
    assert middleware.get_processed_request(unlisted, listing) is unlisted
    assert crawler.stats.get_value("revisit/listed_unchanged") == 1
