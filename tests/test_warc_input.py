"""The files spider reading WARC files (ours and other crawlers'), and reading only what it was
given: records become pages with the record as provenance; links never lead it elsewhere."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import SEEDS, crawl
from tests.test_files_spider import article_html
from tests.warcs import (
    ARTICLE_PAGES,
    OTHER_EXCHANGES,
    OTHER_OUTCOMES,
    article_exchanges,
    write_warc,
)


def record_at(path: Path, offset: int):  # type: ignore[no-untyped-def]
    """The record starting at ``offset`` in a WARC file, with its raw payload read."""
    with path.open("rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return record, record.raw_stream.read()


@pytest.mark.parametrize("name", ["crawl.warc.gz", "crawl.warc"])
def test_warc_records_become_pages_with_the_record_as_provenance(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    warc = archive / name
    write_warc(warc, article_exchanges() + OTHER_EXCHANGES, compress=name.endswith(".gz"))
    db_path = tmp_path / "out" / "news.db"
    db_path.parent.mkdir()

    crawl(db_path, "files", f"path={archive}")

    db = sqlite_utils.Database(db_path)
    fetches = {row["uri"]: row for row in db["fetches"].rows}
    articles = [exchange.url for exchange in article_exchanges()]
    assert set(fetches) == set(articles) | set(OTHER_OUTCOMES)
    for url, outcome in OTHER_OUTCOMES.items():
        assert fetches[url]["outcome"] == outcome, url
    for url in articles:
        fetch = fetches[url]
        assert fetch["outcome"] == "article", url
        assert fetch["status"] == 200
        assert fetch["fetched_at"] == "2025-03-04T05:06:07+00:00"
        assert fetch["warc_file"] == os.path.join("..", "archive", name)
        record, payload = record_at(db_path.parent / fetch["warc_file"], fetch["warc_offset"])
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == fetch["warc_record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == url
        assert hashlib.sha256(payload).hexdigest() == fetch["body_sha256"]
        assert len(payload) == fetch["body_bytes"]
    # The gzip-encoded response is decoded before extraction; its hash is of the stored bytes.
    gzipped = fetches[articles[0]]
    assert gzipped["body_sha256"] != hashlib.sha256(ARTICLE_PAGES[0].read_bytes()).hexdigest()
    titles = {row["url"]: row["title"] for row in db["articles"].rows}
    assert len(titles) == len(ARTICLE_PAGES)
    assert all(titles.values())
    stats = db.execute("select stats from crawls").fetchone()[0]
    assert f'"files/warc_records": {len(articles) + len(OTHER_EXCHANGES)}' in stats

    crawl(db_path, "files", f"path={archive}")
    second = db.execute("select outcome, count(*) from fetches where crawl_id = 2 group by 1")
    counts = dict(second.fetchall())
    assert counts["unchanged"] == len(articles)
    assert "article" not in counts
    assert db["articles"].count == len(ARTICLE_PAGES)


def test_a_damaged_warc_gives_the_records_before_the_damage(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, article_exchanges())
    data = whole.read_bytes()
    archive = tmp_path / "archive"
    archive.mkdir()
    # Cut inside the last response record, as a crawler killed mid-write leaves it.
    (archive / "cut.warc.gz").write_bytes(data[: len(data) - 3000])
    (archive / "page.html").write_text(article_html("", "Another story"), encoding="utf-8")
    db_path = tmp_path / "news.db"

    result = crawl(db_path, "files", f"path={archive}")

    db = sqlite_utils.Database(db_path)
    outcomes = dict(db.execute("select uri, outcome from fetches").fetchall())
    stored = [url for url, outcome in outcomes.items() if url.startswith("https://")]
    assert len(stored) == len(ARTICLE_PAGES) - 1
    assert all(outcomes[url] == "article" for url in stored)
    assert outcomes[(archive / "page.html").as_uri()] == "article"
    assert "Stopped reading" in result.stderr
    crawl_row = db.execute("select finish_reason, stats from crawls").fetchone()
    assert crawl_row[0] == "finished"
    assert '"files/warc_damaged": 1' in crawl_row[1]


def test_only_files_under_the_paths_given_are_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.html"
    secret.write_bytes(ARTICLE_PAGES[2].read_bytes())
    (outside / "more.html").write_bytes(ARTICLE_PAGES[3].read_bytes())
    given = tmp_path / "given"
    given.mkdir()
    linking = (
        ARTICLE_PAGES[0]
        .read_text(encoding="utf-8")
        .replace(
            "<body",
            f'<body><a href="{secret.as_uri()}">file link</a>'
            '<a href="file:///etc/passwd">passwd</a><link rel="next" href="../outside/more.html"',
            1,
        )
    )
    (given / "article.html").write_text(linking, encoding="utf-8")
    (given / "escape.html").symlink_to(secret)
    (given / "folder").symlink_to(outside, target_is_directory=True)
    inside = given / "inside.html"
    inside.write_bytes(ARTICLE_PAGES[4].read_bytes())
    (given / "alias.html").symlink_to(inside)
    db_path = tmp_path / "news.db"

    result = crawl(db_path, "files", f"path={given}")

    db = sqlite_utils.Database(db_path)
    outcomes = dict(db.execute("select uri, outcome from fetches").fetchall())
    assert outcomes == {
        (given / "article.html").as_uri(): "article",
        (given / "escape.html").as_uri(): "skipped: outside_path",
        inside.as_uri(): "article",
    }
    assert f"leads out of {given}" in result.stderr
    texts = " ".join(row["text"] for row in db["articles"].rows)
    secret_text = db.execute("select count(*) from articles where url like '%secret%'")
    assert secret_text.fetchone()[0] == 0
    assert "root:" not in texts
    assert '"pages/skipped/outside_path": 1' in db.execute("select stats from crawls").fetchone()[0]

    # A file named itself is the user's choice, link or not.
    crawl(db_path, "files", f"path={given / 'escape.html'}")
    assert db.execute("select outcome from fetches where crawl_id = 2").fetchone()[0] == "article"


def test_our_own_archive_reads_back_into_the_same_articles(tmp_path: Path) -> None:
    first = tmp_path / "first" / "news.db"
    first.parent.mkdir()
    crawl(first, "files", f"path={SEEDS}/0*.txt,{ARTICLE_PAGES[0]}")
    warcs = list((first.parent / "warc").glob("*.warc.gz"))
    assert len(warcs) == 1
    second = tmp_path / "second" / "news.db"
    second.parent.mkdir()

    crawl(second, "files", f"path={warcs[0]}")

    query = "select url, title, text_sha256 from articles order by url"
    before = sqlite_utils.Database(first).execute(query).fetchall()
    after = sqlite_utils.Database(second).execute(query).fetchall()
    assert len(before) == 5  # the BBC page and its capture are one article
    assert after == before
    provenance = "select uri, warc_record_id, body_sha256 from fetches order by uri"
    originals = sqlite_utils.Database(first).execute(provenance).fetchall()
    assert sqlite_utils.Database(second).execute(provenance).fetchall() == originals


def test_an_unreadable_warc_is_recorded_and_the_rest_is_read(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "gone.warc.gz").symlink_to(archive / "deleted.warc.gz")
    (archive / "page.html").write_text(article_html("", "Another story"), encoding="utf-8")
    db_path = tmp_path / "news.db"

    result = crawl(db_path, "files", f"path={archive}")

    outcomes = dict(sqlite_utils.Database(db_path).execute("select uri, outcome from fetches"))
    assert outcomes == {
        (archive / "deleted.warc.gz").as_uri(): "error: read_failed",
        (archive / "page.html").as_uri(): "article",
    }
    assert "Could not read" in result.stderr
