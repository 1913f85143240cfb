"""Reading responses back from WARC files: ours (``crawler/warc.py``) and other crawlers'.

The ``files`` spider reads whole ``.warc`` / ``.warc.gz`` files (:func:`archived_responses`),
such as Common Crawl's; the ``reextract`` spider reads single records at the offsets the
``fetches`` table keeps (:func:`read_record`). Both turn a record into an
:class:`ArchivedResponse`: the HTTP response (or ``resource``) it holds, with its payload as
stored (what ``body_sha256`` is the SHA-256 of) and its body as a browser would see it (content
encoding and chunking undone, within a size limit, so that a compressed bomb stays small).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.recordloader import ArcWarcRecord

from crawler.discovery import (
    DOCUMENT_REASONS,
    HTML_MEDIA_TYPES,
    declared_charset,
    document_kind,
    media_type,
)
from crawler.items import Fetch, Page, PreviousFetch, sha256_hex, utc_now
from pipelines.extraction.decoding import binary_kind
from pipelines.extraction.result import FetchFailed, NotArticle, Rejected, Skipped

RESPONSE_TYPES = ("response", "resource")
"""Record types that hold what a crawler read; the others (``request``, ``metadata``,
``warcinfo``, ``revisit``, ``conversion``) are passed over."""

WARC_SUFFIXES = (".warc", ".warc.gz")


def is_warc(path: Path) -> bool:
    """Whether ``path`` names a WARC file, by its suffix."""
    return path.name.lower().endswith(WARC_SUFFIXES)


class TooLarge(ValueError):
    """A payload or a decoded body over the size limit."""


class Truncated(ValueError):
    """A record cut short: the file ends inside it (a crawl killed while writing it)."""


def _payload(record: ArcWarcRecord, max_bytes: int) -> bytes:
    """The record's payload as stored, up to ``max_bytes + 1`` bytes of it.

    :raises Truncated: when the file ends before the payload does (warcio gives what is there).
    """
    raw: bytes = record.raw_stream.read(max_bytes + 1)
    if len(raw) <= max_bytes and getattr(record.raw_stream, "limit", 0) > 0:
        raise Truncated(f"{record.rec_type} record cut short after {len(raw)} payload bytes")
    return raw


@dataclass
class ArchivedResponse:
    """A response (or resource) as a WARC record holds it.

    :param body: the payload with its content encoding and chunking undone; empty when it
        could not be decoded (``decode_error`` says why) or was too large (``too_large``).
    """

    record_id: str
    record_type: str
    target_uri: str
    date: str
    offset: int
    status: int | None
    content_type: str | None
    etag: str | None
    last_modified: str | None
    payload_bytes: int
    payload_sha256: str
    body: bytes
    too_large: str | None = None
    decode_error: str | None = None
    length: int | None = None
    """The record's length in its file from ``offset`` (its gzip member, in a ``.warc.gz``)."""


def warc_date(value: str | None) -> str:
    """A ``WARC-Date`` in the form ``fetched_at`` uses (UTC, ISO-8601 to the second)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _decoded(raw: bytes, record: ArcWarcRecord, max_bytes: int) -> bytes:
    """The payload as a browser sees it: chunking and ``Content-Encoding`` undone.

    :raises TooLarge: when the decoded body passes ``max_bytes``.
    """
    headers = record.http_headers
    if headers is None:
        return raw
    encoding = (headers.get_header("content-encoding") or "").strip().lower() or None
    if encoding not in BufferedReader.get_supported_decompressors():
        encoding = None
    stream: IO[bytes]
    if (headers.get_header("transfer-encoding") or "").lower() == "chunked":
        stream = ChunkedDataReader(io.BytesIO(raw), decomp_type=encoding)
    elif encoding:
        stream = BufferedReader(io.BytesIO(raw), decomp_type=encoding)
    else:
        return raw
    body: bytes = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise TooLarge(f"decoded body over {max_bytes} bytes")
    return body


def _archived(record: ArcWarcRecord, raw: bytes, offset: int, max_bytes: int) -> ArchivedResponse:
    """:param raw: the record's payload as stored, up to ``max_bytes + 1`` of it."""
    headers = record.rec_headers
    http = record.http_headers
    response = ArchivedResponse(
        record_id=headers.get_header("WARC-Record-ID") or "",
        record_type=record.rec_type,
        target_uri=headers.get_header("WARC-Target-URI") or "",
        date=warc_date(headers.get_header("WARC-Date")),
        offset=offset,
        status=None,
        content_type=headers.get_header("Content-Type"),
        etag=None,
        last_modified=None,
        payload_bytes=len(raw),
        payload_sha256=sha256_hex(raw),
        body=b"",
    )
    if http is not None and record.rec_type == "response":
        try:
            response.status = int(http.get_statuscode())
        except (TypeError, ValueError):
            response.status = None
        response.content_type = http.get_header("Content-Type")
        response.etag = http.get_header("ETag")
        response.last_modified = http.get_header("Last-Modified")
    if len(raw) > max_bytes:
        response.too_large = f"payload over {max_bytes} bytes"
        # What the hash and size are of: the part read. The rest is skipped unread.
        return response
    try:
        response.body = _decoded(raw, record, max_bytes)
    except TooLarge as error:
        response.too_large = str(error)
    except Exception as error:  # zlib, brotli and chunk errors have no common base
        response.decode_error = f"{type(error).__name__}: {error}"
    return response


