"""Dedupe stage: an article stored already adds no row, unless its text changed.

The article's id comes from its URL (the canonical one when the page names it). When that
article is stored:

- the same text is dropped: ``unchanged`` (``same_text``) when this URL gave the article
  before, else ``duplicate`` (the same article read at another URL); except that the
  article's canonical URL takes over as its source from an alias read first
  (``articles/moved_to_canonical``);
- a changed text read from the article's own URL (the one its text came from, or its
  canonical URL) goes on to the store as a new version (``articles/changed``);
- a changed text read at another URL is dropped as ``duplicate`` (``other_url``): a copy
  at an alias URL (an AMP page, a tracking variant) must not rewrite the article's history.

Lookups go through the store, which sees the rows it has not committed yet as well.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Page, url_key
from pipelines.cpu_clock import crawl_clock, timed
from pipelines.revisit import unchanged
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)


class DedupePipeline:
    """Drops pages whose article is stored with the same text, or read at an alias URL."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.clock = crawl_clock(crawler)
        self.stats: StatsCollector = crawler.stats
        self.store: StorePipeline | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        self.store = self.crawler.get_item_pipeline(StorePipeline)
        if self.store is None:
            raise RuntimeError("DedupePipeline needs StorePipeline in ITEM_PIPELINES")

    def _duplicate(self, item: Page, reason: str) -> DropItem:
        assert item.article is not None
        item.fetch.outcome = "duplicate"
        item.fetch.reason = reason
        self.stats.inc_value("articles/duplicate")
        return DropItem(f"duplicate: {item.article.url} is stored ({reason})", log_level="INFO")

    def _count(self, item: Page, key: str) -> Page:
        item.counted_as = key
        self.stats.inc_value(key)
        return item

    @timed("dedupe")
    def process_item(self, item: Page) -> Page:
        assert self.store is not None and item.article is not None
        article, fetch = item.article, item.fetch
        stored = self.store.stored_article(article.id)
        if stored is None:
            return self._count(item, "articles/new")
        read_before = item.previous is not None and item.previous.article_id == article.id
        page_urls = {url for url in (fetch.uri, fetch.final_url) if url}
        canonical = url_key(article.url)
        at_canonical = any(url_key(url) == canonical for url in page_urls)
        if stored.text_sha256 == article.text_sha256:
            if at_canonical and not any(url_key(u) == canonical for u in stored.source_urls):
                article.version = stored.version
                return self._count(item, "articles/moved_to_canonical")
            if read_before:
                raise unchanged(item, "same_text", self.stats)
            raise self._duplicate(item, "same_text")
        own_url = at_canonical or bool(page_urls & stored.source_urls)
        if not (own_url or read_before):
            raise self._duplicate(item, "other_url")
        article.version = stored.version + 1
        logger.info("Article %s changed: version %d", article.url, article.version)
        return self._count(item, "articles/changed")
