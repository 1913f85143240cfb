"""The ``ccnews`` spider on a CC-NEWS-like archive served from 127.0.0.1: streaming, filters,
provenance by range request, resuming after ``kill -9``, a damaged file, cluster mode."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.benchmarks.ccnews import (
    ArchivedPage,
    ArchiveServer,
    month_folder,
    write_archive,
)
from crawler.benchmarks.cluster import RedisServer, RedisServerMissing
from crawler.ccnews import read_range
from tests.conftest import DATA, SEED_PAGES, count, crawl, start_crawl
from tests.test_cluster import start_writer, stop, wait_drained
from tests.test_files_spider import article_html

MONTH = "2026/11"
GERMAN = (
    "Die Bundesregierung hat am Montag neue Regeln für den Ausbau der Windkraft beschlossen."
    " Nach Angaben des Wirtschaftsministeriums sollen die Genehmigungsverfahren deutlich"
    " kürzer werden, damit bis zum Ende des Jahrzehnts doppelt so viele Anlagen entstehen"
    " können wie heute. Die Länder hatten zuvor mehr Flächen für neue Windräder gefordert. "
)
FILES = [
    "CC-NEWS-20261101000000-00000.warc.gz",
    "CC-NEWS-20261102000000-00001.warc.gz",
    "CC-NEWS-20261103000000-00002.warc.gz",
]
ENGLISH = sorted((DATA / "html").glob("*.html")) + SEED_PAGES
"""Ten English article pages: five outlets' pages from the tests' data, the five seeds."""
PDF = ArchivedPage(
    "https://www.reuters.com/report.pdf",
    "2026-11-01T06:00:00Z",
    b"%PDF-1.7\n" + bytes(3000),
    headers=(("Content-Type", "application/pdf"),),
)
REDIRECT = ArchivedPage(
    "https://www.bbc.co.uk/old",
    "2026-11-01T06:00:00Z",
    b"",
    status="301 Moved Permanently",
    headers=(("Location", "https://www.bbc.co.uk/news/world"),),
)
GONE = ArchivedPage(
    "https://www.reuters.com/gone", "2026-11-02T06:00:00Z", b"<html>gone</html>", "404 Not Found"
)
ROBOTS = ArchivedPage(
    "https://www.bbc.co.uk/robots.txt",
    "2026-11-03T06:00:00Z",
    b"User-agent: *\nDisallow: /private/\n",
    headers=(("Content-Type", "text/plain"),),
)
GERMAN_PAGE = ArchivedPage(
    "https://www.zeit.de/politik/windkraft",
    "2026-11-02T07:00:00Z",
    f"<html><head><title>Windkraft</title></head><body><article><h1>Windkraft</h1>"
    f"{''.join(f'<p>{GERMAN * 2}</p>' for _ in range(4))}</article></body></html>".encode(),
)
FRENCH_PAGE = ArchivedPage(
    "https://www.lemonde.fr/international/irak",
    "2026-11-03T07:00:00Z",
    article_html('<meta charset="utf-8">', "Irak : le retrait").encode(),
)
LATE_PAGE = ArchivedPage(
    "https://www.lemonde.fr/international/tard",
    "2026-11-04T01:00:00Z",
    article_html('<meta charset="utf-8">', "Plus tard").encode(),
)
HOSTS = ["www.bbc.co.uk", "news.bbc.co.uk", "www.reuters.com", "www.voanews.com", "cgtn.example"]


def english(number: int, date: str) -> ArchivedPage:
    page = ENGLISH[number]
    return ArchivedPage(f"https://{HOSTS[number % 5]}/news/{page.stem}", date, page.read_bytes())


def archive_files() -> dict[str, list[ArchivedPage]]:
    """Three files: ten English articles, a PDF, a redirect, a 404, a robots.txt, an article in
    German and two in French (one dated after the others' last day)."""
    first, second, third = (f"2026-11-0{day}T06:00:00Z" for day in (1, 2, 3))
    return {
        FILES[0]: [english(0, first), english(1, first), english(5, first), PDF, REDIRECT],
        FILES[1]: [english(2, second), english(3, second), english(6, second)]
        + [english(7, second), GONE, GERMAN_PAGE],
        FILES[2]: [english(4, third), english(8, third), english(9, third)]
        + [FRENCH_PAGE, ROBOTS, LATE_PAGE],
    }


OUTCOMES = {
    PDF.url: "skipped: binary",
    REDIRECT.url: "skipped: redirect",
    GONE.url: "error: http_404",
    ROBOTS.url: "not_article",
}
RECORDS = sum(len(pages) for pages in archive_files().values())


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ccnews")
    write_archive(root, MONTH, archive_files())
    return root


@pytest.fixture
def server(archive: Path) -> Iterator[ArchiveServer]:
    with ArchiveServer(archive) as served:
        yield served


def rows(db_path: Path, sql: str, *parameters: object) -> list[sqlite3.Row]:
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql, parameters).fetchall()


