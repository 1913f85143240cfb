"""A CC-NEWS-like archive on 127.0.0.1, and the ``ccnews`` spider's throughput on it: what
``scrapy ccnews_benchmark FOLDER N`` runs (the tests serve their archive with it too).

:func:`write_archive` lays out ``crawl-data/CC-NEWS/YYYY/MM/``: a ``warc.paths.gz`` listing
its WARC files, each written with warcio as Common Crawl writes them (a ``warcinfo`` record,
then a ``request`` and a ``response`` record per page, one gzip member each).
:class:`ArchiveServer` serves the folder from a thread of this process, answering range
requests (``Range: bytes=A-B``, ``206 Partial Content``), optionally slowly.

The benchmark writes one WARC file of ``N`` records from the HTML pages of ``FOLDER`` (each
page at a URL of its own), serves it, and in the same run times, on that file:

- the baseline: a plain loop, reading the file over HTTP with warcio and extracting each
  record with ``trafilatura.bare_extraction``, in one process;
- ``scrapy crawl ccnews -a paths=...`` as one process of its own, into a fresh database;
- two cluster workers on a copy of the file split in two (one file each), with a writer, on a
  redis-server of the benchmark's own (``crawler/benchmarks/cluster.py``).

Pages per second are records read over the wall time (each process's start-up included, and
for cluster workers their ``REDIS_IDLE_CLOSE`` of 1 s at the end); peak memory is the largest
proportional set size (``/proc``) of a crawl's process tree (its extraction processes
included), and of all of them together, sampled every :data:`SAMPLE_SECONDS`.
"""

from __future__ import annotations

import gzip
import io
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import Popen
from types import TracebackType

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.benchmarks.cluster import RedisServer, project_folder
from crawler.benchmarks.throughput import (
    SourcePage,
    distinct_copy,
    field_kib,
    process_cpu_seconds,
    process_tree,
)
from pipelines.redis_queue import PAGES_KEY
from pipelines.writer import IN_HAND_KEY

MIB = 1024 * 1024
SAMPLE_SECONDS = 0.05
CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


@dataclass(frozen=True)
class ArchivedPage:
    """One exchange to archive: the URL asked for, the answer's status line, headers and
    body, and when (``WARC-Date``, ISO-8601 UTC)."""

    url: str
    date: str
    body: bytes
    status: str = "200 OK"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)


