"""Small text and URL helpers shared by the metadata modules: cleaning JSON and attribute
strings, an element's text, de-duplication, absolute URLs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
"""Markup left in JSON-LD strings and double-escaped attributes."""

SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])")
"""Space left before punctuation where markup was removed ("<b>budget</b>.")."""

NAME_TRIM = " \t\n-–—:,;|·•()[]'\"“”‘’"
"""Characters stripped around names and tags."""


def clean_text(value: object) -> str | None:
    """A JSON or attribute string with entities unescaped, tags removed and whitespace
    collapsed; ``None`` for anything else or an empty result."""
    if not isinstance(value, str):
        return None
    if "&" in value:
        value = html.unescape(value)
    if "<" in value:
        value = SPACE_BEFORE_PUNCTUATION.sub(r"\1", HTML_TAG.sub(" ", value))
    return " ".join(value.split()) or None


def element_text(element: HtmlElement) -> str:
    """An element's text with whitespace collapsed."""
    return " ".join(element.text_content().split())


def names_of(element: HtmlElement) -> str:
    """An element's ``class`` and ``id``."""
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def dedupe(values: Iterable[str]) -> list[str]:
    """``values`` without case-insensitive repeats, first spelling and order kept."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.casefold(), value)
    return list(seen.values())


def absolute(value: object, base: str | None) -> str | None:
    """``value`` as an absolute http(s) URL, resolved against ``base``; else ``None``.
    A double-escaped ``&amp;`` and spaces (as ``%20``) are repaired."""
    if not isinstance(value, str) or not (text := value.strip()):
        return None
    text = text.replace("&amp;", "&").replace(" ", "%20")
    try:
        absolute = urljoin(base, text) if base else text
        parts = urlsplit(absolute)
    except ValueError:
        return None
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None