def stats(db_path: Path, crawl_id: int) -> dict[str, int]:
    (row,) = rows(db_path, "select stats from crawls where id = ?", crawl_id)
    found: dict[str, int] = json.loads(row["stats"])
    return found


def file_requests(server: ArchiveServer) -> list[str]:
    return [path for path, _ in server.requests if path.endswith(".warc.gz")]


def test_a_month_is_streamed_and_every_record_accounted_for(
    server: ArchiveServer, db_path: Path
) -> None:
    crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url)

    fetches = {row["uri"]: row for row in rows(db_path, "select * from fetches")}
    assert len(fetches) == RECORDS
    for url, outcome in OUTCOMES.items():
        assert fetches[url]["outcome"] == outcome, url
    articles = [row for row in fetches.values() if row["uri"] not in OUTCOMES]
    assert {row["outcome"] for row in articles} == {"article"}
    assert {row["discovered_via"] for row in fetches.values()} == {"ccnews"}
    folder = f"{server.url}crawl-data/CC-NEWS/{MONTH}/"
    assert {row["warc_file"] for row in fetches.values()} == {folder + name for name in FILES}
    # Each file was fetched once, whole, as a stream; and recorded as read to its end.
    assert file_requests(server) == [f"/crawl-data/CC-NEWS/{MONTH}/{name}" for name in FILES]
    assert all(given_range is None for _, given_range in server.requests)
    assert not (db_path.parent / "warc").exists()  # no copy into our archive by default
    inputs = rows(db_path, "select * from warc_inputs order by url")
    assert [(row["url"], row["outcome"], row["crawl_id"]) for row in inputs] == [
        (folder + name, "complete", 1) for name in FILES
    ]
    assert [row["pages"] for row in inputs] == [len(p) for p in archive_files().values()]
    counted = stats(db_path, 1)
    assert counted["ccnews/warc_records"] == RECORDS
    assert counted["ccnews/files_complete"] == 3
    assert counted["pages/skipped/redirect"] == 1

    server.requests.clear()
    again = crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url, check=False)
    assert again.returncode == 3, again.stderr[-3000:]  # nothing read: nothing new
    assert count(db_path, "select count(*) from fetches") == RECORDS
    assert count(db_path, "select count(*) from fetches where crawl_id = 2") == 0
    assert file_requests(server) == []  # a file read to its end is not read again


def test_each_page_points_at_its_record_which_one_range_request_reads_again(
    server: ArchiveServer, db_path: Path
) -> None:
    crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url)
    server.requests.clear()

    fetches = rows(db_path, "select * from fetches")
    for fetch in fetches:
        member = read_range(fetch["warc_file"], fetch["warc_offset"], fetch["warc_length"], 30, "t")
        records = iter(ArchiveIterator(io.BytesIO(member)))
        record = next(records)
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == fetch["warc_record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == fetch["uri"]
        payload = record.raw_stream.read()
        assert hashlib.sha256(payload).hexdigest() == fetch["body_sha256"]
        assert next(records, None) is None  # the range holds that record, and only it
    assert len(server.requests) == len(fetches)
    assert all(given_range for _, given_range in server.requests)


def test_with_ccnews_archive_each_record_is_copied_into_our_archive_as_it_was(
    server: ArchiveServer, db_path: Path
) -> None:
    crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url, CCNEWS_ARCHIVE=True)

    fetches = rows(db_path, "select * from fetches")
    assert len(fetches) == RECORDS
    for fetch in fetches:
        copy = json.loads(fetch["discovery"])["archived_copy"]
        with (db_path.parent / copy["warc_file"]).open("rb") as stream:
            stream.seek(copy["warc_offset"])
            assert stream.read(fetch["warc_length"]) == read_range(
                fetch["warc_file"], fetch["warc_offset"], fetch["warc_length"], 30, "t"
            )
    assert {json.loads(f["discovery"])["archived_copy"]["warc_file"] for f in fetches} == {
        path.relative_to(db_path.parent).as_posix()
        for path in (db_path.parent / "warc").glob("*.warc.gz")
    }


