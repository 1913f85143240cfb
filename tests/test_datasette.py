"""Datasette over a crawl's database with the project's configuration (``data/``): search,
descriptions, facets, canned queries, limits. The ``datasette`` fixture (conftest) serves
``datasette <folder>`` on 127.0.0.1 as the README runs it."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import DATA, ROOT

GOLD = DATA / "seeds_gold"
METADATA = yaml.safe_load((ROOT / "data" / "metadata.yml").read_text())
NEWS = METADATA["databases"]["news"]
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


DASHBOARD = METADATA["plugins"]["datasette-dashboards"]["cleanwire"]
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
        assert chart["db"] == "news" and chart["library"] == "vega-lite", slug
        assert chart["query"] in canned, f"{slug}: its SQL is not a ready-made query's"
    assert {canned[chart["query"]] for chart in CHARTS.values()} == {
        "articles_per_site_per_day",
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
