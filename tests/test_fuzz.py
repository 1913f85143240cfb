"""Fuzzing the extraction entry points: whatever the bytes, a valid result or a named refusal.

:func:`~pipelines.extraction.page.extract_page` (both formats), the text cleaner
(:func:`~pipelines.extraction.text.clean_capture`) and
:func:`~pipelines.extraction.decoding.decode_body` get arbitrary bytes, text in many codecs
under true and false charset labels, generated HTML-ish markup, and real pages cut short or
spliced with junk. Each call must give a valid result (a text with no NUL byte, its word count
and digest consistent, and a result that survives the trip back from a worker process) or
raise one of the project's :class:`~pipelines.extraction.result.Rejected` subclasses; nothing
else, and never hang (:data:`HANG_SECONDS`).

Runs are reproducible: examples are derived from the test's name (``derandomize``) and no
example database is kept. Inputs the fuzzer found crashing are pinned as ``@example``.
"""

from __future__ import annotations

import codecs
import hashlib
import pickle
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

import pipelines.extraction.preload  # noqa: F401  (the language model, loaded once)
from pipelines.extraction.decoding import decode_body
from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.page import extract_page
from pipelines.extraction.result import (
    WORD,
    Extraction,
    ExtractionError,
    FetchFailed,
    NotArticle,
    Rejected,
    Skipped,
)
from pipelines.extraction.text import clean_capture
from pipelines.extraction.words import count_words
from tests.hostile import STORY

FIXTURES = Path(__file__).resolve().parent / "data" / "html"
REAL_PAGE = (FIXTURES / "002_cgtn.html").read_bytes()
URL = "https://news.example/2026/11/21/bridge"
OPTIONS = HtmlExtractionOptions()

