"""Pure extraction functions: bytes in, an :class:`Extraction` or a named rejection out.

Nothing here touches Scrapy, the network or the database, so every function can run in a
worker process and be tested on saved pages alone.
"""
