"""Article text and metadata from an HTML page, with trafilatura.

The text path (:func:`extract_text`) runs trafilatura text-only, between two steps of our own:
before it, :func:`prepare_tree` removes the page chrome trafilatura lets through and undoes
markup that makes it lose article words; after it, :func:`clean_lines` drops the lines that
are not article text (a repeated headline, headline links to other articles, copyright
notices). :func:`extract_html` parses the page once and reads its metadata from the prepared
tree before trafilatura takes it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml.etree import Element, ElementDefaultClassLookup, ErrorTypes, ParserError, XPath
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.settings import Document, Extractor
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, INVALID_XML_CHARS

from pipelines.cpu_clock import CpuClock
from pipelines.extraction.json_ld import json_ld_documents
from pipelines.extraction.main_text import BLOCK_TAGS, MainText, main_text
from pipelines.extraction.metadata import page_metadata
from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.page_kind import (
    ROOT_PATH,
    TEASER_MIN_HEADLINE_CHARS,
    listing_text,
    page_signals,
    same_site_target,
    teaser_texts,
    web_url,
)
from pipelines.extraction.result import WORD, Extraction, NotArticle
from pipelines.extraction.text import extractor_version

EXTRACTOR_NAME = f"cleanwire-html {extractor_version()} (trafilatura {version('trafilatura')})"
"""What ``articles.extractor`` records for HTML: our steps' version and trafilatura's."""

DEFAULT_OPTIONS = HtmlExtractionOptions()
"""Every rule applied, as the crawl runs them."""


def _html_parser(huge_tree: bool = False) -> lxml.html.HTMLParser:
    parser = lxml.html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge_tree,
    )
    parser.set_element_class_lookup(
        ElementDefaultClassLookup(
            element=HtmlElement,
            comment=HtmlComment,
            pi=HtmlProcessingInstruction,
            entity=HtmlEntity,
        )
    )
    return parser


HTML_PARSER = _html_parser()
"""The parser trafilatura's own ``load_html`` uses, but for the class of its elements: lxml.html
picks each element's class in Python, every time an element is touched, which costs about a
tenth of the extraction's time; here lxml picks it in C. Every element is an ``HtmlElement``
(forms and inputs lose lxml.html's form helpers, which nothing here uses)."""

HUGE_HTML_PARSER = _html_parser(huge_tree=True)
""":data:`HTML_PARSER` without libxml2's resource limits (a text node over 10 MB, which
otherwise loses the whole page; nesting up to 2,048 levels rather than 256), for the pages
that reach them."""


CHROME_BLOCK_TAGS = frozenset({"div", "section", "aside", "form", "ol", "ul"})
"""Elements that :data:`CHROME_BLOCK_NAME` and :data:`CHROME_WIDGET_NAME` are looked for on."""

CHROME_BLOCK_NAME = re.compile(r"(?:^|[^a-z0-9])comment(?!ary|ator)")
"""Comment sections trafilatura misses, found by ``id``/``class``: a name part (between
spaces, hyphens, underscores) that begins with "comment" (``comments-wrapper``,
``cd-comments``, ``commentlist``; ``CommentsWrapper`` is lowercased first), but not
"commentary" or "commentator", which name live-ticker entries and opinion pieces. A word
merely ending in it (``recentcomments``) is some other widget's name.

This and the two patterns below are matched against lowercased names: case-sensitive
patterns run about three times faster than case-insensitive ones, and they are tried on
every element of every page."""

CHROME_WIDGET_NAME = re.compile(
    r"comment|newsletter|subscri|tag-?list|topics|related|most-?(?:read|popular|viewed)"
    r"|top-?stories|share"
)
"""Blocks that hashed CSS-in-JS class names leave named only by ``data-component``/
``data-testid``: comments, newsletter promos, topic lists, most-read lists, share tools."""

POPUP_NAME = re.compile(r"tooltip|popover|popup|hover-?card|rollover")
"""Pop-ups, tooltips and hover cards, found by ``id``/``class`` on any element. A hover card
sits inside the sentence whose link opens it (a person's name, then their latest headlines),
so trafilatura keeps it as part of the paragraph."""

NAME_HINT = re.compile(r"comment|tooltip|popover|popup|hover|rollover")
"""What every name that :data:`CHROME_BLOCK_NAME` or :data:`POPUP_NAME` matches holds: one
search of it passes most elements over at once."""


POPUP_TRIGGER_TAGS = ("a", "button")
"""Elements that open a pop-up; one named by :data:`POPUP_NAME` is kept, with its wrapper."""

EMAIL_FIELD_XPATH = XPath("//body//input[@type='email']")
"""E-mail fields, in a ``<form>`` or driven by script: newsletter sign-up (and comment) boxes."""

SIGN_UP_BOX_MAX_CHARS = 400
"""An e-mail field's enclosing blocks are removed with it while their text stays below this."""

SLOT_TAGS = ("script", "noscript", "iframe", "ins", "object", "embed")
"""Embedded content: a ``<div>`` holding any is an ad slot or a widget, not a line of text."""

TEASER_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "div")
"""Elements a teaser line is looked for in; a ``<div>`` only when it is a line of text (holds
none of the :data:`BLOCK_TAGS`)."""

