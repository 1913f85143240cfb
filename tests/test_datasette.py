"""Datasette over a crawl's database with the project's configuration (``data/``): search,
descriptions, facets, canned queries, limits. The ``datasette`` fixture (conftest) serves
``datasette <folder>`` on 127.0.0.1 as the README runs it."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import DATA, ROOT, crawl, free_port, running_datasette, serve_datasette
from tests.newssite import NewsSite, site_copy
from tests.test_news_spider import FAST

GOLD = DATA / "seeds_gold"
NEWS = yaml.safe_load((ROOT / "data" / "corpus.yml").read_text())
"""What every corpus database gets (``data/plugins/corpus.py``), whatever its name."""
VISIBLE_TABLES = ("articles", "fetches", "crawls", "article_versions", "stories")


def first_sentence(gold: Path) -> str:
    """The first sentence of a seed's gold text."""
    return gold.read_text().split("\n")[0].split(". ")[0]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def query(base: str, path: str, **params: str) -> Any:
    """Rows of a table or canned query (``path``), or of ``sql=`` when ``path`` is empty."""
    arguments = urllib.parse.urlencode({**params, "_shape": "array"})
    return get_json(f"{base}/news{'/' if path else ''}{path}.json?{arguments}")


def test_datasette_serves_the_tables_and_hides_the_plumbing(datasette: str) -> None:
    tables = {table["name"]: table for table in get_json(f"{datasette}/news.json")["tables"]}
    assert set(VISIBLE_TABLES) <= set(tables)
    assert all(not tables[name]["hidden"] for name in VISIBLE_TABLES)
    assert tables["articles_fts"]["hidden"] and tables["_sqlite_migrations"]["hidden"]


def test_every_table_and_column_users_see_is_described(seeds_db: Path) -> None:
    with sqlite3.connect(seeds_db) as connection:
        for table in VISIBLE_TABLES:
            columns = {row[1] for row in connection.execute(f"pragma table_info({table})")}
            described = NEWS["tables"][table]
            assert described["description"].strip(), table
            assert set(described["columns"]) == columns, table
            assert all(text.strip() for text in described["columns"].values()), table
    connection.close()


@pytest.mark.parametrize("gold", sorted(GOLD.glob("*.txt")), ids=lambda path: path.stem[:3])
def test_full_text_search_finds_a_sentence_of_each_seed(datasette: str, gold: Path) -> None:
    sentence = first_sentence(gold)
    hits = query(datasette, "articles", _search=sentence)
    assert any(sentence in hit["text"] for hit in hits), f"no hit for {sentence!r}"


def test_articles_are_newest_first_with_facets_on_site_language_and_date(datasette: str) -> None:
    table = get_json(f"{datasette}/news/articles.json")
    assert table["human_description_en"].endswith("sorted by date_published descending")
    assert set(table["facet_results"]) >= {"sitename", "language", "date_published"}
    dates = [row[table["columns"].index("date_published")] for row in table["rows"]]
    dated = [date for date in dates if date]
    assert dated == sorted(dated, reverse=True) and dates[: len(dated)] == dated


def test_the_canned_queries_answer_on_the_seeds(datasette: str, seeds_db: Path) -> None:
    latest = query(datasette, "latest_articles")
    assert len(latest) == 10 and {"title", "sitename", "published", "url"} <= set(latest[0])
    per_day = query(datasette, "articles_per_site_per_day")
    assert sum(row["articles"] for row in per_day) == 10
    health = query(datasette, "extraction_health")
    assert sum(row["articles"] for row in health) == 10
    assert all(0 <= row["with_date"] <= 1 and row["median_words"] > 100 for row in health)
    (run,) = query(datasette, "crawl_runs")
    assert (run["spider"], run["articles"], run["errors"]) == ("files", 10, 0)
    assert query(datasette, "failed_and_skipped") == []
    article = latest[0]["id"]
    (current,) = query(datasette, "article_history", article_id=article)
    assert current["version"] == 1 and current["superseded_at"] is None


