"""``scrapy crawl reextract``: the current extraction over archived responses, no network; a
new article version only where the text changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

from pipelines.extraction.html import EXTRACTOR_NAME
from tests.conftest import crawl
from tests.newssite import NewsSite, site_copy
from tests.test_warc_archive import FAST
from tests.warcs import article_exchanges, write_warc

CHANGED_BY_RECALL = "https://outlet.example/news/002_cgtn"
"""The one article page whose text trafilatura's recall mode extracts differently."""


@pytest.fixture
def archived(tmp_path: Path) -> Path:
    """A database made by reading a crawl's WARC file, with the default extraction."""
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, article_exchanges())
    db_path = tmp_path / "news.db"
    crawl(db_path, "files", f"path={warc}")
    return db_path


def articles_by_uri(db: sqlite_utils.Database) -> dict[str, dict]:  # type: ignore[type-arg]
    """The articles, by the URI the first crawl read each from (a page names its own URL)."""
    rows = db.execute(
        "select f.uri, a.* from fetches f join articles a on a.id = f.article_id"
        " where f.crawl_id = 1"
    )
    columns = [column[0] for column in rows.description]
    return {row[0]: dict(zip(columns[1:], row[1:], strict=True)) for row in rows.fetchall()}


def outcomes(db: sqlite_utils.Database, crawl_id: int) -> dict[str, str]:
    rows = db.execute("select uri, outcome from fetches where crawl_id = ?", [crawl_id])
    return dict(rows.fetchall())


def test_a_changed_extraction_makes_versions_only_where_the_text_changed(archived: Path) -> None:
    db = sqlite_utils.Database(archived)
    before = articles_by_uri(db)
    assert len(before) == 5

    crawl(archived, "reextract", EXTRACT_FOCUS="recall")

    found = outcomes(db, 2)
    assert found.pop(CHANGED_BY_RECALL) == "article"
    assert set(found.values()) == {"unchanged"}
    assert len(found) == 4
    after = articles_by_uri(db)
    assert after[CHANGED_BY_RECALL]["version"] == 2
    assert after[CHANGED_BY_RECALL]["text"] != before[CHANGED_BY_RECALL]["text"]
    assert after[CHANGED_BY_RECALL]["extractor"] == EXTRACTOR_NAME
    assert EXTRACTOR_NAME.startswith("cleanwire-html ")
    assert all(after[url]["version"] == 1 for url in found)
    assert db["article_versions"].count == 1
    # Each read points at the record the first crawl read, with its time.
    pairs = db.execute(
        "select a.warc_file, a.warc_offset, a.warc_record_id, a.body_sha256, a.fetched_at,"
        " b.warc_file, b.warc_offset, b.warc_record_id, b.body_sha256, b.fetched_at"
        " from fetches a join fetches b on a.uri = b.uri"
        " where a.crawl_id = 1 and b.crawl_id = 2"
    ).fetchall()
    assert len(pairs) == 5
    assert all(pair[:5] == pair[5:] for pair in pairs)
    crawl_row = db.execute("select spider, args, stats from crawls where id = 2").fetchone()
    assert crawl_row[:2] == ("reextract", json.dumps({"crawls": "all"}))
    stats = json.loads(crawl_row[2])
    assert stats["reextract/records"] == 5
    assert "downloader/request_count" not in stats

    crawl(archived, "reextract", EXTRACT_FOCUS="recall")
    assert set(outcomes(db, 3).values()) == {"unchanged"}
    assert db["article_versions"].count == 1


def test_only_the_chosen_crawls_are_read_again(archived: Path) -> None:
    db = sqlite_utils.Database(archived)
    nothing = crawl(archived, "reextract", "crawls=99", check=False, EXTRACT_FOCUS="recall")
    assert outcomes(db, 2) == {}
    assert nothing.returncode == 3, "no page read: exit status 3 (docs/running.md, Exit status)"
    crawl(archived, "reextract", "crawls=1", EXTRACT_FOCUS="recall")
    assert len(outcomes(db, 3)) == 5
    result = crawl(archived, "reextract", "crawls=first", check=False)
    assert result.returncode != 0
    assert "crawl ids" in result.stderr


def test_a_missing_archive_is_an_error_per_page_not_a_crash(archived: Path) -> None:
    for warc in archived.parent.glob("*.warc.gz"):
        warc.unlink()
    db = sqlite_utils.Database(archived)
    result = crawl(archived, "reextract", check=False)
    assert result.returncode == 3, "every page failed: exit status 3 (docs/running.md, Exit status)"
    assert set(outcomes(db, 2).values()) == {"error: archive_unreadable"}
    assert "Cannot read the archived response" in result.stderr
    assert db.execute("select finish_reason from crawls where id = 2").fetchone()[0] == "finished"
    assert all(row["version"] == 1 for row in db["articles"].rows)


def test_a_web_crawl_is_extracted_again_from_its_archive_without_the_site(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "news.db"
    with NewsSite(site_copy(tmp_path / "site"), slow_seconds=0.1) as site:
        crawl(db_path, "news", f"start={site.url}/", **FAST)
    db = sqlite_utils.Database(db_path)
    articles = db["articles"].count
    assert articles >= 4

    # The site is gone: everything comes from the archive.
    crawl(db_path, "reextract")

    found = outcomes(db, 2)
    first = outcomes(db, 1)
    read_whole = ("article", "not_article", "duplicate", "unchanged")
    assert set(found) == {url for url, outcome in first.items() if outcome in read_whole}
    for url, outcome in found.items():
        assert outcome == ("unchanged" if first[url] == "article" else first[url]), url
    assert db["articles"].count == articles
    assert db["article_versions"].count == 0
    assert all(url.startswith("http://127.0.0.1") for url in found)
