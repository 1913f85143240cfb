"""The end of a crawl: a few lines in the log, the same figures in its ``crawls`` row, and an
exit status a scheduler can act on.

The figures come from the crawl's stats (each stage counts the outcome it gives a page: see
the outcome table in ``docs/pipeline.md``), so the log, the ``crawls`` row and the exit status
agree::

    Crawl 12 (news) finished: 1,234 pages in 1m23s, 14.9 pages/s
      articles: 120 new, 3 changed; 1,000 unchanged, 5 duplicate, 40 not articles
      skipped: 50 (robots_txt 30, binary 15, too_large 5)
      failed: 16 (http_404 10, connection_failed 4, download_timeout 2)
      database: data/news.db; WARC files: data/warc
    Exit status 0 (ok): 16 of 1,234 pages failed (1.3%), within CRAWL_MAX_ERROR_SHARE (50%)

The exit status (:meth:`CrawlSummary.verdict`), first rule that applies:

- 6 (``storage_failed``): a write to the database, the WARC files, the copies or the stories
  failed (``storage/failed``: ``crawler/storage.py``); such a crawl stops early;
- 7 (``database_busy``): another crawl is writing to the database: this one was refused at
  the start (``pipelines/lease.py``);
- 5 (``not_finished``): the crawl ended for another reason than ``finished`` or a
  ``CLOSESPIDER_*`` limit (Ctrl-C or SIGTERM: ``shutdown``; ``memusage_exceeded`` ...);
- 3 (``nothing_read``): no page was read: none became an article or was found
  ``unchanged``, ``duplicate`` or ``not_article`` (no page at all counts too); not for a
  worker of a cluster, whose other workers may have read them all;
- 4 (``too_many_errors``): the share of pages that failed (``error: <reason>``) is above
  ``CRAWL_MAX_ERROR_SHARE``;
- 0 (``ok``) otherwise.

``scrapy crawl`` exits with it (``crawler/commands/crawl.py``); 1 stays Scrapy's own for a
crawl that could not start, and 2 its usage errors.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from crawler.progress import format_duration
from crawler.storage import DATABASE_BUSY_REASON, STORAGE_FAILED_STAT

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_NOTHING_READ = 3
EXIT_TOO_MANY_ERRORS = 4
EXIT_NOT_FINISHED = 5
EXIT_STORAGE_FAILED = 6
EXIT_DATABASE_BUSY = 7
EXIT_STATUS_STAT = "cleanwire/exit_status"
"""Stats key: the exit status the crawl's summary decided (read by the ``crawl`` command)."""
TOP_REASONS = 3
"""How many reasons the summary names for skipped and for failed pages."""


def finished_normally(reason: str) -> bool:
    """Whether a crawl that closed for ``reason`` ended as planned: it ran out of pages
    (``finished``) or reached a limit the user set (``closespider_timeout`` ...)."""
    return reason == "finished" or reason.startswith("closespider_")


def _by_reason(stats: Mapping[str, Any], prefix: str) -> Counter[str]:
    return Counter(
        {key[len(prefix) :]: int(value) for key, value in stats.items() if key.startswith(prefix)}
    )


def _pages(count: int) -> str:
    return f"{count:,} page" + ("" if count == 1 else "s")


def _reasons(counts: Counter[str], limit: int) -> str:
    named = ", ".join(f"{reason} {n:,}" for reason, n in counts.most_common(limit))
    more = len(counts) - limit
    return named + (f", {more} more reason{'s' if more > 1 else ''}" if more > 0 else "")


@dataclass(frozen=True)
class Verdict:
    """The exit status of a crawl, its name (``ok``, ``nothing_read`` ...) and why."""

    status: int
    reason: str
    explanation: str

    def line(self) -> str:
        return f"Exit status {self.status} ({self.reason}): {self.explanation}"


