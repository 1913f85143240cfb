"""Stopping when asked (``crawler/stopping.py``): after Ctrl-C, SIGTERM or the time limit no
request waiting to be sent is sent, the pages in hand are written, and the crawl exits
within seconds with its documented status."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import count, crawl, start_crawl
from tests.newssite import NewsSite
from tests.test_news_resume import STORIES, assert_consistent, wait_for_fetches, write_site

PACED = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0.5",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    "SQLITE_BATCH_SIZE": "5",
    "SQLITE_BATCH_SECONDS": "0.5",
}
"""One site read a request every 0.5 s: the downloader holds many requests queued, which
Scrapy alone would all send before it closed (14 s of them)."""
MARGIN_SECONDS = 0.5
"""A request the downloader sent just as the signal came may reach the site this late."""


ENDED_BEFORE_STOP = "the crawl ended before it could be stopped"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsSite]:
    with NewsSite(write_site(tmp_path_factory.mktemp("site") / "site")) as served:
        yield served


def last_crawl(db_path: Path) -> dict[str, object]:
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        row = dict(connection.execute("select * from crawls order by id desc limit 1").fetchone())
    connection.close()
    return row


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_sends_no_new_request_and_the_crawl_exits_within_seconds(
    site: NewsSite, tmp_path: Path, signum: int
) -> None:
    db_path = tmp_path / "news.db"
    process = start_crawl(db_path, "news", f"start={site.url}/sitemap.xml", **PACED)
    wait_for_fetches(db_path, process, 6, ENDED_BEFORE_STOP)
    signalled = time.monotonic()
    os.killpg(process.pid, signum)
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - signalled

    assert process.returncode == 5, stderr[-3000:]
    assert "Traceback" not in stderr
    assert took < 5, f"exited {took:.1f} s after the signal"
    late = [r.path for r in site.requests if r.time > signalled + MARGIN_SECONDS]
    assert not late, "no request is sent once the crawl is stopping"
    row = last_crawl(db_path)
    assert row["finish_reason"] == "shutdown" and row["exit_status"] == 5
    assert json.loads(str(row["stats"]))["stopping/not_sent"] > 0
    assert_consistent(db_path)


@pytest.mark.slow
def test_a_second_ctrl_c_leaves_the_database_whole(site: NewsSite, tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    process = start_crawl(db_path, "news", f"start={site.url}/sitemap.xml", **PACED)
    wait_for_fetches(db_path, process, 6, ENDED_BEFORE_STOP)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    process.communicate(timeout=60)
    assert_consistent(db_path)

    crawl(db_path, "news", f"start={site.url}/sitemap.xml", **{**PACED, "DOWNLOAD_DELAY": "0"})
    assert count(db_path, "select count(*) from articles") == STORIES
    assert_consistent(db_path)


@pytest.mark.slow
def test_the_time_limit_closes_the_crawl_within_seconds(site: NewsSite, tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    result = crawl(db_path, "news", f"start={site.url}/sitemap.xml", CLOSESPIDER_TIMEOUT=3, **PACED)
    row = last_crawl(db_path)
    assert row["finish_reason"] == "closespider_timeout" and row["exit_status"] == 0
    elapsed = json.loads(str(row["stats"]))["elapsed_time_seconds"]
    assert elapsed < 3 + 2, f"closed {elapsed - 3:.1f} s past the limit:\n{result.stderr[-2000:]}"
    assert count(db_path, "select count(*) from articles") < STORIES
    assert_consistent(db_path)
