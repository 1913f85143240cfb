"""Cluster mode: crawler processes on a shared Redis frontier, one writer storing for all.

A real ``redis-server`` on 127.0.0.1 (``RedisServer`` of ``crawler/benchmarks/cluster.py``),
the fake news site, and the commands users run: ``scrapy crawl news -s REDIS_URL=...`` for
each worker and ``python -m pipelines.writer`` for the writer.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest

from crawler.benchmarks.cluster import RedisServer
from crawler.items import Crawl, Fetch, Page, PreviousFetch
from pipelines.database import FetchHistory
from pipelines.redis_queue import PAGES_KEY, CrawlStarted, PageRead, decode, encode
from pipelines.shared_history import COMPLETE_RUNS_KEY, SharedFetchHistory
from pipelines.writer import FAILED_KEY, IN_HAND_KEY
from tests.conftest import ROOT, count, crawl_command, free_port
from tests.newssite import NewsSite, RequestRecord, site_copy
from tests.test_news_resume import SLOW_CRAWL, STORIES, write_site
from tests.test_news_spider import FAST, start_urls

CLUSTER = {
    "REDIS_IDLE_CLOSE": 1,
    "REDIS_WORKER_TIMEOUT": 4,
    "EXTRACT_WORKERS": 1,
    "CONCURRENT_REQUESTS": 2,
    "DOWNLOAD_DELAY": 0.1,
}
"""A cluster that gives up on a silent worker, and leaves once idle, within seconds; each
worker takes two requests at a time from the frontier, so that both get some."""


def start_worker(
    redis: RedisServer, folder: Path, name: str, *arguments: str, **settings: object
) -> Popen[bytes]:
    """``scrapy crawl news -s REDIS_URL=...``: one worker, logging to ``folder/name.log``; its
    WARC files go to ``folder/name/warc``."""
    settings = {**FAST, **CLUSTER, "REDIS_URL": redis.url, **settings}
    command = crawl_command(folder / name / "news.db", "news", *arguments, **settings)
    with open(folder / f"{name}.log", "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)


def start_writer(redis: RedisServer, db_path: Path, log: Path, *options: str) -> Popen[bytes]:
    """``python -m pipelines.writer --redis URL --db PATH ...``, logging to ``log``; returns
    once it reads the queue (it has shared the history its database holds by then)."""
    command = [sys.executable, "-m", "pipelines.writer", "--redis", redis.url, "--db", str(db_path)]
    started = log.read_text().count("Reading the queue") if log.exists() else 0
    with open(log, "ab") as output:
        writer = subprocess.Popen(
            [*command, *options], cwd=ROOT, stdout=output, stderr=output, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while log.read_text().count("Reading the queue") == started:
        assert writer.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.1)
    return writer


def wait_exit(process: Popen[bytes], log: Path, timeout: float = 180) -> int:
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError(f"still running: {log.read_text()[-3000:]}") from None


def wait_drained(redis: RedisServer, timeout: float = 60) -> None:
    """Until the writer has committed every message the workers sent."""
    deadline = time.monotonic() + timeout
    while redis.client.llen(PAGES_KEY) or redis.client.llen(IN_HAND_KEY):
        assert time.monotonic() < deadline, "the writer did not drain the queue"
        time.sleep(0.1)


def stop(process: Popen[bytes], log: Path) -> int:
    """Stop the writer as Ctrl-C does, and wait for it."""
    process.send_signal(signal.SIGINT)
    return wait_exit(process, log, timeout=60)


def cluster_run(
    redis: RedisServer, folder: Path, db_path: Path, *worker_arguments: tuple[str, ...]
) -> list[str]:
    """Workers with these arguments and a writer, until the workers leave and the writer has
    stored all; the workers' logs."""
    writer_log = folder / "writer.log"
    writer = start_writer(redis, db_path, writer_log)
    names = []
    workers = []
    for number, arguments in enumerate(worker_arguments):
        names.append(f"worker-{number}-{time.monotonic_ns()}")
        workers.append(start_worker(redis, folder, names[-1], *arguments))
    for name, worker in zip(names, workers, strict=True):
        log = folder / f"{name}.log"
        assert wait_exit(worker, log) == 0, log.read_text()[-3000:]
    wait_drained(redis)
    assert stop(writer, writer_log) == 0, writer_log.read_text()[-3000:]
    return [(folder / f"{name}.log").read_text() for name in names]


