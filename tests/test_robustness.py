"""The extraction fixes the hostile corpus and the fuzzer led to, each pinned by a small case.

The whole-crawl view is in ``test_hostile_inputs.py``; the fuzzing in ``test_fuzz.py``.
"""

from __future__ import annotations

import random

import pytest

from pipelines.extraction.decoding import binary_kind, decode_body
from pipelines.extraction.html import MAX_NESTING_DEPTH, flatten_nesting, parse_html
from pipelines.extraction.json_ld import json_ld_documents
from tests.hostile import CP1252_LEAD, FIXTURES, STORY, article_html, paragraphs


def depth(tree) -> int:
    return max(sum(1 for _ in element.iterancestors()) for element in tree.iter())


@pytest.mark.parametrize("levels", [300, 5_000, 100_000])
def test_markup_nested_past_the_parser_limit_keeps_its_text_and_paragraphs(levels: int) -> None:
    body = "<div>" * levels + paragraphs("Lead.") + "</div>" * levels
    tree = parse_html(article_html("Nested", "", body=body))
    assert [p.text_content() for p in tree.iter("p")] == ["Lead.", *STORY]
    assert tree.find(".//footer") is not None, "the page goes on after the nesting"
    assert depth(tree) <= MAX_NESTING_DEPTH + 2


def test_flattening_keeps_the_tags_near_the_text_and_the_end_tags_matched() -> None:
    html = "<section>" + "<div>" * 10 + "<p><b>bold</b> text</p>" + "</div>" * 10 + "</section>"
    flat = flatten_nesting(html, max_depth=6, inner_depth=3)
    assert flat == "<section><div><div><p><b>bold</b> text</p></div></div></section>"
    assert flatten_nesting(html, max_depth=20) is html, "nothing to do: the same string"


def test_flattening_reads_raw_text_elements_and_comments_whole() -> None:
    html = "<script>'<div><div><div>'</script><!-- <div><div> -->" + "<div>" * 3 + "x"
    assert flatten_nesting(html, max_depth=2, inner_depth=1) == html.replace(
        "<div><div><div>x", "<div>x"
    )


def test_a_real_page_is_not_flattened() -> None:
    page = (FIXTURES / "000_bbc.html").read_text(encoding="utf-8")
    assert flatten_nesting(page) is page


def test_json_ld_nested_too_deep_is_left_out() -> None:
    data = "[" * 100_000 + "]" * 100_000
    head = f'<script type="application/ld+json">{data}</script>'
    tree = parse_html(f"<html><head>{head}</head><body><p>text</p></body></html>")
    assert json_ld_documents(tree) == []


def test_stray_nul_bytes_do_not_make_a_text_binary() -> None:
    page = article_html("Stray", "Lead.").replace("</p>", "\x00</p>", 3).encode()
    assert binary_kind(page) is None
    assert "\x00" in decode_body(page)[0], "the HTML parser drops them"


@pytest.mark.parametrize(
    "body",
    [
        random.Random(3).randbytes(8192),
        "<p>UTF-16 without a byte order mark</p>".encode("utf-16-le"),
        b"text\x00\x00\x00\x00" * 100,
        bytes(range(1, 32)) * 20,
    ],
    ids=["random", "utf-16-no-bom", "nul-rich", "control-bytes"],
)
def test_binary_bodies_are_still_binary(body: bytes) -> None:
    assert binary_kind(body) == "binary"


@pytest.mark.parametrize(
    "label",
    [
        *("base64", "hex", "rot13", "zlib", "bz2", "uu", "quopri", "undefined"),
        *("unicode_escape", "raw_unicode_escape", "idna", "punycode"),
    ],
)
def test_labels_of_codecs_that_are_not_charsets_are_not_believed(label: str) -> None:
    page = article_html("Label", CP1252_LEAD + r" C:\new\table \u0041", head="")
    assert decode_body(page.encode("utf-8"), label) == (page, "utf-8")
    declared = page.replace("<title>", f'<meta charset="{label}"><title>')
    assert decode_body(declared.encode("utf-8")) == (declared, "utf-8")


def test_detection_prefers_windows_1252_when_it_cannot_tell() -> None:
    page = article_html("Le pont", CP1252_LEAD)  # declares utf-8
    text, encoding = decode_body(page.encode("cp1252"))
    assert (text, encoding) == (page, "cp1252")
