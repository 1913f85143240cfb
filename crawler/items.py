"""The records cleanwire writes, defined once.

:class:`Crawl`, :class:`Fetch` and :class:`Article` are the rows of the ``crawls``,
``fetches`` and ``articles`` tables: the database schema is built from these fields (see
``pipelines/database.py``), so a column exists exactly when a field does. :class:`Page` is
the item spiders yield: one resource read, carried through the pipeline stages.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from pipelines.extraction.result import Extraction, Rejected

TRACKING_PARAMETERS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid")


def utc_now() -> str:
    """The current time in UTC as ISO-8601 with offset, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def url_key(url: str) -> str:
    """The form of ``url`` that identifies an article.

    Fragments, tracking parameters and the difference between ``http`` and ``https`` do
    not make another article; query parameters are sorted and escapes normalised.
    """
    canonical = canonicalize_url(url, keep_fragments=False)
    parts = urlsplit(canonical)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not name.lower().startswith(TRACKING_PARAMETERS)
    ]
    scheme = "https" if parts.scheme == "http" else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def article_id(url: str) -> str:
    """The stable id of the article at ``url``: 16 hex digits of the SHA-256 of its key."""
    return hashlib.sha256(url_key(url).encode("utf-8")).hexdigest()[:16]


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class Crawl:
    """One run of a spider: a row of ``crawls``.

    The fields from ``articles_new`` on are the crawl's summary, written when it closes
    (``crawler/summary.py``): pages by outcome, pages per second, the most frequent reasons
    of skipped and failed pages (JSON), and the exit status ``scrapy crawl`` ended with.
    """

    spider: str
    args: str
    started_at: str
    versions: str
    finished_at: str | None = None
    finish_reason: str | None = None
    stats: str | None = None
    articles_new: int | None = None
    articles_changed: int | None = None
    pages_unchanged: int | None = None
    pages_duplicate: int | None = None
    pages_not_article: int | None = None
    pages_skipped: int | None = None
    pages_failed: int | None = None
    pages_total: int | None = None
    pages_per_second: float | None = None
    top_reasons: str | None = None
    exit_status: int | None = None
    exit_reason: str | None = None
    id: int | None = None
    worker: str | None = None
    """In cluster mode, the crawler process that ran the crawl (``host:pid:uuid``); the
    cluster's writer wrote its row."""
    storage_failures: int | None = None
    """Writes to the database, WARC files, copies or stories that failed (``storage/failed``):
    what the crawl read and could not keep."""


@dataclass
class Fetch:
    """One resource read (an HTTP response or a file): a row of ``fetches``.

    ``outcome`` is ``article``, ``not_article``, ``unchanged``, ``duplicate``,
    ``skipped: <reason>`` or ``error: <reason>``; ``reason`` repeats the reason alone, for
    facets. ``etag`` and ``last_modified`` are the validators the server sent;
    ``discovered_via`` (``start``, ``feed``, ``sitemap``, ``link``), ``discovered_from`` (the
    URL that listed it) and ``discovery`` (JSON: what the listing said of it) are how the
    crawl found it. ``warc_file`` (relative to the database's folder), ``warc_offset`` and
    ``warc_record_id`` locate the WARC record holding the bytes as read; ``body_sha256`` is
    the SHA-256 of that record's payload.
    """

    uri: str
    fetched_at: str
    final_url: str | None = None
    status: int | None = None
    content_type: str | None = None
    encoding: str | None = None
    body_bytes: int | None = None
    body_sha256: str | None = None
    outcome: str | None = None
    reason: str | None = None
    article_id: str | None = None
    crawl_id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    discovered_via: str | None = None
    discovered_from: str | None = None
    discovery: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_record_id: str | None = None
    id: int | None = None
    warc_length: int | None = None
    """Bytes of the record in ``warc_file`` from ``warc_offset`` (its whole gzip member):
    with the offset, one range request reads it again from a remote WARC file (migration
    ``m012_remote_warc_inputs``)."""

    def reject(self, rejection: Rejected) -> None:
        """Record why this resource gave no article."""
        self.reason = rejection.reason
        if rejection.outcome == "not_article":
            self.outcome = "not_article"
        else:
            self.outcome = f"{rejection.outcome}: {rejection.reason}"


@dataclass
class Article:
    """The current state of one article: a row of ``articles``."""

    id: str
    url: str
    text: str
    text_sha256: str
    word_count: int
    extractor: str
    extracted_at: str
    first_seen: str
    last_seen: str
    title: str | None = None
    author: str | None = None
    date_published: str | None = None
    language: str | None = None
    sitename: str | None = None
    description: str | None = None
    fetch_id: int | None = None
    version: int = 1
    date_modified: str | None = None
    date_source: str | None = None
    image: str | None = None
    tags: str | None = None
    story_id: str | None = field(default=None, metadata={"migration": "m006_stories"})
    """The story the article belongs to (``stories.id``), set by the story stage after the
    article is stored. Its column, a foreign key to ``stories``, is added by its own
    migration, so table creation from these fields leaves it out."""