TEASER_LABEL = re.compile(r"[^\W\d_]+(?:[\s'’-]+[^\W\d_]+){0,3}\s*[:：|»›]+\s*")
"""A label that introduces a link, in any language: one to four words and a colon (or ``|``,
``»``): "Read more:", "Lesen Sie auch:", "LEIA TAMBÉM:", "関連記事：". Only a label followed
by nothing, or mostly by link text, makes a teaser line (:func:`_is_teaser`)."""

MAX_CHROME_SHARE = 0.5
"""A chrome candidate holding more than this share of the page's text is left alone."""

MAX_LINK_SHARE = 0.6
"""Extracted text made of link text above this share is a list of links, not an article."""

TRAFILATURA_DISCARDS = (
    *("script", "style", "svg", "noscript", "template", "head", "link", "nav", "footer"),
    *("aside", "menu", "dialog", "iframe", "object", "embed", "video", "audio", "picture"),
    *("canvas", "map", "math", "button", "input", "select", "option", "textarea", "label"),
    *("fieldset", "source", "track", "param", "noindex"),
)
"""Elements trafilatura's cleaning deletes whole (its ``MANUALLY_CLEANED``), but only after
its first passes, whose XPath rules call back into Python for every ``div`` they test, have
walked them. Handed a page without them, its fast path gives the same text (on the dev
pages and every fixture) about a fifth faster. ``form`` stays (trafilatura keeps the text
of some forms), and so do ``figure`` (it turns figures holding a table into ``div``) and
``time``. The thorough cascade gets the whole page: its baseline reads JSON-LD scripts."""

EMBED_STOP_TAGS = frozenset({"body", "html", "article", "main"})
"""Elements around an embedded post that are never taken for its wrapper."""

SHORT_TEXT_CHARS = 250
"""Text shorter than this (trafilatura's own ``MIN_EXTRACTED_SIZE``) is a sign that the fast
extraction missed the article; trafilatura's whole cascade then runs on the page as well. A
longer text is judged by the page's evidence (:mod:`pipelines.extraction.main_text`)."""

SHORT_TEXT_REASON = "short text"

TITLE_XPATH = XPath(
    "//meta[@property='og:title' or @name='twitter:title']/@content | //title/text()"
)
"""The headline as the page states it for sharing and for the browser (an ``<h1>`` too)."""

TITLE_SCAN_LINES = 3
"""A line repeating the headline is looked for among this many first lines of the text."""

COPYRIGHT_NOTICE = re.compile(
    r"(?:©|\(c\)|\bcopyright\b).*\b(?:19|20)\d\d\b|\b(?:19|20)\d\d\b.*(?:©|\bcopyright\b)",
    re.IGNORECASE,
)
"""A copyright notice in any language: the sign © (or "(c)", or "copyright", a word many
languages share) with a year."""

COPYRIGHT_LINE_MAX_CHARS = 120
"""A line holding a :data:`COPYRIGHT_NOTICE` is a footer or a photo credit up to this length
(a longer one is a paragraph that talks about copyright)."""

BRACKETED_TAG = re.compile(r"\[[^\]]*\]")
"""A tag after a headline link: "[VIDEO]", "[PICS]", "[INSIGHT]"."""

TRAFILATURA_FOCUS = {"balanced": "balanced", "precision": "precision", "recall": "recall"}
"""trafilatura's mode for each of our ``focus`` values. Its precision mode prunes more page
chrome, but drops real paragraphs too (subheadings, questions, a standfirst, paragraphs after
an ad slot). Through the crawl's path, with our steps, on the two dev sets (P / R / F1):

* precision mode: article-extraction benchmark 0.983 / 0.991 / 0.987, fundus 0.949 / 0.963
  / 0.956;
* balanced mode: 0.974 / 0.993 / 0.983, fundus 0.943 / 0.970 / 0.956;
* recall mode: 0.972 / 0.993 / 0.983, fundus 0.942 / 0.966 / 0.954.

The sets disagree on precision against balanced; news pages never tuned on scored higher
with balanced, and precision mode's losses are whole paragraphs, its gains chrome that our
own steps remove, so ``balanced`` is trafilatura's balanced mode."""


