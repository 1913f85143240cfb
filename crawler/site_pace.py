"""Politeness across a cluster: one gap between two requests to a site, whichever process
sends them.

Scrapy keeps its per-site limits (``DOWNLOAD_DELAY``, ``CONCURRENT_REQUESTS_PER_DOMAIN``,
AutoThrottle) in each process: ten crawler processes on one frontier would ask a site ten
times as often as one. :class:`ClusterSitePace` keeps, for each site, the next moment a
request to it may leave, in Redis (``cleanwire:site:<host>``, Redis's own clock): a request
reserves the first free moment and waits for it, so requests to one site from the whole
cluster leave at least ``REDIS_SITE_DELAY`` seconds apart. A request woken later than its
moment (its process was busy) by more than a tenth of the gap would come too close to the
next one: it reserves again, once. The per-process limits still apply on top, and may hold
a request back after its moment.

A site is what Scrapy takes for one (its downloader slot): the request's ``download_slot``
meta key if set, else its host name.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached

from crawler.cluster import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "cleanwire:site:"
LATE = 0.1
"""The share of the gap a request may wake after its moment and still go."""
RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, free)
local after = start + tonumber(ARGV[1])
local expiry = math.floor((after - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', expiry)
return math.floor(start - now)
"""
"""KEYS: the site's key; ARGV: the gap, in microseconds. Reserves the site's first free moment
and returns how long to wait for it, in microseconds. The key expires a second after the
moment it holds has passed, so that sites no longer crawled leave nothing behind."""


def site_of(request: Request) -> str:
    """The site a request goes to, as Scrapy's downloader slots tell sites apart."""
    slot = request.meta.get("download_slot")
    return str(slot) if slot else urlparse_cached(request).hostname or ""


class ClusterSitePace:
    """Downloader middleware: in cluster mode, requests to one site leave the cluster at least
    ``REDIS_SITE_DELAY`` seconds apart (default: ``DOWNLOAD_DELAY``; 0 turns it off).

    Stats: ``cluster/site_waits`` (requests that waited for their site), ``cluster/site_wait_ms``
    (their waits added up), ``cluster/site_late_wakes`` (requests woken too late, which
    reserved again), ``cluster/site_pace_errors`` (Redis could not be asked: the request went
    without waiting).
    """

    def __init__(self, server: Redis, delay: float, stats: StatsCollector) -> None:
        self.delay = delay
        self.stats = stats
        self._reserve = server.register_script(RESERVE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterSitePace:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured  # one process: Scrapy's own per-site limits are the cluster's
        configured = settings.get("REDIS_SITE_DELAY")
        if configured in (None, ""):
            configured = settings.getfloat("DOWNLOAD_DELAY")
        delay = float(configured)
        if delay <= 0:
            raise NotConfigured
        assert crawler.stats is not None
        return cls(redis_client(settings), delay, crawler.stats)

    async def process_request(self, request: Request) -> None:
        site = site_of(request)
        if not site:
            return
        for attempt in range(2):
            try:
                reply = self._reserve(keys=[KEY_PREFIX + site], args=[round(self.delay * 1e6)])
            except RedisError as error:
                logger.warning("Could not ask Redis when %s may be requested: %s", site, error)
                self.stats.inc_value("cluster/site_pace_errors")
                return
            wait = int(reply) / 1e6
            if wait <= 0:
                return
            self.stats.inc_value("cluster/site_waits")
            self.stats.inc_value("cluster/site_wait_ms", round(wait * 1000))
            asleep = time.monotonic()
            await asyncio.sleep(wait)
            if time.monotonic() - asleep - wait <= LATE * self.delay:
                return
            if not attempt:
                self.stats.inc_value("cluster/site_late_wakes")
