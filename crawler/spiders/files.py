"""``scrapy crawl files -a path=P[,P...]``: ingest saved pages from disk.

Each ``P`` is a file, a directory (walked recursively, hidden entries left out) or a glob.
Files are read through Scrapy's own ``file://`` download handler, so they flow through the
same pipeline as pages fetched over HTTP. Requests are made as the crawl can take them (the
walk waits while the engine backs out), so a folder of a million files is never a million
requests in memory. Files that cannot hold an article (unknown type, empty, over
``FILES_MAX_BYTES``) are not read; they still become a ``fetches`` row with a
``skipped: <reason>`` outcome, through the pipeline.

WARC files (``.warc``, ``.warc.gz``: ours, Common Crawl's, any crawler's) are read here, record
by record as a stream, in a thread: each response or resource record becomes a page whose
provenance is that record (``warc_file``, ``warc_offset``, ``warc_record_id``), its
``WARC-Target-URI`` and ``WARC-Date``. At most ``FILES_PAGES_IN_FLIGHT`` of them are in the
pipeline at once.

Only files under the paths given are read: a file reached through a symbolic link that
leads out of the folder it was found in (or out of a glob's leading folder) is
``skipped: outside_path``, and links to folders are not followed. Pages are never searched
for links.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import mimetypes
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.settings.default_settings import DOWNLOADER_MIDDLEWARES_BASE
from twisted.python.failure import Failure
from w3lib.url import file_uri_to_path, path_to_file_uri

from crawler.dupefilter import RecentKeys
from crawler.inflight import ItemsInFlight
from crawler.items import Fetch, Page, PreviousFetch, utc_now
from crawler.progress import TOTAL_FINAL_STAT, TOTAL_STAT
from crawler.warc import describe_body
from crawler.warc_reader import archived_page, archived_responses, is_warc, relative_warc_path
from pipelines.cpu_clock import crawl_clock
from pipelines.database import FetchHistory
from pipelines.extraction.result import ExtractionError, Rejected, Skipped

FORMAT_BY_SUFFIX = {".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text"}
GLOB_CHARACTERS = frozenset("*?[")

HTTP_DOWNLOADER_MIDDLEWARES = [
    f"scrapy.downloadermiddlewares.{name}"
    for name in (
        "offsite.OffsiteMiddleware",
        "httpauth.HttpAuthMiddleware",
        "downloadtimeout.DownloadTimeoutMiddleware",
        "defaultheaders.DefaultHeadersMiddleware",
        "useragent.UserAgentMiddleware",
        "retry.RetryMiddleware",
        "cookies.CookiesMiddleware",
        "redirect.MetaRefreshMiddleware",
        "httpcompression.HttpCompressionMiddleware",
        "redirect.RedirectMiddleware",
        "httpproxy.HttpProxyMiddleware",
    )
]
"""Scrapy's downloader middlewares that deal with HTTP only."""

LINK_SPIDER_MIDDLEWARES = [
    f"scrapy.spidermiddlewares.{name}"
    for name in (
        "referer.RefererMiddleware",
        "urllength.UrlLengthMiddleware",
        "depth.DepthMiddleware",
    )
]
"""Scrapy's spider middlewares that deal with requests made from responses only."""

BACKOUT_SECONDS = 0.05
"""How long the walk waits before it asks the engine again whether it can take a request."""
COUNT_CHUNK = 1000
"""Files counted in the thread between two updates of the progress total."""


