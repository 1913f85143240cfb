"""The progress line on long runs: done/total, rate and ETA, at most once per interval, and
quiet under ``LOG_LEVEL=WARNING`` (``crawler/progress.py``)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from scrapy import Request

from crawler.progress import (
    TOTAL_FINAL_STAT,
    TOTAL_STAT,
    ProgressExtension,
    format_duration,
    progress_line,
)
from tests.conftest import crawl, project_crawler

PAGES = 200
INTERVAL = 0.2
LOG_FORMAT = "%(created).3f [%(name)s] %(levelname)s: %(message)s"
"""Log lines stamped to the millisecond, to measure the time between progress lines."""
LINE = re.compile(
    r"^(?P<time>\d+\.\d{3}) \[crawler\.progress\] INFO: Progress: (?P<done>[\d,]+)/"
    r"(?P<total>[\d,]+) pages \((?P<share>\d+)%\), (?P<rate>[\d,.]+) pages/s,"
    r" ETA (?:unknown|\d+[dhms]\S*)$"
)
PARAGRAPH = (
    "The harbour committee met on Tuesday to weigh the cost of repairs to the sea wall, and"
    " members argued at length over who should pay for the work before the winter storms. "
)


def write_pages(folder: Path, count: int) -> Path:
    """``count`` small article pages, each its own article."""
    folder.mkdir(parents=True)
    for number in range(count):
        body = "".join(f"<p>Page {number}, part {part}. {PARAGRAPH * 2}</p>" for part in range(3))
        (folder / f"page-{number:04d}.html").write_text(
            f"<html><head><title>Page {number}</title></head>"
            f"<body><article><h1>Page {number}</h1>{body}</article></body></html>"
        )
    return folder


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pages(tmp_path_factory.mktemp("progress") / "pages", PAGES)


def progress_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "[crawler.progress]" in line]


def test_a_files_crawl_logs_its_progress_at_most_once_per_interval(
    pages: Path, tmp_path: Path
) -> None:
    result = crawl(
        tmp_path / "news.db",
        "files",
        f"path={pages}",
        PROGRESS_INTERVAL=INTERVAL,
        LOG_FORMAT=LOG_FORMAT,
    )
    lines = progress_lines(result.stderr)
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    assert len(matches) >= 2, lines
    times = [float(m["time"]) for m in matches if m]
    done = [int(m["done"].replace(",", "")) for m in matches if m]
    assert {m["total"] for m in matches if m} == {f"{PAGES}"}, "the files were counted first"
    assert done == sorted(done) and done[-1] <= PAGES
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= INTERVAL * 0.95, gaps
    assert "Crawled " not in result.stderr, "Scrapy's LogStats line is replaced"
    assert f"Crawl 1 (files) finished: {PAGES} pages" in result.stderr


def test_progress_lines_are_left_out_under_log_level_warning(pages: Path, tmp_path: Path) -> None:
    result = crawl(
        tmp_path / "news.db",
        "files",
        f"path={pages}",
        PROGRESS_INTERVAL=INTERVAL,
        LOG_LEVEL="WARNING",
    )
    assert "Progress:" not in result.stderr
    assert result.stderr.strip() == "", "a good crawl says nothing at WARNING (cron mails output)"


def test_a_total_of_warc_records_is_listed_so_far_until_every_file_is_read() -> None:
    assert progress_line(10, 40, final=False, rate=5.0) == (
        "Progress: 10/40 pages listed so far (25%), 5.0 pages/s, ETA 6s or more"
    )
    assert progress_line(1234, 10_000, final=True, rate=85.3) == (
        "Progress: 1,234/10,000 pages (12%), 85.3 pages/s, ETA 1m43s"
    )
    assert progress_line(7, None, final=False, rate=None) == (
        "Progress: 7 pages (total unknown), rate not known yet"
    )
    assert progress_line(0, 5, final=True, rate=0.0).endswith("ETA unknown")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (43.4, "43s"), (103, "1m43s"), (7500, "2h05m"), (273_600, "3d04h")],
)
def test_durations_read_as_people_write_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_the_total_is_the_spiders_else_the_requests_queued_so_far() -> None:
    crawler = project_crawler(PROGRESS_INTERVAL=1.0)
    crawler.stats.open_spider()
    progress = ProgressExtension(crawler, 1.0)
    assert progress.total() == (None, False)
    for url in ("https://a.test/1", "https://a.test/2", "https://a.test/2"):
        progress.request_scheduled(Request(url))
    progress.request_dropped(Request("https://a.test/2"))  # the duplicate filter's
    progress.request_scheduled(Request("https://a.test/1", meta={"retry_times": 1}))
    assert progress.total() == (2, False)
    crawler.stats.set_value(TOTAL_STAT, 50)
    crawler.stats.set_value(TOTAL_FINAL_STAT, True)
    assert progress.total() == (50, True)


def test_ticks_that_bunch_up_give_one_line(caplog: pytest.LogCaptureFixture) -> None:
    crawler = project_crawler()
    crawler.stats.open_spider()
    progress = ProgressExtension(crawler, 60.0)
    with caplog.at_level(logging.INFO, logger="crawler.progress"):
        progress.log()
        progress.page_done()
        progress.log()  # a late tick followed at once by the next one
    assert [record.getMessage() for record in caplog.records] == [
        "Progress: 0 pages (total unknown), rate not known yet"
    ]
