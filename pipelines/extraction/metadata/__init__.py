"""Page metadata read by our own rules from the parsed page, so trafilatura can run text-only.

:func:`page_metadata` reads a page's title, authors, dates, site name, description, canonical
URL, main image, tags and declared language from its JSON-LD and from one pass over its
``<meta>``, ``<link>``, ``<time>``, ``<h1>`` and ``<article>`` elements. The body is only
searched where the headline's article is: ``<a rel>`` links (tags), and, when metadata
states no author or date, bylines, microdata dates and a dateline beside the headline.
Nothing is guessed: a field no source states is ``None`` (or empty).

One module per job, each stating its precedence rules:

* :mod:`~pipelines.extraction.metadata.scan`: the one pass over the tree, the headline, its
  region and page chrome;
* :mod:`~pipelines.extraction.metadata.jsonld`: the main entity and page node of the JSON-LD;
* :mod:`~pipelines.extraction.metadata.dates` (with
  :mod:`~pipelines.extraction.metadata.datetext`, reading dates from values and text):
  ``date_published``, ``date_modified``, ``date_source``;
* :mod:`~pipelines.extraction.metadata.authors`: ``authors``;
* :mod:`~pipelines.extraction.metadata.titles`: ``title`` and ``sitename``;
* :mod:`~pipelines.extraction.metadata.tags`: ``tags``, ``language``, ``canonical_url``,
  ``image``.

The description is read here: ``og:description`` > ``description`` meta > JSON-LD
``description`` > ``twitter:description``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

from pipelines.extraction.metadata.authors import page_authors
from pipelines.extraction.metadata.dates import page_dates
from pipelines.extraction.metadata.scan import Page
from pipelines.extraction.metadata.tags import canonical_url, page_image, page_language, page_tags
from pipelines.extraction.metadata.titles import page_sitename, page_title


@dataclass(frozen=True)
class PageMetadata:
    """What a page states about itself (the module docstring says where each field is read).

    :param title: the headline.
    :param authors: every author, in page order, deduplicated.
    :param date_published: ISO-8601, with time and UTC offset when the page states them, a
        bare ``YYYY-MM-DD`` when only the day is known.
    :param date_modified: the same for the last modification; never before ``date_published``.
    :param date_source: where ``date_published`` came from: ``json_ld``, ``meta``, ``time``,
        ``url`` or ``text``.
    :param sitename: the site's or publisher's name.
    :param description: the page's summary.
    :param canonical_url: the absolute http(s) URL the page names for itself.
    :param image: the absolute URL of the main image.
    :param tags: tags, keywords and sections, deduplicated case-insensitively, in page order.
    :param language: the ISO 639-1 code the page declares, e.g. ``en``.
    """

    title: str | None
    authors: list[str]
    date_published: str | None
    date_modified: str | None
    date_source: str | None
    sitename: str | None
    description: str | None
    canonical_url: str | None
    image: str | None
    tags: list[str]
    language: str | None


def page_metadata(
    tree: HtmlElement,
    json_ld: list[Any],
    url: str | None,
    disabled_rules: frozenset[str] = frozenset(),
) -> PageMetadata:
    """Read what a page states about itself (the rules are in the module docstring).

    :param tree: the page, parsed by ``pipelines.extraction.html.parse_html``.
    :param json_ld: the page's parsed JSON-LD blocks
        (:func:`pipelines.extraction.json_ld.json_ld_documents`).
    :param url: where the page was fetched; relative URLs resolve against it.
    :param disabled_rules: names of :data:`~pipelines.extraction.metadata.rules.RULES` not
        to apply (for the benchmark's ablation; the crawl applies every rule).
    :raises ValueError: when ``disabled_rules`` names an unknown rule.
    """
    page = Page(tree, json_ld, url, disabled_rules)
    published, modified, source = page_dates(page)
    sitename = page_sitename(page)
    canonical = canonical_url(page)
    return PageMetadata(
        title=page_title(page, sitename),
        authors=page_authors(page, sitename),
        date_published=published,
        date_modified=modified,
        date_source=source,
        sitename=sitename,
        description=page.scan.first("og:description", "description")
        or page.json_ld.text("description")
        or page.scan.first("twitter:description"),
        canonical_url=canonical,
        image=page_image(page, canonical),
        tags=page_tags(page),
        language=page_language(page),
    )