def trafilatura_extractor(
    options: HtmlExtractionOptions, url: str | None, thorough: bool = False
) -> Extractor:
    """A text-only trafilatura ``Extractor`` for one page.

    :param options: how trafilatura is run.
    :param url: the page's URL.
    :param thorough: run trafilatura's whole cascade (its own fallbacks: readability,
        jusText, the baseline) instead of its fast path, in its balanced mode rather than
        its precision mode, which leaves the baseline out.
    """
    focus = TRAFILATURA_FOCUS[options.focus]
    if thorough and focus == "precision":
        focus = "balanced"
    return Extractor(
        output_format="python",
        fast=not thorough,
        precision=focus == "precision",
        recall=focus == "recall",
        comments=False,
        tables=options.include_tables,
        dedup=False,
        with_metadata=False,
        url=url,
    )


WHITESPACE = " \t\n\r\f\v\xa0"
"""Characters :func:`_visible_chars` does not count."""


def _visible_chars(element: HtmlElement) -> int:
    """How many characters of text, spaces aside, the element holds."""
    text = element.text_content()
    visible: int = len(text) - sum(map(text.count, WHITESPACE))
    return visible


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _is_teaser(element: HtmlElement) -> bool:
    """A "Read more: <link>" line: a teaser label followed by mostly link text."""
    text = _text(element)
    label = TEASER_LABEL.match(text)
    if label is None:
        return False
    rest = text[label.end() :]
    links = sum(len(_text(link)) for link in element.iter("a"))
    return bool(rest) and links >= len(rest) / 2


def _is_link_list(element: HtmlElement | None) -> bool:
    if element is None or element.tag not in ("ul", "ol"):
        return False
    text = _text(element)
    return bool(text) and sum(len(_text(link)) for link in element.iter("a")) >= 0.8 * len(text)


def _sign_up_box(field: HtmlElement) -> HtmlElement:
    """The largest block around an e-mail field whose text stays within
    :data:`SIGN_UP_BOX_MAX_CHARS`."""
    box = field
    for ancestor in field.iterancestors():
        if ancestor.tag in ("body", "html") or len(_text(ancestor)) > SIGN_UP_BOX_MAX_CHARS:
            break
        box = ancestor
    return box


def _teasers(root: HtmlElement) -> list[HtmlElement]:
    """Teaser lines ("Read more: <link>"), and the list of links after a bare label.

    A teaser line is the nearest :data:`TEASER_TAGS` element around a link, so only the
    elements that hold links are read."""
    found: list[HtmlElement] = []
    lines: set[HtmlElement] = set()
    for link in root.iter("a"):
        line = next(link.iterancestors(*TEASER_TAGS), None)
        if line is None or line in lines:
            continue
        lines.add(line)
        if (line.tag != "div" or _is_line(line)) and _is_teaser(line):
            found.append(line)
    for links in root.iter("ul", "ol"):
        label = links.getprevious()
        if (
            label is not None
            and label.tag in TEASER_TAGS
            and TEASER_LABEL.fullmatch(_text(label))
            and _is_link_list(links)
        ):
            found += [label, links]
    return found


def _name(element: HtmlElement) -> str:
    """The element's ``id`` and ``class``, lowercased."""
    return f"{element.get('id', '')} {element.get('class', '')}".lower()


def _is_popup(element: HtmlElement) -> bool:
    """An element named by :data:`POPUP_NAME`, unless it is the trigger that opens a pop-up
    (a link or button: in a sentence, the words the pop-up is about) or holds one."""
    if element.tag in POPUP_TRIGGER_TAGS:
        return False
    triggers = element.iterdescendants(*POPUP_TRIGGER_TAGS)
    return not any(POPUP_NAME.search(_name(trigger)) for trigger in triggers)


def _is_named_chrome(element: HtmlElement, name: str) -> bool:
    """Chrome by its name (:func:`_name`): a pop-up (:func:`_is_popup`) anywhere,
    :data:`CHROME_BLOCK_NAME` and :data:`CHROME_WIDGET_NAME` on :data:`CHROME_BLOCK_TAGS`."""
    if POPUP_NAME.search(name) and _is_popup(element):
        return True
    if element.tag not in CHROME_BLOCK_TAGS:
        return False
    widget = f"{element.get('data-component', '')} {element.get('data-testid', '')}".lower()
    return bool(CHROME_BLOCK_NAME.search(name) or CHROME_WIDGET_NAME.search(widget))


def _named_chrome(root: HtmlElement) -> list[HtmlElement]:
    """The elements of ``root`` named as chrome (:func:`_is_named_chrome`); most are passed
    over at once, by one search of their name for the :data:`NAME_HINT`."""
    found: list[HtmlElement] = []
    for element in root.iter(Element):
        attrib = element.attrib
        if not attrib:
            continue
        name = _name(element)
        hinted = NAME_HINT.search(name) or "data-component" in attrib or "data-testid" in attrib
        if hinted and _is_named_chrome(element, name):
            found.append(element)
    return found


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    """The elements not inside another of them, in their order."""
    inside = set(elements)
    return [e for e in elements if not any(ancestor in inside for ancestor in e.iterancestors())]


