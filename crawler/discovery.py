"""Recognise and parse the documents a news crawl discovers articles from.

Feeds (RSS 0.9x, 1.0 and 2.0, Atom), sitemaps, sitemap indexes and robots.txt are told apart
by their content (:func:`document_kind`), never by their URL, and read into the URLs they list
(:func:`parse_feed`, :func:`parse_sitemap`, :func:`sitemaps_in_robots`), each with what the
listing says about it (:class:`Listing`).

Everything here is pure: no network, no files, no Scrapy. XML is parsed by lxml in recovering
mode, without expanding entities, loading DTDs or touching the network, so broken feeds give
what can be read of them and hostile ones (XXE, billion laughs) give nothing more. Only
``http`` and ``https`` URLs are ever returned (:func:`is_web_url`); a caller that passes a
``refused`` list learns which URLs of another scheme (``file:``, ``ftp:``, ``javascript:``
...) were left out, to count them.
"""

from __future__ import annotations

import codecs
import html
import io
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_tz
from html.entities import html5
from urllib.parse import urljoin, urlsplit

from lxml import etree

FEED = "feed"
SITEMAP = "sitemap"
SITEMAP_INDEX = "sitemap_index"
ROBOTS = "robots"
HTML = "html"
JSON = "json"
OTHER = "other"

SNIFF_BYTES = 64 * 1024
"""How much of a body :func:`document_kind` looks at."""
XML_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "recover": True,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
}
"""How feeds and sitemaps are parsed: safely (no entities, DTD or network) and leniently."""

WEB_SCHEMES = frozenset({"http", "https"})
ABSOLUTE_WEB_URL = re.compile(r"https?://", re.I)
ATOM_NAMESPACES = frozenset({"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"})
RSS_NAMESPACES = frozenset(
    {"", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"}
)
XHTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
DUBLIN_CORE_NAMESPACES = frozenset({"http://purl.org/dc/elements/1.1/", "dc"})
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})

SITEMAP_ENTRIES = {"urlset": "url", "sitemapindex": "sitemap"}
"""The entries of each sitemap root element."""
ROOT_KINDS = {
    "rss": FEED,
    "rdf": FEED,
    "urlset": SITEMAP,
    "sitemapindex": SITEMAP_INDEX,
    "html": HTML,
}
HTML_ROOTS = frozenset(
    {"html", "head", "body", "title", "meta", "link", "script", "style", "div", "p", "span", "a"}
    | {"section", "article", "header", "footer", "main", "nav", "aside", "table", "ul", "ol"}
    | {"form", "h1", "h2", "h3", "h4", "h5", "h6", "img", "iframe", "br", "hr"}
)
"""Root elements that make a document HTML: ``html`` itself, or what a fragment starts with."""

ROBOTS_DIRECTIVE = re.compile(r"(?:user-agent|disallow|allow|sitemap|crawl-delay|host)\s*:", re.I)
SITEMAP_DIRECTIVE = re.compile(r"\s*sitemap\s*:\s*(\S+)", re.I)

PROLOG_ITEM = re.compile(
    r"\s+|<\?.*?\?>|<!--.*?-->|<!doctype\s+(?P<doctype>[^\s\[>]*)[^\[>]*(?:\[.*?\]\s*)?>",
    re.I | re.S,
)
"""What may come before the root element: whitespace, declarations, comments, a DOCTYPE."""
HTML_DOCTYPE = re.compile(r"<!doctype\s+html\b", re.I)
START_TAG = re.compile(
    r"<(?:(?P<prefix>[A-Za-z_][\w.-]*):)?(?P<name>[A-Za-z_][\w.-]*)"
    r"(?P<attributes>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)"
)
NAMESPACE_DECLARATION = re.compile(r"""xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']""")

REFERENCE = re.compile(rb"&(?:#[0-9]+;|#[xX][0-9a-fA-F]+;|(?P<name>[A-Za-z][\w.-]*);)?")
GZIP_MAGIC = b"\x1f\x8b"
CDATA_START = b"<![CDATA["
CDATA_END = b"]]>"

HTML_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)

