"""The whole pipeline against what a user would run instead: what ``scrapy
throughput_benchmark FOLDER [FOLDER ...] N [N ...]`` runs.

For each ``N`` it builds a corpus of ``N`` saved pages in a temporary folder, from the HTML
pages of the folders (``*.html`` or ``*.html.gz`` anywhere under them, such as a benchmark's
``html/``) repeated under distinct names, each copy given a sentence of its own, then times,
one after the other on the same files:

(a) a plain single-process loop reading each file and calling ``trafilatura.extract`` on its
    bytes, in this process, with trafilatura already imported;
(b) ``trafilatura --input-dir CORPUS --output-dir OUT --parallel <cores>``: what a user would
    run instead to turn a folder of pages into text, the whole command;
(c) ``scrapy crawl files`` over the folder into a fresh database, as a user would run it:
    the wall time of the whole command, start-up, extraction in worker processes, the
    archive and SQLite writes included.

It prints pages per second and CPU-seconds of each (the commands' summed over their
processes), the ratios of wall times (c)/(b) and (c)/(a), the crawl's peak memory (the
resident set of its main process, the kernel's high-water mark, and the proportional set size
of the crawl with its fork server and extraction workers, sampled every 50 ms: memory shared
between them, such as the language model, is counted once), and where the crawl's CPU time
went: milliseconds per page of each stage, in the crawl's process and in the workers, from
the stage clocks the crawl keeps in its stats (:mod:`pipelines.cpu_clock`), with what no
stage clock covers (Scrapy's engine, the hand-over of pages to the workers, start-up) as
"other". With several ``N``, it also prints how much the peaks grew from the first ``N`` to
each other.

``--repeat K`` runs (a), (b) and (c) K times, taking turns, and reports the median of each, as
shared machines are noisy.

Each copy of a page names itself at a distinct URL (``?copy=K`` added to its canonical URL
wherever the page states it, after the first copy) and carries its own sentence at the start
of the page's longest paragraph, so that every file is a distinct article, written to the
database by the crawl and to a file of its own by trafilatura, as in a real archive. Settings
given with ``-s`` go to the crawl.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

import trafilatura
from scrapy.utils.conf import closest_scrapy_cfg

from pipelines.cpu_clock import CRAWL_PREFIX, WORKER_PREFIX
from pipelines.extraction.decoding import decode_body
from pipelines.extraction.html import extract_html
from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.result import NotArticle

SAMPLE_SECONDS = 0.05
STAGE_PREFIXES = (CRAWL_PREFIX, WORKER_PREFIX)
MIB = 1024 * 1024


@dataclass(frozen=True)
class SourcePage:
    """A page to copy into the corpus: its name, raw bytes and the canonical URL it states."""

    name: str
    raw: bytes
    canonical: bytes | None


def source_pages(folders: list[Path]) -> list[SourcePage]:
    """The HTML pages under ``folders``, in name order within each, with their canonical
    URLs."""
    pages = []
    for folder in folders:
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


PARAGRAPH = re.compile(rb"<p(?:\s[^>]*)?>(.*?)</p>", re.IGNORECASE | re.DOTALL)


def _own_sentence(raw: bytes, sentence: bytes) -> bytes:
    """``raw`` with ``sentence`` at the start of its longest paragraph (or a paragraph of its
    own at the end of the page when it has none)."""
    longest = max(PARAGRAPH.finditer(raw), key=lambda match: len(match[1]), default=None)
    if longest is None:
        return raw + b"<p>" + sentence + b"</p>"
    at = longest.start(1)
    return raw[:at] + sentence + b" " + raw[at:]


def distinct_copy(page: SourcePage, copy: int) -> bytes:
    """Copy number ``copy`` of a page: a sentence of its own, and a URL of its own after the
    first."""
    sentence = b"This is copy %d of the page %s, with a sentence of its own." % (
        copy,
        page.name.encode(),
    )
    raw = _own_sentence(page.raw, sentence)
    if copy == 0 or page.canonical is None:
        return raw
    joiner = b"&amp;" if b"?" in page.canonical else b"?"
    # Only whole occurrences: the canonical URL followed by a delimiter, not a longer URL.
    pattern = re.escape(page.canonical) + rb"(?=[\"'\s<])"
    return re.sub(pattern, page.canonical + joiner + b"copy=%d" % copy, raw)


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


def plain_loop(paths: list[Path]) -> tuple[float, float]:
    """Seconds, wall and CPU, a single-process ``trafilatura.extract`` loop takes over the
    files."""
    started, started_cpu = time.perf_counter(), time.process_time()
    for path in paths:
        trafilatura.extract(path.read_bytes())
    return time.perf_counter() - started, time.process_time() - started_cpu


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
        """CPU seconds of the whole tree."""
        return sum(self._cpu.values())

    @property
    def main_cpu_seconds(self) -> float:
        """CPU seconds of the process itself, without its descendants."""
        return self._cpu.get(self.process.pid, 0.0)

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
class CommandRun:
    """What a command took: wall seconds, CPU seconds of its whole process tree and of its
    main process, and peak memory (MiB)."""

    seconds: float
    cpu_seconds: float
    main_cpu_seconds: float
    main_peak_mib: float
    tree_peak_mib: float


def run_measured(command: list[str], cwd: Path | None = None) -> CommandRun:
    """Run ``command`` to its end, measuring it.

    :raises RuntimeError: when it exits with another status than 0.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL)
    sampler = TreeSampler(process)
    sampler.start()
    returncode = process.wait()
    seconds = time.perf_counter() - started
    sampler.join()
    if returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... exited with status {returncode}")
    return CommandRun(
        seconds,
        sampler.cpu_seconds,
        sampler.main_cpu_seconds,
        sampler.main_peak_kib / 1024,
        sampler.tree_peak_kib / 1024,
    )


