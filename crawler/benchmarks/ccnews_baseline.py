"""``python -m crawler.benchmarks.ccnews_baseline URL``: the ``ccnews`` benchmark's baseline.

The plain way to read a CC-NEWS file: warcio reads it over HTTP as a stream, and
``trafilatura.bare_extraction`` extracts each response record's HTML, one after the other, in
one process. Nothing else is imported, so that its memory is the loop's own.
"""

from __future__ import annotations

import sys
import urllib.request

import trafilatura
from warcio.archiveiterator import ArchiveIterator


def plain_loop(url: str) -> tuple[int, int]:
    """Records read from the WARC file at ``url``, and texts extracted from them."""
    records = extracted = 0
    with urllib.request.urlopen(url, timeout=60) as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            records += 1
            if trafilatura.bare_extraction(record.content_stream().read()) is not None:
                extracted += 1
    return records, extracted


if __name__ == "__main__":
    found, texts = plain_loop(sys.argv[1])
    print(f"{found} records, {texts} texts")
