"""Extraction quality and speed against gold text: what ``scrapy extraction_benchmark FOLDER...``
runs.

Two layouts of gold pages are read:

* ``article-extraction-benchmark`` (scrapinghub): ``html/<id>.html.gz`` and
  ``ground-truth.json`` mapping each id to ``{"articleBody": ..., "url": ...}``;
* fundus's test pages: ``html/<id>.html.gz`` and ``gold.json`` mapping each id to
  ``{"body", "language", "url", ...}``.

Each page goes through the crawl's own path, as ``scrapy crawl files`` reads a saved page: its
raw bytes are decoded (:func:`~pipelines.extraction.decoding.decode_body`) and extracted
(:func:`~pipelines.extraction.page.extract_page`) under its ``file://`` URL, and an article
under ``VALIDATE_MIN_WORDS`` words is dropped, so a page the crawl would not store gives no
text. Plain ``trafilatura.extract`` with its defaults runs on the same decoded page; the two
take turns page by page so that both see the same machine load. The report gives token
precision, recall and F1 (4-token shingles, :mod:`pipelines.extraction.metric`) for each folder
overall and per language, the pages the crawl stores nothing for although the gold has a body,
and pages per second.

With ``--ablate``, the extraction runs again without each of its rules
(:data:`~pipelines.extraction.options.RULES`) in turn, and the report gives each rule's F1
with and without it on each folder, and the pages it helps and hurts.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import trafilatura

from pipelines.extraction.decoding import decode_body
from pipelines.extraction.field_metric import (
    NO_FIELDS,
    Fields,
    FieldScores,
    author_scores,
    field_scores,
    same_day,
    same_title,
)
from pipelines.extraction.language import detect_language
from pipelines.extraction.metadata.rules import RULES as METADATA_RULES
from pipelines.extraction.metric import score_corpus, score_page
from pipelines.extraction.options import RULES, HtmlExtractionOptions, StageInputs
from pipelines.extraction.page import extract_page
from pipelines.extraction.result import Rejected

LOW_F1 = 0.8
"""Pages scoring below this F1 are listed at the end of the report."""

CHANGED_F1 = 0.005
"""A rule helps (hurts) a page when the page's F1 with it is this much higher (lower)."""

NO_STAGE_INPUTS = StageInputs(fingerprint=False, story_features=False)

HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([a-zA-Z]{2,3})\b", re.IGNORECASE)


@dataclass(frozen=True)
class GoldPage:
    """A benchmark page: its raw and decoded HTML, its language, the gold text.

    :param file_url: the ``file://`` URL the crawl would read the saved page under.
    :param url: the URL the page was fetched from, as the gold states it.
    """

    id: str
    raw: bytes
    html: str
    file_url: str
    url: str | None
    language: str
    gold: str


def _page_language(raw: bytes, gold: str) -> str:
    """The page's ``<html lang>``, else the language of its gold text, else ``?``."""
    declared = HTML_LANG.search(raw[:4096])
    if declared is not None:
        return declared.group(1).decode("ascii").lower()
    return detect_language(gold) or "?"


def gold_pages(folder: Path, limit: int | None = None) -> Iterator[GoldPage]:
    """The pages of a benchmark folder, in id order.

    :param folder: a folder holding ``ground-truth.json`` or ``gold.json``, and
        ``html/<id>.html.gz``.
    :param limit: read only the first ``limit`` pages.
    :raises ValueError: when the folder holds neither gold file.
    """
    if (folder / "ground-truth.json").is_file():
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        entries = {
            page_id: (entry.get("articleBody") or "", entry.get("url"), None)
            for page_id, entry in truth.items()
        }
    elif (folder / "gold.json").is_file():
        truth = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        entries = {
            page_id: (entry.get("body") or "", entry.get("url"), entry.get("language"))
            for page_id, entry in truth.items()
        }
    else:
        raise ValueError(f"{folder} holds neither ground-truth.json nor gold.json")
    for page_id in sorted(entries)[:limit]:
        gold, url, language = entries[page_id]
        path = (folder / "html" / f"{page_id}.html").resolve()
        raw = gzip.decompress(path.with_suffix(".html.gz").read_bytes())
        html, _ = decode_body(raw, None, html=True)
        language = (language or _page_language(raw, gold)).split("-")[0].lower()
        yield GoldPage(page_id, raw, html, path.as_uri(), url, language, gold)


