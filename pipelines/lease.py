"""The crawl lease: one crawl at a time writes to a database.

Two crawls into one database count the same pages as new twice, mark pages duplicates of
themselves and leave derived tables (stories' ``article_count``) wrong. So the store takes
the database's lease before it writes anything: the one row of ``crawl_lease`` names the
process holding it. A second crawl finds it held and is refused at once, in one line
(exit status 7, ``database_busy``: ``crawler/summary.py``).

A lease is held while its holder lives:

- on the same machine, while its process exists: a crawl killed outright (``kill -9``, the
  OOM killer) leaves a row that the next crawl takes over at once;
- from another machine (a database on a shared disk), while the holder renews it: it is
  renewed every quarter of ``SQLITE_LEASE_SECONDS``, and taken over once it is that old.

The lease is taken and renewed in ``IMMEDIATE`` transactions, so two crawls starting at the
same moment cannot both take it. The cluster's writer (``pipelines/writer.py``) is the one
process that writes a cluster's database: it holds the lease like any crawl.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from crawler.items import CrawlLease, utc_now
from pipelines.database import NewsDatabase

logger = logging.getLogger(__name__)


class LeaseHeld(Exception):
    """The database's lease is held by another live crawl (the message says which)."""


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DatabaseLease:
    """The lease of one database for this process.

    :param database: the database, opened for writing.
    :param seconds: how old a lease from another machine must be to be taken over
        (``SQLITE_LEASE_SECONDS``).
    """

    def __init__(self, database: NewsDatabase, seconds: float) -> None:
        self.database = database
        self.seconds = seconds
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.holder = f"{self.host}:{self.pid}:{uuid.uuid4().hex}"

    def _alive(self, lease: CrawlLease) -> bool:
        if lease.host == self.host:
            return process_alive(lease.pid)
        renewed = datetime.fromisoformat(lease.renewed_at)
        return datetime.fromisoformat(utc_now()) - renewed < timedelta(seconds=self.seconds)

    def _current(self) -> CrawlLease | None:
        row = self.database.db.execute(
            "SELECT holder, host, pid, acquired_at, renewed_at, crawl_id FROM crawl_lease"
            " WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        holder, host, pid, acquired_at, renewed_at, crawl_id = row
        return CrawlLease(holder, host, pid, acquired_at, renewed_at, crawl_id, id=1)

    def acquire(self) -> None:
        """Take the lease, over a holder that is dead.

        :raises LeaseHeld: when a live crawl holds it.
        """
        with self.database.transaction():
            held = self._current()
            if held is not None and held.holder != self.holder and self._alive(held):
                crawl = f"crawl {held.crawl_id}, " if held.crawl_id is not None else ""
                raise LeaseHeld(
                    f"Another crawl is writing to {self.database.path} ({crawl}process"
                    f" {held.pid} on {held.host}, since {held.acquired_at}): not starting"
                )
            if held is not None and held.holder != self.holder:
                logger.warning(
                    "Taking over the lease of %s from process %d on %s, which is gone",
                    self.database.path,
                    held.pid,
                    held.host,
                )
            now = utc_now()
            self.database.db.execute(
                "INSERT OR REPLACE INTO crawl_lease"
                " (id, holder, host, pid, acquired_at, renewed_at) VALUES (1, ?, ?, ?, ?, ?)",
                [self.holder, self.host, self.pid, now, now],
            )

    def name_crawl(self, crawl_id: int) -> None:
        """Say which crawl holds the lease, for the message of a refused one."""
        with self.database.transaction():
            self.database.db.execute(
                "UPDATE crawl_lease SET crawl_id = ? WHERE holder = ?", [crawl_id, self.holder]
            )

    def renew(self) -> bool:
        """Renew the lease; whether this process still held it."""
        with self.database.transaction():
            cursor = self.database.db.execute(
                "UPDATE crawl_lease SET renewed_at = ? WHERE holder = ?",
                [utc_now(), self.holder],
            )
        return cursor.rowcount == 1

    def release(self) -> None:
        """Give the lease up (nothing when another process took it over)."""
        with self.database.transaction():
            self.database.db.execute("DELETE FROM crawl_lease WHERE holder = ?", [self.holder])
