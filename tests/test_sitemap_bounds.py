"""Bounds on sitemaps (``crawler/sitemap_bounds.py``): an endless chain of sitemap indexes
and a site of too many sitemap files end at the bounds, and what is left out is recorded."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import crawl
from tests.newssite import QuietHandler, served
from tests.test_news_spider import FAST

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
WIDE = 20
"""Sitemaps the index at ``/wide.xml`` lists."""


def sitemap_index(locations: list[str]) -> bytes:
    entries = "".join(f"<sitemap><loc>{location}</loc></sitemap>" for location in locations)
    return f'<?xml version="1.0"?><sitemapindex xmlns="{NS}">{entries}</sitemapindex>'.encode()


def urlset(locations: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{location}</loc></url>" for location in locations)
    return f'<?xml version="1.0"?><urlset xmlns="{NS}">{entries}</urlset>'.encode()


class _Handler(QuietHandler):
    """``/chain/N.xml``: an index listing ``/chain/N+1.xml``, for ever; ``/wide.xml``: an
    index of ``WIDE`` sitemaps ``/part/N.xml``, each listing nothing that exists."""

    def do_GET(self) -> None:
        base = f"http://{self.headers['Host']}"
        if chain := re.fullmatch(r"/chain/(\d+)\.xml", self.path):
            body = sitemap_index([f"{base}/chain/{int(chain[1]) + 1}.xml"])
        elif self.path == "/wide.xml":
            body = sitemap_index([f"{base}/part/{n}.xml" for n in range(WIDE)])
        elif self.path.startswith("/part/"):
            body = urlset([])
        elif self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        else:
            self.send_error(404)
            return
        self.reply(200, "application/xml", body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with served(_Handler) as url:
        yield url


def fetches(db_path: Path) -> dict[str, str]:
    with sqlite3.connect(db_path) as db:
        rows = dict(db.execute("select uri, outcome from fetches").fetchall())
    db.close()
    return rows


def test_an_endless_chain_of_sitemap_indexes_stops_at_the_depth_bound(
    site: str, db_path: Path
) -> None:
    result = crawl(
        db_path, "news", f"start={site}/chain/0.xml", check=False, NEWS_SITEMAP_MAX_DEPTH=3, **FAST
    )
    assert fetches(db_path) == {
        **{f"{site}/chain/{n}.xml": "not_article" for n in range(4)},
        f"{site}/chain/4.xml": "skipped: sitemap_depth",
    }, result.stderr[-3000:]
    assert "4 sitemap indexes deep, more than NEWS_SITEMAP_MAX_DEPTH (3)" in result.stderr


def test_sitemap_files_past_the_bound_of_a_site_are_recorded_not_read(
    site: str, db_path: Path
) -> None:
    result = crawl(
        db_path, "news", f"start={site}/wide.xml", check=False, NEWS_SITEMAPS_PER_SITE=5, **FAST
    )
    outcomes = fetches(db_path)
    parts = [outcome for uri, outcome in outcomes.items() if "/part/" in uri]
    assert parts.count("not_article") == 5, result.stderr[-3000:]
    assert parts.count("skipped: sitemap_limit") == WIDE - 5
    assert "more than NEWS_SITEMAPS_PER_SITE (5) sitemap files from 127.0.0.1" in result.stderr
