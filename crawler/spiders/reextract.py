"""``scrapy crawl reextract [-a crawls=ID[,ID...]]``: extract again from the WARC archive.

Runs the current extraction over responses archived by earlier crawls (``-a crawls=3,4``;
all crawls by default), without any network: for each URL those crawls read, its latest
archived read with a body (HTTP 2xx, or a file) is read back from its WARC record and goes
through the whole pipeline again. The dedupe stage then writes a new article version only
where the text changed (``articles/changed``); an unchanged text is recorded as
``unchanged: same_text``, and a page that now gives an article it did not give before is a
new article. Each read is a new ``fetches`` row of this crawl that points at the same WARC
record, with the original ``fetched_at``; the ``extractor`` column of new article versions
names the extractor's version.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import UsageError

from crawler.inflight import ItemsInFlight
from crawler.items import Fetch, Page, PreviousFetch, utc_now
from crawler.progress import TOTAL_FINAL_STAT, TOTAL_STAT
from crawler.warc_reader import archived_page, read_record
from pipelines.extraction.result import ExtractionError

ARCHIVED_READS = """
    SELECT id, uri, final_url, fetched_at, outcome, article_id, discovered_via,
      discovered_from, discovery, warc_file, warc_offset
    FROM fetches
    WHERE id IN (
      SELECT max(id) FROM fetches
      WHERE warc_file IS NOT NULL AND warc_offset IS NOT NULL
        AND (status IS NULL OR status BETWEEN 200 AND 299) {crawls}
      GROUP BY uri)
    ORDER BY id
"""
"""The latest archived read with a body of each URL, oldest first."""


def crawl_ids(crawls: str) -> list[int] | None:
    """The crawl ids of ``-a crawls=``: ``None`` for all.

    :raises UsageError: on anything but ``all`` or comma-separated integers.
    """
    if crawls.strip().lower() in ("", "all"):
        return None
    try:
        return [int(part) for part in crawls.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"-a crawls= takes crawl ids (1,2,...) or all, not {crawls!r}") from None


class ReextractSpider(scrapy.Spider):
    """Extracts again the archived responses of earlier crawls (see the module docstring).

    :param crawls: crawl ids, comma-separated, or ``all``.
    """

    name = "reextract"
    custom_settings = {"ROBOTSTXT_OBEY": False}

    def __init__(self, crawls: str = "all", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.crawl_ids = crawl_ids(crawls)
        self.arguments = {"crawls": crawls or "all"}

    def _archived_reads(self, database: Path) -> Iterator[sqlite3.Row]:
        """The ``fetches`` rows to read again (:data:`ARCHIVED_READS`), as a stream."""
        chosen = ""
        if self.crawl_ids is not None:
            chosen = f"AND crawl_id IN ({','.join(map(str, self.crawl_ids))})"
        connection = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        try:
            yield from connection.execute(ARCHIVED_READS.format(crawls=chosen))
        finally:
            connection.close()

    async def start(self) -> AsyncIterator[Any]:
        database = Path(self.settings.get("SQLITE_PATH"))
        if not database.exists():
            self.logger.error("No database at %s: nothing to extract again", database)
            return
        in_flight = ItemsInFlight(self.crawler, self.settings.getint("FILES_PAGES_IN_FLIGHT"))
        # Read all rows first: the store writes to the same database meanwhile.
        rows = await asyncio.to_thread(lambda: list(self._archived_reads(database)))
        self.logger.info("Extracting again %d archived responses", len(rows))
        self.crawler.stats.set_value(TOTAL_STAT, len(rows))  # the progress line's total
        self.crawler.stats.set_value(TOTAL_FINAL_STAT, True)
        for row in rows:
            page = await asyncio.to_thread(self._page, row, database.parent)
            self.crawler.stats.inc_value("reextract/records")
            yield await in_flight.send(page)

    def _page(self, row: sqlite3.Row, folder: Path) -> Page:
        """The page the archived response of a ``fetches`` row gives now."""
        # The URL gave its article (a copy found at another URL stays a duplicate). No hash:
        # the revisit stage would drop the page as unchanged before extraction.
        gave = row["outcome"] in ("article", "unchanged")
        previous = PreviousFetch(
            fetch_id=row["id"],
            fetched_at=row["fetched_at"],
            outcome=row["outcome"],
            crawl_finished=True,
            article_id=row["article_id"] if gave else None,
        )
        path = folder / row["warc_file"]
        try:
            response = read_record(
                path, row["warc_offset"], self.settings.getint("FILES_MAX_BYTES")
            )
        except (OSError, ValueError) as error:
            self.logger.error("Cannot read the archived response of fetch %d: %s", row["id"], error)
            fetch = Fetch(uri=row["uri"], fetched_at=utc_now(), final_url=row["final_url"])
            fetch.warc_file, fetch.warc_offset = row["warc_file"], row["warc_offset"]
            return Page(fetch, rejection=ExtractionError("archive_unreadable", str(error)))
        page = archived_page(response, row["warc_file"], previous)
        fetch = page.fetch
        fetch.uri, fetch.final_url, fetch.fetched_at = (
            row["uri"],
            row["final_url"],
            row["fetched_at"],
        )
        fetch.discovered_via = row["discovered_via"]
        fetch.discovered_from = row["discovered_from"]
        fetch.discovery = row["discovery"]
        return page
