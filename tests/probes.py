"""A Scrapy extension tests switch on with ``-s EXTENSIONS=...`` to look inside a crawl."""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request


class SchedulerProbe:
    """Counts the requests waiting in the scheduler and records the most at once as the
    ``probe/max_scheduled`` stat (which the ``crawls`` row keeps)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.waiting = 0
        self.most = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SchedulerProbe:
        probe = cls(crawler)
        crawler.signals.connect(probe.scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(probe.left, signal=signals.request_reached_downloader)
        crawler.signals.connect(probe.closed, signal=signals.spider_closed)
        return probe

    def scheduled(self, request: Request) -> None:
        self.waiting += 1
        self.most = max(self.most, self.waiting)

    def left(self, request: Request) -> None:
        self.waiting -= 1

    def closed(self) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("probe/max_scheduled", self.most)
