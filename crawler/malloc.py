"""Page bodies go back to the system when freed, so that the crawl's heap does not grow with
the number of pages read (glibc's malloc, on Linux).

glibc serves a buffer of at least its mmap threshold (128 KiB at first) with a mapping of its
own, unmapped when the buffer is freed. But each time it frees such a buffer it raises the
threshold to that buffer's size, up to 32 MiB: after the first large page has come and gone,
page bodies (186 KB on average, in several copies while a page is read, archived and handed
to an extraction worker) are carved out of the heap instead. The heap cannot shrink below the
highest block in use, and the small objects that live long (the copy index, the caches) keep
landing above the holes the bodies leave. In a ``files`` crawl of 5,000 pages the main heap
was 80 MiB, 46 MiB of it free, and the process's peak memory had grown by 22% from 1,000
pages; with the threshold fixed, the heap held 7 to 14 MiB free at both sizes.

``MALLOC_MMAP_THRESHOLD`` (bytes) fixes the threshold, which also ends glibc's adjustment of
it; 0 leaves malloc as it is. Elsewhere than glibc the setting does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameter for the mmap threshold (``malloc.h``)."""


def set_mmap_threshold(size: int) -> bool:
    """Fix glibc's mmap threshold at ``size`` bytes for this process; ``False`` where there is
    no glibc ``mallopt`` or it refuses the size."""
    if sys.platform != "linux":
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, size))


class FixedMmapThreshold:
    """Sets ``MALLOC_MMAP_THRESHOLD`` as the crawl starts (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FixedMmapThreshold:
        size = crawler.settings.getint("MALLOC_MMAP_THRESHOLD")
        if size <= 0:
            raise NotConfigured("MALLOC_MMAP_THRESHOLD is 0")
        if not set_mmap_threshold(size):
            logger.debug("The mmap threshold stays as it is: no glibc mallopt here")
        return cls()
