"""The metadata rules of our own, by name, each of which can be turned off on its own, as
:data:`pipelines.extraction.options.RULES` are for the body text: ``scrapy
extraction_benchmark --ablate`` scores titles, authors and dates without each in turn. The
crawl applies every rule."""

from __future__ import annotations

RULES = {
    "title_site_affix": 'remove a " | Site" suffix or "Site: " prefix naming the site',
    "title_untruncated": "take og:title or the <h1> when the JSON-LD headline is cut short",
    "title_agreement": "cut a kicker or suffix off when another source gives the title without",
    "author_main_entity": "read the page node's JSON-LD authors only when the article names none",
    "author_byline": "read authors from the byline beside the headline when metadata has none",
    "author_label": 'read authors after a label ("Autor:", "Author:") when no byline has any',
    "author_editors": 'drop a name the article labels as its editor ("Editor: ...")',
    "author_outlet_names": "know the outlet by its site, publisher and title names; replace it "
    "by the byline only when the byline names a person",
    "author_desk_names": 'keep a newsroom named as the author in JSON-LD or meta ("MND Staff")',
    "author_organizations": "keep organizations (agencies) JSON-LD names beside people, "
    "unless they are the outlet",
    "author_outlet_filter": "drop the site, agencies and one-word names beside full names",
    "date_time_elements": "read the publication date from <time> elements",
    "date_url": "read the publication day from the URL path",
    "date_dateline": "read the publication day from a dateline beside the headline",
    "date_label": 'read the publication day after a label in the page ("Datum 28.04.2023")',
    "date_title": 'read the publication day ending the <title> ("Headline | DW | 28.04.2023")',
    "date_refinement": "give a day-only date the time of a same-day timestamp",
}
"""Each metadata rule's name and what it does."""


def check_rules(names: frozenset[str]) -> None:
    """Raise :class:`ValueError` naming any of ``names`` that is no rule of :data:`RULES`."""
    unknown = names - RULES.keys()
    if unknown:
        raise ValueError(f"unknown metadata rules: {', '.join(sorted(unknown))}")
