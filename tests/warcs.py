"""WARC files for tests, written with warcio as other crawlers (Common Crawl's) write them."""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import DATA

ARTICLE_PAGES = sorted((DATA / "html").glob("*.html"))
"""Five real article pages (the seeds' stories as their outlets published them)."""

WARC_DATE = "2025-03-04T05:06:07Z"


@dataclass
class Exchange:
    """One HTTP exchange to archive: what a crawler asked for and what it was answered."""

    url: str
    status: str
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_encoding: str | None = None


def article_exchanges() -> list[Exchange]:
    """An exchange per article page; the first served gzip-encoded, as servers do."""
    exchanges = []
    for number, page in enumerate(ARTICLE_PAGES):
        exchanges.append(
            Exchange(
                url=f"https://outlet.example/news/{page.stem}",
                status="200 OK",
                body=page.read_bytes(),
                headers=[("Content-Type", "text/html; charset=utf-8")],
                content_encoding="gzip" if number == 0 else None,
            )
        )
    return exchanges


OTHER_EXCHANGES = [
    Exchange(
        "https://outlet.example/gone",
        "404 Not Found",
        b"<html>gone</html>",
        [("Content-Type", "text/html")],
    ),
    Exchange(
        "https://outlet.example/old",
        "301 Moved Permanently",
        b"",
        [("Location", "https://outlet.example/news/000_bbc")],
    ),
    Exchange(
        "https://outlet.example/report.pdf",
        "200 OK",
        b"%PDF-1.7\n" + bytes(2000),
        [("Content-Type", "application/pdf")],
    ),
    Exchange(
        "https://outlet.example/robots.txt",
        "200 OK",
        b"User-agent: *\nDisallow: /private/\nSitemap: https://outlet.example/sitemap.xml\n",
        [("Content-Type", "text/plain")],
    ),
]
"""Responses a crawl archives that hold no article, with the outcome each must get."""

OTHER_OUTCOMES = {
    "https://outlet.example/gone": "error: http_404",
    "https://outlet.example/old": "skipped: redirect",
    "https://outlet.example/report.pdf": "skipped: binary",
    "https://outlet.example/robots.txt": "not_article",
}


def write_warc(path: Path, exchanges: list[Exchange], compress: bool = True) -> None:
    """A WARC file as a crawler writes it: a ``warcinfo`` record, then for each exchange a
    ``request`` and a ``response`` record, and a ``metadata`` record after the last."""
    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for exchange in exchanges:
            request = writer.create_warc_record(
                exchange.url,
                "request",
                http_headers=StatusAndHeaders(
                    f"GET {exchange.url} HTTP/1.1",
                    [("Host", "outlet.example")],
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": WARC_DATE},
            )
            writer.write_record(request)
            body, headers = exchange.body, list(exchange.headers)
            if exchange.content_encoding == "gzip":
                body = gzip.compress(body)
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(body))))
            response = writer.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(body),
                http_headers=StatusAndHeaders(exchange.status, headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": WARC_DATE},
            )
            writer.write_record(response)
        metadata = writer.create_warc_record(
            exchanges[-1].url,
            "metadata",
            payload=io.BytesIO(b"fetchTimeMs: 12\n"),
            warc_content_type="application/warc-fields",
        )
        writer.write_record(metadata)
