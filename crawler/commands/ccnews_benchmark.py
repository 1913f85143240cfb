"""``scrapy ccnews_benchmark FOLDER N``: the ``ccnews`` spider against a plain warcio +
trafilatura loop, on a WARC file of N records served from 127.0.0.1.

The benchmark itself is :mod:`crawler.benchmarks.ccnews`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "FOLDER N [--keep DIR] [-s NAME=VALUE for the crawls]"

    def short_desc(self) -> str:
        return "Time the ccnews spider (1 process, 1 and 2 cluster workers) against a plain loop"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--keep", metavar="DIR", help="build the archive and run in DIR")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 2 or not args[1].isdigit() or int(args[1]) < 2:
            raise UsageError("give a folder of HTML pages and a record count (at least 2)")
        if sys.platform != "linux":
            raise UsageError("memory is read from /proc: this benchmark runs on Linux")
        # Imported here: Scrapy imports every command module whenever any scrapy command
        # starts, and the benchmark would otherwise load trafilatura.
        from crawler.benchmarks import ccnews as benchmark
        from crawler.benchmarks.cluster import RedisServerMissing
        from crawler.benchmarks.throughput import source_pages

        pages = source_pages([Path(args[0])])
        if not pages:
            raise UsageError(f"no .html or .html.gz page under {args[0]}")
        print(f"{len(pages)} source pages from {args[0]}; {os.cpu_count()} cores", flush=True)
        with tempfile.TemporaryDirectory(prefix="cleanwire-ccnews-") as scratch:
            workdir = Path(opts.keep) if opts.keep else Path(scratch)
            workdir.mkdir(parents=True, exist_ok=True)
            try:
                benchmark.measure(pages, int(args[1]), workdir, opts.set)
            except RedisServerMissing as error:
                raise UsageError(str(error), print_help=False) from None
