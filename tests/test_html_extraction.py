"""The HTML path strips page chrome: seed articles wrapped in realistic news-page markup.

Each fixture in ``tests/data/html/`` is a hand-written page (cookie banner, navigation, share
bar, captions, inline "Read more" teasers, newsletter box, most-read lists, comments, footer)
around the body paragraphs of one seed capture, copied verbatim. Its ``.json`` sidecar states
what the page says about itself and lists chrome strings that must not reach the text. The
reference body is the gold article body in ``tests/data/seeds_gold/<seed>``.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.extraction.decoding import decode_body
from pipelines.extraction.html import HtmlExtractionOptions, extract_html
from pipelines.extraction.result import Extraction
from tests.metric import score_page

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = DATA / "html"
GOLD = DATA / "seeds_gold"
MIN_F1 = 0.95

PAGES = sorted(path.stem for path in FIXTURES.glob("*.html"))


@dataclass(frozen=True)
class Page:
    name: str
    raw: bytes
    expected: dict

    @property
    def reference(self) -> str:
        return (GOLD / self.expected["seed"]).read_text(encoding="utf-8")


def load_page(name: str) -> Page:
    return Page(
        name=name,
        raw=(FIXTURES / f"{name}.html").read_bytes(),
        expected=json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")),
    )


_extractions: dict[str, Extraction] = {}


def extracted(page: Page) -> Extraction:
    """Decode and extract a fixture once per test session."""
    if page.name not in _extractions:
        text, encoding = decode_body(page.raw)
        extraction = extract_html(text, page.expected["fetched_url"], HtmlExtractionOptions())
        extraction.encoding = encoding
        _extractions[page.name] = extraction
    return _extractions[page.name]


@pytest.fixture(params=PAGES)
def page(request: pytest.FixtureRequest) -> Page:
    return load_page(request.param)


def test_there_are_fixtures_for_the_line_based_seeds() -> None:
    seeds = {load_page(name).expected["seed"][:3] for name in PAGES}
    assert {"002", "003", "004"} <= seeds
    assert len(PAGES) >= 3


def test_fixture_is_consistent_with_its_seed(page: Page) -> None:
    """Guard the fixtures themselves: verbatim body, chrome strings that are really chrome."""
    source = html_lib.unescape(decode_body(page.raw)[0])
    for line in page.reference.splitlines():
        assert line.strip() in source, f"gold paragraph not verbatim in {page.name}: {line[:60]}"
    for chrome in page.expected["chrome"]:
        assert chrome in source, f"{chrome!r} is listed as chrome but is not on the page"
        assert chrome not in page.reference, f"{chrome!r} is part of the article body"
    for sentence in (page.expected["first_sentence"], page.expected["last_sentence"]):
        assert sentence in page.reference


def test_charset_declared_in_meta_is_honoured(page: Page) -> None:
    expected_encoding = page.expected.get("encoding", "utf-8")
    if expected_encoding != "utf-8":
        with pytest.raises(UnicodeDecodeError):
            page.raw.decode("utf-8")
    assert extracted(page).encoding == expected_encoding
    assert "\ufffd" not in extracted(page).text


def test_metadata(page: Page) -> None:
    extraction = extracted(page)
    assert extraction.title == page.expected["title"]
    assert extraction.url == page.expected["url"]
    assert extraction.date_published == page.expected["date_published"]
    if page.expected["authors"]:
        assert extraction.author is not None
        for name in page.expected["authors"]:
            assert name in extraction.author
    else:
        # The page names no person (an organisation byline): no reader or chrome name stands in.
        assert extraction.author is None


def test_body_is_complete(page: Page) -> None:
    text = extracted(page).text
    assert page.expected["first_sentence"] in text
    assert page.expected["last_sentence"] in text
    lines = text.splitlines()
    for heading in page.expected["subheadings"]:
        assert heading in lines, f"subheading {heading!r} missing or merged into a paragraph"


def test_chrome_is_stripped(page: Page) -> None:
    text = extracted(page).text
    left = [chrome for chrome in page.expected["chrome"] if chrome in text]
    assert not left, f"chrome left in {page.name}: {left}"


def test_text_matches_the_gold_body(page: Page) -> None:
    precision, recall, f1 = score_page(extracted(page).text, page.reference)
    assert f1 >= MIN_F1, f"{page.name}: P={precision:.3f} R={recall:.3f} F1={f1:.3f}"


def test_headline_is_not_repeated_in_the_text(page: Page) -> None:
    first_line = extracted(page).text.splitlines()[0]
    assert re.sub(r"\s+", " ", first_line).strip() != page.expected["title"]
