"""``scrapy throughput_benchmark FOLDER [FOLDER ...] N [N ...]``: the whole pipeline against
trafilatura's own command and a plain loop.

The benchmark itself is :mod:`crawler.benchmarks.throughput`.
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
        return (
            "FOLDER [FOLDER ...] N [N ...] [--repeat K] [--keep DIR] [-s NAME=VALUE for the crawl]"
        )

    def short_desc(self) -> str:
        return "Time the files crawl against trafilatura's own command on N pages"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--keep", metavar="DIR", help="build the corpora in DIR and keep them")
        parser.add_argument(
            "--repeat", type=int, default=1, metavar="K", help="take K turns and report medians"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        named = [arg for arg in args if not arg.isdigit()]
        counts = [int(arg) for arg in args if arg.isdigit()]
        if not named or not counts or 0 in counts or args[: len(named)] != named:
            raise UsageError("give folders of HTML pages, then one or more page counts")
        if opts.repeat < 1:
            raise UsageError("--repeat must be at least 1")
        if sys.platform != "linux":
            raise UsageError("memory is read from /proc: this benchmark runs on Linux")
        # Imported here: Scrapy imports every command module whenever any scrapy command
        # starts, and the crawl would otherwise load trafilatura.
        from crawler.benchmarks import throughput as benchmark

        pages = benchmark.source_pages([Path(folder) for folder in named])
        if not pages:
            raise UsageError(f"no .html or .html.gz page under {' '.join(named)}")
        print(f"{len(pages)} source pages from {' '.join(named)}; {os.cpu_count()} cores")
        with tempfile.TemporaryDirectory(prefix="cleanwire-throughput-") as scratch:
            workdir = Path(opts.keep) if opts.keep else Path(scratch)
            runs = [
                benchmark.measure(pages, count, workdir, opts.set, opts.repeat) for count in counts
            ]
        first = runs[0]
        for count, run in zip(counts[1:], runs[1:], strict=True):
            print(
                f"peak memory growth from N = {counts[0]} to N = {count}:"
                f" main process {run.main_peak_mib / first.main_peak_mib - 1:+.1%},"
                f" with fork server and workers {run.tree_peak_mib / first.tree_peak_mib - 1:+.1%}"
            )
