"""The raw archive: every response as received, in WARC files (ISO 28500).

:class:`WarcArchiveMiddleware` is the downloader middleware closest to the downloader, so it
sees each response before any other component has touched it: the body as it came off the
wire (before ``Content-Encoding`` is undone), redirects, ``304``, ``404``, ``5xx``, retried
attempts and robots.txt included. For each it writes

- over http(s), a ``response`` record (status line, headers as received, raw body) and a
  ``request`` record (method, target, the request headers as sent) naming it in
  ``WARC-Concurrent-To``;
- for anything else (``file://`` URIs, which the ``files`` spider reads through Scrapy's file
  download handler), a ``resource`` record with the bytes read and a ``Content-Type`` guessed
  from the name.

:class:`WarcFiles` writes them to
``cleanwire-<UTC start, YYYYmmddHHMMSS>-<host>-<pid>-<serial>.warc.gz``
in ``WARC_DIR``, a new file for each crawl process (never appending to an older one: a killed
run may have left it ending in a truncated record), each beginning with a ``warcinfo`` record,
and the next serial once a file passes ``WARC_MAX_BYTES``. With ``WARC_GZIP_LEVEL`` 1 to 9 each
record is its own gzip member (the standard ``.warc.gz`` layout, readable by
``warcio.ArchiveIterator``, ``warcio index`` and other WARC tools); with 0 the file is a plain
``.warc``.

Building a record (two SHA-256 digests, and its bytes, put together here as warcio's writer
would make them, without the copies and checks of its generic layers) and compressing it is CPU
work: it runs in a thread (zlib and hashlib release the GIL), and only the write runs on the
reactor's thread, one record pair at a time, so offsets are exact. Each record is flushed to
the operating system as soon as it is written, so a crawl killed outright (``SIGKILL``) leaves
every record written before it complete on disk (only a power loss can cost the last few), and
at worst one cut short at the end of its last file; the next run starts files of its own.

Measured on the 91 pages of the extraction benchmark's dev half (186 KB of HTML on average), on
the project's 2-core development VM, building the request and response records of a page and
compressing them (:func:`build_records`) takes 1.5 ms at level 1 (1.1 ms of it zlib), 3.5 ms at
level 6 and 5.3 ms at level 9; 0.3 ms uncompressed (the digests, and warcio then: without it, a
resource record of the throughput benchmark's pages, 248 KB on average, takes 0.1 ms less, 0.3
ms instead of 0.4 uncompressed). The level-1 archive is 19% larger than the level-6 one (23.7%
of the HTML's size against 19.9%; level 9 gains nothing more: 19.8%). Level 1 is the default: a
third of the CPU for a fifth more disk.

The spiders copy what the middleware found into each ``Fetch`` (:func:`describe_body`):
``body_bytes`` and ``body_sha256`` are the size and SHA-256 of the raw body as received (the
record's payload), also when archiving is off (``WARC_ENABLED = False``: the middleware then
only measures the body), and ``warc_file`` / ``warc_offset`` / ``warc_record_id`` locate the
record.

What the records hold, and do not:

- Header names are as Scrapy keeps them, case-normalised (``Content-Type``, ``Etag``), and
  values are its bytes; the order of headers is Scrapy's, not the wire's.
- Twisted, under Scrapy's HTTP/1.1 handler, undoes chunking and keeps no connection headers
  (``Transfer-Encoding``, ``Connection``, ``Keep-Alive``): the body is stored de-chunked, with
  ``Content-Length`` when the server sent one. A ``Transfer-Encoding`` header that still
  reaches us is renamed ``X-Crawler-Transfer-Encoding`` (as Common Crawl does), so that
  readers do not try to de-chunk the body again.
- The request headers are those of ``request.headers`` when the response came back, plus the
  ``Host`` header the HTTP client adds; the request line says ``HTTP/1.1`` (``HTTP/2`` for an
  ``h2`` response), as Scrapy's handlers send. The response's status line has the version the
  server answered with, and the standard reason phrase for the code (Scrapy does not keep
  the server's).
- A request that got no response (a timeout, a refused connection, a download cancelled
  over ``DOWNLOAD_MAXSIZE``) leaves no record. A response replayed by a cache middleware
  (``HTTPCACHE_ENABLED``) would be archived as if it had been fetched.
- Digests (``WARC-Block-Digest``, ``WARC-Payload-Digest``) are SHA-256, base32 as usual, so a
  record's payload digest and its fetch's ``body_sha256`` (hex) name the same hash.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import mimetypes
import os
import platform
import re
import socket
import time
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Headers, Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.httpobj import urlparse_cached
from warcio.recordloader import ArcWarcRecord
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.items import Fetch, sha256_hex
from crawler.storage import storage_failed
from pipelines.cpu_clock import crawl_clock

logger = logging.getLogger(__name__)

RAW_BODY_META_KEY = "raw_body"
"""``request.meta`` / ``response.meta`` key of the :class:`RawBody` of the response."""

WARC_VERSION = "1.1"
HTTP_SCHEMES = ("http", "https")
RENAMED_HEADERS = {b"Transfer-Encoding": "X-Crawler-Transfer-Encoding"}
"""Headers that describe a transfer undone before the body reached us."""


@dataclass(frozen=True)
class WarcLocation:
    """Where the record of one response is.

    :param file: the WARC file, relative to the database's folder (``warc/...warc.gz``).
    :param offset: byte offset of the record in it (where its gzip member starts).
    :param record_id: the record's ``WARC-Record-ID``.
    """

    file: str
    offset: int
    record_id: str


@dataclass(frozen=True)
class RawBody:
    """What :class:`WarcArchiveMiddleware` saw of a response's body, before any decoding.

    :param size: its length in bytes.
    :param sha256: its SHA-256, hex (the payload digest of its WARC record).
    :param warc: where its record is; ``None`` when it was not archived.
    """

    size: int
    sha256: str
    warc: WarcLocation | None = None


def describe_body(fetch: Fetch, response: Response) -> None:
    """Fill in ``fetch``'s ``body_bytes``, ``body_sha256`` and WARC location from the
    :class:`RawBody` the archive middleware put in ``response.meta``.

    A response the middleware did not see (it is disabled, or the response was made by a
    spider) is described from ``response.body`` and has no WARC location.
    """
    raw = response.meta.get(RAW_BODY_META_KEY) if response.request is not None else None
    if not isinstance(raw, RawBody):
        raw = RawBody(len(response.body), sha256_hex(response.body))
    fetch.body_bytes = raw.size
    fetch.body_sha256 = raw.sha256
    if raw.warc is not None:
        fetch.warc_file = raw.warc.file
        fetch.warc_offset = raw.warc.offset
        fetch.warc_record_id = raw.warc.record_id


def warc_date(moment: datetime) -> str:
    """A ``WARC-Date`` (WARC/1.1: UTC, to the microsecond)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compress(record: bytes | memoryview, level: int) -> bytes:
    """``record`` as one gzip member at ``level`` (1-9); ``level`` 0 returns it as it is."""
    if level == 0:
        return bytes(record)
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return compressor.compress(record) + compressor.flush()


