"""Datasette plugin: a corpus's articles, laid out for reading.

Datasette shows a table's columns in the schema's order, and a row as a table of cells: an
article came as id, url, a narrow text column and a hash, with the title tenth, and its own
page was one row of 22 cells. For the ``articles`` table of a corpus (a database that also
has ``fetches`` and ``crawls``), the templates in ``data/templates/`` use what this gives
them (``extra_template_vars``):

- on the table page, ``reading_order``: the columns as a reader wants them, title, site,
  date published, authors, language, words and URL first, then the rest as they come;
- on an article's page, ``article_page``: the article and its provenance, read from the
  database: the fetch its text came from (when, from where, how it was found, its archived
  record), the crawl, its earlier versions, its copies (``similar_articles``) and its story
  with the story's other articles. The template shows the article first (headline, byline,
  dates with their source, site and language, the text in paragraphs), then these.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_decode

CORPUS_TABLES = frozenset({"articles", "fetches", "crawls"})
READING_ORDER = ("title", "sitename", "date_published", "author", "language", "word_count", "url")


def reading_order(columns: list[dict[str, Any]]) -> list[int]:
    """The positions of ``columns`` (Datasette's display columns) in reading order."""
    names = [column["name"] for column in columns]
    first = [names.index(name) for name in READING_ORDER if name in names]
    return first + [position for position in range(len(names)) if position not in first]


async def is_corpus_articles(datasette: Any, database: str | None, table: str | None) -> bool:
    if table != "articles" or database not in datasette.databases:
        return False
    tables = set(await datasette.get_database(database).table_names())
    return tables >= CORPUS_TABLES


async def rows(datasette: Any, database: str, sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows ``sql`` gives, as dicts; ``params`` are positional, or one dict of named ones."""
    named = len(params) == 1 and isinstance(params[0], dict)
    results = await datasette.get_database(database).execute(sql, params[0] if named else params)
    return [dict(row) for row in results.rows]


async def provenance(datasette: Any, database: str, article_id: str) -> dict[str, Any] | None:
    """The article ``article_id`` with its fetch, crawl, versions, copies and story."""
    found = await rows(datasette, database, "select * from articles where id = ?", article_id)
    if not found:
        return None
    article = found[0]
    fetches = await rows(
        datasette, database, "select * from fetches where id = ?", article["fetch_id"]
    )
    fetch = fetches[0] if fetches else None
    crawl = None
    if fetch is not None:
        crawls = await rows(
            datasette,
            database,
            "select id, spider, args, started_at, finished_at, finish_reason, exit_reason"
            " from crawls where id = ?",
            fetch["crawl_id"],
        )
        crawl = crawls[0] if crawls else None
    versions = await rows(
        datasette,
        database,
        "select version, title, word_count, fetch_id, superseded_at from article_versions"
        " where article_id = ? order by version",
        article_id,
    )
    copies = await rows(
        datasette,
        database,
        "select s.kind, s.containment, s.jaccard, o.id, o.title, o.sitename, o.url"
        " from similar_articles s join articles o"
        " on o.id = case when s.a_id = :id then s.b_id else s.a_id end"
        " where :id in (s.a_id, s.b_id) order by s.containment desc",
        {"id": article_id},
    )
    story = None
    if article.get("story_id"):
        stories = await rows(
            datasette, database, "select * from stories where id = ?", article["story_id"]
        )
        story = stories[0] if stories else None
    told_by = []
    if story is not None:
        told_by = await rows(
            datasette,
            database,
            "select id, title, sitename, coalesce(date_published, first_seen) as time"
            " from articles where story_id = ? and id != ? order by time, id",
            story["id"],
            article_id,
        )
    return {
        "article": article,
        "paragraphs": [line for line in (article["text"] or "").split("\n") if line.strip()],
        "authors": [a.strip() for a in (article["author"] or "").split(";") if a.strip()],
        "fetch": fetch,
        "crawl": crawl,
        "versions": versions,
        "copies": copies,
        "story": story,
        "told_by": told_by,
    }


@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, request: Any, datasette: Any
) -> Any:
    async def reading_vars() -> dict[str, Any]:
        if not await is_corpus_articles(datasette, database, table):
            return {}
        if template == "row.html" and database is not None:
            article_id = tilde_decode(request.url_vars["pks"])
            return {"article_page": await provenance(datasette, database, article_id)}
        return {"reading_order": reading_order}

    return reading_vars
