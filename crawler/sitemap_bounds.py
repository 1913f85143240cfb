"""Bounds on sitemaps: how deep sitemap indexes may nest, and how many sitemap files one
site may make a crawl read.

A sitemap index lists sitemaps, which may be indexes again: a site whose indexes each list a
new one (an endless chain of distinct URLs, by mistake or as a trap) would keep a crawl busy
until its time limit. :class:`SitemapBounds` decides, for each sitemap an index or a
robots.txt lists, whether it is read:

- a sitemap more than ``NEWS_SITEMAP_MAX_DEPTH`` indexes below where the crawl found the
  first one is left out as ``skipped: sitemap_depth``;
- past ``NEWS_SITEMAPS_PER_SITE`` sitemap files from one host, the others are left out as
  ``skipped: sitemap_limit``.

What is left out is recorded as a page with its reason (a ``fetches`` row and a log line),
never silently.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from scrapy.settings import BaseSettings

from pipelines.extraction.result import Skipped


class SitemapBounds:
    """The sitemap files a crawl reads, by host, against its bounds.

    :param max_depth: ``NEWS_SITEMAP_MAX_DEPTH``: sitemap indexes that may nest below the one
        a crawl starts from (or a robots.txt names).
    :param per_site: ``NEWS_SITEMAPS_PER_SITE``: sitemap files listed by indexes and robots.txt
        read from one host.
    """

    def __init__(self, max_depth: int, per_site: int) -> None:
        if max_depth < 0 or per_site < 1:
            raise ValueError(
                "NEWS_SITEMAP_MAX_DEPTH must be 0 or more and NEWS_SITEMAPS_PER_SITE 1 or more,"
                f" not {max_depth} and {per_site}"
            )
        self.max_depth = max_depth
        self.per_site = per_site
        self._files: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SitemapBounds:
        return cls(
            settings.getint("NEWS_SITEMAP_MAX_DEPTH"), settings.getint("NEWS_SITEMAPS_PER_SITE")
        )

    def refusal(self, url: str, depth: int) -> Skipped | None:
        """Why the sitemap at ``url``, ``depth`` indexes deep, is not read; ``None`` when it
        is (it then counts against its host's bound)."""
        if depth > self.max_depth:
            return Skipped(
                "sitemap_depth",
                f"{depth} sitemap indexes deep,"
                f" more than NEWS_SITEMAP_MAX_DEPTH ({self.max_depth})",
            )
        host = (urlsplit(url).hostname or "").lower()
        if self._files[host] >= self.per_site:
            return Skipped(
                "sitemap_limit",
                f"more than NEWS_SITEMAPS_PER_SITE ({self.per_site}) sitemap files from {host}",
            )
        self._files[host] += 1
        return None
