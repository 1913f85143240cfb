"""Downloader middlewares of the web crawl: who we say we are, polite retries, revisits.

- :class:`ContactUserAgentMiddleware` names the project and a contact URL (``CONTACT_URL``)
  in every request's ``User-Agent``.
- :class:`BackoffRetryMiddleware` is Scrapy's retry middleware waiting before each retry:
  exponentially longer each time, and at least as long as a ``Retry-After`` header asks.
- :class:`RevisitMiddleware` looks up what earlier crawls learnt of each URL: it sends
  ``If-None-Match`` / ``If-Modified-Since``.
- :class:`ListingDateFilter`, a spider middleware, does not request a page whose feed or
  sitemap entry says it has not changed since it was last read.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import version

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.response import response_status_message

from crawler.cluster import redis_client
from crawler.items import PreviousFetch
from pipelines.database import FetchHistory
from pipelines.shared_history import SharedFetchHistory

logger = logging.getLogger(__name__)

CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")
LISTS_DOCUMENTS = frozenset({"robots_txt", "sitemap_index"})
"""Reasons of documents whose 304 would hide changes in the documents they list."""


def contact_user_agent(settings: BaseSettings) -> str:
    """``cleanwire/<version> (+CONTACT_URL)``, or the ``USER_AGENT`` set explicitly."""
    if settings.getpriority("USER_AGENT") not in (None, 0):
        return str(settings.get("USER_AGENT"))
    return f"cleanwire/{version('cleanwire')} (+{settings.get('CONTACT_URL')})"


class ContactUserAgentMiddleware:
    """Sends ``cleanwire/<version> (+CONTACT_URL)`` as ``User-Agent``.

    A ``USER_AGENT`` set explicitly (``-s USER_AGENT=...``) wins, and so does a request's
    own header.
    """

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContactUserAgentMiddleware:
        return cls(contact_user_agent(crawler.settings))

    def process_request(self, request: Request) -> None:
        request.headers.setdefault(b"User-Agent", self.user_agent)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delay-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Retries like Scrapy's ``RetryMiddleware``, waiting before each retry.

    The n-th retry waits ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds (up to
    ``RETRY_BACKOFF_MAX``, with jitter), or longer when the response's ``Retry-After``
    asks for it. A ``Retry-After`` beyond ``RETRY_AFTER_MAX`` is not waited for: the
    response stands as the answer (``error: http_429``, say), and the next crawl tries again.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before the ``retry_number``-th retry (1 for the first)."""
        delay = min(self.backoff_max, self.backoff_base * 2 ** (retry_number - 1))
        return float(delay * random.uniform(0.8, 1.2))

    async def _wait_then(self, retry: Request | None, delay: float) -> Request | None:
        if retry is None:
            return None
        if delay > 0:
            self.crawler.stats.inc_value("retry/waited_seconds", round(delay))
            await asyncio.sleep(delay)
        return retry

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry_number = request.meta.get("retry_times", 0) + 1
        delay = self.backoff(retry_number)
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None:
            if asked > self.retry_after_max:
                logger.warning(
                    "Not retrying %s: Retry-After %g s is longer than RETRY_AFTER_MAX",
                    request.url,
                    asked,
                )
                self.crawler.stats.inc_value("retry/retry_after_too_long")
                return response
            delay = max(delay, asked)
        retry = self._retry(request, response_status_message(response.status))
        return await self._wait_then(retry, delay) or response

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry_number = request.meta.get("retry_times", 0) + 1
        return await self._wait_then(self._retry(request, exception), self.backoff(retry_number))