ISO_DATE = re.compile(
    r"""(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})
        (?:[T\s]+(?P<hour>\d{2}):(?P<minute>\d{2})
            (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
            \s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?
        )?)?)?""",
    re.X | re.I,
)
ZONE_NAME = re.compile(r"\b([A-Za-z]{2,5})\s*$")
ZONE_OFFSETS = {
    "WET": "+0000",
    "WEST": "+0100",
    "BST": "+0100",
    "CET": "+0100",
    "CEST": "+0200",
    "EET": "+0200",
    "EEST": "+0300",
    "MSK": "+0300",
    "HKT": "+0800",
    "SGT": "+0800",
    "AWST": "+0800",
    "JST": "+0900",
    "KST": "+0900",
    "ACST": "+0930",
    "AEST": "+1000",
    "AEDT": "+1100",
    "NZST": "+1200",
    "NZDT": "+1300",
    "HST": "-1000",
    "AKST": "-0900",
    "AKDT": "-0800",
}
"""Zone names of RFC 822 dates beyond the US ones :func:`email.utils.parsedate_tz` knows."""


@dataclass(frozen=True, slots=True)
class Listing:
    """An article URL as a feed or sitemap lists it, with what the listing says about it.

    Dates are kept as the listing writes them; :meth:`modified` compares them.
    """

    url: str
    title: str | None = None
    guid: str | None = None
    published: str | None = None
    updated: str | None = None
    lastmod: str | None = None
    news_publication_date: str | None = None
    news_title: str | None = None

    def provenance(self) -> dict[str, str]:
        """The non-empty fields but ``url``, by name: what to store (as JSON) of the listing."""
        return {
            field.name: value
            for field in fields(self)
            if field.name != "url" and (value := getattr(self, field.name))
        }

    def modified(self) -> str | None:
        """The latest date the listing gives for the content, as ISO-8601 UTC, or ``None``.

        That is the latest of ``lastmod``, ``updated``, ``news_publication_date`` and
        ``published`` that can be read as a date.
        """
        candidates = (self.lastmod, self.updated, self.news_publication_date, self.published)
        moments = [moment for value in candidates if (moment := _parse_date(value))]
        return _iso_utc(max(moments)) if moments else None


DOCUMENT_REASONS = {
    "robots": "robots_txt",
    "sitemap": "sitemap",
    "sitemap_index": "sitemap_index",
    "feed": "feed",
}
"""The reason a document of each listing kind is ``not_article``."""


def document_kind(body: bytes, content_type: str | None = None) -> str:
    """What ``body`` is: ``feed``, ``sitemap``, ``sitemap_index``, ``robots``, ``json``, ``html``,
    ``other``.

    Only the content tells, from its first :data:`SNIFF_BYTES`: the root element of markup
    (after any declaration, comments and DOCTYPE), else whether the lines are mostly
    robots.txt directives, else whether the whole body is JSON (an API's answer served as
    ``text/html`` is no page to extract from). ``content_type`` only counts when the content
    tells nothing: a ``text/html`` body is then ``html``. Never raises.

    :param body: the document, decompressed.
    :param content_type: the ``Content-Type`` it was served with, if any.
    """
    text = _sniff_text(body[:SNIFF_BYTES])
    kind = _markup_kind(text)
    if kind is None and not text.lstrip().startswith("<") and _is_robots_txt(text):
        kind = ROBOTS
    if kind is None and text.lstrip()[:1] in ("{", "[") and _is_json(body):
        kind = JSON
    if kind is None and media_type(content_type) in HTML_MEDIA_TYPES:
        kind = HTML
    return kind or OTHER


def parse_feed(body: bytes, base_url: str, refused: list[str] | None = None) -> list[Listing]:
    """The article URLs an RSS or Atom feed lists, in feed order, each once.

    :param body: the feed, decompressed; broken XML gives what can be read before the break.
    :param base_url: the URL the feed was read from, to resolve relative URLs against.
    :param refused: if given, the links of another scheme than http(s) are appended to it.
    """
    root = _parse_xml(body)
    if root is None:
        return []
    namespace, root_name = _lower_name(root)
    if root_name in ("rss", "rdf"):
        return _unique(_rss_listing(item, base_url, refused) for item in _rss_items(root))
    if root_name == "feed":
        entries = _children(root, namespace, "entry")
        return _unique(_atom_listing(entry, base_url, refused) for entry in entries)
    return []


def parse_sitemap(body: bytes, base_url: str, refused: list[str] | None = None) -> list[Listing]:
    """The URLs a sitemap lists, in document order, each once.

    A ``urlset`` gives its page URLs (with ``lastmod`` and the news extension's publication
    date and title); a ``sitemapindex`` gives its child sitemaps' URLs (with ``lastmod``).

    :param body: the sitemap, decompressed.
    :param base_url: the URL the sitemap was read from, to resolve relative URLs against.
    :param refused: if given, the ``loc`` URLs of another scheme than http(s) are appended to it.
    """
    return _unique(_sitemap_listings(body, base_url, refused))


