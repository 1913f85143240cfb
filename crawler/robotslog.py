"""A robots.txt that cannot be read is one warning line, not a traceback.

Scrapy's ``RobotsTxtMiddleware`` logs a robots.txt it failed to download at ``ERROR``,
naming the page that asked for it, with the whole traceback of the downloader and of
Twisted (some sixty lines); the crawl then reads the site as if it had no robots.txt. For a
site that is down, that buries the one line the crawl prints for each failed page
(``Dropped <uri>: error: connection_failed ...``) and its summary. The filter here, on that
middleware's logger, makes the record one ``WARNING`` line that says what happened, without
the traceback. Other records of that logger pass as they are.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

ROBOTSTXT_LOGGER = "scrapy.downloadermiddlewares.robotstxt"
DOWNLOAD_ERROR = "Error downloading %(request)s: %(f_exception)s"
"""The message Scrapy (2.19) logs when a robots.txt download fails."""


class RobotsTxtErrorLine(logging.Filter):
    """Turns Scrapy's robots.txt download error into one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == DOWNLOAD_ERROR and isinstance(record.args, dict):
            record.msg = (
                "robots.txt unreadable for %(request)s (%(f_exception)s): its site is read as"
                " if it had none"
            )
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


class QuietRobotsTxtErrors:
    """Puts :class:`RobotsTxtErrorLine` on the robots.txt middleware's logger for the crawl."""

    def __init__(self) -> None:
        self.line = RobotsTxtErrorLine()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietRobotsTxtErrors:
        extension = cls()
        logging.getLogger(ROBOTSTXT_LOGGER).addFilter(extension.line)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        logging.getLogger(ROBOTSTXT_LOGGER).removeFilter(self.line)
