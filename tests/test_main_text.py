"""The page's own evidence of its main text (pipelines/extraction/main_text.py)."""

from __future__ import annotations

from pipelines.extraction.html import parse_html
from pipelines.extraction.json_ld import json_ld_documents
from pipelines.extraction.main_text import MainText, main_text

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