def _sitemap_listings(
    body: bytes, base_url: str, refused: list[str] | None
) -> Iterator[Listing | None]:
    """The listing of each entry of a sitemap, read as the XML is parsed, each entry freed
    once read: a sitemap's tree (100 MiB for 200,000 URLs) is never held whole."""
    source = io.BytesIO(_repair_references(_strip_leading_space(body)))
    root: etree._Element | None = None
    entry_name: str | None = None
    try:
        for event, element in etree.iterparse(source, events=("start", "end"), **XML_OPTIONS):
            if root is None:
                root = element
                entry_name = SITEMAP_ENTRIES.get(_lower_name(root)[1])
                if entry_name is None:
                    return
            if event != "end" or element.getparent() is not root:
                continue
            if _lower_name(element)[1] == entry_name:
                yield _sitemap_listing(element, base_url, refused)
            element.clear()
            while (earlier := element.getprevious()) is not None:
                root.remove(earlier)
    except (etree.XMLSyntaxError, ValueError):
        return


def sitemaps_in_robots(body: bytes, base_url: str, refused: list[str] | None = None) -> list[str]:
    """The sitemap URLs of the ``Sitemap:`` lines of a robots.txt, in order, each once.

    :param body: the robots.txt; bytes that are not UTF-8 are replaced, not refused.
    :param base_url: the URL of the robots.txt, to resolve relative sitemap URLs against.
    :param refused: if given, the sitemap URLs of another scheme than http(s) are appended to it.
    """
    text = body.decode("utf-8", errors="replace").lstrip("\ufeff")
    directives = (SITEMAP_DIRECTIVE.match(line) for line in text.splitlines())
    urls = (_web_url(match.group(1), base_url, refused) for match in directives if match)
    return list(dict.fromkeys(url for url in urls if url))


def gunzip_if_compressed(body: bytes, max_bytes: int) -> bytes:
    """``body`` decompressed if it is gzip (by its magic number), else ``body`` itself.

    Decompression stops as soon as the output passes ``max_bytes``, so a gzip bomb costs
    no more memory than that. Concatenated gzip members are all decompressed.

    :param body: the bytes as read.
    :param max_bytes: the most the decompressed body may hold.
    :raises ValueError: if the gzip data is corrupt or truncated, or decompresses to more
        than ``max_bytes``.
    """
    if not body.startswith(GZIP_MAGIC):
        return body
    output = bytearray()
    remaining = body
    while remaining.startswith(GZIP_MAGIC):
        remaining = _gunzip_member(remaining, output, max_bytes)
    return bytes(output)


def normalise_date(value: str | None) -> str | None:
    """A feed or sitemap date as ISO-8601 in UTC with offset (``2026-11-20T09:30:00+00:00``).

    Reads RFC 822 dates (``Fri, 20 Nov 2026 09:30:00 GMT``, numeric offsets, zone names) and
    ISO-8601 / W3C dates (``Z`` or offsets, fractional seconds, no seconds, a bare date
    meaning midnight UTC). A time without a zone is taken as UTC.

    :param value: the date as written, or ``None``.
    :returns: the date, or ``None`` if it cannot be read.
    """
    moment = _parse_date(value)
    return _iso_utc(moment) if moment else None


def _is_json(body: bytes) -> bool:
    """Whether ``body`` is one JSON document (in any of JSON's encodings)."""
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return False
    return True


def _sniff_text(head: bytes) -> str:
    """The start of a body as text, decoded by its byte order mark or else as lax UTF-8."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _markup_kind(text: str) -> str | None:
    """The kind that the root element of ``text`` tells, if it is markup that tells one."""
    position, doctype = _skip_prolog(text)
    tag = START_TAG.match(text, position)
    if tag:
        namespaces = {
            prefix: uri for prefix, uri in NAMESPACE_DECLARATION.findall(tag["attributes"])
        }
        kind = _root_kind(tag["name"].lower(), namespaces.get(tag["prefix"] or ""))
        if kind:
            return kind
    if doctype == "html" or HTML_DOCTYPE.match(text, position):
        return HTML
    return None


def _skip_prolog(text: str) -> tuple[int, str | None]:
    """Where the root element of ``text`` would start, and the DOCTYPE's name if any."""
    position = 0
    doctype = None
    while item := PROLOG_ITEM.match(text, position):
        doctype = (item["doctype"] or "").lower() or doctype
        position = item.end()
    return position, doctype


