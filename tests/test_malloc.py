"""The crawl's large buffers are mapped and given back when freed (crawler/malloc.py)."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from crawler.malloc import FixedMmapThreshold

PROBE = """
import ctypes, sys
from crawler.malloc import set_mmap_threshold

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    set_mmap_threshold(128 * 1024)
large = bytearray(4 * 2**20)  # mapped; once freed, glibc raises its threshold to 4 MiB
del large
libc.malloc_trim(0)
before = libc.mallinfo2().hblks
body = bytearray(200_000)  # a page body's size
print(libc.mallinfo2().hblks - before)
"""


def mapped_buffers(threshold: str) -> int:
    """How many mappings a page body took in a new process, after a larger buffer was freed."""
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, threshold], capture_output=True, text=True, check=True
    )
    return int(probe.stdout)


def glibc_mallinfo2() -> bool:
    return hasattr(ctypes.CDLL(None), "mallinfo2")


@pytest.mark.skipif(not glibc_mallinfo2(), reason="glibc's malloc only")
def test_page_sized_buffers_are_mapped_with_the_threshold_fixed() -> None:
    # Left to glibc, a page body after a larger buffer comes from the heap; with the threshold
    # fixed, it is mapped on its own (and unmapped when freed).
    assert mapped_buffers("default") == 0
    assert mapped_buffers("fixed") == 1


def test_the_setting_at_zero_leaves_malloc_alone() -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    with pytest.raises(NotConfigured):
        FixedMmapThreshold.from_crawler(get_crawler(settings_dict={"MALLOC_MMAP_THRESHOLD": 0}))
