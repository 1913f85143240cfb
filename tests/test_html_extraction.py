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
from trafilatura.utils import INVALID_XML_CHARS
from trafilatura.utils import repair_faulty_html as trafilatura_repair

from pipelines.extraction.decoding import decode_body
from pipelines.extraction.html import (
    DEFAULT_OPTIONS,
    XML_FORBIDDEN_CHARS,
    HtmlExtractionOptions,
    clean_lines,
    extract_html,
    extract_text,
    page_references,
    parse_html,
    repair_faulty_html,
)
from pipelines.extraction.metric import score_page
from pipelines.extraction.result import Extraction

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
        assert extraction.author is None, "no reader or chrome name stands in"


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


def test_text_path_gives_the_text_of_the_full_extraction(page: Page) -> None:
    html, _ = decode_body(page.raw)
    text = extract_text(
        parse_html(html), page.expected["fetched_url"], HtmlExtractionOptions()
    ).text
    assert text == extracted(page).text


STORY_URL = "https://news.example.com/world/2026/11/20/storm-hits-coast"
STORY = (
    "The storm reached the coast early on Friday, bringing winds of more than 120 kilometres"
    " an hour and heavy rain to towns along the bay.",
    "Emergency services said hundreds of homes had lost power overnight, and several roads"
    " into the port were closed by fallen trees and flooding.",
    "Residents who had left their homes on Thursday were told to stay with relatives or in"
    " the shelters opened in schools until the warning is lifted.",
    "Forecasters expect the rain to ease by Sunday, although rivers in the hills are likely"
    " to keep rising for another day as the water drains down.",
)


def story_text(middle: str, options: HtmlExtractionOptions = DEFAULT_OPTIONS) -> str:
    """The text of a small article page with ``middle`` between its 2nd and 3rd paragraphs."""
    before, after = ("".join(f"<p>{line}</p>" for line in part) for part in (STORY[:2], STORY[2:]))
    html = (
        "<html><head><title>Storm hits the coast | Example News</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>Storm hits the coast</h1>{before}{middle}{after}</article>"
        "<footer>About us</footer></body></html>"
    )
    return extract_text(parse_html(html), STORY_URL, options).text


def test_embedded_post_is_kept() -> None:
    tweet = (
        "<div class='social-media-embed'><blockquote class='twitter-tweet'><p>Worst storm I"
        " have seen in thirty years of living here, stay safe everyone</p>&mdash; A Resident"
        " <a href='https://twitter.com/resident/status/1'>November 20, 2026</a></blockquote></div>"
    )
    assert "Worst storm I have seen in thirty years" in story_text(tweet)


def test_hover_card_is_dropped_and_the_name_that_opens_it_kept() -> None:
    sentence = (
        "<p>The mayor, <span class='rollover-people'><a class='rollover-people-link'"
        " href='/people/jane-doe'>Jane Doe</a><span class='rollover-people-block'><a"
        " href='/news/jane-doe-wins-again'>Jane Doe wins the election again after a long"
        " count</a></span></span>, said the town was ready and thanked the volunteers.</p>"
    )
    text = story_text(sentence)
    assert "The mayor, Jane Doe, said the town was ready" in text
    assert "wins the election" not in text


@pytest.mark.parametrize(
    "markup",
    [
        "<div>The harbour master moved the boats.<div class='br'></div>Fishermen expect to be"
        " back at sea by Monday morning at the latest.</div>",
        "<p><span id='more-5129'></span>Fishermen expect to be back at sea by Monday morning at"
        " the latest.</p>",
    ],
)
def test_text_after_an_empty_element_is_kept(markup: str) -> None:
    assert "Fishermen expect to be back at sea by Monday morning" in story_text(markup)


