"""Flat memory for huge sitemaps (``crawler/frontier.py``, ``crawler/discovery.py``): a
sitemap of 100,000 URLs is parsed as it is read and its requests are queued on disk."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, crawl_command
from tests.newssite import QuietHandler, served
from tests.test_news_spider import FAST

URLS = 100_000
MAX_MIB = 300
"""The peak the issue asks for with 200,000 URLs (it was 754 MiB; 450 MiB with these)."""
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], capture_output=True, check=False)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)
"""Runs a command and prints the peak resident size of the largest of its processes, KiB."""


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/sitemap.xml":
            base = f"http://{self.headers['Host']}"
            body = (
                '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>{base}/news/{n}</loc></url>" for n in range(URLS))
                + "</urlset>"
            ).encode()
        else:
            body = b"User-agent: *\nAllow: /\n" if self.path == "/robots.txt" else b"<p>short</p>"
        self.reply(200, "application/xml" if "xml" in self.path else "text/html", body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with served(_Handler) as url:
        yield url


@pytest.mark.slow
def test_a_huge_sitemap_is_queued_on_disk_in_flat_memory(site: str, db_path: Path) -> None:
    command = crawl_command(
        db_path,
        "news",
        f"start={site}/sitemap.xml",
        **{**FAST, "CLOSESPIDER_TIMEOUT": 5, "WARC_ENABLED": False, "EXTRACT_WORKERS": 1},
    )
    peak = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    peak_mib = int(peak.stdout.strip()) / 1024
    with sqlite3.connect(db_path) as db:
        stats = json.loads(db.execute("select stats from crawls").fetchone()[0])
    db.close()
    # Only the first FRONTIER_MEMORY_REQUESTS (1,000) wait in memory, with the few fetched
    # before the sitemap's URLs came.
    assert stats["scheduler/enqueued/memory"] < 1100
    assert stats["scheduler/enqueued/disk"] >= URLS - 1000
    assert peak_mib < MAX_MIB, f"peak {peak_mib:.0f} MiB"
