"""The whole pipeline against a plain loop: what ``scrapy throughput_benchmark FOLDER N [N ...]``
runs.

For each ``N`` it builds a corpus of ``N`` saved pages in a temporary folder, from the HTML
pages of ``FOLDER`` (``*.html`` or ``*.html.gz`` anywhere under it, such as a benchmark's
``html/``) repeated under distinct names, then times, one after the other on the same files:

(a) a plain single-process loop reading each file and calling ``trafilatura.extract`` on its
    bytes, in this process, with trafilatura already imported;
(b) ``scrapy crawl files`` over the folder into a fresh database, as a user would run it:
    the wall time of the whole command, start-up, extraction in worker processes and SQLite
    writes included;
(c) the loop's work alone in a pool of as many processes as there are cores, forked from
    this process: the floor for any pipeline that runs trafilatura in worker processes, to
    read (b) against.

It prints pages per second and CPU-seconds of (a) and (b) (the crawl's summed over its
processes), the ratios (b)/(a) and (c)/(a) of wall times, and the crawl's peak
memory: the resident set of its main process (the kernel's high-water mark), and the
proportional set size of the crawl with its fork server and extraction workers (PSS: memory
shared between them, such as the language model, is counted once), sampled every 50 ms. With
several ``N``, it also prints how much the peaks grew from the first ``N`` to each other.

``--repeat K`` runs (a), (b) and (c) K times, taking turns, and reports the median of each, as
shared machines are noisy.

Each copy of a page after the first names itself at a distinct URL (``?copy=K`` added to its
canonical URL wherever the page states it), so every file is a distinct article and is
written to the database, as in a real archive. Settings given with ``-s`` go to the crawl.
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from scrapy.utils.conf import closest_scrapy_cfg

from pipelines.extraction.decoding import decode_body
from pipelines.extraction.html import extract_html
from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.result import NotArticle

SAMPLE_SECONDS = 0.05
MIB = 1024 * 1024


@dataclass(frozen=True)
class SourcePage:
    """A page to copy into the corpus: its name, raw bytes and the canonical URL it states."""

    name: str
    raw: bytes
    canonical: bytes | None


def source_pages(folder: Path) -> list[SourcePage]:
    """The HTML pages under ``folder``, in name order, with their canonical URLs."""
    pages = []
    for path in sorted([*folder.rglob("*.html"), *folder.rglob("*.html.gz")]):
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        html, _ = decode_body(raw, None, html=True)
        try:
            url = extract_html(html, None, HtmlExtractionOptions("balanced", True)).url
        except NotArticle:
            url = None
        canonical = url.encode() if url and url.encode() in raw else None
        pages.append(SourcePage(path.name.split(".")[0], raw, canonical))
    return pages


def distinct_copy(page: SourcePage, copy: int) -> bytes:
    """Copy number ``copy`` of a page: the same bytes, at a URL of its own after the first."""
    if copy == 0 or page.canonical is None:
        return page.raw
    joiner = b"&amp;" if b"?" in page.canonical else b"?"
    # Only whole occurrences: the canonical URL followed by a delimiter, not a longer URL.
    pattern = re.escape(page.canonical) + rb"(?=[\"'\s<])"
    return re.sub(pattern, page.canonical + joiner + b"copy=%d" % copy, page.raw)


def build_corpus(pages: list[SourcePage], count: int, folder: Path) -> list[Path]:
    """Write ``count`` pages into ``folder``: the source pages over and over, each named apart."""
    folder.mkdir(parents=True)
    paths = []
    for number in range(count):
        page = pages[number % len(pages)]
        copy = number // len(pages)
        path = folder / f"{copy:05d}-{page.name}.html"
        path.write_bytes(distinct_copy(page, copy))
        paths.append(path)
    return paths


def _extract_file(path: Path) -> None:
    """The loop's work on one file."""
    trafilatura.extract(path.read_bytes())


def plain_loop(paths: list[Path]) -> tuple[float, float]:
    """Seconds, wall and CPU, a single-process ``trafilatura.extract`` loop takes over the
    files."""
    started, started_cpu = time.perf_counter(), time.process_time()
    for path in paths:
        _extract_file(path)
    return time.perf_counter() - started, time.process_time() - started_cpu


def pool_loop(paths: list[Path]) -> float:
    """Wall seconds the plain loop's work takes in a pool of one process per core, forked from
    this process (trafilatura already imported), with nothing else."""
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        for _ in pool.imap_unordered(_extract_file, paths, chunksize=4):
            pass
    return time.perf_counter() - started


def process_cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of process ``pid`` so far, from ``/proc/<pid>/stat``;
    ``None`` once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def field_kib(path: str, field: str) -> int:
    """A ``Name:  123 kB`` field of a ``/proc`` file, in KiB; 0 once the process is gone."""
    try:
        with open(path, encoding="ascii") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                found.extend(int(child) for child in children.read().split())
    except OSError:
        pass
    return found


