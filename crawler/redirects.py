"""Every redirect accounted for: a redirect loop, or a redirect to a URL already requested,
ends as a page with its reason instead of vanishing.

Scrapy's redirect middleware hands the redirected request to the scheduler, whose duplicate
filter drops it without a word when its URL was requested before: in a loop (``A`` to ``B``
to ``A``), or to a page the crawl reads anyway. The page that redirected then had no
``fetches`` row and no log line. So the duplicate filters
(:class:`crawler.dupefilter.BoundedDupeFilter`, and in cluster mode
:class:`ClusterDupeFilter`) let such a request through, marked (:data:`SEEN_META_KEY`:
:func:`let_through`), and :class:`RedirectAccounting` (a
downloader middleware, first in line) refuses to send it with :class:`RedirectNotFollowed`,
which the news spider records: ``error: redirect_loop`` when the URL is one the chain went
through already, else ``skipped: redirect_seen``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy_redis.dupefilter import RFPDupeFilter as RedisDupeFilter

from pipelines.extraction.result import FetchFailed, Rejected, Skipped

SEEN_META_KEY = "redirect_seen"
"""``request.meta`` key the duplicate filter sets on a redirect to a URL requested before."""


def let_through(request: Request) -> bool:
    """For a duplicate filter that has seen ``request``: whether to let it through all the
    same (it is a redirect), marked with :data:`SEEN_META_KEY`."""
    if not request.meta.get("redirect_urls"):
        return False
    request.meta[SEEN_META_KEY] = True
    return True


class ClusterDupeFilter(RedisDupeFilter):  # type: ignore[misc]
    """scrapy-redis's duplicate filter, shared by a cluster's workers, letting a redirect to
    a URL seen already through, marked (:func:`let_through`)."""

    def request_seen(self, request: Request) -> bool:
        return bool(super().request_seen(request)) and not let_through(request)


class RedirectNotFollowed(IgnoreRequest):
    """A redirect that was not followed, and why (:meth:`rejection`).

    :param loop: whether the target is a URL the redirect chain went through already.
    """

    def __init__(self, request: Request, loop: bool) -> None:
        chain = " -> ".join([*request.meta.get("redirect_urls", []), request.url])
        what = "redirect loop" if loop else "redirect to a URL requested already"
        super().__init__(f"{what}: {chain}")
        self.loop = loop

    def rejection(self) -> Rejected:
        """The outcome of the page that redirected."""
        if self.loop:
            return FetchFailed("redirect_loop", str(self))
        return Skipped("redirect_seen", str(self))


class RedirectAccounting:
    """Refuses a redirected request the duplicate filter marked as seen (see the module
    docstring); goes first in ``DOWNLOADER_MIDDLEWARES``."""

    def process_request(self, request: Request) -> None:
        if request.meta.get(SEEN_META_KEY):
            loop = request.url in request.meta.get("redirect_urls", [])
            raise RedirectNotFollowed(request, loop)
