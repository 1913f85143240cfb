"""How extraction is run, and what it computes besides the article: light, so that the
crawl's process can build the options without importing trafilatura."""

from __future__ import annotations

from dataclasses import dataclass

RULES = {
    "named_chrome": "remove blocks named as comment sections, widgets, pop-ups",
    "sign_up_boxes": "remove the block around an e-mail field (newsletter sign-up)",
    "teaser_lines": 'remove "Read more: <link>" lines inside the body',
    "lines_between_paragraphs": "keep a line of text between two paragraphs (subheadings)",
    "embedded_posts": "keep posts embedded from other sites",
    "fast_text_check": "run trafilatura's whole cascade when the fast text is short or misses"
    " the page's prose group or JSON-LD articleBody",
    "article_body_fallback": "take the JSON-LD articleBody when the text holds under half of it",
    "repeated_headline": "drop a first line repeating the headline",
    "headline_link_lines": "drop lines made of links to other articles of the site",
    "copyright_lines": "drop short copyright notices",
    "link_list": "reject text made mostly of link text",
    "index_pages": "reject home, section, tag and author pages",
}
"""The extraction's rules of our own, by name, each of which can be turned off on its own
(:attr:`HtmlExtractionOptions.disabled_rules`): ``scrapy extraction_benchmark --ablate``
scores the extraction without each in turn."""


@dataclass(frozen=True)
class HtmlExtractionOptions:
    """How trafilatura is run; built from the ``EXTRACT_*`` settings.

    :param focus: ``balanced``, ``precision`` or ``recall``; mapped to trafilatura's modes by
        :data:`pipelines.extraction.html.TRAFILATURA_FOCUS`.
    :param include_tables: keep text found in ``<table>`` elements.
    :param disabled_rules: names of :data:`RULES` not to apply (for the benchmark's ablation;
        the crawl applies every rule).
    """

    focus: str = "balanced"
    include_tables: bool = True
    disabled_rules: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = self.disabled_rules - RULES.keys()
        if unknown:
            raise ValueError(f"unknown extraction rules: {', '.join(sorted(unknown))}")

    def uses(self, rule: str) -> bool:
        """Whether ``rule`` (a name of :data:`RULES`) is applied."""
        return rule not in self.disabled_rules


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
