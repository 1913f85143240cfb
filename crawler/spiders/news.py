"""``scrapy crawl news -a start=URL[,URL...]``: crawl news sites for articles.

Each start URL may be an article, a home or section page, an RSS or Atom feed, a sitemap, a
sitemap index, a news sitemap or a robots.txt; what it is is read from the response
(:func:`crawler.discovery.document_kind`), not from the URL. Feeds and sitemaps give the
URLs they list; robots.txt gives its sitemaps; home and section pages give their links
within the start URLs' domains, up to ``-a depth=N`` link hops (default 1).

Every response, and every request that failed, becomes a :class:`~crawler.items.Page` with
its provenance (``discovered_via``, ``discovered_from`` and what the listing said); the
item pipelines decide what it holds and record it.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    UsageError,
)
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure
from w3lib.url import url_query_cleaner

from crawler.discovery import (
    DOCUMENT_REASONS,
    JSON,
    Listing,
    declared_charset,
    document_kind,
    gunzip_if_compressed,
    is_web_url,
    parse_feed,
    parse_sitemap,
    sitemaps_in_robots,
)
from crawler.items import TRACKING_PARAMETERS, Fetch, Page, utc_now
from crawler.redirects import RedirectNotFollowed
from crawler.schemeguard import refused, web_only
from crawler.sitemap_bounds import SitemapBounds
from crawler.warc import describe_body
from pipelines.extraction.decoding import binary_kind
from pipelines.extraction.result import FetchFailed, NotArticle, Rejected, Skipped

ARTICLE_OG_TYPE = re.compile(r"^\s*article", re.IGNORECASE)
HOST_FIRST = re.compile(r"[\w.-]+\.[\w-]+(?::\d+)?(?:/|$)")
"""A URL given without its scheme: a host name or address, maybe a port, then the path."""
NOT_A_PAGE = frozenset(IGNORED_EXTENSIONS)
"""Link targets by extension that cannot hold an article (images, media, archives, PDFs)."""


def start_urls(start: str, start_file: str) -> list[str]:
    """The start URLs from ``-a start=`` (comma-separated) and ``-a start_file=``.

    The file holds one URL a line; blank lines and ``#`` comments are left out.

    :raises UsageError: for a file that cannot be read, or a URL that is not an absolute
        http(s) one (start URLs are the user's choice: a slip, not something to skip).
    """
    urls = [("-a start", url.strip()) for url in start.split(",") if url.strip()]
    if start_file:
        try:
            lines = Path(start_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"-a start_file: cannot read {start_file!r}: {error}") from None
        for number, line in enumerate(lines, start=1):
            line = line.split("#", 1)[0].strip()
            if line:
                urls.append((f"-a start_file {start_file}, line {number}", line))
    for where, url in urls:
        if not is_web_url(url):
            hint = f" (did you mean http://{url}?)" if HOST_FIRST.match(url) else ""
            raise UsageError(f"{where}: not an http(s) URL: {url!r}{hint}")
    return list(dict.fromkeys(url for _, url in urls))


def site_domain(url: str) -> str:
    """The domain links from ``url`` may stay within: its host without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def within(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    host = host.lower()
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class NewsSpider(scrapy.Spider):
    """Finds and reads news articles from start URLs of any kind (see the module docstring).

    :param start: start URLs, comma-separated.
    :param start_file: a file of start URLs, one a line, ``#`` comments allowed.
    :param depth: how many link hops to follow from HTML start pages (0: none).
    :param domains: more domains links may lead to (comma-separated), or ``*`` for any.
    """

    name = "news"
    cluster_worker = True
    """It runs as one worker of a cluster when ``REDIS_URL`` is set (``crawler/cluster.py``)."""
    handle_httpstatus_list = [304]

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        web_only(settings)  # http(s) requests only, whatever pages say: crawler/schemeguard.py

    def __init__(
        self,
        start: str = "",
        start_file: str = "",
        depth: str = "1",
        domains: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_urls_given = start_urls(start, start_file)
        if not depth.isdigit():
            raise UsageError(f"-a depth must be a whole number, not {depth!r}")
        self.depth = int(depth)
        self.any_domain = domains.strip() == "*"
        extra = {d.strip().lower().removeprefix("www.") for d in domains.split(",") if d.strip()}
        self.domains = frozenset({site_domain(url) for url in self.start_urls_given} | extra)
        self.arguments = {
            key: value
            for key, value in {
                "start": start,
                "start_file": start_file,
                "depth": depth,
                "domains": domains,
            }.items()
            if value
        }
        self.link_extractor = LinkExtractor(deny_extensions=[], unique=True)
        self.sitemap_bounds: SitemapBounds | None = None
        """Built from the settings in :meth:`from_crawler`."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.sitemap_bounds = SitemapBounds.from_settings(crawler.settings)
        if not spider.start_urls_given and not crawler.settings.get("REDIS_URL"):
            # A cluster worker may start without start URLs: it takes the shared frontier's.
            raise UsageError(
                "the news spider needs -a start=URL[,URL...] or -a start_file=PATH"
                " with at least one http(s) URL"
            )
        return spider

    def scope(self) -> dict[str, Any]:
        """Where links may lead, for the cluster to share (``crawler/cluster.py``): the start
        URLs' domains (none without start URLs), ``depth`` and whether any domain will do."""
        domains = sorted(self.domains) if self.start_urls_given else []
        return {"domains": domains, "depth": self.depth, "any_domain": self.any_domain}

    def widen_scope(self, domains: set[str], depth: int, any_domain: bool) -> None:
        """Follow links as the cluster's run does: within its domains, to its depth."""
        self.domains = self.domains | frozenset(domains)
        self.depth = max(self.depth, depth) if self.start_urls_given else depth
        self.any_domain = self.any_domain or any_domain

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls_given:
            yield self._request(url, via="start", hops=0)

    def _request(
        self,
        url: str,
        via: str,
        hops: int,
        source: str | None = None,
        listing: Listing | None = None,
    ) -> scrapy.Request:
        meta: dict[str, Any] = {"discovered_via": via, "hops": hops}
        if source is not None:
            meta["discovered_from"] = source
        if listing is not None:
            meta["discovery"] = listing.provenance()
            meta["listed_modified"] = listing.modified()
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta)

    def parse(self, response: Response) -> Iterator[Page | scrapy.Request]:
        fetch = self._fetch(response)
        if response.status == 304:
            yield self._unchanged(response, fetch)
            return
        max_bytes = self.settings.getint("DOWNLOAD_MAXSIZE") or 2**31
        try:
            body = gunzip_if_compressed(response.body, max_bytes)
        except ValueError as error:
            yield self._page(response, fetch, rejection=Skipped("bad_gzip", str(error)))
            return
        kind = document_kind(body, fetch.content_type)
        self.crawler.stats.inc_value(f"news/documents/{kind}")
        if kind in DOCUMENT_REASONS:
            yield self._page(response, fetch, rejection=NotArticle(DOCUMENT_REASONS[kind]))
            yield from self._listed(response, body, kind)
        elif kind == "html":
            yield self._page(response, fetch, body=body, page_format="html")
            yield from self._links(response, body)
        elif kind == JSON:
            served = fetch.content_type or "no content type"
            yield self._page(response, fetch, rejection=Skipped("json", f"JSON served as {served}"))
        elif binary := binary_kind(body):
            yield self._page(response, fetch, rejection=Skipped("binary", binary))
        elif (fetch.content_type or "").startswith("text/plain"):
            yield self._page(response, fetch, body=body, page_format="text")
        else:
            unsupported = Skipped("unsupported_type", fetch.content_type or "no content type")
            yield self._page(response, fetch, rejection=unsupported)

    def _listed(
        self, response: Response, body: bytes, kind: str
    ) -> Iterator[scrapy.Request | Page]:
        """Requests for what a robots.txt, sitemap or feed lists (http(s) URLs only); the
        sitemaps left out by the bounds (``crawler/sitemap_bounds.py``), as pages saying why."""
        stats = self.crawler.stats
        not_web: list[str] = []  # listed URLs of other schemes: refused
        if kind == "robots":
            urls = sitemaps_in_robots(body, response.url, not_web)
            for url in not_web:
                refused(url, stats, "robots", response.url)
            for url in urls:
                yield self._sitemap_request(url, "robots", response.url, depth=0)
            return
        listings = (
            parse_feed(body, response.url, not_web)
            if kind == "feed"
            else parse_sitemap(body, response.url, not_web)
        )
        via = "feed" if kind == "feed" else "sitemap"
        for url in not_web:
            refused(url, stats, via, response.url)
        stats.inc_value(f"news/listed/{via}", len(listings))
        if kind == "sitemap_index":
            depth = response.meta.get("sitemap_depth", 0) + 1
            for listing in listings:
                yield self._sitemap_request(listing.url, via, response.url, depth, listing)
            return
        for listing in listings:
            yield self._request(listing.url, via=via, hops=0, source=response.url, listing=listing)

    def _sitemap_request(
        self, url: str, via: str, source: str, depth: int, listing: Listing | None = None
    ) -> scrapy.Request | Page:
        """The request for a sitemap an index or a robots.txt lists, ``depth`` indexes deep;
        or, when the bounds leave it out, a page saying why."""
        assert self.sitemap_bounds is not None
        request = self._request(url, via=via, hops=0, source=source, listing=listing)
        refusal = self.sitemap_bounds.refusal(url, depth)
        if refusal is not None:
            return Page(fetch=self._fetch_of(request), rejection=refusal)
        request.meta["sitemap_depth"] = depth
        return request

    def _links(self, response: Response, body: bytes) -> Iterator[scrapy.Request]:
        """Requests for the links of a home or section page, within the crawl's domains."""
        hops = response.meta.get("hops", 0)
        if response.meta.get("discovered_via") not in ("start", "link") or hops >= self.depth:
            return
        if not isinstance(response, TextResponse):
            response = HtmlResponse(response.url, body=body, request=response.request)
        og_type = response.xpath("//meta[@property='og:type']/@content").get() or ""
        if ARTICLE_OG_TYPE.match(og_type):
            return
        stats = self.crawler.stats
        for link in self.link_extractor.extract_links(response):
            if refused(link.url, stats, "link", response.url):
                continue
            parts = urlsplit(link.url)
            if not self.any_domain and not within(parts.hostname or "", self.domains):
                stats.inc_value("news/links/offsite")
            elif parts.path.rsplit(".", 1)[-1].lower() in NOT_A_PAGE and "." in parts.path:
                stats.inc_value("news/links/not_a_page")
            else:
                stats.inc_value("news/links/followed")
                url = url_query_cleaner(
                    link.url, TRACKING_PARAMETERS, remove=True, unique=False, keep_fragments=False
                )
                yield self._request(url, via="link", hops=hops + 1, source=response.url)

    def failed(self, failure: Failure) -> Iterator[Page]:
        """A request that gave no response to parse: a page saying why (the pipeline logs it)."""
        error = failure.value
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        response = error.response if isinstance(error, HttpError) else None
        fetch = self._fetch(response) if response is not None else self._fetch_of(request)
        rejection = self._failure_reason(error)
        yield Page(fetch=fetch, previous=request.meta.get("previous_fetch"), rejection=rejection)

    @staticmethod
    def _failure_reason(error: BaseException | None) -> Rejected:
        if isinstance(error, HttpError):
            if target := error.response.meta.get("refused_redirect"):
                return Skipped("refused_scheme", f"redirect to {target[:100]}")
            return FetchFailed(f"http_{error.response.status}")
        if isinstance(error, RedirectNotFollowed):
            return error.rejection()
        if isinstance(error, IgnoreRequest):
            if "max redirections reached" in str(error):
                # RedirectMiddleware, after REDIRECT_MAX_TIMES redirects to ever new URLs.
                return FetchFailed("too_many_redirects", str(error))
            if "exceeded DOWNLOAD_MAXSIZE" in str(error):
                # HttpCompressionMiddleware: the body inflates past DOWNLOAD_MAXSIZE (a gzip bomb).
                return Skipped("too_large", str(error))
            forbidden = "robots.txt" in str(error)
            return Skipped("robots_txt" if forbidden else "ignored", str(error))
        if isinstance(
            error,
            DownloadTimeoutError | twisted_errors.TimeoutError | twisted_errors.TCPTimedOutError,
        ):
            return FetchFailed("download_timeout", str(error))
        if isinstance(error, CannotResolveHostError | twisted_errors.DNSLookupError):
            return FetchFailed("dns_lookup_failed", str(error))
        if isinstance(error, DownloadConnectionRefusedError | twisted_errors.ConnectError):
            return FetchFailed("connection_failed", str(error))
        cancelled = isinstance(error, DownloadCancelledError)
        if cancelled and ("max size" in str(error) or not str(error)):
            # Announced too large, or (no message) sent without Content-Length and cut off
            # once past DOWNLOAD_MAXSIZE: Scrapy's HTTP/1.1 handler logs the size instead.
            return Skipped("too_large", str(error) or "over DOWNLOAD_MAXSIZE")
        return FetchFailed("download_failed", f"{type(error).__name__}: {error}")

    def _fetch_of(self, request: scrapy.Request) -> Fetch:
        """The fetch record of a request, before (or without) its response."""
        meta = request.meta
        discovery = meta.get("discovery")
        redirects = meta.get("redirect_urls") or [request.url]
        return Fetch(
            uri=redirects[0],
            fetched_at=utc_now(),
            final_url=request.url,
            discovered_via=meta.get("discovered_via"),
            discovered_from=meta.get("discovered_from"),
            discovery=json.dumps(discovery, sort_keys=True) if discovery else None,
        )

    def _fetch(self, response: Response) -> Fetch:
        fetch = self._fetch_of(response.request)  # type: ignore[arg-type]
        fetch.final_url = response.url
        fetch.status = response.status
        fetch.content_type = _header(response, "Content-Type")
        # The raw body as received, and its WARC record (crawler/warc.py). A 304 has no body:
        # no hash, so that the next crawl compares a body with the last one read whole.
        describe_body(fetch, response)
        if response.status == 304:
            fetch.body_sha256 = None
        fetch.etag = _header(response, "ETag")
        fetch.last_modified = _header(response, "Last-Modified")
        return fetch

    def _page(
        self,
        response: Response,
        fetch: Fetch,
        body: bytes = b"",
        page_format: str = "html",
        rejection: Rejected | None = None,
    ) -> Page:
        return Page(
            fetch=fetch,
            body=body,
            page_format=page_format,
            declared_encoding=declared_charset(fetch.content_type),
            previous=response.meta.get("previous_fetch"),
            rejection=rejection,
        )

    def _unchanged(self, response: Response, fetch: Fetch) -> Page:
        """A 304 Not Modified: the page is as it was when last read."""
        previous = response.meta.get("previous_fetch")
        fetch.outcome = "unchanged"
        if previous is not None:
            fetch.etag = fetch.etag or previous.etag
            fetch.last_modified = fetch.last_modified or previous.last_modified
        return self._page(response, fetch)
