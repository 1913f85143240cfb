"""An article as a bag of hashed features weighted for news: what story clustering compares.

Three kinds of feature come from an article, all hashed into one space of
:data:`FEATURE_SPACE` ids (CRC-32 of the feature's name: stable across processes and
Python versions, unlike ``hash``), so that document frequencies fit a fixed-size array and
a table of integers, however large the vocabulary grows:

- words of the title and text, lowercased, with possessives and plural ``s`` taken off and
  English function words (and weekday and month names, which every news story has) left
  out;
- named entities, found without a model: runs of capitalised words (``Doobie Brothers``,
  ``Michael McDonald``, ``NASA``), the whole run and each of its words, except a lone
  capitalised word opening a sentence (``But``, ``Officials``), which says nothing;
- numbers with their unit or currency (``$449,000``, ``30-date``, ``275 horsepower``), and
  numbers of three digits or more that are not years.

Each feature weighs ``1 + ln(count)`` (sublinear: a word said ten times is not ten times as
telling), times :data:`TITLE_WEIGHT` in the title, :data:`ENTITY_WEIGHT` for an entity and
:data:`NUMBER_WEIGHT` for a number; the title's and the text's weights add up. Names and
numbers are what two reports of the same event share and two reports of different events
seldom do; the title says what the event is. These are raw weights: the inverse document
frequency is applied when articles are compared (:mod:`pipelines.clustering.engine`),
because it changes as the corpus grows.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter

FEATURE_SPACE = 1 << 22
"""Feature ids are 1 .. FEATURE_SPACE - 1."""
DOCUMENTS = 0
"""The id kept out of the feature space: its document frequency is the number of documents."""

TITLE_WEIGHT = 4.0
ENTITY_WEIGHT = 1.0
NUMBER_WEIGHT = 1.5

_STOPWORD_LIST = """
    a about above across after again against ago all almost along already also although
    always am among an and another any anyone anything are around as at away back be became
    because become been before being below between both but by came can cannot could day
    days did do does doing done down during each either else even ever every few first for
    from further get gets getting go goes going got had has have having he her here hers
    herself him himself his how however i if in include including into is it its itself
    just last later least less like made make many may me might more most much must my
    myself near need never new next no nor not now of off often on once one only or other
    others our ours ourselves out over own part per put rather really said same say saying
    says see seen set several she should since so some something still such take than that
    the their theirs them themselves then there these they thing things this those though
    three through time times to today told too two under until up upon us use used very
    want was way we week weeks well went were what when where whether which while who whom
    whose why will with within without would year years yes yet you your yours yourself
    yourselves mr mrs ms dr st told according
    monday tuesday wednesday thursday friday saturday sunday
    january february march april june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
"""
STOPWORDS = frozenset(_STOPWORD_LIST.split())
"""English function words, and weekday and month names (``may`` is one already): left out
of the features. Other languages' function words get a low weight from their document
frequency instead."""

CONNECTORS = frozenset({"of", "de", "del", "van", "von", "der", "al", "bin", "da", "du", "la"})
"""Lowercase words that may stand inside a name (``Bank of England``, ``Ursula von der Leyen``)."""

WORD = re.compile(r"\w+(?:['’.\-]\w+)*")
SENTENCE_END = frozenset(".!?:;\"“”‘’'([—–-•|")
ORDINALS = frozenset({"st", "nd", "rd", "th"})
YEAR = re.compile(r"(?:1[89]|20)\d\d")
NUMBER = re.compile(
    r"(?<![\w.,])([$£€¥])?(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:(%)|\s?(per ?cent|thousand|million|billion|trillion|bn)\b|-([a-z]{2,12})\b)?"
)
"""A number with its currency sign, percent sign, scale or hyphenated unit: ``$449,000``,
``20%``, ``$9 billion``, ``30-date``."""


def feature_id(name: str) -> int:
    """The hashed id of a feature, 1 .. ``FEATURE_SPACE - 1``."""
    return 1 + zlib.crc32(name.encode("utf-8")) % (FEATURE_SPACE - 1)


def normalise(word: str) -> str:
    """A word as it is compared: lowercased, without a possessive, dots or a plural ``s``."""
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace(".", "").replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a line or a sentence."""
    before = text[max(0, start - 4) : start].rstrip(" \t")
    return not before or before[-1] == "\n" or before[-1] in SENTENCE_END


