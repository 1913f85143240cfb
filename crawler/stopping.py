"""Stopping when asked: once a crawl is closing, no request waiting to be sent is sent.

Scrapy closes a crawl (Ctrl-C, SIGTERM, ``CLOSESPIDER_TIMEOUT``, a storage failure) by
letting every request it has handed to the downloader finish. The downloader holds up to
``CONCURRENT_REQUESTS`` of them, queued by site and sent one ``DOWNLOAD_DELAY`` (or
AutoThrottle delay) apart: a crawl of one site at a 0.5 s delay went on fetching for 14 s
after Ctrl-C, and one with ``CLOSESPIDER_TIMEOUT=5`` ran to 21 s.

:class:`StoppingDownloader` (``DOWNLOADER``) looks every :data:`CHECK_SECONDS` whether the
crawl is closing and then fails each request still queued, unsent, with
:class:`CrawlStopping`. :class:`KeepUnsent` (a downloader middleware) turns that failure back
into the request, which goes back to the scheduler: with ``JOBDIR`` it is kept for the next
run, and no spider sees it as a page that failed. Transfers under way finish (within
``DOWNLOAD_TIMEOUT``), and the pages in hand go through the pipeline and are written.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.core.engine import ExecutionEngine
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

CHECK_SECONDS = 0.2
"""How often the downloader looks whether the crawl is closing: a delay between requests can
be 30 s (``AUTOTHROTTLE_MAX_DELAY``), so waiting for the next one is not enough."""


class CrawlStopping(IgnoreRequest):
    """The crawl is closing: the request was not sent."""


def closing(engine: ExecutionEngine | None) -> bool:
    """Whether the crawl of ``engine`` is stopping or closing."""
    if engine is None:
        return False
    # Scrapy keeps whether the spider is closing on the engine's slot only.
    slot = engine._slot
    return engine.spider is not None and (
        not engine.running or (slot is not None and slot.closing is not None)
    )


class StoppingDownloader(Downloader):
    """Scrapy's downloader, which fails its unsent requests once the crawl is closing."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._watch = LoopingCall(self._stop_if_closing)
        self._watch.start(CHECK_SECONDS, now=False)

    def _stop_if_closing(self) -> None:
        if not closing(self.crawler.engine):
            return
        for slot in self.slots.values():
            while slot.queue:
                request, queued = slot.queue.popleft()
                queued.errback(CrawlStopping(f"not sent: the crawl is closing: {request}"))

    def _process_queue(self, slot: Slot) -> None:
        if closing(self.crawler.engine):
            self._stop_if_closing()
            return
        super()._process_queue(slot)

    def close(self) -> None:
        if self._watch.running:
            self._watch.stop()
        super().close()


class KeepUnsent:
    """Gives a request the downloader did not send (:class:`CrawlStopping`) back to the
    scheduler, so that it is neither lost (``JOBDIR``) nor recorded as a failed page.
    Placed closest to the downloader, it sees the failure first."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KeepUnsent:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if not isinstance(exception, CrawlStopping):
            return None
        self.stats.inc_value("stopping/not_sent")
        return request.replace(dont_filter=True)