def trafilatura_folder(corpus: Path, output: Path) -> CommandRun:
    """Run ``trafilatura --input-dir corpus --output-dir output --parallel <cores>``."""
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-c", "from trafilatura.cli import main; main()"]
    command += ["--input-dir", str(corpus), "--output-dir", str(output)]
    command += ["--parallel", str(os.cpu_count() or 1)]
    return run_measured(command)


@dataclass(frozen=True)
class CrawlRun:
    """What ``scrapy crawl files`` took, what it stored, and its stage clocks' figures
    (``cpu_us/...`` stats, microseconds)."""

    run: CommandRun
    fetches: int
    articles: int
    stage_microseconds: dict[str, int]


def crawl_files(corpus: Path, database: Path, settings: list[str]) -> CrawlRun:
    """Run ``scrapy crawl files`` over ``corpus`` into ``database``, measuring it."""
    command = [sys.executable, "-m", "scrapy", "crawl", "files", "-a", f"path={corpus}"]
    command += ["-s", f"SQLITE_PATH={database}", "-s", "LOG_LEVEL=WARNING"]
    for setting in settings:
        command += ["-s", setting]
    run = run_measured(command, cwd=Path(closest_scrapy_cfg()).parent)
    with sqlite3.connect(database) as connection:
        fetches = connection.execute("SELECT count(*) FROM fetches").fetchone()[0]
        articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        stats = json.loads(connection.execute("SELECT stats FROM crawls").fetchone()[0])
    connection.close()
    stages = {key: value for key, value in stats.items() if key.startswith(STAGE_PREFIXES)}
    return CrawlRun(run, fetches, articles, stages)


def _median_run(runs: list[CommandRun]) -> CommandRun:
    medians = (statistics.median(getattr(run, f.name) for run in runs) for f in fields(CommandRun))
    return CommandRun(*medians)


def stage_profile(crawls: list[CrawlRun], count: int) -> list[str]:
    """The printed profile: CPU milliseconds per page of each stage, in the crawl's process and
    in the workers (medians over the runs), and what no stage clock covers in each."""
    lines = ["  CPU per page, by stage (ms; the crawl's stage clocks, pipelines.cpu_clock):"]
    measured = {
        CRAWL_PREFIX: statistics.median(c.run.main_cpu_seconds for c in crawls),
        WORKER_PREFIX: statistics.median(
            c.run.cpu_seconds - c.run.main_cpu_seconds for c in crawls
        ),
    }
    places = ((CRAWL_PREFIX, "crawl process"), (WORKER_PREFIX, "workers and fork server"))
    for prefix, where in places:
        names = sorted({k for c in crawls for k in c.stage_microseconds if k.startswith(prefix)})
        figures = {
            name.removeprefix(prefix): statistics.median(
                c.stage_microseconds.get(name, 0) for c in crawls
            )
            / 1000
            / count
            for name in names
        }
        total = measured[prefix] * 1000 / count
        other = total - sum(figures.values())
        lines.append(f"    {where}: {total:.2f} ms per page in all")
        for name, milliseconds in sorted(figures.items(), key=lambda item: -item[1]):
            lines.append(f"      {name:<22} {milliseconds:6.2f}")
        lines.append(f"      {'other':<22} {other:6.2f}")
    return lines


def measure(
    pages: list[SourcePage], count: int, workdir: Path, settings: list[str], repeat: int
) -> CommandRun:
    """Build a corpus of ``count`` pages, time the three contenders on it ``repeat`` times,
    taking turns, and print the medians; returns the crawl's."""
    corpus = workdir / f"corpus-{count}"
    paths = build_corpus(pages, count, corpus)
    loops, folders, crawls = [], [], []
    for turn in range(repeat):
        loops.append(plain_loop(paths))
        folders.append(trafilatura_folder(corpus, workdir / f"trafilatura-{count}"))
        database = workdir / f"news-{count}-{turn}.db"
        crawls.append(crawl_files(corpus, database, settings))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(database.parent / "warc", ignore_errors=True)
    loop_seconds = statistics.median(wall for wall, _ in loops)
    loop_cpu = statistics.median(cpu for _, cpu in loops)
    folder = _median_run(folders)
    crawl = _median_run([c.run for c in crawls])
    cores = os.cpu_count()
    runs = f" (median of {repeat} turns)" if repeat > 1 else ""
    lines = [
        f"N = {count}{runs}",
        f"  (a) plain trafilatura.extract loop:  {loop_seconds:6.2f} s,"
        f" {count / loop_seconds:6.1f} pages/s, {loop_cpu:6.1f} CPU-seconds",
        f"  (b) trafilatura --parallel {cores}:       {folder.seconds:6.2f} s,"
        f" {count / folder.seconds:6.1f} pages/s, {folder.cpu_seconds:6.1f} CPU-seconds",
        f"  (c) scrapy crawl files:              {crawl.seconds:6.2f} s,"
        f" {count / crawl.seconds:6.1f} pages/s, {crawl.cpu_seconds:6.1f} CPU-seconds"
        f" ({crawls[-1].fetches} fetches, {crawls[-1].articles} articles stored)",
        f"  wall time (c)/(b): {crawl.seconds / folder.seconds:.2f}"
        f"   (c)/(a): {crawl.seconds / loop_seconds:.2f}",
        f"  crawl peak memory: main process {crawl.main_peak_mib:.0f} MiB RSS,"
        f" with fork server and extraction workers {crawl.tree_peak_mib:.0f} MiB PSS",
        *stage_profile(crawls, count),
    ]
    print("\n".join(lines))
    sys.stdout.flush()
    return crawl
