"""Stories: the seeds form one story, crawl after crawl; the dev pages' labelled stories are
found; the stories table agrees with its articles; the benchmark command reports."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

from crawler.benchmarks.stories import evaluate, labelled_articles, load_labels, pairwise
from crawler.items import Article, Crawl, Fetch, Page
from pipelines.clustering.engine import (
    ArticleInput,
    Sparse,
    StoryEngine,
    parse_time,
)
from pipelines.clustering.features import _entities, _numbers, article_features
from pipelines.database import NewsDatabase
from tests.conftest import DATA, DEV, ROOT, SEED_CAPTURES, crawl, needs_benchmark

LABELS = DATA / "stories_dev.json"
QUERIES = yaml.safe_load((ROOT / "data" / "corpus.yml").read_text())["queries"]


def rows(db_path: Path, sql: str, *parameters: object) -> list[tuple]:
    with sqlite3.connect(db_path) as connection:
        found = connection.execute(sql, parameters).fetchall()
    connection.close()
    return found


def story_sizes(db_path: Path) -> list[int]:
    return sorted(
        count
        for (count,) in rows(
            db_path, "SELECT count(*) FROM articles GROUP BY coalesce(story_id, id)"
        )
    )


def test_the_seeds_form_three_stories(seeds_db: Path) -> None:
    """The five captures tell one story; the HTML pages two (``docs/seeds.md``)."""
    stories = rows(seeds_db, "SELECT article_count, label FROM stories ORDER BY article_count")
    assert [count for count, _ in stories] == [2, 3, 5]
    assert ["NASA" in stories[0][1], "Doobie" in stories[1][1], "Iraq" in stories[2][1]] == [
        True
    ] * 3
    assert len(rows(seeds_db, "SELECT DISTINCT story_id FROM articles")) == 3


def test_the_stories_table_agrees_with_its_articles(seeds_db: Path) -> None:
    for story_id, first, last, count, central in rows(
        seeds_db, "SELECT id, first_time, last_time, article_count, central_article_id FROM stories"
    ):
        members = rows(
            seeds_db,
            "SELECT id, coalesce(date_published, first_seen) FROM articles WHERE story_id = ?",
            story_id,
        )
        times = [parse_time(time) for _, time in members]
        assert count == len(members)
        assert parse_time(first) == min(times) and parse_time(last) == max(times)
        assert central in {article_id for article_id, _ in members}


def test_the_story_query_lists_a_storys_articles_side_by_side(seeds_db: Path) -> None:
    ((story_id,),) = rows(seeds_db, "SELECT id FROM stories WHERE article_count = 5")
    with sqlite3.connect(seeds_db) as connection:
        cursor = connection.execute(QUERIES["story_articles"]["sql"], {"story_id": story_id})
        columns = [column[0] for column in cursor.description]
        listed = cursor.fetchall()
        largest = connection.execute(QUERIES["largest_stories"]["sql"]).fetchall()
    connection.close()
    assert columns[:4] == ["outlet", "time", "title", "url"] and len(listed) == 5
    assert [row[1] for row in listed] == sorted(row[1] for row in listed)
    assert sum(row[4] for row in listed) == 1, "one central article"
    assert [row[2] for row in largest] == [5, 3, 2]


CAPTURES = "path=" + ",".join(str(path) for path in SEED_CAPTURES)
"""The five seed captures, one story."""


def test_a_second_crawl_adds_to_the_story_of_the_first(db_path: Path) -> None:
    crawl(db_path, "files", "path=" + ",".join(str(path) for path in SEED_CAPTURES[:2]))
    assert story_sizes(db_path) == [2]
    crawl(db_path, "files", CAPTURES)
    assert story_sizes(db_path) == [5]
    assert rows(db_path, "SELECT count(*), sum(article_count) FROM stories") == [(1, 5)]
    assert rows(db_path, "SELECT df FROM story_terms WHERE term = 0") == [(5,)]


def test_articles_a_crash_left_without_a_story_get_one_next_crawl(db_path: Path) -> None:
    crawl(db_path, "files", CAPTURES)
    with sqlite3.connect(db_path) as connection:
        connection.executescript(
            "UPDATE articles SET story_id = NULL; DELETE FROM stories; DELETE FROM story_terms;"
        )
    connection.close()
    result = crawl(db_path, "files", CAPTURES)
    assert "'stories/backfilled': 1" in result.stderr
    assert story_sizes(db_path) == [5]


def test_a_new_version_keeps_its_story(db_path: Path) -> None:
    database = NewsDatabase(db_path)
    crawl_id = database.start_crawl(Crawl(spider="t", args="{}", started_at="x", versions="{}"))
    url, when = "https://news.example/a", "2026-01-01T00:00:00+00:00"

    def page(text: str) -> Page:
        fetch = Fetch(uri=url, fetched_at=when, outcome="article")
        article = Article(
            id="a1", url=url, text=text, text_sha256=text, word_count=2, extractor="t",
            extracted_at=when, first_seen=when, last_seen=when, title="T",
        )  # fmt: skip
        return Page(fetch=fetch, article=article)

    with database.transaction():
        database.save_page(page("first text"), crawl_id)
        database.db.execute(
            "INSERT INTO stories (id, label, central_article_id, first_time, last_time,"
            " article_count, first_fetched, last_fetched, centroid, updated_at)"
            " VALUES ('a1', 'T', 'a1', ?, ?, 1, ?, ?, x'', ?)",
            [when] * 5,
        )
        database.db.execute("UPDATE articles SET story_id = 'a1'")
    with database.transaction():
        database.save_page(page("second text"), crawl_id)
    assert rows(db_path, "SELECT version, story_id FROM articles") == [(2, "a1")]
    database.close()


# The engine alone


def article(article_id: str, title: str, text: str, published: str | None) -> ArticleInput:
    return ArticleInput.of(
        article_id, title, text, "https://x/" + article_id, published, "2026-01-01"
    )


TROOPS = (
    "President Joe Biden said US combat troops will leave Iraq by the end of the year. "
    "Iraqi Prime Minister Mustafa al-Kadhimi met Biden at the White House on Monday. "
    "About 2,500 troops are in Iraq to fight the Islamic State group."
)
MARKETS = (
    "Shares in Tokyo fell as investors weighed the Bank of Japan decision. The Nikkei 225 "
    "index lost 1.2% while the yen rose against the dollar in thin trading."
)


def test_a_report_of_the_same_event_joins_the_story_and_another_does_not() -> None:
    engine = StoryEngine(threshold=0.22, window_days=3)
    first = engine.assign(article("a", "Biden: US troops to leave Iraq", TROOPS, "2021-07-26"))
    same = engine.assign(
        article("b", "US combat mission in Iraq to end", TROOPS[::1], "2021-07-27T08:00:00Z")
    )
    other = engine.assign(article("c", "Tokyo shares fall", MARKETS, "2021-07-27"))
    assert first is not None and same is not None and other is not None
    assert same.story_id == first.story_id == "a" and same.similarity > 0.5
    assert other.story_id == "c"
    assert same.story is not None and same.story.article_count == 2
    assert same.story.first_time == "2021-07-26T00:00:00+00:00"


def test_the_same_text_weeks_later_is_another_story() -> None:
    engine = StoryEngine(threshold=0.22, window_days=3)
    engine.assign(article("a", "Biden: US troops to leave Iraq", TROOPS, "2021-07-26"))
    later = engine.assign(article("b", "Biden: US troops to leave Iraq", TROOPS, "2021-08-26"))
    assert later is not None and later.story_id == "b"


def test_an_undated_report_joins_a_dated_story_by_fetch_time() -> None:
    engine = StoryEngine(threshold=0.22, window_days=3)
    engine.assign(article("a", "Biden: US troops to leave Iraq", TROOPS, "2021-07-26"))
    undated = engine.assign(article("b", "US troops to leave Iraq", TROOPS, None))
    assert undated is not None and undated.story_id == "a"


def test_an_article_assigned_once_is_not_assigned_again() -> None:
    engine = StoryEngine(threshold=0.22, window_days=3)
    engine.assign(article("a", "Biden: US troops to leave Iraq", TROOPS, "2021-07-26"))
    assert engine.assign(article("a", "Biden: US troops to leave Iraq", TROOPS, None)) is None


def test_features_weigh_names_numbers_and_the_title() -> None:
    text = (
        "The Doobie Brothers will tour. Fans of the Doobie Brothers paid $449,000 for 30-date runs."
    )
    assert _entities(text)["doobie brother"] == 2
    assert _entities("But it rained.") == {}, "a lone capitalised word opening a sentence"
    assert set(_numbers(text)) == {"$449000", "30 date"}
    assert _numbers("in 2019 and 12 times") == {}
    plain = article_features(None, text)
    titled = article_features("Doobie Brothers tour", text)
    assert sum(titled.values()) > sum(plain.values())


def test_a_centroid_survives_the_trip_through_the_database() -> None:
    vector = {1: 0.5, 4_000_000: 0.25, 17: 1.0}
    assert Sparse.unpacked(Sparse(vector).packed()).as_dict() == vector


# Quality on the labelled dev pages


def test_labels_merge_borderline_groups_on_request() -> None:
    strict, merged = load_labels(LABELS), load_labels(LABELS, merge_borderline=True)
    assert len(set(strict.values())) == 10 and len(set(merged.values())) < 13
    score = pairwise({"a": "1", "b": "1", "c": "2"}, {"a": "x", "b": "x", "c": "x"})
    assert (score.precision, score.recall) == (1.0, 1 / 3)


@needs_benchmark
def test_the_labelled_stories_of_the_dev_pages_are_found_in_any_order() -> None:
    articles = labelled_articles(DEV)
    assert len(articles) == 91
    ordered, shuffled = evaluate(articles, load_labels(LABELS), 0.22, 3.0, shuffles=5)
    for score in (ordered, *shuffled):
        assert score.precision >= 0.95, score
        # The 0.90 recall target is not met: see "Stories" in docs/copies-and-stories.md.
        assert score.recall >= 0.85, score


# The benchmark command


def benchmark(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "stories_benchmark", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_benchmark_needs_something_to_do() -> None:
    result = benchmark()
    assert result.returncode != 0 and "--pages FOLDER --labels FILE" in result.stderr


@needs_benchmark
def test_the_benchmark_times_assignment_at_each_size() -> None:
    result = benchmark("--sizes", "40", "120", "--sources", str(DEV))
    assert result.returncode == 0, result.stderr
    lines = re.findall(
        r"^N = (\d+): ([\d.]+) ms to assign and ([\d.]+) ms to write per article \(last (\d+)\);"
        r" (\d+) stories, (\d+) in memory; peak memory \d+ MiB$",
        result.stdout,
        re.M,
    )
    assert [(n, last) for n, _, _, last, _, _ in lines] == [("40", "40"), ("120", "120")]
    assert all(0 < int(stories) < int(n) for n, _, _, _, stories, _ in lines)
    assert re.search(
        r"^assignment cost from N = 40 to N = 120: x[\d.]+ \(corpus x3\)$", result.stdout, re.M
    )
