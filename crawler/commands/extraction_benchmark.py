"""``scrapy extraction_benchmark FOLDER...``: extraction quality and speed against gold text.

The benchmark itself is :mod:`crawler.benchmarks.extraction`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from pipelines.extraction.options import HtmlExtractionOptions

GOLD_FILES = ("ground-truth.json", "gold.json")


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "FOLDER [FOLDER ...] [--limit N] [--per-page] [--ablate]"

    def short_desc(self) -> str:
        return "Score the HTML extraction against gold text, beside trafilatura's defaults"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--limit", type=int, default=None, help="only the first N pages of each folder"
        )
        parser.add_argument(
            "--per-page", action="store_true", help="print the scores of every page"
        )
        parser.add_argument(
            "--ablate",
            action="store_true",
            help="score the extraction without each of its rules in turn",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        folders = [Path(arg) for arg in args]
        if not folders or not all(
            any((folder / name).is_file() for name in GOLD_FILES) for folder in folders
        ):
            raise UsageError(
                "give benchmark folders, each holding html/ and ground-truth.json or gold.json"
            )
        # Imported here: Scrapy imports every command module whenever any scrapy command
        # starts, and the crawl would otherwise load trafilatura.
        from crawler.benchmarks import extraction as benchmark

        assert self.settings is not None
        options = HtmlExtractionOptions(
            focus=self.settings.get("EXTRACT_FOCUS"),
            include_tables=self.settings.getbool("EXTRACT_INCLUDE_TABLES"),
        )
        min_words = self.settings.getint("VALIDATE_MIN_WORDS")
        sets = {folder.name: list(benchmark.gold_pages(folder, opts.limit)) for folder in folders}
        full = {}
        for name, pages in sets.items():
            contenders = [
                benchmark.Contender("cleanwire", benchmark.project_extraction(options, min_words)),
                benchmark.Contender("trafilatura defaults", benchmark.trafilatura_defaults),
            ]
            benchmark.run(pages, contenders)
            print("\n".join(benchmark.report(name, pages, contenders, opts.per_page)))
            full[name] = contenders[0].texts
        if opts.ablate:
            print("\n".join(benchmark.ablation(sets, full, options, min_words)))
