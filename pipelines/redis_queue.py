"""The Redis queue between a cluster's crawler processes and its writer.

In cluster mode (``crawler/cluster.py``) a crawler process stores nothing itself:
:class:`RedisQueuePipeline` sends each page it read, with its fetch provenance and its
extracted article, and its crawl's start and end (with the final stats), to the list
:data:`PAGES_KEY`. The writer (``python -m pipelines.writer``) takes them off in order and
stores them with the single-process pipeline's own stages.

Messages are pickled, as scrapy-redis pickles requests: the Redis server must be one that only
the cluster's own processes can write to. A page's raw bytes are not sent (its WARC record
holds them); pages are sent as soon as they are done, so a killed process loses only the
pages it had in hand.
"""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.python.failure import Failure

from crawler.ccnews import warc_input_read
from crawler.cluster import ClusterRun, redis_client, worker_name
from crawler.items import Crawl, Page, WarcInput, utc_now
from pipelines.store import new_crawl, record_pipeline_error

logger = logging.getLogger(__name__)

PAGES_KEY = "cleanwire:pages"
"""The list crawler processes push messages to (right) and the writer takes them from (left)."""


@dataclass
class CrawlStarted:
    """A crawler process started: its ``crawls`` row, less the id the writer gives it."""

    crawl_key: str
    crawl: Crawl


@dataclass
class PageRead:
    """One page a crawler process is done with, whatever became of it, and the cluster run
    it was read in."""

    crawl_key: str
    page: Page
    run: str | None = None


@dataclass
class CrawlFinished:
    """A crawler process closed, for ``reason``, with these final ``stats``."""

    crawl_key: str
    finished_at: str
    reason: str
    stats: dict[str, Any]


@dataclass
class WarcInputRead:
    """A crawler process read a remote WARC file to its end, and sent all its pages before
    this message (the ``ccnews`` spider)."""

    crawl_key: str
    warc_input: WarcInput


Message = CrawlStarted | PageRead | CrawlFinished | WarcInputRead


def encode(message: Message) -> bytes:
    """The bytes of ``message`` on the queue."""
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> Message:
    """The message of bytes taken off the queue.

    :raises ValueError: when they are not a message of this module.
    """
    try:
        message = pickle.loads(data)
    except Exception as error:
        raise ValueError(f"not a queue message: {error!r}") from error
    if not isinstance(message, CrawlStarted | PageRead | CrawlFinished | WarcInputRead):
        raise ValueError(f"not a queue message: {type(message).__name__}")
    return message


class RedisQueuePipeline:
    """Sends every page, and the crawl's start and end, to the writer's queue in Redis.

    It takes the store's place in ``ITEM_PIPELINES`` in cluster mode: pages dropped by an
    earlier stage (skipped, not articles, unchanged, failed) are sent too, through the
    ``item_dropped`` and ``item_error`` signals. Stats: ``cluster/pages_sent``,
    ``articles/sent`` (articles handed on: the writer decides whether they are new),
    ``cluster/send_failed``.
    """

    def __init__(self, crawler: Crawler, server: Redis) -> None:
        self.crawler = crawler
        self.server = server
        self.crawl_key = worker_name()
        """The name of this process's crawl, the writer's ``crawls.worker``: the cluster
        worker's own name, which its log lines give."""
        self.cluster: ClusterRun | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisQueuePipeline:
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("no REDIS_URL")
        pipeline = cls(crawler, redis_client(crawler.settings))
        crawler.signals.connect(pipeline.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.warc_input_read, signal=warc_input_read)
        return pipeline

    def _send(self, message: Message) -> bool:
        try:
            self.server.rpush(PAGES_KEY, encode(message))
        except RedisError:
            logger.exception("Could not send to the writer's queue: %r", message)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("cluster/send_failed")
            return False
        return True

    def open_spider(self) -> None:
        self.cluster = self.crawler.get_extension(ClusterRun)
        if self.cluster is not None:
            self.crawl_key = self.cluster.worker
        self._send(CrawlStarted(self.crawl_key, new_crawl(self.crawler)))
        logger.info("Sending pages to the writer's queue %s", PAGES_KEY)

    def _send_page(self, page: Page) -> None:
        page.body = b""
        run = self.cluster.run if self.cluster is not None else None
        if self._send(PageRead(self.crawl_key, page, run)):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("cluster/pages_sent")

    def process_item(self, item: Page) -> Page:
        self._send_page(item)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("articles/sent")
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, Page):
            self._send_page(item)

    def item_error(self, item: Any, failure: Failure) -> None:
        if isinstance(item, Page):
            record_pipeline_error(item, failure, self.crawler)
            self._send_page(item)

    def warc_input_read(self, warc_input: WarcInput) -> None:
        self._send(WarcInputRead(self.crawl_key, warc_input))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        self._send(CrawlFinished(self.crawl_key, utc_now(), reason, stats))
