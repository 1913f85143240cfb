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
from itertools import compress, count, pairwise

FEATURE_SPACE = 1 << 22
"""Feature ids are 1 .. FEATURE_SPACE - 1."""
DOCUMENTS = 0
"""The id kept out of the feature space: its document frequency is the number of documents."""

MAX_CHARACTERS = 600_000
"""Characters of a text that features are taken from (about 100,000 words): no news article
is longer, and a hostile page of millions of words would otherwise cost seconds and hundreds
of megabytes in the worker."""

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
_SPLIT = re.compile(f"({WORD.pattern})")
"""Splits a text into the words :data:`WORD` finds and what lies between them, in one pass."""
SENTENCE_END = frozenset(".!?:;\"“”‘’'([—–-•|")
ORDINALS = frozenset({"st", "nd", "rd", "th"})
YEAR = re.compile(r"(?:1[89]|20)\d\d")
NUMBER = re.compile(
    r"(?=[$£€¥\d])(?<![\w.,])([$£€¥])?(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    r"(?:(%)|\s?(per ?cent|thousand|million|billion|trillion|bn)\b|-([a-z]{2,12})\b)?"
)
"""A number with its currency sign, percent sign, scale or hyphenated unit: ``$449,000``,
``20%``, ``$9 billion``, ``30-date``. (The lookahead only spares the regex engine a
lookbehind at each position where no number can start.)"""


def feature_id(name: str) -> int:
    """The hashed id of a feature, 1 .. ``FEATURE_SPACE - 1``."""
    return 1 + zlib.crc32(name.encode("utf-8")) % (FEATURE_SPACE - 1)


def normalise(word: str) -> str:
    """A word as it is compared: lowercased, without a possessive, dots or a plural ``s``."""
    word = word.lower()
    if not word.isalnum():  # (else it has no apostrophe or dot to take off)
        word = word.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        word = word.replace(".", "").replace("'", "")
    if word[-1:] == "s":
        if len(word) > 4 and word.endswith("ies"):
            return word[:-3] + "y"
        if len(word) > 3 and not word.endswith(("ss", "us", "is")):
            return word[:-1]
    return word


class _Tokens:
    """A text read once for its words and names: its words (as :data:`WORD` finds them),
    what lies before each (since the previous word or the text's start), and each distinct
    word as :func:`normalise` makes it (worked out once, however often the word comes)."""

    __slots__ = ("words", "gaps", "normal")

    def __init__(self, text: str) -> None:
        parts = _SPLIT.split(text)
        self.words: list[str] = parts[1::2]
        self.gaps: list[str] = parts[0:-1:2]
        self.normal = {word: normalise(word) for word in dict.fromkeys(self.words)}


def _sentence_start(gap: str, first: bool) -> bool:
    """Whether a word opens a line or a sentence: whether the last of the four characters
    before it that is not a space or a tab (if any) ends a line or a sentence.

    :param gap: what lies before the word (since the previous word or the text's start).
    :param first: whether the word is its text's first.
    """
    before = gap[-4:].rstrip(" \t")
    if before:
        return before[-1] == "\n" or before[-1] in SENTENCE_END
    # Blanks only: when the gap is shorter than four characters and follows a word, the
    # last of the four is that word's last, a word character, which ends nothing.
    return first or len(gap) >= 4


def _words_of(tokens: _Tokens) -> tuple[Counter[str], Counter[str]]:
    normal = tokens.normal
    content = {
        word
        for word in normal.values()
        if len(word) > 1 and not word.isdigit() and word not in STOPWORDS
    }
    normalised = list(map(normal.__getitem__, tokens.words))
    words = Counter([word for word in normalised if word in content])
    pairs = Counter(
        [
            f"{previous} {word}"
            for previous, word in pairwise(normalised)
            if previous in content and word in content
        ]
    )
    return words, pairs


def _words(text: str) -> tuple[Counter[str], Counter[str]]:
    """The content words of ``text`` and its pairs of adjacent content words."""
    return _words_of(_Tokens(text))


def _entities_of(tokens: _Tokens) -> Counter[str]:
    words, gaps, normal = tokens.words, tokens.gaps, tokens.normal
    entities: Counter[str] = Counter()

    def close(run: list[str], starts_sentence: bool) -> None:
        names = [normal[word] for word in run]
        if starts_sentence and names and names[0] in STOPWORDS:
            names = names[1:]
        elif starts_sentence and len(names) == 1:
            names = []
        names = [name for name in names if len(name) > 1 and name not in STOPWORDS]
        while names and names[-1] in CONNECTORS:
            names.pop()
        if names:
            entities[" ".join(names)] += 1

    # A run goes on from its last capitalised word to the next one when that one follows it
    # after a space, directly or after one connector (itself after a space); any other word
    # ends it. Only the capitalised words are visited.
    capitalised = {word for word in normal if word[0].isupper()}
    run: list[str] = []
    starts_sentence = False
    last = -2
    for index in compress(count(), map(capitalised.__contains__, words)):
        word, gap = words[index], gaps[index]
        if run and gap == " ":
            if index == last + 1:
                run.append(word)
                last = index
                continue
            if index == last + 2 and gaps[last + 1] == " " and words[last + 1] in CONNECTORS:
                run += (words[last + 1], word)
                last = index
                continue
        if run:
            close(run, starts_sentence)
        run, starts_sentence, last = [word], _sentence_start(gap, not index), index
    if run:
        close(run, starts_sentence)
    return entities


def _entities(text: str) -> Counter[str]:
    """Names in ``text``: runs of capitalised words, whole and word by word."""
    return _entities_of(_Tokens(text))


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
    """Add the weight of each feature, under :func:`feature_id` of ``prefix + name`` (the
    CRC-32 of the name carried on from the prefix's: the same)."""
    crc32, space, get, log = zlib.crc32, FEATURE_SPACE - 1, weights.get, math.log
    prefix_crc = crc32(prefix.encode("utf-8"))
    for name, n in counts.items():
        key = 1 + crc32(name.encode("utf-8"), prefix_crc) % space
        weights[key] = get(key, 0.0) + weight * (1.0 + log(1.0 + log(n)))


def article_features(title: str | None, text: str) -> dict[int, float]:
    """The raw feature weights of an article (before inverse document frequency).

    :param title: the headline, if the page has one.
    :param text: the clean article body; only its first :data:`MAX_CHARACTERS` count.
    """
    text = text[:MAX_CHARACTERS]
    tokens = _Tokens(text)
    words, pairs = _words_of(tokens)
    weights: dict[int, float] = {}
    _add(weights, "w:", words, 1.0)
    _add(weights, "b:", pairs, 1.0)
    _add(weights, "e:", _entities_of(tokens), ENTITY_WEIGHT)
    _add(weights, "n:", _numbers(text), NUMBER_WEIGHT)
    if title:
        title_words, _ = _words(title)
        told = Counter({word: n for word, n in title_words.items() if word in words})
        _add(weights, "w:", told, TITLE_WEIGHT)
        _add(weights, "w:", title_words - told, 1.0)
        _add(weights, "n:", _numbers(title), TITLE_WEIGHT)
    return weights
