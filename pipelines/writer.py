"""The cluster's writer: ``python -m pipelines.writer --redis URL --db PATH [--idle-exit S]``.

Crawler processes in cluster mode (``crawler/cluster.py``) send what they read to a Redis
list (``pipelines/redis_queue.py``). The writer takes the messages off it in order and stores
them with the single-process pipeline's own stages, run by Scrapy as for a crawl: dedupe,
store, copies and stories (``WRITER_STAGES``), so there is one implementation of each. Its
spider, :class:`QueueSpider`, reads the queue instead of the web:

- a worker's crawl start becomes a ``crawls`` row (``crawls.worker`` names the worker); its
  end completes the row, with the worker's stats and a summary counted from the fetches the
  writer stored for it (only the writer can tell new articles from copies);
- every page goes through the stages and is stored as part of its worker's crawl.

Nothing is lost when the writer is killed: a message is moved, not popped, to the list
:data:`IN_HAND_KEY` while it is written, and taken off only once the store has committed
it; a writer that starts puts what a killed one left in hand back at the head of the queue,
and skips the pages of it that were committed already. After each committed batch, the
writer publishes the history the next crawl needs for revisits
(:class:`pipelines.shared_history.SharedFetchHistory`).

Datasette can read the database while the writer writes (WAL mode).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import redis.asyncio
import scrapy
from redis import Redis
from redis.exceptions import RedisError
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.project import get_project_settings

from crawler.cluster import WRITER_STAGES
from crawler.inflight import ItemsInFlight
from crawler.items import Crawl, Page
from crawler.summary import CrawlSummary
from pipelines.database import NewsDatabase
from pipelines.redis_queue import (
    PAGES_KEY,
    CrawlFinished,
    CrawlStarted,
    WarcInputRead,
    decode,
)
from pipelines.shared_history import HISTORY_KEY, SharedFetchHistory
from pipelines.store import StorePipeline, pages_stored

logger = logging.getLogger(__name__)

IN_HAND_KEY = "cleanwire:pages:writing"
"""The messages the writer has taken off the queue and not yet committed, oldest first."""
FAILED_KEY = "cleanwire:pages:failed"
"""The messages of pages the store could not write: kept for ``--retry-failed``."""
PAGES_IN_FLIGHT = 64
"""Pages in the writer's stages at once."""
POLL_SECONDS = 1
"""How long one wait for the queue lasts, at most."""


class DecidedPagesPipeline:
    """The writer's first stage: a page that a worker's stages decided on already (skipped,
    not an article, unchanged, failed) goes straight to the store, which records it as the
    worker's store would have; a page with an article goes on to the dedupe stage."""

    def process_item(self, item: Page) -> Page:
        if item.article is None or item.rejection is not None or item.fetch.outcome is not None:
            raise DropItem(f"decided by the worker: {item.fetch.outcome}", log_level="DEBUG")
        return item


