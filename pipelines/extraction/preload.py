"""Imported once by the extraction fork server, never by the crawl's own process.

It loads the extraction code and the language model, so that every worker forked from the
server starts with both in memory, shared until written to, instead of loading them itself.
"""

from pipelines.extraction import page, worker
from pipelines.extraction.language import load_model

__all__ = ["page", "worker"]

load_model()
