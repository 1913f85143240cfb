"""Slips on a crawl's command line stop it before it starts, with one line and exit status 2
(``crawler/usage.py``, ``crawler/commands/crawl.py``); a site that cannot be reached is one
line per failure, without tracebacks (``crawler/robotslog.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.spiders.news import NewsSpider
from crawler.usage import argument_slips, meant, setting_slips, typos
from tests.conftest import SEEDS, crawl, free_port


@pytest.mark.parametrize(
    ("name", "known", "count"),
    [
        ("SQLITE_PAHT", "SQLITE_PATH", 1),  # two letters swapped
        ("SQLITE_PAT", "SQLITE_PATH", 1),  # one left out
        ("SQLITE_PATHS", "SQLITE_PATH", 1),  # one added
        ("SQLITE_BATH", "SQLITE_PATH", 1),  # one changed
        ("sqlite_path", "SQLITE_PATH", 0),  # letter case aside
        ("SQLITE_DB", "SQLITE_PATH", 4),
    ],
)
def test_typos_are_counted(name: str, known: str, count: int) -> None:
    assert typos(name, known) == count


def test_a_name_one_typo_from_a_known_one_is_what_was_meant() -> None:
    assert meant("SQLITE_PAHT", {"SQLITE_PATH", "SQLITE_BATCH_SIZE"}) == "SQLITE_PATH"
    assert meant("MY_OWN_SETTING", {"SQLITE_PATH"}) is None


def test_settings_of_scrapy_of_addons_and_of_ours_are_known() -> None:
    # Scrapy's, scrapy-redis's (read in its source only), ours
    assert setting_slips(["LOG_FILE", "SCHEDULER_PERSIST", "SQLITE_PATH"]) == []
    (slip,) = setting_slips(["SQLITE_PAHT"])
    assert slip.fatal and slip.message == "unknown setting SQLITE_PAHT; did you mean SQLITE_PATH?"
    (slip,) = setting_slips(["MY_OWN_COMPONENT_SETTING"])
    assert not slip.fatal and slip.message.startswith("warning: unknown setting")


def test_arguments_a_spider_takes_are_known() -> None:
    assert argument_slips(NewsSpider, ["start", "start_file", "depth", "domains"]) == []
    (slip,) = argument_slips(NewsSpider, ["strat"])
    assert slip.fatal
    assert slip.message == "unknown argument strat of the news spider; did you mean start?"
    (slip,) = argument_slips(NewsSpider, ["colour"])
    assert not slip.fatal and "(it takes depth, domains, start, start_file)" in slip.message


@pytest.mark.parametrize(
    ("spider", "arguments", "settings", "line"),
    [
        (
            "files",
            ["path=seeds"],
            {"SQLITE_PAHT": "corpus.db"},
            "unknown setting SQLITE_PAHT; did you mean SQLITE_PATH?",
        ),
        (
            "news",
            ["strat=http://127.0.0.1:9/"],
            {},
            "unknown argument strat of the news spider; did you mean start?",
        ),
        (
            "news",
            ["start=htp://127.0.0.1:9/x"],
            {},
            "-a start: not an http(s) URL: 'htp://127.0.0.1:9/x'",
        ),
        (
            "news",
            ["start=127.0.0.1:8765/x"],
            {},
            "-a start: not an http(s) URL: '127.0.0.1:8765/x' (did you mean http://127.0.0.1:8765/x?)",
        ),
        (
            "news",
            ["start=http://127.0.0.1:9/", "depth=abc"],
            {},
            "-a depth must be a whole number, not 'abc'",
        ),
        (
            "reextract",
            ["crawls=first"],
            {},
            "-a crawls= takes crawl ids (1,2,...) or all, not 'first'",
        ),
    ],
)
def test_a_slip_stops_the_crawl_before_it_starts_with_one_line(
    tmp_path: Path, spider: str, arguments: list[str], settings: dict[str, str], line: str
) -> None:
    db_path = tmp_path / "news.db"
    result = crawl(db_path, spider, *arguments, check=False, **settings)
    assert result.returncode == 2, "a usage error"
    assert result.stderr == line + "\n", "one line, and nothing else"
    assert not db_path.exists(), "nothing was written"


def test_a_bad_line_of_a_start_file_is_named(tmp_path: Path) -> None:
    start_file = tmp_path / "sites.txt"
    start_file.write_text("# feeds\nhttp://127.0.0.1:9/feed.xml\nmailto:desk@example.org\n")
    result = crawl(tmp_path / "news.db", "news", f"start_file={start_file}", check=False)
    assert result.returncode == 2
    assert result.stderr == (
        f"-a start_file {start_file}, line 3: not an http(s) URL: 'mailto:desk@example.org'\n"
    )


def test_other_unknown_names_get_a_warning_and_the_crawl_goes_on(tmp_path: Path) -> None:
    result = crawl(
        tmp_path / "news.db",
        "files",
        f"path={SEEDS / '000_b870438c2cbdb1dd.txt'}",
        "colour=blue",
        MY_OWN_COMPONENT_SETTING=1,
        LOG_LEVEL="WARNING",
    )
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert lines[0].startswith("warning: unknown setting MY_OWN_COMPONENT_SETTING: not a setting")
    assert lines[1].startswith(
        "warning: unknown argument colour of the files spider (it takes path)"
    )
    assert (tmp_path / "news.db").exists()


@pytest.mark.parametrize(
    ("host", "failure", "reason"),
    [
        ("127.0.0.1:{port}", "Connection was refused", "connection_failed"),
        ("cleanwire-test.invalid", "DNS lookup failed", "dns_lookup_failed"),  # RFC 2606
    ],
)
def test_an_unreachable_site_is_one_line_per_failure_then_the_summary(
    tmp_path: Path, host: str, failure: str, reason: str
) -> None:
    url = f"http://{host.format(port=free_port())}/news/article"
    result = crawl(
        tmp_path / "news.db",
        "news",
        f"start={url}",
        check=False,
        LOG_LEVEL="WARNING",
        RETRY_TIMES=1,
        RETRY_BACKOFF_BASE=0.1,
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 3, result.stderr
    assert f"WARNING: robots.txt unreadable for <GET {url}> ({failure}" in lines[0]
    assert f"WARNING: Dropped {url}: error: {reason}" in lines[1]
    assert "ERROR: Exit status 3 (nothing_read)" in lines[2]