@dataclass
class Outcome:
    """What an extractor gave for one page: its text, or why it gave none."""

    text: str
    rejection: str | None = None
    full_extraction: bool = False


@dataclass
class Contender:
    """One extractor under test: its name, what it runs, and what it gave and took."""

    name: str
    extract: Callable[[GoldPage], Outcome]
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def run(self, page: GoldPage) -> None:
        started = time.perf_counter()
        outcome = self.extract(page)
        self.seconds += time.perf_counter() - started
        self.outcomes.append(outcome)

    @property
    def texts(self) -> list[str]:
        return [outcome.text for outcome in self.outcomes]

    def pages_per_second(self) -> float:
        return len(self.outcomes) / self.seconds if self.seconds else 0.0


def project_extraction(
    options: HtmlExtractionOptions, min_words: int
) -> Callable[[GoldPage], Outcome]:
    """The crawl's path for a saved page: decoding, extraction, the word minimum."""

    def extract(page: GoldPage) -> Outcome:
        try:
            extraction = extract_page(
                page.raw, "html", page.file_url, None, options, NO_STAGE_INPUTS
            )
        except Rejected as rejection:
            return Outcome("", f"{rejection.outcome}: {rejection.reason}")
        if extraction.word_count < min_words:
            return Outcome("", f"not_article: too_short ({extraction.word_count} words)")
        return Outcome(extraction.text, full_extraction=extraction.full_extraction)

    return extract


def trafilatura_defaults(page: GoldPage) -> Outcome:
    """``trafilatura.extract`` as a user would call it, with its defaults."""
    return Outcome(trafilatura.extract(page.html) or "")


def run(pages: list[GoldPage], contenders: list[Contender]) -> None:
    """Run every contender on every page, alternating who goes first."""
    for number, page in enumerate(pages):
        order = contenders if number % 2 == 0 else contenders[::-1]
        for contender in order:
            contender.run(page)


def _scores(texts: list[str], pages: list[GoldPage]) -> tuple[float, float, float]:
    return score_corpus([(text, page.gold) for text, page in zip(texts, pages, strict=True)])


def _cells(contenders: list[Contender], pages: list[GoldPage], indexes: list[int]) -> str:
    chosen = [pages[i] for i in indexes]
    return "  ".join(
        "{:8.4f} {:8.4f} {:8.4f}".format(*_scores([c.texts[i] for i in indexes], chosen))
        for c in contenders
    )


