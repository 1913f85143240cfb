"""Counting words in any script.

Most scripts separate words with spaces, and a word is a run of ``\\w`` characters
(:data:`WORD`). Chinese and Japanese (Han, Hiragana, Katakana)
and the scripts of South-East Asia (Thai, Lao, Khmer, Myanmar) do not: a whole sentence is one
such run, so a 1,500-character article would count as a dozen "words". In those scripts each
character counts as a word, as word processors count East Asian text; Hangul (Korean) is
written with spaces and is counted by runs.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")
"""A word, as every count and comparison of words in the extraction reads one (in a script
written with spaces)."""

UNSPACED_SCRIPT_CHAR = re.compile(
    "["
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Hiragana, Katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # Han
    "]"
)
"""A character of a script written without spaces between words."""


def count_words(text: str) -> int:
    """How many words ``text`` holds: ``\\w`` runs, where each character of a script written
    without spaces (:data:`UNSPACED_SCRIPT_CHAR`) counts as a word of its own."""
    unspaced = len(UNSPACED_SCRIPT_CHAR.findall(text))
    if not unspaced:
        return len(WORD.findall(text))
    return unspaced + len(WORD.findall(UNSPACED_SCRIPT_CHAR.sub(" ", text)))


def has_words(text: str, minimum: int) -> bool:
    """Whether ``text`` holds at least ``minimum`` words (:func:`count_words`), reading no
    more of it than needed when it is written with spaces."""
    if UNSPACED_SCRIPT_CHAR.search(text):
        return count_words(text) >= minimum
    return any(index >= minimum - 1 for index, _ in enumerate(WORD.finditer(text)))
