"""Datasette plugin: every database with cleanwire's schema is a corpus, whatever its name.

Datasette's metadata names databases by their file name, so a configuration written for
``news`` (``data/news.db``) gave a database written elsewhere (``-s
SQLITE_PATH=/x/corpus.db``) no descriptions, no ready-made queries and no dashboard. Here,
when Datasette starts, each database it serves that has the ``articles``, ``fetches`` and
``crawls`` tables is taken for a corpus, and gets what ``data/corpus.yml`` describes:

- its table and column descriptions, facets and sort orders (``get_metadata``);
- the ready-made queries (``canned_queries``);
- a dashboard (datasette-dashboards' configuration, through ``get_metadata`` too): the
  first corpus's at ``/-/dashboards/cleanwire``, another's at ``cleanwire-<name>``;
- the site's home page text, which points at the first corpus.
"""

from __future__ import annotations

import copy
import weakref
from pathlib import Path
from typing import Any

import yaml
from datasette import hookimpl

CONFIG_PATH = Path(__file__).resolve().parent.parent / "corpus.yml"
CONFIG: dict[str, Any] = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
CORPUS_TABLES = frozenset({"articles", "fetches", "crawls"})
"""The tables a database needs to be taken for a corpus."""
DASHBOARD = "cleanwire"

_corpora: weakref.WeakKeyDictionary[Any, list[str]] = weakref.WeakKeyDictionary()
"""The corpus databases of each running Datasette, in its order, found at its start."""
_metadata: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
"""What each running Datasette's corpora add to its metadata, made once at its start."""


def corpora(datasette: Any) -> list[str]:
    """The names of the corpus databases ``datasette`` serves (none before it has started)."""
    return _corpora.get(datasette, [])


def dashboard_name(names: list[str], database: str) -> str:
    """The dashboard of ``database`` among the corpora ``names``: ``cleanwire`` for the first."""
    return DASHBOARD if names[:1] == [database] else f"{DASHBOARD}-{database}"


def corpus_metadata(names: list[str]) -> dict[str, Any]:
    """The metadata the corpora ``names`` get: descriptions, dashboards, the home page."""
    if not names:
        return {}
    dashboards = {}
    for name in names:
        dashboard = copy.deepcopy(CONFIG["dashboard"])
        for chart in dashboard["charts"].values():
            chart["db"] = name
        if len(names) > 1:
            dashboard["title"] = f"{dashboard['title']}: {name}"
        dashboards[dashboard_name(names, name)] = dashboard
    database = {"description": CONFIG["description"], "tables": CONFIG["tables"]}
    return {
        "description_html": CONFIG["home_html"].format(database=names[0], dashboard=DASHBOARD),
        "databases": dict.fromkeys(names, database),
        "plugins": {"datasette-dashboards": dashboards},
    }


@hookimpl
def startup(datasette: Any) -> Any:
    async def find_corpora() -> None:
        found = []
        for name, database in datasette.databases.items():
            if not name.startswith("_") and set(await database.table_names()) >= CORPUS_TABLES:
                found.append(name)
        _corpora[datasette] = found
        _metadata[datasette] = corpus_metadata(found)

    return find_corpora


@hookimpl
def get_metadata(datasette: Any) -> Any:
    return _metadata.get(datasette, {})


@hookimpl
def canned_queries(datasette: Any, database: str) -> Any:
    if database in corpora(datasette):
        return copy.deepcopy(CONFIG["queries"])
    return None