def chrome_blocks(
    tree: HtmlElement, options: HtmlExtractionOptions = DEFAULT_OPTIONS
) -> list[HtmlElement]:
    """Blocks of page chrome that trafilatura's own rules let through on common news pages.

    * elements named as chrome (:func:`_is_named_chrome`): comment sections, widgets named
      by ``data-component``/``data-testid``, pop-ups, tooltips and hover cards;
    * newsletter sign-up boxes: the largest block around an e-mail field whose text stays
      within :data:`SIGN_UP_BOX_MAX_CHARS` characters;
    * teaser lines inside the body ("Read more: <link>", "ALSO READ: <link>"), and a bare
      "Read more:" label together with the list of links that follows it.

    No candidate holding an ``<h1>`` is returned, and each of the three rules removes nothing
    from a page where its blocks together hold more than :data:`MAX_CHROME_SHARE` of the
    page's text: there the names mark the content itself (a forum's posts, a live ticker's
    entries, a gallery's items), and a misnamed article container is never lost.

    :param tree: the parsed page.
    :param options: which of these rules apply (``named_chrome``, ``sign_up_boxes``,
        ``teaser_lines``).
    """
    body = tree.find(".//body")
    root = body if body is not None else tree
    found: list[list[HtmlElement]] = []
    if options.uses("named_chrome"):
        found.append(_named_chrome(root))
    if options.uses("sign_up_boxes"):
        found.append([_sign_up_box(field) for field in EMAIL_FIELD_XPATH(tree)])
    if options.uses("teaser_lines"):
        found.append(_teasers(root))
    if not any(found):
        return []
    most = MAX_CHROME_SHARE * _visible_chars(root)
    kept: list[HtmlElement] = []
    for candidates in found:
        blocks = _outermost(
            [
                element
                for element in dict.fromkeys(candidates)
                if element is not root and next(element.iter("h1"), None) is None
            ]
        )
        if sum(_visible_chars(block) for block in blocks) <= most:
            kept += blocks
    return _outermost(list(dict.fromkeys(kept)))


def _is_line(div: HtmlElement) -> bool:
    """A ``<div>`` that holds a line of text: no :data:`BLOCK_TAGS` inside."""
    return next(div.iterdescendants(*BLOCK_TAGS), None) is None


def _keep_lines_between_paragraphs(tree: HtmlElement) -> None:
    """Make a ``<div>`` holding a line of text between two paragraphs a paragraph: such lines
    are subheadings styled by a class, which trafilatura drops as ``<div>`` elements."""
    for div in list(tree.iter("div")):
        before, after = div.getprevious(), div.getnext()
        if before is None or after is None or before.tag != "p" or after.tag != "p":
            continue
        if _is_line(div) and next(div.iterdescendants(*SLOT_TAGS), None) is None and _text(div):
            div.tag = "p"


def _is_embedded_post(quote: HtmlElement, url: str | None) -> bool:
    """A ``<blockquote>`` that links to another site: a post embedded from a social network
    (its permalink), as opposed to a pull quote repeating the article."""
    for link in quote.iter("a"):
        href = (link.get("href") or "").strip()
        if href.startswith(("http://", "https://")) and same_site_target(href, url) is None:
            return True
    return False


def _keep_embedded_posts(tree: HtmlElement, url: str | None) -> None:
    """Clear the name (``class``, ``id``) of the wrappers around embedded posts.

    Articles quote posts (tweets, Instagram posts) in wrappers named after social media,
    which trafilatura drops with share buttons; the wrappers are the ancestors that hold
    nothing but the post.
    """
    for quote in list(tree.iter("blockquote")):
        if not _is_embedded_post(quote, url):
            continue
        text = _text(quote)
        for wrapper in quote.iterancestors():
            if wrapper.tag in EMBED_STOP_TAGS or _text(wrapper) != text:
                break
            wrapper.attrib.pop("class", None)
            wrapper.attrib.pop("id", None)


def prepare_tree(
    tree: HtmlElement, url: str | None, options: HtmlExtractionOptions = DEFAULT_OPTIONS
) -> None:
    """Ready a page for trafilatura, in place: remove the :func:`chrome_blocks`; keep the
    lines between paragraphs and the embedded posts that trafilatura would lose.

    :param tree: the parsed page; changed in place.
    :param url: the page's URL, to tell links to other sites.
    :param options: which rules apply.
    """
    for block in chrome_blocks(tree, options):
        block.drop_tree()
    if options.uses("lines_between_paragraphs"):
        _keep_lines_between_paragraphs(tree)
    if options.uses("embedded_posts"):
        _keep_embedded_posts(tree, url)