@dataclass(frozen=True)
class CrawlSummary:
    """What became of a crawl's pages, from its stats (:meth:`from_stats`)."""

    finish_reason: str
    articles_new: int = 0
    articles_changed: int = 0
    articles_other: int = 0
    """Articles stored neither new nor changed (an article moved to its canonical URL)."""
    articles_sent: int = 0
    """Articles a cluster worker sent to the writer, which decides whether they are new."""
    cluster_worker: bool = False
    """A worker of a cluster (``crawler/cluster.py``): the shared frontier may leave it no
    page, which is not a failed crawl."""
    pages_unchanged: int = 0
    pages_duplicate: int = 0
    not_article: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    storage_failed: Counter[str] = field(default_factory=Counter)
    """Writes that failed, by store (``database``, ``warc``, ``copies``, ``stories``)."""
    elapsed_seconds: float | None = None
    crawl_id: int | None = None

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], finish_reason: str) -> CrawlSummary:
        """The summary of a crawl that closed for ``finish_reason`` with these stats."""
        elapsed = stats.get("elapsed_time_seconds")
        return cls(
            finish_reason=finish_reason,
            articles_new=int(stats.get("articles/new", 0)),
            articles_changed=int(stats.get("articles/changed", 0)),
            articles_other=int(stats.get("articles/moved_to_canonical", 0)),
            articles_sent=int(stats.get("articles/sent", 0)),
            cluster_worker="cluster/new_run" in stats,
            pages_unchanged=sum(_by_reason(stats, "pages/unchanged/").values()),
            pages_duplicate=int(stats.get("articles/duplicate", 0)),
            not_article=_by_reason(stats, "pages/not_article/"),
            skipped=_by_reason(stats, "pages/skipped/"),
            failed=_by_reason(stats, "pages/error/"),
            storage_failed=_by_reason(stats, f"{STORAGE_FAILED_STAT}/"),
            elapsed_seconds=float(elapsed) if elapsed is not None else None,
            crawl_id=stats.get("cleanwire/crawl_id"),
        )

    @classmethod
    def from_outcomes(
        cls,
        outcomes: Mapping[tuple[str, str | None], int],
        articles_new: int,
        articles_changed: int,
        finish_reason: str,
        elapsed_seconds: float | None,
        crawl_id: int,
    ) -> CrawlSummary:
        """The summary of a crawl from its stored fetches: the number of each ``(outcome,
        reason)``, of new articles and of new versions
        (:meth:`pipelines.database.NewsDatabase.crawl_outcomes`). The cluster's writer
        sums a worker's crawl up this way: the worker's own stats cannot tell new articles
        from copies, which only the writer finds."""
        by_outcome: dict[str, Counter[str]] = {}
        for (outcome, reason), number in outcomes.items():
            kind = outcome.split(":", 1)[0]
            by_outcome.setdefault(kind, Counter())[reason or kind] += number
        stored = sum(by_outcome.get("article", Counter()).values())
        return cls(
            finish_reason=finish_reason,
            articles_new=articles_new,
            articles_changed=articles_changed,
            articles_other=stored - articles_new - articles_changed,
            pages_unchanged=sum(by_outcome.get("unchanged", Counter()).values()),
            pages_duplicate=sum(by_outcome.get("duplicate", Counter()).values()),
            not_article=by_outcome.get("not_article", Counter()),
            skipped=by_outcome.get("skipped", Counter()),
            failed=by_outcome.get("error", Counter()),
            elapsed_seconds=elapsed_seconds,
            crawl_id=crawl_id,
            cluster_worker=True,
        )

    @property
    def pages_read(self) -> int:
        """Pages read whole: articles, unchanged, duplicate and not_article outcomes."""
        articles = self.articles_new + self.articles_changed + self.articles_other
        articles += self.articles_sent
        return articles + self.pages_unchanged + self.pages_duplicate + self.pages_not_article

    @property
    def pages_not_article(self) -> int:
        return sum(self.not_article.values())

    @property
    def pages_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def pages_failed(self) -> int:
        return sum(self.failed.values())

    @property
    def pages_total(self) -> int:
        return self.pages_read + self.pages_skipped + self.pages_failed

    @property
    def pages_per_second(self) -> float | None:
        if not self.elapsed_seconds:
            return None
        return round(self.pages_total / self.elapsed_seconds, 2)

    def top_reasons(self, limit: int = TOP_REASONS) -> dict[str, dict[str, int]]:
        """The most frequent reasons of skipped and failed pages, with their counts."""
        return {
            "skipped": dict(self.skipped.most_common(limit)),
            "error": dict(self.failed.most_common(limit)),
        }

    def verdict(self, max_error_share: float) -> Verdict:
        """The exit status by the rule in the module docstring.

        :param max_error_share: ``CRAWL_MAX_ERROR_SHARE``: the largest share of failed pages
            that is still a good crawl.
        """
        total, failed = self.pages_total, self.pages_failed
        share = failed / total if total else 0.0
        if self.storage_failed:
            return Verdict(
                EXIT_STORAGE_FAILED,
                "storage_failed",
                f"{sum(self.storage_failed.values()):,} writes failed"
                f" ({_reasons(self.storage_failed, TOP_REASONS)}): what was read is not all"
                " stored",
            )
        if self.finish_reason == DATABASE_BUSY_REASON:
            return Verdict(
                EXIT_DATABASE_BUSY,
                "database_busy",
                "another crawl is writing to the database: this one did not run",
            )
        if not finished_normally(self.finish_reason):
            return Verdict(
                EXIT_NOT_FINISHED,
                "not_finished",
                f"the crawl did not finish: it closed with {self.finish_reason!r}"
                " (only 'finished' and CLOSESPIDER_* limits are a normal end)",
            )
        if self.pages_read == 0 and not self.cluster_worker:
            what = f"{_pages(total)}, all skipped or failed" if total else "there was none"
            return Verdict(
                EXIT_NOTHING_READ,
                "nothing_read",
                f"no page was read ({what}): none became an article or was found unchanged,"
                " duplicate or not_article",
            )
        limit = f"CRAWL_MAX_ERROR_SHARE ({max_error_share:.0%})"
        if share > max_error_share:
            return Verdict(
                EXIT_TOO_MANY_ERRORS,
                "too_many_errors",
                f"{failed:,} of {total:,} pages failed ({share:.1%}), more than {limit}",
            )
        return Verdict(
            EXIT_OK, "ok", f"{failed:,} of {total:,} pages failed ({share:.1%}), within {limit}"
        )

    def columns(self, verdict: Verdict) -> dict[str, Any]:
        """The summary's columns of the ``crawls`` row."""
        return {
            "articles_new": self.articles_new,
            "articles_changed": self.articles_changed,
            "pages_unchanged": self.pages_unchanged,
            "pages_duplicate": self.pages_duplicate,
            "pages_not_article": self.pages_not_article,
            "pages_skipped": self.pages_skipped,
            "pages_failed": self.pages_failed,
            "pages_total": self.pages_total,
            "pages_per_second": self.pages_per_second,
            "top_reasons": json.dumps(self.top_reasons()),
            "exit_status": verdict.status,
            "exit_reason": verdict.reason,
            "storage_failures": sum(self.storage_failed.values()),
        }

    def lines(self, spider: str, database: str, warc_folder: Path | None) -> list[str]:
        """The summary for the log, a few lines."""
        ended = "finished" if self.finish_reason == "finished" else f"ended ({self.finish_reason})"
        crawl = f"Crawl {self.crawl_id} ({spider})" if self.crawl_id else f"Crawl ({spider})"
        took = ""
        if self.elapsed_seconds is not None:
            rate = self.pages_per_second or 0.0
            took = f" in {format_duration(self.elapsed_seconds)}, {rate:,.1f} pages/s"
        articles = f"{self.articles_new:,} new, {self.articles_changed:,} changed"
        if self.articles_sent:
            articles = f"{self.articles_sent:,} sent to the writer"
        lines = [
            f"{crawl} {ended}: {self.pages_total:,} pages{took}",
            f"  articles: {articles};"
            f" {self.pages_unchanged:,} unchanged, {self.pages_duplicate:,} duplicate,"
            f" {self.pages_not_article:,} not articles",
        ]
        for name, counts in (("skipped", self.skipped), ("failed", self.failed)):
            total = sum(counts.values())
            lines.append(
                f"  {name}: {total:,}" + (f" ({_reasons(counts, TOP_REASONS)})" if total else "")
            )
        if self.storage_failed:
            writes = sum(self.storage_failed.values())
            lines.append(
                f"  storage: {writes:,} writes failed"
                f" ({_reasons(self.storage_failed, TOP_REASONS)})"
            )
        archive = f"WARC files: {warc_folder}" if warc_folder is not None else "no WARC files"
        lines.append(f"  database: {database}; {archive}")
        return lines


