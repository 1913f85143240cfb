"""Common Crawl's news archive (CC-NEWS): finding its WARC files, choosing them and their
records, and reading them over HTTP(S) as streams.

CC-NEWS lists each month's files in ``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`` under its
base URL (``CCNEWS_BASE``), one path a line; each file is named after the moment it was
started (``CC-NEWS-20261101123456-01234.warc.gz``) and holds about a million records.

A file is read as it arrives (:class:`RemoteWarc`): warcio's ``ArchiveIterator`` reads the
HTTP response as a file-like stream, a block at a time, so neither memory nor disk ever holds
the file, and each record's offset and length in the gzipped file are counted as it is read.
Scrapy's downloader is not used for it: it delivers a body only whole, and a CC-NEWS file is
about a gigabyte. The reading is blocking I/O and runs in a thread (the spider's); extraction
runs in the pipeline's worker processes as for any page.

:class:`Selection` keeps the records asked for: by domain on ``WARC-Target-URI`` (a domain
and its subdomains) and by ``WARC-Date`` (``since``, ``until``), before any payload is hashed
or decoded. Languages are kept after extraction (``pipelines/languages.py``).

With ``REDIS_URL``, :class:`SharedWarcFiles` is the cluster's frontier: the list of files,
each taken by one worker at a time.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import urllib.request
from collections import Counter
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlsplit

from redis import Redis
from scrapy.exceptions import UsageError
from warcio.recordloader import ArcWarcRecord

from crawler.warc_reader import ArchivedResponse, archived_responses

PATHS_LIST = "crawl-data/CC-NEWS/{year}/{month}/warc.paths.gz"
"""Where a month's list of WARC files is, under ``CCNEWS_BASE``."""
MONTH = re.compile(r"^(\d{4})/(\d{2})$")
FILE_MOMENT = re.compile(r"CC-NEWS-(\d{14})-\d+\.warc(?:\.gz)?$")
"""A CC-NEWS file's name: the UTC moment its crawler started writing it, and a serial."""

warc_input_read = object()
"""Signal sent by the ``ccnews`` spider once the pages of a file read to its end have all
left the pipeline, with ``warc_input`` (a :class:`crawler.items.WarcInput`): the store
(or, in cluster mode, the writer) commits what it holds, then records the file."""


def moment(value: str, argument: str, end_of_day: bool = False) -> datetime:
    """A ``since``/``until`` argument as a UTC moment: a date (``2026-11-15``, with
    ``end_of_day`` the first moment after that day) or a date and time (ISO-8601).

    :raises UsageError: for anything else.
    """
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"-a {argument} must be a date (2026-11-15) or ISO-8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if end_of_day and len(value.strip()) == 10:
        parsed += timedelta(days=1)
    return parsed.astimezone(UTC)