class _Sha256Writer(WARCWriter):  # type: ignore[misc, unused-ignore]
    """warcio's writer with SHA-256 block and payload digests (warcio's default is SHA-1),
    for the ``warcinfo`` record that begins each file."""

    @staticmethod
    def _create_digester() -> Any:
        return Digester("sha256")


def _header_lines(headers: Headers) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for name, values in headers.items():
        label = RENAMED_HEADERS.get(name, name.decode("latin-1"))
        lines.extend((label, value.decode("latin-1")) for value in values)
    return lines


@dataclass(frozen=True)
class Exchange:
    """One response (and its request) to archive: plain data, safe to hand to a thread.

    :param http: whether it is an HTTP exchange (request and response records) rather than a
        resource read (one ``resource`` record).
    """

    url: str
    date: str
    body: bytes
    http: bool
    status_line: str = ""
    protocol: str = "HTTP/1.1"
    response_headers: tuple[tuple[str, str], ...] = ()
    request_line: str = ""
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes = b""
    content_type: str = "application/octet-stream"
    ip_address: str | None = None

    @classmethod
    def of(cls, request: Request, response: Response, date: str) -> Exchange:
        """Snapshot what is to be archived of ``response`` to ``request``."""
        parts = urlparse_cached(request)
        if parts.scheme not in HTTP_SCHEMES:
            media_type = mimetypes.guess_type(parts.path)[0] or "application/octet-stream"
            return cls(response.url, date, response.body, http=False, content_type=media_type)
        # Scrapy's handlers send HTTP/1.1, or HTTP/2 when the response says "h2"; a server
        # may answer in HTTP/1.0.
        sent = "HTTP/2" if (response.protocol or "").lower() == "h2" else "HTTP/1.1"
        received = response.protocol or sent
        if not received.upper().startswith("HTTP/"):
            received = sent
        try:
            phrase = HTTPStatus(response.status).phrase
        except ValueError:
            phrase = ""
        target = parts.path or "/"
        if parts.params:
            target += ";" + parts.params
        if parts.query:
            target += "?" + parts.query
        request_headers = _header_lines(request.headers)
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers.insert(0, ("Host", parts.netloc.rpartition("@")[2]))
        return cls(
            url=response.url,
            date=date,
            body=response.body,
            http=True,
            status_line=f"{response.status} {phrase}".strip(),
            protocol=received,
            response_headers=tuple(_header_lines(response.headers)),
            request_line=f"{request.method} {target} {sent}",
            request_headers=tuple(request_headers),
            request_body=request.body,
            ip_address=str(response.ip_address) if response.ip_address else None,
        )


