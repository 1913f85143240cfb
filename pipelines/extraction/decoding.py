"""Raw bytes to text: binary sniffing and charset resolution.

The order follows what browsers do, with one guard browsers do not need: a declared charset
is only believed when the bytes decode under it, all but a few damaged ones, so a page that
lies about its charset is detected instead of turned into mojibake or an exception.

1. a byte order mark;
2. the charset declared by the transport (HTTP ``Content-Type``);
3. for HTML, the charset declared in the markup (``<meta charset>``, ``http-equiv``);
4. strict UTF-8;
5. statistical detection (charset-normalizer);
6. windows-1252 with replacement characters, which decodes any byte string.
"""

from __future__ import annotations

import re

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from pipelines.extraction.result import Skipped

SNIFF_BYTES = 8192
"""How much of the body is looked at to tell text from binary."""

BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x7fELF", "elf"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
)

CONTROL_BYTES = bytes(sorted(frozenset(range(0, 32)) - {9, 10, 12, 13, 27}))
"""Bytes that text practically never contains (tab, newlines, form feed and escape allowed)."""

NOT_CONTROL_BYTES = bytes(byte for byte in range(256) if byte not in CONTROL_BYTES)

MAX_NUL_SHARE = 0.01
"""Above this share of NUL bytes in the sniffed window a body is binary (UTF-16 text without
a byte order mark included: half its bytes are NUL). Fewer are stray bytes in a text, which
HTML parsers drop, and count as control bytes."""

MAX_CONTROL_SHARE = 0.05
"""Above this share of control bytes (NUL included) in the sniffed window a body is binary.
Random bytes hold about 10.5 %; text practically none."""

SINGLE_BYTE_LEGACY = frozenset({"cp1252", "iso8859-1", "iso8859-15", "ascii", "cp1250"})

NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode"})
"""Python text codecs a label may name that are not character sets: they read backslash
escapes or domain names, and would rewrite the page rather than decode it."""

MAX_UNDECODABLE_SHARE = 0.05
"""A declared charset is believed while the non-ASCII bytes it cannot decode stay under this
share of them: a stray byte (a truncated character, a byte pasted from elsewhere) damages a
character, as in a browser, rather than sending the whole page to detection, which can pick
a wrong legacy charset and garble every accented letter."""

ASCII_BYTES = bytes(range(128))

UNDECODABLE_BYTE = re.compile("[\udc80-\udcff]")
"""A byte that did not decode, as the ``surrogateescape`` error handler writes it."""

WEB_DEFAULT_ENCODING = "cp1252"
"""The legacy encoding most of the web's undeclared pages use (and browsers' fallback in most
locales): the one detection picks when it rates it as likely as the best."""


def binary_kind(body: bytes) -> str | None:
    """Name the kind of binary data ``body`` holds, or ``None`` when it looks like text.

    Formats are told by their signature; anything else with more than a few NUL bytes
    (:data:`MAX_NUL_SHARE`) or control bytes (:data:`MAX_CONTROL_SHARE`) near the start is
    plain ``binary``.

    :param body: the raw bytes as received.
    """
    bom_encoding, _ = read_bom(body)
    if bom_encoding is not None:
        return None
    for signature, kind in BINARY_SIGNATURES:
        if body.startswith(signature):
            return kind
    window = body[:SNIFF_BYTES]
    if not window:
        return None
    if window.count(b"\x00") / len(window) > MAX_NUL_SHARE:
        return "binary"
    controls = len(window.translate(None, NOT_CONTROL_BYTES))
    if controls / len(window) > MAX_CONTROL_SHARE:
        return "binary"
    return None


def _decodes(body: bytes, encoding: str) -> bool:
    """Whether ``body`` is text in ``encoding``: a label naming a codec that is not a text
    encoding (``base64``, ``hex``, ``rot13``, ``zlib``, ``undefined``) never is."""
    try:
        body.decode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def _mostly_decodes(body: bytes, encoding: str) -> bool:
    """Whether ``body`` is text in ``encoding`` but for a few damaged bytes: under
    :data:`MAX_UNDECODABLE_SHARE` of its non-ASCII bytes fail to decode. A page in another
    charset fails on nearly all of them."""
    if _decodes(body, encoding):
        return True
    try:
        text = body.decode(encoding, "surrogateescape")
    except (UnicodeError, LookupError):
        return False
    undecodable = len(UNDECODABLE_BYTE.findall(text))
    return undecodable < MAX_UNDECODABLE_SHARE * len(body.translate(None, ASCII_BYTES))


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    return not body.isascii() and _decodes(body, "utf-8")


def _believable(body: bytes, label: str | None) -> str | None:
    """The codec named by ``label`` if the body really decodes under it (but for a few
    damaged bytes: :func:`_mostly_decodes`), else ``None``."""
    if not label:
        return None
    encoding = resolve_encoding(label)
    if encoding is None or encoding in NOT_CHARSETS or not _mostly_decodes(body, encoding):
        return None
    if encoding in SINGLE_BYTE_LEGACY and _is_utf8_with_non_ascii(body):
        # Single-byte charsets decode any bytes, so a UTF-8 page mislabelled as latin-1
        # would "decode" into mojibake: valid multi-byte UTF-8 is the stronger evidence.
        return "utf-8"
    return encoding


def _detected(body: bytes) -> str | None:
    """The encoding charset-normalizer finds likeliest, if the whole body decodes under it.

    When it rates :data:`WEB_DEFAULT_ENCODING` as likely as its best (it cannot tell
    windows-1250, -1252 and -1257 apart on a short French or Spanish page), that one.
    """
    matches = from_bytes(body[: 1024 * 1024])
    match = matches.best()
    if match is None:
        return None
    for candidate in matches:
        if (
            resolve_encoding(candidate.encoding) == WEB_DEFAULT_ENCODING
            and candidate.chaos == match.chaos
            and candidate.coherence == match.coherence
        ):
            match = candidate
    encoding = resolve_encoding(match.encoding)
    return encoding if encoding and _decodes(body, encoding) else None


def decode_body(body: bytes, declared: str | None = None, *, html: bool = True) -> tuple[str, str]:
    """Decode a page's raw bytes.

    :param body: the raw bytes as received.
    :param declared: the charset the transport declared (``Content-Type``), if any.
    :param html: look for a charset declared in the markup too.
    :returns: ``(text, encoding)``, the encoding being a Python codec name.
    :raises Skipped: ``binary`` when the bytes are not text at all.
    """
    kind = binary_kind(body)
    if kind is not None:
        raise Skipped("binary", kind)
    bom_encoding, bom = read_bom(body)
    if bom_encoding is not None and bom is not None:
        return body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding
    candidates = [declared]
    if html:
        candidates.append(html_body_declared_encoding(body))
    for label in candidates:
        encoding = _believable(body, label)
        if encoding is not None:
            return body.decode(encoding, "replace"), encoding
    if _decodes(body, "utf-8"):
        return body.decode("utf-8"), "utf-8"
    encoding = _detected(body) or "cp1252"
    return body.decode(encoding, "replace"), encoding
