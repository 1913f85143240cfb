"""Similarity stage: which stored articles are the same text, or share passages.

Every article the store accepts (new, or a new version) is compared with those stored
before it, in this crawl or an earlier one:

1. Its MinHash signature (made in the extraction worker, with its shingle hashes: see
   :mod:`pipelines.extraction.shingles`) is looked up in an LSH index
   (:class:`pipelines.lsh.BandIndex`): the articles sharing a band are the candidates, never
   all pairs. At most ``SIMILAR_MAX_CANDIDATES`` are compared, those sharing the most bands.
2. For each candidate, the exact Jaccard similarity and containment of the two sets of
   shingles are computed; a pair of Jaccard at least ``SIMILAR_DUPLICATE_JACCARD`` is a
   ``duplicate``, else one of containment at least ``SIMILAR_REUSE_CONTAINMENT`` is
   ``reuse``; others are not recorded.
3. The article's signature (``article_signatures``) and its pairs (``similar_articles``)
   replace those of its earlier text, and it joins the index.

The index lives in memory and is built again from the stored signatures when the spider
opens; articles stored without a signature of their current text (before this stage
existed, or when a crash came between the two writes) are compared then.

Rows are written after the articles they name are committed: each write of this stage first
has the store write the pages it holds, then writes in a transaction of its own, and a row
is written only while its articles are stored with the text it was made from. A crash in
between leaves articles without signatures, which the next start compares again.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

from crawler.items import ArticleSignature, Page, SimilarPair, utc_now
from crawler.storage import storage_failed
from pipelines.cpu_clock import crawl_clock, timed
from pipelines.database import NewsDatabase
from pipelines.extraction.shingles import (
    NUM_PERM,
    SHINGLE_WORDS,
    Hashes,
    fingerprint,
    from_bytes,
    overlap,
    shingle_hashes,
)
from pipelines.lsh import BandIndex, lsh_params
from pipelines.store import StorePipeline

logger = logging.getLogger(__name__)

CACHED_TEXTS = 1024
"""Shingle sets of the latest articles kept in memory (about 3 kB each), so that a candidate
stored a moment ago is not read back and shingled again (at least twice the store's batch).
4,096 of them made no difference to speed on 5,000 pages and 9 MiB to the peak."""

LOAD_CHUNK = 10_000
"""Signatures read at a time when the index is built at start."""


@dataclass
class Compared:
    """One article compared: its signature row and its pairs, waiting to be written."""

    signature: ArticleSignature
    pairs: list[SimilarPair] = field(default_factory=list)


def _digest(text_sha256: str) -> int:
    """The first 64 bits of a text's SHA-256 (hex), as a small number to keep per article."""
    return int(text_sha256[:16], 16)


class SimilarityTables:
    """Reads and writes ``article_signatures`` and ``similar_articles`` in a cleanwire
    database.

    :param database: the store's open database.
    """

    def __init__(self, database: NewsDatabase) -> None:
        self.connection = database.db.conn

    def current_signatures(
        self, chunk: int = LOAD_CHUNK
    ) -> Iterator[tuple[list[str], list[str], bytes]]:
        """The stored signatures of articles' current texts made as signatures are made now,
        ``chunk`` at a time: their article ids, their texts' SHA-256 and their bytes, end to
        end."""
        cursor = self.connection.execute(
            "SELECT s.article_id, s.text_sha256, s.signature FROM article_signatures s"
            " JOIN articles a ON a.id = s.article_id AND a.text_sha256 = s.text_sha256"
            " WHERE s.num_perm = ? AND s.shingle_words = ? AND length(s.signature) > 0",
            [NUM_PERM, SHINGLE_WORDS],
        )
        while rows := cursor.fetchmany(chunk):
            ids, text_hashes, signatures = zip(*rows, strict=True)
            yield list(ids), list(text_hashes), b"".join(signatures)

    def unsigned_articles(self) -> list[str]:
        """Stored articles with no signature of their current text (made as now)."""
        rows = self.connection.execute(
            "SELECT a.id FROM articles a LEFT JOIN article_signatures s"
            " ON s.article_id = a.id AND s.text_sha256 = a.text_sha256"
            " AND s.num_perm = ? AND s.shingle_words = ?"
            " WHERE s.id IS NULL ORDER BY a.rowid",
            [NUM_PERM, SHINGLE_WORDS],
        )
        return [row[0] for row in rows]

    def shingles(self, article_id: str) -> bytes | None:
        """The shingle hashes kept with the signature of an article's current text (made as
        shingles are made now), or ``None`` when none are kept."""
        row = self.connection.execute(
            "SELECT s.shingles FROM article_signatures s"
            " JOIN articles a ON a.id = s.article_id AND a.text_sha256 = s.text_sha256"
            " WHERE s.article_id = ? AND s.shingle_words = ? AND length(s.shingles) > 0",
            [article_id, SHINGLE_WORDS],
        ).fetchone()
        return None if row is None else bytes(row[0])

    def text(self, article_id: str) -> tuple[str, str] | None:
        """An article's stored text and its SHA-256, or ``None`` when it is not stored."""
        row = self.connection.execute(
            "SELECT text, text_sha256 FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def _stored(self, article_id: str, text_sha256: str | None = None) -> bool:
        sql = "SELECT 1 FROM articles WHERE id = ?"
        parameters = [article_id]
        if text_sha256 is not None:
            sql += " AND text_sha256 = ?"
            parameters.append(text_sha256)
        return self.connection.execute(sql, parameters).fetchone() is not None

    def write(self, compared: Compared) -> int:
        """Replace an article's signature and pairs with these; the pairs written.

        Nothing is written for an article not stored with the text the signature was made
        from (its page failed to be written, or a later text replaced it), nor a pair whose
        other article is not stored.
        """
        row = compared.signature
        if not self._stored(row.article_id, row.text_sha256):
            return -1
        self.connection.execute(
            "DELETE FROM article_signatures WHERE article_id = ?", [row.article_id]
        )
        self.connection.execute(
            "INSERT INTO article_signatures (article_id, text_sha256, num_perm,"
            " shingle_words, signature, computed_at, shingles) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                row.article_id,
                row.text_sha256,
                row.num_perm,
                row.shingle_words,
                row.signature,
                row.computed_at,
                row.shingles,
            ],
        )
        self.connection.execute(
            "DELETE FROM similar_articles WHERE a_id = ? OR b_id = ?",
            [row.article_id, row.article_id],
        )
        written = 0
        for pair in compared.pairs:
            other = pair.b_id if pair.a_id == row.article_id else pair.a_id
            if not self._stored(other):
                continue
            self.connection.execute(
                "INSERT INTO similar_articles (a_id, b_id, jaccard, containment, kind, found_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [pair.a_id, pair.b_id, pair.jaccard, pair.containment, pair.kind, pair.found_at],
            )
            written += 1
        return written


class SimilarityPipeline:
    """Finds near-duplicates and reused text among stored articles (see the module's doc).

    Settings: ``SIMILAR_ENABLED``, ``SIMILAR_LSH_THRESHOLD``, ``SIMILAR_DUPLICATE_JACCARD``,
    ``SIMILAR_REUSE_CONTAINMENT``, ``SIMILAR_MAX_CANDIDATES``; it writes as often as the
    store (``SQLITE_BATCH_SIZE``, ``SQLITE_BATCH_SECONDS``).
    """

    def __init__(
        self,
        crawler: Crawler,
        lsh_threshold: float,
        duplicate_jaccard: float,
        reuse_containment: float,
        max_candidates: int,
        batch_size: int,
        batch_seconds: float,
    ) -> None:
        for name, value in (
            ("SIMILAR_LSH_THRESHOLD", lsh_threshold),
            ("SIMILAR_DUPLICATE_JACCARD", duplicate_jaccard),
            ("SIMILAR_REUSE_CONTAINMENT", reuse_containment),
        ):
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be above 0 and at most 1, not {value}")
        self.crawler = crawler
        self.clock = crawl_clock(crawler)
        self.stats: StatsCollector = crawler.stats
        self.lsh_threshold = lsh_threshold
        self.duplicate_jaccard = duplicate_jaccard
        self.reuse_containment = reuse_containment
        self.max_candidates = max(1, max_candidates)
        self.batch_size = max(1, batch_size)
        self.batch_seconds = batch_seconds
        bands, rows = lsh_params(lsh_threshold, NUM_PERM)
        self.index = BandIndex(bands, rows)
        self.store: StorePipeline | None = None
        self.tables: SimilarityTables | None = None
        self._pending: list[Compared] = []
        self._texts: OrderedDict[str, Hashes] = OrderedDict()
        self._digests: dict[str, int] = {}
        """The start of the SHA-256 of each indexed article's text: a candidate with the same
        text is a duplicate without comparing shingles (nor reading its text back when it is
        no longer among the cached ones)."""
        self._cached_texts = max(CACHED_TEXTS, 2 * self.batch_size)
        self._timer = LoopingCall(self.flush)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SimilarityPipeline:
        settings = crawler.settings
        if not settings.getbool("SIMILAR_ENABLED"):
            raise NotConfigured("SIMILAR_ENABLED is off")
        return cls(
            crawler,
            lsh_threshold=settings.getfloat("SIMILAR_LSH_THRESHOLD"),
            duplicate_jaccard=settings.getfloat("SIMILAR_DUPLICATE_JACCARD"),
            reuse_containment=settings.getfloat("SIMILAR_REUSE_CONTAINMENT"),
            max_candidates=settings.getint("SIMILAR_MAX_CANDIDATES"),
            batch_size=settings.getint("SQLITE_BATCH_SIZE"),
            batch_seconds=settings.getfloat("SQLITE_BATCH_SECONDS"),
        )

    def open_spider(self) -> None:
        self.store = self.crawler.get_item_pipeline(StorePipeline)
        if self.store is None or self.store.database is None:
            raise RuntimeError("SimilarityPipeline needs StorePipeline in ITEM_PIPELINES")
        self.tables = SimilarityTables(self.store.database)
        self._load()
        self._compare_unsigned()
        if self.batch_seconds > 0:
            self._timer.start(self.batch_seconds, now=False)

    def _load(self) -> None:
        """Build the index from the stored signatures."""
        assert self.tables is not None
        started = time.perf_counter()
        for article_ids, text_hashes, signatures in self.tables.current_signatures():
            matrix = from_bytes(signatures).reshape(len(article_ids), NUM_PERM)
            self.index.add_all(article_ids, matrix)
            self._digests.update(zip(article_ids, map(_digest, text_hashes), strict=True))
        logger.info(
            "Similarity index: %d articles in %.2f s (%d bands of %d rows, %.1f MiB)",
            len(self.index),
            time.perf_counter() - started,
            self.index.bands,
            self.index.rows,
            self.index.memory_bytes() / 2**20,
        )

    def _compare_unsigned(self) -> None:
        """Compare the stored articles that have no signature of their current text."""
        assert self.tables is not None
        unsigned = self.tables.unsigned_articles()
        if not unsigned:
            return
        logger.info("Comparing %d stored articles that have no signature yet", len(unsigned))
        started = time.perf_counter()
        for article_id in unsigned:
            stored = self.tables.text(article_id)
            if stored is None:
                continue
            text, text_sha256 = stored
            signature, hashes = fingerprint(text)
            self._compare(article_id, text_sha256, signature, hashes)
            self.stats.inc_value("similar/backfilled")
            if len(self._pending) >= self.batch_size:
                self.flush()
        self.flush()
        logger.info("Compared %d articles in %.1f s", len(unsigned), time.perf_counter() - started)

    @timed("copies")
    def process_item(self, item: Page) -> Page:
        article, extraction = item.article, item.extraction
        if article is None or item.fetch.outcome != "article":
            return item
        if extraction is not None and extraction.text_sha256 == article.text_sha256:
            signature, hashes = extraction.signature, extraction.shingles
        else:
            signature, hashes = b"", b""
        try:
            if not signature and article.word_count:
                signature, hashes = fingerprint(article.text)
            self._compare(article.id, article.text_sha256, signature, hashes)
        except Exception:
            # The page is stored already: an error here must not make Scrapy report it to the
            # store again (item_error). The article keeps no signature; the next start
            # compares it again.
            logger.exception("Could not compare %s with the stored articles", article.url)
            self.stats.inc_value("similar/errors")
        if len(self._pending) >= self.batch_size:
            self.flush()
        return item

    def _shingles_of(self, article_id: str) -> Hashes | None:
        """A stored article's shingle hashes: from memory, else as kept with its signature,
        else from its stored text."""
        hashes = self._texts.get(article_id)
        if hashes is not None:
            self._texts.move_to_end(article_id)
            return hashes
        assert self.tables is not None
        kept = self.tables.shingles(article_id)
        if kept is not None:
            hashes = from_bytes(kept)
        else:
            stored = self.tables.text(article_id)
            if stored is None:
                return None
            hashes = shingle_hashes(stored[0])
        self._remember(article_id, hashes)
        return hashes

    def _remember(self, article_id: str, hashes: Hashes) -> None:
        self._texts[article_id] = hashes
        self._texts.move_to_end(article_id)
        while len(self._texts) > self._cached_texts:
            self._texts.popitem(last=False)

    def _kind(self, jaccard: float, containment: float) -> str | None:
        if jaccard >= self.duplicate_jaccard:
            return "duplicate"
        if containment >= self.reuse_containment:
            return "reuse"
        return None

    def _compare(self, article_id: str, text_sha256: str, signature: bytes, hashes: bytes) -> None:
        """Find an article's pairs among the indexed ones, queue them with its signature for
        writing, and index it in place of its earlier text."""
        found_at = utc_now()
        compared = Compared(
            ArticleSignature(
                article_id=article_id,
                text_sha256=text_sha256,
                num_perm=NUM_PERM,
                shingle_words=SHINGLE_WORDS,
                signature=signature,
                computed_at=found_at,
                shingles=hashes,
            )
        )
        self.index.remove(article_id)
        self._texts.pop(article_id, None)
        self._digests.pop(article_id, None)
        self.stats.inc_value("similar/articles")
        if not signature:
            self._pending.append(compared)
            return
        values = from_bytes(signature)
        own = from_bytes(hashes)
        shared = self.index.query(values)
        candidates = shared.most_common(self.max_candidates)
        self.stats.inc_value("similar/candidates", len(candidates))
        if len(shared) > len(candidates):
            self.stats.inc_value("similar/candidates_over_limit", len(shared) - len(candidates))
        found: Counter[str] = Counter()
        digest = _digest(text_sha256)
        for other_id, _bands in candidates:
            if self._digests.get(other_id) == digest:
                jaccard = containment = 1.0
            else:
                other = self._shingles_of(other_id)
                if other is None:
                    continue
                jaccard, containment = overlap(own, other)
            kind = self._kind(jaccard, containment)
            if kind is None:
                continue
            a_id, b_id = sorted((article_id, other_id))
            compared.pairs.append(
                SimilarPair(
                    a_id=a_id,
                    b_id=b_id,
                    jaccard=round(jaccard, 4),
                    containment=round(containment, 4),
                    kind=kind,
                    found_at=found_at,
                )
            )
            found[kind] += 1
            logger.debug(
                "Articles %s and %s: %s (jaccard %.3f, containment %.3f)",
                article_id,
                other_id,
                kind,
                jaccard,
                containment,
            )
        for kind, count in found.items():
            self.stats.inc_value(f"similar/pairs/{kind}", count)
        self.index.add(article_id, values)
        self._digests[article_id] = digest
        self._remember(article_id, own)
        self._pending.append(compared)

    @timed("copies")
    def flush(self) -> None:
        """Write the signatures and pairs waiting, once the store has written its pages."""
        if not self._pending or self.store is None or self.store.database is None:
            return
        assert self.tables is not None
        self.store.flush()
        batch, self._pending = self._pending, []
        try:
            with self.store.database.transaction():
                written = [self.tables.write(compared) for compared in batch]
        except sqlite3.Error as error:
            # The articles keep no signature: the next start compares them again.
            logger.exception("Could not write the pairs of %d articles", len(batch))
            self.stats.inc_value("similar/write_failed", len(batch))
            storage_failed(self.crawler, "copies", error, len(batch))
            return
        not_stored = sum(count < 0 for count in written)
        if not_stored:
            self.stats.inc_value("similar/not_stored", not_stored)

    def close_spider(self) -> None:
        if self._timer.running:
            self._timer.stop()
        self.flush()
        self._texts.clear()
