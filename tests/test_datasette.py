"""Datasette serves the database a crawl wrote, and full-text search finds every seed."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA

GOLD = DATA / "seeds_gold"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def datasette(seeds_db: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(seeds_db),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(f"{base}/-/versions.json")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"datasette did not start: {server.stderr.read()}") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_datasette_serves_the_tables(datasette: str) -> None:
    tables = {table["name"] for table in get_json(f"{datasette}/news.json")["tables"]}
    assert {"crawls", "fetches", "articles", "articles_fts"} <= tables


@pytest.mark.parametrize("gold", sorted(GOLD.glob("*.txt")), ids=lambda path: path.stem[:3])
def test_full_text_search_finds_a_sentence_of_each_seed(datasette: str, gold: Path) -> None:
    sentence = gold.read_text().split("\n")[0].split(". ")[0]
    query = urllib.parse.urlencode({"_search": sentence, "_shape": "array"})
    hits = get_json(f"{datasette}/news/articles.json?{query}")
    assert any(sentence in hit["text"] for hit in hits), f"no hit for {sentence!r}"
