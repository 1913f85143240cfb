"""Store stage: every page read becomes a ``fetches`` row, every article an ``articles`` row.

Writes are batched: pages wait in memory and are written in one transaction once
``SQLITE_BATCH_SIZE`` are waiting or every ``SQLITE_BATCH_SECONDS``, and the last batch is
written when the spider closes (Ctrl-C included). A crash loses at most the batch in hand,
never half of one: each batch is all committed or not at all. Pages dropped by an earlier
stage (skipped, not an article, duplicate, failed) reach the store through the
``item_dropped`` and ``item_error`` signals and are recorded the same way.

A page that cannot be written (the disk is full, the database cannot be written) is counted
as failed (``error: not_stored``, in place of the outcome it was counted under) and as a
failed write of the database (``crawler/storage.py``), which stops the crawl.

Before it writes anything, the store takes the database's lease (``pipelines/lease.py``): a
crawl into a database that another live crawl writes to is refused at once.

The crawl itself is a ``crawls`` row: inserted when the spider opens, completed with the
final stats and the crawl's summary (``crawler/summary.py``) when it closes.
"""

from __future__ import annotations

import json
import logging
import platform
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from crawler.ccnews import warc_input_read
from crawler.items import Crawl, Page, WarcInput, utc_now
from crawler.storage import (
    DATABASE_BUSY_REASON,
    STORAGE_STOP_REASON,
    count_storage_failure,
    storage_failed,
)
from crawler.summary import crawl_summary
from pipelines.cpu_clock import crawl_clock, timed
from pipelines.database import NewsDatabase, StoredArticle
from pipelines.extraction.result import ExtractionError
from pipelines.lease import DatabaseLease, LeaseHeld

logger = logging.getLogger(__name__)

VERSIONED_PACKAGES = ("cleanwire", "scrapy", "trafilatura", "sqlite-utils")

pages_stored = object()
"""Signal sent once a batch of pages is committed, with ``pages`` (their fetches have ids)
and ``failed`` (the pages of the batch that could not be written, each tried alone). The
cluster's writer (``pipelines/writer.py``) listens to it."""


def software_versions() -> dict[str, str]:
    """The versions of this project and of what it is built on."""
    found = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def new_crawl(crawler: Crawler) -> Crawl:
    """The ``crawls`` row of the crawl that is starting."""
    spider = crawler.spider
    assert spider is not None
    return Crawl(
        spider=spider.name,
        args=json.dumps(getattr(spider, "arguments", {}), sort_keys=True),
        started_at=utc_now(),
        versions=json.dumps(software_versions(), sort_keys=True),
    )


def record_pipeline_error(page: Page, failure: Failure, crawler: Crawler) -> None:
    """Mark ``page`` as failed by an exception in a pipeline stage, and count it."""
    page.fetch.reject(ExtractionError("pipeline_exception", repr(failure.value)))
    page.article = None
    assert crawler.stats is not None
    crawler.stats.inc_value("pages/error/pipeline_exception")


def count_as_not_stored(page: Page, crawler: Crawler) -> None:
    """Count ``page``, which could not be written, as failed (``not_stored``) instead of
    under the outcome an earlier stage counted it."""
    stats = crawler.stats
    assert stats is not None
    fetch = page.fetch
    kind = (fetch.outcome or "").split(":", 1)[0]
    if kind == "article":
        key = page.counted_as
    elif kind == "duplicate":
        key = "articles/duplicate"
    else:
        key = f"pages/{kind}/{fetch.reason}"
    if key is not None and stats.get_value(key, 0) > 0:
        stats.inc_value(key, -1)
    stats.inc_value("pages/error/not_stored")


