"""A duplicate-request filter whose memory is bounded, however long the crawl.

Scrapy's ``RFPDupeFilter`` keeps the fingerprint of every request it has seen, and loads
every fingerprint of ``JOBDIR/requests.seen`` when a crawl resumes: a crawl of ten million
URLs holds about a gigabyte for it. :class:`BoundedDupeFilter` remembers the most recent
fingerprints only (:class:`RecentKeys`: between ``DUPEFILTER_MAX_ENTRIES`` and twice as many).
A URL seen longer ago than that may be requested again; the revisit middleware then asks for
it conditionally, and the pipeline records it as ``unchanged`` without extracting it again.

A redirect to a URL seen already is let through, marked, for the page that redirected to be
recorded (``crawler/redirects.py``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import IO, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.job import job_dir
from scrapy.utils.request import RequestFingerprinterProtocol

from crawler.redirects import let_through

LENGTH_BYTES = 2
"""``requests.seen`` holds each fingerprint as its big-endian 2-byte length, then its bytes
(the layout documented by ``RFPDupeFilter``)."""


class RecentKeys:
    """A set that remembers the most recent keys: from ``capacity`` to ``2 × capacity``.

    Keys go into a current generation; when it is full it becomes the previous one, and
    the generation before is forgotten.

    :param capacity: keys per generation.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._current: set[Hashable] = set()
        self._previous: set[Hashable] = set()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._current or key in self._previous

    def __len__(self) -> int:
        return len(self._current) + len(self._previous)

    def add(self, key: Hashable) -> None:
        self._current.add(key)
        if len(self._current) >= self.capacity:
            self._previous, self._current = self._current, set()


def read_fingerprints(file: IO[bytes]) -> Iterator[bytes]:
    """The fingerprints of a ``requests.seen`` file, one by one; a truncated last one (an
    unclean shutdown) is left out."""
    while len(length := file.read(LENGTH_BYTES)) == LENGTH_BYTES:
        fingerprint = file.read(int.from_bytes(length, "big"))
        if len(fingerprint) < int.from_bytes(length, "big"):
            return
        yield fingerprint


class BoundedDupeFilter(RFPDupeFilter):
    """``RFPDupeFilter`` that remembers at most ``2 × DUPEFILTER_MAX_ENTRIES`` fingerprints.

    With ``JOBDIR`` it appends every fingerprint to ``requests.seen`` as Scrapy's filter does,
    and on resuming reads the file through :class:`RecentKeys`, so the newest are kept.
    """

    def __init__(
        self,
        path: str | None = None,
        debug: bool = False,
        *,
        fingerprinter: RequestFingerprinterProtocol | None = None,
        capacity: int = 500_000,
    ) -> None:
        super().__init__(None, debug, fingerprinter=fingerprinter)
        self._fingerprints: RecentKeys = RecentKeys(capacity)  # type: ignore[assignment]
        if path:
            self.file = Path(path, "requests.seen").open("a+b")  # noqa: SIM115 (closed by close())
            self.file.seek(0)
            for fingerprint in read_fingerprints(self.file):
                self._fingerprints.add(fingerprint)
            self.file.seek(0, 2)

    def request_seen(self, request: Request) -> bool:
        """Whether ``request`` was seen; a redirect that was is let through, marked
        (:func:`~crawler.redirects.let_through`)."""
        return super().request_seen(request) and not let_through(request)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            job_dir(settings),
            settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            capacity=settings.getint("DUPEFILTER_MAX_ENTRIES"),
        )
