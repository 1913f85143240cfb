"""The database contract: schema from the records, migrations, WAL, full-text search, writes."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from crawler.items import Article, Crawl, Fetch, Page, article_id
from pipelines.database import TABLES, FetchHistory, NewsDatabase
from tests.conftest import DATA

CONTRACT = {
    "crawls": {"id", "spider", "args", "started_at", "finished_at", "stats", "versions"},
    "fetches": {
        "id",
        "crawl_id",
        "uri",
        "final_url",
        "status",
        "fetched_at",
        "content_type",
        "encoding",
        "body_bytes",
        "body_sha256",
        "outcome",
        "warc_file",
        "warc_offset",
        "warc_length",
    },
    "articles": {
        "id",
        "url",
        "title",
        "author",
        "date_published",
        "language",
        "sitename",
        "text",
        "text_sha256",
        "word_count",
        "extractor",
        "extracted_at",
        "fetch_id",
        "first_seen",
        "last_seen",
        "story_id",
    },
    "article_versions": {"article_id", "version", "text", "title", "fetch_id", "superseded_at"},
    "article_signatures": {"article_id", "text_sha256", "num_perm", "shingle_words", "signature"},
    "similar_articles": {"a_id", "b_id", "jaccard", "containment", "kind", "found_at"},
    "stories": {"id", "label", "first_time", "last_time", "article_count"},
    "crawl_lease": {"holder", "host", "pid", "crawl_id", "acquired_at", "renewed_at"},
    "warc_inputs": {"url", "selection", "outcome", "records", "pages", "finished_at", "crawl_id"},
}


@pytest.fixture
def database(db_path: Path):
    opened = NewsDatabase(db_path)
    yield opened
    opened.close()


def make_page(url: str, text: str, when: str, outcome: str = "article") -> Page:
    fetch = Fetch(uri=url, final_url=url, fetched_at=when, outcome=outcome)
    article = Article(
        id=article_id(url),
        url=url,
        text=text,
        text_sha256=str(hash(text)),
        word_count=len(text.split()),
        extractor="test",
        extracted_at=when,
        first_seen=when,
        last_seen=when,
        title="A title",
    )
    return Page(fetch=fetch, article=article)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_tables_hold_the_record_fields_and_the_public_contract(
    database: NewsDatabase, table: str
) -> None:
    columns = set(database.db[table].columns_dict)
    assert columns == {f.name for f in dataclasses.fields(TABLES[table])}
    assert CONTRACT[table] <= columns


def test_schema_is_strict_with_keys_and_wal(database: NewsDatabase) -> None:
    assert database.db.journal_mode == "wal"
    assert database.db["articles"].pks == ["id"]
    assert {(fk.column, fk.other_table) for fk in database.db["fetches"].foreign_keys} == {
        ("crawl_id", "crawls"),
        ("article_id", "articles"),
    }
    assert {(fk.column, fk.other_table) for fk in database.db["articles"].foreign_keys} == {
        ("fetch_id", "fetches"),
        ("story_id", "stories"),
    }
    assert "STRICT" in database.db["articles"].schema
    assert database.db["articles"].detect_fts() == "articles_fts"


def test_reopening_applies_no_migration_twice(db_path: Path) -> None:
    NewsDatabase(db_path).close()
    NewsDatabase(db_path).close()
    with sqlite_utils.Database(db_path) as db:
        assert [row["name"] for row in db["_sqlite_migrations"].rows] == [
            "m001_create_tables",
            "m002_revisits_and_versions",
            "m003_article_metadata",
            "m004_warc_provenance",
            "m005_similar_articles",
            "m006_stories",
            "m007_crawl_summary",
            "m008_reindex_only_changed_text",
            "m009_crawl_worker",
            "m010_storage_failures",
            "m011_crawl_lease",
            "m012_remote_warc_inputs",
            "m013_signature_shingles",
        ]


def test_changed_text_makes_a_version_and_keeps_the_earlier_one(database: NewsDatabase) -> None:
    crawl_id = database.start_crawl(
        Crawl(spider="t", args="{}", started_at="2026-01-01T00:00:00+00:00", versions="{}")
    )
    url = "https://news.example/a"
    for day, text in ((1, "first text"), (2, "second text"), (3, "third text")):
        with database.transaction():
            database.save_page(make_page(url, text, f"2026-01-0{day}T00:00:00+00:00"), crawl_id)
    rows = list(database.db["articles"].rows)
    assert len(rows) == 1
    assert rows[0]["text"] == "third text" and rows[0]["version"] == 3
    assert rows[0]["first_seen"] == "2026-01-01T00:00:00+00:00"
    assert rows[0]["last_seen"] == "2026-01-03T00:00:00+00:00"
    assert rows[0]["fetch_id"] == 3
    versions = list(database.db["article_versions"].rows_where(order_by="version"))
    assert [(v["version"], v["text"], v["fetch_id"]) for v in versions] == [
        (1, "first text", 1),
        (2, "second text", 2),
    ]
    assert [v["superseded_at"] for v in versions] == [
        "2026-01-02T00:00:00+00:00",
        "2026-01-03T00:00:00+00:00",
    ]
    stored = database.stored_article(rows[0]["id"])
    assert stored is not None and stored.version == 3 and url in stored.source_urls
    with database.transaction():
        database.save_page(make_page(url, "third text", "2026-01-04T00:00:00+00:00"), crawl_id)
    assert database.stored_article(rows[0]["id"]).version == 3, "the same text keeps its version"


def test_a_duplicate_only_moves_last_seen(database: NewsDatabase) -> None:
    crawl_id = database.start_crawl(Crawl(spider="t", args="{}", started_at="x", versions="{}"))
    url = "https://news.example/a"
    with database.transaction():
        database.save_page(make_page(url, "same text", "2026-01-01T00:00:00+00:00"), crawl_id)
        database.save_page(
            make_page(url, "same text", "2026-01-03T00:00:00+00:00", outcome="duplicate"), crawl_id
        )
    (row,) = database.db["articles"].rows
    assert row["fetch_id"] == 1 and row["last_seen"] == "2026-01-03T00:00:00+00:00"
    assert [f["outcome"] for f in database.db["fetches"].rows] == ["article", "duplicate"]
    assert {f["article_id"] for f in database.db["fetches"].rows} == {row["id"]}


def test_full_text_search_follows_writes(database: NewsDatabase) -> None:
    crawl_id = database.start_crawl(Crawl(spider="t", args="{}", started_at="x", versions="{}"))
    with database.transaction():
        database.save_page(
            make_page("https://news.example/a", "Troops will leave Iraq", "t"), crawl_id
        )
        database.save_page(
            make_page("https://news.example/b", "Markets rallied on Monday", "t"), crawl_id
        )
    hits = list(database.db["articles"].search("leave iraq"))
    assert [hit["url"] for hit in hits] == ["https://news.example/a"]
    with database.transaction():
        database.save_page(
            make_page("https://news.example/b", "Troops rallied in Iraq", "u"), crawl_id
        )
    hits = list(database.db["articles"].search("iraq", order_by="url"))
    assert [hit["url"] for hit in hits] == ["https://news.example/a", "https://news.example/b"]
    assert not list(database.db["articles"].search("markets"))


def test_updates_that_keep_the_text_do_not_reindex_it(database: NewsDatabase) -> None:
    crawl_id = database.start_crawl(Crawl(spider="t", args="{}", started_at="x", versions="{}"))
    with database.transaction():
        database.save_page(make_page("https://news.example/a", "Troops leave", "t"), crawl_id)
    changes = database.db.conn.total_changes
    database.db.execute("UPDATE articles SET last_seen = 'z'")
    assert database.db.conn.total_changes - changes == 1, "the full-text index was written"
    database.db.execute("UPDATE articles SET title = 'Troops stay'")
    assert [hit["title"] for hit in database.db["articles"].search("stay")] == ["Troops stay"]


def test_a_failed_transaction_writes_nothing(database: NewsDatabase) -> None:
    crawl_id = database.start_crawl(Crawl(spider="t", args="{}", started_at="x", versions="{}"))
    with pytest.raises(RuntimeError), database.transaction():
        database.save_page(make_page("https://news.example/a", "text", "t"), crawl_id)
        raise RuntimeError("crash mid-batch")
    assert database.db["fetches"].count == 0 and database.db["articles"].count == 0


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("http://news.example/a?utm_source=x&id=2", "https://news.example/a?id=2"),
        ("https://news.example/a#comments", "https://news.example/a"),
        ("https://NEWS.example/a?b=1&a=2", "https://news.example/a?a=2&b=1"),
    ],
)
def test_article_ids_ignore_what_does_not_make_another_article(one: str, other: str) -> None:
    assert article_id(one) == article_id(other)


def test_article_ids_differ_between_articles() -> None:
    assert article_id("https://news.example/a") != article_id("https://news.example/b")


def test_a_first_release_database_is_migrated_keeping_its_rows(db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.executescript((DATA / "schema_m001.sql").read_text())
    connection.close()
    database = NewsDatabase(db_path)
    try:
        for table in ("fetches", "articles", "article_versions"):
            assert set(database.db[table].columns_dict) == {
                f.name for f in dataclasses.fields(TABLES[table])
            }
        (article,) = database.db["articles"].rows
        assert article["title"] == "Old title" and article["version"] == 1
        (fetch,) = database.db["fetches"].rows
        assert fetch["etag"] is None and fetch["discovered_via"] is None
        previous = FetchHistory(db_path).previous("https://news.example/a")
        assert previous is not None and previous.article_id == article["id"]
        assert previous.body_sha256 == "b1" and previous.crawl_finished
    finally:
        database.close()
