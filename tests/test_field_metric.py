"""The fundus benchmark's metadata metrics (pipelines.extraction.field_metric)."""

from __future__ import annotations

import pytest

from pipelines.extraction.field_metric import (
    Fields,
    author_scores,
    field_scores,
    same_day,
    same_minute,
    same_title,
)


@pytest.mark.parametrize(
    ("predicted", "gold", "right"),
    [
        ("Budget  passes", "budget passes", True),
        ("“Budget passes”", "Budget passes", True),
        ("«Budget passes»", "'Budget passes'", True),
        ("ＢＵＤＧＥＴ", "budget", True),
        ("Budget passes", "Budget pas\u00adses\u200b", True),
        ("Budget passes", "Budget pass es", False),
        ("Budget passes | Example News", "Budget passes", False),
        ("", "", False),
        (None, "Budget", False),
    ],
)
def test_title_is_right_only_up_to_case_spacing_width_quotes_and_format_characters(
    predicted: str | None, gold: str, right: bool
) -> None:
    assert same_title(predicted, gold) is right


def test_author_scores_compare_sets_of_normalised_names() -> None:
    assert author_scores(["JANE  Doe", "Reuters"], ["Jane Doe"]) == (0.5, 1.0, pytest.approx(2 / 3))
    assert author_scores([], ["Jane Doe"]) == (0.0, 0.0, 0.0)
    assert author_scores([], []) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("predicted", "gold", "day", "minute"),
    [
        ("2024-05-03", "2024-05-03 15:47:42.389000+00:00", True, None),
        ("2024-05-04T00:30:00+02:00", "2024-05-03 22:30:10+00:00", True, True),
        ("2024-05-04T00:30:00+02:00", "2024-05-04 00:31:00+02:00", True, False),
        ("2024-05-03T23:30:00-05:00", "2024-05-03 12:00:00+00:00", False, False),
        ("2024-05-03T23:30:00", "2024-05-03 12:00:00+00:00", True, None),
        ("2024-05-03T10:00:00Z", "2024-05-03T10:00:00+00:00", True, True),
        (None, "2024-05-03", False, None),
        ("not a date", "2024-05-03", False, None),
    ],
)
def test_day_is_read_in_the_gold_offset_and_minutes_compared_in_utc(
    predicted: str | None, gold: str, day: bool, minute: bool | None
) -> None:
    assert same_day(predicted, gold) is day
    assert same_minute(predicted, gold) is minute


def test_field_scores_count_pages_by_what_their_gold_states() -> None:
    golds = [
        Fields("One", ["Jane Doe"], "2024-05-03T10:00:00+00:00"),
        Fields("Two", None, "2024-05-03"),
        Fields("Three", ["Ann Poe", "Bo Li"], None),
    ]
    given = [
        Fields("One", ["Jane Doe"], "2024-05-03T10:00:00+00:00"),
        Fields("two | Site", ["Someone"], "2024-05-04"),
        Fields("Three", ["Ann Poe"], "2024-05-05"),
    ]
    scores = field_scores(given, golds)
    assert scores.title == pytest.approx(2 / 3)
    assert scores.authors == pytest.approx((1.0, 0.75, (1 + 2 / 3) / 2))
    assert scores.authored == 2
    assert scores.day == 0.5
    assert (scores.minute, scores.timed) == (1.0, 1)
    assert (scores.stated, scores.stated_right, scores.invented) == (3, 0.5, 1)