HANG_SECONDS = 20.0
"""A single call taking longer than this has hung (the slowest examples take well under a
second)."""

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Reproducible runs, no time limit per example (extraction is slow by fuzzing standards; the
hang guard is :data:`HANG_SECONDS`)."""

CODECS = (
    *("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"),
    *("iso-8859-7", "cp1251", "koi8-r", "shift_jis", "euc-jp", "gb18030", "big5", "euc-kr"),
)
"""Codecs text is encoded in before it is handed over as bytes."""

LABELS = (
    *(None, "utf-8", "UTF8", "latin-1", "iso-8859-1", "windows-1252", "shift_jis", "utf-16"),
    *("x-user-defined", "unicode-1-1-utf-7", "no-such-charset", "", "base64", "hex", "rot13"),
    *("zlib", "undefined", "unicode_escape", "idna", "utf-32", "replacement"),
)
"""Charset labels a server or a page may state: true ones, lies, nonsense and the names of
Python codecs that are not text encodings at all."""

TAGS = (
    *("html", "head", "body", "title", "p", "div", "article", "main", "section", "h1", "h2"),
    *("a", "span", "b", "i", "em", "br", "table", "tr", "td", "ul", "ol", "li", "blockquote"),
    *("figure", "figcaption", "time", "nav", "footer", "aside", "form", "input", "img", "pre"),
    *("script", "style", "noscript", "iframe", "svg", "math", "template", "textarea", "select"),
    *("option", "button", "label", "meta", "link", "base", "frameset", "frame", "xmp", "plaintext"),
)
ATTRIBUTES = (
    *("class", "id", "href", "src", "content", "property", "name", "rel", "charset", "lang"),
    *("datetime", "itemprop", "type", "http-equiv", "data-component", "data-testid", "style"),
)
VALUES = (
    *("article", "comments", "share", "og:title", "og:type", "canonical", "author", "utf-8"),
    *("shift_jis", "base64", "application/ld+json", "2026-11-21T10:00:00Z", "0000-00-00", "/"),
    *("https://news.example/a", "javascript:alert(1)", "//", "http://[::1", "file:///etc/passwd"),
    *("text/html; charset=koi8-r", "newsletter", "popup", "related", "x" * 300, ""),
)
ENTITIES = (
    *("&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&#0;", "&#x0;", "&#xD800;", "&#x110000;"),
    *("&#99999999999;", "&bogus;", "&", "&#", "&#x;", "&amp", "&#128512;", "&#x1F600;", "&#65;"),
)
JSON_LD = (
    '{"@type": "NewsArticle", "headline": "Fuzzed", "author": {"name": "A"}}',
    '{"@graph": [{"@type": "WebPage"}, {"@type": "Article", "datePublished": "2026-13-45"}]}',
    '{"@type": ["CollectionPage"], "mainEntity": {"@type": "ItemList"}}',
    "[" * 5000 + "]" * 5000,
    '{"@type": "NewsArticle", "author": ' * 400 + "null" + "}" * 400,
    '{"headline": "\x00\x01", "datePublished": 12345, "author": [null, 1, [], {}]}',
    "{not json",
)

DOCUMENTS = (
    "CONTENT",
    "<html><head><title>Fuzzed page</title></head><body>CONTENT</body></html>",
    "<!DOCTYPE html><html lang=en><head><meta charset=utf-8></head><body><article>CONTENT",
)
"""What generated markup is put in: nothing, or the start (and end) of a page."""


class Hang(BaseException):
    """A call ran past :data:`HANG_SECONDS` (a ``BaseException``: nothing swallows it)."""


def _hung(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"over {HANG_SECONDS:g} s")


@contextmanager
def time_limit() -> Iterator[None]:
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_valid(extraction: Extraction) -> None:
    """What every extraction must be, whatever page it came from."""
    assert isinstance(extraction, Extraction)
    text = extraction.text
    assert isinstance(text, str) and text.strip()
    assert "\x00" not in text
    assert extraction.word_count == count_words(text) >= len(WORD.findall(text))
    assert extraction.text_sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    text.encode("utf-8")  # no lone surrogates: the text can be stored
    for value in (
        extraction.title,
        extraction.author,
        extraction.sitename,
        extraction.description,
        extraction.url,
        extraction.image,
        extraction.language,
        extraction.date_published,
        extraction.date_modified,
    ):
        assert value is None or (isinstance(value, str) and "\x00" not in value)
    assert all(isinstance(tag, str) for tag in extraction.tags)
    if extraction.encoding is not None:
        codecs.lookup(extraction.encoding)
    returned = pickle.loads(pickle.dumps(extraction))  # as a worker process sends it back
    assert returned == extraction


def assert_refusal(rejection: Rejected) -> None:
    assert isinstance(rejection, Skipped | NotArticle | ExtractionError | FetchFailed)
    assert rejection.outcome in ("skipped", "not_article", "error")
    assert rejection.reason and rejection.reason.replace("_", "").isalnum()
    returned = pickle.loads(pickle.dumps(rejection))
    assert (type(returned), returned.reason) == (type(rejection), rejection.reason)


def check(extract: Callable[[], Extraction]) -> None:
    """``extract()`` gives a valid extraction or a refusal, within the time limit."""
    try:
        with time_limit():
            extraction = extract()
    except Rejected as rejection:
        assert_refusal(rejection)
        event(f"{rejection.outcome}: {rejection.reason}")
    else:
        assert_valid(extraction)
        event("article")


def check_page(body: bytes, page_format: str, declared: str | None = None) -> None:
    check(lambda: extract_page(body, page_format, URL, declared, OPTIONS))


def check_capture(text: str) -> None:
    check(lambda: clean_capture(text))


formats = st.sampled_from(("html", "text"))
labels = st.sampled_from(LABELS)


@st.composite
def encoded_text(draw: st.DrawFn) -> bytes:
    """Text (words, markup or anything) encoded in one of :data:`CODECS`."""
    text = draw(
        st.one_of(
            st.text(max_size=400),
            st.lists(st.sampled_from([*STORY, "é€ü", "日本語の文。", "Москва", "\n"])).map(
                " ".join
            ),
        )
    )
    return text.encode(draw(st.sampled_from(CODECS)), "replace")


@st.composite
def markup(draw: st.DrawFn) -> str:
    """HTML-ish text: tags (well formed or not) with attributes, text, entities, comments,
    declarations, JSON-LD, and now and then real paragraphs for the extractor to find."""

    def attribute() -> st.SearchStrategy[str]:
        quoted = st.sampled_from(['"{}"', "'{}'", "{}", '"{}', "{}'"])
        return st.builds(
            lambda name, quote, value: f" {name}={quote.format(value)}",
            st.sampled_from(ATTRIBUTES),
            quoted,
            st.one_of(st.sampled_from(VALUES), st.text(max_size=20)),
        )

    start_tag = st.builds(
        lambda tag, attributes, end: f"<{tag}{''.join(attributes)}{end}",
        st.sampled_from(TAGS),
        st.lists(attribute(), max_size=3),
        st.sampled_from([">", "/>", "", " >"]),
    )
    end_tag = st.sampled_from(TAGS).map(lambda tag: f"</{tag}>")
    piece = st.one_of(
        start_tag,
        end_tag,
        st.text(max_size=40),
        st.sampled_from(ENTITIES),
        st.sampled_from(STORY).map(lambda text: f"<p>{text}</p>"),
        st.sampled_from(JSON_LD).map(lambda data: f'<script type="application/ld+json">{data}'),
        st.sampled_from(
            [
                "<!--",
                "-->",
                "<!DOCTYPE html>",
                "<!DOCTYPE",
                "<?xml version='1.0' encoding='shift_jis'?>",
                '<?xml version="1.0" encoding="utf-16"?>',
                "<![CDATA[",
                "]]>",
                "<html/>",
                "<",
                ">",
                "</",
                "<script>document.write('<p>Written</p>')</script>",
                "\x00",
                "\ufeff",
                "\u2028",
                "\r",
            ]
        ),
    )
    pieces = draw(st.lists(piece, max_size=60))
    nesting = draw(st.sampled_from([0, 0, 0, 300, 3000]))
    content = "<div>" * nesting + "".join(pieces) + "</div>" * nesting
    document = draw(st.sampled_from(DOCUMENTS))
    return document.replace("CONTENT", content)


@st.composite
def damaged_page(draw: st.DrawFn) -> bytes:
    """A real article page, cut short, with a slice removed or with junk spliced in."""
    cut = draw(st.integers(0, len(REAL_PAGE)))
    page = REAL_PAGE[:cut] if draw(st.booleans()) else REAL_PAGE
    start = draw(st.integers(0, len(page)))
    end = draw(st.integers(start, min(len(page), start + 2000)))
    junk = draw(st.one_of(st.just(b""), st.binary(max_size=40), markup().map(str.encode)))
    return page[:start] + junk + page[end:]


@settings(FUZZ, max_examples=300)
@given(body=st.binary(max_size=2000), page_format=formats, declared=labels)
@example(body=b"<p>hello</p>", page_format="html", declared="rot13")
@example(body=b'<meta charset="hex"><p>hello</p>', page_format="html", declared=None)
@example(body=b"aGVsbG8=", page_format="text", declared="base64")
@example(body=b'<meta charset="undefined"><p>x</p>', page_format="html", declared=None)
def test_any_bytes(body: bytes, page_format: str, declared: str | None) -> None:
    check_page(body, page_format, declared)


@settings(FUZZ, max_examples=300)
@given(body=encoded_text(), page_format=formats, declared=labels)
def test_text_in_any_codec_under_any_label(
    body: bytes, page_format: str, declared: str | None
) -> None:
    check_page(body, page_format, declared)


@settings(FUZZ, max_examples=400)
@given(html=markup(), codec=st.sampled_from(("utf-8", "cp1252", "utf-16")), declared=labels)
@example(
    html="<div>" * 100_000 + "".join(f"<p>{text}</p>" for text in STORY) + "</div>" * 100_000,
    codec="utf-8",
    declared=None,
)
@example(
    html='<script type="application/ld+json">' + "[" * 100_000 + "<p>" + STORY[0],
    codec="utf-8",
    declared=None,
)
def test_generated_markup(html: str, codec: str, declared: str | None) -> None:
    check_page(html.encode(codec, "replace"), "html", declared)


@settings(FUZZ, max_examples=150)
@given(body=damaged_page(), declared=labels)
def test_damaged_real_pages(body: bytes, declared: str | None) -> None:
    check_page(body, "html", declared)


@settings(FUZZ, max_examples=300)
@given(
    capture=st.one_of(
        st.text(max_size=3000),
        st.lists(st.sampled_from([*STORY, "\x00", "\n", "Share", "Home", "By Jane Doe"])).map(
            "\n".join
        ),
        st.lists(st.sampled_from(STORY), min_size=1).map(" ".join).map(lambda t: t * 20),
    )
)
@example(capture="\x00" * 10 + "\n".join(STORY))
@example(capture="\n".join(STORY).replace(" ", "\x00"))
def test_text_cleaner(capture: str) -> None:
    check_capture(capture)


@settings(FUZZ, max_examples=500)
@given(
    body=st.one_of(st.binary(max_size=3000), encoded_text()), declared=labels, html=st.booleans()
)
def test_decode_body(body: bytes, declared: str | None, html: bool) -> None:
    try:
        with time_limit():
            text, encoding = decode_body(body, declared, html=html)
    except Skipped as skipped:
        assert skipped.reason == "binary"
        return
    assert isinstance(text, str)
    codecs.lookup(encoding)
    text.encode("utf-8", "surrogatepass")


@settings(FUZZ, max_examples=200)
@given(text=st.text(), bom=st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]), declared=labels)
def test_a_byte_order_mark_decides(text: str, bom: str, declared: str | None) -> None:
    assume(not (bom == "utf-16-le" and text.startswith("\x00")))  # that is a UTF-32 BOM
    marks = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE}
    body = marks.get(bom, codecs.BOM_UTF16_BE) + text.encode(bom)
    assert decode_body(body, declared) == (text, bom)


@settings(FUZZ, max_examples=200)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=["Cc"])), declared=labels)
def test_utf8_text_decodes_to_itself(text: str, declared: str | None) -> None:
    """Plain text that is valid UTF-8 is read as UTF-8, whatever single-byte label it wears."""
    assume(not text.startswith("\ufeff"))  # a byte order mark
    body = text.encode("utf-8")
    if declared in (None, "utf-8", "UTF8", "latin-1", "iso-8859-1", "windows-1252"):
        assert decode_body(body, declared, html=False)[0] == text
