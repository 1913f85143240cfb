"""Story stage: each stored article joins the story of the other outlets' reports of the same
event, or starts one.

The assignment itself (:mod:`pipelines.clustering.engine`) is CPU work, about half a
millisecond an article: it runs in a thread of its own, one article after the other in the
order they come, so that the crawl's event loop stays responsive and assignments never race.
Articles are handed to the thread :data:`ASSIGN_CHUNK` at a time (and whatever is waiting at
each batch timer tick and at the end), because a hand-over costs about as much as an
assignment; the article that fills a chunk waits for it, so no more than a few chunks wait.

Writes follow the store's batching (``SQLITE_BATCH_SIZE``, ``SQLITE_BATCH_SECONDS``) and come
after it: a batch of assignments is written by first having the store commit what it holds
(so every article named is in ``articles``), then writing the stories and the articles'
``story_id`` in one transaction of the store's connection; the document frequencies that
story comparisons weigh features by are added up in memory and written with a batch every
:data:`TERMS_SECONDS` and at the end. A crash between the two leaves articles without a
story, never a story id without its story;
the next crawl assigns stories to stored articles that have none before anything else
(``stories/backfilled``), as it does for a database from before stories existed.

Settings: ``STORIES_ENABLED``, ``STORIES_THRESHOLD`` (the cosine an article needs with a
story to join it) and ``STORIES_WINDOW_DAYS`` (how far apart in time a story's articles may
be). Stats: ``stories/new``, ``stories/joined``, ``stories/kept`` (a new version stays in its
story), ``stories/backfilled``, ``stories/microseconds`` (time spent assigning, in the thread),
``stories/write_failed``, ``stories/errors`` (articles whose assignment failed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from crawler.items import Page
from crawler.storage import storage_failed
from pipelines.clustering.engine import ArticleInput, Assignment, StoryEngine, StoryReader
from pipelines.clustering.state import (
    add_document_frequencies,
    document_frequencies,
    save_assignments,
)
from pipelines.cpu_clock import crawl_clock, timed
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)

BACKFILL_CHUNK = 200
"""Stored articles without a story read per query at start."""
ASSIGN_CHUNK = 32
"""Articles handed to the assignment thread at a time."""
TERMS_SECONDS = 60.0
"""How often the document frequencies that assignments added are written (and at the end):
a crash loses at most this long's worth, which only shifts feature weights a little."""

T = TypeVar("T")


