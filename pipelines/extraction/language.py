"""Language detection from the article text, with the model py3langid ships."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

from py3langid.langid import MODEL_FILE, LanguageIdentifier

WORD = re.compile(r"\w+")

MIN_WORDS = 20
"""Texts shorter than this are too short for a trustworthy guess."""

MIN_CONFIDENCE = 0.8
"""Normalised probability below which no language is recorded."""

SAMPLE_CHARS = 1_500
"""Detection reads at most this much of the text (about 250 words). The model is walked byte
by byte through a 40 MB table, so the time grows with the sample. On 1,106 windows of text
from the dev benchmark pages and the test fixtures, 1,500 characters give the language that
20,000 give for all but two, both Indonesian, where it abstains (and the page's declared
language stands), in half the time on these pages."""


@lru_cache(maxsize=1)
def load_model() -> LanguageIdentifier:
    """py3langid's model, loaded on first use (about half a second) and kept."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """Return the ISO 639-1 code of the language ``text`` is written in, or ``None``.

    :param text: clean article text.
    """
    sample = text[:SAMPLE_CHARS]
    if next(islice(WORD.finditer(sample), MIN_WORDS - 1, None), None) is None:
        return None
    language, confidence = load_model().classify(sample)
    return str(language) if confidence >= MIN_CONFIDENCE else None
