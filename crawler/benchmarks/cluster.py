"""Cluster mode's throughput and Redis footprint: what ``scrapy cluster_benchmark FOLDER N``
runs.

It builds a corpus of ``N`` distinct article pages from the HTML pages of ``FOLDER`` (as
``scrapy throughput_benchmark`` does: :func:`crawler.benchmarks.throughput.build_corpus`),
serves it from memory on 127.0.0.1 with a ``/sitemap.xml`` listing every page and a
``/robots.txt`` that allows all, and starts its own ``redis-server`` (no persistence, a free
port, a folder of its own). Then, on that one machine:

- **Workers.** One worker, then two, crawl the sitemap as users start them (``scrapy crawl
  news -a start=URL -s REDIS_URL=...``, from the project folder), without politeness delays,
  on an emptied Redis, with no writer running: a run's wall time, from the first start to the
  last exit, is fetching, extraction and sending to the queue, with each worker's start-up and
  its ``REDIS_IDLE_CLOSE`` wait at the end. The time the last page reached the queue is
  reported too. Each run must leave a page message for every page in the queue.
- **Writer.** After the one-worker run, ``python -m pipelines.writer`` alone drains that queue
  into a fresh database; it is timed until nothing is queued or in hand (its idle exit is not
  counted), and the articles it stored are counted.
- **Redis memory.** Of the one-worker run: the duplicate filter and the request queue at their
  largest (the last worker out deletes the filter), the page queue before the writer, and the
  revisit history after it (``MEMORY USAGE`` of each key, and ``used_memory``). At scale, on an
  emptied Redis each: :data:`SYNTHETIC_URLS` URLs added to the duplicate filter as scrapy-redis
  adds them, to the shared history as the writer publishes it, and to the request queue as
  scrapy-redis queues requests; the growth of ``used_memory``, per million URLs.

Settings given with ``-s`` go to the workers. No figure is checked against a threshold.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import Popen
from types import TracebackType
from urllib.parse import quote
from xml.sax.saxutils import escape

import scrapy
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from scrapy.utils.conf import closest_scrapy_cfg
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue

from crawler.benchmarks.throughput import (
    SourcePage,
    build_corpus,
    process_cpu_seconds,
    process_tree,
)
from crawler.cluster import RunKeys
from crawler.discovery import Listing
from crawler.items import Fetch, Page, article_id, sha256_hex
from crawler.spiders.news import NewsSpider
from pipelines.redis_queue import PAGES_KEY, CrawlStarted, PageRead, decode
from pipelines.shared_history import HISTORY_KEY, SharedFetchHistory
from pipelines.writer import IN_HAND_KEY

MIB = 1024 * 1024
SAMPLE_SECONDS = 0.05
SYNTHETIC_URLS = 100_000
SYNTHETIC_URL = "https://news.example.com/2026/11/22/story-{}.html"
SYNTHETIC_SITEMAP = "https://news.example.com/sitemap.xml"
LASTMOD = "2026-11-22T09:58:00+00:00"
SYNTHETIC_RUN = "5f0c9a7e3b1d"
"""The cluster run the synthetic pages were read in (run ids are 12 hex digits)."""
BATCH = 1000
"""Synthetic entries sent to Redis in one round trip."""
SERVER_CLIENTS = 16
WORKER_SETTINGS = (
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "REDIS_IDLE_CLOSE=1",
)
"""Settings every worker gets, before the user's: no politeness delays against our own server,
and a quick exit once the frontier is empty."""
WRITER_IDLE_EXIT = 2
WRITER_EXIT_TIMEOUT = 60
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


class RedisServerMissing(RuntimeError):
    """``redis-server`` is not on the ``PATH``."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def project_folder() -> Path:
    """The folder of the project's ``scrapy.cfg``: where workers and the writer start."""
    return Path(closest_scrapy_cfg()).parent


