"""``scrapy cluster_benchmark``: the command users run to time cluster mode and size its Redis."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEV, ROOT, needs_benchmark

PAGES = 24
NUMBER = r"(\d+(?:\.\d+)?)"


def benchmark(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "cluster_benchmark", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def figures(pattern: str, out: str) -> list[float]:
    """The numbers of the one line matching ``pattern``."""
    found = re.findall(pattern, out, re.M)
    assert len(found) == 1, f"{pattern!r} not once in:\n{out}"
    values = found[0] if isinstance(found[0], tuple) else (found[0],)
    return [float(value) for value in values]


@pytest.mark.parametrize(
    "arguments",
    [("24",), ("FOLDER", "many"), ("FOLDER", "0"), ("FOLDER", "24", "48")],
    ids=["no count", "a count not a number", "a count of 0", "two counts"],
)
def test_a_bad_argument_is_a_usage_error(arguments: tuple[str, ...]) -> None:
    result = benchmark(*arguments)
    assert result.returncode == 2, result.stderr
    assert "give a folder of HTML pages and a page count" in result.stderr


def test_a_folder_without_pages_is_a_usage_error(tmp_path: Path) -> None:
    result = benchmark(str(tmp_path), "10")
    assert result.returncode == 2
    assert "no .html or .html.gz page" in result.stderr


@needs_benchmark
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
@pytest.mark.slow
def test_the_report_times_workers_and_writer_and_sizes_redis(tmp_path: Path) -> None:
    result = benchmark(str(DEV), str(PAGES), "--keep", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    header = rf"^{PAGES} pages from the 91 of .*; \d+ cores; EXTRACT_WORKERS=0 \(one extraction"
    assert re.search(rf"{header} process per core\)$", out, re.M), out
    (served,) = figures(rf"^HTTP server alone: {PAGES} pages in [\d.]+ s, (\d+) pages/s", out)
    assert served > 0
    queued = rf"; {PAGES + 1} page messages queued, {PAGES} with an article"
    cpu = (
        rf"; CPU {NUMBER} s in the workers, {NUMBER} s serving and sampling:"
        r" (\d+)% of the cores over the wall time$"
    )
    one = figures(
        rf"^1 worker:  wall {NUMBER} s, {NUMBER} pages/s; last page queued at {NUMBER} s,"
        rf" {NUMBER} pages/s{queued}{cpu}",
        out,
    )
    assert all(value > 0 for value in one) and one[2] <= one[0]
    two = figures(
        rf"^2 workers: wall {NUMBER} s, {NUMBER} pages/s \({NUMBER}x one worker\);"
        rf" last page queued at {NUMBER} s, {NUMBER} pages/s \({NUMBER}x one worker\)"
        rf"{queued} \(by worker: (\d+), (\d+)\){cpu}",
        out,
    )
    assert all(value > 0 for value in two[:6]) and two[6] + two[7] == PAGES + 1
    writer = figures(
        rf"^writer: {PAGES + 1} pages in {NUMBER} s, {NUMBER} pages/s stored"
        rf" \({NUMBER} pages/s after its {NUMBER} s start-up\);"
        rf" (\d+) articles, (\d+) fetches in the database$",
        out,
    )
    assert all(value > 0 for value in writer[:4])
    assert writer[-2:] == [PAGES, PAGES + 1], "every page stored, and the sitemap's fetch"
    seen = figures(
        rf"^redis, this run: dupefilter (\d+) URLs at most, {NUMBER} KiB \({NUMBER} bytes each\)",
        out,
    )
    assert seen[0] == PAGES + 1 and seen[1] > 0
    history = figures(r"^redis, this run: history (\d+) entries after the writer", out)
    assert history == [PAGES + 1]
    assert re.search(r"^redis used_memory, this run: [\d.]+ MiB emptied", out, re.M)
    scale = figures(
        r"^redis per million seen URLs \(redis [\d.]+, from 100,000 synthetic URLs\):"
        rf" dupefilter {NUMBER} MiB, history {NUMBER} MiB, queued requests {NUMBER} MiB$",
        out,
    )
    assert all(value > 10 for value in scale)