@dataclass(frozen=True)
class BuiltRecords:
    """The records of one exchange, ready to write: the first is the one fetches point to.

    :param members: each record's bytes (a gzip member each, when compressed).
    """

    members: tuple[bytes, ...]
    record_id: str
    payload_sha256: str


def _record_bytes(record: ArcWarcRecord) -> bytes:
    out = io.BytesIO()
    _Sha256Writer(out, gzip=False, warc_version=WARC_VERSION).write_record(record)
    return out.getvalue()


def _labelled(digest: bytes) -> str:
    """A SHA-256 digest as WARC digest fields give it: ``sha256:<base32>``."""
    return "sha256:" + base64.b32encode(digest).decode("ascii")


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _http_head(first_line: str, headers: Sequence[tuple[str, str]]) -> bytes:
    """An HTTP message's start line and headers, ending in the empty line, as the bytes they
    were (the Latin-1 round trip of :func:`_header_lines`)."""
    lines = [first_line, *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _record(fields: list[tuple[str, str]], blocks: Sequence[bytes]) -> bytes:
    """A record of WARC header ``fields`` (``Content-Length`` is added) and a block made of
    ``blocks``, end to end."""
    fields.append(("Content-Length", str(sum(map(len, blocks)))))
    lines = [f"WARC/{WARC_VERSION}", *(f"{name}: {value}" for name, value in fields), "", ""]
    return b"".join(["\r\n".join(lines).encode("utf-8"), *blocks, b"\r\n\r\n"])


def build_records(exchange: Exchange, gzip_level: int) -> BuiltRecords:
    """The WARC records of ``exchange``, compressed: pure CPU work, run in a thread.

    The records are byte for byte those warcio's ``WARCWriter`` makes of the same fields
    (header order included), with SHA-256 digests.

    :param gzip_level: 0 for plain records, 1-9 for one gzip member per record.
    """
    common = [("WARC-Date", exchange.date)]
    if exchange.ip_address:
        common.append(("WARC-IP-Address", exchange.ip_address))
    payload = hashlib.sha256(exchange.body).digest()
    record_id = _record_id()
    records: tuple[bytes, ...]
    if not exchange.http:
        # A resource record's block is its payload: one digest serves as both.
        digest = _labelled(payload)
        resource = [
            *common,
            ("WARC-Block-Digest", digest),
            ("WARC-Payload-Digest", digest),
            ("WARC-Type", "resource"),
            ("WARC-Record-ID", record_id),
            ("WARC-Target-URI", exchange.url),
            ("Content-Type", exchange.content_type),
        ]
        records = (_record(resource, [exchange.body]),)
    else:
        head = _http_head(
            " ".join(filter(None, (exchange.protocol, exchange.status_line))),
            exchange.response_headers,
        )
        block = hashlib.sha256(head)
        block.update(exchange.body)
        response = [
            *common,
            ("WARC-Type", "response"),
            ("WARC-Record-ID", record_id),
            ("WARC-Target-URI", exchange.url),
            ("WARC-Payload-Digest", _labelled(payload)),
            ("WARC-Block-Digest", _labelled(block.digest())),
            ("Content-Type", "application/http; msgtype=response"),
        ]
        request_head = _http_head(exchange.request_line, exchange.request_headers)
        request_block = hashlib.sha256(request_head)
        request_block.update(exchange.request_body)
        request = [
            *common,
            ("WARC-Concurrent-To", record_id),
            ("WARC-Type", "request"),
            ("WARC-Record-ID", _record_id()),
            ("WARC-Target-URI", exchange.url),
            ("WARC-Payload-Digest", _labelled(hashlib.sha256(exchange.request_body).digest())),
            ("WARC-Block-Digest", _labelled(request_block.digest())),
            ("Content-Type", "application/http; msgtype=request"),
        ]
        records = (
            _record(response, [head, exchange.body]),
            _record(request, [request_head, exchange.request_body]),
        )
    return BuiltRecords(
        members=tuple(compress(record, gzip_level) for record in records),
        record_id=record_id,
        payload_sha256=payload.hex(),
    )


def software_versions() -> str:
    """What wrote the archive, for its ``warcinfo`` record."""
    return (
        f"cleanwire/{version('cleanwire')} Scrapy/{version('scrapy')}"
        f" warcio/{version('warcio')} Python/{platform.python_version()}"
    )


def file_host() -> str:
    """This machine's host name as WARC file names carry it: characters other than letters,
    digits, dots and hyphens made ``_``."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "_"


class WarcFiles:
    """The WARC files of one crawl process: written in order, rotated by size.

    A file is opened when the first record comes (a crawl that reads nothing leaves none),
    named ``cleanwire-<started>-<host>-<pid>-<serial>.warc[.gz]`` (the host as in
    :func:`file_host`, so that the files of a cluster's machines gathered in one folder
    cannot share a name) and created exclusively: an existing file is never appended to.
    Each begins with a ``warcinfo`` record.

    :param folder: where the files go (created when needed).
    :param database_folder: the folder :attr:`WarcLocation.file` is relative to.
    :param max_bytes: a file that has passed this size is closed; the next record starts
        the next one.
    :param gzip_level: 0 for ``.warc``, 1-9 for ``.warc.gz`` at that zlib level.
    :param info: the fields of each file's ``warcinfo`` record.
    """

    def __init__(
        self,
        folder: Path,
        database_folder: Path,
        max_bytes: int,
        gzip_level: int,
        info: dict[str, str],
        stats: StatsCollector | None = None,
    ) -> None:
        if not 0 <= gzip_level <= 9:
            raise ValueError(f"WARC_GZIP_LEVEL must be 0 to 9, not {gzip_level}")
        self.folder = folder
        self.database_folder = database_folder
        self.max_bytes = max_bytes
        self.gzip_level = gzip_level
        self.info = info
        self.stats = stats
        started = time.strftime("%Y%m%d%H%M%S", time.gmtime())
        self.prefix = f"cleanwire-{started}-{file_host()}-{os.getpid()}"
        self.suffix = ".warc.gz" if gzip_level else ".warc"
        self.serial = 0
        self.closed = False
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._relative = ""
        self._size = 0
        self._records = 0
        """Exchanges written whole to the file being written."""

    def _open(self) -> None:
        self._path = None
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.folder / f"{self.prefix}-{self.serial:05d}{self.suffix}"
            self.serial += 1
            try:
                self._file = path.open("xb")
                break
            except FileExistsError:
                continue
        self._path = path
        self._relative = Path(os.path.relpath(path.resolve(), self.database_folder)).as_posix()
        self._size = 0
        self._records = 0
        logger.info("Writing WARC file %s", path)
        self._inc("warc/files")
        writer = _Sha256Writer(io.BytesIO(), gzip=False, warc_version=WARC_VERSION)
        warcinfo = writer.create_warcinfo_record(path.name, self.info)
        self._write(compress(_record_bytes(warcinfo), self.gzip_level))

    def _write(self, member: bytes) -> None:
        assert self._file is not None
        self._file.write(member)
        self._size += len(member)
        self._inc("warc/bytes", len(member))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)

    def write(self, members: Sequence[bytes]) -> tuple[str, int]:
        """Append ``members`` (the records of one exchange) and flush them to the system.

        :returns: the file they are in, relative to the database's folder, and the offset
            of the first.
        :raises OSError: when the file cannot be written; it is then closed, cut back to
            its last whole record (removed when it holds none, so that a full disk leaves
            no empty files), and the next write starts a new one.
        :raises RuntimeError: after :meth:`close`.
        """
        if self.closed:
            raise RuntimeError("the WARC files are closed")
        offset = None
        try:
            if self._file is None:
                self._open()
            offset = self._size
            for member in members:
                self._write(member)
            assert self._file is not None
            self._file.flush()
        except OSError:
            self._give_up_file(offset)
            raise
        self._records += 1
        self._inc("warc/records", len(members))
        location = (self._relative, offset)
        if self._size >= self.max_bytes:
            self._close_file()
        return location

    def _give_up_file(self, offset: int | None) -> None:
        """After a failed write: close the file, and cut off what the write left of its
        records at ``offset`` (``None``: the file was being opened); a file left with no
        record is removed."""
        path = self._path
        self._close_file()
        if path is None:
            return
        try:
            if offset is None or self._records == 0:
                path.unlink(missing_ok=True)
                self._inc("warc/files", -1)
            else:
                os.truncate(path, offset)
        except OSError as error:
            logger.error("Could not clean up WARC file %s: %s", path, error)
        self._path = None

    def _close_file(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError as error:
                logger.error("Could not close WARC file %s: %s", self._path, error)

    def close(self) -> None:
        """Close the file being written; later writes fail."""
        self.closed = True
        self._close_file()


class WarcArchiveMiddleware:
    """Archives every response as received (see the module docstring); goes last in
    ``DOWNLOADER_MIDDLEWARES`` (closest to the downloader).

    It puts a :class:`RawBody` in ``response.meta[RAW_BODY_META_KEY]`` for the spiders; with
    ``WARC_ENABLED = False`` it only measures the raw body (``body_sha256`` keeps its
    meaning) and writes nothing.
    """

    def __init__(self, files: WarcFiles | None, crawler: Crawler) -> None:
        self.files = files
        self.crawler = crawler
        self.clock = crawl_clock(crawler)
        assert crawler.stats is not None
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchiveMiddleware:
        settings = crawler.settings
        files = None
        if settings.getbool("WARC_ENABLED"):
            database_folder = Path(settings.get("SQLITE_PATH")).resolve().parent
            folder = settings.get("WARC_DIR") or ""
            spider = crawler.spidercls.name
            robots = "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore"
            files = WarcFiles(
                folder=Path(folder).resolve() if folder else database_folder / "warc",
                database_folder=database_folder,
                max_bytes=settings.getint("WARC_MAX_BYTES"),
                gzip_level=settings.getint("WARC_GZIP_LEVEL"),
                info={
                    "software": software_versions(),
                    "format": f"WARC File Format {WARC_VERSION}",
                    "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                    f"warc-format/warc-{WARC_VERSION}/",
                    "description": f"cleanwire {spider} crawl: every response as received",
                    "robots": robots,
                    "hostname": socket.gethostname(),
                },
                stats=crawler.stats,
            )
        middleware = cls(files, crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self) -> None:
        if self.files is not None:
            self.files.close()

    def process_request(self, request: Request) -> None:
        # A retry or a redirect copies the meta of the request it comes from.
        request.meta.pop(RAW_BODY_META_KEY, None)

    def _build(self, exchange: Exchange, gzip_level: int) -> BuiltRecords:
        """:func:`build_records`, timed; in a thread."""
        with self.clock.stage("archive"):
            return build_records(exchange, gzip_level)

    async def process_response(self, request: Request, response: Response) -> Response:
        if self.files is None:
            body = response.body
            request.meta[RAW_BODY_META_KEY] = RawBody(len(body), sha256_hex(body))
            return response
        body = response.body
        exchange = Exchange.of(request, response, warc_date(datetime.now(UTC)))
        try:
            built = await asyncio.to_thread(self._build, exchange, self.files.gzip_level)
        except Exception:
            # A page is not lost for want of its record: it goes on, unarchived, and counted.
            logger.exception("Could not build the WARC record of %s", response.url)
            self.stats.inc_value("warc/build_failed")
            request.meta[RAW_BODY_META_KEY] = RawBody(len(body), sha256_hex(body))
            return response
        location = None
        try:
            with self.clock.stage("archive"):
                file, offset = self.files.write(built.members)
            location = WarcLocation(file, offset, built.record_id)
        except (OSError, RuntimeError) as error:
            logger.error("Could not archive %s: %s", response.url, error)
            self.stats.inc_value("warc/write_failed")
            storage_failed(self.crawler, "warc", error)
        request.meta[RAW_BODY_META_KEY] = RawBody(len(body), built.payload_sha256, location)
        return response