def archived_responses(
    stream: IO[bytes],
    max_bytes: int,
    keep: Callable[[ArcWarcRecord], bool] | None = None,
) -> Iterator[ArchivedResponse]:
    """The responses and resources of a WARC file, read as a stream, in order.

    :param stream: the file, opened in binary mode (gzip-compressed or not): a file on disk,
        or an HTTP response read as it arrives (its offsets are counted as it is read).
    :param max_bytes: payloads over this size are not kept (:attr:`ArchivedResponse.too_large`).
    :param keep: which records to read, from their WARC headers; the others are passed over
        without their payload being hashed or decoded.
    :raises warcio.exceptions.ArchiveLoadFailed: on a file that is not a WARC, or damaged,
        after the records before the damage.
    :raises Truncated: on a record the file ends in.
    """
    records = ArchiveIterator(stream, arc2warc=True)
    for record in records:
        if record.rec_type not in RESPONSE_TYPES or (keep is not None and not keep(record)):
            continue
        raw = _payload(record, max_bytes)
        # Only once the record is read: asking first reads it to its end.
        response = _archived(record, raw, records.get_record_offset(), max_bytes)
        response.length = records.get_record_length()
        yield response


@contextmanager
def _response_record(path: Path, offset: int) -> Iterator[ArcWarcRecord]:
    """The response or resource record at ``offset`` in the WARC file at ``path``, while the
    file is open.

    :raises OSError: when the file cannot be read.
    :raises ValueError: when no whole response or resource record starts there.
    """
    with path.open("rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)), None)
        if record is None or record.rec_type not in RESPONSE_TYPES:
            found = record.rec_type if record is not None else "nothing"
            raise ValueError(f"{path} at {offset}: {found}, not a response record")
        yield record


def read_record(path: Path, offset: int, max_bytes: int) -> ArchivedResponse:
    """The record at ``offset`` in the WARC file at ``path``.

    :raises OSError: when the file cannot be read.
    :raises ValueError: when no whole response or resource record starts there.
    """
    with _response_record(path, offset) as record:
        return _archived(record, _payload(record, max_bytes), offset, max_bytes)


@dataclass
class RecordAsReceived:
    """What a response or resource record holds, as it came: for a response, its status line
    and headers (``http_head``, as archived) and its payload; for a resource, the file's bytes.
    """

    record_type: str
    http_head: bytes
    payload: bytes


def record_as_received(path: Path, offset: int, max_bytes: int) -> RecordAsReceived:
    """The record at ``offset`` in the WARC file at ``path``, as it came (nothing decoded).

    :raises OSError: when the file cannot be read.
    :raises ValueError: when no whole response or resource record starts there, or its
        payload is over ``max_bytes``.
    """
    with _response_record(path, offset) as record:
        payload = _payload(record, max_bytes)
        if len(payload) > max_bytes:
            raise ValueError(f"{path} at {offset}: payload over {max_bytes} bytes")
        head = b""
        if record.rec_type == "response" and record.http_headers is not None:
            head = record.http_headers.to_bytes()
        return RecordAsReceived(record.rec_type, head, payload)


def relative_warc_path(path: Path, database: Path) -> str:
    """``path`` as the ``warc_file`` column holds it: relative to the database's folder where
    it can be, else absolute."""
    folder = database.resolve().parent
    try:
        return os.path.relpath(path.resolve(), folder)
    except ValueError:  # another drive, on Windows
        return str(path.resolve())


def _rejection(response: ArchivedResponse) -> Rejected | None:
    """Why an archived response holds no page to extract, if it does not."""
    status = response.status
    if response.too_large:
        return Skipped("too_large", response.too_large)
    if response.decode_error:
        return Skipped("bad_content_encoding", response.decode_error)
    if status is not None and 300 <= status < 400:
        return Skipped("redirect", f"HTTP {status}")
    if status is not None and not 200 <= status < 300:
        return FetchFailed(f"http_{status}")
    if not response.body.strip():
        return Skipped("empty")
    return None


def page_format(response: ArchivedResponse) -> str | Rejected:
    """How the page of an archived response is extracted (``html``, or ``text`` for a plain
    text capture archived as a resource), or why it is not."""
    declared_type = media_type(response.content_type)
    kind = document_kind(response.body, declared_type or None)
    if kind in DOCUMENT_REASONS:
        return NotArticle(DOCUMENT_REASONS[kind])
    if kind == "html" or declared_type in HTML_MEDIA_TYPES:
        return "html"
    if binary := binary_kind(response.body):
        return Skipped("binary", binary)
    if declared_type == "text/plain" and response.record_type == "resource":
        return "text"
    return Skipped("unsupported_type", declared_type or "no content type")


def archived_page(
    response: ArchivedResponse, warc_file: str, previous: PreviousFetch | None = None
) -> Page:
    """The page an archived response gives, with the WARC record as its provenance."""
    fetch = Fetch(
        uri=response.target_uri,
        final_url=response.target_uri,
        fetched_at=response.date or utc_now(),
        status=response.status,
        content_type=response.content_type,
        body_bytes=response.payload_bytes,
        body_sha256=response.payload_sha256,
        etag=response.etag,
        last_modified=response.last_modified,
        warc_file=warc_file,
        warc_offset=response.offset,
        warc_length=response.length,
        warc_record_id=response.record_id,
    )
    page = Page(fetch=fetch, previous=previous)
    rejection = _rejection(response)
    found = page_format(response) if rejection is None else rejection
    if isinstance(found, Rejected):
        page.rejection = found
        return page
    page.body = response.body
    page.page_format = found
    page.declared_encoding = declared_charset(response.content_type)
    return page
