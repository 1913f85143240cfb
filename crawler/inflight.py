"""A bound on the items a spider sends to the pipeline straight from ``start()``.

Scrapy holds back start requests while the downloader and scraper are busy, but items yielded
from ``start()`` go to the pipeline at once, however many are already in it. A spider that
reads pages itself (records of a WARC file, archived responses) waits on
:class:`ItemsInFlight` before each item, so that memory holds a few pages, not the archive.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler


class ItemsInFlight:
    """Counts the items sent from ``start()`` that the pipeline has not finished with.

    :param limit: how many may be in the pipeline at once.
    """

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.limit = max(1, limit)
        self._sent: set[int] = set()
        self._room = asyncio.Event()
        self._room.set()
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._finished, signal=signal)

    def __len__(self) -> int:
        return len(self._sent)

    async def send(self, item: Any) -> Any:
        """Wait until the pipeline has room, then count ``item`` in; returns ``item``."""
        while len(self._sent) >= self.limit:
            self._room.clear()
            await self._room.wait()
        self._sent.add(id(item))
        return item

    async def empty(self) -> None:
        """Wait until the pipeline has finished with every item sent."""
        while self._sent:
            self._room.clear()
            await self._room.wait()

    def _finished(self, item: Any, **_: Any) -> None:
        self._sent.discard(id(item))
        if len(self._sent) < self.limit:
            self._room.set()