def test_line_between_paragraphs_is_kept_but_not_an_ad_slot() -> None:
    subheading = "<div class='story-subheadline'>What happens next?</div>"
    ad_slot = "<div class='slot'><span>Advert</span><script>showAd()</script></div>"
    middle = "<p>The coastguard has asked people to keep away from the sea front.</p>"
    text = story_text(subheading + middle + ad_slot)
    assert "What happens next?" in text.splitlines()
    without = story_text(
        subheading + middle + ad_slot,
        HtmlExtractionOptions(disabled_rules=frozenset({"lines_between_paragraphs"})),
    )
    assert ("Advert" in text) == ("Advert" in without), "the rule makes no paragraph of it"


def test_lines_linking_to_other_articles_are_dropped() -> None:
    links = (
        "<a href='/world/2026/11/19/floods-close-schools'>Floods close schools across the"
        " region</a><a href='/world/2026/11/18/sea-wall'>Sea wall repairs to cost millions</a>"
        "<a href='/'>Example News, the home of local news</a>"
        "<a href='https://shop.example.org/radio'>Get a wind-up radio for $39.99</a>"
    )
    tree = parse_html(f"<html><body><article>{links}</article></body></html>")
    kept = [
        STORY[0],
        "The council voted on Tuesday. Sea wall repairs to cost millions",
        "Example News, the home of local news",
        "Get a wind-up radio for $39.99",
    ]
    dropped = [
        "Floods close schools across the region [VIDEO]",
        "See more: Sea wall repairs to cost millions",
    ]
    text = clean_lines(
        "\n".join([*kept[:2], *dropped, *kept[2:]]), page_references(tree), STORY_URL
    )
    assert text.splitlines() == kept


def test_copyright_notice_is_dropped() -> None:
    text = story_text("<p>Boats in the harbour, photo © Example News 2026</p>")
    assert "©" not in text
    assert text.splitlines()[-1] == STORY[-1]


def test_article_in_a_block_named_bottom_is_kept() -> None:
    story = "".join(f"<p>{line}</p>" for line in STORY)
    html = f"<html><body><div class='story-bottom'>{story}</div></body></html>"
    text = extract_text(parse_html(html), STORY_URL, HtmlExtractionOptions()).text
    assert text.splitlines() == list(STORY)


def test_whole_cascade_runs_after_the_fast_path_took_the_page() -> None:
    """The fast path takes the parsed page itself; the cascade reads it again, and the
    metadata was read before either."""
    notice = (
        "We use cookies and similar technologies to give you a better experience, to measure"
        " how the site is used and to show you offers that may interest you. You can change"
        " your choices at any time in the privacy settings at the bottom of every page."
    )
    document = {
        "@type": "NewsArticle",
        "headline": "Storm hits the coast",
        "author": {"name": "Jane Doe"},
        "articleBody": " ".join(STORY),
    }
    html = (
        "<html><head><title>Storm hits the coast</title><script type='application/ld+json'>"
        f"{json.dumps(document)}</script></head><body><div id='app'><p>{notice}</p></div>"
        "</body></html>"
    )
    extraction = extract_html(html, STORY_URL, HtmlExtractionOptions())
    assert extraction.full_extraction
    assert extraction.text == " ".join(STORY)
    assert (extraction.title, extraction.author) == ("Storm hits the coast", "Jane Doe")


def test_the_forbidden_characters_are_those_trafilatura_deletes() -> None:
    deleted = {char for char in map(chr, range(0x110000)) if INVALID_XML_CHARS.match(char)}
    assert set(XML_FORBIDDEN_CHARS) == deleted


@pytest.mark.parametrize(
    "markup",
    [
        "<html><body><p>Plain page</p></body></html>",
        "<html><body><p>Stray\x00 bytes\x1f and\ufffe more</p></body></html>",
        "<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN'/>\n<html><body>Text</body></html>",
        "<?xml version='1.0'?>\n<html lang='en' />\n<body>Text\x0b</body>",
    ],
)
def test_repairs_are_trafilaturas(markup: str) -> None:
    beginning = markup[:50].lower()
    assert repair_faulty_html(markup, beginning) == trafilatura_repair(markup, beginning)
