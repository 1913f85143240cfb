"""What earlier crawls learnt of each URL, shared through Redis for a cluster's processes.

On one machine the revisit middleware reads the database (:class:`FetchHistory`). In a
cluster only the writer has the database, so it publishes, for every page it stores that was
read whole, what the next crawl needs to ask for that URL conditionally: the validators
(``ETag``, ``Last-Modified``), the body's SHA-256 and the article it gave
(:meth:`SharedFetchHistory.record`). Crawler processes look them up
(:meth:`SharedFetchHistory.previous`), as :class:`FetchHistory` would give them.

Entries live in the hash :data:`HISTORY_KEY`, one per URL (as requested and as finally read),
keyed by 12 bytes of the URL's BLAKE2b digest, valued by a JSON array of :data:`FIELDS` and
the run, to keep Redis small. A page that lists others
(a home page, a feed) is only asked for conditionally when the run that read it completed:
every request it led to was done, no worker was lost (the set :data:`COMPLETE_RUNS_KEY`, which
the last worker of a run adds it to: ``crawler/cluster.py``); a crawl of its own that finished
counts as a complete run (``crawl:<id>``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from redis import Redis

from crawler.items import Page, PreviousFetch
from pipelines.database import READ_OUTCOMES, NewsDatabase

HISTORY_KEY = "cleanwire:history"
COMPLETE_RUNS_KEY = "cleanwire:runs:complete"

FIELDS = (
    "fetch_id",
    "fetched_at",
    "outcome",
    "reason",
    "etag",
    "last_modified",
    "body_sha256",
    "article_id",
)


def url_field(url: str) -> bytes:
    """The field of ``url`` in :data:`HISTORY_KEY`."""
    return hashlib.blake2b(url.encode("utf-8"), digest_size=12).digest()


class SharedFetchHistory:
    """The per-URL history of a cluster's crawls, in Redis.

    :param server: the cluster's Redis.
    """

    def __init__(self, server: Redis) -> None:
        self.server = server

    def previous(self, url: str) -> PreviousFetch | None:
        """The latest fetch that read ``url`` whole (as requested or after redirects)."""
        raw = self.server.hget(HISTORY_KEY, url_field(url))
        if raw is None:
            return None
        *values, run = json.loads(raw)
        complete = run is not None and bool(self.server.sismember(COMPLETE_RUNS_KEY, run))
        return PreviousFetch(crawl_finished=complete, **dict(zip(FIELDS, values, strict=True)))

    def record(self, pages: Iterable[tuple[Page, str | None]]) -> int:
        """Publish the history that stored pages leave, each with the run that read it; the
        URLs written.

        Only fetches that read the resource whole count (as for :class:`FetchHistory`); a
        page read as ``304 Not Modified`` keeps the body hash of the read before it.
        """
        entries: dict[bytes, str] = {}
        for page, run in pages:
            fetch = page.fetch
            if fetch.id is None or fetch.outcome not in READ_OUTCOMES:
                continue
            entry = {name: getattr(fetch, name) for name in FIELDS if name != "fetch_id"}
            entry["fetch_id"] = fetch.id
            if entry["body_sha256"] is None and page.previous is not None:
                entry["body_sha256"] = page.previous.body_sha256
            value = json.dumps([*(entry[name] for name in FIELDS), run], separators=(",", ":"))
            for url in {fetch.uri, fetch.final_url or fetch.uri}:
                entries[url_field(url)] = value
        if entries:
            self.server.hset(HISTORY_KEY, mapping=entries)  # type: ignore[arg-type]
        return len(entries)

    def load(self, database: NewsDatabase) -> int:
        """Publish the history a database holds (crawls made before the cluster); the URLs
        written."""
        written = 0
        for fetches in database.latest_reads():
            written += self.record((Page(fetch=f), f"crawl:{f.crawl_id}") for f in fetches)
        finished = [f"crawl:{crawl_id}" for crawl_id in database.finished_crawls()]
        if finished:
            self.server.sadd(COMPLETE_RUNS_KEY, *finished)
        return written

    def close(self) -> None:
        """Nothing to close: the connection is the caller's."""