def _words(text: str) -> tuple[Counter[str], Counter[str]]:
    """The content words of ``text`` and its pairs of adjacent content words."""
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    previous: str | None = None
    for match in WORD.finditer(text):
        word = normalise(match.group())
        if len(word) > 1 and not word.isdigit() and word not in STOPWORDS:
            words[word] += 1
            if previous is not None:
                pairs[f"{previous} {word}"] += 1
            previous = word
        else:
            previous = None
    return words, pairs


def _entities(text: str) -> Counter[str]:
    """Names in ``text``: runs of capitalised words, whole and word by word."""
    entities: Counter[str] = Counter()
    run: list[str] = []
    run_starts_sentence = False
    pending_connector: str | None = None
    previous_end = -1

    def close() -> None:
        words = [normalise(word) for word in run]
        if run_starts_sentence and words and words[0] in STOPWORDS:
            words = words[1:]
        elif run_starts_sentence and len(words) == 1:
            words = []
        words = [word for word in words if len(word) > 1 and word not in STOPWORDS]
        while words and words[-1] in CONNECTORS:
            words.pop()
        if words:
            entities[" ".join(words)] += 1

    for match in WORD.finditer(text):
        word, start = match.group(), match.start()
        adjacent = previous_end >= 0 and text[previous_end:start] == " "
        previous_end = match.end()
        if word[0].isupper():
            if run and adjacent:
                if pending_connector is not None:
                    run.append(pending_connector)
                run.append(word)
            else:
                if run:
                    close()
                run = [word]
                run_starts_sentence = _sentence_start(text, start)
            pending_connector = None
        elif run and adjacent and word in CONNECTORS and pending_connector is None:
            pending_connector = word
        else:
            if run:
                close()
            run, pending_connector = [], None
    if run:
        close()
    return entities


def _numbers(text: str) -> Counter[str]:
    numbers: Counter[str] = Counter()
    for match in NUMBER.finditer(text):
        currency, digits, percent, scale, unit = match.groups()
        digits = digits.replace(",", "")
        suffix = percent or scale or (normalise(unit) if unit else "")
        if suffix in ORDINALS:
            suffix = ""
        if not currency and not suffix and (len(digits) < 3 or YEAR.fullmatch(digits)):
            continue
        numbers[f"{currency or ''}{digits} {suffix}".strip()] += 1
    return numbers


def _add(weights: dict[int, float], prefix: str, counts: Counter[str], weight: float) -> None:
    for name, count in counts.items():
        key = feature_id(prefix + name)
        weights[key] = weights.get(key, 0.0) + weight * (1.0 + math.log(1.0 + math.log(count)))


def article_features(title: str | None, text: str) -> dict[int, float]:
    """The raw feature weights of an article (before inverse document frequency).

    :param title: the headline, if the page has one.
    :param text: the clean article body.
    """
    words, pairs = _words(text)
    weights: dict[int, float] = {}
    _add(weights, "w:", words, 1.0)
    _add(weights, "b:", pairs, 1.0)
    _add(weights, "e:", _entities(text), ENTITY_WEIGHT)
    _add(weights, "n:", _numbers(text), NUMBER_WEIGHT)
    if title:
        title_words, _ = _words(title)
        told = Counter({word: n for word, n in title_words.items() if word in words})
        _add(weights, "w:", told, TITLE_WEIGHT)
        _add(weights, "w:", title_words - told, 1.0)
        _add(weights, "n:", _numbers(title), TITLE_WEIGHT)
    return weights