@dataclass
class Stored:
    """What a database holds, with URLs as paths of the site, so that two sites compare."""

    articles: dict[str, tuple[Any, ...]]
    fetches: Counter[tuple[str, str, str | None]]
    similar: set[tuple[str, str, str]]
    stories: set[frozenset[str]]


def fetch_outcomes(
    db: sqlite3.Connection, base: str, crawls: tuple[int, ...] = ()
) -> Counter[tuple[str, str, str | None]]:
    """The fetches by path, outcome and reason (of the ``crawls`` given, or all). A page
    whose article lives at another URL (an AMP copy) is only said to be an alias of it: which
    of the two is read first, and stored, depends on the order pages come in."""
    where = f"where f.crawl_id in ({', '.join('?' * len(crawls))})" if crawls else ""
    rows = db.execute(
        "select f.uri, f.outcome, f.reason, a.url from fetches f"
        f" left join articles a on a.id = f.article_id {where}",
        crawls,
    )
    outcomes: Counter[tuple[str, str, str | None]] = Counter()
    for uri, outcome, reason, url in rows:
        if url is not None and url != uri and outcome in ("article", "duplicate"):
            outcomes[(uri.removeprefix(base), "alias", url.removeprefix(base))] += 1
        else:
            outcomes[(uri.removeprefix(base), outcome, reason)] += 1
    return outcomes


def stored(db_path: Path, base: str) -> Stored:
    def path(url: str) -> str:
        return url.removeprefix(base)

    with sqlite3.connect(db_path) as db:
        articles = {
            path(url): rest
            for url, *rest in db.execute(
                "select url, title, text, author, date_published, language, word_count, version"
                " from articles"
            )
        }
        fetches = fetch_outcomes(db, base)
        similar = {
            (*sorted((path(a), path(b))), kind)
            for a, b, kind in db.execute(
                "select a.url, b.url, s.kind from similar_articles s"
                " join articles a on a.id = s.a_id join articles b on b.id = s.b_id"
            )
        }
        by_story: dict[str, set[str]] = {}
        for url, story in db.execute("select url, story_id from articles"):
            by_story.setdefault(story, set()).add(path(url))
    return Stored(articles, fetches, similar, {frozenset(urls) for urls in by_story.values()})


@dataclass
class ClusterHistory:
    folder: Path
    site: NewsSite
    db_path: Path
    single: Stored
    first: Stored
    """What the database held after the cluster's first run."""
    runs: list[tuple[list[str], list[RequestRecord]]]
    history_matches: dict[str, tuple[PreviousFetch | None, PreviousFetch | None]]
    """For each URL read, what workers read of it in Redis, and what the database holds."""

    def stored(self) -> Stored:
        return stored(self.db_path, self.site.url)

    def crawls(self) -> list[dict[str, Any]]:
        with sqlite3.connect(self.db_path) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("select * from crawls order by id")]


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    folder.mkdir(parents=True, exist_ok=True)
    with RedisServer(folder) as server:
        yield server


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterHistory]:
    """The news site crawled by one process, then by a cluster three times: a first run, a
    run with nothing changed, and a run after one article was edited. One worker of each run
    is given the start URLs; the other starts without any and takes the shared frontier."""
    folder = tmp_path_factory.mktemp("cluster")
    with NewsSite(site_copy(folder / "single-site"), slow_seconds=4) as site:
        single_db = folder / "single" / "news.db"
        single_db.parent.mkdir()
        command = crawl_command(single_db, "news", f"start={start_urls(site)}", **FAST)
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
        single = stored(single_db, site.url)
    db_path = folder / "news.db"
    with (
        redis_server(folder / "redis") as redis,
        NewsSite(site_copy(folder / "site"), slow_seconds=4) as site,
    ):
        runs = []
        both = (f"start={start_urls(site)}",), ()
        for run in range(3):
            if run == 2:
                edited = (site.folder / "news" / "article-1.html").read_text()
                paragraph = edited.split("<p>")[3].split("</p>")[0]
                site.touch(
                    "news/article-1.html",
                    edited.replace(paragraph, "Officials corrected the figures on Thursday."),
                )
            seen = len(site.requests)
            logs = cluster_run(redis, folder, db_path, *both)
            runs.append((logs, site.requests[seen:]))
            if run == 0:
                first = stored(db_path, site.url)
        shared = SharedFetchHistory(redis.client)
        on_disk = FetchHistory(db_path)
        with sqlite3.connect(db_path) as db:
            urls = {row[0] for row in db.execute("select uri from fetches")}
        history_matches = {url: (shared.previous(url), on_disk.previous(url)) for url in urls}
        on_disk.close()
        yield ClusterHistory(folder, site, db_path, single, first, runs, history_matches)


