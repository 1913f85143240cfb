"""``scrapy extraction_benchmark``: the command users run to score extraction, and the gate."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import DEV, FUNDUS, ROOT, needs

OVERALL = re.compile(r"^overall\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$")
needs_benchmark = needs(DEV, FUNDUS)


def benchmark(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "extraction_benchmark", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def overall(stdout: str, folder: str) -> tuple[float, ...]:
    """The overall line of ``folder``'s part of the report."""
    part = stdout.split(f"== {folder}:")[1].split("\n== ")[0]
    (match,) = [m for line in part.splitlines() if (m := OVERALL.match(line))]
    return tuple(float(value) for value in match.groups())


@needs_benchmark
def test_the_report_scores_each_page_for_both_extractors() -> None:
    result = benchmark(str(DEV), "--limit", "4", "--per-page")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if re.match(r"^[0-9a-f]{12}\s", line)]
    assert len(rows) == 4 and all(len(row.split()) == 7 for row in rows)
    assert all(0 <= value <= 1 for value in overall(result.stdout, DEV.name))
    assert re.search(r"^cleanwire: 4 pages in [\d.]+ s, [\d.]+ pages/s$", result.stdout, re.M)
    assert re.search(r"^trafilatura defaults: 4 pages in", result.stdout, re.M)
    assert "time per page, cleanwire / trafilatura defaults:" in result.stdout


def test_a_folder_without_gold_text_is_a_usage_error(tmp_path) -> None:
    result = benchmark(str(tmp_path))
    assert result.returncode != 0
    assert "ground-truth.json or gold.json" in result.stderr


@needs_benchmark
@pytest.mark.slow
def test_extraction_quality_does_not_fall_on_the_dev_set() -> None:
    result = benchmark(str(DEV))
    assert result.returncode == 0, result.stderr
    _, _, ours, _, _, theirs = overall(result.stdout, DEV.name)
    assert ours >= 0.98, "the dev-set target"
    assert ours > theirs, "ahead of trafilatura's defaults"
