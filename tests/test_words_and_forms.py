"""Words counted by script, and text stored in one Unicode form, whatever the page's language."""

from __future__ import annotations

import unicodedata

import pytest

from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.page import extract_page
from pipelines.extraction.words import WORD, count_words, has_words

CHINESE = (
    "国务院新闻办公室今天举行发布会，介绍今年前三季度经济运行情况。"
    "国家统计局负责人表示，国民经济总体保持恢复向好态势，就业和物价形势基本稳定。"
    "他说，下一阶段将继续加大宏观政策调控力度，着力扩大国内需求，推动经济实现质的有效提升。"
)
THAI = "รัฐบาลประกาศมาตรการช่วยเหลือเกษตรกรที่ได้รับผลกระทบจากน้ำท่วมในภาคเหนือ"
ENGLISH = "The council approved the budget on Tuesday after a long debate."


def test_words_in_scripts_without_spaces_are_counted_by_character() -> None:
    assert len(WORD.findall(CHINESE)) <= 9
    assert count_words(CHINESE) == sum(1 for char in CHINESE if char.isalpha())
    assert count_words(THAI) > 40
    assert count_words(ENGLISH) == len(WORD.findall(ENGLISH)) == 11
    mixed = "新冠疫苗 BioNTech 2024年"
    assert count_words(mixed) == 4 + 1 + 1 + 1


@pytest.mark.parametrize(
    ("text", "minimum", "expected"), [(ENGLISH, 11, True), (ENGLISH, 12, False)]
)
def test_has_words_reads_no_further_than_needed(text: str, minimum: int, expected: bool) -> None:
    assert has_words(text, minimum) is expected
    assert has_words(CHINESE, 100)


def page(body: str, lang: str) -> bytes:
    return (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>t</title></head>'
        f"<body><article><h1>t</h1>{body}</article></body></html>"
    ).encode()


def test_a_short_chinese_article_is_long_enough_and_its_language_known() -> None:
    paragraphs = "".join(f"<p>{sentence}。</p>" for sentence in CHINESE.split("。") if sentence)
    extraction = extract_page(
        page(paragraphs, "zh"),
        "html",
        "https://news.example.cn/a/1.html",
        None,
        HtmlExtractionOptions(),
    )
    assert extraction.word_count >= 40, "VALIDATE_MIN_WORDS would reject it"
    assert CHINESE.replace("。", "") in extraction.text.replace("。", "").replace("\n", "")
    assert extraction.language == "zh"


def test_text_and_names_are_stored_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Le café de la gare a rouvert après des années.")
    body = "".join(f"<p>{decomposed} {ENGLISH}</p>" for _ in range(5))
    html = page(body, "fr").replace(b"<title>t</title>", f"<title>{decomposed}</title>".encode())
    extraction = extract_page(html, "html", "https://example.fr/a", None, HtmlExtractionOptions())
    assert "café" in extraction.text and "cafe\u0301" not in extraction.text
    assert extraction.title is not None
    assert unicodedata.is_normalized("NFC", extraction.title)
    assert unicodedata.is_normalized("NFC", extraction.text)
