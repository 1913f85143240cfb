"""A progress line every ``PROGRESS_INTERVAL`` seconds: pages done, of how many, how fast, when.

``Progress: 1,234/10,000 pages (12%), 85.3 pages/s, ETA 1m43s``

*Done* is the pages the item pipeline has finished with, whatever their outcome (articles,
drops, pipeline errors): each ``fetches`` row to be. *Total* is what the spider says it will
read, through the crawl's stats:

- ``progress/total``: the pages known so far;
- ``progress/total_final``: true once no more will be added.

The ``files`` spider counts its files in a thread as the crawl starts (WARC records add
themselves as they are read); the ``reextract`` spider knows its archived reads at once. A
spider that sets neither (the ``news`` spider) gets the requests it has queued so far, which
feeds, sitemaps and links keep adding to: that total is never final, and its line says
"listed so far". The rate is taken over the last minute; the ETA needs a total.

At most one line per interval, at ``INFO``: ``LOG_LEVEL=WARNING`` (a cron job's) leaves them
out. ``PROGRESS_INTERVAL = 0`` turns them off.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

TOTAL_STAT = "progress/total"
"""Stats key: the pages the spider knows it will read (so far)."""
TOTAL_FINAL_STAT = "progress/total_final"
"""Stats key: whether ``progress/total`` is complete."""
RATE_WINDOW = 60.0
"""Seconds of recent progress the rate (and so the ETA) is taken over."""
EARLY = 0.02
"""Share of an interval a timer may fire early by and still log (clocks are not exact)."""


def format_duration(seconds: float) -> str:
    """A duration for people: ``43s``, ``1m43s``, ``2h05m``, ``3d04h``."""
    whole = max(0, round(seconds))
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def progress_line(done: int, total: int | None, final: bool, rate: float | None) -> str:
    """The progress line for ``done`` pages of ``total`` (``None``: unknown) at ``rate``.

    :param final: whether ``total`` is complete; if not, it is "listed so far" and the ETA is
        a lower bound.
    """
    speed = f"{rate:,.1f} pages/s" if rate is not None else "rate not known yet"
    if not total:
        return f"Progress: {done:,} pages (total unknown), {speed}"
    total = max(total, done)
    share = f"{100 * done // total}%"
    of = f"{done:,}/{total:,} pages" + ("" if final else " listed so far")
    if rate is None or rate <= 0:
        eta = "ETA unknown"
    elif final:
        eta = f"ETA {format_duration((total - done) / rate)}"
    else:
        eta = f"ETA {format_duration((total - done) / rate)} or more"
    return f"Progress: {of} ({share}), {speed}, {eta}"


class ProgressExtension:
    """Logs a progress line at most once every ``PROGRESS_INTERVAL`` seconds (see the module
    docstring)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.done = 0
        self._queued = 0
        self._samples: deque[tuple[float, int]] = deque()
        self._last_line: float | None = None
        self._task: AsyncioLoopingCall | LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured("PROGRESS_INTERVAL is 0: no progress lines")
        extension = cls(crawler, interval)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(extension.page_done, signal=signal)
        crawler.signals.connect(extension.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(extension.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def page_done(self, **_: Any) -> None:
        self.done += 1

    @staticmethod
    def _new_page(request: Request) -> bool:
        """Whether a request reads a page of its own: not a retry, not a redirect's next hop."""
        return "retry_times" not in request.meta and "redirect_times" not in request.meta

    def request_scheduled(self, request: Request, **_: Any) -> None:
        if self._new_page(request):
            self._queued += 1

    def request_dropped(self, request: Request, **_: Any) -> None:
        if self._new_page(request):  # the duplicate-request filter had it already
            self._queued -= 1

    def spider_opened(self) -> None:
        self._samples.append((time.monotonic(), 0))
        self._task = create_looping_call(self.log)
        self._task.start(self.interval, now=False)

    def spider_closed(self) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()

    def total(self) -> tuple[int | None, bool]:
        """The total pages known so far, and whether it is final."""
        stats = self.crawler.stats
        assert stats is not None
        total = stats.get_value(TOTAL_STAT)
        if total is not None:
            return int(total), bool(stats.get_value(TOTAL_FINAL_STAT, False))
        return (self._queued if self._queued > 0 else None), False

    def rate(self, now: float) -> float | None:
        """Pages per second over the last :data:`RATE_WINDOW` seconds."""
        self._samples.append((now, self.done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW:
            self._samples.popleft()
        since, done_then = self._samples[0]
        return (self.done - done_then) / (now - since) if now > since else None

    def log(self) -> None:
        now = time.monotonic()
        if self._last_line is not None and now - self._last_line < self.interval * (1 - EARLY):
            return  # a late tick bunched up with the next: never two lines in one interval
        self._last_line = now
        total, final = self.total()
        logger.info(progress_line(self.done, total, final, self.rate(now)))