class QueueSpider(scrapy.Spider):
    """Reads the cluster's queue and yields its pages to the writer's stages.

    :param idle_exit: seconds of an empty queue after which the writer ends (0: never).
    :param retry_failed: whether to put the messages of pages that could not be stored
        (:data:`FAILED_KEY`) back at the head of the queue first.
    """

    name = "writer"
    records_own_crawl = False

    def __init__(self, idle_exit: float = 0.0, retry_failed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.idle_exit = float(idle_exit)
        self.retry_failed = retry_failed
        self.arguments = {"idle_exit": self.idle_exit, "retry_failed": retry_failed}
        self._crawl_ids: dict[str, int] = {}
        self._sequence = itertools.count()
        self._in_hand: dict[int, tuple[int, str | None]] = {}
        """For each page in the stages (by ``id``): its message's sequence number, and the
        run it was read in."""
        self._committed: set[int] = set()
        self._trimmed = 0
        self._redelivered = 0
        self._server: Redis | None = None
        self._history: SharedFetchHistory | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> QueueSpider:
        spider: QueueSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.pages_committed, signal=pages_stored)
        return spider

    @property
    def _store(self) -> StorePipeline:
        store = self.crawler.get_item_pipeline(StorePipeline)
        if store is None or store.database is None:
            raise RuntimeError("the writer needs StorePipeline in ITEM_PIPELINES")
        return store

    @property
    def _database(self) -> NewsDatabase:
        database = self._store.database
        assert database is not None
        return database

    async def start(self) -> AsyncIterator[Page]:
        url = self.settings.get("REDIS_URL")
        self._server = Redis.from_url(url)
        self._history = SharedFetchHistory(self._server)
        queue = redis.asyncio.Redis.from_url(url)
        in_flight = ItemsInFlight(self.crawler, PAGES_IN_FLIGHT)
        self._redelivered = self._take_back()
        if self.retry_failed:
            self._redelivered += self._retry_failed()
        if not self._server.exists(HISTORY_KEY):
            loaded = self._history.load(self._database)
            if loaded:
                logger.info("Shared the history of %d URLs the database held", loaded)
        logger.info("Reading the queue %s on %s", PAGES_KEY, url)
        progress = WriterProgress(self.crawler, self._server, self.settings)
        idle_since = time.monotonic()
        try:
            while True:
                raw = await queue.blmove(PAGES_KEY, IN_HAND_KEY, POLL_SECONDS, "LEFT", "RIGHT")
                progress.maybe_log()
                if raw is None:
                    idle = time.monotonic() - idle_since
                    if self.idle_exit and idle >= self.idle_exit and not len(in_flight):
                        logger.info("The queue has been empty for %.0f s: done", idle)
                        return
                    continue
                assert isinstance(raw, bytes)
                idle_since = time.monotonic()
                sequence = next(self._sequence)
                page = await self._handle(raw, sequence, in_flight)
                if page is not None:
                    yield await in_flight.send(page)
        finally:
            await queue.aclose()
            progress.maybe_log(final=True)

    def _to_queue_head(self, key: str) -> int:
        """Move the messages of list ``key`` to the head of the queue, in their order; how
        many there were."""
        assert self._server is not None
        moved = 0
        while self._server.lmove(key, PAGES_KEY, "RIGHT", "LEFT") is not None:
            moved += 1
        return moved

    def _take_back(self) -> int:
        """Put the messages a killed writer had in hand back at the head of the queue."""
        taken_back = self._to_queue_head(IN_HAND_KEY)
        if taken_back:
            logger.info("Taking back %d messages a writer left in hand", taken_back)
            self.crawler.stats.inc_value("writer/taken_back", taken_back)
        return taken_back

    def _retry_failed(self) -> int:
        """Put the messages of pages that could not be stored at the head of the queue."""
        retried = self._to_queue_head(FAILED_KEY)
        logger.info("Retrying %d messages of pages that could not be stored", retried)
        self.crawler.stats.inc_value("writer/retried", retried)
        return retried

    async def _handle(self, raw: bytes, sequence: int, in_flight: ItemsInFlight) -> Page | None:
        """What to do with one message; the page to yield, if any."""
        stats = self.crawler.stats
        try:
            message = decode(raw)
        except ValueError:
            logger.exception("Left out a message that is not one")
            stats.inc_value("writer/bad_messages")
            self._commit([sequence])
            return None
        if isinstance(message, CrawlStarted):
            self._crawl_id(message.crawl_key, message.crawl)
            self._commit([sequence])
            return None
        if isinstance(message, CrawlFinished):
            await in_flight.empty()
            self._finish(message)
            self._commit([sequence])
            return None
        if isinstance(message, WarcInputRead):
            # Its pages came before it: stored once they are committed, the file is recorded.
            await in_flight.empty()
            message.warc_input.crawl_id = self._crawl_id(message.crawl_key, None)
            self._store.record_warc_input(message.warc_input)
            self._commit([sequence])
            return None
        page = message.page
        page.fetch.crawl_id = self._crawl_id(message.crawl_key, None, page)
        if self._stored_before(page, sequence):
            stats.inc_value("writer/already_stored")
            self._commit([sequence])
            return None
        stats.inc_value("writer/pages")
        self._in_hand[id(page)] = (sequence, message.run)
        return page

    def _stored_before(self, page: Page, sequence: int) -> bool:
        """Whether ``page`` is stored already: a message a killed writer left in hand and had
        committed, or a record of a remote WARC file that a worker read again after another,
        killed while reading the file, had sent it."""
        fetch = page.fetch
        if (
            fetch.warc_length is not None
            and fetch.warc_file is not None
            and fetch.warc_offset is not None
            and self._database.has_record(fetch.warc_file, fetch.warc_offset)
        ):
            return True
        assert fetch.crawl_id is not None
        return sequence < self._redelivered and self._database.has_fetch(
            fetch.crawl_id, fetch.uri, fetch.fetched_at
        )

    def _crawl_id(self, worker: str, crawl: Crawl | None, page: Page | None = None) -> int:
        """The id of worker ``worker``'s crawl, its row written if it has none yet."""
        known = self._crawl_ids.get(worker)
        if known is None:
            known = self._database.crawl_of_worker(worker)
        if known is None:
            if crawl is None:
                # The start message was lost: a row from what the page tells.
                started = page.fetch.fetched_at if page is not None else ""
                crawl = Crawl(spider="unknown", args="{}", started_at=started, versions="{}")
            crawl.worker = worker
            known = self._database.start_crawl(crawl)
            logger.info("Crawl %d: %s of worker %s", known, crawl.spider, worker)
        self._crawl_ids[worker] = known
        return known

    def _finish(self, message: CrawlFinished) -> None:
        """Complete a worker's ``crawls`` row, with a summary of what was stored for it."""
        crawl_id = self._crawl_id(message.crawl_key, None)
        store = self._store
        store.flush()
        outcomes, new, changed = self._database.crawl_outcomes(crawl_id)
        elapsed = message.stats.get("elapsed_time_seconds")
        summary = CrawlSummary.from_outcomes(
            outcomes,
            new,
            changed,
            message.reason,
            float(elapsed) if elapsed else None,
            crawl_id,
        )
        verdict = summary.verdict(self.settings.getfloat("CRAWL_MAX_ERROR_SHARE"))
        self._database.finish_crawl(
            crawl_id,
            message.finished_at,
            message.reason,
            message.stats,
            summary=summary.columns(verdict),
        )
        for line in summary.lines(message.crawl_key, store.path, None)[:2]:
            logger.info(line)

    def pages_committed(self, pages: Iterable[Page], failed: Iterable[Page] = ()) -> None:
        """The store committed a batch: publish the history of its pages, keep the messages of
        those it could not write in :data:`FAILED_KEY`, and take them all off the in-hand
        list (a page that cannot be written would otherwise hold up the list behind it)."""
        assert self._history is not None and self._server is not None
        read = [(page, self._in_hand.pop(id(page), None)) for page in pages]
        self._history.record((page, hand[1] if hand else None) for page, hand in read)
        sequences = [hand[0] for _, hand in read if hand is not None]
        for page in failed:
            hand = self._in_hand.pop(id(page), None)
            if hand is None:
                continue
            message = self._server.lindex(IN_HAND_KEY, hand[0] - self._trimmed)
            if message is not None:
                self._server.rpush(FAILED_KEY, message)
            logger.error(
                "Kept the message of %s, which could not be stored, in %s (--retry-failed)",
                page.fetch.uri,
                FAILED_KEY,
            )
            self.crawler.stats.inc_value("writer/failed_pages")
            sequences.append(hand[0])
        self._commit(sequences)

    def _commit(self, sequences: Iterable[int]) -> None:
        self._committed.update(sequences)
        done = 0
        while self._trimmed + done in self._committed:
            self._committed.discard(self._trimmed + done)
            done += 1
        if done:
            assert self._server is not None
            self._server.ltrim(IN_HAND_KEY, done, -1)
            self._trimmed += done