class StoryPipeline:
    """Assigns each new article to a story and writes it after the store's batches."""

    def __init__(
        self,
        crawler: Crawler,
        threshold: float,
        window_days: float,
        batch_size: int,
        batch_seconds: float,
    ) -> None:
        self.crawler = crawler
        self.clock = crawl_clock(crawler)
        self.stats = crawler.stats
        self.threshold = threshold
        self.window_days = window_days
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        self.store: StorePipeline | None = None
        self.engine: StoryEngine | None = None
        self._reader: StoryReader | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._pending: list[Assignment] = []
        self._queue: list[ArticleInput] = []
        self._frequencies: Counter[int] = Counter()
        self._terms_due = time.monotonic() + TERMS_SECONDS
        self._chunks: set[asyncio.Future[None]] = set()
        self._backfill: asyncio.Task[None] | None = None
        self._closing = False
        self._timer = LoopingCall(self._tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoryPipeline:
        settings = crawler.settings
        if not settings.getbool("STORIES_ENABLED"):
            raise NotConfigured("STORIES_ENABLED is off")
        threshold = settings.getfloat("STORIES_THRESHOLD")
        window_days = settings.getfloat("STORIES_WINDOW_DAYS")
        if not 0 < threshold <= 1 or window_days <= 0:
            raise ValueError("STORIES_THRESHOLD must be in (0, 1], STORIES_WINDOW_DAYS above 0")
        return cls(
            crawler,
            threshold=threshold,
            window_days=window_days,
            batch_size=settings.getint("SQLITE_BATCH_SIZE"),
            batch_seconds=settings.getfloat("SQLITE_BATCH_SECONDS"),
        )

    def open_spider(self) -> None:
        self.store = self.crawler.get_item_pipeline(StorePipeline)
        if self.store is None:
            raise RuntimeError("StoryPipeline needs StorePipeline in ITEM_PIPELINES")
        self._reader = StoryReader(self.store.path)
        self.engine = StoryEngine(self.threshold, self.window_days, self._reader)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stories")
        self._backfill = asyncio.ensure_future(self._assign_unassigned())
        if self.batch_seconds > 0:
            self._timer.start(self.batch_seconds, now=False)

    async def _in_thread(self, function: Callable[..., T], *arguments: object) -> T:
        assert self._executor is not None
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, function, *arguments
        )

    @timed("stories")
    def _assign_all(self, articles: list[ArticleInput]) -> list[tuple[Assignment | None, float]]:
        """Assign each article in turn, timing each; in the thread."""
        assert self.engine is not None
        timed = []
        for article in articles:
            started = time.perf_counter()
            assignment = self.engine.assign(article)
            timed.append((assignment, time.perf_counter() - started))
        return timed

    async def _assign_chunk(self, articles: list[ArticleInput], stat: str) -> None:
        try:
            timed = await self._in_thread(self._assign_all, articles)
        except Exception:
            # The articles are stored already; they stay without a story until the next
            # crawl assigns them (stories/backfilled).
            logger.exception("Could not assign stories to %d articles", len(articles))
            self.stats.inc_value("stories/errors", len(articles))
            return
        for assignment, seconds in timed:
            self._record(assignment, seconds, stat)

    def _submit_queued(self) -> asyncio.Future[None]:
        """Hand the articles waiting to the thread; done once they are assigned."""
        chunk, self._queue = self._queue, []
        future = asyncio.ensure_future(self._assign_chunk(chunk, "stories/new"))
        self._chunks.add(future)
        future.add_done_callback(self._chunks.discard)
        return future

    def _tick(self) -> None:
        if self._queue:
            self._submit_queued()
        self.flush()

    def _record(self, assignment: Assignment | None, seconds: float, stat: str) -> None:
        self.stats.inc_value("stories/microseconds", round(seconds * 1_000_000))
        if assignment is None:
            if stat == "stories/new":
                self.stats.inc_value("stories/kept")
            return
        self.stats.inc_value(stat if assignment.similarity == 0 else "stories/joined")
        self._pending.append(assignment)
        if len(self._pending) >= self.batch_size:
            self.flush()

    async def _assign_unassigned(self) -> None:
        """Give a story to each stored article that has none, before new articles."""
        assert self._reader is not None
        after = 0
        while not self._closing:
            chunk = await self._in_thread(self._reader.unassigned, after, BACKFILL_CHUNK)
            if not chunk:
                return
            after = chunk[-1][0]
            await self._assign_chunk([article for _, article in chunk], "stories/backfilled")

    async def process_item(self, item: Page) -> Page:
        with self.clock.stage("stories"):
            article = item.article
            assert article is not None
            entry = ArticleInput.of(
                article.id,
                article.title,
                article.text,
                article.url,
                article.date_published,
                article.first_seen,
            )
            # A first version was just inserted: it cannot be in a story from an earlier crawl.
            entry = dataclasses.replace(entry, stored_story=article.version > 1)
            extraction = item.extraction
            if extraction is not None and extraction.text_sha256 == article.text_sha256:
                # Computed in the extraction worker, off this process.
                entry = dataclasses.replace(entry, features=extraction.story_features)
            self._queue.append(entry)
        if len(self._queue) >= ASSIGN_CHUNK:
            await self._submit_queued()
        return item

    @timed("stories")
    def flush(self, final: bool = False) -> None:
        """Have the store commit its batch, then write the assignments waiting, in one
        transaction; with them, every :data:`TERMS_SECONDS` and at the end (``final``), the
        document frequencies they and the batches before them added."""
        if self.store is None or not (self._pending or (final and self._frequencies)):
            return
        self.store.flush()
        database = self.store.database
        if database is None:
            return
        batch, self._pending = self._pending, []
        write_terms = final or time.monotonic() >= self._terms_due
        try:
            with database.transaction():
                save_assignments(database.db.conn, batch)
                if write_terms:
                    # Counted into a copy: the counts waiting stay as they are if this fails.
                    written = document_frequencies(batch, Counter(self._frequencies))
                    add_document_frequencies(database.db.conn, written)
        except sqlite3.Error as error:
            # Nothing of the batch is written: its articles stay without a story until the
            # next crawl assigns them (stories/backfilled).
            logger.exception("Could not write the stories of %d articles", len(batch))
            self.stats.inc_value("stories/write_failed", len(batch))
            storage_failed(self.crawler, "stories", error, len(batch))
            return
        if write_terms:
            self._frequencies = Counter()
            self._terms_due = time.monotonic() + TERMS_SECONDS
        else:
            document_frequencies(batch, self._frequencies)
        if batch and self.engine is not None and self._executor is not None:
            self._executor.submit(self.engine.evict, max(a.seq for a in batch))

    async def close_spider(self) -> None:
        self._closing = True
        if self._timer.running:
            self._timer.stop()
        if self._backfill is not None:
            await self._backfill
        if self._queue:
            self._submit_queued()
        while self._chunks:
            await asyncio.gather(*self._chunks)
        self.flush(final=True)
        if self._executor is not None:
            if self._reader is not None:
                await self._in_thread(self._reader.close)
            self._executor.shutdown(wait=True)
            self._executor = None
