"""``scrapy crawl SPIDER``: Scrapy's own command, exiting with the crawl's exit status.

Scrapy's ``crawl`` exits 0 whatever became of the pages (1 only when the crawl could not
start). This one exits with the status the crawl's summary decided (``crawler/summary.py``:
3 when no page was read, 4 when too many failed, 5 when the crawl did not finish, 6 when
what it read could not all be stored, 7 when another crawl holds the database), so that
cron and systemd timers can tell a bad crawl from a good one. Being named ``crawl`` in
``COMMANDS_MODULE``, it takes the place of Scrapy's.
"""

from __future__ import annotations

import argparse

from scrapy.commands import crawl
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from crawler.summary import EXIT_STATUS_STAT


class Command(crawl.Command):
    def __init__(self) -> None:
        super().__init__()
        self._crawlers: list[Crawler] = []

    def long_desc(self) -> str:
        return (
            "Run a spider of the current project, by name. Exits 0 when the crawl went well,"
            " 1 when it could not start, 3 when no page was read, 4 when the share of failed"
            " pages is above CRAWL_MAX_ERROR_SHARE, 5 when it did not finish, 6 when a write to"
            " the database or the WARC files failed, 7 when another crawl is writing to the"
            " database (see the README, 'Exit status')."
        )

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        created = super()._create_crawler(spidercls)
        self._crawlers.append(created)
        return created

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        for ran in self._crawlers:
            decided = ran.stats.get_value(EXIT_STATUS_STAT) if ran.stats is not None else None
            if decided is not None:
                # The status the log and the crawls row give, also when Scrapy's own is 1
                # (a store that could not open: 6).
                self.exitcode = int(decided)
