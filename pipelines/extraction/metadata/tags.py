"""Tags, the declared language, the canonical URL and the main image.

Precedence, the first source giving a usable value wins:

* **Canonical URL**: ``<link rel=canonical>`` > ``og:url`` > JSON-LD ``url``/
  ``mainEntityOfPage``; resolved against the page URL, http(s) only, and never the site root
  for a page that is not the root.
* **Image**: ``og:image`` (``og:image:url``, ``og:image:secure_url``) > ``twitter:image`` >
  JSON-LD ``image`` > ``<link rel=image_src>`` > ``itemprop=image``; made absolute.
* **Tags**: ``article:tag``, ``keywords``/``news_keywords`` (and ``parsely-tags``,
  ``sailthru.tags``), JSON-LD ``keywords``, JSON-LD ``articleSection``, ``article:section``,
  ``rel=tag`` links in the article, in that order; comma-split, taxonomy labels ("Topic: ")
  removed, CMS identifiers (``@post-id:123``, ``channel_news``) and tags over
  :data:`MAX_TAG_CHARS` dropped, deduplicated case-insensitively.
* **Language**: ``<html lang>`` > ``og:locale`` > JSON-LD ``inLanguage`` >
  ``content-language``/``language`` meta, as an ISO 639-1 code.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pipelines.extraction.metadata.jsonld import node_urls
from pipelines.extraction.metadata.scan import Page
from pipelines.extraction.metadata.text import NAME_TRIM, absolute, clean_text, dedupe

TAG_META = ("article:tag", "keywords", "news_keywords", "parsely-tags", "sailthru.tags")
"""``<meta>`` keys holding tags (``article:tag``) or comma-separated keywords, in reading
order."""

IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
)
"""``<meta>`` keys naming the main image, best first."""

MAX_TAG_CHARS = 60
"""Longer tags are junk (sentences, concatenated keyword lists)."""

TAG_SEPARATOR = re.compile(r"[,;，、]")
"""What separates tags in one keywords value."""

TAG_LABEL = re.compile(
    r"^(?:categor(?:y|ies)|topics?|sections?|tags?|types?|channels?|subjects?|keywords?)"
    r"\s*:\s*(?=\S)",
    re.IGNORECASE,
)
"""A taxonomy label before a tag ("Topic: Politics")."""

TAG_IDENTIFIER = re.compile(r"^[@/]|_|^[\w.-]+:\S")
"""CMS identifiers among keywords: ``@post-id:1913719``, ``/article``, ``channel_other``,
``AdNode:culture/wide``."""

LANGUAGE_ALIASES = {
    "eng": "en",
    "english": "en",
    "fra": "fr",
    "fre": "fr",
    "french": "fr",
    "deu": "de",
    "ger": "de",
    "german": "de",
    "spa": "es",
    "spanish": "es",
    "ita": "it",
    "italian": "it",
    "por": "pt",
    "portuguese": "pt",
    "rus": "ru",
    "russian": "ru",
    "jpn": "ja",
    "japanese": "ja",
    "kor": "ko",
    "korean": "ko",
    "zho": "zh",
    "chi": "zh",
    "chinese": "zh",
    "ara": "ar",
    "arabic": "ar",
    "nld": "nl",
    "dut": "nl",
    "dutch": "nl",
}
"""Three-letter codes and English names of common languages, to ISO 639-1."""


def _is_root(url: str) -> bool:
    """Whether an absolute URL is a site's home page."""
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def canonical_url(page: Page) -> str | None:
    """The first usable canonical URL candidate (the module docstring gives the order)."""
    candidates: list[object] = [*page.scan.links.get("canonical", [])]
    candidates += page.scan.meta.get("og:url", [])
    for node in page.json_ld.entities:
        candidates += node_urls({k: v for k, v in node.items() if k != "@id"})
    for candidate in candidates:
        resolved = absolute(candidate, page.url)
        if resolved is None or (page.url and _is_root(resolved) and not _is_root(page.url)):
            continue
        return resolved
    return None


def page_image(page: Page, canonical: str | None) -> str | None:
    """The first usable main image candidate, made absolute against the page URL (or the
    canonical URL when the page URL is unknown).

    :param page: the page.
    :param canonical: the page's canonical URL.
    """
    candidates: list[object] = [v for key in IMAGE_META for v in page.scan.meta.get(key, ())]
    for item in page.json_ld.values("image"):
        if isinstance(item, dict):
            candidates += [item.get("url"), item.get("contentUrl"), item.get("@id")]
        else:
            candidates.append(item)
    candidates += page.scan.links.get("image_src", [])
    candidates += page.scan.meta.get("image", [])
    base = page.url or canonical
    return next(filter(None, (absolute(c, base) for c in candidates)), None)


def _tag(text: str) -> str | None:
    """One tag without a taxonomy label ("Topic: "), or ``None`` for a CMS identifier."""
    tag = TAG_LABEL.sub("", text.strip(NAME_TRIM))
    if not tag or len(tag) > MAX_TAG_CHARS or TAG_IDENTIFIER.search(tag):
        return None
    return tag


def page_tags(page: Page) -> list[str]:
    """Tags from every source, in source order (the module docstring lists them)."""
    raw: list[object] = [v for key in TAG_META for v in page.scan.meta.get(key, ())]
    raw += list(page.json_ld.values("keywords"))
    raw += list(page.json_ld.values("articleSection"))
    raw += page.scan.meta.get("article:section", [])
    raw += [link.text_content() for link in page.rel_links("tag")]
    texts = (part for text in map(clean_text, raw) if text for part in TAG_SEPARATOR.split(text))
    return dedupe(filter(None, map(_tag, texts)))


def _language_code(value: object) -> str | None:
    """An ISO 639-1 code from a language tag (``en-GB``, ``en_US``), a three-letter code,
    an English language name, or a JSON-LD ``Language`` node; ``None`` otherwise."""
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    text = clean_text(value)
    if text is None:
        return None
    primary = re.split(r"[-_\s,;]", text.casefold(), maxsplit=1)[0]
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return LANGUAGE_ALIASES.get(primary)


def page_language(page: Page) -> str | None:
    """The first language the page declares (the module docstring gives the order)."""
    root = page.tree.getroottree().getroot()
    candidates: list[object] = [root.get("lang"), root.get("xml:lang")]
    candidates += page.scan.meta.get("og:locale", [])
    candidates += list(page.json_ld.values("inLanguage"))
    candidates += page.scan.meta.get("content-language", [])
    candidates += page.scan.meta.get("language", [])
    return next(filter(None, map(_language_code, candidates)), None)
