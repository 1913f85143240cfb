"""The crawl frontier on disk: memory stays flat however many URLs a listing holds.

A sitemap of 200,000 URLs made 200,000 requests at once, each about 3.4 KB in Scrapy's
memory queue: 754 MiB after 90 s. Scrapy keeps its queue on disk only with ``JOBDIR``.
:class:`DiskFrontier` (``SCHEDULER``) is Scrapy's scheduler with its disk queue always on:
without ``JOBDIR``, in a temporary folder of its own, removed when the crawl closes (a crawl
killed outright leaves it to the system's temporary-file cleaning). The scheduler feeds the
downloader from it as it drains; only requests that cannot be written (a callback that is
not a spider method) stay in memory. The duplicate filter is untouched: it still keeps its
``requests.seen`` in ``JOBDIR`` only.

Without ``JOBDIR``, the first ``FRONTIER_MEMORY_REQUESTS`` requests waiting stay in memory
and only those beyond go to disk: a crawl whose frontier stays short (the ``files`` spider
hands over one file at a time) would otherwise create and remove a queue folder on disk for
nearly every request, which cost more than a millisecond each. With ``JOBDIR`` every request
goes to disk, so that a crawl killed outright resumes with all of them.
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Self

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler
from scrapy.utils.job import job_dir
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred


class DiskFrontier(Scheduler):
    """Scrapy's scheduler, queueing on disk also without ``JOBDIR`` (see the module docstring).

    :param own_folder: the temporary folder it queues in, removed at close; ``None`` with
        ``JOBDIR``.
    """

    own_folder: str | None = None
    memory_requests = 0
    """How many requests wait in memory before the rest go to disk (0 with ``JOBDIR``)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        jobdir = job_dir(settings)
        own_folder = None if jobdir else tempfile.mkdtemp(prefix="cleanwire-frontier-")
        scheduler = cls(
            dupefilter=build_from_crawler(load_object(settings["DUPEFILTER_CLASS"]), crawler),
            jobdir=jobdir or own_folder,
            dqclass=load_object(settings["SCHEDULER_DISK_QUEUE"]),
            mqclass=load_object(settings["SCHEDULER_MEMORY_QUEUE"]),
            logunser=settings.getbool("SCHEDULER_DEBUG"),
            stats=crawler.stats,
            pqclass=load_object(settings["SCHEDULER_PRIORITY_QUEUE"]),
            crawler=crawler,
        )
        scheduler.own_folder = own_folder
        if own_folder is not None:
            scheduler.memory_requests = settings.getint("FRONTIER_MEMORY_REQUESTS")
        return scheduler

    def _dqpush(self, request: Request) -> bool:
        if len(self.mqs) < self.memory_requests:
            return False
        return super()._dqpush(request)

    def close(self, reason: str) -> Deferred[None] | None:
        closed = super().close(reason)
        if self.own_folder is not None:
            shutil.rmtree(self.own_folder, ignore_errors=True)
        return closed
