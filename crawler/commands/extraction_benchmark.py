"""``scrapy extraction_benchmark FOLDER``: extraction quality and speed against gold text.

The benchmark itself is :mod:`crawler.benchmarks.extraction`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from pipelines.extraction.options import HtmlExtractionOptions


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "FOLDER [--limit N] [--per-page]"

    def short_desc(self) -> str:
        return "Score the HTML extraction against gold text, beside trafilatura's defaults"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
        parser.add_argument(
            "--per-page", action="store_true", help="print the scores of every page"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or not (Path(args[0]) / "ground-truth.json").is_file():
            raise UsageError("give one benchmark folder holding ground-truth.json and html/")
        # Imported here: Scrapy imports every command module whenever any scrapy command
        # starts, and the crawl would otherwise load trafilatura.
        from crawler.benchmarks import extraction as benchmark

        assert self.settings is not None
        options = HtmlExtractionOptions(
            focus=self.settings.get("EXTRACT_FOCUS"),
            include_tables=self.settings.getbool("EXTRACT_INCLUDE_TABLES"),
        )
        pages = list(benchmark.gold_pages(Path(args[0]), opts.limit))
        contenders = [
            benchmark.Contender("cleanwire", benchmark.project_extraction(options)),
            benchmark.Contender("trafilatura defaults", benchmark.trafilatura_defaults),
        ]
        benchmark.run(pages, contenders)
        print("\n".join(benchmark.report(pages, contenders, opts.per_page)))