def drop_discards(tree: HtmlElement) -> HtmlElement:
    """``tree`` without the :data:`TRAFILATURA_DISCARDS` (removed in place), for trafilatura's
    fast path."""
    for element in list(tree.iter(*TRAFILATURA_DISCARDS)):
        if element.getparent() is not None:
            element.drop_tree()
    return tree


def _words(text: str) -> str:
    """``text`` as its casefolded words, for comparisons that ignore punctuation."""
    return " ".join(WORD.findall(text)).casefold()


def page_titles(tree: HtmlElement) -> set[str]:
    """The page's headline as it states it (:data:`TITLE_XPATH`, every ``<h1>``), as
    :func:`_words`."""
    titles = [str(title) for title in TITLE_XPATH(tree)]
    titles += [h1.text_content() for h1 in tree.iter("h1")]
    return {words for words in map(_words, titles) if words}


class PageLink(NamedTuple):
    """A link of the page: its text (spaces collapsed) and its ``href``."""

    text: str
    href: str | None


@dataclass(frozen=True)
class PageReferences:
    """What the lines of the extracted text are judged against, read from the prepared page
    before trafilatura takes it: its headline (:func:`page_titles`) and its links, each read
    once."""

    titles: set[str]
    links: list[PageLink]


def page_references(tree: HtmlElement) -> PageReferences:
    """The :class:`PageReferences` of a prepared page."""
    links = [PageLink(_text(link), link.get("href")) for link in tree.iter("a")]
    return PageReferences(page_titles(tree), links)


def headline_links(links: list[PageLink], url: str | None, text: str) -> list[str]:
    """The text of the links in ``text`` that lead to another article of the same site, longest
    first: same-site links (not to the home page) of at least
    :data:`~pipelines.extraction.page_kind.TEASER_MIN_HEADLINE_CHARS` non-space characters.

    :param links: the page's links (:class:`PageReferences`).
    :param url: the page's URL.
    :param text: the extracted text.
    """
    flat = " ".join(text.split())
    found: set[str] = set()
    for words, href in links:
        if len(words) - words.count(" ") < TEASER_MIN_HEADLINE_CHARS or words not in flat:
            continue
        target = same_site_target(href, url)
        if target is not None and not ROOT_PATH.fullmatch(urlsplit(target).path):
            found.add(words)
    return sorted(found, key=len, reverse=True)


def _is_headline_link_line(line: str, links: list[str]) -> bool:
    """A line made of :func:`headline_links` only, with at most a teaser label ("See more:")
    and bracketed tags ("[VIDEO]") besides: a link to another article, not article text."""
    rest = " ".join(line.split())
    found = False
    for link in links:
        if link in rest:
            rest = rest.replace(link, " ")
            found = True
    return found and WORD.search(TEASER_LABEL.sub(" ", BRACKETED_TAG.sub(" ", rest))) is None


def _is_copyright_line(line: str) -> bool:
    return len(line.strip()) <= COPYRIGHT_LINE_MAX_CHARS and bool(COPYRIGHT_NOTICE.search(line))


def clean_lines(
    text: str,
    references: PageReferences,
    url: str | None,
    options: HtmlExtractionOptions = DEFAULT_OPTIONS,
) -> str:
    """Drop the lines of extracted text that are not article text.

    * a line among the first :data:`TITLE_SCAN_LINES` that repeats the headline
      (:func:`page_titles`);
    * a line made of links to other articles of the site (:func:`_is_headline_link_line`):
      related stories inside or after the body;
    * a short copyright notice (:data:`COPYRIGHT_NOTICE`): photo credits, the site's footer.

    :param text: trafilatura's text.
    :param references: the headline and links of the page it was extracted from.
    :param url: the page's URL.
    :param options: which rules apply (``repeated_headline``, ``headline_link_lines``,
        ``copyright_lines``).
    """
    lines = [line for line in text.strip().splitlines() if line.strip()]
    titles = references.titles if options.uses("repeated_headline") else set()
    links = (
        headline_links(references.links, url, text) if options.uses("headline_link_lines") else []
    )
    copyright_lines = options.uses("copyright_lines")
    kept = [
        line
        for index, line in enumerate(lines)
        if not (index < TITLE_SCAN_LINES and _words(line) in titles)
        and not _is_headline_link_line(line, links)
        and not (copyright_lines and _is_copyright_line(line))
    ]
    return "\n".join(kept)


def _trafilatura_text(tree: HtmlElement, extractor: Extractor) -> str:
    """trafilatura's text for the page (it works on a copy of ``tree``), or ``""``."""
    document = trafilatura.bare_extraction(tree, options=extractor)
    return document.text or "" if isinstance(document, Document) else ""


