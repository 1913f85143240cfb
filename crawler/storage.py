"""Storage failures: a write that did not happen is counted, and stops the crawl.

A crawl whose disk is full, or whose database cannot be written, must not go on fetching
pages it cannot keep and then report success. Each store says here when a write failed
(:func:`storage_failed`):

- the failure is counted under ``storage/failed/<store>`` (``database``, ``warc``,
  ``copies``, ``stories``) and in ``storage/failed``, which the summary shows, the ``crawls``
  row keeps (``storage_failures``) and which makes the exit status 6 (``storage_failed``:
  ``crawler/summary.py``);
- the first failure that is the storage's (the disk is full, the file cannot be written: not
  one page the database refused) stops the crawl: no new requests, the pages in hand are
  written where they can be, and the crawl closes with the reason ``storage_failed``, said
  in one line at ``ERROR``.
"""

from __future__ import annotations

import logging
import sqlite3

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

STORAGE_FAILED_STAT = "storage/failed"
"""Stats key: the writes that failed, all stores together (and ``/<store>`` for each)."""
STORAGE_STOP_REASON = "storage_failed"
"""The finish reason of a crawl stopped because it could not store what it read."""
DATABASE_BUSY_REASON = "database_busy"
"""The finish reason of a crawl refused because another crawl is writing to its database
(``pipelines/lease.py``)."""


def is_storage_error(error: BaseException) -> bool:
    """Whether ``error`` is the storage's fault (disk full, I/O error, a locked or read-only
    database, a file that cannot be written) rather than one record's (a constraint)."""
    if isinstance(error, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return False
    return isinstance(error, sqlite3.Error | OSError)


def count_storage_failure(stats: StatsCollector, store: str, writes: int = 1) -> None:
    """Count ``writes`` failed writes to ``store``, without stopping anything (a store that
    could not even open stops the crawl by raising)."""
    stats.inc_value(f"{STORAGE_FAILED_STAT}/{store}", writes)
    stats.inc_value(STORAGE_FAILED_STAT, writes)


def storage_failed(crawler: Crawler, store: str, error: BaseException, writes: int = 1) -> None:
    """Count ``writes`` failed writes to ``store``; stop the crawl on the first storage error.

    :param store: ``database``, ``warc``, ``copies`` or ``stories``.
    :param error: what the write raised.
    """
    stats = crawler.stats
    assert stats is not None
    count_storage_failure(stats, store, writes)
    if not is_storage_error(error) or stats.get_value("storage/stopped"):
        return
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    stats.set_value("storage/stopped", store)
    logger.error("Stopping the crawl: cannot write to the %s: %s", store, error)
    deferred_from_coro(engine.close_spider_async(reason=STORAGE_STOP_REASON))
