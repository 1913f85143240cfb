"""One page's raw bytes to an :class:`Extraction`: the function worker processes run."""

from __future__ import annotations

from pipelines.clustering.features import article_features
from pipelines.cpu_clock import CpuClock
from pipelines.extraction.decoding import decode_body
from pipelines.extraction.html import extract_html
from pipelines.extraction.language import detect_language
from pipelines.extraction.options import (
    EVERY_STAGE_INPUT,
    HtmlExtractionOptions,
    StageInputs,
)
from pipelines.extraction.result import Extraction, Skipped
from pipelines.extraction.shingles import fingerprint
from pipelines.extraction.text import clean_capture

FORMATS = ("html", "text")


def extract_page(
    body: bytes,
    page_format: str,
    url: str,
    declared_encoding: str | None,
    options: HtmlExtractionOptions,
    stage_inputs: StageInputs = EVERY_STAGE_INPUT,
) -> Extraction:
    """Decode a page and extract its article.

    :param body: the raw bytes as read.
    :param page_format: ``html`` for markup, ``text`` for a plain-text capture of a page.
    :param url: where the page was read from.
    :param declared_encoding: the charset the transport declared, if any.
    :param options: how HTML extraction is run.
    :param stage_inputs: what is computed besides the article.
    :raises Rejected: (a subclass naming the outcome) when the page yields no article.
    """
    if page_format not in FORMATS:
        raise ValueError(f"unknown page format {page_format!r}")
    clock = CpuClock()
    with clock.stage("decode"):
        text, encoding = decode_body(body, declared_encoding, html=page_format == "html")
    if not text.strip():
        raise Skipped("empty")
    if page_format == "html":
        extract = extract_html(text, url, options, clock)
    else:
        with clock.stage("text_capture"):
            extract = clean_capture(text)
    extract.encoding = encoding
    with clock.stage("language"):
        extract.language = detect_language(extract.text) or extract.language
    if stage_inputs.fingerprint:
        with clock.stage("fingerprint"):
            extract.signature, extract.shingles = fingerprint(extract.text)
    if stage_inputs.story_features:
        with clock.stage("story_features"):
            extract.story_features = article_features(extract.title, extract.text)
    extract.cpu_seconds = clock.seconds
    return extract
