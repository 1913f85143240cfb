"""The SQLite database: its schema, migrations and the writes the pipeline makes.

The tables are built from the record dataclasses in ``crawler/items.py``: a column exists
exactly when a field does, ``NOT NULL`` exactly when the field is not optional. Changes to a
database that exists go through :data:`MIGRATIONS` (``sqlite_utils.Migrations``), which
records each applied step in ``_sqlite_migrations``; a later field gets a migration that adds
its column. The library knows nothing of Scrapy: the store pipeline, tests and tools share it.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import sqlite_utils
from sqlite_utils.db import Table

from crawler.items import Article, Crawl, Fetch, Page

MIGRATIONS = sqlite_utils.Migrations("cleanwire")

TABLES: dict[str, type] = {"crawls": Crawl, "fetches": Fetch, "articles": Article}
FULL_TEXT_COLUMNS = ["title", "text"]
INDEXES: dict[str, list[list[str]]] = {
    "fetches": [["crawl_id"], ["article_id"], ["uri"], ["outcome"], ["body_sha256"]],
    "articles": [["date_published"], ["sitename"], ["last_seen"], ["fetch_id"]],
}


def _column_type(hint: Any) -> tuple[type, bool]:
    """The Python type of a column and whether it may be NULL."""
    if get_origin(hint) in (Union, types.UnionType):
        (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return inner, True
    return hint, False


def columns_of(record: type) -> tuple[dict[str, type], set[str]]:
    """The columns of the table holding ``record`` rows, and those that are ``NOT NULL``."""
    hints = get_type_hints(record)
    columns: dict[str, type] = {}
    not_null: set[str] = set()
    for record_field in dataclasses.fields(record):
        column_type, nullable = _column_type(hints[record_field.name])
        columns[record_field.name] = column_type
        if not nullable:
            not_null.add(record_field.name)
    return columns, not_null


def _table(db: sqlite_utils.Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


def _create(db: sqlite_utils.Database, name: str, foreign_keys: list[tuple[str, str, str]]) -> None:
    columns, not_null = columns_of(TABLES[name])
    _table(db, name).create(
        columns, pk="id", not_null=not_null, foreign_keys=foreign_keys, strict=True
    )
    for index in INDEXES.get(name, []):
        _table(db, name).create_index(index)


@MIGRATIONS()
def m001_create_tables(db: sqlite_utils.Database) -> None:
    """crawls, fetches and articles, with full-text search on articles."""
    _create(db, "crawls", [])
    _create(db, "fetches", [("crawl_id", "crawls", "id")])
    _create(db, "articles", [("fetch_id", "fetches", "id")])
    _table(db, "fetches").add_foreign_key("article_id", "articles", "id")
    _table(db, "articles").enable_fts(FULL_TEXT_COLUMNS, create_triggers=True, tokenize="porter")


def _row(record: Any) -> dict[str, Any]:
    return {key: value for key, value in dataclasses.asdict(record).items() if key != "id"}


class NewsDatabase:
    """A cleanwire database file, opened for writing.

    Opening creates the file and its folder if needed, switches it to WAL mode (so
    Datasette can read while a crawl writes) and applies pending migrations.

    :param path: the SQLite file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA busy_timeout = 10000")
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")
        MIGRATIONS.apply(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one transaction: all are committed, or none on error."""
        with self.db.atomic():
            yield

    def start_crawl(self, crawl: Crawl) -> int:
        """Record a crawl that has started, committed at once, and return its id."""
        with self.db.atomic():
            table = _table(self.db, "crawls").insert(_row(crawl))
        assert table.last_pk is not None
        crawl.id = int(table.last_pk)
        return crawl.id

    def finish_crawl(
        self, crawl_id: int, finished_at: str, reason: str, stats: dict[str, Any]
    ) -> None:
        """Record the end of a crawl with its final stats."""
        with self.db.atomic():
            _table(self.db, "crawls").update(
                crawl_id,
                {
                    "finished_at": finished_at,
                    "finish_reason": reason,
                    "stats": json.dumps(stats, default=str, sort_keys=True),
                },
            )

    def stored_text_sha256(self, article_id: str) -> str | None:
        """The hash of the text stored for an article, or ``None`` when it is not stored."""
        rows = self.db.execute(
            "SELECT text_sha256 FROM articles WHERE id = ?", [article_id]
        ).fetchall()
        return str(rows[0][0]) if rows else None

    def save_page(self, page: Page, crawl_id: int) -> None:
        """Write one page's fetch and, when it holds an article, the article.

        A new article is inserted; an article already stored is updated in place, keeping
        its ``first_seen``; a duplicate (``fetch.outcome == "duplicate"``) only moves the
        stored article's ``last_seen``.
        """
        fetch = page.fetch
        fetch.crawl_id = crawl_id
        article = page.article
        if article is not None:
            fetch.article_id = article.id
        table = _table(self.db, "fetches").insert(_row(fetch))
        assert table.last_pk is not None
        fetch.id = int(table.last_pk)
        if article is None:
            return
        articles = _table(self.db, "articles")
        if fetch.outcome == "duplicate":
            articles.update(article.id, {"last_seen": article.last_seen})
            return
        article.fetch_id = fetch.id
        if self.stored_text_sha256(article.id) is None:
            articles.insert(dataclasses.asdict(article))
        else:
            changes = dataclasses.asdict(article)
            del changes["id"], changes["first_seen"]
            articles.update(article.id, changes)
