"""Dedupe stage: a page whose article text is already stored adds no row.

The same text for the same article (same id, same ``text_sha256``) is dropped as
``duplicate``; the store then records the fetch and moves the article's ``last_seen``.
Lookups go through the store, which sees the rows it has not committed yet as well as
those it has.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Page
from pipelines.store import StorePipeline


class DedupePipeline:
    """Drops pages whose article is stored with the same text already."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats
        self.store: StorePipeline | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = self.crawler.get_item_pipeline(StorePipeline)
        if self.store is None:
            raise RuntimeError("DedupePipeline needs StorePipeline in ITEM_PIPELINES")

    def process_item(self, item: Page) -> Page:
        assert self.store is not None and item.article is not None
        if self.store.stored_text_sha256(item.article.id) == item.article.text_sha256:
            item.fetch.outcome = "duplicate"
            self.stats.inc_value("articles/duplicate")
            raise DropItem(
                f"duplicate: {item.article.url} is stored with this text", log_level="INFO"
            )
        return item
