"""The metadata metrics of the fundus benchmark (``benchmarks/fundus-dev/README.md``).

* **Title**: exactly right when equal after Unicode NFKC, whitespace collapsed, casefold and
  surrounding quotes stripped (:func:`same_title`). Format characters (Unicode category Cf:
  soft hyphen, zero-width space) are left out of both, as the benchmark's README notes that a
  few gold titles keep them: they are invisible, and a title without them is the same title.
* **Authors**: precision, recall and F1 of the sets of names (NFKC, casefold, whitespace
  collapsed) on one page (:func:`author_scores`); the benchmark averages them over the pages
  whose gold has an author list.
* **Date**: the same calendar day, read in the gold's UTC offset when both give one
  (:func:`same_day`); the same minute in UTC where both give a time with an offset
  (:func:`same_minute`, ``None`` where that cannot be told).

Dates are ISO 8601 strings: a bare day (``2026-11-20``) or a time with or without an offset,
``T`` or a space between day and time (``2024-05-03 15:47:42.389000+00:00``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

QUOTES = "\"'“”„‟‘’‚‛«»‹›「」『』"
"""Quotation marks stripped from both ends of a title before comparison."""


def _normal(text: str) -> str:
    """NFKC, whitespace collapsed, casefolded."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _visible(text: str) -> str:
    """``text`` without format characters (Unicode category Cf)."""
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def same_title(predicted: str | None, gold: str | None) -> bool:
    """Whether a title is exactly right (an empty one never is)."""
    if not predicted or not gold:
        return False
    one, other = (_normal(_visible(text)).strip(QUOTES + " ") for text in (predicted, gold))
    return bool(one) and one == other


def author_scores(predicted: list[str], gold: list[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of one page's author names, compared as sets.

    Two empty lists agree (1.0 on all three); a page with names on one side only scores 0.
    """
    found, wanted = (
        {_normal(name) for name in names if name.strip()} for names in (predicted, gold)
    )
    if not found and not wanted:
        return 1.0, 1.0, 1.0
    shared = len(found & wanted)
    precision = shared / len(found) if found else 0.0
    recall = shared / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def parse_date(value: str | None) -> date | None:
    """An ISO 8601 day or time (a :class:`~datetime.datetime` when it has a time), or
    ``None`` when it cannot be read."""
    if not value or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _day(when: date, offset_of: date) -> date:
    """The calendar day of ``when``, read in ``offset_of``'s UTC offset when both have one."""
    if not isinstance(when, datetime):
        return when
    if isinstance(offset_of, datetime) and when.tzinfo and offset_of.tzinfo:
        return when.astimezone(offset_of.tzinfo).date()
    return when.date()


def same_day(predicted: str | None, gold: str | None) -> bool:
    """Whether a date is on the gold's calendar day (a missing one never is)."""
    one, other = parse_date(predicted), parse_date(gold)
    if one is None or other is None:
        return False
    return _day(one, other) == _day(other, other)


def same_minute(predicted: str | None, gold: str | None) -> bool | None:
    """Whether two times with UTC offsets name the same minute; ``None`` unless both are
    times with an offset."""
    one, other = parse_date(predicted), parse_date(gold)
    if not isinstance(one, datetime) or not isinstance(other, datetime):
        return None
    if one.tzinfo is None or other.tzinfo is None:
        return None
    minute = "%Y-%m-%d %H:%M"
    return one.astimezone(other.tzinfo).strftime(minute) == other.strftime(minute)


@dataclass(frozen=True)
class Fields:
    """The title, authors and publication date a page was given (or its gold states).

    :param authors: the names, or ``None`` where the gold has no author list.
    """

    title: str | None
    authors: list[str] | None
    date_published: str | None


NO_FIELDS = Fields(None, [], None)
"""What a page the extraction rejects is given."""


@dataclass(frozen=True)
class FieldScores:
    """The metadata figures of one extractor over a set of pages.

    :param title: the share of pages whose gold has a title with the title exactly right.
    :param authors: precision, recall and F1 averaged over the :attr:`authored` pages.
    :param authored: pages whose gold has an author list.
    :param day: the share of pages whose gold has a date with the publication day right.
    :param minute: the share of pages with the same minute among :attr:`timed` pages.
    :param timed: pages where both give a time with an offset.
    :param stated: pages given a date.
    :param stated_right: the share of :attr:`stated` pages (whose gold has a date) on the right
        day: the precision of stated dates.
    :param invented: pages given a date where the gold has none.
    """

    title: float
    authors: tuple[float, float, float]
    authored: int
    day: float
    minute: float
    timed: int
    stated: int
    stated_right: float
    invented: int


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def field_scores(given: list[Fields], golds: list[Fields]) -> FieldScores:
    """Score the fields given to pages against their gold fields (same order)."""
    pairs = list(zip(given, golds, strict=True))
    authors = [author_scores(g.authors or [], t.authors) for g, t in pairs if t.authors is not None]
    dated = [(g, t) for g, t in pairs if parse_date(t.date_published) is not None]
    minutes = [same_minute(g.date_published, t.date_published) for g, t in dated]
    stated = [(g, t) for g, t in pairs if parse_date(g.date_published) is not None]
    return FieldScores(
        title=_share([same_title(g.title, t.title) for g, t in pairs if t.title]),
        authors=(
            (
                sum(s[0] for s in authors) / len(authors),
                sum(s[1] for s in authors) / len(authors),
                sum(s[2] for s in authors) / len(authors),
            )
            if authors
            else (0.0, 0.0, 0.0)
        ),
        authored=len(authors),
        day=_share([same_day(g.date_published, t.date_published) for g, t in dated]),
        minute=_share([m for m in minutes if m is not None]),
        timed=sum(m is not None for m in minutes),
        stated=len(stated),
        stated_right=_share(
            [
                same_day(g.date_published, t.date_published)
                for g, t in stated
                if parse_date(t.date_published) is not None
            ]
        ),
        invented=sum(parse_date(t.date_published) is None for _, t in stated),
    )
