"""The news spider requests http(s) URLs only, whatever the pages it reads point to.

What a page, feed, sitemap or server says is not trusted to choose what the crawl reads: a
link, a feed entry, a sitemap ``loc``, a robots.txt ``Sitemap:`` line, a redirect's
``Location`` or a ``<meta http-equiv=refresh>`` naming ``file:///etc/passwd``, ``ftp:``,
``data:``, ``javascript:`` or ``mailto:`` is refused. One rule decides
(:func:`crawler.discovery.is_web_url`: an absolute http(s) URL with a host), and every
refusal goes through :func:`refused`, which counts it (``discovery/refused_scheme`` and
``discovery/refused_scheme/<via>``) and logs it at DEBUG.

- The news spider checks the URLs it finds (links, and what feeds, sitemaps and robots.txt
  list) before it makes requests of them.
- :class:`WebOnlySpiderMiddleware` drops any request the spider derives from a response
  that is not http(s), whatever code path made it. Start requests pass: start URLs are the
  user's choice (the news spider takes http(s) ones only).
- :class:`WebOnlyRedirectMiddleware` refuses a redirect (3xx ``Location``) or a meta refresh
  to another scheme. A 3xx reaches it after Scrapy's ``RedirectMiddleware``, which (in
  Scrapy 2.19) follows http(s) targets only and passes the others on: this one counts the
  refusal and marks the response (``meta["refused_redirect"]``) so that its fetch says why
  the crawl stopped there. A meta refresh reaches it before ``MetaRefreshMiddleware``, which
  ``meta["dont_redirect"]`` then keeps from following it.
- :func:`web_only` installs both for a spider and turns off Scrapy's download handlers for
  other schemes (``file``, ``data``, ``ftp``, ``s3``), so even a request that got past them
  reads nothing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response
from scrapy.settings import BaseSettings, get_settings_priority
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.statscollectors import StatsCollector
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from crawler.discovery import WEB_SCHEMES, is_web_url

logger = logging.getLogger(__name__)

REFUSED_STAT = "discovery/refused_scheme"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
LOGGED_URL_CHARS = 200
"""How much of a refused URL the log shows (a ``data:`` URL may be a whole document)."""

SPIDER_MIDDLEWARE_PRIORITY = 950
"""Next to the spider: refused requests never reach depth, length or referer middlewares."""
DOWNLOADER_MIDDLEWARE_PRIORITY = 585
"""Responses pass it after decompression (590) and before the meta-refresh middleware (580)."""


def refused(url: str, stats: StatsCollector, via: str, source: str | None) -> bool:
    """Whether ``url`` must not be requested, counting and logging it if so.

    :param url: an absolute URL found in content.
    :param stats: the crawl's stats, where a refusal is counted.
    :param via: how it was found: ``link``, ``feed``, ``sitemap``, ``robots``, ``redirect``,
        ``meta_refresh``.
    :param source: the URL of the page, feed or response that gave it.
    :returns: ``False`` for an absolute http(s) URL with a host, else ``True``.
    """
    if is_web_url(url):
        return False
    stats.inc_value(REFUSED_STAT)
    stats.inc_value(f"{REFUSED_STAT}/{via}")
    shown = url if len(url) <= LOGGED_URL_CHARS else url[:LOGGED_URL_CHARS] + "..."
    logger.debug("Refused %r (%s in %s): not a http(s) URL", shown, via, source)
    return True


def web_only(settings: BaseSettings) -> None:
    """Make a crawl with these settings request http(s) URLs only (see the module docstring).

    Call it from a spider's ``update_settings``. The settings are set with the spider's
    priority (``scrapy crawl`` merges the project's settings into a spider's own again, and
    an equal priority would undo these); one given on the command line (``-s``) wins.
    """
    spider_middleware = f"{__name__}.WebOnlySpiderMiddleware"
    downloader_middleware = f"{__name__}.WebOnlyRedirectMiddleware"
    _update(settings, "SPIDER_MIDDLEWARES", {spider_middleware: SPIDER_MIDDLEWARE_PRIORITY})
    _update(
        settings, "DOWNLOADER_MIDDLEWARES", {downloader_middleware: DOWNLOADER_MIDDLEWARE_PRIORITY}
    )
    other_schemes = set(settings.getdict("DOWNLOAD_HANDLERS_BASE")) - WEB_SCHEMES
    _update(settings, "DOWNLOAD_HANDLERS", dict.fromkeys(other_schemes))


def _update(settings: BaseSettings, name: str, entries: dict[str, Any]) -> None:
    """Add ``entries`` to the dict setting ``name``, with at least the spider's priority."""
    priority = max(get_settings_priority("spider"), settings.getpriority(name) or 0)
    settings.set(name, {**settings.getdict(name), **entries}, priority=priority)


class WebOnlySpiderMiddleware(BaseSpiderMiddleware):
    """Drops the requests a spider makes from a response unless they are http(s)."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:
            return request  # a start request: the user's choice
        via = request.meta.get("discovered_via") or "link"
        stats = self.crawler.stats
        assert stats is not None
        return None if refused(request.url, stats, via, response.url) else request


class WebOnlyRedirectMiddleware:
    """Keeps a crawl from following a redirect or a meta refresh to a non-http(s) URL.

    The response is passed on as it is, with ``meta["dont_redirect"]`` set so that no
    redirect middleware after this one follows it, and ``meta["refused_redirect"]`` naming
    the target.
    """

    def __init__(self, stats: StatsCollector, meta_refresh_ignore_tags: list[str]) -> None:
        self.stats = stats
        self.meta_refresh_ignore_tags = meta_refresh_ignore_tags

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WebOnlyRedirectMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats, crawler.settings.getlist("METAREFRESH_IGNORE_TAGS"))

    def process_response(self, request: Request, response: Response) -> Response:
        target = self._redirect_target(request, response)
        if target is not None and refused(target[1], self.stats, target[0], request.url):
            request.meta["dont_redirect"] = True
            request.meta["refused_redirect"] = target[1]
        return response

    def _redirect_target(self, request: Request, response: Response) -> tuple[str, str] | None:
        """How and where ``response`` sends the crawl on (``redirect`` or ``meta_refresh``)."""
        location = response.headers.get(b"Location")
        try:
            if response.status in REDIRECT_STATUSES and location:
                return "redirect", urljoin(request.url, safe_url_string(location.strip()))
            if isinstance(response, HtmlResponse):
                url = get_meta_refresh(response, self.meta_refresh_ignore_tags)[1]
                if url:
                    return "meta_refresh", url
        except ValueError:
            return None
        return None
