"""How extraction is run, and what it computes besides the article: light, so that the
crawl's process can build the options without importing trafilatura."""

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


@dataclass(frozen=True)
class StageInputs:
    """What the extraction worker computes besides the article, for the stages that use it;
    built from ``SIMILAR_ENABLED`` and ``STORIES_ENABLED``, so that a crawl with a stage off
    does not pay for its input (about 1 ms a page each). A stage computes whatever it finds
    missing itself, so turning one on later is safe.

    :param fingerprint: the text's MinHash signature and shingle hashes, for copies.
    :param story_features: the title's and text's feature weights, for stories.
    """

    fingerprint: bool = True
    story_features: bool = True


EVERY_STAGE_INPUT = StageInputs()
"""Every input computed, as the crawl does by default."""