class BodyText(NamedTuple):
    """The article text of a page (``""`` when none is found), why trafilatura's whole
    cascade ran for it (``None`` when it did not), and the page's headline and links."""

    text: str
    full_extraction: str | None
    references: PageReferences


def _fast_text_missed(text: str, evidence: MainText, options: HtmlExtractionOptions) -> str | None:
    """Why the fast extraction's ``text`` is not trusted, or ``None``: shorter than
    :data:`SHORT_TEXT_CHARS`, or missing the page's main text (:meth:`MainText.missed_by`)."""
    if not options.uses("fast_text_check"):
        return None
    return SHORT_TEXT_REASON if len(text) < SHORT_TEXT_CHARS else evidence.missed_by(text)


def body_text(
    tree: HtmlElement,
    url: str | None,
    options: HtmlExtractionOptions,
    json_ld: list[Any],
    clock: CpuClock,
    reread: Callable[[], HtmlElement | None],
) -> BodyText:
    """The article text of a :func:`prepared <prepare_tree>` page.

    trafilatura text-only on its fast path, over the page itself without the
    :data:`TRAFILATURA_DISCARDS` (a copy of a page costs about a twentieth of its
    extraction). When the page's own evidence says that text missed the article
    (:func:`_fast_text_missed`), trafilatura's whole cascade runs too, on the page read and
    prepared again, and its text is kept if it holds more of that evidence
    (:meth:`MainText.support`), or, after a short text, as much and is longer; when neither
    holds half of the page's JSON-LD ``articleBody`` (a page that draws its article with a
    script, behind a consent notice), the ``articleBody`` is the text. Then
    :func:`clean_lines`.

    :param tree: the prepared page; trafilatura takes it, and leaves it without its
        discards.
    :param url: where the page was read from.
    :param options: how trafilatura is run.
    :param json_ld: the page's JSON-LD documents.
    :param clock: where the CPU time of each step is counted.
    :param reread: gives the parsed page again, for the cascade.
    """
    with clock.stage("main_text_check"):
        evidence = main_text(tree, json_ld)
    with clock.stage("line_rules"):
        references = page_references(tree)
    with clock.stage("trafilatura"):
        text = _trafilatura_text(drop_discards(tree), trafilatura_extractor(options, url))
    with clock.stage("main_text_check"):
        reason = _fast_text_missed(text, evidence, options)
    if reason is not None:
        with clock.stage("trafilatura_cascade"):
            whole = _prepared_again(reread, url, options)
            full = _trafilatura_text(whole, trafilatura_extractor(options, url, thorough=True))
        with clock.stage("main_text_check"):
            length = len if reason == SHORT_TEXT_REASON else lambda _: 0
            if (evidence.support(full), length(full)) > (evidence.support(text), length(text)):
                text = full
            if options.uses("article_body_fallback") and evidence.lacks_article_body(text):
                text = evidence.article_body_text
    with clock.stage("line_rules"):
        return BodyText(clean_lines(text, references, url, options), reason, references)


def _prepared_again(
    reread: Callable[[], HtmlElement | None], url: str | None, options: HtmlExtractionOptions
) -> HtmlElement:
    tree = reread()
    if tree is None:
        raise ValueError("the page gave no tree when read again")
    prepare_tree(tree, url, options)
    return tree


def extract_text(
    tree: HtmlElement,
    url: str | None,
    options: HtmlExtractionOptions,
    json_ld: list[Any] | None = None,
    clock: CpuClock | None = None,
) -> BodyText:
    """The article text of a page: :func:`prepare_tree`, then :func:`body_text` (its cascade
    reads a copy of the page taken before the chrome was removed).

    :param tree: the parsed page; the page chrome and trafilatura's discards are removed
        from it in place.
    :param url: where the page was read from.
    :param options: how trafilatura is run.
    :param json_ld: the page's JSON-LD documents (read from ``tree`` when not given).
    :param clock: where the CPU time of each step is counted, if anywhere.
    """
    clock = clock or CpuClock()
    parsed = deepcopy(tree)
    with clock.stage("chrome_rules"):
        prepare_tree(tree, url, options)
    json_ld = json_ld_documents(tree) if json_ld is None else json_ld
    return body_text(tree, url, options, json_ld, clock, reread=lambda: parsed)


def link_text_share(links: list[PageLink], text: str) -> float:
    """The share of ``text`` (in characters) that is the text of the page's ``links``.

    When a page holds no article, trafilatura falls back to whatever text it finds, which on
    a section front or a navigation page is its links: this tells such output apart.
    """
    flat = " ".join(text.split())
    if not flat:
        return 0.0
    anchors = {link.text for link in links}
    return min(
        1.0,
        sum(len(anchor) for anchor in anchors if len(anchor) > 1 and anchor in flat) / len(flat),
    )


