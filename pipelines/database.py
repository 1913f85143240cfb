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
import sqlite3
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import sqlite_utils
from sqlite_utils.db import Table

from crawler.items import (
    Article,
    ArticleSignature,
    ArticleVersion,
    Crawl,
    CrawlLease,
    Fetch,
    Page,
    PreviousFetch,
    SimilarPair,
    Story,
    WarcInput,
)

MIGRATIONS = sqlite_utils.Migrations("cleanwire")

TABLES: dict[str, type] = {
    "crawls": Crawl,
    "fetches": Fetch,
    "articles": Article,
    "article_versions": ArticleVersion,
    "article_signatures": ArticleSignature,
    "similar_articles": SimilarPair,
    "stories": Story,
    "crawl_lease": CrawlLease,
    "warc_inputs": WarcInput,
}
FULL_TEXT_COLUMNS = ["title", "text"]
INDEXES: dict[str, list[list[str]]] = {
    "fetches": [["crawl_id"], ["article_id"], ["uri"], ["outcome"], ["body_sha256"]],
    "articles": [["date_published"], ["sitename"], ["last_seen"], ["fetch_id"]],
}
LATER_INDEXES: dict[str, list[list[str]]] = {
    "fetches": [["final_url"], ["discovered_via"]],
    "article_versions": [["article_id", "version"], ["fetch_id"]],
}
"""Indexes added by migrations after the first; a new database gets them the same way."""

READ_OUTCOMES = ("article", "not_article", "duplicate", "unchanged")
"""Outcomes of a fetch that read the resource whole: its validators and hash can be trusted."""


