"""What a page itself shows of its main text, to judge the text an extractor gave.

trafilatura's fast path sometimes returns the wrong block (a fact box, a cookie notice, two
sidebar teasers) or the first part of an article cut off at an ad slot. Its length says
little: a wrong block can be as long as a short article. The page's own evidence says more:

* its **prose group**: the largest group of text blocks that sit side by side under one
  parent, each holding a sentence or more (:data:`MIN_BLOCK_WORDS`) and mostly not link text.
  An article's paragraphs are such a group; teasers, menus and captions are not;
* its JSON-LD **articleBody**, where the publisher states the body itself.

:meth:`MainText.missed_by` tells when a text misses that evidence; :meth:`MainText.support`
measures how much of it a text holds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml.html import HtmlElement

from pipelines.extraction.json_ld import page_nodes
from pipelines.extraction.words import count_words

MIN_BLOCK_WORDS = 12
"""A text block holds at least this many words (:func:`count_words`): a sentence."""

MAX_BLOCK_LINK_SHARE = 0.5
"""A text block is not mostly link text (a teaser, a list of links)."""

BLOCK_TAGS = frozenset(
    {
        *("p", "div", "section", "article", "aside", "nav", "header", "footer", "form"),
        *("figure", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "table"),
        *("blockquote", "pre"),
    }
)
"""Elements that make a ``<div>`` holding one a container rather than a line of text."""

NOT_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "object"})
"""Elements whose content is no visible text."""


def _packed(text: str) -> str:
    return "".join(text.split())


@dataclass(frozen=True)
class MainText:
    """The page's evidence of its main text.

    :param blocks: the texts of the prose group's blocks, without spaces.
    :param article_body_text: the JSON-LD ``articleBody`` as plain text (``""`` when none).
    """

    blocks: tuple[str, ...]
    article_body_text: str = ""

    @cached_property
    def article_body_chars(self) -> int:
        """The length of the JSON-LD ``articleBody`` without spaces."""
        return len(_packed(self.article_body_text))

    @cached_property
    def block_chars(self) -> int:
        """The length of the prose group's blocks."""
        return sum(map(len, self.blocks))

    def _covered(self, packed: str) -> int:
        return sum(len(block) for block in self.blocks if block in packed)

    def covered(self, text: str) -> int:
        """How many characters of the prose group's blocks ``text`` holds (whole blocks)."""
        return self._covered(_packed(text))

    def support(self, text: str) -> int:
        """How much of the evidence ``text`` holds: the prose group's characters it holds,
        and its own characters up to the length of the ``articleBody``. The shorter text
        wins no tie, and a text longer than the ``articleBody`` gains nothing by it."""
        packed = _packed(text)
        return self._covered(packed) + min(len(packed), self.article_body_chars)

    def missed_by(self, text: str) -> str | None:
        """Why ``text`` looks like it missed the main text, or ``None``.

        * ``prose group``: the prose group's blocks that ``text`` lacks hold more characters
          than ``text`` itself: the text is a smaller block than prose it left out whole;
        * ``articleBody``: ``text`` holds less than half of the JSON-LD ``articleBody``.
        """
        packed = _packed(text)
        if self.block_chars - self._covered(packed) > len(packed):
            return "prose group"
        if self._lacks_article_body(packed):
            return "articleBody"
        return None

    def _lacks_article_body(self, packed: str) -> bool:
        return 2 * len(packed) < self.article_body_chars

    def lacks_article_body(self, text: str) -> bool:
        """Whether ``text`` holds less than half of the JSON-LD ``articleBody``."""
        return self._lacks_article_body(_packed(text))


def _containers(root: HtmlElement) -> set[HtmlElement]:
    """The elements of ``root`` that hold a block (:data:`BLOCK_TAGS`) or embedded content
    (:data:`NOT_TEXT_TAGS`): they are no line of text. One pass, each ancestor marked once."""
    containers: set[HtmlElement] = set()
    for inner in root.iter(*BLOCK_TAGS, *NOT_TEXT_TAGS):
        parent = inner.getparent()
        while parent is not None and parent not in containers:
            containers.add(parent)
            parent = parent.getparent()
    return containers


def prose_blocks(root: HtmlElement) -> tuple[str, ...]:
    """The texts (without spaces) of the page's largest group of prose blocks: ``<p>`` and
    line ``<div>`` elements (holding no block or embedded content) of
    :data:`MIN_BLOCK_WORDS` or more, not mostly link text, grouped by their parent."""
    containers = _containers(root)
    groups: dict[HtmlElement, list[str]] = {}
    for element in root.iter("p", "div"):
        if element in containers:
            continue
        text = element.text_content()
        packed = _packed(text)
        if len(packed) < MIN_BLOCK_WORDS:
            continue
        links = sum(len(_packed(link.text_content())) for link in element.iter("a"))
        if links > MAX_BLOCK_LINK_SHARE * len(packed) or count_words(text) < MIN_BLOCK_WORDS:
            continue
        parent = element.getparent()
        if parent is not None:
            groups.setdefault(parent, []).append(packed)
    if not groups:
        return ()
    return tuple(max(groups.values(), key=lambda texts: sum(map(len, texts))))


def article_body(json_ld: Iterable[Any]) -> str:
    """The longest ``articleBody`` string of the page's JSON-LD nodes, ``""`` when none."""
    bodies = [
        node["articleBody"]
        for node in page_nodes(list(json_ld))
        if isinstance(node.get("articleBody"), str)
    ]
    return max(bodies, key=len, default="")


MARKUP_BREAK = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/blockquote)\b[^>]*>", re.IGNORECASE)
MARKUP_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def plain_text(article_body: str) -> str:
    """An ``articleBody`` as plain text: publishers put HTML in it too (paragraphs, line
    breaks, entities)."""
    if MARKUP_TAG.search(article_body) is None:
        return html.unescape(article_body).strip()
    text = MARKUP_TAG.sub("", MARKUP_BREAK.sub("\n", article_body))
    lines = (" ".join(line.split()) for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def main_text(tree: HtmlElement, json_ld: list[Any]) -> MainText:
    """The page's :class:`MainText`.

    :param tree: the parsed page, its chrome removed.
    :param json_ld: the page's JSON-LD documents.
    """
    body = tree.find(".//body")
    return MainText(
        prose_blocks(body if body is not None else tree), plain_text(article_body(json_ld))
    )
