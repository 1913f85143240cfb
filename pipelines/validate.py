"""Validate stage: drop every page that holds no article, saying why.

A page arrives here either with an article or with the reason it has none (set by the spider
or the extract stage). Pages without one are dropped with ``DropItem``, counted under
``pages/<outcome>/<reason>`` and logged; articles shorter than ``VALIDATE_MIN_WORDS`` words
are dropped as ``not_article`` (``too_short``). The store records a ``fetches`` row for
every dropped page, so nothing disappears silently.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from crawler.items import Page
from pipelines.extraction.result import NotArticle, Rejected

LOG_LEVELS = {"skipped": "INFO", "not_article": "INFO", "error": "WARNING"}


def drop(page: Page, rejection: Rejected, stats: StatsCollector) -> DropItem:
    """Mark ``page`` as rejected, count it, and return the ``DropItem`` to raise."""
    page.rejection = rejection
    page.fetch.reject(rejection)
    stats.inc_value(f"pages/{rejection.outcome}/{rejection.reason}")
    return DropItem(str(rejection), log_level=LOG_LEVELS[rejection.outcome])


class ValidatePipeline:
    """Drops pages with no article, or with too short a one (``VALIDATE_MIN_WORDS``)."""

    def __init__(self, stats: StatsCollector, min_words: int) -> None:
        self.stats = stats
        self.min_words = min_words

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats, crawler.settings.getint("VALIDATE_MIN_WORDS"))

    def process_item(self, item: Page) -> Page:
        if item.rejection is not None:
            raise drop(item, item.rejection, self.stats)
        if item.article is None:
            raise drop(item, NotArticle("no_main_text"), self.stats)
        if item.article.word_count < self.min_words:
            too_short = NotArticle("too_short", f"{item.article.word_count} words")
            raise drop(item, too_short, self.stats)
        return item
