"""The metadata part of ``scrapy extraction_benchmark``: titles, authors and dates of the
fundus pages, ours beside trafilatura's, and the gate on their figures."""

from __future__ import annotations

import re

import pytest

from crawler.benchmarks.extraction import (
    gold_fields,
    gold_pages,
    metadata_ablation,
    project_fields,
)
from crawler.settings import VALIDATE_MIN_WORDS
from pipelines.extraction.field_metric import field_scores
from pipelines.extraction.metadata.rules import RULES
from pipelines.extraction.options import HtmlExtractionOptions
from tests.test_extraction_benchmark import FUNDUS, benchmark, needs_benchmark

FIGURES = re.compile(
    r"^(cleanwire|trafilatura \(gold URL\))\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)"
    r"\s+([\d.]+)\s+([\d.]+) \(\s*\d+\)\s+([\d.]+) \(\s*(\d+)\)\s+(\d+)$",
    re.M,
)


@needs_benchmark
def test_the_report_gives_both_extractors_metadata_figures() -> None:
    result = benchmark(str(FUNDUS), "--limit", "6")
    assert result.returncode == 0, result.stderr
    part = result.stdout.split(f"== {FUNDUS.name}: metadata of 6 pages")[1]
    found = {match[1]: match.groups()[1:] for match in FIGURES.finditer(part)}
    assert set(found) == {"cleanwire", "trafilatura (gold URL)"}
    for figures in found.values():
        assert all(0 <= float(value) <= 1 for value in figures[:-2])
        assert int(figures[-2]) <= 6


@needs_benchmark
def test_the_metadata_ablation_counts_every_rule_on_each_field() -> None:
    pages = list(gold_pages(FUNDUS, limit=4))
    golds = gold_fields(FUNDUS, pages)
    assert golds is not None
    options = HtmlExtractionOptions()
    full = list(map(project_fields(options, VALIDATE_MIN_WORDS), pages))
    lines = metadata_ablation({FUNDUS.name: (pages, golds, full)}, options, VALIDATE_MIN_WORDS)
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert set(rows) == set(RULES)
    for cells in rows.values():
        assert len(cells) == 9
        assert all(re.fullmatch(r"[\d.]+/[\d.]+", cell) for cell in cells[::3])


@needs_benchmark
@pytest.mark.slow
def test_metadata_quality_does_not_fall_on_fundus_dev() -> None:
    """The figures of issue 21 on fundus-dev, as the crawl stores the pages: floors a change
    must not go below (measured 0.855, 0.921, 0.985 and 0.992, no date invented; the
    targets were 0.88, 0.92, 0.985 and 0.99)."""
    pages = list(gold_pages(FUNDUS))
    golds = gold_fields(FUNDUS, pages)
    assert golds is not None
    given = list(map(project_fields(HtmlExtractionOptions(), VALIDATE_MIN_WORDS), pages))
    scores = field_scores(given, golds)
    assert scores.title >= 0.85
    assert scores.authors[2] >= 0.91
    assert scores.day >= 0.98
    assert scores.stated_right >= 0.99
    assert scores.invented == 0