MAX_NESTING_DEPTH = 200
"""How deep :func:`flatten_nesting` lets elements nest: below libxml2's limit of 256 levels,
with room for the ``html`` and ``body`` the parser adds."""

INNER_DEPTH = 50
"""How many levels above the text :func:`flatten_nesting` keeps whole: an element whose
content nests less deep than this keeps its tags, wherever it is."""

VOID_TAGS = frozenset(
    {
        *("area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img"),
        *("input", "keygen", "link", "meta", "param", "source", "track", "wbr"),
    }
)
"""Elements that have no content and no end tag: they never nest anything."""

MARKUP_TOKEN = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|textarea|title)\b[^<>]*>.*?(?:</\1\s*>|$)"
    r"|<(/?)([a-z][^\s/<>]*)[^<>]*>",
    re.IGNORECASE | re.DOTALL,
)
"""A comment, an element whose content is raw text (kept whole), or a start or end tag. A tag
is read up to the next ``<`` or ``>``, so that the scan stays linear on any input (a tag
holding a ``<`` in a quoted attribute is left as it is)."""


@dataclass
class _Nested:
    """An element as :func:`flatten_nesting` finds it: its tags' places, depth and height."""

    name: str
    depth: int
    start: tuple[int, int]
    end: tuple[int, int] | None = None
    height: int = 1


def _nesting(html: str) -> list[_Nested]:
    """Every element of ``html`` that has content, by its tags, as an HTML parser nests them:
    an end tag closes the innermost open element of its name and those opened inside it; one
    that closes nothing open is ignored, and elements left open close at the end."""
    elements: list[_Nested] = []
    open_elements: list[_Nested] = []
    open_counts: Counter[str] = Counter()

    def close_innermost() -> _Nested:
        element = open_elements.pop()
        open_counts[element.name] -= 1
        if open_elements:
            parent = open_elements[-1]
            parent.height = max(parent.height, element.height + 1)
        return element

    for token in MARKUP_TOKEN.finditer(html):
        name = (token.group(3) or "").lower()
        if not name or name in VOID_TAGS or token.group(0).endswith("/>"):
            continue
        if not token.group(2):
            element = _Nested(name, len(open_elements) + 1, token.span())
            elements.append(element)
            open_elements.append(element)
            open_counts[name] += 1
        elif open_counts[name]:
            while (element := close_innermost()).name != name:
                pass
            element.end = token.span()
    while open_elements:
        close_innermost()
    return elements


def flatten_nesting(
    html: str, max_depth: int = MAX_NESTING_DEPTH, inner_depth: int = INNER_DEPTH
) -> str:
    """``html`` nested at most ``max_depth`` elements deep: the tags of the elements nested
    deeper than ``max_depth - inner_depth`` are removed, but for those whose content nests
    less than ``inner_depth`` deep. The text stays, and so do the paragraphs, links and
    other elements around it; the wrappers in between go.

    libxml2 stops parsing at 256 levels of nesting and drops the rest of the page; browsers
    cap the depth (Blink at 512) and keep the text.

    :param html: the decoded page.
    :param max_depth: the most elements that may be open at once.
    :param inner_depth: how many levels above the text are kept.
    """
    removed: list[tuple[int, int]] = []
    for element in _nesting(html):
        if element.depth > max_depth - inner_depth and element.height >= inner_depth:
            removed.append(element.start)
            if element.end is not None:
                removed.append(element.end)
    if not removed:
        return html
    parts: list[str] = []
    position = 0
    for start, end in sorted(removed):
        parts.append(html[position:start])
        position = end
    parts.append(html[position:])
    return "".join(parts)


def _parse(html: str, as_bytes: bool = False) -> HtmlElement:
    """lxml's tree of ``html`` (given to lxml as UTF-8 bytes if ``as_bytes``).

    A page that reaches one of libxml2's resource limits, which stop the parse and lose the
    rest of the page, is parsed again without them (:data:`HUGE_HTML_PARSER`), its nesting
    :func:`flattened <flatten_nesting>`.

    :raises ValueError: or ``ParserError``, when lxml cannot parse ``html``.
    """

    def parsed(markup: str, parser: lxml.html.HTMLParser) -> HtmlElement:
        source = markup.encode("utf-8", "surrogatepass") if as_bytes else markup
        return lxml.html.fromstring(source, parser=parser)

    tree = parsed(html, HTML_PARSER)
    error = HTML_PARSER.error_log.last_error
    if error is not None and error.type == ErrorTypes.ERR_RESOURCE_LIMIT:
        tree = parsed(flatten_nesting(html), HUGE_HTML_PARSER)
    return tree


XML_FORBIDDEN_CHARS = (
    *map(chr, (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))),
    *("\ufffe", "\uffff"),
)
"""The characters XML forbids that trafilatura's repairs delete (those its
``INVALID_XML_CHARS`` matches)."""