class RedisServer:
    """A ``redis-server`` of the benchmark's own, on 127.0.0.1, without persistence.

    :param folder: where it runs; its log goes there.
    :raises RedisServerMissing: when ``redis-server`` is not installed.
    """

    def __init__(self, folder: Path) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RedisServerMissing(
                "redis-server is not installed (Debian: apt-get install redis-server)"
            )
        folder.mkdir(parents=True, exist_ok=True)
        port = str(free_port())
        self.url = f"redis://127.0.0.1:{port}/0"
        command = [
            executable,
            "--bind", "127.0.0.1",
            "--port", port,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(folder),
            "--logfile", str(folder / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        self.client = Redis.from_url(self.url)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.client.ping()
                return
            except RedisConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not start at {self.url}") from None
                time.sleep(SAMPLE_SECONDS)

    @property
    def version(self) -> str:
        return str(self.client.info("server")["redis_version"])

    def used_memory(self) -> int:
        """Bytes the server's data takes (``INFO memory``'s ``used_memory``)."""
        return int(self.client.info("memory")["used_memory"])

    def key_bytes(self, key: str) -> int:
        """Bytes ``key`` and its value take (``MEMORY USAGE`` counting every element); 0 when
        the key is not there."""
        return int(self.client.memory_usage(key, samples=0) or 0)

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class CorpusServer(ThreadingHTTPServer):
    """Serves ``documents`` (path to body and content type) from memory, one thread a
    connection, with keep-alive."""

    daemon_threads = True
    request_queue_size = 128
    """Both workers open 16 connections at once: the default backlog (5) would drop some."""

    def __init__(self, documents: dict[str, tuple[bytes, str]]) -> None:
        super().__init__(("127.0.0.1", 0), CorpusHandler)
        self.documents = documents


class CorpusHandler(BaseHTTPRequestHandler):
    """A 200 with the document at the path (the query left out), else a 404."""

    protocol_version = "HTTP/1.1"
    server: CorpusServer

    def do_GET(self) -> None:
        document = self.server.documents.get(self.path.split("?", 1)[0])
        if document is None:
            self.send_error(404)
            return
        body, content_type = document
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Nothing: a line a request would slow the server down."""


def sitemap(base: str, paths: Sequence[str]) -> bytes:
    """A sitemap listing ``paths`` of the site at ``base``, each with a ``lastmod``."""
    entries = "".join(
        f"<url><loc>{escape(base + path)}</loc><lastmod>{LASTMOD}</lastmod></url>\n"
        for path in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    ).encode()


class CorpusSite:
    """The corpus on 127.0.0.1: every file at ``/<name>``, ``/sitemap.xml`` listing them all
    and ``/robots.txt`` allowing all, from memory, in a thread of this process.

    :param files: the corpus's pages.
    """

    def __init__(self, files: Sequence[Path]) -> None:
        documents = {"/" + quote(path.name): (path.read_bytes(), "text/html") for path in files}
        self.page_paths = list(documents)
        self.server = CorpusServer(documents)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        documents["/sitemap.xml"] = (sitemap(self.url, self.page_paths), "application/xml")
        documents["/robots.txt"] = (ROBOTS_TXT, "text/plain")
        self.sitemap_url = self.url + "/sitemap.xml"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def __enter__(self) -> CorpusSite:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _download(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return len(response.read())


def serve_all(site: CorpusSite) -> float:
    """Seconds :data:`SERVER_CLIENTS` client threads of this process take to download every
    page: what the server can give when nothing else runs (a floor, as the clients share its
    interpreter)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(SERVER_CLIENTS) as pool:
        list(pool.map(_download, [site.url + path for path in site.page_paths]))
    return time.perf_counter() - started


def extraction_label(extract_workers: int) -> str:
    """How many extraction processes each worker runs, as ``EXTRACT_WORKERS`` says."""
    if extract_workers == 0:
        return "EXTRACT_WORKERS=0 (one extraction process per core)"
    return f"EXTRACT_WORKERS={extract_workers}"


@dataclass(frozen=True)
class WorkersRun:
    """What ``workers`` worker processes took, queued and kept in Redis while they ran.

    ``last_page_seconds`` is when the last page message reached the queue, from the first
    start; ``cpu_seconds`` the CPU time of the workers with their extraction processes
    (:class:`TreeCpu`), and ``serving_cpu_seconds`` of this process
    meanwhile (the HTTP server and the sampling); the ``*_peak`` figures are the largest seen,
    sampled every :data:`SAMPLE_SECONDS`.
    """

    workers: int
    seconds: float
    cpu_seconds: float
    serving_cpu_seconds: float
    last_page_seconds: float
    page_messages: int
    article_messages: int
    pages_by_worker: tuple[int, ...]
    dupefilter_peak: int
    dupefilter_peak_bytes: int
    requests_peak: int
    requests_peak_bytes: int


@dataclass
class TreeCpu:
    """CPU seconds of process trees (Linux ``/proc``): each process's last reading, so up to
    one sample period of a process's last moments is missed."""

    by_process: dict[int, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.by_process.values())

    def sample(self, roots: Sequence[int]) -> None:
        """Read the CPU time of ``roots`` and of all their descendants."""
        for root in roots:
            for pid in process_tree(root):
                if (seconds := process_cpu_seconds(pid)) is not None:
                    self.by_process[pid] = seconds


@dataclass
class KeyPeaks:
    """The largest size and memory seen of the duplicate filter and the request queue."""

    dupefilter: int = 0
    dupefilter_bytes: int = 0
    requests: int = 0
    requests_bytes: int = 0

    def sample(self, redis: RedisServer, keys: RunKeys) -> None:
        """Take the current sizes into account."""
        self.dupefilter = max(self.dupefilter, int(redis.client.scard(keys.dupefilter)))
        self.dupefilter_bytes = max(self.dupefilter_bytes, redis.key_bytes(keys.dupefilter))
        self.requests = max(self.requests, int(redis.client.zcard(keys.requests)))
        self.requests_bytes = max(self.requests_bytes, redis.key_bytes(keys.requests))


def start_worker(
    site: CorpusSite, redis: RedisServer, folder: Path, settings: list[str]
) -> Popen[bytes]:
    """``scrapy crawl news`` on the site's sitemap as a cluster worker, with its database path,
    WARC files and log in ``folder``; in a session of its own, with its extraction processes."""
    folder.mkdir(parents=True)
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", f"start={site.sitemap_url}"]
    for setting in [f"REDIS_URL={redis.url}", *WORKER_SETTINGS, *settings]:
        command += ["-s", setting]
    command += ["-s", f"SQLITE_PATH={folder / 'news.db'}"]
    with open(folder / "crawl.log", "wb") as log:
        return subprocess.Popen(
            command, cwd=project_folder(), stdout=log, stderr=log, start_new_session=True
        )


def end_all(processes: Sequence[Popen[bytes]]) -> None:
    """Kill the process groups of those of ``processes`` still running."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def check_exit(process: Popen[bytes], log: Path, what: str) -> None:
    """Raise if ``process`` failed, with the end of its log."""
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{what} exited with status {process.returncode} ({log}):\n{tail}")


def queued_pages(client: Redis) -> tuple[Counter[str], int]:
    """Page messages in the writer's queue by the worker that sent them (every worker that
    started, with none or more), and how many of them carry an article."""
    pages: Counter[str] = Counter()
    articles = 0
    for start in range(0, int(client.llen(PAGES_KEY)), BATCH):
        for raw in client.lrange(PAGES_KEY, start, start + BATCH - 1):
            assert isinstance(raw, bytes)
            message = decode(raw)
            if isinstance(message, CrawlStarted):
                pages.setdefault(message.crawl_key, 0)
            if isinstance(message, PageRead):
                pages[message.crawl_key] += 1
                if message.page.article is not None and message.page.rejection is None:
                    articles += 1
    return pages, articles


def last_page_seconds(lengths: list[tuple[float, int]], final: int, workers: int) -> float:
    """When the queue first held all but the workers' end messages (one each, sent as they
    leave, after every page): the time the last page reached it.

    :param lengths: the queue's length at each change, with the seconds since the start.
    """
    return next(seconds for seconds, length in lengths if length >= final - workers)


def run_workers(
    workers: int,
    site: CorpusSite,
    redis: RedisServer,
    keys: RunKeys,
    folder: Path,
    settings: list[str],
) -> WorkersRun:
    """Crawl the site with ``workers`` worker processes on an emptied Redis, no writer.

    :param keys: the keys of the workers' runs.
    :param folder: where each worker gets a folder of its own.
    :param settings: ``NAME=VALUE`` settings for the workers.
    """
    redis.client.flushall()
    peaks = KeyPeaks()
    lengths: list[tuple[float, int]] = []
    cpu = TreeCpu()
    serving_started = time.process_time()
    started = time.perf_counter()
    processes = [
        start_worker(site, redis, folder / f"worker-{number}", settings)
        for number in range(workers)
    ]
    try:
        while any(process.poll() is None for process in processes):
            cpu.sample([process.pid for process in processes])
            peaks.sample(redis, keys)
            length = int(redis.client.llen(PAGES_KEY))
            if not lengths or lengths[-1][1] != length:
                lengths.append((time.perf_counter() - started, length))
            time.sleep(SAMPLE_SECONDS)
        seconds = time.perf_counter() - started
    finally:
        end_all(processes)
    for number, process in enumerate(processes):
        check_exit(process, folder / f"worker-{number}" / "crawl.log", f"worker {number}")
    serving_cpu = time.process_time() - serving_started
    final = int(redis.client.llen(PAGES_KEY))
    lengths.append((seconds, final))
    pages, articles = queued_pages(redis.client)
    return WorkersRun(
        workers,
        seconds,
        cpu.seconds,
        serving_cpu,
        last_page_seconds(lengths, final, workers),
        pages.total(),
        articles,
        tuple(sorted(pages.values(), reverse=True)),
        peaks.dupefilter,
        peaks.dupefilter_bytes,
        peaks.requests,
        peaks.requests_bytes,
    )


@dataclass(frozen=True)
class WriterRun:
    """What the writer took to drain the queue, and what it stored.

    ``startup_seconds`` is when it took its first message; ``seconds`` when nothing was left
    queued or in hand.
    """

    seconds: float
    startup_seconds: float
    articles: int
    fetches: int


def start_writer(redis: RedisServer, database: Path, log: Path) -> Popen[bytes]:
    """``python -m pipelines.writer`` into ``database``, ending once the queue stays empty."""
    command = [sys.executable, "-m", "pipelines.writer", "--redis", redis.url]
    command += ["--db", str(database), "--idle-exit", str(WRITER_IDLE_EXIT)]
    with open(log, "wb") as output:
        return subprocess.Popen(
            command, cwd=project_folder(), stdout=output, stderr=output, start_new_session=True
        )


def wait_drained(process: Popen[bytes], client: Redis, started: float) -> tuple[float, float]:
    """Seconds from ``started`` until the writer took its first message, and until nothing
    was left queued or in hand."""
    queued = int(client.llen(PAGES_KEY))
    first_taken: float | None = None
    while True:
        now = time.perf_counter() - started
        waiting, in_hand = int(client.llen(PAGES_KEY)), int(client.llen(IN_HAND_KEY))
        if first_taken is None and (waiting < queued or in_hand):
            first_taken = now
        if waiting == 0 and in_hand == 0:
            return (now if first_taken is None else first_taken), now
        if process.poll() is not None:
            raise RuntimeError(f"the writer exited with {waiting} messages left")
        time.sleep(SAMPLE_SECONDS)


def stored_rows(database: Path) -> tuple[int, int]:
    """The articles and fetches ``database`` holds."""
    with sqlite3.connect(database) as connection:
        articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        fetches = connection.execute("SELECT count(*) FROM fetches").fetchone()[0]
    connection.close()
    return int(articles), int(fetches)


def run_writer(redis: RedisServer, folder: Path) -> WriterRun:
    """Drain the queue with the writer alone into a fresh database in ``folder``."""
    folder.mkdir(parents=True)
    log = folder / "writer.log"
    started = time.perf_counter()
    process = start_writer(redis, folder / "news.db", log)
    try:
        startup, seconds = wait_drained(process, redis.client, started)
        process.wait(timeout=WRITER_EXIT_TIMEOUT)
    finally:
        end_all([process])
    check_exit(process, log, "the writer")
    articles, fetches = stored_rows(folder / "news.db")
    return WriterRun(seconds, startup, articles, fetches)


@dataclass(frozen=True)
class Footprint:
    """Bytes ``used_memory`` grew by when ``urls`` URLs went into each structure."""

    urls: int
    dupefilter: int
    history: int
    queued_requests: int

    def per_million_mib(self, grown: int) -> float:
        return grown * 1_000_000 / self.urls / MIB


def synthetic_urls(count: int) -> list[str]:
    return [SYNTHETIC_URL.format(number) for number in range(count)]


def fill_dupefilter(client: Redis, key: str, urls: Sequence[str]) -> None:
    """Add ``urls`` to the duplicate filter ``key`` as scrapy-redis does (the fingerprint of
    its :class:`RFPDupeFilter`), :data:`BATCH` a round trip."""
    dupefilter = RFPDupeFilter(client, key)
    for start in range(0, len(urls), BATCH):
        batch = urls[start : start + BATCH]
        client.sadd(key, *(dupefilter.request_fingerprint(scrapy.Request(url)) for url in batch))


def history_page(url: str, number: int) -> Page:
    """A stored page as the writer records it: an article read whole, validators and all."""
    body_sha256 = sha256_hex(url.encode())
    fetch = Fetch(
        uri=url,
        fetched_at="2026-11-22T10:00:00+00:00",
        final_url=url,
        status=200,
        outcome="article",
        article_id=article_id(url),
        crawl_id=1,
        etag=f'W/"{body_sha256[:16]}"',
        last_modified="Sun, 22 Nov 2026 09:58:00 GMT",
        body_sha256=body_sha256,
        id=number + 1,
    )
    return Page(fetch=fetch)


def fill_history(client: Redis, urls: Sequence[str]) -> None:
    """Publish a stored page of each of ``urls`` as the writer does, :data:`BATCH` a call."""
    history = SharedFetchHistory(client)
    for start in range(0, len(urls), BATCH):
        batch = urls[start : start + BATCH]
        history.record(
            (history_page(url, start + offset), SYNTHETIC_RUN) for offset, url in enumerate(batch)
        )


def listed_request(spider: NewsSpider, url: str) -> scrapy.Request:
    """A request for ``url`` as the news spider makes it from a sitemap entry with a
    ``lastmod``, with the depth Scrapy adds before the scheduler queues it."""
    listing = Listing(url, lastmod=LASTMOD)
    meta = {
        "discovered_via": "sitemap",
        "hops": 0,
        "discovered_from": SYNTHETIC_SITEMAP,
        "discovery": listing.provenance(),
        "listed_modified": listing.modified(),
        "depth": 1,
    }
    return scrapy.Request(url, callback=spider.parse, errback=spider.failed, meta=meta)


def fill_queue(client: Redis, key: str, urls: Sequence[str]) -> None:
    """Queue a request for each of ``urls`` in scrapy-redis's :class:`PriorityQueue` at
    ``key``, :data:`BATCH` a round trip."""
    spider = NewsSpider(start=SYNTHETIC_SITEMAP)
    for start in range(0, len(urls), BATCH):
        batch = client.pipeline(transaction=False)
        queue = PriorityQueue(batch, spider, key)
        for url in urls[start : start + BATCH]:
            queue.push(listed_request(spider, url))
        batch.execute()


def grown(redis: RedisServer, fill: Callable[[], None]) -> int:
    """Bytes ``used_memory`` grows by when ``fill`` runs on an emptied server."""
    redis.client.flushall()
    before = redis.used_memory()
    fill()
    return redis.used_memory() - before


def synthetic_footprint(redis: RedisServer, keys: RunKeys, count: int) -> Footprint:
    """What ``count`` synthetic URLs take in each structure, each on an emptied server."""
    urls = synthetic_urls(count)
    client = redis.client
    return Footprint(
        count,
        grown(redis, lambda: fill_dupefilter(client, keys.dupefilter, urls)),
        grown(redis, lambda: fill_history(client, urls)),
        grown(redis, lambda: fill_queue(client, keys.requests, urls)),
    )


@dataclass(frozen=True)
class RunMemory:
    """Redis memory of the one-worker run, besides what :class:`WorkersRun` sampled.

    ``used_*`` are ``used_memory`` emptied, with the page queue full (before the writer) and
    after the writer; the others are ``MEMORY USAGE`` of the page queue before the writer and
    of the revisit history after it.
    """

    used_empty: int
    used_full: int
    used_after: int
    page_queue_bytes: int
    history_entries: int
    history_bytes: int


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def _each(size: int, count: int) -> str:
    return f"{size / count:.0f} bytes each" if count else "none"


def workers_line(run: WorkersRun, count: int, single: WorkersRun | None) -> str:
    """The report of a workers run, compared with the one-worker run if given."""
    label = "1 worker: " if run.workers == 1 else f"{run.workers} workers:"
    line = f"{label} wall {run.seconds:.1f} s, {count / run.seconds:.2f} pages/s"
    if single is not None:
        line += f" ({single.seconds / run.seconds:.2f}x one worker)"
    line += (
        f"; last page queued at {run.last_page_seconds:.1f} s,"
        f" {count / run.last_page_seconds:.2f} pages/s"
    )
    if single is not None:
        line += f" ({single.last_page_seconds / run.last_page_seconds:.2f}x one worker)"
    line += f"; {run.page_messages} page messages queued, {run.article_messages} with an article"
    if run.workers > 1:
        by_worker = ", ".join(str(pages) for pages in run.pages_by_worker)
        line += f" (by worker: {by_worker})"
    busy = (run.cpu_seconds + run.serving_cpu_seconds) / (run.seconds * (os.cpu_count() or 1))
    return (
        f"{line}; CPU {run.cpu_seconds:.1f} s in the workers, {run.serving_cpu_seconds:.1f} s"
        f" serving and sampling: {busy:.0%} of the cores over the wall time"
    )


def writer_line(run: WriterRun, page_messages: int) -> str:
    steady = page_messages / max(run.seconds - run.startup_seconds, 1e-9)
    return (
        f"writer: {page_messages} pages in {run.seconds:.1f} s,"
        f" {page_messages / run.seconds:.1f} pages/s stored"
        f" ({steady:.1f} pages/s after its {run.startup_seconds:.1f} s start-up);"
        f" {run.articles} articles, {run.fetches} fetches in the database"
    )


def run_memory_lines(run: WorkersRun, memory: RunMemory) -> list[str]:
    """The report of the Redis memory of the one-worker run."""
    dupefilter, requests = run.dupefilter_peak_bytes, run.requests_peak_bytes
    entries, history = memory.history_entries, memory.history_bytes
    pages = memory.page_queue_bytes
    grown = memory.used_after - memory.used_empty
    return [
        f"redis, this run: dupefilter {run.dupefilter_peak} URLs at most, {_kib(dupefilter)}"
        f" ({_each(dupefilter, run.dupefilter_peak)}); request queue {run.requests_peak}"
        f" requests at most, {_kib(requests)} ({_each(requests, run.requests_peak)})",
        f"redis, this run: history {entries} entries after the writer, {_kib(history)}"
        f" ({_each(history, entries)}); page queue {run.page_messages} pages before the"
        f" writer, {_kib(pages)} ({_each(pages, run.page_messages)})",
        f"redis used_memory, this run: {memory.used_empty / MIB:.2f} MiB emptied,"
        f" {memory.used_full / MIB:.2f} MiB with the page queue,"
        f" {memory.used_after / MIB:.2f} MiB after the writer:"
        f" {grown / max(entries, 1):.0f} bytes more for each URL of the history",
    ]


def footprint_line(footprint: Footprint, version: str) -> str:
    def mib(grown: int) -> str:
        return f"{footprint.per_million_mib(grown):.0f} MiB"

    return (
        f"redis per million seen URLs (redis {version}, from {footprint.urls:,} synthetic URLs):"
        f" dupefilter {mib(footprint.dupefilter)}, history {mib(footprint.history)},"
        f" queued requests {mib(footprint.queued_requests)}"
    )


def report(line: str) -> None:
    print(line, flush=True)


def measure_single(
    site: CorpusSite, redis: RedisServer, keys: RunKeys, workdir: Path, settings: list[str]
) -> tuple[WorkersRun, WriterRun, RunMemory]:
    """The one-worker run, then the writer alone on what it queued."""
    used_empty = redis.used_memory()
    single = run_workers(1, site, redis, keys, workdir / "1-worker", settings)
    used_full, page_queue_bytes = redis.used_memory(), redis.key_bytes(PAGES_KEY)
    writer = run_writer(redis, workdir / "writer")
    memory = RunMemory(
        used_empty,
        used_full,
        redis.used_memory(),
        page_queue_bytes,
        int(redis.client.hlen(HISTORY_KEY)),
        redis.key_bytes(HISTORY_KEY),
    )
    return single, writer, memory


def measure(
    pages: list[SourcePage],
    count: int,
    workdir: Path,
    settings: list[str],
    keys: RunKeys,
) -> None:
    """Build the corpus in ``workdir``, run the benchmark there and print its figures.

    :param settings: ``NAME=VALUE`` settings for the workers.
    :param keys: the keys of the workers' runs (from the project's settings and those).
    :raises RedisServerMissing: when ``redis-server`` is not installed.
    """
    files = build_corpus(pages, count, workdir / "corpus")
    with RedisServer(workdir / "redis") as redis, CorpusSite(files) as site:
        seconds = serve_all(site)
        report(
            f"HTTP server alone: {count} pages in {seconds:.2f} s,"
            f" {count / seconds:.0f} pages/s to {SERVER_CLIENTS} client threads"
        )
        single, writer, memory = measure_single(site, redis, keys, workdir, settings)
        report(workers_line(single, count, None))
        report(writer_line(writer, single.page_messages))
        for line in run_memory_lines(single, memory):
            report(line)
        double = run_workers(2, site, redis, keys, workdir / "2-workers", settings)
        report(workers_line(double, count, single))
        report(footprint_line(synthetic_footprint(redis, keys, SYNTHETIC_URLS), redis.version))
