"""Extraction functions for worker processes that misbehave on purpose, to test the pool.

They live in an importable module because worker processes are spawned and must import the
function they run.
"""

from __future__ import annotations

import os
import signal
import time

from pipelines.extraction.page import extract_page


def extract_or_misbehave(body: bytes, *args: object) -> object:
    """Extract normally; but a body of ``b"crash"`` kills the worker, ``b"hang"`` hangs it,
    and ``b"stuck"`` hangs it deaf to signals, as a page stuck in C code would."""
    if body == b"crash":
        os._exit(1)
    if body == b"hang":
        time.sleep(600)
    if body == b"stuck":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)
    return extract_page(body, *args)  # type: ignore[arg-type]
