"""Every page accounted for (``crawler/redirects.py``, ``crawler/discovery.py``): a redirect
loop, a redirect to a URL already requested, and JSON served as ``text/html`` each get a
``fetches`` row and a log line saying why they gave no article."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEEDS, crawl
from tests.newssite import QuietHandler, served
from tests.test_news_spider import FAST

REDIRECTS = {
    "/loop/a": "/loop/b",
    "/loop/b": "/loop/a",
    "/moved": "/story",
    "/ever/0": "/ever/1",
}
"""Path to the path it redirects to; ``/ever/N`` redirects to ``/ever/N+1`` for ever."""
PARAGRAPHS = [
    line
    for line in (SEEDS / "004_3592a57944689d53.txt").read_text().splitlines()
    if len(line) > 150
]
STORY = (
    "<html><head><title>A story</title></head><body><article><h1>A story</h1>"
    + "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS[:4])
    + "</article></body></html>"
).encode()
API = b'{"articles": [{"title": "A story", "body": "' + PARAGRAPHS[0].encode() + b'"}]}'


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        target = REDIRECTS.get(self.path)
        if self.path.startswith("/ever/"):
            target = f"/ever/{int(self.path.rsplit('/', 1)[1]) + 1}"
        if target is not None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = {"/story": STORY, "/api": API, "/robots.txt": b"User-agent: *\nAllow: /\n"}.get(
            self.path
        )
        self.reply(200 if body is not None else 404, "text/html; charset=utf-8", body or b"")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with served(_Handler) as url:
        yield url


def test_redirect_loops_repeats_and_json_each_get_a_row_and_a_log_line(
    site: str, db_path: Path
) -> None:
    paths = ("/story", "/moved", "/loop/a", "/api", "/ever/0")
    start = "start=" + ",".join(site + path for path in paths)
    result = crawl(db_path, "news", start, "depth=0", check=False, **FAST)
    with sqlite3.connect(db_path) as db:
        outcomes = dict(db.execute("select uri, outcome from fetches").fetchall())
    db.close()
    assert outcomes == {
        f"{site}/story": "article",
        f"{site}/moved": "skipped: redirect_seen",
        f"{site}/loop/a": "error: redirect_loop",
        f"{site}/api": "skipped: json",
        f"{site}/ever/0": "error: too_many_redirects",
    }, result.stderr[-3000:]
    log = result.stderr
    assert f"redirect loop: {site}/loop/a -> {site}/loop/b -> {site}/loop/a" in log
    assert f"redirect to a URL requested already: {site}/moved -> {site}/story" in log
    assert "JSON served as text/html; charset=utf-8" in log
