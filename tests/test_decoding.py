"""Bytes to text: byte order marks, declared charsets, lies and detection, binary bodies."""

from __future__ import annotations

import codecs

import pytest

from pipelines.extraction.decoding import binary_kind, decode_body
from pipelines.extraction.result import Skipped

FRENCH = (
    "Le président a déclaré que les troupes américaines quitteraient l'Irak à la fin de l'année. "
    * 3
)
RUSSIAN = (
    "Президент заявил, что американские войска покинут Ирак до конца года, сообщает агентство. " * 3
)
JAPANESE = (
    "大統領は、米軍が年末までにイラクから撤退すると述べた。政府関係者によると、訓練任務は継続される。"
    * 3
)


def html(charset_meta: str, text: str) -> str:
    return f"<html><head>{charset_meta}<title>t</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize(
    ("body", "declared", "expected_encoding"),
    [
        (codecs.BOM_UTF8 + html("", FRENCH).encode("utf-8"), None, "utf-8"),
        (codecs.BOM_UTF16_LE + html("", FRENCH).encode("utf-16-le"), None, "utf-16-le"),
        (html('<meta charset="windows-1252">', FRENCH).encode("cp1252"), None, "cp1252"),
        (
            html(
                '<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', RUSSIAN
            ).encode("koi8-r"),
            None,
            "koi8-r",
        ),
        (html("", RUSSIAN).encode("cp1251"), "windows-1251", "cp1251"),
        (html("", FRENCH).encode("utf-8"), None, "utf-8"),
    ],
    ids=[
        "bom-utf8",
        "bom-utf16",
        "meta-charset",
        "http-equiv",
        "transport-header",
        "undeclared-utf8",
    ],
)
def test_declared_or_marked_charsets_are_used(
    body: bytes, declared: str | None, expected_encoding: str
) -> None:
    text, encoding = decode_body(body, declared)
    assert encoding == expected_encoding
    assert "<p>" in text and "\ufffd" not in text


def test_a_charset_the_bytes_contradict_is_not_believed() -> None:
    body = html('<meta charset="utf-8">', FRENCH).encode("cp1252")
    text, encoding = decode_body(body)
    assert FRENCH in text
    assert encoding != "utf-8"


POLISH = "Zażółć gęślą jaźń: rząd przedstawił projekt ustawy o ochronie środowiska. " * 20


@pytest.mark.parametrize("declared", [None, "utf-8"])
def test_a_declared_charset_wins_over_a_few_damaged_bytes(declared: str | None) -> None:
    body = html('<meta charset="utf-8">', POLISH).encode("utf-8")
    damaged = body.replace("ą".encode(), b"\xc4", 1)
    text, encoding = decode_body(damaged, declared)
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 1
    assert "gęślą jaźń" in text and "środowiska" in text


def test_utf8_labelled_latin1_is_read_as_utf8() -> None:
    body = html('<meta charset="iso-8859-1">', FRENCH).encode("utf-8")
    text, encoding = decode_body(body)
    assert encoding == "utf-8"
    assert FRENCH in text


@pytest.mark.parametrize("text", [FRENCH, RUSSIAN, JAPANESE], ids=["cp1252", "cp1251", "shift_jis"])
def test_undeclared_legacy_charsets_are_detected(text: str) -> None:
    encoding_used = {FRENCH: "cp1252", RUSSIAN: "cp1251", JAPANESE: "shift_jis"}[text]
    decoded, _ = decode_body(html("", text).encode(encoding_used))
    assert text in decoded


def test_an_unknown_charset_label_falls_back_without_error() -> None:
    text, encoding = decode_body(html('<meta charset="x-no-such-charset">', FRENCH).encode("utf-8"))
    assert encoding == "utf-8" and FRENCH in text


def test_plain_text_ignores_markup_declarations() -> None:
    body = ('<meta charset="koi8-r"> ' + FRENCH).encode("utf-8")
    assert decode_body(body, html=False)[1] == "utf-8"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "png"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (b"\x1f\x8b\x08\x00" + bytes(50), "gzip"),
        (b"<html>" + bytes(10) + b"</html>", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
    ],
    ids=["png", "pdf", "gzip", "nul-bytes", "control-bytes"],
)
def test_binary_bodies_are_skipped(body: bytes, kind: str) -> None:
    assert binary_kind(body) == kind
    with pytest.raises(Skipped) as raised:
        decode_body(body)
    assert raised.value.reason == "binary"


def test_utf16_text_with_its_bom_is_not_binary() -> None:
    assert binary_kind(codecs.BOM_UTF16_LE + "plain words".encode("utf-16-le")) is None