def test_the_version_history_query_lists_earlier_texts_first(tmp_path: Path) -> None:
    with sqlite3.connect(":memory:") as connection:
        connection.executescript(
            "create table articles (id text, version int, title text, date_published text,"
            " word_count int, fetch_id int, extracted_at text, text text);"
            "create table article_versions (article_id text, version int, title text,"
            " date_published text, word_count int, fetch_id int, extracted_at text,"
            " superseded_at text, text text);"
            "insert into articles values ('a', 3, 'T3', null, 3, 30, 'x3', 'third');"
            "insert into article_versions values ('a', 2, 'T2', null, 2, 20, 'x2', 's2', 'second');"
            "insert into article_versions values ('a', 1, 'T1', null, 1, 10, 'x1', 's1', 'first');"
            "insert into article_versions values ('b', 1, 'B', null, 1, 11, 'y', 's', 'other');"
        )
        rows = connection.execute(NEWS["queries"]["article_history"]["sql"], {"article_id": "a"})
        assert [row[0] for row in rows] == [1, 2, 3]
    connection.close()


def test_the_site_is_read_only_and_long_queries_are_stopped(datasette: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        query(datasette, "", sql="delete from articles")
    assert refused.value.code == 400
    assert len(query(datasette, "articles")) == 10
    runaway = (
        "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    )
    with pytest.raises(urllib.error.HTTPError) as stopped:
        query(datasette, "", sql=runaway)
    assert b"took too long" in stopped.value.read()
    settings = get_json(f"{datasette}/-/settings.json")
    assert settings["sql_time_limit_ms"] == 3000 and settings["allow_download"] is False


DASHBOARD = NEWS["dashboard"]
CHARTS = DASHBOARD["charts"]
VEGA_ASSETS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "dashboards.js")
STORY_CHART = "story-sizes"


def has_stories(database: Path) -> bool:
    """Whether the database has the ``stories`` table (same-story clustering, migration m006),
    which the story chart draws; until that lands, that chart alone may answer an error."""
    with sqlite3.connect(database) as connection:
        found = connection.execute(
            "select 1 from sqlite_master where type = 'table' and name = 'stories'"
        ).fetchone()
    connection.close()
    return found is not None


def encoded_fields(display: dict[str, Any]) -> set[str]:
    """The query columns a Vega-Lite chart draws (fields made by its transforms left out)."""
    made = {name for step in display.get("transform", []) for name in step.get("as", [])}
    fields = {channel["field"] for channel in display["encoding"].values() if "field" in channel}
    folded = {name for step in display.get("transform", []) for name in step.get("fold", [])}
    return (fields - made) | folded


def test_each_chart_runs_a_ready_made_query_users_can_open() -> None:
    canned = {query["sql"]: name for name, query in NEWS["queries"].items()}
    assert set(DASHBOARD["layout"][0]) | set(DASHBOARD["layout"][1]) <= set(CHARTS)
    for slug, chart in CHARTS.items():
        assert "db" not in chart and chart["library"] == "vega-lite", slug  # the plugin's
        assert chart["query"] in canned, f"{slug}: its SQL is not a ready-made query's"
    assert {canned[chart["query"]] for chart in CHARTS.values()} == {
        "articles_per_day_top_sites",
        "fetch_outcomes_per_day",
        "extraction_health",
        "story_sizes_per_day",
    }


@pytest.mark.parametrize("slug", list(CHARTS))
def test_each_chart_query_answers_with_the_columns_it_draws(
    datasette: str, seeds_db: Path, slug: str
) -> None:
    chart = CHARTS[slug]
    if slug == STORY_CHART and not has_stories(seeds_db):
        pytest.skip("no stories table yet (migration m006)")
    rows = query(datasette, "", sql=chart["query"])
    if slug == STORY_CHART and not rows:
        return  # the seeds may make no story: no row is fine
    assert rows, slug
    assert encoded_fields(chart["display"]) <= set(rows[0]), slug


def test_fetch_outcomes_are_grouped_into_six_kinds(datasette: str) -> None:
    rows = query(datasette, "fetch_outcomes_per_day")
    assert {row["outcome"] for row in rows} <= {
        "article",
        "unchanged",
        "duplicate",
        "not_article",
        "skipped",
        "error",
    }
    assert sum(row["fetches"] for row in rows if row["outcome"] == "article") == 10


def test_the_dashboard_and_its_chart_libraries_are_served_by_datasette_itself(
    datasette: str,
) -> None:
    plugins = {plugin["name"] for plugin in get_json(f"{datasette}/-/plugins.json")}
    assert "datasette-dashboards" in plugins
    with urllib.request.urlopen(f"{datasette}/-/dashboards/cleanwire", timeout=10) as page:
        html = page.read().decode()
    for asset in VEGA_ASSETS:
        path = f"/-/static-plugins/datasette_dashboards/{asset}"
        assert f'src="{path}"' in html, asset
        with urllib.request.urlopen(f"{datasette}{path}", timeout=10) as script:
            assert script.status == 200 and len(script.read()) > 1000, asset
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def copy_corpus(seeds_db: Path, database: Path) -> Path:
    """A copy of the seeds database at ``database``, with its WARC folder beside it."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(seeds_db) as source, sqlite3.connect(database) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    shutil.copytree(seeds_db.parent / "warc", database.parent / "warc")
    return database


def test_a_corpus_of_any_name_and_folder_gets_queries_descriptions_and_dashboard(
    tmp_path: Path, seeds_db: Path
) -> None:
    database = copy_corpus(seeds_db, tmp_path / "elsewhere" / "corpus.db")
    port = free_port()
    command = [sys.executable, "-m", "scrapy", "datasette", "-s", f"SQLITE_PATH={database}"]
    with running_datasette([*command, "-p", str(port)], port) as base:
        corpus = get_json(f"{base}/corpus.json")
        assert {"latest_articles", "reused_text"} <= {query["name"] for query in corpus["queries"]}
        latest = get_json(f"{base}/corpus/latest_articles.json?_shape=array")
        assert len(latest) == 10
        articles = get_json(f"{base}/corpus/articles.json?_size=1")
        assert articles["human_description_en"].endswith("sorted by date_published descending")
        assert get_json(f"{base}/-/settings.json")["allow_download"] is False
        with urllib.request.urlopen(f"{base}/-/dashboards/cleanwire", timeout=10) as page:
            assert page.status == 200 and "cleanwire at a glance" in page.read().decode()
        metadata = get_json(f"{base}/-/metadata.json")
        charts = metadata["plugins"]["datasette-dashboards"]["cleanwire"]["charts"]
        assert {chart["db"] for chart in charts.values()} == {"corpus"}
        assert 'href="/corpus/articles"' in metadata["description_html"]


def archived(base: str, database: str, fetch_id: int) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of ``/-/archived/<database>/<fetch_id>``."""
    try:
        with urllib.request.urlopen(f"{base}/-/archived/{database}/{fetch_id}") as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_fetchs_archived_record_is_served_as_it_was_read(datasette: str, seeds_db: Path) -> None:
    with sqlite3.connect(seeds_db) as connection:
        fetches = connection.execute("select id, uri from fetches").fetchall()
    connection.close()
    assert len(fetches) == 10
    for fetch_id, uri in fetches:
        status, headers, body = archived(datasette, "news", fetch_id)
        assert status == 200
        assert body == Path(urllib.parse.unquote(urllib.parse.urlsplit(uri).path)).read_bytes()
        assert headers["content-type"].startswith("text/plain")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Security-Policy"].startswith("sandbox")


def test_the_archived_record_is_refused_unless_it_matches_and_lies_in_the_warc_folder(
    tmp_path: Path, seeds_db: Path
) -> None:
    database = copy_corpus(seeds_db, tmp_path / "served" / "news.db")
    outside = tmp_path / "outside.warc.gz"
    first = next((database.parent / "warc").glob("*.warc.gz"))
    shutil.copy(first, outside)
    (database.parent / "warc" / "link.warc.gz").symlink_to(outside)
    with sqlite3.connect(database) as connection:
        connection.execute("update fetches set body_sha256 = ? where id = 1", ["0" * 64])
        for fetch_id, warc_file in [
            (2, "../outside.warc.gz"),
            (3, "warc/../../outside.warc.gz"),
            (4, str(outside)),
            (5, "warc/link.warc.gz"),
            (6, "news.db"),
        ]:
            connection.execute(
                "update fetches set warc_file = ? where id = ?", [warc_file, fetch_id]
            )
    connection.close()
    with serve_datasette(database.parent) as base:
        assert archived(base, "news", 1)[0] == 409, "its digest does not match"
        for fetch_id in (2, 3, 4, 5, 6):
            status, _, body = archived(base, "news", fetch_id)
            assert status == 403, fetch_id
            assert b"not in the database's WARC folder" in body
        assert archived(base, "news", 7)[0] == 200, "the others are served"
        assert archived(base, "news", 999)[0] == 404
        assert archived(base, "nowhere", 1)[0] == 404


def test_a_record_of_a_remote_warc_file_is_told_by_its_range_request(
    tmp_path: Path, seeds_db: Path
) -> None:
    database = copy_corpus(seeds_db, tmp_path / "served" / "news.db")
    remote = "https://data.example/crawl-data/CC-NEWS/2026/11/CC-NEWS-20261101000000-00001.warc.gz"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "update fetches set warc_file = ?, warc_offset = 1000, warc_length = 250 where id = 1",
            [remote],
        )
        (sha256,) = connection.execute("select body_sha256 from fetches where id = 1").fetchone()
    connection.close()
    with serve_datasette(database.parent) as base:
        status, headers, body = archived(base, "news", 1)
    assert status == 200
    assert headers["Content-Security-Policy"].startswith("sandbox")
    text = body.decode()
    assert f"curl -s -r 1000-1249 '{remote}' | gzip -dc" in text
    assert f"SHA-256 of its payload: {sha256}" in text


