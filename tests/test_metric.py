"""The shingle metric of the article-extraction benchmark, checked on hand-computed cases."""

from __future__ import annotations

import unicodedata

import pytest

from pipelines.extraction.metric import score_corpus, score_page, shingles, tokenize, tp_fp_fn


def test_tokens_are_word_runs() -> None:
    assert tokenize("It's 2,500 troops—U.S.-led!") == [
        "It",
        "s",
        "2",
        "500",
        "troops",
        "U",
        "S",
        "led",
    ]


def test_shingles_overlap_and_count_repeats() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("a b c d a b c d")[("a", "b", "c", "d")] == 2


def test_short_texts_are_one_shingle_and_empty_texts_none() -> None:
    assert shingles("a b") == {("a", "b"): 1}
    assert shingles("  ... !") == {}


def test_identical_texts_score_one() -> None:
    text = "President Joe Biden says US forces will end their combat mission in Iraq."
    assert score_page(text, text) == (1.0, 1.0, 1.0)
    assert score_corpus([(text, text), ("a b c", "a b c")]) == (1.0, 1.0, 1.0)


def test_disjoint_texts_score_zero() -> None:
    assert score_page("one two three four five", "six seven eight nine ten") == (0.0, 0.0, 0.0)


def test_partial_overlap_by_hand() -> None:
    # reference "a b c d e f": abcd bcde cdef; prediction "a b c d e x y": abcd bcde cdex dexy
    # tp = 2, fp = 2, fn = 1 -> normalised 2/5, 2/5, 1/5; P = 2/4, R = 2/3, F1 = 4/7
    assert tp_fp_fn("a b c d e x y", "a b c d e f") == pytest.approx((0.4, 0.4, 0.2))
    precision, recall, f1 = score_page("a b c d e x y", "a b c d e f")
    assert (precision, recall, f1) == pytest.approx((0.5, 2 / 3, 4 / 7))


def test_case_matters_as_upstream() -> None:
    assert score_page("Iraq", "iraq")[2] == 0.0


def test_corpus_averages_precision_and_recall_then_takes_f1() -> None:
    # page 1: P = 1/2, R = 2/3 (above); page 2: perfect -> P = 3/4, R = 5/6
    pairs = [("a b c d e x y", "a b c d e f"), ("p q r s", "p q r s")]
    precision, recall, f1 = score_corpus(pairs)
    assert precision == pytest.approx(0.75)
    assert recall == pytest.approx(5 / 6)
    assert f1 == pytest.approx(2 * 0.75 * (5 / 6) / (0.75 + 5 / 6))


def test_empty_prediction_keeps_precision_and_costs_recall() -> None:
    pairs = [("a b c d", "a b c d"), ("", "e f g h")]
    precision, recall, _ = score_corpus(pairs)
    assert precision == 1.0
    assert recall == 0.5
    assert score_page("", "e f g h") == (0.0, 0.0, 0.0)
    assert score_page("", "") == (1.0, 1.0, 1.0)


def test_texts_are_compared_in_one_unicode_form() -> None:
    composed = "Le café de la gare a rouvert après des années de travaux."
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert score_page(composed, decomposed) == (1.0, 1.0, 1.0)
