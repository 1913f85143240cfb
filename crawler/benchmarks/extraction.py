"""Extraction quality and speed against gold text: what ``scrapy extraction_benchmark FOLDER``
runs.

``FOLDER`` is laid out like ``article-extraction-benchmark`` (scrapinghub): ``html/<id>.html.gz``
pages and ``ground-truth.json`` mapping each id to ``{"articleBody": ..., "url": ...}``. Each
page is decoded once, then extracted by the project's HTML extraction (as the crawl runs it,
with the ``EXTRACT_*`` settings) and by plain ``trafilatura.extract`` with its defaults, the
two taking turns page by page so that both see the same machine load. It prints token
precision, recall and F1 (4-token shingles, :mod:`pipelines.extraction.metric`) per page and
overall for both, and pages per second for both.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from pipelines.extraction.decoding import decode_body
from pipelines.extraction.html import extract_html
from pipelines.extraction.metric import score_corpus, score_page
from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.result import NotArticle

LOW_F1 = 0.8
"""Pages scoring below this F1 are listed at the end of the report."""


@dataclass(frozen=True)
class GoldPage:
    """A benchmark page: its decoded HTML, the URL it was fetched from, the gold text."""

    id: str
    html: str
    url: str | None
    gold: str


def gold_pages(folder: Path, limit: int | None = None) -> Iterator[GoldPage]:
    """The pages of a benchmark folder, in id order, decoded as the crawl decodes them.

    :param folder: a folder holding ``ground-truth.json`` and ``html/<id>.html.gz``.
    :param limit: read only the first ``limit`` pages.
    """
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth)[:limit]:
        raw = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        html, _ = decode_body(raw, None, html=True)
        entry = truth[page_id]
        yield GoldPage(page_id, html, entry.get("url"), entry.get("articleBody") or "")


@dataclass
class Contender:
    """One extractor under test: its name, what it runs, and what it gave and took."""

    name: str
    extract: Callable[[GoldPage], str]
    texts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def run(self, page: GoldPage) -> None:
        started = time.perf_counter()
        text = self.extract(page)
        self.seconds += time.perf_counter() - started
        self.texts.append(text)

    def pages_per_second(self) -> float:
        return len(self.texts) / self.seconds if self.seconds else 0.0


def project_extraction(options: HtmlExtractionOptions) -> Callable[[GoldPage], str]:
    """The crawl's HTML extraction; a page it rejects gives no text."""

    def extract(page: GoldPage) -> str:
        try:
            return extract_html(page.html, page.url, options).text
        except NotArticle:
            return ""

    return extract


def trafilatura_defaults(page: GoldPage) -> str:
    """``trafilatura.extract`` as a user would call it, with its defaults."""
    return trafilatura.extract(page.html) or ""


def run(pages: list[GoldPage], contenders: list[Contender]) -> None:
    """Run every contender on every page, alternating who goes first."""
    for number, page in enumerate(pages):
        order = contenders if number % 2 == 0 else contenders[::-1]
        for contender in order:
            contender.run(page)


def report(pages: list[GoldPage], contenders: list[Contender], per_page: bool) -> list[str]:
    """The printed report: per page (optionally), overall, the low pages, and speed."""
    names = "  ".join(f"{c.name:>26}" for c in contenders)
    lines = [
        f"{'page':<12}  {names}",
        f"{'':<12}  " + "  ".join(f"{'P':>8}{'R':>9}{'F1':>9}" for _ in contenders),
    ]
    scores = {
        c.name: [score_page(text, page.gold) for text, page in zip(c.texts, pages, strict=True)]
        for c in contenders
    }
    if per_page:
        for index, page in enumerate(pages):
            cells = "  ".join(
                "{:8.3f} {:8.3f} {:8.3f}".format(*scores[c.name][index]) for c in contenders
            )
            lines.append(f"{page.id[:12]:<12}  {cells}")
    overall = "  ".join(
        "{:8.4f} {:8.4f} {:8.4f}".format(
            *score_corpus([(t, p.gold) for t, p in zip(c.texts, pages, strict=True)])
        )
        for c in contenders
    )
    lines.append(f"{'overall':<12}  {overall}")
    for contender in contenders:
        low = [
            (page.id[:12], s[2])
            for page, s in zip(pages, scores[contender.name], strict=True)
            if s[2] < LOW_F1
        ]
        listed = ", ".join(f"{page_id} {f1:.3f}" for page_id, f1 in low) or "none"
        lines.append(f"{contender.name}: pages below F1 {LOW_F1}: {listed}")
    for contender in contenders:
        lines.append(
            f"{contender.name}: {len(pages)} pages in {contender.seconds:.2f} s,"
            f" {contender.pages_per_second():.1f} pages/s"
        )
    baseline = contenders[-1]
    for contender in contenders[:-1]:
        if contender.seconds and baseline.seconds:
            lines.append(
                f"time per page, {contender.name} / {baseline.name}:"
                f" {contender.seconds / baseline.seconds:.2f}"
            )
    return lines
