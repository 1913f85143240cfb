"""Messages below ``LOG_LEVEL`` are not even made.

Scrapy leaves the root logger at ``NOTSET`` and filters by ``LOG_LEVEL`` in its handler, so
every debug message (Scrapy's "Crawled" and "Scraped from" lines for each page, ours for each
pair of copies) is built as a log record and then thrown away: about 3% of the crawl
process's time on a large ingest. Once the crawl has set up logging, this sets the root
logger's level to ``LOG_LEVEL`` so that such calls return at once.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler


class RootLogLevel:
    """Sets the root logger's level to ``LOG_LEVEL`` when the engine starts."""

    def __init__(self, level: str | int) -> None:
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RootLogLevel:
        extension = cls(crawler.settings.get("LOG_LEVEL"))
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        logging.root.setLevel(self.level)