@dataclass
class ArticleVersion:
    """An earlier text of an article, kept when a later fetch changed it: a row of
    ``article_versions``. ``articles`` holds the latest version."""

    article_id: str
    version: int
    text: str
    text_sha256: str
    word_count: int
    extractor: str
    extracted_at: str
    superseded_at: str
    title: str | None = None
    author: str | None = None
    date_published: str | None = None
    fetch_id: int | None = None
    id: int | None = None


@dataclass
class ArticleSignature:
    """The MinHash signature of an article's current text: a row of ``article_signatures``.

    ``signature`` is ``num_perm`` little-endian 32-bit values over the text's
    ``shingle_words``-word shingles; ``text_sha256`` names the text it was made from, so a
    signature of an earlier text is known as such. ``shingles`` are the text's sorted,
    distinct shingle hashes (little-endian 32-bit), so that comparing a later article with
    this one needs no reading and shingling of its text again (empty in rows written before
    they were kept).
    """

    article_id: str
    text_sha256: str
    num_perm: int
    shingle_words: int
    signature: bytes
    computed_at: str
    shingles: bytes = b""
    id: int | None = None


@dataclass
class CrawlLease:
    """The crawl writing to the database now: the one row of ``crawl_lease``
    (``pipelines/lease.py``).

    ``holder`` names the process (``host:pid:uuid``); ``host`` and ``pid`` let a crawl on the
    same machine see that the holder is dead; ``renewed_at`` (UTC, ISO-8601), renewed while
    the holder runs, lets one on another machine see that it stopped renewing.
    """

    holder: str
    host: str
    pid: int
    acquired_at: str
    renewed_at: str
    crawl_id: int | None = None
    id: int | None = None


@dataclass
class SimilarPair:
    """Two articles whose texts share shingles: a row of ``similar_articles``.

    ``a_id`` is the lesser id; ``kind`` is ``duplicate`` (near-identical texts) or
    ``reuse`` (shared passages, or a reworded copy).
    """

    a_id: str
    b_id: str
    jaccard: float
    containment: float
    kind: str
    found_at: str
    id: int | None = None


@dataclass
class Story:
    """Articles from any outlet that report the same event: a row of ``stories``.

    ``id`` is the id of the article that started the story. Times are UTC, ISO-8601:
    ``first_time`` and ``last_time`` span its articles' publication dates (their first fetch
    when they state none); ``first_published`` .. ``last_published`` spans the dates stated,
    ``first_fetched`` .. ``last_fetched`` the first fetches. ``label`` is the title of
    ``central_article_id``, the article closest to the story's centroid. ``centroid`` holds
    the story's strongest hashed features (see ``pipelines/clustering/engine.py``).
    """

    id: str
    label: str
    central_article_id: str
    first_time: str
    last_time: str
    article_count: int
    first_fetched: str
    last_fetched: str
    centroid: bytes
    updated_at: str
    first_published: str | None = None
    last_published: str | None = None


@dataclass
class WarcInput:
    """A remote WARC file a crawl read to its end: a row of ``warc_inputs``
    (``crawler/ccnews.py``).

    ``selection`` names the records the crawl kept of it (its ``domains``, ``languages``,
    ``since`` and ``until``, as JSON): the same file read for another selection is read
    again. ``outcome`` is ``complete``, or ``damaged`` when the file ended inside a record
    (``reason`` says how); ``records`` counts the response records read, ``pages`` those sent
    on to extraction.
    """

    url: str
    selection: str
    outcome: str
    records: int
    pages: int
    finished_at: str
    reason: str | None = None
    crawl_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class PreviousFetch:
    """What the last good read of a URL left: validators, the body's hash and its article.

    :param crawl_finished: whether the crawl that read it finished normally (a page that
        lists others is only trusted as unchanged when its links were all followed).
    :param archived: whether its bytes are in a WARC record; a read whose record could not
        be written (a full disk) is fetched whole again, to archive it.
    """

    fetch_id: int
    fetched_at: str
    outcome: str
    crawl_finished: bool
    reason: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    article_id: str | None = None
    archived: bool = True


@dataclass
class Page:
    """The item spiders yield: a resource read, its raw bytes, and what became of it.

    :param page_format: ``html`` or ``text`` (a plain-text capture of a page).
    :param declared_encoding: the charset the transport declared, if any.
    :param rejection: set by a stage that found no article in the page.
    :param previous: the last good read of the same URL, from an earlier crawl.
    """

    fetch: Fetch
    body: bytes = field(default=b"", repr=False)
    page_format: str = "html"
    declared_encoding: str | None = None
    previous: PreviousFetch | None = None
    rejection: Rejected | None = None
    extraction: Extraction | None = field(default=None, repr=False)
    article: Article | None = field(default=None, repr=False)
    counted_as: str | None = None
    """The stats key the dedupe stage counted an article under (``articles/new`` ...), so
    that a page the store cannot write is counted again as failed."""

    def __repr__(self) -> str:
        return f"<Page {self.fetch.uri}>"
