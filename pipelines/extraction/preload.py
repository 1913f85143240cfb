"""Imported once by the extraction fork server, never by the crawl's own process.

It loads the extraction code, the language model and the MinHash permutations, so
that every worker forked from the server starts with them in memory, shared until written to,
instead of loading them itself.
"""

from pipelines.extraction import page, worker
from pipelines.extraction.language import load_model
from pipelines.extraction.shingles import load_minhash

__all__ = ["page", "worker"]

load_model()
load_minhash()
