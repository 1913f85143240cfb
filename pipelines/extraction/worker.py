"""What an extraction worker process runs around each page.

:func:`prepare_worker` readies a new worker: Ctrl-C is left to the crawl (it shuts down
gracefully and then closes the pool), and the page time limit is armed through ``SIGALRM``.
:func:`run_within` runs one page's extraction under that limit. The limit interrupts Python
code (trafilatura, the text cleaner, a regular expression); the crawl's process keeps a
second, hard limit for a page stuck in C code that no signal reaches. The function to run is
named by its import path and imported here, so that the crawl's process need not import it.
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Callable
from functools import lru_cache
from types import FrameType
from typing import Any

from pipelines.extraction.result import ExtractionError


class OverTime(BaseException):
    """Raised in the worker when a page's time is up.

    A ``BaseException``, so that no ``except Exception`` inside an extractor swallows it.
    """


def _time_is_up(signum: int, frame: FrameType | None) -> None:
    raise OverTime


def prepare_worker() -> None:
    """Ignore Ctrl-C and arm the time limit, in a new worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _time_is_up)


@lru_cache
def resolve(path: str) -> Callable[..., Any]:
    """The function named by its import path, ``package.module.function``."""
    module, _, name = path.rpartition(".")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


def run_within(seconds: float, function: str, *args: Any) -> Any:
    """``function(*args)``, stopped after ``seconds``.

    :param function: the import path of a module-level function (:func:`resolve`).
    :raises ExtractionError: ``timeout`` when the time is up.
    """
    run = resolve(function)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return run(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except OverTime:
        raise ExtractionError("timeout", f"over {seconds:g} s") from None