def month_paths_url(base: str, month: str) -> str:
    """The URL of the list of a month's files (``month``: ``YYYY/MM``).

    :raises UsageError: for a month not so written.
    """
    found = MONTH.match(month.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise UsageError(f"-a month must be YYYY/MM, such as 2026/11, not {month!r}")
    return urljoin(base, PATHS_LIST.format(year=found[1], month=found[2]))


def file_moment(url: str) -> datetime | None:
    """The moment a CC-NEWS file was started, from its name; ``None`` for another name."""
    found = FILE_MOMENT.search(urlsplit(url).path)
    if found is None:
        return None
    return datetime.strptime(found[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def files_in_range(urls: list[str], since: datetime | None, until: datetime | None) -> list[str]:
    """The files that may hold records of ``[since, until)``, by the moments in their names.

    A file holds the records from its own moment to the next file's: it is kept when that span
    meets the range. A file whose name gives no moment is kept.
    """
    dated = sorted((file_moment(url), url) for url in urls if file_moment(url) is not None)
    undated = [url for url in urls if file_moment(url) is None]
    kept = []
    for number, (start, url) in enumerate(dated):
        assert start is not None
        following = dated[number + 1][0] if number + 1 < len(dated) else None
        if until is not None and start >= until:
            continue
        if since is not None and following is not None and following <= since:
            continue
        kept.append(url)
    return kept + undated


def open_stream(url: str, timeout: float, user_agent: str) -> IO[bytes]:
    """``url`` (http, https or a local file), opened for reading as it arrives.

    :raises OSError: when it cannot be opened (``urllib.error.URLError`` for HTTP errors).
    """
    if urlsplit(url).scheme in ("http", "https"):
        request = urllib.request.Request(url, headers={"User-Agent": user_agent})
        response: IO[bytes] = urllib.request.urlopen(request, timeout=timeout)
        return response
    return Path(url).open("rb")


def read_paths(source: str, base: str, timeout: float, user_agent: str) -> list[str]:
    """The WARC file URLs a ``warc.paths.gz`` lists (gzipped or not, at a URL or in a local
    file), each path resolved against ``base``; ``#`` comments and blank lines left out.

    :raises OSError: when the list cannot be read.
    """
    with open_stream(source, timeout, user_agent) as stream:
        data = stream.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    urls = []
    for line in data.decode("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            urls.append(line if urlsplit(line).scheme else urljoin(base, line))
    return urls


def host_within(url: str, domains: frozenset[str]) -> bool:
    """Whether the host of ``url`` is one of ``domains`` or a subdomain of one."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return any(host == domain or host.endswith("." + domain) for domain in domains)


@dataclass(frozen=True)
class Selection:
    """Which records of the files are read: of these ``domains`` (all when empty), dated in
    ``[since, until)``, in these ``languages`` (kept after extraction)."""

    domains: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None

    def key(self) -> str:
        """The selection as ``warc_inputs.selection`` holds it (JSON)."""
        return json.dumps(
            {
                "domains": sorted(self.domains),
                "languages": sorted(self.languages),
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
            },
            sort_keys=True,
        )

    def passed_over(self, record: ArcWarcRecord) -> str | None:
        """Why ``record`` is not read (``other_domain``, ``before_since``, ``after_until``,
        ``no_date``), from its WARC headers; ``None`` to read it."""
        headers = record.rec_headers
        if self.domains and not host_within(
            headers.get_header("WARC-Target-URI") or "", self.domains
        ):
            return "other_domain"
        if self.since is None and self.until is None:
            return None
        try:
            date = datetime.fromisoformat((headers.get_header("WARC-Date") or "").strip())
        except ValueError:
            return "no_date"
        if date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
        if self.since is not None and date < self.since:
            return "before_since"
        if self.until is not None and date >= self.until:
            return "after_until"
        return None


def read_range(url: str, offset: int, length: int, timeout: float, user_agent: str) -> bytes:
    """Bytes ``offset`` to ``offset + length - 1`` of ``url``, with one range request.

    :raises OSError: when they cannot be read, or the server does not answer with that range.
    """
    wanted = f"bytes={offset}-{offset + length - 1}"
    request = urllib.request.Request(url, headers={"Range": wanted, "User-Agent": user_agent})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data: bytes = response.read()
        if response.status != 206 or len(data) != length:
            raise OSError(f"{url}: {response.status} with {len(data)} bytes to range {wanted}")
    return data


class RemoteWarc:
    """One WARC file read record by record as it arrives (see the module docstring).

    :param stored: offsets of its records whose pages are stored already (a resumed file):
        they are read past, not sent again.
    :param max_bytes: payloads over this size are not kept (``skipped: too_large``).
    """

    def __init__(
        self,
        url: str,
        selection: Selection,
        stored: set[int],
        max_bytes: int,
        timeout: float,
        user_agent: str,
    ) -> None:
        self.url = url
        self.selection = selection
        self.stored = stored
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.user_agent = user_agent
        self.records = 0
        """Response records read, those passed over included."""
        self.passed_over: Counter[str] = Counter()
        """Records not sent on, by reason (the selection's, and ``stored``)."""

    def _keep(self, record: ArcWarcRecord) -> bool:
        self.records += 1
        reason = self.selection.passed_over(record)
        if reason is not None:
            self.passed_over[reason] += 1
        return reason is None

    def responses(self) -> Generator[ArchivedResponse]:
        """The file's responses the selection keeps and no earlier crawl stored, in order.

        :raises OSError: when the file cannot be fetched or its transfer breaks off.
        :raises Exception: what warcio raises on a damaged file, after the records before the
            damage (``crawler.warc_reader.Truncated`` for a file ending inside a record).
        """
        with open_stream(self.url, self.timeout, self.user_agent) as stream:
            for response in archived_responses(stream, self.max_bytes, self._keep):
                if response.offset in self.stored:
                    self.passed_over["stored"] += 1
                    continue
                yield response


TAKE = """
local url = redis.call('LPOP', KEYS[1])
if url then redis.call('HSET', KEYS[2], url, ARGV[1]) end
return url
"""
"""Take the next file off the list (KEYS[1]) and note which worker (ARGV[1]) holds it
(KEYS[2]), at once."""


class SharedWarcFiles:
    """The cluster's frontier of WARC files, in Redis, for one selection.

    ``<spider>:files:<selection>`` lists the files waiting; ``...:known`` holds every file ever
    queued (so a file is queued once, by whichever worker lists it first, and a second run
    queues nothing); ``...:taken`` maps a file being read to its worker; ``...:done`` holds the
    files read to their end. A file whose worker is no longer alive (its marks in
    ``<spider>:workers``, kept by ``crawler/cluster.py``, are gone) goes back to the list.
    """

    def __init__(self, server: Redis, spider: str, selection: Selection, worker: str) -> None:
        self.server = server
        self.worker = worker
        self.workers_key = f"{spider}:workers"
        digest = hashlib.sha256(selection.key().encode()).hexdigest()[:12]
        prefix = f"{spider}:files:{digest}"
        self.pending = prefix
        self.known = f"{prefix}:known"
        self.taken = f"{prefix}:taken"
        self.done = f"{prefix}:done"
        self._take = server.register_script(TAKE)

    def offer(self, urls: Iterable[str]) -> int:
        """Queue the files no worker queued before; how many were new."""
        queued = 0
        for url in urls:
            if self.server.sadd(self.known, url):
                self.server.rpush(self.pending, url)
                queued += 1
        return queued

    def take_back(self) -> int:
        """Put the files held by workers no longer alive back at the head of the list."""
        taken_back = 0
        for url, worker in self.server.hgetall(self.taken).items():
            alive = self.server.zscore(self.workers_key, worker) is not None
            if not alive and self.server.hdel(self.taken, url):
                self.server.lpush(self.pending, url)
                taken_back += 1
        return taken_back

    def take(self) -> str | None:
        """The next file for this worker to read, if any is waiting."""
        url = self._take(keys=[self.pending, self.taken], args=[self.worker])
        return url.decode() if isinstance(url, bytes) else url

    def finished(self, url: str) -> None:
        """``url`` was read to its end (or given up by this worker: it stays done)."""
        self.server.sadd(self.done, url)
        self.server.hdel(self.taken, url)

    def release(self, url: str) -> None:
        """This worker could not read ``url`` to its end (a transfer broken off): the next run
        that lists it queues it again, as a crawl of its own would read it again."""
        self.server.hdel(self.taken, url)
        self.server.srem(self.known, url)
