"""The end of a crawl: its summary in the log and in its ``crawls`` row, and the exit status
``scrapy crawl`` gives cron and systemd (``crawler/summary.py``, ``crawler/commands/crawl.py``).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawler.items import Crawl
from crawler.summary import CrawlSummary
from pipelines.database import NewsDatabase
from tests.conftest import DATA, SEEDS, crawl, free_port
from tests.newssite import NewsSite, site_copy
from tests.test_news_spider import FAST

SUMMARY_COLUMNS = {
    "articles_new",
    "articles_changed",
    "pages_unchanged",
    "pages_duplicate",
    "pages_not_article",
    "pages_skipped",
    "pages_failed",
    "pages_total",
    "pages_per_second",
    "top_reasons",
    "exit_status",
    "exit_reason",
    "storage_failures",
}


def stats(**counts: int) -> dict[str, Any]:
    """Crawl stats with ``counts`` under their keys (``pages__error__http_404`` for
    ``pages/error/http_404``)."""
    return {key.replace("__", "/"): value for key, value in counts.items()}


@pytest.mark.parametrize(
    ("reason", "counts", "status", "name"),
    [
        ("finished", {"articles__new": 3, "pages__error__http_404": 1}, 0, "ok"),
        ("closespider_timeout", {"articles__new": 3}, 0, "ok"),
        ("finished", {"pages__unchanged__not_modified": 9, "pages__error__http_500": 9}, 0, "ok"),
        (
            "finished",
            {"pages__not_article__feed": 1, "pages__error__http_500": 2},
            4,
            "too_many_errors",
        ),
        ("finished", {"pages__error__connection_failed": 2}, 3, "nothing_read"),
        ("finished", {"pages__skipped__robots_txt": 2}, 3, "nothing_read"),
        ("finished", {}, 3, "nothing_read"),
        ("shutdown", {"articles__new": 30}, 5, "not_finished"),
        ("memusage_exceeded", {"articles__new": 30}, 5, "not_finished"),
        ("finished", {"articles__new": 30, "storage__failed__warc": 1}, 6, "storage_failed"),
        ("storage_failed", {"storage__failed__database": 2}, 6, "storage_failed"),
    ],
)
def test_the_exit_status_follows_the_documented_rule(
    reason: str, counts: dict[str, int], status: int, name: str
) -> None:
    verdict = CrawlSummary.from_stats(stats(**counts), reason).verdict(max_error_share=0.5)
    assert (verdict.status, verdict.reason) == (status, name)


def test_the_error_share_is_compared_with_crawl_max_error_share() -> None:
    summary = CrawlSummary.from_stats(
        stats(articles__new=6, pages__error__http_404=3, pages__skipped__binary=1), "finished"
    )
    assert summary.verdict(max_error_share=0.3).status == 0, "3 of 10 is not above 30%"
    too_many = summary.verdict(max_error_share=0.2)
    assert too_many.status == 4
    assert too_many.line() == (
        "Exit status 4 (too_many_errors): 3 of 10 pages failed (30.0%),"
        " more than CRAWL_MAX_ERROR_SHARE (20%)"
    )


def test_the_summary_names_the_top_three_reasons_and_its_columns_fit_the_crawls_table() -> None:
    summary = CrawlSummary.from_stats(
        {
            **stats(
                articles__new=120,
                articles__changed=3,
                articles__duplicate=5,
                pages__unchanged__same_body=600,
                pages__unchanged__not_modified=400,
                pages__not_article__index_page=40,
                pages__skipped__robots_txt=30,
                pages__skipped__binary=15,
                pages__skipped__too_large=5,
                pages__error__http_404=10,
                pages__error__connection_failed=4,
                pages__error__download_timeout=2,
                pages__error__http_500=1,
                pages__error__http_503=1,
            ),
            "elapsed_time_seconds": 83.0,
            "cleanwire/crawl_id": 12,
        },
        "finished",
    )
    lines = summary.lines("news", "data/news.db", Path("data/warc"))
    assert lines == [
        "Crawl 12 (news) finished: 1,236 pages in 1m23s, 14.9 pages/s",
        "  articles: 120 new, 3 changed; 1,000 unchanged, 5 duplicate, 40 not articles",
        "  skipped: 50 (robots_txt 30, binary 15, too_large 5)",
        "  failed: 18 (http_404 10, connection_failed 4, download_timeout 2, 2 more reasons)",
        "  database: data/news.db; WARC files: data/warc",
    ]
    columns = summary.columns(summary.verdict(0.5))
    crawl_fields = {field.name for field in dataclasses.fields(Crawl)}
    assert set(columns) == SUMMARY_COLUMNS and crawl_fields >= SUMMARY_COLUMNS
    assert json.loads(columns["top_reasons"]) == {
        "skipped": {"robots_txt": 30, "binary": 15, "too_large": 5},
        "error": {"http_404": 10, "connection_failed": 4, "download_timeout": 2},
    }
    assert (columns["pages_total"], columns["pages_per_second"]) == (1236, 14.89)


def test_a_database_from_before_the_summary_gains_its_columns(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.executescript((DATA / "schema_m001.sql").read_text())
    connection.close()
    NewsDatabase(db_path).close()
    with sqlite_utils.Database(db_path) as db:
        assert set(db["crawls"].columns_dict) >= SUMMARY_COLUMNS
        assert "m007_crawl_summary" in {row["name"] for row in db["_sqlite_migrations"].rows}


def last_crawl(db_path: Path) -> dict[str, Any]:
    with sqlite3.connect(db_path) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute("select * from crawls order by id desc limit 1").fetchone()
    connection.close()
    return dict(row)


def test_a_good_crawl_exits_0_and_its_summary_is_logged_and_stored(db_path: Path) -> None:
    result = crawl(db_path, "files", f"path={SEEDS}")
    assert result.returncode == 0
    assert "Crawl 1 (files) finished: 10 pages in " in result.stderr
    assert "  articles: 10 new, 0 changed; 0 unchanged, 0 duplicate, 0 not articles" in (
        result.stderr
    )
    assert f"  database: {db_path}; WARC files: {db_path.parent / 'warc'}" in result.stderr
    assert "Exit status 0 (ok): 0 of 10 pages failed (0.0%)" in result.stderr
    row = last_crawl(db_path)
    assert (row["articles_new"], row["pages_not_article"], row["pages_total"]) == (10, 0, 10)
    assert (row["exit_status"], row["exit_reason"]) == (0, "ok")
    assert row["pages_per_second"] > 0
    assert json.loads(row["top_reasons"]) == {"skipped": {}, "error": {}}

    again = crawl(db_path, "files", f"path={SEEDS}", LOG_LEVEL="WARNING")
    assert again.stderr.strip() == "", "nothing to say at WARNING when all went well"
    assert last_crawl(db_path)["pages_unchanged"] == 10


def test_a_crawl_of_a_site_that_is_down_exits_3_and_says_why(db_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = crawl(
        db_path,
        "news",
        f"start={down}/a,{down}/b",
        check=False,
        LOG_LEVEL="WARNING",
        **{**FAST, "RETRY_TIMES": 0},
    )
    assert result.returncode == 3, result.stderr[-3000:]
    assert (
        "[crawler.summary] ERROR: Exit status 3 (nothing_read): no page was read"
        " (2 pages, all skipped or failed)"
    ) in result.stderr
    row = last_crawl(db_path)
    assert (row["exit_status"], row["pages_failed"], row["pages_total"]) == (3, 2, 2)
    assert json.loads(row["top_reasons"])["error"] == {"connection_failed": 2}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsSite]:
    with NewsSite(site_copy(tmp_path_factory.mktemp("site") / "site")) as served:
        yield served


def test_errors_below_the_threshold_exit_0_and_above_it_4(site: NewsSite, tmp_path: Path) -> None:
    pages = ("/news/article-1", "/news/article-2", "/news/article-3", "/news/missing")
    start = "start=" + ",".join(f"{site.url}{path}" for path in pages)
    good = crawl(tmp_path / "a.db", "news", start, "depth=0", **FAST)
    assert "Exit status 0 (ok): 1 of 4 pages failed (25.0%)" in good.stderr
    assert last_crawl(tmp_path / "a.db")["pages_failed"] == 1

    strict = crawl(
        tmp_path / "b.db", "news", start, "depth=0", check=False, CRAWL_MAX_ERROR_SHARE=0.2, **FAST
    )
    assert strict.returncode == 4, strict.stderr[-3000:]
    assert "Exit status 4 (too_many_errors): 1 of 4 pages failed (25.0%)" in strict.stderr
    assert last_crawl(tmp_path / "b.db")["exit_reason"] == "too_many_errors"


def test_a_crawl_of_missing_pages_only_exits_3(site: NewsSite, db_path: Path) -> None:
    start = f"start={site.url}/news/missing,{site.url}/news/gone"
    result = crawl(db_path, "news", start, "depth=0", check=False, **FAST)
    assert result.returncode == 3, result.stderr[-3000:]
    assert json.loads(last_crawl(db_path)["top_reasons"])["error"] == {"http_404": 2}