def test_domains_dates_and_languages_choose_the_records(
    server: ArchiveServer, db_path: Path
) -> None:
    crawl(
        db_path,
        "ccnews",
        f"paths={server.url}crawl-data/CC-NEWS/{MONTH}/warc.paths.gz",
        "domains=bbc.co.uk,zeit.de,lemonde.fr",
        "languages=de,fr",
        "since=2026-11-02",
        "until=2026-11-03",
        CCNEWS_BASE=server.url,
    )

    # The first file ends where the second starts, before -a since: it is not fetched.
    assert file_requests(server) == [f"/crawl-data/CC-NEWS/{MONTH}/{name}" for name in FILES[1:]]
    outcomes = {row["uri"]: row["outcome"] for row in rows(db_path, "select * from fetches")}
    # bbc.co.uk's subdomains are its; the English pages go after extraction; the French page
    # of 4 November is after -a until.
    assert outcomes == {
        english(6, "").url: "skipped: language",
        GERMAN_PAGE.url: "article",
        FRENCH_PAGE.url: "article",
        ROBOTS.url: "not_article",
    }
    languages = {row["url"]: row["language"] for row in rows(db_path, "select * from articles")}
    assert languages == {GERMAN_PAGE.url: "de", FRENCH_PAGE.url: "fr"}
    counted = stats(db_path, 1)
    assert counted["ccnews/passed_over/other_domain"] == 7
    assert counted["ccnews/passed_over/after_until"] == 1
    assert counted["pages/skipped/language"] == 1


def test_a_limit_stops_inside_a_file_which_the_next_crawl_takes_up(
    server: ArchiveServer, db_path: Path
) -> None:
    crawl(db_path, "ccnews", f"month={MONTH}", "limit=7", CCNEWS_BASE=server.url)
    assert count(db_path, "select count(*) from fetches") == 7
    # The first file (5 records) was read to its end; the second was left after 2 records.
    (first,) = rows(db_path, "select url from warc_inputs")
    assert first["url"].endswith(FILES[0])

    crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url)
    records = rows(db_path, "select warc_file, warc_offset, count(*) n from fetches group by 1, 2")
    assert len(records) == RECORDS and {row["n"] for row in records} == {1}
    assert count(db_path, "select count(*) from warc_inputs") == 3
    assert stats(db_path, 2)["ccnews/passed_over/stored"] == 2


def test_a_damaged_file_is_recorded_with_its_reason_and_the_rest_kept(
    tmp_path: Path, db_path: Path
) -> None:
    root = tmp_path / "archive"
    write_archive(root, MONTH, archive_files())
    damaged = month_folder(root, MONTH) / FILES[1]
    whole = damaged.read_bytes()
    damaged.write_bytes(whole[: int(len(whole) * 0.7)])
    with ArchiveServer(root) as server:
        result = crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert f"Stopped reading {server.url}crawl-data/CC-NEWS/{MONTH}/{FILES[1]}, damaged" in (
        result.stderr
    )
    inputs = {
        row["url"].rsplit("/", 1)[1]: row for row in rows(db_path, "select * from warc_inputs")
    }
    assert {name: row["outcome"] for name, row in inputs.items()} == {
        FILES[0]: "complete",
        FILES[1]: "damaged",
        FILES[2]: "complete",
    }
    assert inputs[FILES[1]]["reason"]
    stored = {row["uri"] for row in rows(db_path, "select uri from fetches")}
    assert {page.url for page in archive_files()[FILES[0]]} <= stored
    assert {page.url for page in archive_files()[FILES[2]]} <= stored
    from_damaged = {page.url for page in archive_files()[FILES[1]]} & stored
    assert 0 < len(from_damaged) < len(archive_files()[FILES[1]])
    assert stats(db_path, 1)["ccnews/warc_damaged"] == 1