def report(
    name: str, pages: list[GoldPage], contenders: list[Contender], per_page: bool
) -> list[str]:
    """The printed report of one folder: per page (optionally), overall, per language, the
    pages left empty, the low pages, and speed."""
    names = "  ".join(f"{c.name:>26}" for c in contenders)
    lines = [
        f"== {name}: {len(pages)} pages",
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
    lines.append(f"{'overall':<12}  {_cells(contenders, pages, list(range(len(pages))))}")
    languages: dict[str, list[int]] = {}
    for index, page in enumerate(pages):
        languages.setdefault(page.language, []).append(index)
    for language, indexes in sorted(languages.items(), key=lambda item: -len(item[1])):
        label = f"{language} ({len(indexes)})"
        lines.append(f"  {label:<10}  {_cells(contenders, pages, indexes)}")
    ours, baseline = contenders[0], contenders[-1]
    full = sum(outcome.full_extraction for outcome in ours.outcomes)
    lines.append(
        f"{ours.name}: full extraction ran on {full} of {len(pages)} pages"
        f" ({full / len(pages):.1%})"
    )
    empty = [
        f"{page.id[:24]} ({outcome.rejection or 'empty'})"
        for page, outcome, theirs in zip(pages, ours.outcomes, baseline.outcomes, strict=True)
        if page.gold.strip() and not outcome.text.strip() and theirs.text.strip()
    ]
    lines.append(
        f"{ours.name}: pages with a gold body left empty where {baseline.name} finds text:"
        f" {len(empty)}" + "".join(f"\n  {entry}" for entry in empty)
    )
    for contender in contenders:
        low = [
            (page.id[:24], s[2])
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
    for contender in contenders[:-1]:
        if contender.seconds and baseline.seconds:
            lines.append(
                f"time per page, {contender.name} / {baseline.name}:"
                f" {contender.seconds / baseline.seconds:.2f}"
            )
    return lines


def ablation(
    folders: dict[str, list[GoldPage]],
    full: dict[str, list[str]],
    options: HtmlExtractionOptions,
    min_words: int,
) -> list[str]:
    """Each rule's count: F1 on each folder with every rule and without that one, and the
    pages it helps and hurts (their F1 with the rule higher or lower by :data:`CHANGED_F1`).

    :param folders: the pages of each folder, by name.
    :param full: the texts the extraction with every rule gave, by folder name.
    :param options: the options of the extraction with every rule.
    :param min_words: ``VALIDATE_MIN_WORDS``.
    """
    header = "  ".join(f"{name[:30]:>30}" for name in folders)
    lines = [
        "== ablation: F1 with every rule / without the rule, pages helped +, hurt -",
        f"{'rule':<26}  {header}",
    ]
    for rule in RULES:
        without = replace(options, disabled_rules=options.disabled_rules | {rule})
        extract = project_extraction(without, min_words)
        cells = []
        for name, pages in folders.items():
            texts = [extract(page).text for page in pages]
            helped = hurt = 0
            for page, with_rule, without_rule in zip(pages, full[name], texts, strict=True):
                change = (
                    score_page(with_rule, page.gold)[2] - score_page(without_rule, page.gold)[2]
                )
                helped += change > CHANGED_F1
                hurt += change < -CHANGED_F1
            f1_with, f1_without = _scores(full[name], pages)[2], _scores(texts, pages)[2]
            cells.append(f"{f1_with:.4f}/{f1_without:.4f} +{helped:<3d} -{hurt:<3d}")
        lines.append(f"{rule:<26}  " + "  ".join(f"{cell:>30}" for cell in cells))
    return lines


def gold_fields(folder: Path, pages: list[GoldPage]) -> list[Fields] | None:
    """The gold title, authors and publication date of each page, or ``None`` for a folder
    whose gold states none (only fundus's ``gold.json`` does).

    :param folder: the benchmark folder.
    :param pages: its pages, as :func:`gold_pages` read them.
    """
    path = folder / "gold.json"
    if not path.is_file():
        return None
    truth = json.loads(path.read_text(encoding="utf-8"))
    return [
        Fields(
            truth[page.id].get("title"),
            truth[page.id].get("authors"),
            truth[page.id].get("date_published"),
        )
        for page in pages
    ]


def project_fields(options: HtmlExtractionOptions, min_words: int) -> Callable[[GoldPage], Fields]:
    """The fields the crawl stores for a saved page: none when it stores no article."""

    def fields(page: GoldPage) -> Fields:
        try:
            extraction = extract_page(
                page.raw, "html", page.file_url, None, options, NO_STAGE_INPUTS
            )
        except Rejected:
            return NO_FIELDS
        if extraction.word_count < min_words:
            return NO_FIELDS
        authors = extraction.author.split("; ") if extraction.author else []
        return Fields(extraction.title, authors, extraction.date_published)

    return fields


def trafilatura_fields(page: GoldPage) -> Fields:
    """``trafilatura.extract_metadata`` given the page's gold URL."""
    document = trafilatura.extract_metadata(page.html, default_url=page.url)
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    return Fields(document.title, authors, document.date)


def _field_cells(scores: FieldScores) -> str:
    precision, recall, f1 = scores.authors
    authors = f"{precision:6.3f} {recall:6.3f} {f1:6.3f}" if scores.authored else f"{'-':>20}"
    return (
        f"{scores.title:6.3f}  {authors}  {scores.day:6.3f}"
        f"  {scores.minute:6.3f} ({scores.timed:3d})"
        f"  {scores.stated_right:6.3f} ({scores.stated:3d})  {scores.invented:4d}"
    )


def metadata_report(
    name: str, pages: list[GoldPage], golds: list[Fields], given: dict[str, list[Fields]]
) -> list[str]:
    """The printed metadata figures of one folder, for each extractor, overall and per
    language: title exactly right, authors P/R/F1, publication day right, same minute (of the
    pages where both give a time with an offset), stated dates on the right day (of the pages
    given one) and dates invented where the gold has none.

    :param golds: the gold fields of ``pages``.
    :param given: the fields each extractor gave ``pages``, by extractor name.
    """
    lines = [
        f"== {name}: metadata of {len(pages)} pages",
        f"{'':<30}  {'title':>6}  {'auth P':>6} {'R':>6} {'F1':>6}  {'day':>6}"
        f"  {'minute':>6} {'(n)':>5}  {'stated':>6} {'(n)':>5}  {'invented':>4}",
    ]
    languages: dict[str, list[int]] = {}
    for index, page in enumerate(pages):
        languages.setdefault(page.language, []).append(index)
    for extractor, fields in given.items():
        lines.append(f"{extractor[:30]:<30}  {_field_cells(field_scores(fields, golds))}")
        for language, indexes in sorted(languages.items(), key=lambda item: -len(item[1])):
            chosen = field_scores([fields[i] for i in indexes], [golds[i] for i in indexes])
            lines.append(f"  {f'{language} ({len(indexes)})':<28}  {_field_cells(chosen)}")
    return lines


def _field_flags(given: Fields, gold: Fields) -> tuple[float, float, float]:
    """One page's title (1 or 0), authors F1 and day (1 or 0)."""
    authors = (
        author_scores(given.authors or [], gold.authors)[2] if gold.authors is not None else 0.0
    )
    return (
        float(same_title(given.title, gold.title)),
        authors,
        float(same_day(given.date_published, gold.date_published)),
    )


def metadata_ablation(
    sets: dict[str, tuple[list[GoldPage], list[Fields], list[Fields]]],
    options: HtmlExtractionOptions,
    min_words: int,
) -> list[str]:
    """Each metadata rule's count (:data:`~pipelines.extraction.metadata.rules.RULES`): title
    exactly right, authors F1 and publication day right with every rule and without that one,
    and the pages it helps and hurts on each field.

    :param sets: by folder name, its pages, their gold fields and the fields the extraction
        with every rule gave them.
    :param options: the options of the extraction with every rule.
    :param min_words: ``VALIDATE_MIN_WORDS``.
    """
    lines = ["== metadata ablation: with every rule / without the rule, pages helped +, hurt -"]
    for name, (pages, golds, full) in sets.items():
        lines.append(f"{name}: {'rule':<24}  {'title':>22}  {'authors F1':>22}  {'day':>22}")
        for rule in METADATA_RULES:
            without = replace(
                options, disabled_metadata_rules=options.disabled_metadata_rules | {rule}
            )
            given = list(map(project_fields(without, min_words), pages))
            scores = (field_scores(full, golds), field_scores(given, golds))
            figures = [(s.title, s.authors[2], s.day) for s in scores]
            cells = []
            for field_index in range(3):
                helped = hurt = 0
                for with_rule, without_rule, gold in zip(full, given, golds, strict=True):
                    change = (
                        _field_flags(with_rule, gold)[field_index]
                        - _field_flags(without_rule, gold)[field_index]
                    )
                    helped += change > CHANGED_F1
                    hurt += change < -CHANGED_F1
                with_figure, without_figure = figures[0][field_index], figures[1][field_index]
                cells.append(f"{with_figure:.3f}/{without_figure:.3f} +{helped:<3d} -{hurt:<3d}")
            row = f"{'':<{len(name) + 2}}{rule:<24}  " + "  ".join(f"{c:>22}" for c in cells)
            lines.append(row.rstrip())
    return lines