def _root_kind(name: str, namespace: str | None) -> str | None:
    """The kind a root element tells by its lower-case local name and its namespace."""
    if name in ROOT_KINDS:
        return ROOT_KINDS[name]
    if name == "feed" and (not namespace or namespace in ATOM_NAMESPACES):
        return FEED
    if name in HTML_ROOTS and (not namespace or namespace == XHTML_NAMESPACE):
        return HTML
    return None


def _is_robots_txt(text: str) -> bool:
    """Whether most non-blank, non-comment lines of ``text`` are robots.txt directives."""
    lines = [line.strip() for line in text.splitlines()]
    significant = [line for line in lines if line and not line.startswith("#")]
    directives = sum(1 for line in significant if ROBOTS_DIRECTIVE.match(line))
    return directives * 2 > len(significant)


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower-case, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


CHARSET_PARAMETER = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def declared_charset(content_type: str | None) -> str | None:
    """The ``charset`` a ``Content-Type`` value declares, if any."""
    match = CHARSET_PARAMETER.search(content_type or "")
    return match.group(1) if match else None


def _parse_xml(body: bytes) -> etree._Element | None:
    """The root element of ``body`` parsed safely and leniently, or ``None`` if none."""
    parser = etree.XMLParser(**XML_OPTIONS)
    try:
        return etree.fromstring(_repair_references(_strip_leading_space(body)), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _strip_leading_space(body: bytes) -> bytes:
    """``body`` without a UTF-8 byte order mark and whitespace before its first markup."""
    return body.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")


def _repair_references(body: bytes) -> bytes:
    """``body`` with bare ``&`` escaped and named entities turned into character references.

    Feeds often hold bare ``&`` and undeclared HTML entities (``&nbsp;``), and libxml2 loses
    text around them. Entities a DTD may declare are left as they are (never expanded), as
    are CDATA sections and bodies in UTF-16 or UTF-32, whose bytes this cannot read.
    """
    if b"&" not in body or b"\x00" in body[:4] or body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body
    pieces = []
    position = 0
    while (start := body.find(CDATA_START, position)) != -1:
        end = body.find(CDATA_END, start)
        end = len(body) if end == -1 else end + len(CDATA_END)
        pieces += [REFERENCE.sub(_repaired_reference, body[position:start]), body[start:end]]
        position = end
    pieces.append(REFERENCE.sub(_repaired_reference, body[position:]))
    return b"".join(pieces)


def _repaired_reference(reference: re.Match[bytes]) -> bytes:
    """What an ``&...`` found in XML should be for libxml2 to read it as meant.

    Named references are written as character references: once recovering from an error,
    libxml2 drops even ``&amp;`` and ``&lt;``, but keeps ``&#38;`` and ``&#60;``.
    """
    name = reference["name"]
    if reference[0] == b"&":
        return b"&#38;"
    if name is None:
        return reference[0]
    characters = html5.get(name.decode("ascii") + ";")
    if characters is None:
        return reference[0]
    return "".join(f"&#{ord(character)};" for character in characters).encode("ascii")


def _qualified_name(element: etree._Element) -> tuple[str, str]:
    """The namespace and local name of ``element``.

    An undeclared prefix (which libxml2 keeps in the tag when recovering) stands for the
    namespace; other nodes than elements have ``("", "")``.
    """
    tag = element.tag
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local_name = tag[1:].partition("}")
        return namespace, local_name
    prefix, _, local_name = tag.rpartition(":")
    return prefix, local_name


def _children(parent: etree._Element, namespace: str, name: str) -> list[etree._Element]:
    """The child elements of ``parent`` in ``namespace`` named ``name``, in any case."""
    wanted = (namespace, name.lower())
    return [child for child in parent if _lower_name(child) == wanted]


def _lower_name(element: etree._Element) -> tuple[str, str]:
    """The namespace and lower-case local name of ``element``."""
    namespace, local_name = _qualified_name(element)
    return namespace, local_name.lower()


def _child_named(parent: etree._Element | None, name: str) -> etree._Element | None:
    """The first child element of ``parent`` named ``name`` in any namespace, if any."""
    if parent is None:
        return None
    return next((child for child in parent if _qualified_name(child)[1] == name), None)


def _child(parent: etree._Element, namespace: str, name: str) -> etree._Element | None:
    """The first child element of ``parent`` in ``namespace`` named ``name``, if any."""
    return next(iter(_children(parent, namespace, name)), None)


def _child_text(parent: etree._Element, namespace: str, name: str) -> str | None:
    """The trimmed text of the first child of ``parent`` in ``namespace`` named ``name``."""
    return _trimmed_text(_child(parent, namespace, name))


def _trimmed_text(element: etree._Element | None) -> str | None:
    """The text of ``element`` without surrounding whitespace, or ``None`` if blank."""
    if element is None:
        return None
    return _text_of(element).strip() or None


def _text_of(element: etree._Element) -> str:
    """All the text inside ``element``; entity references, never expanded, give nothing."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _plain_text(element: etree._Element | None) -> str | None:
    """The text of ``element`` with HTML tags stripped, entities unescaped, spaces collapsed."""
    text = _trimmed_text(element)
    if text is None:
        return None
    return " ".join(html.unescape(HTML_TAG.sub(" ", text)).split()) or None


def _base_of(element: etree._Element, base_url: str) -> str:
    """The URL relative URLs in ``element`` resolve against: ``base_url`` and any ``xml:base``."""
    bases = [base for node in (element, *element.iterancestors()) if (base := node.get(XML_BASE))]
    for base in reversed(bases):
        base_url = urljoin(base_url, base.strip())
    return base_url


def _web_url(value: str | None, base_url: str, refused: list[str] | None = None) -> str | None:
    """``value`` trimmed and resolved against ``base_url``, if that is a http(s) URL.

    A URL of another scheme is appended to ``refused``, if given.
    """
    url = (value or "").strip()
    if not url:
        return None
    if not ABSOLUTE_WEB_URL.match(url):
        try:
            url = urljoin(base_url, url)
        except ValueError:
            return None
    if is_web_url(url):
        return url
    if refused is not None and urlsplit(url).scheme.lower() not in WEB_SCHEMES:
        refused.append(url)
    return None


def is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


def _unique(listings: Iterable[Listing | None]) -> list[Listing]:
    """The listings that are not ``None``, the first of each URL only, in order."""
    by_url: dict[str, Listing] = {}
    for listing in listings:
        if listing is not None and listing.url not in by_url:
            by_url[listing.url] = listing
    return list(by_url.values())


def _rss_items(root: etree._Element) -> Iterator[etree._Element]:
    """The items of an RSS feed, wherever recovering from broken XML may have put them.

    They are the ``item`` elements in no namespace, an RSS namespace or the root's.
    """
    namespaces = RSS_NAMESPACES | {_qualified_name(root)[0]}
    for element in root.iter():
        namespace, name = _lower_name(element)
        if name == "item" and namespace in namespaces:
            yield element


def _rss_listing(
    item: etree._Element, base_url: str, refused: list[str] | None = None
) -> Listing | None:
    """The listing of an RSS item, or ``None`` if it gives no http(s) URL."""
    namespace = _qualified_name(item)[0]
    base = _base_of(item, base_url)
    guid = _child(item, namespace, "guid")
    url = (
        _web_url(_child_text(item, namespace, "link"), base, refused)
        or _permalink(guid)
        or _web_url(_trimmed_text(_child_named(item, "origLink")), base, refused)
    )
    if url is None:
        return None
    return Listing(
        url=url,
        title=_plain_text(_child(item, namespace, "title")),
        guid=_trimmed_text(guid),
        published=_child_text(item, namespace, "pubDate") or _dublin_core_date(item),
    )


def _permalink(guid: etree._Element | None) -> str | None:
    """The URL an RSS ``guid`` gives, if it is a http(s) URL not marked ``isPermaLink="false"``."""
    text = _trimmed_text(guid)
    if guid is None or not text or (guid.get("isPermaLink") or "").strip().lower() == "false":
        return None
    return text if is_web_url(text) else None


def _dublin_core_date(element: etree._Element) -> str | None:
    """The trimmed text of the ``dc:date`` child of ``element``, if any."""
    return next(
        (
            _trimmed_text(child)
            for child in element
            if _qualified_name(child)[0] in DUBLIN_CORE_NAMESPACES
            and _lower_name(child)[1] == "date"
        ),
        None,
    )


def _atom_listing(
    entry: etree._Element, base_url: str, refused: list[str] | None = None
) -> Listing | None:
    """The listing of an Atom entry, or ``None`` if it gives no http(s) URL."""
    namespace = _qualified_name(entry)[0]
    url = _atom_alternate(entry, base_url, refused) or _web_url(
        _trimmed_text(_child_named(entry, "origLink")), _base_of(entry, base_url), refused
    )
    if url is None:
        return None
    return Listing(
        url=url,
        title=_plain_text(_child(entry, namespace, "title")),
        guid=_child_text(entry, namespace, "id"),
        published=(
            _child_text(entry, namespace, "published")
            or _child_text(entry, namespace, "issued")
            or _dublin_core_date(entry)
        ),
        updated=_child_text(entry, namespace, "updated")
        or _child_text(entry, namespace, "modified"),
    )


def _atom_alternate(
    entry: etree._Element, base_url: str, refused: list[str] | None = None
) -> str | None:
    """The http(s) URL of the entry's alternate link, an HTML one first, if any."""
    links = [
        link
        for link in _children(entry, _qualified_name(entry)[0], "link")
        if (link.get("rel") or "alternate").strip().lower() == "alternate"
    ]
    links.sort(key=lambda link: media_type(link.get("type")) not in HTML_MEDIA_TYPES)
    urls = (
        _web_url(link.get("href") or link.text, _base_of(link, base_url), refused) for link in links
    )
    return next((url for url in urls if url), None)


def _sitemap_listing(
    entry: etree._Element, base_url: str, refused: list[str] | None = None
) -> Listing | None:
    """The listing of a sitemap ``url`` or ``sitemap`` entry, or ``None`` without a http(s) loc."""
    namespace = _qualified_name(entry)[0]
    url = _web_url(_child_text(entry, namespace, "loc"), _base_of(entry, base_url), refused)
    if url is None:
        return None
    news = _child_named(entry, "news")
    return Listing(
        url=url,
        lastmod=_child_text(entry, namespace, "lastmod"),
        news_publication_date=_trimmed_text(_child_named(news, "publication_date")),
        news_title=_plain_text(_child_named(news, "title")),
    )


def _gunzip_member(data: bytes, output: bytearray, max_bytes: int) -> bytes:
    """Decompress the gzip member ``data`` starts with onto ``output``; return what follows.

    :raises ValueError: if the member is corrupt or truncated, or ``output`` would pass
        ``max_bytes``.
    """
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    pending = data
    while not decompressor.eof:
        try:
            chunk = decompressor.decompress(pending, max(1, max_bytes + 1 - len(output)))
        except zlib.error as error:
            raise ValueError(f"corrupt gzip data: {error}") from error
        if not chunk and not decompressor.unconsumed_tail and not decompressor.eof:
            raise ValueError("truncated gzip data")
        output += chunk
        if len(output) > max_bytes:
            raise ValueError(f"gzip data decompresses to more than {max_bytes} bytes")
        pending = decompressor.unconsumed_tail
    return decompressor.unused_data


def _parse_date(value: str | None) -> datetime | None:
    """``value`` read as an RFC 822 or ISO-8601 date, in UTC, or ``None``."""
    text = " ".join((value or "").split())
    if not text:
        return None
    try:
        moment = _parse_iso_date(text) or _parse_rfc822_date(text)
        return moment.astimezone(UTC) if moment else None
    except (ValueError, OverflowError):
        return None


def _parse_iso_date(text: str) -> datetime | None:
    """``text`` read as an ISO-8601 / W3C date, or ``None`` if it is not one.

    :raises ValueError: if it has the form but not the values of a date.
    """
    match = ISO_DATE.fullmatch(text)
    if match is None:
        return None
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    return datetime(
        int(match["year"]),
        int(match["month"] or 1),
        int(match["day"] or 1),
        int(match["hour"] or 0),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int(fraction),
        tzinfo=_iso_zone(match["zone"]),
    )


def _iso_zone(zone: str | None) -> timezone:
    """The time zone of an ISO-8601 zone designator; none means UTC."""
    if zone is None or zone.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(-offset if zone.startswith("-") else offset)


def _parse_rfc822_date(text: str) -> datetime | None:
    """``text`` read as an RFC 822 date, or ``None`` if it is not one; no zone means UTC.

    :raises ValueError: if it has the form but not the values of a date.
    """
    zone_name = ZONE_NAME.search(text)
    if zone_name and zone_name[1].upper() in ZONE_OFFSETS:
        text = text[: zone_name.start(1)] + ZONE_OFFSETS[zone_name[1].upper()]
    parts = parsedate_tz(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    offset = timedelta(seconds=parts[9] or 0)
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset))


def _iso_utc(moment: datetime) -> str:
    """``moment`` as ISO-8601 in UTC, to the second, with its ``+00:00`` offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")
