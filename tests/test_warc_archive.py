"""The raw archive: real crawls of the local news site and of the seeds, read back with warcio.

Every fetch that had a response points at a WARC record holding exactly the bytes received
(``body_sha256`` is its payload's SHA-256); files rotate by size; ``WARC_DIR`` and
``WARC_ENABLED`` are honoured.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from scrapy import Request
from scrapy.http import Response
from w3lib.url import file_uri_to_path
from warcio.archiveiterator import ArchiveIterator

from crawler.warc import RAW_BODY_META_KEY, RawBody, WarcArchiveMiddleware, file_host
from tests.conftest import SEEDS, crawl, project_crawler
from tests.newssite import NewsSite, site_copy

FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_BACKOFF_BASE": 0.05,
    "CONTACT_URL": "https://cleanwire.test/contact",
}
SMALL_FILES = 15_000
"""``WARC_MAX_BYTES`` for the web crawl: the site's pages fill several files."""


@dataclass
class Archive:
    site: NewsSite
    db_path: Path
    disabled_db_path: Path

    def rows(self, crawl_id: int | None = None, db_path: Path | None = None) -> list[dict]:
        with sqlite_utils.Database(db_path or self.db_path) as db:
            where = "" if crawl_id is None else f"where crawl_id = {crawl_id}"
            return list(db.query(f"select * from fetches {where} order by id"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """The site crawled from every kind of start URL (with rotation), then again from its
    feed (a 304); and once more into another database with archiving off."""
    folder = site_copy(tmp_path_factory.mktemp("site") / "site")
    db_path = tmp_path_factory.mktemp("db") / "news.db"
    disabled_db_path = tmp_path_factory.mktemp("disabled") / "news.db"
    with NewsSite(folder, slow_seconds=0.1) as site:
        starts = ("/", "/feeds/rss.xml", "/robots.txt", "/old/article-3")
        start = ",".join(site.url + path for path in starts)
        crawl(db_path, "news", f"start={start}", WARC_MAX_BYTES=SMALL_FILES, **FAST)
        crawl(db_path, "news", f"start={site.url}/feeds/rss.xml", "depth=0", **FAST)
        gzipped = f"start={site.url}/news/gzipped"
        crawl(disabled_db_path, "news", gzipped, "depth=0", WARC_ENABLED=False, **FAST)
        yield Archive(site, db_path, disabled_db_path)


def read_record(db_path: Path, row: dict[str, Any]) -> tuple[Any, bytes, list[Any]]:
    """The record a fetch points to, its raw payload, and the records after it in its file."""
    with (db_path.parent / row["warc_file"]).open("rb") as stream:
        stream.seek(row["warc_offset"])
        records = ArchiveIterator(stream)
        record = next(records)
        payload = record.raw_stream.read()
        following = [(next_record, next_record.raw_stream.read()) for next_record in records][:1]
        return record, payload, following


def check_points_to_its_record(db_path: Path, row: dict[str, Any], record_type: str) -> Any:
    assert row["warc_file"] and row["warc_offset"] is not None and row["warc_record_id"], row
    record, payload, _ = read_record(db_path, row)
    headers = record.rec_headers
    assert record.rec_type == record_type
    assert headers.get_header("WARC-Record-ID") == row["warc_record_id"]
    assert headers.get_header("WARC-Target-URI") == row["final_url"]
    assert len(payload) == row["body_bytes"]
    if row["status"] == 304:
        assert row["body_sha256"] is None and payload == b"", "a 304 has no body"
    else:
        assert hashlib.sha256(payload).hexdigest() == row["body_sha256"]
    return record


def all_records(folder: Path) -> list[tuple[str, Any, bytes]]:
    """Every record of every WARC file in ``folder``: (file name, record, raw payload)."""
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                found.append((path.name, record, record.raw_stream.read()))
    return found


def test_every_fetch_with_a_response_points_to_its_response_record(archive: Archive) -> None:
    rows = archive.rows()
    answered = [row for row in rows if row["status"] is not None]
    assert len(answered) > 20
    for row in answered:
        check_points_to_its_record(archive.db_path, row, "response")
    for row in rows:
        if row["status"] is None:  # robots.txt forbade it, or it timed out: no response
            assert row["warc_file"] is None and row["warc_record_id"] is None, row
    outcomes = {row["outcome"] for row in answered}
    assert {"article", "not_article", "error: http_404", "error: http_500"} <= outcomes
    assert len({row["warc_record_id"] for row in answered}) == len(answered)


def test_each_response_record_comes_with_its_request_record(archive: Archive) -> None:
    (row,) = [r for r in archive.rows(1) if r["final_url"].endswith("/news/article-1")]
    record, _, [(request, body)] = read_record(archive.db_path, row)
    assert request.rec_type == "request" and body == b""
    assert request.rec_headers.get_header("WARC-Concurrent-To") == row["warc_record_id"]
    assert request.rec_headers.get_header("WARC-Target-URI") == row["final_url"]
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/news/article-1 HTTP/1.1"
    assert request.http_headers.get_header("User-Agent").startswith("cleanwire/")
    assert request.http_headers.get_header("Host") == archive.site.url.removeprefix("http://")
    assert record.http_headers.get_statuscode() == "200"
    assert record.http_headers.protocol == "HTTP/1.0", "as the test server answers"
    assert record.http_headers.get_header("ETag") or record.http_headers.get_header("Etag")
    assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"


def test_a_gzip_encoded_response_is_archived_as_received(archive: Archive) -> None:
    (row,) = [r for r in archive.rows(1) if r["final_url"].endswith("/news/gzipped")]
    assert row["outcome"] == "article"
    record, payload, _ = read_record(archive.db_path, row)
    assert record.http_headers.get_header("Content-Encoding") == "gzip"
    assert payload[:2] == b"\x1f\x8b", "the body as received: compressed"
    assert row["body_bytes"] == len(payload)
    assert b"<html" in gzip.decompress(payload)
    assert row["body_sha256"] == hashlib.sha256(payload).hexdigest()


def test_redirects_retries_and_robots_txt_are_archived_too(archive: Archive) -> None:
    records = all_records(archive.db_path.parent / "warc")
    responses = [
        (record.rec_headers.get_header("WARC-Target-URI"), record.http_headers.get_statuscode())
        for _, record, _ in records
        if record.rec_type == "response"
    ]
    url = archive.site.url
    assert (f"{url}/old/article-3", "301") in responses
    assert responses.count((f"{url}/news/broken", "500")) == 4, "the first try and 3 retries"
    assert responses.count((f"{url}/news/flaky", "503")) == 2
    assert (f"{url}/robots.txt", "200") in responses


def test_files_rotate_by_size_and_each_starts_with_warcinfo(archive: Archive) -> None:
    folder = archive.db_path.parent / "warc"
    files = sorted(folder.glob("cleanwire-*.warc.gz"))
    first_crawl = {row["warc_file"] for row in archive.rows(1)} - {None}
    assert len(first_crawl) >= 3, "several files for the first crawl"
    second_crawl = {row["warc_file"] for row in archive.rows(2)} - {None}
    assert first_crawl.isdisjoint(second_crawl), "each crawl writes files of its own"
    assert {f"warc/{path.name}" for path in files} == first_crawl | second_crawl
    by_file: dict[str, list[Any]] = {}
    payloads: dict[str, bytes] = {}
    for name, record, payload in all_records(folder):
        by_file.setdefault(name, []).append(record)
        payloads[record.rec_headers.get_header("WARC-Record-ID")] = payload
    name = re.compile(rf"cleanwire-\d{{14}}-{re.escape(file_host())}-\d+-\d{{5}}\.warc\.gz")
    for path in files:
        assert name.fullmatch(path.name), "time, host, process and serial name each file"
        records = by_file[path.name]
        assert records[0].rec_type == "warcinfo"
        assert records[0].rec_headers.get_header("WARC-Filename") == path.name
        assert records[0].rec_headers.get_header("WARC-Record-ID")
        assert [r.rec_type for r in records].count("warcinfo") == 1
    for name in sorted(first_crawl)[:-1]:
        # Closed once past the limit: its last records went over it.
        assert (archive.db_path.parent / name).stat().st_size >= SMALL_FILES
    info = payloads[by_file[files[0].name][0].rec_headers.get_header("WARC-Record-ID")]
    assert b"software: cleanwire/" in info and b"format: WARC File Format 1.1" in info
    assert f"hostname: {socket.gethostname()}".encode() in info


def test_a_304_is_archived_with_its_empty_body(archive: Archive) -> None:
    (row,) = [r for r in archive.rows(2) if r["uri"].endswith("/feeds/rss.xml")]
    assert row["status"] == 304 and row["outcome"] == "unchanged"
    record = check_points_to_its_record(archive.db_path, row, "response")
    assert record.http_headers.get_statuscode() == "304"


def test_warcio_finds_every_record_and_every_digest_right(archive: Archive) -> None:
    warcio = Path(sys.executable).parent / "warcio"
    files = [str(path) for path in sorted((archive.db_path.parent / "warc").glob("*.warc.gz"))]
    checked = subprocess.run([warcio, "check", *files], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    index = subprocess.run([warcio, "index", files[0]], capture_output=True, text=True)
    assert '"warc-type": "warcinfo"' in index.stdout and '"warc-type": "response"' in index.stdout


def test_with_archiving_off_there_is_no_warc_and_the_hash_is_the_same(archive: Archive) -> None:
    assert not (archive.disabled_db_path.parent / "warc").exists()
    rows = archive.rows(db_path=archive.disabled_db_path)
    assert rows and all(row["warc_file"] is None and row["warc_offset"] is None for row in rows)
    assert all(row["warc_record_id"] is None for row in rows)
    (off,) = [r for r in rows if r["uri"].endswith("/news/gzipped")]
    (on,) = [r for r in archive.rows(1) if r["uri"].endswith("/news/gzipped")]
    assert off["body_sha256"] == on["body_sha256"], "the raw (compressed) bytes either way"
    assert off["body_bytes"] == on["body_bytes"]


def test_files_are_archived_as_resources_in_warc_dir(tmp_path: Path) -> None:
    db_path = tmp_path / "db" / "news.db"
    warc_dir = tmp_path / "elsewhere" / "archive"
    crawl(db_path, "files", f"path={SEEDS}", WARC_DIR=warc_dir)
    assert not (db_path.parent / "warc").exists()
    assert len(list(warc_dir.glob("cleanwire-*.warc.gz"))) == 1
    with sqlite_utils.Database(db_path) as db:
        rows = list(db["fetches"].rows)
    assert len(rows) == 10
    for row in rows:
        assert row["warc_file"].startswith("../elsewhere/archive/cleanwire-")
        record = check_points_to_its_record(db_path, row, "resource")
        raw = Path(file_uri_to_path(row["uri"])).read_bytes()
        assert row["body_sha256"] == hashlib.sha256(raw).hexdigest()
        assert record.rec_headers.get_header("WARC-Target-URI") == row["uri"]
        content_type = "text/plain" if row["uri"].endswith(".txt") else "text/html"
        assert record.rec_headers.get_header("Content-Type") == content_type


def test_headers_are_archived_byte_for_byte_and_a_retry_starts_clean(tmp_path: Path) -> None:
    crawler = project_crawler(SQLITE_PATH=str(tmp_path / "news.db"), WARC_GZIP_LEVEL=0)
    middleware = WarcArchiveMiddleware.from_crawler(crawler)
    url = "https://news.example/story?id=1"
    request = Request(url, headers={"User-Agent": "cleanwire/test"})
    response = Response(
        url,
        headers={
            "X-Title": b"caf\xe9",
            "Transfer-Encoding": "chunked",
            "Set-Cookie": ["a=1", "b=2"],
        },
        body=b"de-chunked body",
    )
    asyncio.run(middleware.process_response(request, response))
    middleware.spider_closed()
    raw = request.meta[RAW_BODY_META_KEY]
    assert isinstance(raw, RawBody) and raw.warc is not None
    assert raw.sha256 == hashlib.sha256(b"de-chunked body").hexdigest() and raw.size == 15
    (warc,) = (tmp_path / "warc").glob("cleanwire-*.warc")
    stored = warc.read_bytes()
    assert b"HTTP/1.1 200 OK\r\n" in stored and b"X-Title: caf\xe9\r\n" in stored
    assert b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n" in stored
    assert b"X-Crawler-Transfer-Encoding: chunked" in stored
    assert b"\r\nTransfer-Encoding" not in stored, "readers must not de-chunk it again"
    assert stored[raw.warc.offset :].startswith(b"WARC/1.1\r\n")
    retry = request.copy()
    middleware.process_request(retry)
    assert RAW_BODY_META_KEY not in retry.meta, "a retry has no record until it is answered"
