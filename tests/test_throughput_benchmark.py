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
    assert CANONICAL + b"?" not in distinct_copy(page, 0)
    copy = distinct_copy(page, 3)
    assert copy.count(CANONICAL + b"?copy=3") == 2, "the canonical link and og:url"
    assert CANONICAL + b"/comments" in copy, "a longer URL is left alone"


def test_each_copy_has_a_sentence_of_its_own_in_its_longest_paragraph() -> None:
    raw = b"<html><body><p>Short.</p><p class='x'>The longest paragraph of all.</p></body></html>"
    page = SourcePage("budget", raw, None)
    copies = [distinct_copy(page, copy) for copy in range(3)]
    assert len(set(copies)) == 3
    assert b"<p class='x'>This is copy 2 of the page budget" in copies[2]
    assert b"<p>Short.</p>" in copies[2]
    bare = distinct_copy(SourcePage("bare", b"<html><body>Text</body></html>", None), 1)
    assert bare.endswith(b"<p>This is copy 1 of the page bare, with a sentence of its own.</p>")


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


def test_folders_come_before_the_counts(tmp_path: Path) -> None:
    result = benchmark("10", str(tmp_path))
    assert result.returncode != 0
    assert "give folders of HTML pages, then one or more page counts" in result.stderr


@needs_benchmark
@pytest.mark.slow
def test_the_report_times_all_three_and_profiles_the_crawl() -> None:
    result = benchmark(str(DEV), "30", "60", "-s", "EXTRACT_WORKERS=2")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^91 source pages from .*; \d+ cores$", out, re.M)
    for n in (30, 60):
        assert f"N = {n}\n" in out
        assert f"({n} fetches, {n} articles stored)" in out, "every copy is its own article"
    timing = r" +[\d.]+ s, +[\d.]+ pages/s, +[\d.]+ CPU-seconds"
    assert len(re.findall(r"\(a\) plain trafilatura\.extract loop:" + timing, out)) == 2
    assert len(re.findall(r"\(b\) trafilatura --parallel \d+:" + timing, out)) == 2
    assert len(re.findall(r"\(c\) scrapy crawl files:" + timing, out)) == 2
    assert len(re.findall(r"wall time \(c\)/\(b\): [\d.]+ +\(c\)/\(a\): [\d.]+$", out, re.M)) == 2
    for where, stages in (("crawl process", ("archive", "store")), ("workers", ("trafilatura",))):
        totals = re.findall(rf"{where}.*: ([\d.]+) ms per page in all", out)
        assert len(totals) == 2 and all(float(total) > 0 for total in totals)
        for stage in (*stages, "other"):
            assert len(re.findall(rf"^ +{stage} +-?[\d.]+$", out, re.M)) >= 2, stage
    peak = r"main process (\d+) MiB RSS, with fork server and extraction workers (\d+) MiB PSS"
    peaks = re.findall(peak, out)
    assert len(peaks) == 2 and all(int(main) > 30 and int(tree) > int(main) for main, tree in peaks)
    assert re.search(r"peak memory growth from N = 30 to N = 60: main process [+-][\d.]+%", out)