class WriterProgress:
    """A log line every ``PROGRESS_INTERVAL`` seconds: pages stored, rows a second, queue."""

    def __init__(self, crawler: Crawler, server: Redis, settings: BaseSettings) -> None:
        self.crawler = crawler
        self.server = server
        self.interval = settings.getfloat("PROGRESS_INTERVAL")
        self.started = time.monotonic()
        self.due = self.started + self.interval

    def maybe_log(self, final: bool = False) -> None:
        now = time.monotonic()
        if not final and (not self.interval or now < self.due):
            return
        self.due = now + self.interval
        stats = self.crawler.stats
        fetches = int(stats.get_value("sqlite/fetches", 0))
        articles = int(stats.get_value("sqlite/articles", 0))
        queued = int(self.server.llen(PAGES_KEY))
        rate = fetches / max(now - self.started, 1e-9)
        logger.info(
            "Writer: %d pages stored (%d articles), %.1f pages/s; %d messages queued",
            fetches,
            articles,
            rate,
            queued,
        )


def writer_settings(redis_url: str, db_path: str) -> Settings:
    """The project's settings, for a writer: the stages that write, and no crawl's extras."""
    settings = get_project_settings()
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("SQLITE_PATH", db_path, priority="cmdline")
    stages = {stage: 300 + 100 * number for number, stage in enumerate(WRITER_STAGES)}
    stages[f"{__name__}.DecidedPagesPipeline"] = 200
    settings.set("ITEM_PIPELINES", stages, priority="cmdline")
    settings.set("ADDONS", {}, priority="cmdline")
    extensions = dict(settings.getdict("EXTENSIONS"))
    for extension in (
        "crawler.cluster.ClusterRun",
        "crawler.progress.ProgressExtension",
        "crawler.summary.CrawlSummaryExtension",
    ):
        extensions[extension] = None
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    settings.set("WARC_ENABLED", False, priority="cmdline")
    settings.set("REVISIT_ENABLED", False, priority="cmdline")
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.writer",
        description="Store what a cluster's crawler processes send through Redis.",
    )
    parser.add_argument("--redis", required=True, help="redis://HOST:PORT/DB, as REDIS_URL")
    parser.add_argument("--db", required=True, help="the SQLite database to write")
    parser.add_argument(
        "--idle-exit",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="end once the queue has been empty this long (default: run until stopped)",
    )
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help=f"first put the pages that could not be stored ({FAILED_KEY}) back in the queue",
    )
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting, as for scrapy crawl (SQLITE_BATCH_SIZE, STORIES_ENABLED, LOG_FILE ...)",
    )
    arguments = parser.parse_args(argv)
    try:
        Redis.from_url(arguments.redis).ping()
    except (RedisError, ValueError) as error:
        parser.exit(1, f"Cannot reach Redis at {arguments.redis}: {error}\n")
    settings = writer_settings(arguments.redis, arguments.db)
    for assignment in arguments.set:
        name, equals, value = assignment.partition("=")
        if not equals:
            parser.error(f"-s takes NAME=VALUE, not {assignment!r}")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(QueueSpider, idle_exit=arguments.idle_exit, retry_failed=arguments.retry_failed)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
