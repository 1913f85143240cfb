"""``scrapy stories_benchmark``: story clustering's quality on labelled pages and its cost per
article as the corpus grows.

The benchmark itself is :mod:`crawler.benchmarks.stories`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--pages FOLDER --labels FILE [--shuffles K]] [--sizes N [N ...] --sources FOLDER]"

    def short_desc(self) -> str:
        return "Score story clustering on labelled pages; time it per article as the corpus grows"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--pages", metavar="FOLDER", help="labelled benchmark pages")
        parser.add_argument("--labels", metavar="FILE", help="their stories (JSON)")
        parser.add_argument(
            "--shuffles", type=int, default=20, metavar="K", help="shuffled orders scored too"
        )
        parser.add_argument(
            "--sizes", type=int, nargs="+", metavar="N", help="corpus sizes to time assignment at"
        )
        parser.add_argument(
            "--sources", metavar="FOLDER", help="benchmark pages the synthetic corpus is made from"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args or not (opts.pages or opts.sizes):
            raise UsageError("give --pages FOLDER --labels FILE, or --sizes N ... --sources FOLDER")
        if opts.pages and not (opts.labels and Path(opts.labels).is_file()):
            raise UsageError("--pages needs --labels FILE")
        if opts.sizes and (not opts.sources or min(opts.sizes) < 1):
            raise UsageError("--sizes needs --sources FOLDER and sizes of 1 or more")
        for folder in filter(None, (opts.pages, opts.sources)):
            if not (Path(folder) / "ground-truth.json").is_file():
                raise UsageError(f"{folder} holds no ground-truth.json and html/")
        # Imported here: Scrapy imports every command module whenever any scrapy command starts.
        from crawler.benchmarks import stories as benchmark

        assert self.settings is not None
        threshold = self.settings.getfloat("STORIES_THRESHOLD")
        window = self.settings.getfloat("STORIES_WINDOW_DAYS")
        print(f"STORIES_THRESHOLD {threshold}, STORIES_WINDOW_DAYS {window}")
        if opts.pages:
            articles = benchmark.labelled_articles(Path(opts.pages))
            print(f"{len(articles)} labelled pages from {opts.pages}")
            for merge, name in ((False, "labels"), (True, "labels with borderline groups")):
                labels = benchmark.load_labels(Path(opts.labels), merge_borderline=merge)
                ordered, shuffled = benchmark.evaluate(
                    articles, labels, threshold, window, opts.shuffles
                )
                print("\n".join(benchmark.quality_report(ordered, shuffled, name)))
        if opts.sizes:
            sources = benchmark.labelled_articles(Path(opts.sources))
            costs = benchmark.measure_cost(
                sources,
                sorted(set(opts.sizes)),
                threshold,
                window,
                self.settings.getint("SQLITE_BATCH_SIZE"),
            )
            print("\n".join(benchmark.cost_report(costs)))
