"""``scrapy cluster_benchmark FOLDER N``: cluster workers, the writer and Redis's memory on N
pages.

The benchmark itself is :mod:`crawler.benchmarks.cluster`.
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
        return "FOLDER N [--keep DIR] [-s NAME=VALUE for the workers]"

    def short_desc(self) -> str:
        return "Time 1 and 2 cluster workers and the writer on N pages; Redis memory per URL"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--keep", metavar="DIR", help="build the corpus and run in DIR, and keep it"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 2 or not args[1].isdigit() or int(args[1]) < 1:
            raise UsageError("give a folder of HTML pages and a page count")
        if sys.platform != "linux":
            raise UsageError("CPU time is read from /proc: this benchmark runs on Linux")
        # Imported here: Scrapy imports every command module whenever any scrapy command
        # starts, and the benchmark would otherwise load trafilatura.
        from crawler.benchmarks import cluster as benchmark
        from crawler.benchmarks.throughput import source_pages
        from crawler.cluster import RunKeys
        from crawler.spiders.news import NewsSpider

        pages = source_pages([Path(args[0])])
        if not pages:
            raise UsageError(f"no .html or .html.gz page under {args[0]}")
        assert self.settings is not None
        count = int(args[1])
        extraction = benchmark.extraction_label(self.settings.getint("EXTRACT_WORKERS"))
        print(
            f"{count} pages from the {len(pages)} of {args[0]}; {os.cpu_count()} cores;"
            f" {extraction}",
            flush=True,
        )
        keys = RunKeys.of(NewsSpider.name, self.settings)
        with tempfile.TemporaryDirectory(prefix="cleanwire-cluster-") as scratch:
            workdir = Path(opts.keep) if opts.keep else Path(scratch)
            try:
                benchmark.measure(pages, count, workdir, opts.set, keys)
            except benchmark.RedisServerMissing as error:
                raise UsageError(str(error), print_help=False) from None
