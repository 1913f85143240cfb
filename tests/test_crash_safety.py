"""A crawl killed outright (SIGKILL) or asked to stop (SIGTERM) in the middle of writing: the
database opens cleanly with every article whole, the WARC files read up to their last whole
record, and the next run stores the rest."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import time
from pathlib import Path
from subprocess import Popen

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.conftest import count, crawl, start_crawl
from tests.test_interruption import PAGES, write_corpus


def interrupt_midway(db_path: Path, corpus: Path, sign: signal.Signals) -> Popen[str]:
    """Start a files crawl with small batches and small WARC files, and send ``sign`` to its
    whole process group once some batches are written."""
    process = start_crawl(
        db_path, "files", f"path={corpus}", SQLITE_BATCH_SIZE=10, WARC_MAX_BYTES=20_000
    )
    deadline = time.monotonic() + 120
    while count(db_path, "select count(*) from fetches") < 30:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(process.pid, sign)
    return process


def whole_records(warc: Path) -> dict[int, tuple[str, str]]:
    """The whole records of a WARC file by offset (record id, payload SHA-256), read in order
    until the end or the first damage."""
    found: dict[int, tuple[str, str]] = {}
    with warc.open("rb") as stream:
        records = ArchiveIterator(stream)
        try:
            for record in records:
                payload = record.raw_stream.read()
                if record.raw_stream.limit > 0:  # the file ends inside this record
                    break
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                found[records.get_record_offset()] = (
                    record_id,
                    hashlib.sha256(payload).hexdigest(),
                )
        except Exception:  # a torn gzip member or header at the end
            pass
    return found


def assert_consistent(db_path: Path) -> int:
    """Check the database and the archive a stopped crawl left; the number of articles."""
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert connection.execute("pragma foreign_key_check").fetchall() == []
        articles = connection.execute("select count(*) from articles").fetchone()[0]
        whole = connection.execute(
            "select count(*) from articles a join fetches f on f.id = a.fetch_id"
            " where f.outcome = 'article' and f.article_id = a.id and a.text != ''"
            " and a.word_count > 0 and f.warc_record_id is not null"
        ).fetchone()[0]
        assert whole == articles
        fetches = connection.execute(
            "select warc_file, warc_offset, warc_record_id, body_sha256 from fetches"
            " where warc_file is not null"
        ).fetchall()
    connection.close()
    records: dict[str, dict[int, tuple[str, str]]] = {}
    for warc_file, offset, record_id, body_sha256 in fetches:
        if warc_file not in records:
            records[warc_file] = whole_records(db_path.parent / warc_file)
        assert records[warc_file].get(offset) == (record_id, body_sha256)
    return articles


@pytest.mark.slow
def test_sigkill_mid_write_leaves_a_clean_database_and_archive(tmp_path: Path) -> None:
    corpus, db_path = tmp_path / "corpus", tmp_path / "news.db"
    write_corpus(corpus)
    process = interrupt_midway(db_path, corpus, signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL

    stored = assert_consistent(db_path)
    assert 10 <= stored < PAGES
    warcs = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(warcs) > 1

    crawl(db_path, "files", f"path={corpus}")
    assert count(db_path, "select count(*) from articles") == PAGES
    assert assert_consistent(db_path) == PAGES
    finished = "select count(*) from crawls where finish_reason = 'finished'"
    assert count(db_path, finished) == 1


@pytest.mark.slow
def test_sigterm_flushes_and_closes_cleanly(tmp_path: Path) -> None:
    corpus, db_path = tmp_path / "corpus", tmp_path / "news.db"
    write_corpus(corpus)
    process = interrupt_midway(db_path, corpus, signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)

    # Closed cleanly, and says it did not finish: exit status 5 (docs/running.md, Exit status)
    assert process.returncode == 5, stderr[-3000:]
    assert "Traceback" not in stderr
    closed = "select count(*) from crawls where finish_reason = 'shutdown' and finished_at > ''"
    assert count(db_path, closed) == 1
    stored = assert_consistent(db_path)
    assert 30 <= stored < PAGES
    # Closed cleanly: every record of every WARC file is whole.
    for warc in (tmp_path / "warc").glob("*.warc.gz"):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                record.raw_stream.read()
                assert record.raw_stream.limit == 0
