"""``scrapy crawl SPIDER``: Scrapy's own command, exiting with the crawl's exit status.

Scrapy's ``crawl`` exits 0 whatever became of the pages (1 only when the crawl could not
start). This one exits with the status the crawl's summary decided (``crawler/summary.py``:
3 when no page was read, 4 when too many failed, 5 when the crawl did not finish, 6 when
what it read could not all be stored, 7 when another crawl holds the database), so that
cron and systemd timers can tell a bad crawl from a good one. Being named ``crawl`` in
``COMMANDS_MODULE``, it takes the place of Scrapy's.

Before the crawl starts, it looks for slips on the command line (``crawler/usage.py``): a
misspelled ``-s`` setting or ``-a`` argument, or an argument value the spider cannot take
(its ``__init__`` raises :class:`~scrapy.exceptions.UsageError`, so the spider is built once
here for that). A slip stops the command with one line and exit status 2 (usage), as does a
``UsageError`` the spider raises when the crawl builds it (``from_crawler``, which sees the
settings): never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from scrapy.commands import crawl
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader
from scrapy.spiders import Spider
from scrapy.utils.conf import arglist_to_dict

from crawler.summary import EXIT_STATUS_STAT
from crawler.usage import argument_slips, setting_slips
from pipelines.extract import ExtractPipeline, start_fork_server

USAGE_STATUS = 2
"""Exit status of a slip on the command line, as Scrapy's for an unknown option."""


EXTRACT_PIPELINE = f"{ExtractPipeline.__module__}.{ExtractPipeline.__qualname__}"
"""The pipeline whose workers the fork server forks, as ``ITEM_PIPELINES`` names it."""


class Command(crawl.Command):
    def __init__(self) -> None:
        super().__init__()
        self._crawlers: list[Crawler] = []

    def long_desc(self) -> str:
        return (
            "Run a spider of the current project, by name. Exits 0 when the crawl went well,"
            " 1 when it could not start, 2 on a usage error (an unknown option, a misspelled"
            " setting or argument, an argument value the spider cannot take), 3 when no page"
            " was read, 4 when the share of failed"
            " pages is above CRAWL_MAX_ERROR_SHARE, 5 when it did not finish, 6 when a write to"
            " the database or the WARC files failed, 7 when another crawl is writing to the"
            " database (see docs/running.md, 'Exit status')."
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) == 1 and not self._command_line_holds(args[0], opts):
            # Before Scrapy's crawler process exists, and so before it logs a line: the
            # slip's line is all the command prints.
            raise SystemExit(USAGE_STATUS)
        assert self.settings is not None
        if self.settings.getwithbase("ITEM_PIPELINES").get(EXTRACT_PIPELINE) is not None:
            start_fork_server()

    def _command_line_holds(self, spider_name: str, opts: argparse.Namespace) -> bool:
        """Whether the command line is free of slips (``crawler/usage.py``); prints each one,
        a warning or the fatal line."""
        assert self.settings is not None
        try:
            spidercls = get_spider_loader(self.settings).load(spider_name)
        except KeyError:
            return True  # Scrapy says so itself
        slips = setting_slips(arglist_to_dict(opts.set)) + argument_slips(spidercls, opts.spargs)
        for slip in slips:
            print(slip.message, file=sys.stderr)
        if any(slip.fatal for slip in slips):
            return False
        try:
            spidercls(**opts.spargs)
        except UsageError as error:
            print(error, file=sys.stderr)
            return False
        return True

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        created = super()._create_crawler(spidercls)
        self._crawlers.append(created)
        return created

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage error
            return
        assert self.crawler_process is not None
        started = self.crawler_process.crawl(self._create_crawler(args[0]), **opts.spargs)
        if isinstance(started, asyncio.Task):
            started.add_done_callback(self._report_usage_error)
        self.crawler_process.start()
        if self.exitcode:
            return  # a usage error, said in one line
        decided = [
            int(status)
            for ran in self._crawlers
            if ran.stats is not None
            and (status := ran.stats.get_value(EXIT_STATUS_STAT)) is not None
        ]
        if decided:
            # The status the log and the crawls row give, also for a crawl that stopped at
            # its start (a full disk: 6; another crawl holding the database: 7).
            self.exitcode = max(decided)
        elif self.crawler_process.bootstrap_failed:
            self.exitcode = 1  # the crawl did not start (Scrapy's own status)

    def _report_usage_error(self, started: asyncio.Task[None]) -> None:
        """One line for a :class:`UsageError` the spider raised as the crawl built it; any
        other error that kept the crawl from starting is reported with its traceback, as
        asyncio reports an error nobody took from its task."""
        error = None if started.cancelled() else started.exception()
        if isinstance(error, UsageError):
            print(error, file=sys.stderr)
            self.exitcode = USAGE_STATUS
        elif error is not None:
            context = {"message": "The crawl could not start", "exception": error}
            started.get_loop().call_exception_handler({**context, "future": started})