def test_a_crawl_killed_mid_file_resumes_at_the_next_and_stores_nothing_twice(
    archive: Path, db_path: Path
) -> None:
    with ArchiveServer(archive, chunk_delay=0.2, chunk=16 * 1024) as server:
        process = start_crawl(
            db_path,
            "ccnews",
            f"month={MONTH}",
            CCNEWS_BASE=server.url,
            SQLITE_BATCH_SIZE=1,
            SQLITE_BATCH_SECONDS=0.1,
        )
        second = f"{server.url}crawl-data/CC-NEWS/{MONTH}/{FILES[1]}"
        deadline = time.monotonic() + 50
        while count(db_path, f"select count(*) from fetches where warc_file = '{second}'") < 2:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the crawl did not reach the second file"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert count(db_path, "select count(*) from warc_inputs") == 1
        stored_before = count(db_path, "select count(*) from fetches")
        assert stored_before < RECORDS

        server.chunk_delay = 0
        server.requests.clear()
        crawl(db_path, "ccnews", f"month={MONTH}", CCNEWS_BASE=server.url)

    assert file_requests(server) == [f"/crawl-data/CC-NEWS/{MONTH}/{name}" for name in FILES[1:]]
    records = rows(db_path, "select warc_file, warc_offset, count(*) n from fetches group by 1, 2")
    assert len(records) == RECORDS
    assert {row["n"] for row in records} == {1}
    assert count(db_path, "select count(*) from warc_inputs") == 3
    resumed = stats(db_path, 2)
    assert resumed["ccnews/passed_over/stored"] >= 2


def peak_rss_mib(process: subprocess.Popen[str]) -> float:
    """The largest resident memory of ``process`` (not its children), sampled until it ends."""
    peak = 0
    while process.poll() is None:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            break
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                peak = max(peak, int(line.split()[1]))
        time.sleep(0.02)
    return peak / 1024


@pytest.mark.slow
def test_memory_stays_flat_however_large_the_file(tmp_path: Path) -> None:
    # Two files of records of another domain (read through, never extracted) around one
    # article: 2 MB, and 60 MB of incompressible payloads. Read whole, the second would
    # add 60 MB to the crawl's memory.
    article = english(0, "2026-11-01T06:00:00Z")
    peaks = []
    for number, filler_records in enumerate((4, 120)):
        root = tmp_path / f"archive-{number}"
        filler = [
            ArchivedPage(f"https://other.example/{n}", "2026-11-01T06:00:00Z", os.urandom(500_000))
            for n in range(filler_records)
        ]
        write_archive(root, MONTH, {FILES[0]: [*filler[:2], article, *filler[2:]]})
        with ArchiveServer(root, chunk_delay=0.01) as server:
            db_path = tmp_path / f"news-{number}.db"
            process = start_crawl(
                db_path, "ccnews", f"month={MONTH}", "domains=bbc.co.uk", CCNEWS_BASE=server.url
            )
            peaks.append(peak_rss_mib(process))
            assert process.wait() == 0
        assert count(db_path, "select count(*) from articles") == 1
        assert stats(db_path, 1)["ccnews/passed_over/other_domain"] == filler_records
    assert peaks[1] - peaks[0] < 20, peaks


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    try:
        server = RedisServer(tmp_path / "redis")
    except RedisServerMissing as error:
        pytest.fail(str(error))
    with server:
        yield server


def cluster_settings(
    server: ArchiveServer, redis: RedisServer, worker_timeout: int
) -> dict[str, object]:
    """A cluster worker's settings: the files from ``server``, the frontier on ``redis``, one
    extraction worker, idle after a second and taken for dead after ``worker_timeout``."""
    return {
        "CCNEWS_BASE": server.url,
        "REDIS_URL": redis.url,
        "REDIS_IDLE_CLOSE": 1,
        "REDIS_WORKER_TIMEOUT": worker_timeout,
        "EXTRACT_WORKERS": 1,
    }


