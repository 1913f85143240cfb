"""Shared fixtures: the repository's paths, real crawls run as users run them, real databases."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen

import pytest
import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

import crawler.settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
SEED_CAPTURES = sorted(SEEDS.glob("0*.txt"))
"""The five sample text captures, of one story."""
SEED_PAGES = sorted(SEEDS.glob("1*.html"))
"""The five sample HTML pages, of two stories (``docs/seeds.md``)."""
BENCHMARKS = ROOT.parent / "shared" / "benchmarks"
"""The benchmark pages some tests measure on: not in the repository, but beside it."""
DEV = BENCHMARKS / "article-extraction-benchmark-dev"
FUNDUS = BENCHMARKS / "fundus-dev"


def needs(*folders: Path) -> pytest.MarkDecorator:
    """Marks a test that needs the benchmark ``folders``: without them it is skipped, and the
    reason says where they are looked for and how to get them."""
    return pytest.mark.skipif(
        not all(folder.is_dir() for folder in folders),
        reason=f"needs the benchmark pages in {', '.join(map(str, folders))}: put the team's"
        " shared/ folder beside the clone, as docs/development.md#benchmark-pages says",
    )


needs_benchmark = needs(DEV)


def crawl_command(db_path: Path, spider: str, *arguments: str, **settings: object) -> list[str]:
    """``scrapy crawl <spider> -a ARG ... -s NAME=VALUE ...``, writing to ``db_path``."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    for argument in arguments:
        command += ["-a", argument]
    for name, value in {"SQLITE_PATH": db_path, "EXTRACT_WORKERS": 2, **settings}.items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl(
    db_path: Path, spider: str, *arguments: str, check: bool = True, **settings: object
) -> subprocess.CompletedProcess[str]:
    """Run :func:`crawl_command` from the project folder: the command users run."""
    command = crawl_command(db_path, spider, *arguments, **settings)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"crawl failed ({result.returncode}):\n{result.stderr[-5000:]}")
    return result


def start_crawl(db_path: Path, spider: str, *arguments: str, **settings: object) -> Popen[str]:
    """Start :func:`crawl_command` in the background, in a session of its own, so that a
    signal to its process group reaches the extraction workers too, as Ctrl-C in a
    terminal does."""
    return subprocess.Popen(
        crawl_command(db_path, spider, *arguments, **settings),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def count(db_path: Path, sql: str) -> int:
    """The number a ``select count(*)`` query gives, or 0 while the database is not there yet."""
    try:
        with sqlite3.connect(db_path) as connection:
            return int(connection.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def project_crawler(**overrides: object) -> Crawler:
    """A crawler with this project's settings (and ``overrides``), for testing one component."""
    settings = {name: value for name, value in vars(crawler.settings).items() if name.isupper()}
    return get_crawler(settings_dict={**settings, **overrides})


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


@pytest.fixture(scope="session")
def seeds_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built by crawling the bundled seeds once, shared by read-only tests."""
    path = tmp_path_factory.mktemp("seeds") / "news.db"
    crawl(path, "files", f"path={SEEDS}")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def datasette(seeds_db: Path) -> Iterator[str]:
    """``datasette <folder>`` on 127.0.0.1, as the README runs it: the folder holds the seeds
    database (``news.db``) and the project's configuration from ``data/`` (``metadata.yml``,
    ``settings.json``, ``plugins/``). Yields the base URL."""
    with serve_datasette(seeds_db.parent) as base:
        yield base


@contextmanager
def serve_datasette(folder: Path) -> Iterator[str]:
    """Serve ``folder`` (which holds a ``news.db``) with ``datasette <folder>`` on 127.0.0.1,
    with the project's configuration from ``data/`` copied into it (``metadata.yml``,
    ``settings.json``, ``corpus.yml``, ``plugins/``, ``templates/``). Yields the base URL."""
    for name in ("metadata.yml", "settings.json", "corpus.yml"):
        shutil.copy(ROOT / "data" / name, folder / name)
    for name in ("plugins", "templates"):
        shutil.copytree(ROOT / "data" / name, folder / name, dirs_exist_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "datasette", str(folder), "-h", "127.0.0.1", "-p", str(port)]
    with running_datasette(command, port) as base:
        yield base


@contextmanager
def running_datasette(command: list[str], port: int) -> Iterator[str]:
    """Run ``command``, a Datasette server on 127.0.0.1 and ``port``, until it answers, and
    stop it afterwards. Yields the base URL."""
    # Its log goes to a file: a pipe nobody reads would fill up and stop the server.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"{base}/-/versions.json", timeout=5).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        message = f"datasette did not start: {log.read()!r}"
                        raise RuntimeError(message) from None
                    time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture
def read_db() -> Iterator[type[sqlite_utils.Database]]:
    """Open databases for reading; each handle is closed after the test."""
    handles: list[sqlite_utils.Database] = []

    def opener(path: Path) -> sqlite_utils.Database:
        handles.append(sqlite_utils.Database(path))
        return handles[-1]

    yield opener  # type: ignore[misc]
    for handle in handles:
        handle.close()