def repair_faulty_html(html: str, beginning: str) -> str:
    """trafilatura's ``repair_faulty_html``: delete the characters XML forbids, a broken
    doctype and the slash of a self-closing ``<html/>``.

    Its regex for the characters is only run on a page that holds one of the
    :data:`XML_FORBIDDEN_CHARS`: few do, and looking for each in turn takes a third of the
    time of the regex's scan.

    :param html: the decoded page.
    :param beginning: the page's first 50 characters, lowercased.
    """
    if any(char in html for char in XML_FORBIDDEN_CHARS):
        html = INVALID_XML_CHARS.sub("", html)
    if "doctype" in beginning:
        first_line, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first_line, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", html, count=1)
    return html


def parse_html(html: str) -> HtmlElement | None:
    """The tree of a decoded page, as trafilatura would build it, or ``None``.

    trafilatura's repairs first (characters XML forbids, a broken doctype, a self-closing
    ``<html/>``); a page that starts with an XML declaration naming its encoding is parsed
    from UTF-8 bytes, as lxml requires. A page nested deeper than libxml2 allows is parsed
    with its deepest tags removed (:func:`flatten_nesting`). ``None`` when nothing is parsed,
    or when a document that does not say it is HTML gives fewer than two top elements.
    """
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    try:
        tree = _parse(html)
    except (ValueError, ParserError):
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = _parse(html, as_bytes=True)
        except (ValueError, ParserError):
            return None
    if "html" not in beginning and len(tree) < 2:
        return None
    return tree


def extract_html(
    html: str, url: str | None, options: HtmlExtractionOptions, clock: CpuClock | None = None
) -> Extraction:
    """Extract the article from an HTML page.

    :param html: the decoded page.
    :param url: where the page was read from; relative links resolve against it, and it
        stands as the page's URL when the page names no canonical URL. Links and the
        page's path are judged by its :func:`web address <web_url>`: for a saved file
        (``file://``), the URL the page names for itself.
    :param options: how trafilatura is run.
    :param clock: where the CPU time of each step is counted, if anywhere.
    :raises NotArticle: ``unparseable_html`` when no HTML tree can be built, ``index_page``
        when the page is a home, section, tag, author, search or paginated listing page (the
        rule of :class:`PageSignals`; the detail names the signal), ``no_main_text`` when
        no article text is found, ``link_list`` when what is found is mostly the text of
        links (:data:`MAX_LINK_SHARE`).

    The page is parsed once. After :func:`prepare_tree`, the metadata
    (:func:`pipelines.extraction.metadata.page_metadata`) is read from the tree, with the
    page chrome removed (so that, e.g., no author is taken from reader comments); then
    :func:`body_text` hands the tree itself to trafilatura.
    """
    clock = clock or CpuClock()
    with clock.stage("parse"):
        tree = parse_html(html)
    if tree is None:
        raise NotArticle("unparseable_html")
    with clock.stage("page_kind"):
        json_ld = json_ld_documents(tree)
        site_url = web_url(url, tree)
        signals = page_signals(tree, json_ld, site_url)
    index_pages = options.uses("index_pages")
    if index_pages and (signal := signals.index_page_before_text()) is not None:
        raise NotArticle("index_page", signal)
    with clock.stage("chrome_rules"):
        prepare_tree(tree, site_url, options)
    with clock.stage("metadata"):
        metadata = page_metadata(tree, json_ld, url, options.disabled_metadata_rules)
    judge_listing = index_pages and (signals.article is None or signals.root)
    with clock.stage("page_kind"):
        teasers = teaser_texts(tree, site_url) if judge_listing else []
    text, full_extraction, references = body_text(
        tree, site_url, options, json_ld, clock, reread=lambda: parse_html(html)
    )
    if not text.strip():
        raise NotArticle("no_main_text")
    with clock.stage("page_kind"):
        share = link_text_share(references.links, text)
    if judge_listing:
        with clock.stage("page_kind"):
            evidence = listing_text(teasers, text, share)
        if (signal := signals.index_page_from_text(evidence)) is not None:
            raise NotArticle("index_page", signal)
    if options.uses("link_list") and share > MAX_LINK_SHARE:
        raise NotArticle("link_list", f"{share:.0%} link text")
    return Extraction(
        text=text,
        extractor=EXTRACTOR_NAME,
        title=metadata.title,
        author="; ".join(metadata.authors) or None,
        date_published=metadata.date_published,
        date_modified=metadata.date_modified,
        date_source=metadata.date_source,
        language=metadata.language,
        sitename=metadata.sitename,
        description=metadata.description,
        image=metadata.image,
        tags=metadata.tags,
        url=metadata.canonical_url,
        full_extraction=full_extraction is not None,
    )
