"""A fake news website on 127.0.0.1 for integration tests that crawl over real HTTP.

The site's pages live in ``tests/data/newssite``. Tests copy that folder (``site_copy``), start a
``NewsSite`` on the copy, crawl it, and may edit pages between crawls (``NewsSite.touch``).

Serving rules:

* ``/`` serves ``index.html``; a path without a suffix serves ``<path>.html``; any other path
  serves the file itself. Query strings are ignored. Anything else is a 404.
* In ``.html``, ``.xml`` and ``.txt`` files, ``{{BASE}}`` becomes the site's URL and
  ``{{MTIME:relative/path}}`` becomes that file's modification time in ISO-8601 UTC (empty if the
  file does not exist). The substitution works on bytes, so files in any ASCII-compatible
  encoding keep their encoding.
* Every 200 carries an ``ETag`` and a ``Last-Modified``. A file's Last-Modified is its mtime, or
  the newest mtime among the files its ``{{MTIME:...}}`` placeholders name, so a sitemap's
  Last-Modified moves when one of its articles is touched. The ETag is a digest of the bytes
  served and that time, so it changes on every ``touch``, even one that keeps the text.
* ``If-None-Match`` decides alone when present (RFC 9110); otherwise ``If-Modified-Since`` at or
  after the Last-Modified second gives a 304.
* ``/X.gz`` serves the gzip-compressed bytes of ``/X`` as ``application/x-gzip``.
* Special paths: ``/news/broken`` is always a 500; ``/news/busy`` is a 429 with ``Retry-After: 1``
  the first time; ``/news/flaky`` is a 503 the first two times; ``/news/slow`` waits
  ``slow_seconds`` first; ``/old/article-3`` is a 301 to ``/news/article-3``; ``/news/gzipped`` is
  sent with ``Content-Encoding: gzip`` to clients that accept gzip.
* HTML that is not valid UTF-8 (``news/cp1252.html``) is sent as ``text/html`` with no charset.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import socketserver
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any
from urllib.parse import unquote

SITE_DATA = Path(__file__).resolve().parent / "data" / "newssite"
"""The fake site's pages, as committed; tests serve a copy of this folder."""

TEXT_SUFFIXES = frozenset({".html", ".xml", ".txt"})
BASE_PLACEHOLDER = b"{{BASE}}"
MTIME_PLACEHOLDER = re.compile(rb"\{\{MTIME:([^}]+)\}\}")

BROKEN_PATH = "/news/broken"
BUSY_PATH = "/news/busy"
FLAKY_PATH = "/news/flaky"
FLAKY_FAILURES = 2
SLOW_PATH = "/news/slow"
GZIPPED_PATH = "/news/gzipped"
REDIRECTS = {"/old/article-3": "/news/article-3"}
TOUCH_STEP_SECONDS = 2.0


@dataclass(frozen=True)
class RequestRecord:
    """One request the site received.

    ``path`` is the request target as sent (with its query string); header names are title-cased
    (``User-Agent``, ``If-None-Match``) whatever case the client used; ``time`` is
    ``time.monotonic()`` when the request arrived.
    """

    method: str
    path: str
    headers: dict[str, str]
    time: float


@dataclass(frozen=True)
class Reply:
    """A response to send: status, headers (without Content-Length) and body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def site_copy(destination: Path) -> Path:
    """Copy the fake site's pages (``tests/data/newssite``) to ``destination`` and return it.

    File modification times are kept.
    """
    shutil.copytree(SITE_DATA, destination, dirs_exist_ok=True)
    return destination


def error_page(status: int, message: str) -> Reply:
    """A small HTML error page."""
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} {message} - The Daily Fixture</title></head>"
        f"<body><h1>{status} {message}</h1><p>The Daily Fixture could not serve this page.</p>"
        f"</body></html>"
    )
    return Reply(status, {"Content-Type": "text/html; charset=utf-8"}, html.encode("utf-8"))


def iso_time(timestamp: float) -> str:
    """A Unix time as ISO-8601 UTC to the second, e.g. ``2026-11-21T10:00:00+00:00``."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).isoformat()