def test_an_http_response_is_served_with_its_status_line_and_headers(tmp_path: Path) -> None:
    folder = site_copy(tmp_path / "site")
    database = tmp_path / "served" / "news.db"
    with NewsSite(folder) as site:
        crawl(database, "news", f"start={site.url}/news/article-1", **FAST)
    with sqlite3.connect(database) as connection:
        (fetch_id, sha256) = connection.execute(
            "select id, body_sha256 from fetches where outcome = 'article'"
        ).fetchone()
    connection.close()
    with serve_datasette(database.parent) as base:
        status, _, body = archived(base, "news", fetch_id)
    assert status == 200
    head, _, payload = body.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK") and b"Content-Type: text/html" in head
    assert hashlib.sha256(payload).hexdigest() == sha256


def test_the_sites_chart_shows_the_nine_sites_with_most_articles_and_other() -> None:
    sql = NEWS["queries"]["articles_per_day_top_sites"]["sql"]
    with sqlite3.connect(":memory:") as connection:
        connection.execute("create table articles (sitename, date_published, first_seen)")
        for site in range(15):
            for day in range(1, 16 - site):  # site 0 publishes most
                day_published = f"2026-01-{day:02}"
                connection.execute(
                    "insert into articles values (?, ?, null)", [f"site {site}", day_published]
                )
        rows = connection.execute(sql).fetchall()
    connection.close()
    sites = {site for _, site, _ in rows}
    assert sites == {f"site {n}" for n in range(9)} | {"other"}
    assert sum(count for _, _, count in rows) == sum(range(1, 16))
