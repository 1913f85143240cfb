"""Revisit stage: a page an earlier crawl read the same way is not extracted again.

A ``304 Not Modified`` answer (the spider marks it ``unchanged``) and a page to extract whose
body has the SHA-256 of the last whole read of the same URL are both dropped as
``unchanged`` (``not_modified`` / ``same_body``), before the extract stage spends any time on
them. Feeds, sitemaps and robots.txt keep their kind as their outcome (``not_article:
feed``...), so the next crawl knows what they are. The
store records the fetch and moves the ``last_seen`` of the article the URL gave before.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Page


def unchanged(page: Page, reason: str, stats: StatsCollector) -> DropItem:
    """Mark ``page`` as unchanged since its previous read, count it, and return the drop."""
    fetch = page.fetch
    fetch.outcome = "unchanged"
    fetch.reason = reason
    if page.previous is not None:
        fetch.article_id = page.previous.article_id
    page.article = None
    stats.inc_value(f"pages/unchanged/{reason}")
    return DropItem(f"unchanged: {reason}", log_level="DEBUG")


class RevisitPipeline:
    """Drops pages that are unchanged since the last time their URL was read whole."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RevisitPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Page) -> Page:
        if item.fetch.outcome == "unchanged":
            raise unchanged(item, "not_modified", self.stats)
        previous = item.previous
        if (
            item.rejection is None
            and previous is not None
            and previous.body_sha256 is not None
            and previous.body_sha256 == item.fetch.body_sha256
        ):
            raise unchanged(item, "same_body", self.stats)
        return item
