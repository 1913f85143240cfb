"""What an extractor returns, and how it says no."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field

from pipelines.extraction.words import WORD, count_words

__all__ = [
    "WORD",
    "Extraction",
    "ExtractionError",
    "FetchFailed",
    "NotArticle",
    "Rejected",
    "Skipped",
    "nfc",
]


def nfc(text: str) -> str:
    """``text`` in Unicode normalization form C (composed characters, as most of the web and
    most search tools write them), so that the same word is stored the same way whatever
    form its page used."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


@dataclass
class Extraction:
    """The article found in one page: clean text and the metadata the page states.

    :param text: the article body, paragraphs separated by single newlines.
    :param extractor: name and version of what produced ``text``, e.g. ``trafilatura 2.3.1``.
    :param date_source: where ``date_published`` was found: ``json_ld``, ``meta``, ``time``,
        ``url`` or ``text``.
    :param tags: the page's tags, keywords and sections, in page order.
    :param url: the URL the page names for itself (``rel=canonical``, ``og:url``, or the
        first line of a text capture); ``None`` when it names none.
    :param encoding: the character encoding the raw bytes were decoded with.
    :param signature: the text's MinHash signature, and ``shingles`` its shingle hashes
        (:func:`pipelines.extraction.shingles.fingerprint`), for finding copies.
    :param story_features: the weights of the title's and text's features
        (:func:`pipelines.clustering.features.article_features`), for story assignment.
    :param full_extraction: the fast extraction's text was not trusted and trafilatura's whole
        cascade ran too (for the benchmark's report; not stored).
    :param cpu_seconds: the worker's CPU seconds for each stage of this page
        (:mod:`pipelines.cpu_clock`; not stored).

    The text and the names (title, author, description, site name, tags) are kept in Unicode
    normalization form C (:func:`nfc`). ``word_count`` (:func:`~pipelines.extraction.words.
    count_words`: in Chinese, Japanese and Thai, a character a word) and ``text_sha256`` are
    computed from ``text`` when the extraction is made, in the worker process that made it, so
    that the crawl's own process does not spend time on them.
    """

    text: str
    extractor: str
    title: str | None = None
    author: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    date_source: str | None = None
    language: str | None = None
    sitename: str | None = None
    description: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    url: str | None = None
    encoding: str | None = None
    signature: bytes = field(default=b"", repr=False)
    shingles: bytes = field(default=b"", repr=False)
    story_features: dict[int, float] | None = field(default=None, repr=False)
    full_extraction: bool = field(default=False, repr=False)
    cpu_seconds: dict[str, float] = field(default_factory=dict, repr=False)
    word_count: int = field(init=False)
    text_sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = nfc(self.text)
        self.title, self.author, self.description, self.sitename = (
            nfc(value) if value is not None else None
            for value in (self.title, self.author, self.description, self.sitename)
        )
        self.tags = [nfc(tag) for tag in self.tags]
        self.word_count = count_words(self.text)
        self.text_sha256 = hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class Rejected(Exception):
    """A page that yields no article, with the outcome and reason to record for it.

    ``outcome`` is one of ``skipped``, ``not_article`` or ``error``; ``reason`` is a short
    snake_case code (``binary``, ``empty``, ``no_main_text`` ...) used in stats keys and in
    the ``fetches.reason`` column.
    """

    outcome = "error"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{self.outcome}: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[Rejected], tuple[str, str]]:
        # Rebuild from reason and detail when a worker process sends the exception back.
        return (type(self), (self.reason, self.detail))


class Skipped(Rejected):
    """The resource is not something we extract from (binary, empty, too large ...)."""

    outcome = "skipped"


class NotArticle(Rejected):
    """The resource was read but holds no article text."""

    outcome = "not_article"


class ExtractionError(Rejected):
    """Extraction itself failed (a crash, a time-out) on this page."""

    outcome = "error"


class FetchFailed(Rejected):
    """The resource could not be fetched (HTTP error, time-out, refused connection ...)."""

    outcome = "error"