def test_two_cluster_workers_share_the_files_and_the_writer_stores_each_record_once(
    archive: Path, tmp_path: Path, redis: RedisServer
) -> None:
    db_path = tmp_path / "news.db"
    writer_log = tmp_path / "writer.log"
    writer = start_writer(redis, db_path, writer_log)
    with ArchiveServer(archive, chunk_delay=0.05, chunk=16 * 1024) as server:
        settings = cluster_settings(server, redis, worker_timeout=4)
        workers = [
            start_crawl(
                tmp_path / f"worker-{n}" / "news.db", "ccnews", f"month={MONTH}", **settings
            )
            for n in range(2)
        ]
        for worker in workers:
            _, errors = worker.communicate(timeout=120)
            assert worker.returncode == 0, errors[-3000:]
        wait_drained(redis)
        assert stop(writer, writer_log) == 0, writer_log.read_text()[-3000:]
        assert len(file_requests(server)) == 3  # each file read once, by one worker

        readers = rows(
            db_path, "select warc_file, count(distinct crawl_id) n from fetches group by 1"
        )
        assert len(readers) == 3 and {row["n"] for row in readers} == {1}
        by_crawl = rows(db_path, "select crawl_id, count(*) n from fetches group by 1")
        assert len(by_crawl) == 2  # both workers read
        assert count(db_path, "select count(*) from fetches") == RECORDS
        assert count(db_path, "select count(*) from warc_inputs where outcome = 'complete'") == 3

        # A second run queues nothing: every file was read.
        writer = start_writer(redis, db_path, writer_log)
        again = start_crawl(
            tmp_path / "worker-0" / "news.db", "ccnews", f"month={MONTH}", **settings
        )
        _, errors = again.communicate(timeout=120)
        assert again.returncode in (0, 3), errors[-3000:]
        wait_drained(redis)
        assert stop(writer, writer_log) == 0
        assert len(file_requests(server)) == 3
        assert count(db_path, "select count(*) from fetches") == RECORDS


def test_a_file_whose_worker_was_killed_is_taken_back_and_each_record_stored_once(
    archive: Path, tmp_path: Path, redis: RedisServer
) -> None:
    db_path = tmp_path / "news.db"
    writer_log = tmp_path / "writer.log"
    writer = start_writer(redis, db_path, writer_log)
    with ArchiveServer(archive, chunk_delay=0.2, chunk=16 * 1024) as server:
        settings = cluster_settings(server, redis, worker_timeout=2)
        first = start_crawl(tmp_path / "first.db", "ccnews", f"month={MONTH}", **settings)
        deadline = time.monotonic() + 50
        while count(db_path, "select count(*) from fetches") < 2:
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        time.sleep(3)  # its marks are older than REDIS_WORKER_TIMEOUT: it is taken for dead
        server.chunk_delay = 0
        second = start_crawl(tmp_path / "second.db", "ccnews", f"month={MONTH}", **settings)
        _, errors = second.communicate(timeout=120)
        assert second.returncode == 0, errors[-3000:]
        wait_drained(redis)
        assert stop(writer, writer_log) == 0, writer_log.read_text()[-3000:]

    records = rows(db_path, "select warc_file, warc_offset, count(*) n from fetches group by 1, 2")
    assert len(records) == RECORDS and {row["n"] for row in records} == {1}
    assert count(db_path, "select count(*) from warc_inputs where outcome = 'complete'") == 3
    # The file the killed worker held was read again, whole, by the other: each file was
    # requested once, but that one twice.
    assert sorted(Counter(file_requests(server)).values()) == [1, 1, 2]


def test_bad_arguments_stop_the_crawl_before_it_starts(db_path: Path) -> None:
    for arguments in (
        ("month=2026-11",),
        (),
        ("month=2026/11", "paths=x"),
        ("month=2026/11", "since=soon"),
    ):
        result = crawl(db_path, "ccnews", *arguments, check=False)
        assert result.returncode == 2, (arguments, result.stderr[-2000:])
