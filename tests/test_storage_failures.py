"""A full disk: what could not be stored is counted and said, the crawl stops early and exits
6, and no empty WARC file is left (``crawler/storage.py``).

Each test mounts a small tmpfs (it skips without root) and crawls a site on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import SEEDS, crawl
from tests.newssite import NewsSite
from tests.test_news_resume import write_site
from tests.test_news_spider import FAST

STORIES = 150


@contextmanager
def small_disk(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (the test skips when it cannot mount one)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr!r}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsSite]:
    with NewsSite(write_site(tmp_path_factory.mktemp("site") / "site", STORIES)) as served:
        yield served


def crawl_row(db_path: Path) -> dict[str, object]:
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    row = dict(connection.execute("select * from crawls order by id desc limit 1").fetchone())
    connection.close()
    return row


def test_a_full_warc_disk_stops_the_crawl_exits_6_and_leaves_no_empty_file(
    site: NewsSite, tmp_path: Path
) -> None:
    db_path = tmp_path / "news.db"
    with small_disk(tmp_path / "warc", "64k") as warc_dir:
        result = crawl(
            db_path,
            "news",
            f"start={site.url}/sitemap.xml",
            check=False,
            WARC_DIR=warc_dir,
            CONCURRENT_REQUESTS_PER_DOMAIN=4,
            **{
                name: value
                for name, value in FAST.items()
                if name != "CONCURRENT_REQUESTS_PER_DOMAIN"
            },
        )
        assert result.returncode == 6, result.stderr[-3000:]
        log = result.stderr
        assert log.count("Stopping the crawl: cannot write to the warc: [Errno 28]") == 1
        assert "[crawler.summary] ERROR: Exit status 6 (storage_failed)" in log
        assert "  storage: " in log and "writes failed (warc " in log
        files = sorted(warc_dir.iterdir())
        assert files, "the records written before the disk filled are kept"
        for file in files:
            assert file.stat().st_size > 0, f"{file.name} is empty"
            with file.open("rb") as stream:
                kinds = [record.rec_type for record in ArchiveIterator(stream)]
            assert kinds[0] == "warcinfo" and "response" in kinds[1:], file.name
        row = crawl_row(db_path)
        stats = json.loads(str(row["stats"]))
        assert row["exit_status"] == 6 and row["exit_reason"] == "storage_failed"
        assert row["finish_reason"] == "storage_failed"
        assert row["storage_failures"] == stats["storage/failed/warc"] > 0
        with sqlite3.connect(db_path) as db:
            fetched = db.execute("select count(*) from fetches where uri like '%/story/%'")
            assert fetched.fetchone()[0] < STORIES, "the crawl stopped early"
            unarchived = db.execute(
                "select count(*) from fetches where status = 200 and warc_file is null"
            ).fetchone()[0]
        assert unarchived == stats["warc/write_failed"]


def test_a_full_database_disk_counts_what_was_not_stored_and_exits_6(
    site: NewsSite, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "600k") as disk:
        db_path = disk / "news.db"
        result = crawl(
            db_path,
            "news",
            f"start={site.url}/sitemap.xml",
            check=False,
            WARC_ENABLED=False,
            SQLITE_BATCH_SIZE=10,
            **FAST,
        )
        assert result.returncode == 6, result.stderr[-3000:]
        log = result.stderr
        stops = [line for line in log.splitlines() if "Stopping the crawl: cannot write" in line]
        assert len(stops) == 1 and stops[0].endswith(": database or disk is full"), stops
        assert "[crawler.summary] ERROR: Exit status 6 (storage_failed)" in log
        summary = next(line for line in log.splitlines() if "  articles: " in line)
        new = int(summary.split("articles: ")[1].split(" new")[0])
        failed = next(line for line in log.splitlines() if "  failed: " in line)
        assert "not_stored" in failed
        with sqlite3.connect(db_path) as db:
            stored = db.execute("select count(*) from articles").fetchone()[0]
        assert new == stored, "the summary counts only the articles stored"


def test_a_database_on_a_full_disk_before_the_start_exits_6_and_says_6(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "16k") as disk:
        (disk / "filler").write_bytes(b"\0" * 16 * 1024)
        result = crawl(disk / "news.db", "files", f"path={SEEDS}", check=False)
    assert result.returncode == 6, result.stderr[-3000:]
    assert "Cannot write to the database" in result.stderr
    statuses = [line for line in result.stderr.splitlines() if "Exit status" in line]
    assert statuses and all("Exit status 6 (storage_failed)" in line for line in statuses)


def test_pages_left_unarchived_are_archived_again_on_their_next_fetch(
    site: NewsSite, tmp_path: Path
) -> None:
    db_path = tmp_path / "news.db"
    settings = {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 4}
    with small_disk(tmp_path / "full", "64k") as full:
        first = crawl(
            db_path, "news", f"start={site.url}/sitemap.xml", check=False, WARC_DIR=full, **settings
        )
    assert first.returncode == 6, first.stderr[-3000:]
    unarchived = (
        "select count(*) from articles a join fetches f on f.id = a.fetch_id"
        " where f.warc_file is null"
    )
    with sqlite3.connect(db_path) as db:
        assert db.execute(unarchived).fetchone()[0] > 0, "the full disk left pages unarchived"
    db.close()

    again = crawl(
        db_path, "news", f"start={site.url}/sitemap.xml", WARC_DIR=tmp_path / "warc", **settings
    )
    assert "Exit status 0 (ok)" in again.stderr
    with sqlite3.connect(db_path) as db:
        assert db.execute(unarchived).fetchone()[0] == 0, "every article's bytes are archived"
        assert db.execute("select count(*) from articles").fetchone()[0] == STORIES
        stats = json.loads(
            db.execute("select stats from crawls order by id desc limit 1").fetchone()[0]
        )
    db.close()
    assert stats["revisit/unarchived"] > 0
