"""``scrapy datasette [DATABASE ...]``: Datasette over a corpus, with cleanwire's configuration.

``datasette data/`` serves the databases in ``data/`` with the configuration there. A database
written elsewhere (``-s SQLITE_PATH=/x/corpus.db``) gets the same pages, queries and dashboard
with ``scrapy datasette -s SQLITE_PATH=/x/corpus.db`` (or ``scrapy datasette /x/corpus.db``):
this runs ``datasette serve`` on
``SQLITE_PATH`` (or on the databases named) with the project's ``data/metadata.yml``,
``data/plugins/``, ``data/templates/`` and each setting of ``data/settings.json``, so the
configuration is written once. What follows the databases goes to Datasette (``-p 8002``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.utils.conf import closest_scrapy_cfg


def datasette_command(databases: list[str], config: Path, options: list[str]) -> list[str]:
    """The ``datasette serve`` command line for ``databases`` with the configuration in the
    folder ``config`` (``data/``), then ``options``."""
    command = [sys.executable, "-m", "datasette", "serve", *databases]
    command += ["--metadata", str(config / "metadata.yml")]
    command += ["--plugins-dir", str(config / "plugins")]
    command += ["--template-dir", str(config / "templates")]
    settings = json.loads((config / "settings.json").read_text(encoding="utf-8"))
    for name, value in settings.items():
        command += ["--setting", name, json.dumps(value) if isinstance(value, bool) else str(value)]
    return command + options


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[DATABASE ...] [datasette options]"

    def short_desc(self) -> str:
        return "Serve the corpus (SQLITE_PATH, or the databases named) in Datasette"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        first_option = next((i for i, arg in enumerate(args) if arg.startswith("-")), len(args))
        databases, options = args[:first_option], args[first_option:]
        config = Path(closest_scrapy_cfg()).parent / "data"
        command = datasette_command(databases or [self.settings["SQLITE_PATH"]], config, options)
        os.execv(command[0], command)
