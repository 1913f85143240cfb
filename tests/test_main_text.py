"""The page's own evidence of its main text (pipelines/extraction/main_text.py)."""

from __future__ import annotations

import json

from pipelines.extraction.html import (
    SHORT_TEXT_CHARS,
    HtmlExtractionOptions,
    extract_html,
    parse_html,
)
from pipelines.extraction.json_ld import json_ld_documents
from pipelines.extraction.main_text import MainText, main_text, plain_text

SENTENCES = [
    "The council approved the new budget on Tuesday after a long debate about the schools.",
    "Opposition members said the plan cut too deeply into the money set aside for libraries.",
    "The mayor promised to review the figures again before the end of the financial year.",
    "Residents who spoke at the meeting asked for more time to read the full set of papers.",
]
FACT_BOX = "The council has 51 members, elected every four years, and meets twice a month."


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def article(paragraphs: list[str], tag: str = "p") -> str:
    inner = "".join(f"<{tag}>{text}</{tag}>" for text in paragraphs)
    return f"<article><div class='body'>{inner}</div></article>"


def evidence(html: str) -> MainText:
    tree = parse_html(html)
    assert tree is not None
    return main_text(tree, json_ld_documents(tree))


def test_a_fact_box_in_place_of_the_article_misses_the_prose_group() -> None:
    found = evidence(page(f"<aside><p>{FACT_BOX}</p></aside>" + article(SENTENCES)))
    assert len(found.blocks) == len(SENTENCES)
    assert found.missed_by(FACT_BOX) == "prose group"
    assert found.missed_by("\n".join(SENTENCES)) is None


def test_the_first_paragraphs_of_a_cut_off_article_miss_the_prose_group() -> None:
    found = evidence(page(article(SENTENCES)))
    assert found.missed_by(SENTENCES[0]) == "prose group"
    assert found.missed_by("\n".join(SENTENCES[:3])) is None


def test_lines_of_text_in_div_elements_count_in_unspaced_scripts() -> None:
    japanese = [
        "東京都は十三日、新しい校舎の建設工事を巡る不正について、大学の元理事長を逮捕したと発表した。",
        "捜査関係者によると、元職員の女性は容疑者の側近で、資金の流れの全容解明を進めている。",
    ]
    found = evidence(page(article(japanese, tag="div")))
    assert len(found.blocks) == 2
    assert found.missed_by("カテゴリーをフォローする") == "prose group"


def test_link_lists_scripts_and_short_lines_are_no_prose() -> None:
    links = "".join(f"<p><a href='/a{i}'>{text}</a></p>" for i, text in enumerate(SENTENCES))
    scripted = f"<div><p>{SENTENCES[0]}<script>var x = '{SENTENCES[1]}';</script></p></div>"
    short = "<div><p>Share this</p><p>Follow us</p></div>"
    found = evidence(page(links + scripted + short))
    assert found.blocks == ()
    assert found.missed_by("") is None


def test_a_text_with_under_half_the_json_ld_article_body_misses_it() -> None:
    body = " ".join(SENTENCES * 2)
    head = (
        '<script type="application/ld+json">'
        f'{{"@type": "NewsArticle", "articleBody": "{body}"}}</script>'
    )
    found = evidence(page(f"<div><p>{SENTENCES[0]}</p></div>", head))
    assert found.missed_by(SENTENCES[0]) == "articleBody"
    assert found.missed_by(body) is None
    assert found.support(body) > found.support(SENTENCES[0])


def test_a_cookie_notice_longer_than_the_floor_does_not_stand_for_the_article() -> None:
    body = " ".join(SENTENCES * 3)
    notice = (
        "We and our partners use cookies and similar technologies to store and access"
        " information on your device, to personalise content and ads, to provide social media"
        " features and to analyse our traffic. You can accept all cookies, reject them, or"
        " choose which purposes you allow in the settings at any time."
    )
    assert len(notice) > SHORT_TEXT_CHARS
    head = (
        "<title>Budget approved</title><script type='application/ld+json'>"
        + json.dumps({"@type": "NewsArticle", "headline": "Budget approved", "articleBody": body})
        + "</script>"
    )
    html = page(f"<div class='consent'><p>{notice}</p></div><div id='app'></div>", head)
    extraction = extract_html(html, "https://example.com/news/budget", HtmlExtractionOptions())
    assert extraction.full_extraction
    assert SENTENCES[-1] in extraction.text
    assert "cookies" not in extraction.text
    without = HtmlExtractionOptions(disabled_rules=frozenset({"article_body_fallback"}))
    assert "cookies" in extract_html(html, "https://example.com/news/budget", without).text


def test_an_article_body_in_markup_is_read_as_plain_text() -> None:
    stated = "<p>Tom &amp; Jerry met the mayor.</p><p>He said:<br>\u201cYes.\u201d</p>"
    assert plain_text(stated) == "Tom & Jerry met the mayor.\nHe said:\n\u201cYes.\u201d"
    assert plain_text("  No markup &amp; no breaks  ") == "No markup & no breaks"