def _instant(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def listed_before(listed_modified: str | None, previous: PreviousFetch) -> bool:
    """Whether a listing's date for a page is strictly before the page was last read."""
    if not listed_modified:
        return False
    listed, read = _instant(listed_modified), _instant(previous.fetched_at)
    return listed is not None and read is not None and listed < read


def fetch_history(settings: BaseSettings) -> FetchHistory | SharedFetchHistory:
    """What earlier crawls learnt of each URL: in the database at ``SQLITE_PATH``, or in
    cluster mode (``REDIS_URL``) in Redis, where the cluster's writer shares it."""
    if settings.get("REDIS_URL"):
        return SharedFetchHistory(redis_client(settings))
    return FetchHistory(settings.get("SQLITE_PATH"))


class ListingDateFilter(BaseSpiderMiddleware):
    """Drops a request whose ``meta["listed_modified"]`` (the date a feed or sitemap gives
    the page) is older than the last whole read of its URL (``revisit/listed_unchanged``).

    It runs on what the spider yields, before the request is scheduled: a page that one
    listing dates before our last read and another after it is still requested, since the
    duplicate filter has not yet counted it as requested. ``REVISIT_ENABLED = False`` turns
    it off.
    """

    def __init__(self, crawler: Crawler, history: FetchHistory | SharedFetchHistory) -> None:
        super().__init__(crawler)
        self.history = history
        self.archiving = crawler.settings.getbool("WARC_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingDateFilter:
        if not crawler.settings.getbool("REVISIT_ENABLED"):
            raise NotConfigured("REVISIT_ENABLED is off")
        middleware = cls(crawler, fetch_history(crawler.settings))
        crawler.signals.connect(middleware.history.close, signal=signals.spider_closed)
        return middleware

    def _unarchived(self, previous: PreviousFetch) -> bool:
        """Whether the last read lost its bytes (its WARC record could not be written)."""
        return self.archiving and not previous.archived

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        listed = request.meta.get("listed_modified")
        if not listed or request.meta.get("dont_revisit"):
            return request
        previous = self.history.previous(request.url)
        if previous is None or not listed_before(listed, previous) or self._unarchived(previous):
            return request
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("revisit/listed_unchanged")
        logger.debug(
            "Not requested: %s listed as modified %s, before it was last read (%s)",
            request.url,
            listed,
            previous.fetched_at,
        )
        return None


class RevisitMiddleware:
    """Makes re-crawls incremental, from the history in the database at ``SQLITE_PATH``, or
    in cluster mode (``REDIS_URL``) from the history the writer shares in Redis.

    For each request it finds the last whole read of the URL (:class:`FetchHistory`) and
    puts it in ``request.meta["previous_fetch"]`` for the pipeline. An http(s) request
    carries the stored ``ETag`` and ``Last-Modified`` as ``If-None-Match`` and
    ``If-Modified-Since`` (``revisit/conditional``). A page that lists others (a home page, a
    feed) is only asked this way when the crawl that read it finished: a 304 would stop its
    links from being followed again. A robots.txt or a sitemap index is never asked this
    way: it lists documents that change on their own. Nor is a page whose last read has no
    WARC record (its write failed: a full disk), so that this read archives its bytes
    (``revisit/unarchived``).

    ``REVISIT_ENABLED = False`` turns it off; ``meta["dont_revisit"]`` skips one request.
    """

    def __init__(self, crawler: Crawler, history: FetchHistory | SharedFetchHistory) -> None:
        self.crawler = crawler
        self.history = history
        self.archiving = crawler.settings.getbool("WARC_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitMiddleware:
        if not crawler.settings.getbool("REVISIT_ENABLED"):
            raise NotConfigured("REVISIT_ENABLED is off")
        middleware = cls(crawler, fetch_history(crawler.settings))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        self.history.close()

    def process_request(self, request: Request) -> None:
        if request.meta.get("dont_revisit") or request.meta.get("dont_obey_robotstxt"):
            return
        for header in CONDITIONAL_HEADERS:
            request.headers.pop(header, None)
        previous = self.history.previous(request.url)
        request.meta["previous_fetch"] = previous
        if previous is None:
            return
        stats = self.crawler.stats
        trusted = previous.article_id is not None or previous.crawl_finished
        lists_documents = previous.reason in LISTS_DOCUMENTS
        unarchived = self.archiving and not previous.archived  # fetched whole, to archive it
        if not request.url.startswith(("http://", "https://")) or not trusted or lists_documents:
            return
        if unarchived:
            stats.inc_value("revisit/unarchived")
            return
        if previous.etag:
            request.headers[b"If-None-Match"] = previous.etag
        if previous.last_modified:
            request.headers[b"If-Modified-Since"] = previous.last_modified
        if previous.etag or previous.last_modified:
            stats.inc_value("revisit/conditional")
