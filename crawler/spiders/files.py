"""``scrapy crawl files -a path=P[,P...]``: ingest saved pages from disk.

Each ``P`` is a file, a directory (walked recursively, hidden entries left out) or a glob.
Files are read through Scrapy's own ``file://`` download handler, so they flow through the
same pipeline as pages fetched over HTTP. Requests are made as the crawl can take them (the
walk waits while the engine backs out), so a folder of a million files is never a million
requests in memory. Files that cannot hold an article (unknown type, empty, over
``FILES_MAX_BYTES``) are not read; they still become a ``fetches`` row with a
``skipped: <reason>`` outcome, through the pipeline.
"""

from __future__ import annotations

import asyncio
import glob
import mimetypes
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.url import file_uri_to_path, path_to_file_uri

from crawler.dupefilter import RecentKeys
from crawler.items import Fetch, Page, sha256_hex, utc_now
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


def _walk(directory: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root, name)


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


class FilesSpider(scrapy.Spider):
    """Reads saved pages (``.html``, ``.htm``, ``.txt`` captures) from local paths."""

    name = "files"
    custom_settings = {
        # Local files: no server to be polite to, and no robots.txt to ask.
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        # No HTTP to negotiate and no links to follow: these components would only hand
        # each file along. The revisit middleware stays (it finds the file's last read).
        "DOWNLOADER_MIDDLEWARES": {
            **dict.fromkeys(HTTP_DOWNLOADER_MIDDLEWARES),
            "crawler.middlewares.RevisitMiddleware": 560,
        },
        "SPIDER_MIDDLEWARES": dict.fromkeys(LINK_SPIDER_MIDDLEWARES),
    }

    def __init__(self, path: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not path.strip(" ,"):
            raise ValueError("the files spider needs -a path=FILE_DIR_OR_GLOB[,...]")
        self.path = path
        self.arguments = {"path": path}

    async def start(self) -> AsyncIterator[Any]:
        # A file named twice (overlapping paths, links) is read once, within the same bound
        # as the duplicate-request filter's.
        seen = RecentKeys(self.settings.getint("DUPEFILTER_MAX_ENTRIES"))
        engine = self.crawler.engine
        for part in (p.strip() for p in self.path.split(",")):
            try:
                for file_path in input_files(part):
                    resolved = file_path.resolve()
                    if resolved in seen:
                        continue
                    seen.add(resolved)
                    while engine is not None and engine.needs_backout():
                        await asyncio.sleep(BACKOUT_SECONDS)
                    yield self._read(resolved)
            except FileNotFoundError as error:
                self.logger.error("Nothing to read: %s", error)
                self.crawler.stats.inc_value("files/missing_path")

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
        yield Page(
            fetch=Fetch(
                uri=response.url,
                final_url=response.url,
                fetched_at=utc_now(),
                content_type=mimetypes.guess_type(response.url)[0],
                body_bytes=len(response.body),
                body_sha256=sha256_hex(response.body),
            ),
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
