"""The README and the pages of ``docs/`` tell the truth: every setting of ours documented with
its default, every command they show runs a command, spider and settings that exist, every
link between them leads to a page and a heading that exist, and CI runs the README's test
command."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from scrapy.cmdline import _get_commands_dict
from scrapy.settings import default_settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

import crawler.settings
from crawler.usage import spider_arguments
from tests.conftest import ROOT, needs_benchmark

README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
SETTINGS_PAGE = DOCS / "settings.md"
SCRAPY_OWN = {name for name in vars(default_settings) if name.isupper()}
OURS = {name for name in vars(crawler.settings) if name.isupper()} - SCRAPY_OWN


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def code_blocks(text: str) -> list[str]:
    """The shell commands a page shows: its ``bash`` and ``cron`` blocks."""
    return re.findall(r"```(?:bash|cron)\n(.*?)\n```", text, flags=re.DOTALL)


def scrapy_invocations(text: str) -> list[list[str]]:
    """Each ``scrapy ...`` command line of a page's code blocks, as words, up to the end of
    the command (``&&``, ``||``, ``;``, ``#``)."""
    invocations = []
    for block in code_blocks(text):
        for line in block.splitlines():
            for match in re.finditer(r"(?:^|[\s/])scrapy (.*)", line):
                command = re.split(r"\s(?:&&|\|\||;|#)\s", match.group(1))[0]
                invocations.append(shlex.split(command.replace("[", " ").replace("]", " ")))
    return invocations


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_docs_have_their_pages() -> None:
    names = {page.name for page in PAGES}
    assert {"settings.md", "schema.md", "spiders.md", "archive.md", "cluster.md"} <= names
    assert {"copies-and-stories.md", "benchmarks.md", "security.md"} <= names


def test_the_readme_fits_on_a_screen() -> None:
    assert len(README.read_text().splitlines()) <= 250


def test_every_setting_of_ours_is_documented() -> None:
    assert OURS, "no settings found"
    settings_page = SETTINGS_PAGE.read_text()
    undocumented = {name for name in OURS if f"| `{name}` |" not in settings_page}
    assert not undocumented


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_documented_defaults_match_the_settings(page: Path) -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", page.read_text(), flags=re.MULTILINE)
    for name, default in rows:
        assert str(getattr(crawler.settings, name)) == default, name


def test_ci_runs_the_readme_test_command() -> None:
    commands = code_blocks(README.read_text())
    test_command = next(command for command in commands if "pytest" in command)
    assert test_command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_commands_shown_exist(page: Path) -> None:
    """A ``scrapy`` command shown names a command of Scrapy's or ours, ``crawl`` a spider of
    ours, each ``-a NAME=VALUE`` an argument that spider takes, and each ``-s NAME=VALUE`` a
    setting of Scrapy's or ours."""
    project_settings = get_project_settings()
    commands = set(_get_commands_dict(project_settings, inproject=True))
    spiders = SpiderLoader.from_settings(project_settings)
    for words in scrapy_invocations(page.read_text()):
        assert words[0] in commands, words
        arguments: frozenset[str] = frozenset()
        if words[0] == "crawl":
            assert words[1] in spiders.list(), words
            arguments = spider_arguments(spiders.load(words[1]))
        for option, value in zip(words, words[1:], strict=False):
            if option == "-s" and value != "NAME=VALUE":  # the placeholder of a synopsis
                assert value.split("=")[0] in SCRAPY_OWN | OURS, words
            if option == "-a":
                assert value.split("=")[0] in arguments, words


def test_commands_are_found() -> None:
    """The parser the check above relies on reads every kind of line the pages show."""
    text = (
        "```bash\nscrapy crawl news -a start=URL [-a depth=1] -s JOBDIR=x\n```\n"
        "```cron\n7 * * * *  cd /srv && .venv/bin/scrapy crawl files -s LOG_FILE=x || echo\n```\n"
    )
    assert scrapy_invocations(text) == [
        ["crawl", "news", "-a", "start=URL", "-a", "depth=1", "-s", "JOBDIR=x"],
        ["crawl", "files", "-s", "LOG_FILE=x"],
    ]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_links_lead_to_pages_and_headings_that_exist(page: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), target
        if anchor:
            headings = re.findall(r"^#+ (.*)$", linked.read_text(), flags=re.MULTILINE)
            assert anchor in {slug(heading) for heading in headings}, target


def test_a_test_skipped_for_want_of_the_benchmark_pages_says_how_to_get_them() -> None:
    reason = needs_benchmark.kwargs["reason"]
    page, anchor = re.search(r"(docs/[\w-]+\.md)#([\w-]+)", reason).groups()
    headings = re.findall(r"^#+ (.*)$", (ROOT / page).read_text(), flags=re.MULTILINE)
    assert anchor in {slug(heading) for heading in headings}
    assert "../shared/benchmarks/" in README.read_text(), "the README says they may be skipped"