def test_two_workers_store_what_one_process_stores(cluster: ClusterHistory) -> None:
    first, single = cluster.first, cluster.single
    crawls = cluster.crawls()
    first_run = tuple(row["id"] for row in crawls[:2])
    with sqlite3.connect(cluster.db_path) as db:
        assert fetch_outcomes(db, cluster.site.url, first_run) == single.fetches
    assert first.articles == single.articles
    assert first.similar == single.similar
    assert first.stories == single.stories


def test_both_workers_crawled_and_one_was_started_without_start_urls(
    cluster: ClusterHistory,
) -> None:
    crawls = cluster.crawls()
    assert len(crawls) == 6, "a crawls row for each worker of each run"
    assert all(row["worker"] and row["finish_reason"] == "finished" for row in crawls)
    assert all(row["exit_status"] == 0 for row in crawls)
    first_run = crawls[:2]
    assert sorted("start" in json.loads(row["args"]) for row in first_run) == [False, True]
    assert all(row["pages_total"] > 0 for row in first_run), "both took requests"
    assert sum(row["articles_new"] for row in first_run) == len(cluster.single.articles)
    logs = cluster.runs[0][0]
    assert any("starts the run" in log for log in logs)
    assert all("starts the run" in log or "joins the run" in log for log in logs)


def test_each_start_url_is_requested_once_a_run_and_each_page_once(
    cluster: ClusterHistory,
) -> None:
    for _, requests in cluster.runs:
        paths = Counter(record.path for record in requests)
        retried = {"/news/busy", "/news/flaky", "/news/slow", "/news/broken"}
        assert {path for path, n in paths.items() if n > 1} <= retried | {"/robots.txt"}, paths
        assert paths["/robots.txt"] <= 3, "each worker's robots.txt check, and the start URL"


def test_a_second_run_adds_nothing_and_asks_with_validators(cluster: ClusterHistory) -> None:
    crawls = cluster.crawls()
    second_run = crawls[2:4]
    assert sum(row["articles_new"] + row["articles_changed"] for row in second_run) == 0
    assert sum(row["pages_unchanged"] for row in second_run) >= 3
    stats = [json.loads(row["stats"]) for row in second_run]
    assert sum(s.get("revisit/conditional", 0) for s in stats) >= 3
    assert sum(s.get("extract/pages", 0) for s in stats) <= 1
    requests = {record.path: record for record in cluster.runs[1][1]}
    assert "If-None-Match" in requests["/feeds/rss.xml"].headers
    assert "If-None-Match" not in requests["/sitemap_index.xml"].headers
    with sqlite3.connect(cluster.db_path) as db:
        assert db.execute("select count(*) from articles").fetchone()[0] == len(
            cluster.single.articles
        )


def test_an_edited_article_gets_one_new_version_in_the_third_run(cluster: ClusterHistory) -> None:
    crawls = cluster.crawls()
    assert sum(row["articles_changed"] for row in crawls[4:]) == 1
    assert sum(row["articles_new"] for row in crawls[4:]) == 0
    with sqlite3.connect(cluster.db_path) as db:
        ((url, version, text),) = db.execute(
            "select url, version, text from articles where version > 1"
        ).fetchall()
        assert url.endswith("/news/article-1") and version == 2
        assert "Officials corrected the figures" in text
        assert db.execute("select count(*) from article_versions").fetchone()[0] == 1


