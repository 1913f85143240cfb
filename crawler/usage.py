"""Slips on a crawl's command line, caught before the crawl starts.

Scrapy takes any ``-s NAME=VALUE`` and any ``-a NAME=VALUE``: ``-s SQLITE_PAHT=corpus.db``
would crawl into the default database, the one the user was browsing, and ``-a
strat=URL`` would set an attribute the spider never reads. Here a name that is neither a
setting of Scrapy, of an installed add-on or of ours (for ``-a``: an argument the spider
takes) is looked at before the crawl starts:

- one typo away from a known name (a letter added, left out, changed, or two swapped;
  letter case aside), it is a slip: the command stops with one line, ``unknown setting
  SQLITE_PAHT; did you mean SQLITE_PATH?``, and exit status 2 (usage);
- otherwise it gets a warning and is passed on, since a component of the user's own may
  read it.

The values of spider arguments are the spider's to check: its ``__init__`` raises
:class:`~scrapy.exceptions.UsageError` for one it cannot take (``crawler/commands/crawl.py``
builds the spider once before the crawl, for that).
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

from scrapy import Spider
from scrapy.settings import default_settings

import crawler.settings

SETTING_NAME = re.compile(r"""["']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["']""")
"""A setting name as a string in an add-on's source: capitals, digits and underscores."""


class Slip(NamedTuple):
    """An unknown name on the command line: ``fatal`` when it is a typo of a known one."""

    message: str
    fatal: bool


def typos(name: str, known: str) -> int:
    """How many typos turn ``name`` into ``known``, letter case aside: letters added, left
    out or changed, and neighbours swapped (the optimal string alignment distance)."""
    a, b = name.upper(), known.upper()
    previous: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, row = previous, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(
                previous[j] + 1,
                row[j - 1] + 1,
                previous[j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]


def meant(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is one typo away from, if any (the first in order)."""
    return next((candidate for candidate in sorted(known) if typos(name, candidate) <= 1), None)


def project_settings() -> frozenset[str]:
    """The settings of Scrapy and of ours."""
    names = set(vars(default_settings)) | set(vars(crawler.settings))
    return frozenset(name for name in names if name.isupper())


@cache
def addon_settings() -> frozenset[str]:
    """The setting names found in the source of Scrapy and of every installed package that
    depends on it (scrapy-redis, ...): any quoted name in capitals with an underscore."""
    names: set[str] = set()
    for source in _addon_sources():
        names.update(SETTING_NAME.findall(source.read_text(encoding="utf-8", errors="replace")))
    return frozenset(names)


def _addon_sources() -> Iterator[Path]:
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"] or ""
        requires = distribution.requires or []
        is_addon = any(re.match(r"scrapy\b(?!-)", r, re.IGNORECASE) for r in requires)
        if name.lower() == "scrapy" or (is_addon and name.lower() != "cleanwire"):
            for file in distribution.files or []:
                if file.suffix == ".py":
                    yield Path(str(file.locate()))


def setting_slips(names: Iterable[str]) -> list[Slip]:
    """The slips among the ``-s`` setting names given."""
    slips = []
    for name in names:
        if name in project_settings():
            continue
        known = project_settings() | addon_settings()
        if name in known:
            continue
        guess = meant(name, known)
        if guess is not None:
            slips.append(Slip(f"unknown setting {name}; did you mean {guess}?", fatal=True))
        else:
            slips.append(
                Slip(
                    f"warning: unknown setting {name}: not a setting of Scrapy, of an installed"
                    " add-on or of cleanwire; passed on as given",
                    fatal=False,
                )
            )
    return slips


def spider_arguments(spidercls: type[Spider]) -> frozenset[str]:
    """The keyword arguments a spider's ``__init__`` takes, its own and its bases'."""
    names: set[str] = set()
    for cls in spidercls.__mro__:
        if "__init__" in vars(cls):
            for parameter in inspect.signature(vars(cls)["__init__"]).parameters.values():
                if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
                    names.add(parameter.name)
    return frozenset(names - {"self"})


def argument_slips(spidercls: type[Spider], names: Iterable[str]) -> list[Slip]:
    """The slips among the ``-a`` argument names given to ``spidercls``."""
    known = spider_arguments(spidercls)
    slips = []
    for name in names:
        if name in known:
            continue
        guess = meant(name, known)
        if guess is not None:
            message = (
                f"unknown argument {name} of the {spidercls.name} spider; did you mean {guess}?"
            )
            slips.append(Slip(message, fatal=True))
        else:
            takes = ", ".join(sorted(known - {"name"}))
            message = (
                f"warning: unknown argument {name} of the {spidercls.name} spider (it takes"
                f" {takes}); passed on as given"
            )
            slips.append(Slip(message, fatal=False))
    return slips
