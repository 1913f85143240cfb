"""The article-extraction-benchmark metric: 4-token shingle matching.

This follows ``evaluate.py`` of ``scrapinghub/article-extraction-benchmark`` as described in
the README of the benchmark folder (``benchmarks/article-extraction-benchmark-dev``):

* both texts are tokenised with the regex ``\\w+`` (case is kept, as upstream does), after
  Unicode normalization to form C: the extraction stores NFC, and the gold of a few pages
  is decomposed (two of fundus's), which would otherwise split their accented words;
* overlapping 4-token shingles are built; a text with fewer than 4 tokens yields a single
  shingle made of all its tokens (upstream's ``range(max(1, len(tokens) - n + 1))``), and a
  text with no token yields no shingle;
* the shingle multisets are compared: true positives are the shared shingles, false positives
  the extra predicted ones, false negatives the missing reference ones, and the three counts are
  normalised to sum to 1 on each page;
* precision is averaged over the pages with a non-empty prediction, recall over the pages with a
  non-empty reference, and F1 is ``2PR / (P + R)`` of those two averages.

"Empty" means "has no shingle", i.e. no ``\\w`` token at all.
"""

from __future__ import annotations

import re
from collections import Counter

from pipelines.extraction.result import nfc

SHINGLE_SIZE = 4
_TOKEN_RE = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    """Return the ``\\w+`` tokens of ``text``, read in Unicode NFC."""
    return _TOKEN_RE.findall(nfc(text or ""))


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Count the overlapping ``size``-token shingles of ``text``.

    Shorter texts give one shingle holding all their tokens; texts without tokens give none.
    """
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + size]) for i in range(max(1, len(tokens) - size + 1)))


def tp_fp_fn(predicted: str, reference: str) -> tuple[float, float, float]:
    """Shared, extra and missing shingles of one page, normalised to sum to 1 (or all 0)."""
    pred, true = shingles(predicted), shingles(reference)
    tp = float(sum((pred & true).values()))
    fp = float(sum((pred - true).values()))
    fn = float(sum((true - pred).values()))
    total = tp + fp + fn
    if total == 0:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean of ``precision`` and ``recall``, 0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score_page(predicted: str, reference: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of one page.

    An empty prediction has precision 0 (upstream leaves such a page out of the precision
    average instead); two empty texts match perfectly and score 1.0 on all three.
    """
    tp, fp, fn = tp_fp_fn(predicted, reference)
    if tp + fp + fn == 0:
        return 1.0, 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, _f1(precision, recall)


def score_corpus(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """Benchmark precision, recall and F1 over ``(predicted, reference)`` pairs.

    Precision is averaged over the pages whose prediction has a shingle, recall over those whose
    reference has one; an average over no page is 0.
    """
    precisions: list[float] = []
    recalls: list[float] = []
    for predicted, reference in pairs:
        tp, fp, fn = tp_fp_fn(predicted, reference)
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    return precision, recall, _f1(precision, recall)
