"""Extract stage: raw page bytes to an article, in worker processes.

trafilatura and the text cleaner are pure-Python CPU work; run on the reactor thread they
would stall every download. Pages go to a ``ProcessPoolExecutor`` of ``EXTRACT_WORKERS``
processes (default: one per core), forked from a fork server that has imported the extraction
code once, so that a worker starts in milliseconds, and clean: the server never ran the
crawl. Each worker has one page in hand and one waiting, so that no worker idles while the
crawl's process is busy.

A page has ``EXTRACT_TIMEOUT`` seconds of a worker's time: the worker stops it then
(:mod:`pipelines.extraction.worker`). A page stuck where no signal reaches it (in C code) is
stopped by a hard limit here, which ends the pool's processes; a page that crashes its worker
does the same. Either way that page fails alone (``error: timeout`` / ``error:
worker_crashed``): the pool is replaced, and each page that was in it is extracted again,
alone in the pool, so that a page that crashes it then is known to be the cause.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import os
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article, Page, article_id, utc_now
from pipelines.cpu_clock import CpuClock, add_worker_seconds, crawl_clock
from pipelines.extraction.options import HtmlExtractionOptions, StageInputs
from pipelines.extraction.result import Extraction, ExtractionError, Rejected
from pipelines.extraction.worker import prepare_worker, run_within

logger = logging.getLogger(__name__)

FORK_SERVER_PRELOAD = "pipelines.extraction.preload"
"""What the fork server imports before it forks any worker: the extraction code and the
language model."""

PAGES_PER_WORKER = 2
"""Pages sent to the pool at a time, per worker: the one it extracts and the next."""

HARD_LIMIT_GRACE = 2.0
"""Seconds the hard limit allows beyond a worker's own: a page may wait for the one before it
(``EXTRACT_TIMEOUT``), then run (``EXTRACT_TIMEOUT``)."""


def fork_server_preload(extract_function: str) -> list[str]:
    """The modules the fork server imports before it forks a worker that runs
    ``extract_function`` (an import path)."""
    return [FORK_SERVER_PRELOAD, extract_function.rpartition(".")[0]]


def start_fork_server() -> None:
    """Start the extraction workers' fork server now, so that its imports (the extraction
    code and the language model, about half a second) run while the crawl's process is
    still starting Scrapy; the crawl command calls it before it builds the crawl. Once it
    runs, the pool uses it as it is."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(fork_server_preload(ExtractPipeline.extract_function))
    multiprocessing.forkserver.ensure_running()


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
        text_sha256=extraction.text_sha256,
        word_count=extraction.word_count,
        extractor=extraction.extractor,
        extracted_at=utc_now(),
        first_seen=fetch.fetched_at,
        last_seen=fetch.fetched_at,
    )


class ExtractPipeline:
    """Runs :func:`pipelines.extraction.page.extract_page` for each page in a process pool.

    Settings: ``EXTRACT_WORKERS`` (0: one per core), ``EXTRACT_TIMEOUT`` (seconds per page),
    ``EXTRACT_FOCUS`` and ``EXTRACT_INCLUDE_TABLES`` (how trafilatura runs);
    ``SIMILAR_ENABLED`` and ``STORIES_ENABLED`` say whether the worker computes those stages'
    inputs.
    """

    extract_function = "pipelines.extraction.page.extract_page"
    """What workers run, named by its import path (``module.function``), so that the crawl's
    process need not import the extraction code."""

    def __init__(
        self,
        stats: StatsCollector,
        workers: int,
        timeout: float,
        options: HtmlExtractionOptions,
        stage_inputs: StageInputs,
        clock: CpuClock | None = None,
    ) -> None:
        self.stats = stats
        self.clock = clock or CpuClock()
        self.workers = workers
        self.timeout = timeout
        self.options = options
        self.stage_inputs = stage_inputs
        self.capacity = workers * PAGES_PER_WORKER
        self.hard_limit = PAGES_PER_WORKER * timeout + HARD_LIMIT_GRACE
        self._pool: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._exclusive: asyncio.Lock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        focus = settings.get("EXTRACT_FOCUS")
        if focus not in ("balanced", "precision", "recall"):
            raise ValueError(f"EXTRACT_FOCUS must be balanced, precision or recall, not {focus!r}")
        return cls(
            stats=crawler.stats,
            clock=crawl_clock(crawler),
            workers=settings.getint("EXTRACT_WORKERS") or os.cpu_count() or 1,
            timeout=settings.getfloat("EXTRACT_TIMEOUT"),
            options=HtmlExtractionOptions(
                focus=focus, include_tables=settings.getbool("EXTRACT_INCLUDE_TABLES")
            ),
            stage_inputs=StageInputs(
                fingerprint=settings.getbool("SIMILAR_ENABLED"),
                story_features=settings.getbool("STORIES_ENABLED"),
            ),
        )

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(fork_server_preload(self.extract_function))
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=context, initializer=prepare_worker
        )

    def open_spider(self) -> None:
        self._pool = self._new_pool()
        # The pool forks its workers on the first page; start the fork server's imports now,
        # while the crawl reads its first pages.
        multiprocessing.forkserver.ensure_running()
        self._slots = asyncio.Semaphore(self.capacity)
        self._exclusive = asyncio.Lock()
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
            # A worker stuck in a runaway page cannot be interrupted: end its processes, and
            # the pool fails the pages it holds with BrokenProcessPool.
            # ProcessPoolExecutor has no public way to do so before Python 3.14.
            self.stats.inc_value("extract/pool_killed")
            for process in list(getattr(broken, "_processes", {}).values()):
                process.terminate()
        broken.shutdown(wait=False)

    async def _run(self, page: Page) -> Extraction:
        """Extract ``page`` in the pool, within the hard limit.

        :raises BrokenProcessPool: when a worker of the pool died meanwhile, or the pool was
            ended for another page that overran (the pool is replaced).
        """
        assert self._pool is not None
        pool = self._pool
        future = pool.submit(
            run_within,
            self.timeout,
            self.extract_function,
            page.body,
            page.page_format,
            page.fetch.final_url or page.fetch.uri,
            page.declared_encoding,
            self.options,
            self.stage_inputs,
        )
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.hard_limit)
        except TimeoutError:
            if self._pool is not pool:
                # The pool was ended for another page first: this one waited behind it.
                raise BrokenProcessPool("ended for another page") from None
            self._replace_pool(pool, kill=True)
            raise ExtractionError("timeout", f"stuck over {self.hard_limit:g} s") from None
        except BrokenProcessPool:
            self._replace_pool(pool, kill=False)
            raise

    @asynccontextmanager
    async def _alone(self) -> AsyncIterator[None]:
        """Hold every slot of the pool: the page extracted meanwhile is the only one in it."""
        assert self._slots is not None
        assert self._exclusive is not None
        async with self._exclusive:
            for _ in range(self.capacity):
                await self._slots.acquire()
            try:
                yield
            finally:
                for _ in range(self.capacity):
                    self._slots.release()

    async def _extract(self, page: Page) -> Extraction:
        assert self._slots is not None
        async with self._slots:
            try:
                return await self._run(page)
            except BrokenProcessPool:
                pass  # this page killed its worker, or another page in the pool did
        async with self._alone():
            try:
                return await self._run(page)
            except BrokenProcessPool:
                raise ExtractionError("worker_crashed") from None

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
            with self.clock.stage("extract"):
                add_worker_seconds(self.stats, extraction.cpu_seconds)
                item.fetch.encoding = extraction.encoding
                item.extraction = extraction
                item.article = build_article(item, extraction)
                self.stats.inc_value("extract/pages")
        item.body = b""
        return item
