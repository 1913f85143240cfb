"""Memory stays flat as a crawl grows: the files spider makes requests only as the crawl can
take them, and the duplicate-request filter forgets the oldest fingerprints."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from scrapy import Request

from crawler.dupefilter import BoundedDupeFilter, RecentKeys
from tests.conftest import count, crawl, project_crawler

PARAGRAPH = "The council met on Tuesday to vote on the budget for the coming year. " * 12


def test_recent_keys_remember_between_one_and_two_generations() -> None:
    keys = RecentKeys(capacity=3)
    for number in range(10):
        keys.add(number)
        assert len(keys) <= 6
    assert {7, 8, 9} <= {n for n in range(10) if n in keys}
    assert 0 not in keys and 1 not in keys
    with pytest.raises(ValueError, match="at least 1"):
        RecentKeys(0)


def dupefilter(path: Path | None, capacity: int) -> BoundedDupeFilter:
    crawler = project_crawler(DUPEFILTER_MAX_ENTRIES=capacity, JOBDIR=str(path) if path else None)
    return BoundedDupeFilter.from_crawler(crawler)


def test_the_dupefilter_filters_recent_requests_within_its_bound() -> None:
    seen = dupefilter(None, capacity=100)
    urls = [f"https://news.example.com/story/{n}" for n in range(1000)]
    assert not any(seen.request_seen(Request(url)) for url in urls)
    assert all(seen.request_seen(Request(url)) for url in urls[-100:])
    assert len(seen._fingerprints) <= 200  # noqa: SLF001 (the bound is what is tested)
    assert not seen.request_seen(Request(urls[0])), "the oldest are forgotten"


def test_the_dupefilter_resumes_from_the_job_folder(tmp_path: Path) -> None:
    first = dupefilter(tmp_path, capacity=100)
    for n in range(50):
        first.request_seen(Request(f"https://news.example.com/story/{n}"))
    first.close("shutdown")
    with (tmp_path / "requests.seen").open("ab") as file:
        file.write(b"\x00\x14abc")  # a fingerprint cut short by a killed crawl
    resumed = dupefilter(tmp_path, capacity=100)
    assert resumed.request_seen(Request("https://news.example.com/story/7"))
    assert not resumed.request_seen(Request("https://news.example.com/story/50"))
    resumed.close("finished")


def write_pages(folder: Path, pages: int) -> None:
    folder.mkdir()
    for number in range(pages):
        body = "".join(f"<p>Report {number}, part {part}. {PARAGRAPH}</p>" for part in range(60))
        page = f"<html><head><title>Report {number}</title></head><body>{body}</body></html>"
        (folder / f"report-{number:04d}.html").write_text(page)


def test_the_files_spider_asks_for_files_only_as_the_crawl_takes_them(tmp_path: Path) -> None:
    corpus, db_path = tmp_path / "corpus", tmp_path / "news.db"
    write_pages(corpus, 300)  # 60 kB each: more than the 5 MB Scrapy keeps in hand
    crawl(
        db_path,
        "files",
        f"path={corpus}",
        EXTRACT_WORKERS=1,
        EXTENSIONS=json.dumps({"tests.probes.SchedulerProbe": 0}),
    )
    assert count(db_path, "select count(*) from articles") == 300
    with sqlite3.connect(db_path) as connection:
        (stats,) = connection.execute("select stats from crawls").fetchone()
    connection.close()
    assert json.loads(stats)["probe/max_scheduled"] <= 40, "the walk outran the crawl"
