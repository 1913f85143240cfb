"""``scrapy ccnews_benchmark``: the command users run to time the ``ccnews`` spider against a
plain warcio + trafilatura loop on one WARC file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT

RECORDS = 12
NUMBER = r"(\d+(?:\.\d+)?)"


def benchmark(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "scrapy", "ccnews_benchmark", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "arguments", [("12",), ("FOLDER", "many"), ("FOLDER", "1")], ids=["no count", "nan", "1"]
)
def test_a_bad_argument_is_a_usage_error(arguments: tuple[str, ...]) -> None:
    result = benchmark(*arguments)
    assert result.returncode == 2, result.stderr
    assert "give a folder of HTML pages and a record count" in result.stderr


@pytest.mark.slow
def test_the_report_gives_pages_per_second_and_peak_memory_of_each_way(tmp_path: Path) -> None:
    result = benchmark(str(DATA / "html"), str(RECORDS), "--keep", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(rf"^{RECORDS} records, a WARC file of {NUMBER} MiB$", out, re.M), out
    for what in (
        "warcio \\+ trafilatura loop",
        "crawl of its own",
        "1 cluster worker",
        "2 cluster workers",
    ):
        found = re.findall(
            rf"^{what}: {RECORDS} records in {NUMBER} s, {NUMBER} pages/s, {NUMBER} CPU s;"
            rf" peak {NUMBER} MiB per process tree, {NUMBER} MiB in all",
            out,
            re.M,
        )
        assert len(found) == 1, (what, out)
        assert all(float(value) > 0 for value in found[0]), (what, out)
    assert len(re.findall(r"; the writer done [\d.]+ s later$", out, re.M)) == 2, out
