"""Ctrl-C in the middle of a crawl: pages in hand are written, the crawl row is closed, and
the next run stores the rest."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS, count, crawl, start_crawl

PAGES = 1000


def write_corpus(folder: Path) -> None:
    paragraphs = [
        line
        for line in (SEEDS / "003_ba733785e354af19.txt").read_text().splitlines()
        if len(line) > 150
    ]
    folder.mkdir()
    for number in range(PAGES):
        body = "".join(f"<p>Report {number}. {paragraph}</p>" for paragraph in paragraphs[:4])
        head = f"<head><title>Report {number}</title></head>"
        page = f"<html>{head}<body><article>{body}</article></body></html>"
        (folder / f"report-{number:04d}.html").write_text(page)


@pytest.mark.slow
def test_ctrl_c_writes_what_is_in_hand_and_a_rerun_completes(tmp_path: Path) -> None:
    corpus, db_path = tmp_path / "corpus", tmp_path / "news.db"
    write_corpus(corpus)
    process = start_crawl(db_path, "files", f"path={corpus}", SQLITE_BATCH_SIZE=10)
    deadline = time.monotonic() + 120
    while count(db_path, "select count(*) from fetches") < 20:
        assert process.poll() is None, "the crawl ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)

    assert "Traceback" not in stderr
    closed = "select count(*) from crawls where finish_reason = 'shutdown' and finished_at > ''"
    assert count(db_path, closed) == 1
    stored = count(db_path, "select count(*) from articles")
    assert 20 <= stored < PAGES
    assert (
        count(db_path, "select count(*) from articles a join fetches f on f.id = a.fetch_id")
        == stored
    )

    crawl(db_path, "files", f"path={corpus}")
    assert count(db_path, "select count(*) from articles") == PAGES
    assert (
        count(db_path, "select count(*) from fetches where crawl_id = 2 and outcome = 'unchanged'")
        == stored
    )
