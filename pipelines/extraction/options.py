"""How HTML extraction is run: light, so that the crawl's process can build the options
without importing trafilatura."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HtmlExtractionOptions:
    """How trafilatura is run; built from the ``EXTRACT_*`` settings.

    :param focus: ``balanced``, ``precision`` or ``recall``; mapped to trafilatura's modes by
        :data:`pipelines.extraction.html.TRAFILATURA_FOCUS`.
    :param include_tables: keep text found in ``<table>`` elements.
    """

    focus: str = "balanced"
    include_tables: bool = True
