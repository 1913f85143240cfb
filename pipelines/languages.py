"""Language stage: with ``-a languages=`` (the ``ccnews`` spider), keep only articles in them.

The language is the extraction's (``articles.language``: fastText's identification of the
text, else the page's declared language), so the filter runs after the extract and validate
stages. An article in another language, or in none that could be told, is dropped as
``skipped: language`` (its ``fetches`` row says which: ``Dropped <uri>: skipped: language
(fr)``), counted under ``pages/skipped/language``. Spiders without a ``languages`` attribute,
or with an empty one, keep every language.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Page
from pipelines.extraction.result import Skipped
from pipelines.validate import drop


class LanguagePipeline:
    """Drops articles outside the spider's ``languages`` (see the module docstring)."""

    def __init__(self, crawler: Crawler, stats: StatsCollector) -> None:
        self.crawler = crawler
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        assert crawler.stats is not None
        return cls(crawler, crawler.stats)

    def process_item(self, item: Page) -> Page:
        languages: frozenset[str] = getattr(self.crawler.spider, "languages", frozenset())
        if not languages or item.article is None:
            return item
        language = (item.article.language or "").lower()
        if language.split("-", 1)[0] not in languages:
            item.article = None
            raise drop(item, Skipped("language", language or "unknown"), self.stats)
        return item
