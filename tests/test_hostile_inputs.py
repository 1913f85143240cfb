"""Bad input never loses other work: the hostile corpus (:mod:`tests.hostile`) crawled from
files and from a server on 127.0.0.1, each input with its own clear outcome, and every good
page stored.

The two crawls run once per module, at the same time (each is a ``scrapy crawl`` process of
its own); the tests read their databases and logs.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlite_utils

from tests.conftest import ROOT, crawl_command
from tests.hostile import (
    CORPUS,
    CP1252_LEAD,
    DEEP_NESTING_LEAD,
    FIXTURES,
    JAPANESE_STORY,
    LITERAL_SCRIPT,
    SCRIPT_WRITTEN,
    SQL_DROP_TITLE,
    SQL_OR_TITLE,
    STORY,
    UTF8_LEAD,
    HostileSite,
    Input,
    write_corpus,
)

QUICK = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_TIMEOUT": 20,
    "RETRY_TIMES": 0,
    "LOG_LEVEL": "DEBUG",
}
"""Settings that keep the crawls quick; ``DEBUG`` logs a line for every page stored too."""

pytestmark = pytest.mark.slow  # 10 to 15 s: two crawls of some 90 MB of pages

SPIDERS = ("files", "news")


@dataclass
class Run:
    """One crawl of the corpus: its database, its log and its ``crawls`` row."""

    spider: str
    db_path: Path
    stderr: str
    crawl: dict[str, object]
    uris: dict[str, str]
    """The URI each input was read at, by input name."""

    @property
    def stats(self) -> dict[str, object]:
        return json.loads(str(self.crawl["stats"]))

    def fetch(self, name: str) -> dict[str, object]:
        with sqlite_utils.Database(self.db_path) as db:
            (row,) = db["fetches"].rows_where("uri = ?", [self.uris[name]])
            return row

    def article(self, name: str) -> dict[str, object]:
        fetch = self.fetch(name)
        with sqlite_utils.Database(self.db_path) as db:
            return db["articles"].get(fetch["article_id"])


def inputs(spider: str) -> list[Input]:
    """The inputs a spider reads: the server alone has some."""
    return [item for item in CORPUS if expected(item, spider) != "-"]


def expected(item: Input, spider: str) -> str:
    return item.files if spider == "files" else item.http


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    corpus = write_corpus(tmp_path_factory.mktemp("hostile") / "corpus")
    databases = {spider: tmp_path_factory.mktemp(spider) / "news.db" for spider in SPIDERS}
    with HostileSite(corpus) as site:
        commands = {
            "files": crawl_command(databases["files"], "files", f"path={corpus}", **QUICK),
            "news": crawl_command(
                databases["news"], "news", f"start={','.join(site.urls())}", "depth=0", **QUICK
            ),
        }
        processes = {
            spider: subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            for spider, command in commands.items()
        }
        logs = {
            spider: process.communicate(timeout=120)[1] for spider, process in processes.items()
        }
        uris = {
            "files": {item.name: (corpus / item.name).as_uri() for item in inputs("files")},
            "news": {item.name: f"{site.url}/{item.name}" for item in inputs("news")},
        }
    result = {}
    for spider, process in processes.items():
        assert process.returncode == 0, logs[spider][-5000:]
        with sqlite_utils.Database(databases[spider]) as db:
            (crawl,) = db["crawls"].rows
        result[spider] = Run(spider, databases[spider], logs[spider], crawl, uris[spider])
    yield result


@pytest.mark.parametrize("spider", SPIDERS)
def test_the_crawl_finishes_and_records_every_input(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    assert run.crawl["finish_reason"] == "finished"
    assert "Traceback" not in run.stderr
    with sqlite_utils.Database(run.db_path) as db:
        recorded = [row["uri"] for row in db["fetches"].rows]
    assert sorted(recorded) == sorted(run.uris.values()), "one fetch per input, no more"


@pytest.mark.parametrize(
    ("spider", "name"),
    [(spider, item.name) for spider in SPIDERS for item in inputs(spider)],
)
def test_each_input_has_its_outcome_and_a_log_line(
    runs: dict[str, Run], spider: str, name: str
) -> None:
    run = runs[spider]
    item = next(item for item in CORPUS if item.name == name)
    fetch = run.fetch(name)
    assert fetch["outcome"] == expected(item, spider)
    uri = run.uris[name]
    if fetch["outcome"] == "article":
        assert f"Scraped from <200 {uri}>" in run.stderr
    else:
        assert f"Dropped {uri}: {fetch['outcome']}" in run.stderr


@pytest.mark.parametrize("spider", SPIDERS)
def test_each_outcome_is_counted(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    stats = run.stats
    outcomes = Counter(expected(item, spider) for item in inputs(spider))
    assert stats["articles/new"] == outcomes.pop("article")
    with sqlite_utils.Database(run.db_path) as db:
        reasons = Counter(
            f"pages/{row['outcome'].split(':')[0]}/{row['reason']}"
            for row in db["fetches"].rows_where("outcome != 'article'")
        )
    assert sum(reasons.values()) == sum(outcomes.values())
    for key, number in reasons.items():
        assert stats[key] == number, key


@pytest.mark.parametrize("spider", SPIDERS)
def test_every_good_page_is_stored_whole(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    for item in CORPUS:
        if not item.good:
            continue
        expected_page = json.loads(
            (FIXTURES / item.name.removeprefix("good-")).with_suffix(".json").read_text()
        )
        article = run.article(item.name)
        assert article["title"] == expected_page["title"]
        assert article["url"] == expected_page["url"]
        assert expected_page["first_sentence"] in article["text"]
        assert expected_page["last_sentence"] in article["text"]


@pytest.mark.parametrize("spider", SPIDERS)
def test_mislabelled_charsets_decode_to_the_right_characters(
    runs: dict[str, Run], spider: str
) -> None:
    run = runs[spider]
    cp1252 = run.article("cp1252-as-utf8.html")
    assert CP1252_LEAD in cp1252["text"]
    assert run.fetch("cp1252-as-utf8.html")["encoding"] == "cp1252"
    utf8 = run.article("utf8-as-latin1.html")
    assert UTF8_LEAD in utf8["text"] and utf8["title"] == "Die Brücke von Millbrook"
    assert run.fetch("utf8-as-latin1.html")["encoding"] == "utf-8"
    japanese = run.article("shift-jis-as-latin1.html")
    assert japanese["title"] == "ミルブルックの石橋"
    assert japanese["text"].splitlines() == JAPANESE_STORY
    assert run.fetch("shift-jis-as-latin1.html")["encoding"] in ("cp932", "shift_jis")
    for article in (cp1252, utf8, japanese):
        assert "\ufffd" not in article["text"]


@pytest.mark.parametrize("spider", SPIDERS)
def test_stray_nul_bytes_are_dropped_from_the_text(runs: dict[str, Run], spider: str) -> None:
    for name in ("nul-bytes.html", "nul-bytes.txt"):
        article = runs[spider].article(name)
        assert "\x00" not in article["text"] and "\x00" not in article["title"]
        assert article["text"].splitlines()[1:] == STORY, name


@pytest.mark.parametrize("spider", SPIDERS)
def test_script_text_is_left_out_and_escaped_markup_kept(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    article = run.article("script-injected.html")
    assert LITERAL_SCRIPT in article["text"]
    with sqlite_utils.Database(run.db_path) as db:
        texts = [row["text"] for row in db["articles"].rows]
    assert not [text for text in texts if SCRIPT_WRITTEN in text]


@pytest.mark.parametrize("spider", SPIDERS)
def test_sql_like_titles_round_trip(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    assert run.article("sql-drop-title.html")["title"] == SQL_DROP_TITLE
    assert run.article("sql-or-title.html")["title"] == SQL_OR_TITLE
    with sqlite_utils.Database(run.db_path) as db:
        assert db["articles"].count == Counter(expected(i, spider) for i in CORPUS)["article"]
        found = db.execute(
            "select title from articles_fts where articles_fts match ?", ['"DROP TABLE"']
        ).fetchall()
        assert found == [(SQL_DROP_TITLE,)]


@pytest.mark.parametrize("spider", SPIDERS)
def test_broken_markup_keeps_its_text(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    deep = run.article("deep-nesting.html")["text"].splitlines()
    assert deep == [DEEP_NESTING_LEAD, *STORY]
    deep_data = run.article("deep-json-ld.html")
    assert deep_data["title"] == "Bridge repairs, deep data"
    assert deep_data["text"].splitlines()[1:] == STORY
    truncated = run.article("truncated.html")["text"]
    assert STORY[0] in truncated and "which has been cut twice" in truncated
    malformed = run.article("malformed.html")["text"]
    assert all(paragraph in malformed for paragraph in STORY[1:])


@pytest.mark.parametrize("spider", SPIDERS)
def test_long_lines_are_read(runs: dict[str, Run], spider: str) -> None:
    run = runs[spider]
    spaced = run.article("long-line-spaces.html")
    assert spaced["word_count"] > 900_000
    word = run.article("long-line-word.html")
    assert STORY[-1] in word["text"] and len(word["text"]) > 5_000_000, "kept, as one word"
    spaced_capture = run.article("long-line-spaces.txt")
    assert spaced_capture["word_count"] > 900_000
    assert spaced_capture["title"] == "Long capture with spaces"
    word_capture = run.article("long-line-word.txt")
    assert word_capture["text"].splitlines()[1:] == STORY, "the cleaner leaves the word out"
    huge = run.article("huge-text-node.html")
    assert huge["title"] == "Bridge repairs, one huge paragraph"
    assert all(paragraph in huge["text"] for paragraph in STORY)
    assert huge["word_count"] > 1_800_000


def test_oversized_inputs_are_refused_without_being_read(runs: dict[str, Run]) -> None:
    files, news = runs["files"], runs["news"]
    huge = files.fetch("huge.html")
    assert huge["body_bytes"] > 50_000_000 and huge["body_sha256"] is None, "never read"
    lines = news.stderr.splitlines()

    def logged(text: str, name: str) -> bool:
        return any(text in line and f"{news.uris[name]}>" in line for line in lines)

    assert logged("Expected to receive 52", "huge.html"), "cancelled on its Content-Length"
    assert logged("which is larger than download max size", "huge-unannounced.html")
    assert logged("exceeded DOWNLOAD_MAXSIZE (16777216 B) during decompression", "gzip-bomb.html")
