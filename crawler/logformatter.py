"""One log line per dropped page, naming it and why: ``Dropped <uri>: skipped: binary (png)``."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from scrapy.spiders import Spider
from twisted.python.failure import Failure

from crawler.items import Page


class PageLogFormatter(LogFormatter):
    """Scrapy's log formatter, with dropped pages on a single greppable line."""

    def dropped(
        self,
        item: Any,
        exception: BaseException,
        response: Response | Failure | None,
        spider: Spider,
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        if isinstance(item, Page):
            result["msg"] = "Dropped %(uri)s: %(exception)s"
            result["args"] = {"uri": item.fetch.uri, "exception": exception}
        return result