def write_warc(path: Path, pages: Sequence[ArchivedPage]) -> None:
    """A gzipped WARC file of ``pages``, as CC-NEWS's crawler writes one."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "cleanwire"}))
        for page in pages:
            host = page.url.split("/")[2]
            request = writer.create_warc_record(
                page.url,
                "request",
                http_headers=StatusAndHeaders(
                    f"GET /{page.url.split('/', 3)[-1]} HTTP/1.1",
                    [("Host", host)],
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": page.date},
            )
            writer.write_record(request)
            headers = [*page.headers, ("Content-Length", str(len(page.body)))]
            response = writer.create_warc_record(
                page.url,
                "response",
                payload=io.BytesIO(page.body),
                http_headers=StatusAndHeaders(page.status, headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": page.date},
            )
            writer.write_record(response)


def month_folder(root: Path, month: str) -> Path:
    """``root/crawl-data/CC-NEWS/YYYY/MM`` for ``month`` (``YYYY/MM``)."""
    return root / "crawl-data" / "CC-NEWS" / month


def write_archive(root: Path, month: str, files: dict[str, Sequence[ArchivedPage]]) -> list[str]:
    """A month of CC-NEWS under ``root``: one WARC file per entry of ``files`` (by name), and
    the ``warc.paths.gz`` listing them; the paths it lists."""
    folder = month_folder(root, month)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, pages in files.items():
        write_warc(folder / name, pages)
        paths.append(f"crawl-data/CC-NEWS/{month}/{name}")
    (folder / "warc.paths.gz").write_bytes(gzip.compress("".join(f"{p}\n" for p in paths).encode()))
    return paths


class ArchiveServer(ThreadingHTTPServer):
    """Serves the files under ``root`` on 127.0.0.1, with range requests.

    :param chunk_delay: seconds to wait after each ``chunk`` bytes sent (a slow link).
    """

    daemon_threads = True

    def __init__(self, root: Path, chunk_delay: float = 0.0, chunk: int = CHUNK) -> None:
        super().__init__(("127.0.0.1", 0), ArchiveHandler)
        self.root = root.resolve()
        self.chunk_delay = chunk_delay
        self.chunk = chunk
        self.requests: list[tuple[str, str | None]] = []
        """Each request's path and ``Range`` header."""
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()

    def __enter__(self) -> ArchiveServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class ArchiveHandler(BaseHTTPRequestHandler):
    """A file under the server's root, whole (200) or the range asked for (206); else 404."""

    protocol_version = "HTTP/1.1"
    server: ArchiveServer

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Range")))
        file = (self.server.root / self.path.lstrip("/")).resolve()
        if not file.is_relative_to(self.server.root) or not file.is_file():
            self.send_error(404)
            return
        size = file.stat().st_size
        start, end = 0, size - 1
        wanted = RANGE.match(self.headers.get("Range") or "")
        if wanted:
            start = int(wanted[1])
            end = min(int(wanted[2]) if wanted[2] else size - 1, size - 1)
            if start > end:
                self.send_error(416)
                return
        self.send_response(206 if wanted else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if wanted:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        with file.open("rb") as stream:
            stream.seek(start)
            left = end - start + 1
            while left > 0:
                chunk = stream.read(min(self.server.chunk, left))
                try:
                    self.wfile.write(chunk)
                except ConnectionError:
                    return  # the reader hung up (a crawl killed, or stopped at its limit)
                left -= len(chunk)
                if self.server.chunk_delay:
                    time.sleep(self.server.chunk_delay)

    def log_message(self, format: str, *args: object) -> None:
        """Nothing."""


BENCHMARK_MONTH = "2026/11"
BENCHMARK_DATE = "2026-11-01T06:00:00Z"
WHOLE_FILE = "CC-NEWS-20261101000000-00000.warc.gz"
HALF_FILES = ("CC-NEWS-20261101000000-00001.warc.gz", "CC-NEWS-20261101120000-00002.warc.gz")
WORKER_SETTINGS = ("REDIS_IDLE_CLOSE=1", "LOG_LEVEL=WARNING")
WRITER_IDLE_EXIT = 2
"""Seconds of an empty queue after which the benchmark's writer ends."""


def benchmark_pages(pages: Sequence[SourcePage], count: int) -> list[ArchivedPage]:
    """``count`` records of the source pages over and over, each at a URL of its own (and a
    canonical URL of its own after the first copy), on twenty sites."""
    return [
        ArchivedPage(
            f"https://news{number % 20}.example/{number:05d}-{page.name}",
            BENCHMARK_DATE,
            distinct_copy(page, number // len(pages)),
        )
        for number, page in ((n, pages[n % len(pages)]) for n in range(count))
    ]


def write_lists(root: Path, records: Sequence[ArchivedPage]) -> tuple[str, str]:
    """The benchmark's archive under ``root``: the records in one file, listed by
    ``whole.paths.gz``, and in two halves, listed by ``halves.paths.gz``; the two lists'
    paths."""
    folder = month_folder(root, BENCHMARK_MONTH)
    folder.mkdir(parents=True, exist_ok=True)
    middle = len(records) // 2
    write_warc(folder / WHOLE_FILE, records)
    write_warc(folder / HALF_FILES[0], records[:middle])
    write_warc(folder / HALF_FILES[1], records[middle:])
    lists = []
    for name, files in (("whole", (WHOLE_FILE,)), ("halves", HALF_FILES)):
        listed = "".join(f"crawl-data/CC-NEWS/{BENCHMARK_MONTH}/{file}\n" for file in files)
        (folder / f"{name}.paths.gz").write_bytes(gzip.compress(listed.encode()))
        lists.append(f"crawl-data/CC-NEWS/{BENCHMARK_MONTH}/{name}.paths.gz")
    return lists[0], lists[1]


@dataclass(frozen=True)
class Run:
    """One way of reading the file: records read, wall seconds, CPU seconds and the peak
    memory of its process trees (the largest tree, and all of them together)."""

    what: str
    records: int
    seconds: float
    cpu_seconds: float
    peak_mib: float
    total_peak_mib: float

    @property
    def pages_per_second(self) -> float:
        return self.records / self.seconds


class Sampler(threading.Thread):
    """Samples the memory and CPU time of process trees until they all end: each tree's
    proportional set size (PSS: a page shared by ``n`` processes counts ``1/n`` in each, so
    the extraction processes forked from a crawl do not count their shared pages twice)."""

    def __init__(self, processes: Sequence[Popen[bytes]]) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.peaks = [0] * len(processes)
        self.total_peak = 0
        self._cpu: dict[int, float] = {}

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def run(self) -> None:
        while any(process.poll() is None for process in self.processes):
            total = 0
            for number, process in enumerate(self.processes):
                tree = list(process_tree(process.pid))
                pss = sum(field_kib(f"/proc/{pid}/smaps_rollup", "Pss") for pid in tree)
                self.peaks[number] = max(self.peaks[number], pss)
                total += pss
                for pid in tree:
                    if (seconds := process_cpu_seconds(pid)) is not None:
                        self._cpu[pid] = seconds
            self.total_peak = max(self.total_peak, total)
            time.sleep(SAMPLE_SECONDS)


def timed(what: str, records: int, commands: Sequence[list[str]], folder: Path) -> Run:
    """Run ``commands`` at once from the project folder (logs in ``folder``), until all end."""
    started = time.perf_counter()
    processes = []
    for number, command in enumerate(commands):
        with open(folder / f"{what.replace(' ', '-')}-{number}.log", "wb") as log:
            processes.append(
                subprocess.Popen(command, cwd=project_folder(), stdout=log, stderr=log)
            )
    sampler = Sampler(processes)
    sampler.start()
    codes = [process.wait() for process in processes]
    seconds = time.perf_counter() - started
    sampler.join()
    if any(code not in (0, 3) for code in codes):
        raise RuntimeError(f"{what}: exit statuses {codes}; see the logs in {folder}")
    return Run(
        what,
        records,
        seconds,
        sampler.cpu_seconds,
        max(sampler.peaks) / 1024,
        sampler.total_peak / 1024,
    )


def crawl_command(paths: str, base: str, database: Path, settings: Sequence[str]) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "ccnews", "-a", f"paths={base}{paths}"]
    for setting in (f"CCNEWS_BASE={base}", f"SQLITE_PATH={database}", *settings):
        command += ["-s", setting]
    return command


def stored(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        found = int(connection.execute("SELECT count(*) FROM fetches").fetchone()[0])
    connection.close()
    return found


def cluster_run(
    workers: int, paths: str, records: int, base: str, folder: Path, settings: Sequence[str]
) -> tuple[Run, float]:
    """``workers`` cluster workers on the files ``paths`` lists, and a writer; the workers'
    run, and the seconds the writer took after them to store what was left in the queue."""
    run_folder = folder / f"cluster-{workers}"
    run_folder.mkdir()
    with RedisServer(run_folder / "redis") as redis:
        database = run_folder / "news.db"
        writer_command = [sys.executable, "-m", "pipelines.writer", "--redis", redis.url]
        writer_command += ["--db", str(database), "--idle-exit", str(WRITER_IDLE_EXIT)]
        with open(run_folder / "writer.log", "wb") as log:
            writer = subprocess.Popen(writer_command, cwd=project_folder(), stdout=log, stderr=log)
        cluster = [f"REDIS_URL={redis.url}", *WORKER_SETTINGS, *settings]
        commands = [
            crawl_command(paths, base, run_folder / f"worker-{number}.db", cluster)
            for number in range(workers)
        ]
        label = f"{workers} cluster worker{'s' if workers > 1 else ''}"
        run = timed(label, records, commands, run_folder)
        writer_started = time.perf_counter()
        while redis.client.llen(PAGES_KEY) or redis.client.llen(IN_HAND_KEY):
            time.sleep(SAMPLE_SECONDS)
        writer_seconds = time.perf_counter() - writer_started
        if writer.wait(timeout=600) != 0:
            raise RuntimeError(f"the writer failed: see {run_folder / 'writer.log'}")
        if stored(database) != records:
            raise RuntimeError(f"{label}: the writer stored {stored(database)} of {records}")
    return run, writer_seconds


def measure(
    pages: Sequence[SourcePage], count: int, workdir: Path, settings: Sequence[str]
) -> list[Run]:
    """Write the archive of ``count`` records into ``workdir``, serve it, and time the
    baseline, a crawl of its own and one and two cluster workers on it, printing each."""
    records = benchmark_pages(pages, count)
    whole, halves = write_lists(workdir / "archive", records)
    size = (month_folder(workdir / "archive", BENCHMARK_MONTH) / WHOLE_FILE).stat().st_size
    print(f"{count} records, a WARC file of {size / MIB:.1f} MiB", flush=True)
    runs = []
    with ArchiveServer(workdir / "archive") as server:
        base = server.url
        file_url = f"{base}crawl-data/CC-NEWS/{BENCHMARK_MONTH}/{WHOLE_FILE}"
        baseline = [sys.executable, "-m", "crawler.benchmarks.ccnews_baseline", file_url]
        runs.append(timed("warcio + trafilatura loop", count, [baseline], workdir))
        print(describe(runs[-1]), flush=True)
        database = workdir / "own.db"
        own = crawl_command(whole, base, database, ["LOG_LEVEL=WARNING", *settings])
        runs.append(timed("crawl of its own", count, [own], workdir))
        if stored(database) != count:
            raise RuntimeError(f"the crawl stored {stored(database)} of {count} records")
        print(describe(runs[-1]), flush=True)
        for workers, paths in ((1, whole), (2, halves)):
            run, writer_seconds = cluster_run(workers, paths, count, base, workdir, settings)
            runs.append(run)
            print(f"{describe(run)}; the writer done {writer_seconds:.1f} s later", flush=True)
    return runs


def describe(run: Run) -> str:
    return (
        f"{run.what}: {run.records} records in {run.seconds:.1f} s,"
        f" {run.pages_per_second:.1f} pages/s, {run.cpu_seconds:.1f} CPU s;"
        f" peak {run.peak_mib:.0f} MiB per process tree, {run.total_peak_mib:.0f} MiB in all"
    )