def content_type(file: Path, relative: PurePosixPath, content: bytes) -> str:
    """The Content-Type for a file of the site, from its suffix and folder."""
    suffix = file.suffix.lower()
    if suffix == ".html":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return "text/html"
        return "text/html; charset=utf-8"
    if suffix == ".rss" or (relative.parts[:1] == ("feeds",) and file.name == "rss.xml"):
        return "application/rss+xml"
    if relative.parts[:1] == ("feeds",) and file.name == "atom.xml":
        return "application/atom+xml"
    return {
        ".xml": "application/xml",
        ".txt": "text/plain",
        ".pdf": "application/pdf",
        ".gz": "application/x-gzip",
    }.get(suffix, "application/octet-stream")


def not_modified(request_headers: dict[str, str], etag: str, modified_second: int) -> bool:
    """Whether the request's validators show the client already has this representation."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = request_headers.get("If-Modified-Since")
    if not if_modified_since:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return int(since.timestamp()) >= modified_second


class NewsSite:
    """A fake news site served on 127.0.0.1 from a copy of tests/data/newssite."""

    def __init__(self, folder: Path, slow_seconds: float = 5.0) -> None:
        """Start serving ``folder`` (a writable copy of the site) in a background thread."""
        self.folder = folder.resolve()
        self.slow_seconds = slow_seconds
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._hits_by_route: dict[str, int] = {}
        self._closed = False
        self._server = _SiteServer(self)
        self.url = self._server.url
        self._server.start()

    def paths(self) -> list[str]:
        """The paths (with query strings) of every request received, in order."""
        with self._lock:
            return [record.path for record in self.requests]

    def close(self) -> None:
        """Stop serving; requests still sleeping in ``/news/slow`` are abandoned."""
        if self._closed:
            return
        self._closed = True
        self._server.stop()

    def __enter__(self) -> NewsSite:
        """The running site."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.close()

    def touch(self, relative_path: str, new_text: str | None = None) -> None:
        """Rewrite a file of the site, with ``new_text`` (UTF-8) if given, and age-proof it.

        The file's mtime moves at least 2 seconds past its previous mtime (or to now, if later),
        so its Last-Modified and ETag change. A new file may be created when ``new_text`` is
        given.
        """
        file = self._file(relative_path)
        if file is None:
            raise ValueError(f"not a path inside the site: {relative_path!r}")
        previous_mtime = file.stat().st_mtime if file.exists() else 0.0
        if new_text is None:
            file.write_bytes(file.read_bytes())
        else:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(new_text.encode("utf-8"))
        new_mtime = max(previous_mtime + TOUCH_STEP_SECONDS, time.time())
        os.utime(file, (new_mtime, new_mtime))

    def _record(self, record: RequestRecord) -> None:
        """Add a request to the log."""
        with self._lock:
            self.requests.append(record)

    def _count_hit(self, route: str) -> int:
        """Count a request for ``route``; return how many there have been, this one included."""
        with self._lock:
            hits = self._hits_by_route.get(route, 0) + 1
            self._hits_by_route[route] = hits
            return hits

    def _respond(self, target: str, request_headers: dict[str, str]) -> Reply:
        """The reply to a GET of ``target`` (a path with an optional query string)."""
        route = unquote(target.partition("?")[0].partition("#")[0])
        if route == BROKEN_PATH:
            return error_page(500, "Internal Server Error")
        if route == BUSY_PATH and self._count_hit(route) == 1:
            busy = error_page(429, "Too Many Requests")
            return Reply(busy.status, {**busy.headers, "Retry-After": "1"}, busy.body)
        if route == FLAKY_PATH and self._count_hit(route) <= FLAKY_FAILURES:
            return error_page(503, "Service Unavailable")
        if route == SLOW_PATH:
            time.sleep(self.slow_seconds)
        if route in REDIRECTS:
            moved = error_page(301, "Moved Permanently")
            location = self.url + REDIRECTS[route]
            return Reply(moved.status, {**moved.headers, "Location": location}, moved.body)
        return self._serve_file(route, request_headers)

    def _serve_file(self, route: str, request_headers: dict[str, str]) -> Reply:
        """Serve the file a route names, with validators, or a 404."""
        relative = "index.html" if route in ("", "/") else route.lstrip("/")
        if PurePosixPath(relative).suffix == "":
            relative += ".html"
        file = self._file(relative)
        gzip_file = False
        if (file is None or not file.is_file()) and relative.endswith(".gz"):
            relative = relative.removesuffix(".gz")
            file = self._file(relative)
            gzip_file = True
        if file is None or not file.is_file():
            return error_page(404, "Not Found")
        modified = file.stat().st_mtime
        content = file.read_bytes()
        if file.suffix.lower() in TEXT_SUFFIXES:
            content, modified = self._substitute(content, modified)
        headers = {"Content-Type": content_type(file, PurePosixPath(relative), content)}
        if gzip_file:
            content = gzip.compress(content, mtime=0)
            headers["Content-Type"] = "application/x-gzip"
        elif route == GZIPPED_PATH:
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in request_headers.get("Accept-Encoding", "").lower():
                content = gzip.compress(content, mtime=0)
                headers["Content-Encoding"] = "gzip"
        digest = hashlib.sha256(content + repr(modified).encode("ascii")).hexdigest()
        validators = {
            "ETag": f'"{digest[:32]}"',
            "Last-Modified": formatdate(int(modified), usegmt=True),
        }
        if not_modified(request_headers, validators["ETag"], int(modified)):
            return Reply(304, validators)
        return Reply(200, {**headers, **validators}, content)

    def _substitute(self, content: bytes, modified: float) -> tuple[bytes, float]:
        """Fill in the placeholders; return the bytes and the newest mtime they depend on."""
        newest = [modified]

        def mtime_text(match: re.Match[bytes]) -> bytes:
            target = self._file(match.group(1).decode("utf-8", "replace").strip())
            if target is None or not target.is_file():
                return b""
            target_mtime = target.stat().st_mtime
            newest.append(target_mtime)
            return iso_time(target_mtime).encode("ascii")

        content = MTIME_PLACEHOLDER.sub(mtime_text, content)
        content = content.replace(BASE_PLACEHOLDER, self.url.encode("ascii"))
        return content, max(newest)

    def _file(self, relative_path: str) -> Path | None:
        """The file a relative path names, or None if the path leads outside the site."""
        file = (self.folder / relative_path.lstrip("/")).resolve()
        return file if file.is_relative_to(self.folder) else None


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that logs nothing, for the sites tests crawl."""

    def reply(self, status: int, content_type: str, body: bytes) -> None:
        """Send ``body`` whole, with its type and length."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing."""


class _SiteHandler(QuietHandler):
    """Hands each GET to the NewsSite and writes its reply."""

    server: _SiteServer

    def do_GET(self) -> None:
        """Record the request, then send the site's reply."""
        headers = {name.title(): value for name, value in self.headers.items()}
        site = self.server.site
        site._record(RequestRecord(self.command, self.path, headers, time.monotonic()))
        reply = site._respond(self.path, headers)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


class LocalHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server on 127.0.0.1, on a free port, for the sites tests crawl."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Bind to a free port on 127.0.0.1."""
        super().__init__(("127.0.0.1", 0), handler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup HTTPServer does for its server name."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up (a crawler giving up on a slow or too large download);
        report the rest."""
        if isinstance(sys.exception(), ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"test-site-{self.server_port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket; requests still being answered are abandoned."""
        self.shutdown()
        self.server_close()
        self._thread.join()


@contextmanager
def served(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """The URL of a :class:`LocalHTTPServer` answering with ``handler`` while the block runs."""
    server = LocalHTTPServer(handler)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


class _SiteServer(LocalHTTPServer):
    """The server of one NewsSite."""

    def __init__(self, site: NewsSite) -> None:
        self.site = site
        super().__init__(_SiteHandler)