def _column_type(hint: Any) -> tuple[type, bool]:
    """The Python type of a column and whether it may be NULL."""
    if get_origin(hint) in (Union, types.UnionType):
        (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return inner, True
    return hint, False


def columns_of(record: type) -> tuple[dict[str, type], set[str]]:
    """The columns of the table holding ``record`` rows, and those that are ``NOT NULL``.

    A field whose metadata names a ``migration`` is left out: that migration adds its column
    itself, with what ``create`` cannot give a table that exists (a foreign key).
    """
    hints = get_type_hints(record)
    columns: dict[str, type] = {}
    not_null: set[str] = set()
    for record_field in dataclasses.fields(record):
        if "migration" in record_field.metadata:
            continue
        column_type, nullable = _column_type(hints[record_field.name])
        columns[record_field.name] = column_type
        if not nullable:
            not_null.add(record_field.name)
    return columns, not_null


def _table(db: sqlite_utils.Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table)
    return table


def _create(
    db: sqlite_utils.Database,
    name: str,
    foreign_keys: list[tuple[str, str, str]],
    indexes: dict[str, list[list[str]]],
) -> None:
    columns, not_null = columns_of(TABLES[name])
    _table(db, name).create(
        columns, pk="id", not_null=not_null, foreign_keys=foreign_keys, strict=True
    )
    for index in indexes.get(name, []):
        _table(db, name).create_index(index)


def _add_missing_columns(db: sqlite_utils.Database, name: str, defaults: dict[str, Any]) -> None:
    """Add the columns a record has gained since its table was created.

    The first migration builds tables from the records as they are now, so on a new database
    there is nothing to add; on an older one the new columns are added, ``NOT NULL`` ones
    with their default from ``defaults``.
    """
    table = _table(db, name)
    columns, not_null = columns_of(TABLES[name])
    for column, column_type in columns.items():
        if column not in table.columns_dict:
            default = defaults[column] if column in not_null else None
            table.add_column(column, column_type, not_null_default=default)


@MIGRATIONS()
def m001_create_tables(db: sqlite_utils.Database) -> None:
    """crawls, fetches and articles, with full-text search on articles."""
    _create(db, "crawls", [], INDEXES)
    _create(db, "fetches", [("crawl_id", "crawls", "id")], INDEXES)
    _create(db, "articles", [("fetch_id", "fetches", "id")], INDEXES)
    _table(db, "fetches").add_foreign_key("article_id", "articles", "id")
    _table(db, "articles").enable_fts(FULL_TEXT_COLUMNS, create_triggers=True, tokenize="porter")


@MIGRATIONS()
def m002_revisits_and_versions(db: sqlite_utils.Database) -> None:
    """Web crawls: validators and discovery on fetches, article versions kept on change."""
    _add_missing_columns(db, "fetches", {})
    _add_missing_columns(db, "articles", {"version": 1})
    _create(
        db,
        "article_versions",
        [("article_id", "articles", "id"), ("fetch_id", "fetches", "id")],
        LATER_INDEXES,
    )
    for name in ("fetches",):
        for index in LATER_INDEXES[name]:
            _table(db, name).create_index(index, if_not_exists=True)


@MIGRATIONS()
def m003_article_metadata(db: sqlite_utils.Database) -> None:
    """Articles: modification date, where the date came from, main image, tags."""
    _add_missing_columns(db, "articles", {})


@MIGRATIONS()
def m004_warc_provenance(db: sqlite_utils.Database) -> None:
    """Fetches: where the WARC record holding the bytes read is (file, offset, record id)."""
    _add_missing_columns(db, "fetches", {})


@MIGRATIONS()
def m005_similar_articles(db: sqlite_utils.Database) -> None:
    """Copies and reuse: each article's MinHash signature, and the pairs of articles whose
    texts overlap (one row per pair, ``a_id < b_id``)."""
    _create(db, "article_signatures", [("article_id", "articles", "id")], {})
    _table(db, "article_signatures").create_index(["article_id"], unique=True)
    _create(db, "similar_articles", [("a_id", "articles", "id"), ("b_id", "articles", "id")], {})
    _table(db, "similar_articles").create_index(["a_id", "b_id"], unique=True)
    _table(db, "similar_articles").create_index(["b_id"])
    _table(db, "similar_articles").create_index(["containment"])


@MIGRATIONS()
def m006_stories(db: sqlite_utils.Database) -> None:
    """Stories: articles from any outlet that report the same event (``stories``), each
    article's story (``articles.story_id``), and the document frequencies of the hashed
    features stories are compared by (``story_terms``; ``term`` 0 counts the documents)."""
    _create(db, "stories", [("central_article_id", "articles", "id")], {})
    for index in (["last_time"], ["first_time"], ["last_published"], ["last_fetched"]):
        _table(db, "stories").create_index(index)
    _table(db, "story_terms").create(
        {"term": int, "df": int}, pk="term", not_null={"df"}, strict=True
    )
    if "story_id" not in _table(db, "articles").columns_dict:
        # ALTER TABLE keeps the full-text triggers that a rebuild (transform) would drop.
        db.execute("ALTER TABLE articles ADD COLUMN story_id TEXT REFERENCES stories(id)")
    _table(db, "articles").create_index(["story_id"], if_not_exists=True)


@MIGRATIONS()
def m007_crawl_summary(db: sqlite_utils.Database) -> None:
    """Crawls: the summary written at the end (pages by outcome, pages per second, top
    reasons, exit status)."""
    _add_missing_columns(db, "crawls", {})


@MIGRATIONS()
def m008_reindex_only_changed_text(db: sqlite_utils.Database) -> None:
    """Full-text search: re-index an article only when its title or text is written, not on
    every update of the row (``last_seen`` on each revisit, ``story_id``), which re-tokenised
    the whole text each time."""
    columns = ", ".join(f'"{name}"' for name in FULL_TEXT_COLUMNS)
    old = ", ".join(f'old."{name}"' for name in FULL_TEXT_COLUMNS)
    new = ", ".join(f'new."{name}"' for name in FULL_TEXT_COLUMNS)
    db.execute('DROP TRIGGER IF EXISTS "articles_au"')
    db.execute(
        f"""
        CREATE TRIGGER "articles_au" AFTER UPDATE OF {columns} ON "articles" BEGIN
          INSERT INTO "articles_fts" ("articles_fts", rowid, {columns})
            VALUES('delete', old.rowid, {old});
          INSERT INTO "articles_fts" (rowid, {columns}) VALUES (new.rowid, {new});
        END;
        """
    )


@MIGRATIONS()
def m009_crawl_worker(db: sqlite_utils.Database) -> None:
    """Crawls: the cluster worker that ran the crawl, for crawls the cluster's writer stored."""
    _add_missing_columns(db, "crawls", {})
    _table(db, "crawls").create_index(["worker"], if_not_exists=True)


@MIGRATIONS()
def m010_storage_failures(db: sqlite_utils.Database) -> None:
    """Crawls: the writes that failed (database, WARC files, copies, stories)."""
    _add_missing_columns(db, "crawls", {})


@MIGRATIONS()
def m011_crawl_lease(db: sqlite_utils.Database) -> None:
    """The crawl lease: one row naming the crawl that writes to the database now, so that a
    second crawl into it is refused (``pipelines/lease.py``)."""
    _create(db, "crawl_lease", [], {})


@MIGRATIONS()
def m012_remote_warc_inputs(db: sqlite_utils.Database) -> None:
    """Remote WARC files (the ``ccnews`` spider): each record's length on fetches, so that one
    range request reads it again; the files read to their end (``warc_inputs``), so that a
    crawl resumes at the next; fetches by record, so that a resumed file skips what is
    stored."""
    _add_missing_columns(db, "fetches", {})
    _table(db, "fetches").create_index(["warc_file", "warc_offset"], if_not_exists=True)
    _create(db, "warc_inputs", [("crawl_id", "crawls", "id")], {})
    _table(db, "warc_inputs").create_index(["url", "selection"], unique=True)


@MIGRATIONS()
def m013_signature_shingles(db: sqlite_utils.Database) -> None:
    """Each signature's shingle hashes (``article_signatures.shingles``), so that the copy
    stage compares a new article with one stored long before without shingling its text
    again."""
    _add_missing_columns(db, "article_signatures", {})


def _row(record: Any) -> dict[str, Any]:
    return {key: value for key, value in dataclasses.asdict(record).items() if key != "id"}


@dataclass(frozen=True)
class _Insert:
    """An ``INSERT`` of one record type into its table, built once from the record's fields.

    :param with_id: insert the record's own ``id`` (articles) rather than let SQLite number
        the row.
    """

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, table: str, with_id: bool) -> _Insert:
        names = tuple(
            f.name for f in dataclasses.fields(TABLES[table]) if with_id or f.name != "id"
        )
        columns = ", ".join(f'"{name}"' for name in names)
        marks = ", ".join("?" for _ in names)
        return cls(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', names)

    def run(self, connection: sqlite3.Connection, record: Any) -> int:
        """Insert ``record``; the new row's ``rowid``."""
        cursor = connection.execute(self.sql, [getattr(record, name) for name in self.names])
        assert cursor.lastrowid is not None
        return cursor.lastrowid


INSERT_FETCH = _Insert.of("fetches", with_id=False)
INSERT_ARTICLE = _Insert.of("articles", with_id=True)


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
        """Group writes into one transaction: all are committed, or none on error.

        The transaction begins ``IMMEDIATE``: it takes the write lock before its first read,
        so that what it reads cannot change before it writes, and it waits for another
        writer (``busy_timeout``) rather than fail when it comes to write. Nested, it is a
        savepoint of the one around it.
        """
        connection = self.db.conn
        if connection.in_transaction:
            with self.db.atomic():
                yield
            return
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.rollback()
            raise
        try:
            connection.execute("COMMIT")
        except BaseException:
            self.db.rollback()
            raise

    def start_crawl(self, crawl: Crawl) -> int:
        """Record a crawl that has started, committed at once, and return its id."""
        with self.transaction():
            table = _table(self.db, "crawls").insert(_row(crawl))
        assert table.last_pk is not None
        crawl.id = int(table.last_pk)
        return crawl.id

    def finish_crawl(
        self,
        crawl_id: int,
        finished_at: str,
        reason: str,
        stats: dict[str, Any],
        summary: dict[str, Any] | None = None,
    ) -> None:
        """Record the end of a crawl with its final stats.

        :param summary: the summary's columns (``CrawlSummary.columns``), if any.
        """
        with self.transaction():
            _table(self.db, "crawls").update(
                crawl_id,
                {
                    "finished_at": finished_at,
                    "finish_reason": reason,
                    "stats": json.dumps(stats, default=str, sort_keys=True),
                    **(summary or {}),
                },
            )

    def crawl_outcomes(self, crawl_id: int) -> tuple[dict[tuple[str, str | None], int], int, int]:
        """The number of a crawl's fetches by ``(outcome, reason)``; of its ``article``
        fetches that stored a new article (the first to store it: an article read at an
        alias URL, then at its canonical one, is stored twice); and of those that stored a
        new version (their earlier text is in ``article_versions``)."""
        rows = self.db.execute(
            "SELECT outcome, reason, count(*) FROM fetches WHERE crawl_id = ?"
            " GROUP BY outcome, reason",
            [crawl_id],
        ).fetchall()
        changed = self.db.execute(
            "SELECT count(*) FROM fetches f JOIN article_versions v"
            " ON v.article_id = f.article_id AND v.superseded_at = f.fetched_at"
            " WHERE f.crawl_id = ? AND f.outcome = 'article'",
            [crawl_id],
        ).fetchone()[0]
        new = self.db.execute(
            "SELECT count(*) FROM fetches f WHERE f.crawl_id = ? AND f.outcome = 'article'"
            " AND f.id = (SELECT min(g.id) FROM fetches g"
            " WHERE g.article_id = f.article_id AND g.outcome = 'article')",
            [crawl_id],
        ).fetchone()[0]
        outcomes = {(outcome or "", reason): number for outcome, reason, number in rows}
        return outcomes, new, changed

    def crawl_of_worker(self, worker: str) -> int | None:
        """The id of the crawl that cluster worker ``worker`` ran, if it is stored."""
        row = self.db.execute("SELECT id FROM crawls WHERE worker = ?", [worker]).fetchone()
        return None if row is None else int(row[0])

    def has_fetch(self, crawl_id: int, uri: str, fetched_at: str) -> bool:
        """Whether this crawl stored a fetch of ``uri`` made at ``fetched_at``."""
        row = self.db.execute(
            "SELECT 1 FROM fetches WHERE uri = ? AND crawl_id = ? AND fetched_at = ? LIMIT 1",
            [uri, crawl_id, fetched_at],
        ).fetchone()
        return row is not None

    def has_record(self, warc_file: str, warc_offset: int) -> bool:
        """Whether a fetch of the WARC record at ``warc_offset`` in ``warc_file`` is stored."""
        row = self.db.execute(
            "SELECT 1 FROM fetches WHERE warc_file = ? AND warc_offset = ? LIMIT 1",
            [warc_file, warc_offset],
        ).fetchone()
        return row is not None

    def record_warc_input(self, warc_input: WarcInput) -> None:
        """Record a remote WARC file read to its end (again: the latest read replaces it)."""
        with self.transaction():
            self.db.execute(
                "DELETE FROM warc_inputs WHERE url = ? AND selection = ?",
                [warc_input.url, warc_input.selection],
            )
            _table(self.db, "warc_inputs").insert(_row(warc_input))

    def latest_reads(self, chunk: int = 10_000) -> Iterator[list[Fetch]]:
        """For each URL requested, its latest fetch that read it whole, oldest first, ``chunk``
        at a time; a ``304`` carries the body hash of the read before it (as
        :class:`FetchHistory` gives it)."""
        cursor = self.db.execute(
            f"""
            SELECT f.id, f.uri, f.final_url, f.fetched_at, f.outcome, f.reason, f.etag,
              f.last_modified, f.article_id, f.crawl_id,
              coalesce(f.body_sha256, (SELECT g.body_sha256 FROM fetches g
                WHERE (g.uri = f.uri OR g.final_url = f.uri) AND g.body_sha256 IS NOT NULL
                  AND g.outcome IN {READ_OUTCOMES!r} AND g.id < f.id
                ORDER BY g.id DESC LIMIT 1))
            FROM fetches f
            WHERE f.id IN (SELECT max(id) FROM fetches WHERE outcome IN {READ_OUTCOMES!r}
                           GROUP BY uri)
            ORDER BY f.id
            """
        )
        names = (
            *("id", "uri", "final_url", "fetched_at", "outcome", "reason", "etag"),
            *("last_modified", "article_id", "crawl_id", "body_sha256"),
        )
        while rows := cursor.fetchmany(chunk):
            yield [Fetch(**dict(zip(names, row, strict=True))) for row in rows]

    def finished_crawls(self) -> list[int]:
        """The ids of the crawls of their own (not a cluster's workers) that finished
        normally."""
        rows = self.db.execute(
            "SELECT id FROM crawls WHERE finish_reason = 'finished' AND worker IS NULL"
        )
        return [int(row[0]) for row in rows]

    def stored_article(self, article_id: str) -> StoredArticle | None:
        """What is stored of an article, or ``None`` when it is not stored."""
        rows = self.db.execute(
            "SELECT a.text_sha256, a.version, f.uri, f.final_url FROM articles a"
            " LEFT JOIN fetches f ON f.id = a.fetch_id WHERE a.id = ?",
            [article_id],
        ).fetchall()
        if not rows:
            return None
        text_sha256, version, uri, final_url = rows[0]
        sources = frozenset(url for url in (uri, final_url) if url)
        return StoredArticle(text_sha256=text_sha256, version=version, source_urls=sources)

    def save_page(self, page: Page, crawl_id: int) -> None:
        """Write one page's fetch and, when it holds an article, the article.

        A new article is inserted. A changed one keeps its earlier text as a row of
        ``article_versions`` and is updated to the new text with the next ``version``,
        keeping its ``first_seen``. A fetch that found a stored article again
        (``unchanged`` or ``duplicate``) only moves that article's ``last_seen``.
        """
        fetch = page.fetch
        fetch.crawl_id = crawl_id
        article = page.article
        if article is not None:
            fetch.article_id = article.id
        fetch.id = INSERT_FETCH.run(self.db.conn, fetch)
        if fetch.outcome in ("unchanged", "duplicate") and fetch.article_id is not None:
            self.db.execute(
                "UPDATE articles SET last_seen = ? WHERE id = ? AND last_seen < ?",
                [fetch.fetched_at, fetch.article_id, fetch.fetched_at],
            )
            if fetch.warc_file is not None and fetch.body_sha256 is not None:
                # Healing: an article whose fetch lost its WARC record (a full disk) now
                # points to this fetch of the same bytes, which has one.
                self.db.execute(
                    "UPDATE articles SET fetch_id = ? WHERE id = ? AND fetch_id IN"
                    " (SELECT id FROM fetches WHERE warc_file IS NULL AND body_sha256 = ?)",
                    [fetch.id, fetch.article_id, fetch.body_sha256],
                )
        if article is None or fetch.outcome != "article":
            return
        article.fetch_id = fetch.id
        cursor = self.db.conn.execute("SELECT * FROM articles WHERE id = ?", [article.id])
        stored = cursor.fetchone()
        if stored is None:
            INSERT_ARTICLE.run(self.db.conn, article)
            return
        earlier = dict(zip([column[0] for column in cursor.description], stored, strict=True))
        article.version = earlier["version"]
        if earlier["text_sha256"] != article.text_sha256:
            self._keep_version(earlier, superseded_at=fetch.fetched_at)
            article.version += 1
        article.first_seen = earlier["first_seen"]
        if article.story_id is None:
            # A new version stays in its story (the story stage sets it for new articles).
            article.story_id = earlier.get("story_id")
        article.last_seen = max(earlier["last_seen"], article.last_seen)
        _table(self.db, "articles").update(article.id, _row(article))

    def _keep_version(self, earlier: dict[str, Any], superseded_at: str) -> None:
        version = ArticleVersion(
            article_id=earlier["id"],
            superseded_at=superseded_at,
            **{
                name: earlier[name]
                for name in (
                    "version",
                    "text",
                    "text_sha256",
                    "word_count",
                    "extractor",
                    "extracted_at",
                    "title",
                    "author",
                    "date_published",
                    "fetch_id",
                )
            },
        )
        _table(self.db, "article_versions").insert(_row(version))


@dataclass(frozen=True)
class StoredArticle:
    """What the dedupe stage needs to know of a stored article.

    :param source_urls: where its current text was read from (the fetch's URI and final URL).
    """

    text_sha256: str
    version: int
    source_urls: frozenset[str]


class ReadOnlyDatabase:
    """A cleanwire database read on a read-only connection of its own, opened on first use,
    so that it can be read while the store stage writes to the same file; a database that
    does not exist yet has nothing to read (:meth:`_connect` gives ``None``).

    :param path: the SQLite file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is None and self.path.exists():
            self._connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._connection.execute("PRAGMA busy_timeout = 10000")
        return self._connection

    def close(self) -> None:
        """Close the connection, if one was opened."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class WarcInputHistory(ReadOnlyDatabase):
    """Reads, from a cleanwire database, which remote WARC files earlier crawls read to their
    end, and which records of a file they stored.

    :param path: the SQLite file.
    """

    def finished(self, selection: str) -> set[str]:
        """The URLs of the files read to their end for ``selection``."""
        connection = self._connect()
        if connection is None:
            return set()
        try:
            rows = connection.execute(
                "SELECT url FROM warc_inputs WHERE selection = ?", [selection]
            ).fetchall()
        except sqlite3.OperationalError:  # a database from before warc_inputs
            return set()
        return {url for (url,) in rows}

    def stored_offsets(self, warc_file: str) -> set[int]:
        """The offsets of the records of ``warc_file`` whose fetch is stored."""
        connection = self._connect()
        if connection is None:
            return set()
        rows = connection.execute(
            "SELECT warc_offset FROM fetches WHERE warc_file = ? AND warc_offset IS NOT NULL",
            [warc_file],
        ).fetchall()
        return {offset for (offset,) in rows}


class FetchHistory(ReadOnlyDatabase):
    """Reads, from a cleanwire database, what earlier crawls learnt of each URL (a database
    that does not exist yet has no history).

    :param path: the SQLite file.
    """

    QUERY = f"""
        SELECT f.id, f.fetched_at, f.outcome, f.reason, c.finish_reason, f.etag,
          f.last_modified, f.article_id, f.warc_file IS NOT NULL,
          (SELECT g.body_sha256 FROM fetches g
           WHERE (g.uri = :url OR g.final_url = :url) AND g.body_sha256 IS NOT NULL
             AND g.outcome IN {READ_OUTCOMES!r}
           ORDER BY g.id DESC LIMIT 1)
        FROM fetches f LEFT JOIN crawls c ON c.id = f.crawl_id
        WHERE (f.uri = :url OR f.final_url = :url) AND f.outcome IN {READ_OUTCOMES!r}
        ORDER BY f.id DESC LIMIT 1
    """

    def previous(self, url: str) -> PreviousFetch | None:
        """The latest fetch that read ``url`` whole (as requested or after redirects)."""
        connection = self._connect()
        if connection is None:
            return None
        try:
            row = connection.execute(self.QUERY, {"url": url}).fetchone()
        except sqlite3.OperationalError:
            # A database from before these columns existed: no usable history yet.
            return None
        if row is None:
            return None
        (
            fetch_id,
            fetched_at,
            outcome,
            reason,
            finish_reason,
            etag,
            last_modified,
            article,
            archived,
            body,
        ) = row
        return PreviousFetch(
            fetch_id=fetch_id,
            fetched_at=fetched_at,
            outcome=outcome,
            reason=reason,
            crawl_finished=finish_reason == "finished",
            etag=etag,
            last_modified=last_modified,
            body_sha256=body,
            article_id=article,
            archived=bool(archived),
        )
