"""Extract stage: raw page bytes to an article, in worker processes.

trafilatura and the text cleaner are pure-Python CPU work; run on the reactor thread they
would stall every download. Pages go to a ``ProcessPoolExecutor`` of ``EXTRACT_WORKERS``
processes (default: one per core), at most one page per worker at a time so that the
``EXTRACT_TIMEOUT`` clock runs only while a page is really being extracted. A page that
crashes its worker or runs over time fails alone (``error: worker_crashed`` /
``error: timeout``); the pool is replaced and the crawl goes on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import re
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article, Page, article_id, sha256_hex, utc_now
from pipelines.extraction.html import HtmlExtractionOptions
from pipelines.extraction.page import extract_page
from pipelines.extraction.result import Extraction, ExtractionError, Rejected

logger = logging.getLogger(__name__)

WORD = re.compile(r"\w+")


def _ignore_interrupts() -> None:
    """Leave Ctrl-C to the crawl: it shuts down gracefully and then closes the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def build_article(page: Page, extraction: Extraction) -> Article:
    """The article record for a page's extraction.

    Its URL is the one the page names for itself, else where it was finally read from.
    """
    fetch = page.fetch
    url = extraction.url or fetch.final_url or fetch.uri
    return Article(
        id=article_id(url),
        url=url,
        title=extraction.title,
        author=extraction.author,
        date_published=extraction.date_published,
        date_modified=extraction.date_modified,
        date_source=extraction.date_source,
        image=extraction.image,
        tags=json.dumps(extraction.tags, ensure_ascii=False) if extraction.tags else None,
        language=extraction.language,
        sitename=extraction.sitename,
        description=extraction.description,
        text=extraction.text,
        text_sha256=sha256_hex(extraction.text.encode("utf-8")),
        word_count=len(WORD.findall(extraction.text)),
        extractor=extraction.extractor,
        extracted_at=utc_now(),
        first_seen=fetch.fetched_at,
        last_seen=fetch.fetched_at,
    )


class ExtractPipeline:
    """Runs :func:`pipelines.extraction.page.extract_page` for each page in a process pool.

    Settings: ``EXTRACT_WORKERS`` (0: one per core), ``EXTRACT_TIMEOUT`` (seconds per page),
    ``EXTRACT_FOCUS`` and ``EXTRACT_INCLUDE_TABLES`` (how trafilatura runs).
    """

    extract_function = staticmethod(extract_page)
    """What workers run; a module-level function, so that it can be sent to them."""

    def __init__(
        self, stats: StatsCollector, workers: int, timeout: float, options: HtmlExtractionOptions
    ) -> None:
        self.stats = stats
        self.workers = workers
        self.timeout = timeout
        self.options = options
        self._pool: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        focus = settings.get("EXTRACT_FOCUS")
        if focus not in ("balanced", "precision", "recall"):
            raise ValueError(f"EXTRACT_FOCUS must be balanced, precision or recall, not {focus!r}")
        return cls(
            stats=crawler.stats,
            workers=settings.getint("EXTRACT_WORKERS") or os.cpu_count() or 1,
            timeout=settings.getfloat("EXTRACT_TIMEOUT"),
            options=HtmlExtractionOptions(
                focus=focus, include_tables=settings.getbool("EXTRACT_INCLUDE_TABLES")
            ),
        )

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_ignore_interrupts,
        )

    def open_spider(self) -> None:
        self._pool = self._new_pool()
        self._slots = asyncio.Semaphore(self.workers)
        logger.info("Extracting in %d worker processes", self.workers)

    def close_spider(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _replace_pool(self, broken: ProcessPoolExecutor, kill: bool) -> None:
        """Swap in a fresh pool unless another page already did; stop the old one's workers."""
        if self._pool is not broken:
            return
        self._pool = self._new_pool()
        if kill:
            # A worker stuck in a runaway page cannot be interrupted: end its processes.
            # ProcessPoolExecutor has no public way to do so before Python 3.14.
            for process in list(getattr(broken, "_processes", {}).values()):
                process.terminate()
        broken.shutdown(wait=False, cancel_futures=True)

    async def _extract(self, page: Page) -> Extraction:
        assert self._pool is not None and self._slots is not None
        async with self._slots:
            for attempt in (1, 2):
                pool = self._pool
                future = pool.submit(
                    self.extract_function,
                    page.body,
                    page.page_format,
                    page.fetch.final_url or page.fetch.uri,
                    page.declared_encoding,
                    self.options,
                )
                try:
                    return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
                except TimeoutError:
                    self._replace_pool(pool, kill=True)
                    raise ExtractionError("timeout", f"over {self.timeout:g} s") from None
                except BrokenProcessPool:
                    # Either this page killed its worker, or a neighbour's did: try once more.
                    self._replace_pool(pool, kill=False)
                    if attempt == 2:
                        raise ExtractionError("worker_crashed") from None
        raise AssertionError("unreachable")

    async def process_item(self, item: Page) -> Page:
        if item.rejection is not None:
            return item
        try:
            extraction = await self._extract(item)
        except Rejected as rejection:
            item.rejection = rejection
        except Exception as error:
            logger.exception("Extraction failed on %s", item.fetch.uri)
            item.rejection = ExtractionError("extractor_exception", repr(error))
        else:
            item.fetch.encoding = extraction.encoding
            item.extraction = extraction
            item.article = build_article(item, extraction)
            self.stats.inc_value("extract/pages")
        item.body = b""
        return item