def test_workers_read_the_history_the_writer_shares_as_the_database_has_it(
    cluster: ClusterHistory,
) -> None:
    differ = {url: pair for url, pair in cluster.history_matches.items() if pair[0] != pair[1]}
    assert cluster.history_matches and not differ, differ


def slow_site(folder: Path) -> NewsSite:
    return NewsSite(write_site(folder))


def articles_once(db_path: Path) -> tuple[int, int]:
    """Articles stored, and the most fetches any URL had stored as ``article``."""
    with sqlite3.connect(db_path) as db:
        articles = db.execute("select count(*) from articles").fetchone()[0]
        most = db.execute(
            "select coalesce(max(n), 0) from (select count(*) n from fetches"
            " where outcome = 'article' group by uri)"
        ).fetchone()[0]
    return articles, most


def test_a_killed_worker_loses_only_its_requests_in_hand_and_a_rerun_completes(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "news.db"
    with redis_server(tmp_path / "redis") as redis, slow_site(tmp_path / "site") as site:
        start = f"start={site.url}/sitemap.xml"
        writer_log = tmp_path / "writer.log"
        writer = start_writer(redis, db_path, writer_log)
        doomed = start_worker(redis, tmp_path, "doomed", start, **SLOW_CRAWL)
        survivor = start_worker(redis, tmp_path, "survivor", start, **SLOW_CRAWL)
        deadline = time.monotonic() + 120
        while count(db_path, "select count(*) from fetches where outcome = 'article'") < 10:
            assert time.monotonic() < deadline and doomed.poll() is None
            time.sleep(0.1)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        assert wait_exit(survivor, tmp_path / "survivor.log") == 0
        wait_drained(redis)
        assert stop(writer, writer_log) == 0
        first, most = articles_once(db_path)
        assert first <= STORIES and most == 1
        unfinished = "select count(*) from crawls where finished_at is null"
        assert count(db_path, unfinished) == 1, "the killed worker's crawl never ended"

        writer = start_writer(redis, db_path, writer_log, "--idle-exit", "3")
        again = [start_worker(redis, tmp_path, f"again-{n}", start) for n in range(2)]
        for number, worker in enumerate(again):
            assert wait_exit(worker, tmp_path / f"again-{number}.log") == 0
        assert wait_exit(writer, writer_log) == 0, "the writer ends once the queue is idle"
        assert articles_once(db_path) == (STORIES, 1)
        logs = [(tmp_path / f"again-{n}.log").read_text() for n in range(2)]
        assert any("starts the run" in log for log in logs), "the killed run is over"


def test_a_killed_writer_loses_nothing_and_stores_nothing_twice(tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    with redis_server(tmp_path / "redis") as redis, slow_site(tmp_path / "site") as site:
        start = f"start={site.url}/sitemap.xml"
        writer_log = tmp_path / "writer.log"
        writer = start_writer(redis, db_path, writer_log)
        workers = [
            start_worker(redis, tmp_path, f"worker-{n}", start, **SLOW_CRAWL) for n in range(2)
        ]
        deadline = time.monotonic() + 120
        while count(db_path, "select count(*) from fetches") < 10:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(writer.pid, signal.SIGKILL)
        writer.wait()
        for number, worker in enumerate(workers):
            assert wait_exit(worker, tmp_path / f"worker-{number}.log") == 0
        writer = start_writer(redis, db_path, writer_log, "--idle-exit", "2")
        assert wait_exit(writer, writer_log) == 0
        assert articles_once(db_path) == (STORIES, 1)
        with sqlite3.connect(db_path) as db:
            (fetches,) = db.execute("select count(*) from fetches").fetchone()
            crawls = db.execute("select finish_reason, articles_new from crawls").fetchall()
        assert fetches == STORIES + 1, "each page once, and the sitemap"
        assert [reason for reason, _ in crawls] == ["finished", "finished"]
        assert sum(new for _, new in crawls) == STORIES


def test_a_page_the_store_cannot_write_is_kept_aside_and_stored_on_retry(tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    refuse = (
        "create trigger refuse before insert on fetches when new.uri like '%/story/7'"
        " begin select raise(abort, 'refused by the test'); end"
    )
    with redis_server(tmp_path / "redis") as redis, slow_site(tmp_path / "site") as site:
        writer_log = tmp_path / "writer.log"
        writer = start_writer(redis, db_path, writer_log)
        with sqlite3.connect(db_path) as db:
            db.execute(refuse)
        worker = start_worker(redis, tmp_path, "worker", f"start={site.url}/sitemap.xml")
        assert wait_exit(worker, tmp_path / "worker.log") == 0
        wait_drained(redis)
        assert stop(writer, writer_log) == 0
        log = writer_log.read_text()
        assert f"Kept the message of {site.url}/story/7, which could not be stored" in log
        assert "'writer/failed_pages': 1," in log
        assert redis.client.llen(FAILED_KEY) == 1
        assert articles_once(db_path) == (STORIES - 1, 1)

        with sqlite3.connect(db_path) as db:
            db.execute("drop trigger refuse")
        writer = start_writer(redis, db_path, writer_log, "--retry-failed", "--idle-exit", "2")
        assert wait_exit(writer, writer_log) == 0
        assert "Retrying 1 messages of pages that could not be stored" in writer_log.read_text()
        assert articles_once(db_path) == (STORIES, 1)
        assert redis.client.llen(FAILED_KEY) == 0 and redis.client.llen(IN_HAND_KEY) == 0


def test_requests_to_a_site_leave_the_whole_cluster_a_gap_apart(tmp_path: Path) -> None:
    gap = 0.2
    with redis_server(tmp_path / "redis") as redis, slow_site(tmp_path / "site") as site:
        writer_log = tmp_path / "writer.log"
        writer = start_writer(redis, db_path := tmp_path / "news.db", writer_log)
        start = f"start={site.url}/sitemap.xml"
        paced = {"REDIS_SITE_DELAY": gap, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS": 4}
        workers = [start_worker(redis, tmp_path, f"worker-{n}", start, **paced) for n in range(2)]
        for number, worker in enumerate(workers):
            assert wait_exit(worker, tmp_path / f"worker-{number}.log") == 0
        wait_drained(redis)
        assert stop(writer, writer_log) == 0
        arrivals = sorted(r.time for r in site.requests if r.path.startswith("/story/"))
    assert articles_once(db_path) == (STORIES, 1)
    assert len(arrivals) == STORIES
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert statistics.median(gaps) >= 0.95 * gap
    # A request its busy process sends late comes close to the next; four gaps together
    # still make up the time four requests take.
    spans = [sum(gaps[n : n + 4]) for n in range(len(gaps) - 3)]
    assert min(spans) >= 0.9 * 4 * gap, "no site hears from the cluster faster than the gap"
    for number in range(2):
        log = (tmp_path / f"worker-{number}.log").read_text()
        assert "'cluster/site_waits':" in log, "each worker waited for the other's requests"


def test_queue_messages_round_trip_and_anything_else_is_refused() -> None:
    page = Page(fetch=Fetch(uri="https://a.test/", fetched_at="t"))
    message = decode(encode(PageRead("worker", page)))
    assert isinstance(message, PageRead) and message.page.fetch.uri == "https://a.test/"
    with pytest.raises(ValueError, match="not a queue message"):
        decode(b"not pickle")
    with pytest.raises(ValueError, match="not a queue message"):
        decode(pickle.dumps({"a": 1}))
    crawl = Crawl(spider="news", args="{}", started_at="t", versions="{}")
    assert decode(encode(CrawlStarted("w", crawl))) == CrawlStarted("w", crawl)


def test_shared_history_keeps_the_body_hash_of_the_read_before_a_304(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as redis:
        history = SharedFetchHistory(redis.client)
        earlier = PreviousFetch(
            fetch_id=1, fetched_at="t0", outcome="article", crawl_finished=True,
            body_sha256="ab" * 32, article_id="a1", etag='"e"',
        )  # fmt: skip
        fetch = Fetch(uri="https://a.test/x", fetched_at="t1", outcome="unchanged", crawl_id=7)
        fetch.id, fetch.etag, fetch.article_id = 2, '"e"', "a1"
        assert history.record([(Page(fetch=fetch, previous=earlier), "run-1")]) == 1
        previous = history.previous("https://a.test/x")
        assert previous is not None and previous.body_sha256 == "ab" * 32
        assert previous.fetch_id == 2
        assert previous.crawl_finished is False, "its run has not completed (yet)"
        redis.client.sadd(COMPLETE_RUNS_KEY, "run-1")
        assert history.previous("https://a.test/x").crawl_finished is True  # type: ignore[union-attr]
        failed = Fetch(uri="https://a.test/y", fetched_at="t1", outcome="error: http_500")
        failed.id = 3
        assert history.record([(Page(fetch=failed), "run-1")]) == 0
        assert history.previous("https://a.test/y") is None


def test_an_unreachable_redis_is_a_clear_error_for_worker_and_writer(tmp_path: Path) -> None:
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    writer = subprocess.run(
        [sys.executable, "-m", "pipelines.writer", "--redis", unreachable, "--db", "x.db"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert writer.returncode == 1
    assert f"Cannot reach Redis at {unreachable}" in writer.stderr
    command = crawl_command(
        tmp_path / "news.db", "news", "start=http://127.0.0.1:9/", REDIS_URL=unreachable
    )
    worker = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert worker.returncode == 1
    assert f"Cannot reach Redis at {unreachable}" in worker.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize(("spider", "argument"), [("files", "path=seeds"), ("reextract", None)])
def test_only_the_news_spider_runs_as_a_cluster_worker(
    tmp_path: Path, spider: str, argument: str | None
) -> None:
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    arguments = [argument] if argument else []
    command = crawl_command(tmp_path / "news.db", spider, *arguments, REDIS_URL=redis_url)
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert f"the {spider} spider does not run as a cluster worker" in result.stderr


def test_without_redis_the_news_spider_still_needs_start_urls(tmp_path: Path) -> None:
    command = crawl_command(tmp_path / "news.db", "news")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, "a usage error"
    assert "the news spider needs -a start=URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cluster_takes_over_a_database_that_crawls_of_their_own_built(tmp_path: Path) -> None:
    """The writer shares the history already in its database, so the cluster's first run is
    as incremental as a second crawl on one machine."""
    db_path = tmp_path / "news.db"
    with (
        redis_server(tmp_path / "redis") as redis,
        NewsSite(site_copy(tmp_path / "site"), slow_seconds=4) as site,
    ):
        command = crawl_command(db_path, "news", f"start={start_urls(site)}", **FAST)
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
        with sqlite3.connect(db_path) as db:
            articles = db.execute("select count(*) from articles").fetchone()[0]
        seen = len(site.requests)
        cluster_run(redis, tmp_path, db_path, (f"start={start_urls(site)}",))
        requests = {record.path: record for record in site.requests[seen:]}
        on_disk = FetchHistory(db_path)
        shared = SharedFetchHistory(redis.client)
        with sqlite3.connect(db_path) as db:
            urls = {row[0] for row in db.execute("select uri from fetches where crawl_id = 1")}
            ((new, changed),) = db.execute(
                "select articles_new, articles_changed from crawls where worker is not null"
            ).fetchall()
            assert db.execute("select count(*) from articles").fetchone()[0] == articles
        assert (new, changed) == (0, 0)
        assert "If-None-Match" in requests["/feeds/rss.xml"].headers
        assert all(shared.previous(url) == on_disk.previous(url) for url in urls)
        on_disk.close()


def test_a_workers_crawl_is_named_as_its_log_names_it(cluster: ClusterHistory) -> None:
    logs = "\n".join(log for logs, _ in cluster.runs for log in logs)
    for row in cluster.crawls():
        assert f"Cluster worker {row['worker']} " in logs
