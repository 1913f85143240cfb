"""``scrapy crawl ccnews -a month=YYYY/MM``: read Common Crawl's news archive (CC-NEWS) straight
from its WARC files.

The files are a month's (``-a month``, its ``warc.paths.gz`` under ``CCNEWS_BASE``) or those a
paths list names (``-a paths=URL-or-file``), narrowed by the moments in their names (``-a
since``, ``-a until``). Each is read over HTTP(S) as a stream, record by record, in a thread
(``crawler/ccnews.py``); each response record the selection keeps (``-a domains``, and the
records' ``WARC-Date``) becomes a page whose provenance is the remote record: ``warc_file``
(the file's URL), ``warc_offset`` and ``warc_length``, enough to read it again with one range
request. Non-HTML records, redirects and errors get their outcome and reason as WARC records
given to the ``files`` spider do. ``-a languages`` keeps articles in those languages
(``pipelines/languages.py``); ``-a limit`` stops after that many pages.

A file read to its end is recorded (``warc_inputs``) once its pages are stored, and is not
read again for the same selection; a file left half-read (a crawl killed, a transfer broken
off) is read again from its start, passing over the records already stored.

With ``REDIS_URL`` the list of files is the cluster's frontier (:class:`SharedWarcFiles`):
each worker takes one file at a time, and sends its pages to the writer as news workers do.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
from collections.abc import AsyncIterator, Generator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError

from crawler.ccnews import (
    RemoteWarc,
    Selection,
    SharedWarcFiles,
    files_in_range,
    moment,
    month_paths_url,
    read_paths,
    read_range,
    warc_input_read,
)
from crawler.cluster import ClusterRun, redis_client
from crawler.inflight import ItemsInFlight
from crawler.items import Page, WarcInput, utc_now
from crawler.middlewares import contact_user_agent
from crawler.warc import WarcArchiveMiddleware, WarcFiles
from crawler.warc_reader import ArchivedResponse, archived_page
from pipelines.database import WarcInputHistory

logger = logging.getLogger(__name__)

READ_FAILURES = (OSError, http.client.HTTPException)
"""A file that cannot be fetched, or whose transfer breaks off: it is read again next time."""


def _names(value: str) -> frozenset[str]:
    return frozenset(
        name.strip().lower().removeprefix("www.") for name in value.split(",") if name.strip()
    )


class LocalWarcFiles:
    """The files of a crawl of its own: those no earlier crawl read to its end for this
    selection, in order (the cluster's counterpart is :class:`SharedWarcFiles`)."""

    def __init__(self, urls: list[str], finished: set[str]) -> None:
        self._waiting = iter([url for url in urls if url not in finished])

    def take(self) -> str | None:
        return next(self._waiting, None)

    def finished(self, url: str) -> None:
        """Nothing to do: the store records the file (``warc_inputs``)."""

    def release(self, url: str) -> None:
        """Nothing to do: the next crawl reads it again."""


class CCNewsSpider(scrapy.Spider):
    """Reads CC-NEWS WARC files over HTTP(S) (see the module docstring).

    :param month: ``YYYY/MM``: that month's files.
    :param paths: a ``warc.paths.gz`` (URL or local file), instead of ``month``.
    :param since: a date or ISO-8601 time: files and records from then on.
    :param until: a date (that day included) or time: files and records before then.
    :param domains: keep records of these domains and their subdomains (comma-separated).
    :param languages: keep articles in these languages (ISO 639-1, comma-separated).
    :param limit: stop after this many pages.
    """

    name = "ccnews"
    cluster_worker = True
    """It runs as one worker of a cluster when ``REDIS_URL`` is set: the files are shared."""
    custom_settings = {
        # No request goes through Scrapy's downloader: the files are streamed (crawler/ccnews.py).
        "ROBOTSTXT_OBEY": False,
    }

    def __init__(
        self,
        month: str = "",
        paths: str = "",
        since: str = "",
        until: str = "",
        domains: str = "",
        languages: str = "",
        limit: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if bool(month.strip()) == bool(paths.strip()):
            raise UsageError("the ccnews spider needs -a month=YYYY/MM or -a paths=URL_OR_FILE")
        if limit and not limit.isdigit():
            raise UsageError(f"-a limit must be a whole number, not {limit!r}")
        self.month = month.strip()
        self.paths = paths.strip()
        self.limit = int(limit) if limit else None
        self.selection = Selection(
            domains=_names(domains),
            languages=_names(languages),
            since=moment(since, "since") if since.strip() else None,
            until=moment(until, "until", end_of_day=True) if until.strip() else None,
        )
        self.languages = self.selection.languages
        """Read by ``pipelines/languages.py``."""
        self.arguments = {
            key: value
            for key, value in {
                "month": month,
                "paths": paths,
                "since": since,
                "until": until,
                "domains": domains,
                "languages": languages,
                "limit": limit,
            }.items()
            if value
        }
        self._sent = 0
        self._warc_input: WarcInput | None = None
        """The file :meth:`_pages` read to its end (or to its damage), if it did."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CCNewsSpider:
        spider: CCNewsSpider = super().from_crawler(crawler, *args, **kwargs)
        if spider.month:
            spider.paths = month_paths_url(crawler.settings.get("CCNEWS_BASE"), spider.month)
        return spider

    def _file_urls(self) -> list[str]:
        """The files to read, in the order of their names (blocking: run in a thread)."""
        settings = self.settings
        urls = read_paths(
            self.paths,
            settings.get("CCNEWS_BASE"),
            settings.getfloat("DOWNLOAD_TIMEOUT"),
            contact_user_agent(settings),
        )
        return files_in_range(urls, self.selection.since, self.selection.until)

    def _frontier(self, urls: list[str]) -> LocalWarcFiles | SharedWarcFiles:
        """Where this process takes its files from: its own list, or the cluster's."""
        if not self.settings.get("REDIS_URL"):
            history = WarcInputHistory(self.settings.get("SQLITE_PATH"))
            try:
                return LocalWarcFiles(urls, history.finished(self.selection.key()))
            finally:
                history.close()
        cluster = self.crawler.get_extension(ClusterRun)
        assert cluster is not None
        shared = SharedWarcFiles(
            redis_client(self.settings), self.name, self.selection, cluster.worker
        )
        shared.take_back()
        queued = shared.offer(urls)
        logger.info("Queued %d of %d WARC files for the cluster", queued, len(urls))
        return shared

    async def start(self) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        try:
            urls = await asyncio.to_thread(self._file_urls)
        except READ_FAILURES as error:
            logger.error("Cannot read the list of WARC files %s: %s", self.paths, error)
            stats.inc_value("ccnews/paths_unreadable")
            return
        stats.set_value("ccnews/files_listed", len(urls))
        frontier = await asyncio.to_thread(self._frontier, urls)
        in_flight = ItemsInFlight(self.crawler, self.settings.getint("FILES_PAGES_IN_FLIGHT"))
        while not self._limit_reached():
            url = await asyncio.to_thread(frontier.take)
            if url is None:
                return
            async for page in self._pages(url):
                yield await in_flight.send(page)
            # The file's pages are all out of the pipeline (stored, or in the writer's queue)
            # before the file is recorded as read.
            await in_flight.empty()
            if self._warc_input is None:
                frontier.release(url)
                continue
            self.crawler.signals.send_catch_log(signal=warc_input_read, warc_input=self._warc_input)
            await asyncio.to_thread(frontier.finished, url)

    def _limit_reached(self) -> bool:
        return self.limit is not None and self._sent >= self.limit

    async def _pages(self, url: str) -> AsyncIterator[Page]:
        """The pages of one file, read in a thread; sets :attr:`_warc_input` when the file
        was read to its end (or to its damage), leaves it ``None`` otherwise."""
        self._warc_input = None
        settings = self.settings
        stored: set[int] = set()
        if not settings.get("REDIS_URL"):
            history = WarcInputHistory(settings.get("SQLITE_PATH"))
            try:
                stored = await asyncio.to_thread(history.stored_offsets, url)
            finally:
                history.close()
        warc = RemoteWarc(
            url,
            self.selection,
            stored,
            settings.getint("FILES_MAX_BYTES"),
            settings.getfloat("DOWNLOAD_TIMEOUT"),
            contact_user_agent(settings),
        )
        stats = self.crawler.stats
        copies = self._copies()
        logger.info("Reading %s", url)
        responses = warc.responses()
        pages = 0
        outcome, reason = "complete", None
        try:
            while not self._limit_reached():
                try:
                    response = await asyncio.to_thread(_next, responses)
                except READ_FAILURES as error:
                    logger.error("Stopped reading %s, to be read again: %s", url, error)
                    stats.inc_value("ccnews/warc_read_failed")
                    return
                except Exception as error:  # warcio raises several kinds on damaged files
                    logger.error("Stopped reading %s, damaged: %s", url, error)
                    stats.inc_value("ccnews/warc_damaged")
                    outcome, reason = "damaged", f"{type(error).__name__}: {error}"
                    break
                if response is None:
                    break
                pages += 1
                self._sent += 1
                page = self._page(response, url)
                if copies is not None:
                    await self._copy(page, copies)
                yield page
            else:
                logger.info("Stopped at -a limit=%s, inside %s", self.limit, url)
                return
        finally:
            responses.close()
            stats.inc_value("ccnews/warc_records", warc.records)
            for why, number in warc.passed_over.items():
                stats.inc_value(f"ccnews/passed_over/{why}", number)
        stats.inc_value(f"ccnews/files_{outcome}")
        self._warc_input = WarcInput(
            url=url,
            selection=self.selection.key(),
            outcome=outcome,
            reason=reason,
            records=warc.records,
            pages=pages,
            finished_at=utc_now(),
        )

    def _copies(self) -> WarcFiles | None:
        """Our archive's WARC files, with ``CCNEWS_ARCHIVE`` (and ``WARC_ENABLED``)."""
        if not self.settings.getbool("CCNEWS_ARCHIVE"):
            return None
        archive = self.crawler.get_downloader_middleware(WarcArchiveMiddleware)
        return archive.files if archive is not None else None

    async def _copy(self, page: Page, copies: WarcFiles) -> None:
        """Copy the page's record into our archive as it is in the remote file (its gzip
        member, read again with one range request), and note where in ``discovery``."""
        fetch = page.fetch
        assert fetch.warc_file is not None and fetch.warc_offset is not None
        assert fetch.warc_length is not None
        settings = self.settings
        try:
            member = await asyncio.to_thread(
                read_range,
                fetch.warc_file,
                fetch.warc_offset,
                fetch.warc_length,
                settings.getfloat("DOWNLOAD_TIMEOUT"),
                contact_user_agent(settings),
            )
            file, offset = copies.write([member])
        except READ_FAILURES as error:
            logger.error("Could not copy the record of %s into the archive: %s", fetch.uri, error)
            self.crawler.stats.inc_value("ccnews/copy_failed")
            return
        fetch.discovery = json.dumps({"archived_copy": {"warc_file": file, "warc_offset": offset}})

    def _page(self, response: ArchivedResponse, url: str) -> Page:
        page = archived_page(response, url)
        page.fetch.discovered_via = "ccnews"
        page.fetch.discovered_from = self.paths
        return page


def _next(responses: Generator[ArchivedResponse]) -> ArchivedResponse | None:
    return next(responses, None)
