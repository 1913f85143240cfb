"""Stopping a web crawl halfway: resuming from a job folder, and surviving ``kill -9``.

The site is a sitemap of many stories served slowly enough to stop the crawl in the middle.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path
from subprocess import Popen

import pytest

from tests.conftest import SEEDS, count, crawl, start_crawl
from tests.newssite import NewsSite

STORIES = 60
SLOW_CRAWL = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0.15",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
    "SQLITE_BATCH_SIZE": "5",
    "SQLITE_BATCH_SECONDS": "0.5",
}


def write_site(folder: Path, stories: int = STORIES) -> Path:
    """A site of ``stories`` article pages listed in one sitemap."""
    paragraphs = [
        line
        for line in (SEEDS / "004_3592a57944689d53.txt").read_text().splitlines()
        if len(line) > 150
    ]
    (folder / "story").mkdir(parents=True)
    locations = []
    for number in range(stories):
        body = "".join(f"<p>Story {number}. {paragraph}</p>" for paragraph in paragraphs[:4])
        head = f"<head><title>Story {number}</title><meta property='og:type' content='article'>"
        article = f"<article><h1>Story {number}</h1>{body}</article>"
        (folder / "story" / f"{number}.html").write_text(
            f"<html>{head}</head><body>{article}</body></html>"
        )
        locations.append(f"<url><loc>{{{{BASE}}}}/story/{number}</loc></url>")
    (folder / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(locations)
        + "</urlset>"
    )
    (folder / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    return folder


def wait_for_fetches(db_path: Path, process: Popen[str], fetches: int, why: str) -> None:
    """Wait, at most a minute, until a running crawl has recorded ``fetches`` fetches;
    ``why`` says what it means if the crawl ended first."""
    deadline = time.monotonic() + 60
    while count(db_path, "select count(*) from fetches") < fetches:
        assert process.poll() is None, why
        assert time.monotonic() < deadline
        time.sleep(0.05)


def start_news_crawl(site: NewsSite, db_path: Path, **settings: str) -> Popen[str]:
    return start_crawl(
        db_path, "news", f"start={site.url}/sitemap.xml", **{**SLOW_CRAWL, **settings}
    )


def stop_after(process: Popen[str], db_path: Path, articles: int, sig: int) -> str:
    deadline = time.monotonic() + 120
    while count(db_path, "select count(*) from articles") < articles:
        assert process.poll() is None, "the crawl ended before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, sig)
    _, stderr = process.communicate(timeout=120)
    return stderr


def story_requests(site: NewsSite) -> Counter[str]:
    return Counter(path for path in site.paths() if path.startswith("/story/"))


def assert_consistent(db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        orphans = connection.execute(
            "select count(*) from articles a left join fetches f on f.id = a.fetch_id"
            " where f.id is null or f.outcome != 'article' or f.article_id != a.id"
        ).fetchone()[0]
        assert orphans == 0, "every article has the fetch its text came from"


@pytest.mark.slow
def test_ctrl_c_then_resuming_from_the_job_folder_fetches_each_story_once(
    tmp_path: Path,
) -> None:
    db_path, jobdir = tmp_path / "news.db", tmp_path / "job"
    with NewsSite(write_site(tmp_path / "site")) as site:
        process = start_news_crawl(site, db_path, JOBDIR=str(jobdir))
        stderr = stop_after(process, db_path, 10, signal.SIGINT)
        assert "Traceback" not in stderr
        stopped = count(db_path, "select count(*) from articles")
        assert 10 <= stopped < STORIES
        assert count(db_path, "select count(*) from crawls where finish_reason = 'shutdown'") == 1
        assert_consistent(db_path)

        resumed = start_news_crawl(site, db_path, JOBDIR=str(jobdir))
        _, stderr = resumed.communicate(timeout=300)
        assert resumed.returncode == 0, stderr[-3000:]
        requests = story_requests(site)
    assert count(db_path, "select count(*) from articles") == STORIES
    assert_consistent(db_path)
    assert set(requests) == {f"/story/{n}" for n in range(STORIES)}
    assert max(requests.values()) == 1, "the job folder remembered what was fetched"


@pytest.mark.slow
def test_a_killed_crawl_leaves_whole_rows_and_the_next_run_completes(tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    with NewsSite(write_site(tmp_path / "site")) as site:
        stop_after(start_news_crawl(site, db_path), db_path, 10, signal.SIGKILL)
        stored = count(db_path, "select count(*) from articles")
        assert 10 <= stored < STORIES
        assert count(db_path, "select count(*) from crawls where finished_at is null") == 1
        assert_consistent(db_path)

        crawl(
            db_path,
            "news",
            f"start={site.url}/sitemap.xml",
            AUTOTHROTTLE_ENABLED=False,
            DOWNLOAD_DELAY=0,
        )
    assert count(db_path, "select count(*) from articles") == STORIES
    assert_consistent(db_path)
    second = "select count(*) from fetches where crawl_id = 2"
    assert count(db_path, f"{second} and outcome = 'unchanged'") >= stored
    assert count(db_path, f"{second} and outcome = 'article'") == STORIES - stored
