"""Each pipeline stage on its own, built from a crawler's settings as Scrapy builds it."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
import sqlite_utils
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler

from crawler.items import Fetch, Page, sha256_hex, utc_now
from crawler.spiders.files import FilesSpider
from pipelines.extract import ExtractPipeline
from pipelines.extraction.result import NotArticle, Skipped
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline
from tests.conftest import SEEDS, project_crawler

PARAGRAPHS = [
    line
    for line in (SEEDS / "003_ba733785e354af19.txt").read_text().splitlines()
    if len(line) > 200
]
ARTICLE_HTML = (
    "<html><head><title>Biden Announces End to US Combat Mission in Iraq - VOA</title>"
    '<link rel="canonical" href="https://www.voanews.com/a/biden-iraq.html"></head><body>'
    "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
    "<h1>Biden Announces End to US Combat Mission in Iraq</h1>"
    + "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    + "</article><footer>Copyright VOA</footer></body></html>"
).encode("utf-8")


def page(body: bytes, page_format: str = "html", uri: str = "file:///pages/a.html") -> Page:
    fetch = Fetch(
        uri=uri,
        final_url=uri,
        fetched_at=utc_now(),
        body_bytes=len(body),
        body_sha256=sha256_hex(body),
    )
    return Page(fetch=fetch, body=body, page_format=page_format)


class MisbehavingExtractPipeline(ExtractPipeline):
    extract_function = "tests.workers.extract_or_misbehave"


def run_extract(
    pipeline_class: type[ExtractPipeline],
    pages: list[Page],
    crawler: Crawler | None = None,
    **settings: object,
) -> list[Page]:
    crawler = crawler or project_crawler(EXTRACT_WORKERS=1, **settings)
    pipeline = build_from_crawler(pipeline_class, crawler)

    async def run_all() -> list[Page]:
        pipeline.open_spider()
        try:
            return list(await asyncio.gather(*(pipeline.process_item(p) for p in pages)))
        finally:
            pipeline.close_spider()

    return asyncio.run(run_all())


def test_extract_builds_the_article_from_the_page() -> None:
    (result,) = run_extract(ExtractPipeline, [page(ARTICLE_HTML)])
    assert result.rejection is None and result.article is not None
    article = result.article
    assert article.url == "https://www.voanews.com/a/biden-iraq.html"
    assert article.title == "Biden Announces End to US Combat Mission in Iraq"
    assert article.text.startswith(PARAGRAPHS[0][:60])
    assert "Copyright VOA" not in article.text
    assert article.language == "en"
    assert article.word_count > 300
    assert article.text_sha256 == sha256_hex(article.text.encode())
    assert result.fetch.encoding == "utf-8"
    assert result.body == b"", "raw bytes are let go once extracted"


def test_the_worker_computes_the_inputs_only_of_stages_that_are_on() -> None:
    (every,) = run_extract(ExtractPipeline, [page(ARTICLE_HTML)])
    (none,) = run_extract(
        ExtractPipeline, [page(ARTICLE_HTML)], SIMILAR_ENABLED=False, STORIES_ENABLED=False
    )
    assert every.extraction is not None and none.extraction is not None
    assert every.extraction.signature and every.extraction.story_features
    assert none.extraction.signature == none.extraction.shingles == b""
    assert none.extraction.story_features is None
    assert every.article is not None and none.article is not None
    times = ("extracted_at", "first_seen", "last_seen")  # to the second: a tick may pass
    same_times = {name: getattr(none.article, name) for name in times}
    assert none.article == dataclasses.replace(every.article, **same_times)


def test_extract_names_why_a_page_has_no_article() -> None:
    binary, blank, empty_html = run_extract(
        ExtractPipeline,
        [
            page(b"\x89PNG\r\n\x1a\n" + bytes(64)),
            page(b" \n\t ", "text"),
            page(b"<html><body></body></html>"),
        ],
    )
    assert isinstance(binary.rejection, Skipped) and binary.rejection.reason == "binary"
    assert isinstance(blank.rejection, Skipped) and blank.rejection.reason == "empty"
    assert isinstance(empty_html.rejection, NotArticle)


def test_a_page_that_kills_its_worker_fails_alone() -> None:
    results = run_extract(
        MisbehavingExtractPipeline, [page(b"crash"), page(ARTICLE_HTML), page(ARTICLE_HTML)]
    )
    assert results[0].rejection is not None and results[0].rejection.reason == "worker_crashed"
    assert all(r.article is not None for r in results[1:])


def test_a_page_over_the_time_limit_fails_alone() -> None:
    crawler = project_crawler(EXTRACT_WORKERS=1, EXTRACT_TIMEOUT=2)
    pages = [page(b"hang"), page(ARTICLE_HTML), page(ARTICLE_HTML)]
    results = run_extract(MisbehavingExtractPipeline, pages, crawler)
    assert results[0].rejection is not None and results[0].rejection.reason == "timeout"
    assert all(r.article is not None for r in results[1:])
    assert crawler.stats.get_value("extract/pool_killed") is None, "the worker stopped the page"


def test_a_page_stuck_out_of_reach_of_signals_is_stopped_by_the_hard_limit() -> None:
    crawler = project_crawler(EXTRACT_WORKERS=1, EXTRACT_TIMEOUT=1)
    pages = [page(b"stuck"), page(ARTICLE_HTML), page(ARTICLE_HTML)]
    results = run_extract(MisbehavingExtractPipeline, pages, crawler)
    assert results[0].rejection is not None and results[0].rejection.reason == "timeout"
    assert "stuck over 4 s" in str(results[0].rejection)
    assert all(r.article is not None for r in results[1:]), "the pages queued behind it"
    assert crawler.stats.get_value("extract/pool_killed") == 1


def test_extract_rejects_an_unknown_focus() -> None:
    with pytest.raises(ValueError, match="EXTRACT_FOCUS"):
        build_from_crawler(ExtractPipeline, project_crawler(EXTRACT_FOCUS="fast"))


@pytest.mark.parametrize(
    ("rejection", "stat"),
    [
        (Skipped("binary"), "pages/skipped/binary"),
        (NotArticle("no_main_text"), "pages/not_article/no_main_text"),
    ],
)
def test_validate_drops_rejected_pages_with_a_counted_reason(rejection, stat) -> None:
    crawler = project_crawler()
    validate = build_from_crawler(ValidatePipeline, crawler)
    item = page(b"")
    item.rejection = rejection
    with pytest.raises(DropItem, match=rejection.reason):
        validate.process_item(item)
    assert crawler.stats.get_value(stat) == 1
    assert item.fetch.outcome in ("not_article", f"skipped: {rejection.reason}")
    assert item.fetch.reason == rejection.reason


def test_validate_drops_too_short_articles() -> None:
    crawler = project_crawler(VALIDATE_MIN_WORDS=5000)
    (extracted,) = run_extract(ExtractPipeline, [page(ARTICLE_HTML)])
    with pytest.raises(DropItem, match="too_short"):
        build_from_crawler(ValidatePipeline, crawler).process_item(extracted)
    assert extracted.fetch.outcome == "not_article"
    assert crawler.stats.get_value("pages/not_article/too_short") == 1


def test_a_page_that_cannot_be_written_fails_alone_and_is_not_counted(db_path: Path) -> None:
    crawler = project_crawler(SQLITE_PATH=str(db_path), SQLITE_BATCH_SIZE=3, SQLITE_BATCH_SECONDS=0)
    crawler.spider = FilesSpider.from_crawler(crawler, path="seeds")
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    pages = [page(b"", uri=f"file:///pages/{name}.html") for name in ("a", "bad", "c")]
    for item in pages:
        item.fetch.outcome = "skipped: empty"
    pages[1].fetch.fetched_at = None  # type: ignore[assignment]  # NOT NULL in the table
    for item in pages:
        store.item_dropped(item, DropItem("skipped: empty"))
    store.close_spider()
    assert crawler.stats.get_value("sqlite/fetches") == 2
    assert crawler.stats.get_value("sqlite/failed_pages") == 1
    store.spider_closed(crawler.spider, "finished")
    with sqlite_utils.Database(db_path) as db:
        assert [row["uri"] for row in db["fetches"].rows] == [
            pages[0].fetch.uri,
            pages[2].fetch.uri,
        ]


def test_store_writes_in_batches_and_flushes_on_close(db_path: Path) -> None:
    crawler = project_crawler(SQLITE_PATH=str(db_path), SQLITE_BATCH_SIZE=2, SQLITE_BATCH_SECONDS=0)
    crawler.spider = FilesSpider.from_crawler(crawler, path="seeds")
    store = build_from_crawler(StorePipeline, crawler)
    store.open_spider()
    (extracted,) = run_extract(ExtractPipeline, [page(ARTICLE_HTML)])
    store.process_item(extracted)
    assert extracted.article is not None
    stored = store.stored_article(extracted.article.id)
    assert stored is not None and stored.text_sha256 == extracted.article.text_sha256, (
        "pending rows count"
    )
    skipped = page(b"")
    skipped.fetch.outcome = "skipped: empty"
    store.item_dropped(skipped, DropItem("skipped: empty"))
    store.item_dropped(page(b""), DropItem("x"))
    assert store.database is not None
    assert store.database.db["fetches"].count == 2
    store.close_spider()
    assert store.database.db["fetches"].count == 3
    store.spider_closed(crawler.spider, "finished")
    with sqlite_utils.Database(db_path) as db:
        (crawl,) = db["crawls"].rows
        assert crawl["finish_reason"] == "finished" and crawl["finished_at"]
        assert '"path": "seeds"' in crawl["args"]
        assert db["articles"].count == 1
