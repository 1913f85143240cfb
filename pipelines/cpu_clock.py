"""CPU time per stage of the pipeline, so that a crawl shows where its time goes.

Each process keeps its own figures. In an extraction worker, :func:`extract_page
<pipelines.extraction.page.extract_page>` times its stages with a :class:`CpuClock` and hands
the seconds back with the page's :class:`~pipelines.extraction.result.Extraction`; the
crawl's process adds them to its stats as ``cpu_us/worker/<stage>``, in microseconds. In the
crawl's process, each stage times its own work with the crawl's clock (:func:`crawl_clock`),
on the reactor's thread or on the thread it runs in, and it is added as
``cpu_us/crawl/<stage>``.

The figures are seconds of the thread's CPU time (``time.thread_time``): time a stage spends
waiting (for a worker, for the disk) is not counted. A stage timed inside another (the store
writing its batch when the copy stage flushes) counts to the inner one only. ``scrapy
throughput_benchmark`` prints them per page; the crawl keeps them with its other stats in the
``crawls`` table.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:  # the workers import this module, and need not import Scrapy
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

WORKER_PREFIX = "cpu_us/worker/"
CRAWL_PREFIX = "cpu_us/crawl/"
MICROSECONDS = 1_000_000


@dataclass
class _OpenStage:
    """A timed block not yet ended: its stage, and since when it is counted."""

    name: str
    since: float


class CpuClock:
    """Seconds of the calling thread's CPU time, per stage name, given to ``sink`` as each
    timed block ends; a block timed inside another is not counted to the outer one.

    :param sink: takes a stage name and seconds; by default they are summed in
        :attr:`seconds`.
    """

    def __init__(self, sink: Callable[[str, float], None] | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self._sink = sink or self._add
        self._open = threading.local()

    def _add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Count the CPU time of the ``with`` block to stage ``name``."""
        stack: list[_OpenStage] = self._open.__dict__.setdefault("stack", [])
        now = time.thread_time()
        if stack:
            self._sink(stack[-1].name, now - stack[-1].since)
        stack.append(_OpenStage(name, now))
        try:
            yield
        finally:
            end = time.thread_time()
            self._sink(name, end - stack.pop().since)
            if stack:
                stack[-1].since = end


class Clocked(Protocol):
    """A stage that times its work with :attr:`clock`."""

    clock: CpuClock


StageT = TypeVar("StageT", bound=Clocked)
Params = ParamSpec("Params")
Result = TypeVar("Result")


def timed(
    stage: str,
) -> Callable[
    [Callable[Concatenate[StageT, Params], Result]], Callable[Concatenate[StageT, Params], Result]
]:
    """Count each call of the decorated method (a plain one, neither async nor a generator)
    to ``stage`` on its object's :attr:`~Clocked.clock`."""

    def decorate(
        method: Callable[Concatenate[StageT, Params], Result],
    ) -> Callable[Concatenate[StageT, Params], Result]:
        @functools.wraps(method)
        def run(self: StageT, /, *args: Params.args, **kwargs: Params.kwargs) -> Result:
            with self.clock.stage(stage):
                return method(self, *args, **kwargs)

        return run

    return decorate


_CRAWL_CLOCKS: weakref.WeakKeyDictionary[Crawler, CpuClock] = weakref.WeakKeyDictionary()


def crawl_clock(crawler: Crawler) -> CpuClock:
    """The clock of the crawl's process, one per crawler, adding to its stats."""
    clock = _CRAWL_CLOCKS.get(crawler)
    if clock is None:
        stats = crawler.stats
        assert stats is not None

        def add(name: str, seconds: float) -> None:
            stats.inc_value(CRAWL_PREFIX + name, round(seconds * MICROSECONDS))

        clock = _CRAWL_CLOCKS[crawler] = CpuClock(add)
    return clock


def add_worker_seconds(stats: StatsCollector, seconds: dict[str, float]) -> None:
    """Add a worker's figures for one page (:attr:`CpuClock.seconds`) to the crawl's stats."""
    for name, value in seconds.items():
        stats.inc_value(WORKER_PREFIX + name, round(value * MICROSECONDS))
