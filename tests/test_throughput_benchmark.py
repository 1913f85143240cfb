"""``scrapy throughput_benchmark``: the command users run to time the pipeline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.benchmarks.throughput import SourcePage, build_corpus, distinct_copy
from tests.conftest import DEV, ROOT, needs_benchmark

CANONICAL = b"https://news.example.com/2026/budget"
PAGE = (
    b'<html><head><link rel="canonical" href="' + CANONICAL + b'">'
    b'<meta property="og:url" content="' + CANONICAL + b'"></head>'
    b'<body><a href="' + CANONICAL + b'/comments">Comments</a></body></html>'
)


def benchmark(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "throughput_benchmark", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_each_copy_after_the_first_names_its_own_url() -> None:
    page = SourcePage("budget", PAGE, CANONICAL)
    assert distinct_copy(page, 0) == PAGE
    copy = distinct_copy(page, 3)
    assert copy.count(CANONICAL + b"?copy=3") == 2, "the canonical link and og:url"
    assert CANONICAL + b"/comments" in copy, "a longer URL is left alone"


def test_the_corpus_has_the_pages_over_and_over_under_distinct_names(tmp_path: Path) -> None:
    pages = [SourcePage(name, PAGE, None) for name in ("a", "b", "c")]
    paths = build_corpus(pages, 7, tmp_path / "corpus")
    assert len({path.name for path in paths}) == 7
    names = [path.name for path in paths[:4]]
    assert names == ["00000-a.html", "00000-b.html", "00000-c.html", "00001-a.html"]


def test_a_folder_without_pages_is_a_usage_error(tmp_path: Path) -> None:
    result = benchmark(str(tmp_path), "10")
    assert result.returncode != 0
    assert "no .html or .html.gz page" in result.stderr


@needs_benchmark
@pytest.mark.slow
def test_the_report_times_both_and_measures_the_crawl() -> None:
    result = benchmark(str(DEV), "30", "60", "-s", "EXTRACT_WORKERS=2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^91 source pages from .*; \d+ cores$", out, re.M)
    for n in (30, 60):
        assert f"N = {n}\n" in out
        assert f"({n} fetches, {n} articles stored)" in out, "every copy is its own article"
    loop = r"\(a\) plain trafilatura\.extract loop: [\d.]+ s, [\d.]+ pages/s, [\d.]+ CPU-seconds"
    assert len(re.findall(loop, out)) == 2
    crawl = r"\(b\) scrapy crawl files: +[\d.]+ s, [\d.]+ pages/s, [\d.]+ CPU-seconds"
    assert len(re.findall(crawl, out)) == 2
    assert len(re.findall(r"wall time \(b\)/\(a\): [\d.]+$", out, re.M)) == 2
    pool = r"\(c\) the loop's work alone in a pool of \d+ processes: [\d.]+ s, \(c\)/\(a\): [\d.]+$"
    assert len(re.findall(pool, out, re.M)) == 2
    peak = r"main process (\d+) MiB RSS, with fork server and extraction workers (\d+) MiB PSS"
    peaks = re.findall(peak, out)
    assert len(peaks) == 2 and all(int(main) > 30 and int(tree) > int(main) for main, tree in peaks)
    assert re.search(r"peak memory growth from N = 30 to N = 60: main process [+-][\d.]+%", out)
