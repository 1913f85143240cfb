"""Dates read from values and text: ISO 8601 and RFC 2822 stamps, epoch numbers, written
dates in several languages and scripts (:data:`TEXT_DATE_PATTERNS`), days in URL paths; and
how two dates compare. Which source wins is :mod:`pipelines.extraction.metadata.dates`'s job.

A ``datetime`` keeps the stated time and offset (naive when none is stated); a plain ``date``
means only the day is stated. Nothing is guessed: a value that is no date, or an absurd one
(before :data:`EARLIEST_YEAR`, more than :data:`MAX_FUTURE` ahead), gives ``None``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

EARLIEST_YEAR = 1990
"""Dates before this year are rejected as absurd (placeholders, epoch zero)."""

MAX_FUTURE = timedelta(days=2)
"""Dates further than this ahead of now are rejected."""

MAX_OFFSET = timedelta(hours=14)
"""The largest UTC offset a stated time can have."""

MAX_EPOCH_SECONDS = 1e11
"""A JSON number above this many seconds since the epoch counts milliseconds."""

MAX_DATE_TEXT_CHARS = 60
"""A ``<time>`` text or a metadata value longer than this is not a date."""

MONTH_NAMES = (
    "january jan januar janvier enero gennaio janeiro januari января",
    "february feb februar février fevrier febrero febbraio fevereiro februari февраля",
    "march mar märz maerz mär mars marzo março maart марта",
    "april apr avril abril aprile апреля",
    "may mai mayo maggio maio mei мая",
    "june jun juni juin junio giugno junho июня",
    "july jul juli juillet julio luglio julho июля",
    "august aug août aout agosto augustus августа",
    "september sep sept septembre septiembre setiembre settembre setembro сентября",
    "october oct oktober okt octobre octubre ottobre outubro октября",
    "november nov novembre noviembre novembro ноября",
    "december dec dezember dez décembre decembre diciembre dicembre dezembro декабря",
)
"""Month names and abbreviations (English, German, French, Spanish, Italian, Portuguese,
Dutch, Russian), one line per month."""

MONTHS = {name: number for number, line in enumerate(MONTH_NAMES, 1) for name in line.split()}
"""Month number by casefolded name."""

ZONES = {"z": 0, "utc": 0, "gmt": 0, "est": -5, "edt": -4, "pst": -8, "pdt": -7, "cet": 1}
"""Unambiguous time zone abbreviations, in hours from UTC; other abbreviations leave a time
without offset."""

ISO_STAMP = re.compile(
    r"(?P<year>\d{4})(?:(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"|(?P<cmonth>\d{2})(?P<cday>\d{2}))"
    r"(?:(?:T\s*|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?P<zone>Z|[+-]\d{1,2}(?::?\d{2})?|[A-Za-z]{2,5})?)?\s*",
    re.IGNORECASE,
)
"""An ISO-8601-like timestamp (also with ``/`` or ``.`` between the parts, a space before the
time, a zone abbreviation), matched in full."""

ZONE_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?")
"""A numeric UTC offset: ``+01``, ``+0100``, ``+01:00``."""

RFC_2822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
"""The start of an RFC 2822 timestamp (``Fri, 20 Nov 2026 09:30:00 +0100``)."""

MONTH_PATTERN = (
    "(?P<month>"
    + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
    + r")(?:\.|(?!\w))"
)

MONTH_DAY_YEAR = re.compile(
    rf"(?<!\w){MONTH_PATTERN}\s*(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
"""A written date, month first: ``November 20, 2026``, ``Nov. 20 2026``."""

DAY_MONTH_YEAR = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th|er)?\s+(?:of\s+|de\s+)?{MONTH_PATTERN},?\s+"
    r"(?:de\s+|del\s+)?(?P<year>\d{4})(?!\d)",
    re.IGNORECASE,
)
"""A written date, day first: ``20 November 2026``, ``20. November 2026``, ``20 de
noviembre de 2026``."""

CJK_DATE = re.compile(r"(?P<year>\d{4})\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})")
"""A Chinese, Japanese or Korean date: ``2026年11月20日``, ``2026년 11월 20일``."""

YEAR_FIRST_DATE = re.compile(
    r"(?<![\d.])(?P<year>(?:19|20)\d{2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)"
    r"(?P<day>\d{1,2})(?!\d)"
)
"""A numeric date in text, year first: ``2026-11-20``, ``2026.11.20``, ``2026/11/20``."""

DOTTED_DATE = re.compile(r"(?<![\d.])(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})(?!\d)")
"""A European day-first dotted date: ``20.11.2026`` (slashed day/month orders are
ambiguous and left unread)."""

TEXT_DATE_PATTERNS = (MONTH_DAY_YEAR, DAY_MONTH_YEAR, CJK_DATE, YEAR_FIRST_DATE, DOTTED_DATE)
"""Patterns of dates written in text."""

URL_DATES = (
    re.compile(
        r"/(?P<year>(?:19|20)\d{2})/(?P<month>0?[1-9]|1[0-2])/(?P<day>0?[1-9]|[12]\d|3[01])"
        r"(?:[/_.-]|$)"
    ),
    re.compile(
        r"/(?P<year>(?:19|20)\d{2})/(?P<month>[a-z]{3})[a-z]*/(?P<day>0?[1-9]|[12]\d|3[01])"
        r"(?:[/_.-]|$)",
        re.IGNORECASE,
    ),
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d{2})(?P<sep>[-_.])(?P<month>0[1-9]|1[0-2])(?P=sep)"
        r"(?P<day>0[1-9]|[12]\d|3[01])(?!\d)"
    ),
    re.compile(
        r"(?<!\d)(?P<year>(?:19|20)\d{2})(?P<month>0[1-9]|1[0-2])(?P<day>0[1-9]|[12]\d|3[01])"
        r"(?!\d)"
    ),
)
"""Days in a URL path: ``/2026/11/20/``, ``/2026/nov/20/``, ``/2026-11-20-slug``,
``/20261120/``."""


def _offset(zone: str | None) -> timezone | None:
    """The UTC offset a zone designator states, or ``None`` (none, unknown or out of range)."""
    if not zone:
        return None
    hours = ZONES.get(zone.casefold())
    if hours is not None:
        return timezone(timedelta(hours=hours))
    match = ZONE_OFFSET.fullmatch(zone)
    if match is None:
        return None
    delta = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"] or 0))
    if delta > MAX_OFFSET:
        return None
    return timezone(-delta if match["sign"] == "-" else delta)


def _iso_stamp(value: str) -> date | None:
    """An :data:`ISO_STAMP` value as a day or a timestamp; ``None`` if it is no valid one."""
    match = ISO_STAMP.fullmatch(value)
    if match is None:
        return None
    try:
        day = date(
            int(match["year"]),
            int(match["month"] or match["cmonth"]),
            int(match["day"] or match["cday"]),
        )
        if match["hour"] is None:
            return day
        return datetime(
            day.year,
            day.month,
            day.day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=_offset(match["zone"]),
        )
    except ValueError:
        return None


def _rfc_2822(value: str) -> date | None:
    """An RFC 2822 timestamp (``Fri, 20 Nov 2026 09:30:00 +0100``), or ``None``."""
    if RFC_2822.match(value) is None:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _month_number(name: str) -> int:
    """A month given as a number or a name (:data:`MONTHS`); 0 when unknown."""
    return int(name) if name.isdigit() else MONTHS.get(name.casefold(), 0)


def text_date(text: str) -> tuple[date, re.Match[str]] | None:
    """The first written date in ``text`` (day precision), with its match."""
    found: list[tuple[date, re.Match[str]]] = []
    for pattern in TEXT_DATE_PATTERNS:
        for match in pattern.finditer(text):
            try:
                day = date(int(match["year"]), _month_number(match["month"]), int(match["day"]))
            except ValueError:
                continue
            found.append((day, match))
            break
    return min(found, key=lambda item: item[1].start()) if found else None


def parse_date(value: object, latest: datetime) -> date | None:
    """A date or timestamp from a metadata value, or ``None`` when there is none or it is
    absurd. A ``datetime`` keeps the stated time and offset (naive when none is stated); a
    plain ``date`` means only the day is stated.

    :param value: a string (ISO-8601-like, RFC 2822 or a written date) or a JSON number
        (seconds or milliseconds since the epoch).
    :param latest: the latest acceptable moment (now plus :data:`MAX_FUTURE`).
    """
    when: date | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        when = _epoch(value)
    elif isinstance(value, str) and len(value) <= MAX_DATE_TEXT_CHARS:
        text = value.strip()
        when = _iso_stamp(text) or _rfc_2822(text)
        if when is None and (written := text_date(text)) is not None:
            when = written[0]
    return when if when is not None and plausible(when, latest) else None


def _epoch(value: float) -> datetime | None:
    """A JSON number as a UTC timestamp: seconds, or milliseconds, since the epoch."""
    seconds = value / 1000 if value > MAX_EPOCH_SECONDS else value
    if not 0 < seconds < MAX_EPOCH_SECONDS:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def plausible(when: date, latest: datetime) -> bool:
    """Whether a date is neither before :data:`EARLIEST_YEAR` nor after ``latest``."""
    if when.year < EARLIEST_YEAR:
        return False
    if isinstance(when, datetime):
        return when <= (latest if when.tzinfo is not None else latest.replace(tzinfo=None))
    return when <= latest.date()


def iso_text(when: date) -> str:
    """ISO-8601 text, to the second for a timestamp."""
    if isinstance(when, datetime):
        return when.isoformat(timespec="seconds")
    return when.isoformat()


def _day(when: date) -> date:
    """The day of a date or timestamp (a timestamp's day where its offset is)."""
    return when.date() if isinstance(when, datetime) else when


def earlier(first: date, second: date) -> bool:
    """Whether ``first`` is before ``second``: as instants when both state a time and both
    or neither an offset, else by day."""
    if not isinstance(first, datetime) or not isinstance(second, datetime):
        return _day(first) < _day(second)
    if (first.tzinfo is None) != (second.tzinfo is None):
        return first.date() < second.date()
    return first < second


def complete(when: date) -> bool:
    """Whether a date states a time and a UTC offset: nothing to add to it."""
    return isinstance(when, datetime) and when.tzinfo is not None


def more_precise(winner: date, other: date) -> bool:
    """Whether ``other`` states all ``winner`` states and more: a time for the same day, or
    an offset for the same wall time."""
    if not isinstance(other, datetime):
        return False
    if not isinstance(winner, datetime):
        return other.date() == winner
    if winner.tzinfo is not None or other.tzinfo is None:
        return False
    return other.replace(tzinfo=None, second=0) == winner.replace(second=0)


def url_date(url: str | None) -> date | None:
    """The day a URL path states (:data:`URL_DATES`), or ``None``."""
    if not url:
        return None
    path = urlsplit(url).path
    for pattern in URL_DATES:
        if (match := pattern.search(path)) is not None:
            try:
                return date(int(match["year"]), _month_number(match["month"]), int(match["day"]))
            except ValueError:
                continue
    return None