def _walk(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        # os.walk lists links to folders among the folders but never enters them.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root, name)


def input_root(part: str) -> Path | None:
    """The folder every file read for one path argument must lie in, links resolved: the
    directory named, or a glob's leading folder; ``None`` for a file named itself."""
    if GLOB_CHARACTERS & set(part):
        fixed = []
        for piece in Path(part).parts:
            if GLOB_CHARACTERS & set(piece):
                break
            fixed.append(piece)
        return Path(*fixed).resolve() if fixed else Path.cwd().resolve()
    return Path(part).resolve() if Path(part).is_dir() else None


def input_files(part: str) -> Iterator[Path]:
    """The files named by one path argument: a file, a directory or a glob.

    :raises FileNotFoundError: when ``part`` names nothing.
    """
    if GLOB_CHARACTERS & set(part):
        matches = sorted(glob.glob(part, recursive=True))
        if not matches:
            raise FileNotFoundError(f"no file matches {part!r}")
        for match in map(Path, matches):
            yield from (_walk(match) if match.is_dir() else [match])
    elif Path(part).is_dir():
        yield from _walk(Path(part))
    elif Path(part).is_file():
        yield Path(part)
    else:
        raise FileNotFoundError(f"no such file or directory: {part!r}")


def count_inputs(path: str) -> Iterator[Path]:
    """Every file the path arguments name (``-a path=``), as the walk finds them, for counting
    (a missing path names none here: the walk reports it)."""
    for part in (p.strip() for p in path.split(",")):
        try:
            yield from input_files(part)
        except FileNotFoundError:
            continue


class FilesSpider(scrapy.Spider):
    """Reads saved pages (``.html``, ``.htm``, ``.txt`` captures) and WARC files from local
    paths.

    For the progress line (``crawler/progress.py``), the files are counted in a thread as the
    crawl starts; the records of WARC files add themselves to the total as they are read.
    """

    name = "files"
    custom_settings = {
        # Local files: no server to be polite to, and no robots.txt to ask.
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        # No HTTP to negotiate and no links to follow: these components would only hand
        # each file along. Scrapy's HTTP ones are left out of the base list, so that they are
        # not even imported (Scrapy imports every component its settings name, also one set
        # to None), and so is the HTTP download handler with its TLS set-up. The revisit
        # middleware stays (it finds the file's last read).
        "DOWNLOADER_MIDDLEWARES_BASE": {
            name: order
            for name, order in DOWNLOADER_MIDDLEWARES_BASE.items()
            if name not in HTTP_DOWNLOADER_MIDDLEWARES
        },
        "DOWNLOAD_HANDLERS": {"http": None, "https": None},
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middlewares.RevisitMiddleware": 560,
            # This dict replaces the project's: the raw archive (crawler/warc.py) stays too.
            "crawler.warc.WarcArchiveMiddleware": 950,
        },
        "SPIDER_MIDDLEWARES": dict.fromkeys(LINK_SPIDER_MIDDLEWARES),
    }

    def __init__(self, path: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not path.strip(" ,"):
            raise UsageError("the files spider needs -a path=FILE_DIR_OR_GLOB[,...]")
        self.path = path
        self.arguments = {"path": path}
        self._history: FetchHistory | None = None
        self._counted: tuple[int, int] | None = None  # (pages, WARC files) counted so far
        self._counting: asyncio.Task[None] | None = None
        self._counting_done = False
        self._walk_done = False

    def closed(self, reason: str) -> None:
        if self._history is not None:
            self._history.close()
        if self._counting is not None:
            self._counting.cancel()

    async def _count(self) -> None:
        """Count the files to read, in a thread, announcing the total as it grows."""
        files = count_inputs(self.path)
        pages = warcs = 0
        while chunk := await asyncio.to_thread(lambda: list(itertools.islice(files, COUNT_CHUNK))):
            found_warcs = sum(1 for path in chunk if is_warc(path))
            pages, warcs = pages + len(chunk) - found_warcs, warcs + found_warcs
            self._counted = (pages, warcs)
            self._announce_total()
        self._counted = (pages, warcs)
        self._counting_done = True
        self._announce_total()

    def _announce_total(self) -> None:
        """Set the progress total: the files counted but WARC files, and the records read from
        those; final once counted, and once every WARC file is read."""
        if self._counted is None:
            return
        pages, warcs = self._counted
        stats = self.crawler.stats
        stats.set_value(TOTAL_STAT, pages + stats.get_value("files/warc_records", 0))
        stats.set_value(TOTAL_FINAL_STAT, self._counting_done and (not warcs or self._walk_done))

    async def start(self) -> AsyncIterator[Any]:
        # A file named twice (overlapping paths, links) is read once, within the same bound
        # as the duplicate-request filter's.
        seen = RecentKeys(self.settings.getint("DUPEFILTER_MAX_ENTRIES"))
        engine = self.crawler.engine
        in_flight = ItemsInFlight(self.crawler, self.settings.getint("FILES_PAGES_IN_FLIGHT"))
        self._counting = asyncio.ensure_future(self._count())
        for part in (p.strip() for p in self.path.split(",")):
            try:
                root = input_root(part)
                for file_path in input_files(part):
                    resolved = file_path.resolve()
                    if resolved in seen:
                        continue
                    seen.add(resolved)
                    if root is not None and not resolved.is_relative_to(root):
                        yield self._outside(file_path, root)
                    elif is_warc(resolved):
                        try:
                            async for page in self._archived_pages(resolved):
                                yield await in_flight.send(page)
                        except OSError as error:
                            self.logger.error("Could not read %s: %s", resolved, error)
                            uri = path_to_file_uri(str(resolved))
                            yield self._unread(uri, ExtractionError("read_failed", str(error)))
                    else:
                        while engine is not None and engine.needs_backout():
                            await asyncio.sleep(BACKOUT_SECONDS)
                        yield self._read(resolved)
            except FileNotFoundError as error:
                self.logger.error("Nothing to read: %s", error)
                self.crawler.stats.inc_value("files/missing_path")
        self._walk_done = True
        self._announce_total()

    def _outside(self, path: Path, root: Path) -> Page:
        """A skipped page for a file whose links lead out of the folder it was found in."""
        self.logger.warning("Not reading %s: it leads out of %s", path, root)
        uri = path_to_file_uri(str(path.absolute()))
        return self._unread(uri, Skipped("outside_path", f"leads out of {root}"))

    def _previous(self, url: str) -> PreviousFetch | None:
        """The last whole read of ``url`` by an earlier crawl (for WARC records, which do not
        pass the downloader's revisit middleware)."""
        if not self.settings.getbool("REVISIT_ENABLED"):
            return None
        if self._history is None:
            self._history = FetchHistory(self.settings.get("SQLITE_PATH"))
        return self._history.previous(url)

    async def _archived_pages(self, path: Path) -> AsyncIterator[Page]:
        """The pages of a WARC file's response and resource records, read in a thread."""
        warc_file = relative_warc_path(path, Path(self.settings.get("SQLITE_PATH")))
        max_bytes = self.settings.getint("FILES_MAX_BYTES")
        stats = self.crawler.stats
        with path.open("rb") as stream:
            responses = archived_responses(stream, max_bytes)
            while True:
                try:
                    response = await asyncio.to_thread(next, responses, None)
                except Exception as error:  # warcio raises several kinds on damaged files
                    self.logger.error("Stopped reading %s: %s", path, error)
                    stats.inc_value("files/warc_damaged")
                    return
                if response is None:
                    return
                stats.inc_value("files/warc_records")
                self._announce_total()
                yield archived_page(response, warc_file, self._previous(response.target_uri))

    def _read(self, path: Path) -> scrapy.Request | Page:
        """A request reading ``path``, or a skipped page when it cannot hold an article."""
        uri = path_to_file_uri(str(path))
        page_format = FORMAT_BY_SUFFIX.get(path.suffix.lower())
        try:
            size = path.stat().st_size
        except OSError as error:
            return self._unread(uri, ExtractionError("read_failed", str(error)))
        max_bytes = self.settings.getint("FILES_MAX_BYTES")
        if page_format is None:
            return self._unread(uri, Skipped("unsupported_type", path.suffix or "no suffix"), size)
        if size == 0:
            return self._unread(uri, Skipped("empty"), size)
        if size > max_bytes:
            return self._unread(uri, Skipped("too_large", f"{size} > {max_bytes} bytes"), size)
        return scrapy.Request(
            uri,
            callback=self.parse,
            errback=self.read_failed,
            cb_kwargs={"page_format": page_format},
        )

    def parse(self, response: Response, page_format: str) -> Iterator[Page]:
        with crawl_clock(self.crawler).stage("read"):
            fetch = Fetch(
                uri=response.url,
                final_url=response.url,
                fetched_at=utc_now(),
                content_type=mimetypes.guess_type(response.url)[0],
            )
            describe_body(fetch, response)  # size, SHA-256 and WARC record of the bytes read
        yield Page(
            fetch=fetch,
            body=response.body,
            page_format=page_format,
            previous=response.meta.get("previous_fetch"),
        )

    def read_failed(self, failure: Failure) -> Iterator[Page]:
        uri = failure.request.url  # type: ignore[attr-defined]
        self.logger.error("Could not read %s: %s", file_uri_to_path(uri), failure.value)
        yield self._unread(uri, ExtractionError("read_failed", str(failure.value)))

    def _unread(self, uri: str, rejection: Rejected, size: int | None = None) -> Page:
        """A page for a file that was not (or could not be) read, with the reason why."""
        fetch = Fetch(
            uri=uri,
            fetched_at=utc_now(),
            content_type=mimetypes.guess_type(uri)[0],
            body_bytes=size,
        )
        return Page(fetch=fetch, rejection=rejection)