class StorePipeline:
    """Writes pages, articles and the crawl to the SQLite database at ``SQLITE_PATH``.

    A page whose fetch names its crawl already (``fetch.crawl_id``: the cluster's writer sets
    it) is written as part of that crawl; a spider whose ``records_own_crawl`` is false gets
    no ``crawls`` row of its own.
    """

    def __init__(
        self,
        crawler: Crawler,
        path: str,
        batch_size: int,
        batch_seconds: float,
        lease_seconds: float = 0.0,
    ) -> None:
        self.crawler = crawler
        self.clock = crawl_clock(crawler)
        self.path = path
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.lease_seconds = lease_seconds
        self.database: NewsDatabase | None = None
        self.lease: DatabaseLease | None = None
        self._lease_timer = LoopingCall(self._renew_lease)
        self.crawl_id: int | None = None
        self._pending: list[Page] = []
        self._pending_articles: dict[str, StoredArticle] = {}
        self._timer = LoopingCall(self.flush)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        store = cls(
            crawler,
            path=settings.get("SQLITE_PATH"),
            batch_size=settings.getint("SQLITE_BATCH_SIZE"),
            batch_seconds=settings.getfloat("SQLITE_BATCH_SECONDS"),
            lease_seconds=settings.getfloat("SQLITE_LEASE_SECONDS"),
        )
        crawler.signals.connect(store.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(store.item_error, signal=signals.item_error)
        crawler.signals.connect(store.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(store.record_warc_input, signal=warc_input_read)
        return store

    def open_spider(self) -> None:
        try:
            self.database = NewsDatabase(self.path)
            if self.lease_seconds > 0:
                self.lease = DatabaseLease(self.database, self.lease_seconds)
                self.lease.acquire()
            if getattr(self.crawler.spider, "records_own_crawl", True):
                self.crawl_id = self.database.start_crawl(new_crawl(self.crawler))
                if self.lease is not None:
                    self.lease.name_crawl(self.crawl_id)
        except LeaseHeld as held:
            logger.error("%s", held)
            self._close_database()
            raise CloseSpider(DATABASE_BUSY_REASON) from None
        except (sqlite3.Error, OSError) as error:
            # A full disk before the start: the crawl cannot start, and says so (exit 6).
            logger.error("Cannot write to the database %s: %s", self.path, error)
            count_storage_failure(self.crawler.stats, "database")
            self._close_database()
            raise CloseSpider(STORAGE_STOP_REASON) from None
        if self.lease is not None:
            self._lease_timer.start(self.lease_seconds / 4, now=False)
        if self.crawl_id is not None:
            self.crawler.stats.set_value("cleanwire/crawl_id", self.crawl_id)
            logger.info("Writing to %s as crawl %d", self.path, self.crawl_id)
        if self.batch_seconds > 0:
            self._timer.start(self.batch_seconds, now=False)

    def _close_database(self) -> None:
        self.lease = None
        if self.database is not None:
            self.database.close()
            self.database = None

    def _renew_lease(self) -> None:
        """Renew the lease; a crawl whose lease another took over (it was thought dead)
        stops."""
        if self.lease is None:
            return
        try:
            held = self.lease.renew()
        except sqlite3.Error as error:
            storage_failed(self.crawler, "database", error)
            return
        if not held and self.crawler.engine is not None:
            logger.error("Another crawl took over the lease of %s: stopping", self.path)
            self.lease = None
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=DATABASE_BUSY_REASON))

    def stored_article(self, article_id: str) -> StoredArticle | None:
        """An article as stored, counting writes not yet committed."""
        assert self.database is not None
        pending = self._pending_articles.get(article_id)
        return pending if pending is not None else self.database.stored_article(article_id)

    def _add(self, page: Page) -> None:
        self._pending.append(page)
        article = page.article
        if article is not None and page.fetch.outcome == "article":
            self._pending_articles[article.id] = StoredArticle(
                text_sha256=article.text_sha256,
                version=article.version,
                source_urls=frozenset(filter(None, (page.fetch.uri, page.fetch.final_url))),
            )
        if len(self._pending) >= self.batch_size:
            self.flush()

    @timed("store")
    def process_item(self, item: Page) -> Page:
        item.fetch.outcome = "article"
        self._add(item)
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, Page):
            self._add(item)

    def item_error(self, item: Any, failure: Failure) -> None:
        if isinstance(item, Page):
            record_pipeline_error(item, failure, self.crawler)
            self._add(item)

    @timed("store")
    def flush(self) -> None:
        """Write the pages waiting, in one transaction."""
        if not self._pending or self.database is None:
            return
        batch, self._pending = self._pending, []
        failed: list[Page] = []
        try:
            with self.database.transaction():
                for page in batch:
                    self._save(page)
            saved = batch
        except sqlite3.Error as error:
            logger.error("Batch write failed (%s); writing its pages one by one", error)
            saved, failed = self._save_one_by_one(batch)
        self._pending_articles.clear()
        stats = self.crawler.stats
        stats.inc_value("sqlite/batches")
        stats.inc_value("sqlite/fetches", len(saved))
        stats.inc_value("sqlite/articles", sum(page.fetch.outcome == "article" for page in saved))
        self.crawler.signals.send_catch_log(signal=pages_stored, pages=saved, failed=failed)

    def _save(self, page: Page) -> None:
        assert self.database is not None
        crawl_id = page.fetch.crawl_id or self.crawl_id
        if crawl_id is None:
            raise ValueError(f"{page.fetch.uri} belongs to no crawl")
        self.database.save_page(page, crawl_id)

    def _save_one_by_one(self, batch: list[Page]) -> tuple[list[Page], list[Page]]:
        """Write each page in a transaction of its own; the pages written, and the others."""
        assert self.database is not None
        saved, failed = [], []
        for page in batch:
            try:
                with self.database.transaction():
                    self._save(page)
            except (sqlite3.Error, ValueError) as error:
                logger.error("Could not store %s: %s", page.fetch.uri, error)
                self.crawler.stats.inc_value("sqlite/failed_pages")
                count_as_not_stored(page, self.crawler)
                storage_failed(self.crawler, "database", error)
                failed.append(page)
            else:
                saved.append(page)
        return saved, failed

    def record_warc_input(self, warc_input: WarcInput) -> None:
        """Record a remote WARC file read to its end (``warc_inputs``), once the pages read
        from it, all in hand by now, are committed."""
        self.flush()
        if self.database is None:
            return
        if warc_input.crawl_id is None:
            warc_input.crawl_id = self.crawl_id
        try:
            self.database.record_warc_input(warc_input)
        except sqlite3.Error as error:
            # The file is read again by the next crawl, which passes over its stored pages.
            storage_failed(self.crawler, "database", error)

    def close_spider(self) -> None:
        if self._timer.running:
            self._timer.stop()
        if self._lease_timer.running:
            self._lease_timer.stop()
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Complete the ``crawls`` row once the crawl's stats are final, and close."""
        if self.database is None:
            return
        self.flush()
        if self.crawl_id is not None:
            stats = self.crawler.stats.get_stats()
            summary, verdict = crawl_summary(self.crawler, reason)  # as the log says it
            try:
                self.database.finish_crawl(
                    self.crawl_id, utc_now(), reason, stats, summary=summary.columns(verdict)
                )
            except sqlite3.Error as error:
                # A full disk: the row stays as a killed crawl's, the log has the summary.
                logger.error("Could not record the end of crawl %d: %s", self.crawl_id, error)
        if self.lease is not None:
            try:
                self.lease.release()
            except sqlite3.Error as error:
                # The next crawl on this machine takes the lease over: this process is gone.
                logger.error("Could not release the lease of %s: %s", self.path, error)
        self._close_database()