def warc_folder(settings: BaseSettings) -> Path | None:
    """Where the crawl's WARC files go, or ``None`` when archiving is off."""
    if not settings.getbool("WARC_ENABLED"):
        return None
    folder = settings.get("WARC_DIR") or ""
    return Path(folder) if folder else Path(settings.get("SQLITE_PATH")).parent / "warc"


def crawl_summary(crawler: Crawler, reason: str) -> tuple[CrawlSummary, Verdict]:
    """The summary of the crawl that closed for ``reason``, from its final stats, and the exit
    status it earns under ``CRAWL_MAX_ERROR_SHARE``."""
    assert crawler.stats is not None
    summary = CrawlSummary.from_stats(crawler.stats.get_stats(), reason)
    return summary, summary.verdict(crawler.settings.getfloat("CRAWL_MAX_ERROR_SHARE"))


class CrawlSummaryExtension:
    """Logs the crawl's summary and exit status when it closes, and keeps the status in the
    stats (:data:`EXIT_STATUS_STAT`) for the ``crawl`` command to exit with."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummaryExtension:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, reason: str) -> None:
        summary, verdict = crawl_summary(self.crawler, reason)
        settings = self.crawler.settings
        spider = self.crawler.spidercls.name
        database = settings.get("SQLITE_PATH")
        if settings.get("REDIS_URL"):
            database = f"the writer's, through {settings.get('REDIS_URL')}"
        for line in summary.lines(spider, database, warc_folder(settings)):
            logger.info(line)
        logger.log(logging.INFO if verdict.status == EXIT_OK else logging.ERROR, verdict.line())
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(EXIT_STATUS_STAT, verdict.status)
