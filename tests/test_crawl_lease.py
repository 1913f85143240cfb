"""One crawl at a time per database (``pipelines/lease.py``): a second crawl is refused at
once, a lease whose holder was killed is taken over, and writes begin ``IMMEDIATE``."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.items import Crawl, utc_now
from pipelines.database import NewsDatabase
from pipelines.lease import DatabaseLease, LeaseHeld
from tests.conftest import count, crawl, start_crawl
from tests.newssite import NewsSite
from tests.test_news_resume import SLOW_CRAWL, STORIES, wait_for_fetches, write_site

ENDED_TOO_SOON = "the first crawl ended too soon"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsSite]:
    with NewsSite(write_site(tmp_path_factory.mktemp("site") / "site")) as served:
        yield served


@pytest.mark.slow
def test_a_second_crawl_into_a_database_in_use_is_refused_at_once(
    site: NewsSite, db_path: Path
) -> None:
    start = f"start={site.url}/sitemap.xml"
    first = start_crawl(db_path, "news", start, **SLOW_CRAWL)
    try:
        wait_for_fetches(db_path, first, 5, ENDED_TOO_SOON)
        began = time.monotonic()
        second = crawl(db_path, "news", start, check=False, **SLOW_CRAWL)
        took = time.monotonic() - began
        assert second.returncode == 7, second.stderr[-3000:]
        refusals = [
            line for line in second.stderr.splitlines() if "Another crawl is writing" in line
        ]
        assert (
            len(refusals) == 1 and "ERROR" in refusals[0] and f"process {first.pid}" in refusals[0]
        )
        assert "Exit status 7 (database_busy)" in second.stderr
        assert "Traceback" not in second.stderr
        assert took < 30, "refused at once, without fetching"
        assert count(db_path, "select count(*) from crawls") == 1, "the refused crawl left no row"
        assert first.poll() is None, "the first crawl goes on"
        _, stderr = first.communicate(timeout=120)
        assert first.returncode == 0, stderr[-3000:]
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
    assert count(db_path, "select count(*) from articles") == STORIES
    assert count(db_path, "select count(*) from fetches where outcome = 'duplicate'") == 0
    assert count(db_path, "select count(*) from crawl_lease") == 0, "released at the end"


@pytest.mark.slow
def test_the_lease_of_a_crawl_killed_outright_is_taken_over(site: NewsSite, db_path: Path) -> None:
    start = f"start={site.url}/sitemap.xml"
    doomed = start_crawl(db_path, "news", start, **SLOW_CRAWL)
    wait_for_fetches(db_path, doomed, 5, ENDED_TOO_SOON)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait()
    assert count(db_path, "select count(*) from crawl_lease") == 1
    again = crawl(db_path, "news", start, **{**SLOW_CRAWL, "DOWNLOAD_DELAY": "0"})
    assert f"Taking over the lease of {db_path} from process {doomed.pid}" in again.stderr
    assert count(db_path, "select count(*) from articles") == STORIES


def stranger_lease(db_path: Path, renewed_at: str) -> None:
    with sqlite3.connect(db_path) as db:
        db.execute(
            "insert or replace into crawl_lease (id, holder, host, pid, acquired_at, renewed_at)"
            " values (1, 'elsewhere:1:x', 'elsewhere', 1, ?, ?)",
            [renewed_at, renewed_at],
        )
    db.close()


def test_a_lease_from_another_machine_holds_until_it_is_not_renewed(db_path: Path) -> None:
    database = NewsDatabase(db_path)
    try:
        stranger_lease(db_path, utc_now())
        with pytest.raises(LeaseHeld, match="process 1 on elsewhere"):
            DatabaseLease(database, seconds=60).acquire()
        stranger_lease(db_path, "2020-01-01T00:00:00+00:00")
        lease = DatabaseLease(database, seconds=60)
        lease.acquire()
        assert lease.renew()
        with pytest.raises(LeaseHeld):
            DatabaseLease(database, seconds=60).acquire()
        lease.release()
        assert not lease.renew()
    finally:
        database.close()


def test_a_transaction_takes_the_write_lock_before_its_first_read(db_path: Path) -> None:
    database = NewsDatabase(db_path)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with database.transaction():
            database.db.execute("select count(*) from articles").fetchone()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("begin immediate")
            database.start_crawl(Crawl(spider="files", args="{}", started_at="t", versions="{}"))
        other.execute("begin immediate")
        other.execute("rollback")
        assert count(db_path, "select count(*) from crawls") == 1
    finally:
        other.close()
        database.close()