def process_tree(pid: int) -> Iterator[int]:
    """``pid`` and all its descendants (Linux ``/proc``)."""
    pending = [pid]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(_children(current))


class TreeSampler(threading.Thread):
    """Samples the memory and CPU time of a process tree until the process ends.

    CPU time is each process's last reading, so up to one sample period of a process's
    last moments is missed.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        super().__init__(daemon=True)
        self.process = process
        self.main_peak_kib = 0
        self.tree_peak_kib = 0
        self._cpu: dict[int, float] = {}

    @property
    def cpu_seconds(self) -> float:
        return sum(self._cpu.values())

    def run(self) -> None:
        pid = self.process.pid
        while self.process.poll() is None:
            tree = list(process_tree(pid))
            pss = sum(field_kib(f"/proc/{p}/smaps_rollup", "Pss") for p in tree)
            self.tree_peak_kib = max(self.tree_peak_kib, pss)
            self.main_peak_kib = max(self.main_peak_kib, field_kib(f"/proc/{pid}/status", "VmHWM"))
            for member in tree:
                if (seconds := process_cpu_seconds(member)) is not None:
                    self._cpu[member] = seconds
            time.sleep(SAMPLE_SECONDS)


@dataclass(frozen=True)
class CrawlRun:
    """What ``scrapy crawl files`` took (seconds, peak MiB) and stored."""

    seconds: float
    cpu_seconds: float
    main_peak_mib: float
    tree_peak_mib: float
    fetches: int
    articles: int


def crawl_files(corpus: Path, database: Path, settings: list[str]) -> CrawlRun:
    """Run ``scrapy crawl files`` over ``corpus`` into ``database``, measuring it."""
    command = [sys.executable, "-m", "scrapy", "crawl", "files", "-a", f"path={corpus}"]
    command += ["-s", f"SQLITE_PATH={database}", "-s", "LOG_LEVEL=WARNING"]
    for setting in settings:
        command += ["-s", setting]
    project = Path(closest_scrapy_cfg()).parent
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL)
    sampler = TreeSampler(process)
    sampler.start()
    returncode = process.wait()
    seconds = time.perf_counter() - started
    sampler.join()
    if returncode != 0:
        raise RuntimeError(f"the crawl exited with status {returncode}")
    with sqlite3.connect(database) as connection:
        fetches = connection.execute("SELECT count(*) FROM fetches").fetchone()[0]
        articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    connection.close()
    return CrawlRun(
        seconds,
        sampler.cpu_seconds,
        sampler.main_peak_kib / 1024,
        sampler.tree_peak_kib / 1024,
        fetches,
        articles,
    )


def measure(
    pages: list[SourcePage], count: int, workdir: Path, settings: list[str], repeat: int
) -> CrawlRun:
    """Build a corpus of ``count`` pages, time both contenders on it ``repeat`` times, taking
    turns, and print the medians."""
    corpus = workdir / f"corpus-{count}"
    paths = build_corpus(pages, count, corpus)
    loops, crawls, pools = [], [], []
    for turn in range(repeat):
        loops.append(plain_loop(paths))
        database = workdir / f"news-{count}-{turn}.db"
        crawls.append(crawl_files(corpus, database, settings))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        pools.append(pool_loop(paths))
    loop_seconds = statistics.median(wall for wall, _ in loops)
    pool_seconds = statistics.median(pools)
    loop_cpu = statistics.median(cpu for _, cpu in loops)
    crawl = CrawlRun(
        statistics.median(c.seconds for c in crawls),
        statistics.median(c.cpu_seconds for c in crawls),
        statistics.median(c.main_peak_mib for c in crawls),
        statistics.median(c.tree_peak_mib for c in crawls),
        crawls[-1].fetches,
        crawls[-1].articles,
    )
    runs = f" (median of {repeat} turns)" if repeat > 1 else ""
    print(f"N = {count}{runs}")
    print(
        f"  (a) plain trafilatura.extract loop: {loop_seconds:.2f} s,"
        f" {count / loop_seconds:.1f} pages/s, {loop_cpu:.1f} CPU-seconds"
    )
    print(
        f"  (b) scrapy crawl files:             {crawl.seconds:.2f} s,"
        f" {count / crawl.seconds:.1f} pages/s"
        f", {crawl.cpu_seconds:.1f} CPU-seconds"
        f" ({crawl.fetches} fetches, {crawl.articles} articles stored)"
    )
    print(f"  wall time (b)/(a): {crawl.seconds / loop_seconds:.2f}")
    print(
        f"  (c) the loop's work alone in a pool of {os.cpu_count()} processes:"
        f" {pool_seconds:.2f} s, (c)/(a): {pool_seconds / loop_seconds:.2f}"
    )
    print(
        f"  crawl peak memory: main process {crawl.main_peak_mib:.0f} MiB RSS,"
        f" with fork server and extraction workers {crawl.tree_peak_mib:.0f} MiB PSS"
    )
    sys.stdout.flush()
    return crawl
