"""The README tells the truth: every setting documented, CI runs its test command."""

from __future__ import annotations

import re

from scrapy.settings import default_settings

import crawler.settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
SCRAPY_OWN = {name for name in vars(default_settings) if name.isupper()}


def test_every_setting_of_ours_is_documented() -> None:
    ours = {name for name in vars(crawler.settings) if name.isupper()} - SCRAPY_OWN
    assert ours, "no settings found"
    undocumented = {name for name in ours if f"| `{name}` |" not in README}
    assert not undocumented


def test_documented_defaults_match_the_settings() -> None:
    for name, default in re.findall(r"^\| `([A-Z_]+)` \| `([^`]*)` \|", README, flags=re.MULTILINE):
        assert str(getattr(crawler.settings, name)) == default, name


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```bash\n(.*?)\n```", README, flags=re.DOTALL)
    test_command = next(command for command in commands if "pytest" in command)
    assert test_command in (ROOT / ".ci" / "run").read_text()
