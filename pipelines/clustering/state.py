"""Writing what story assignment changed, in the caller's transaction: ``stories`` rows and
``articles.story_id`` (:func:`save_assignments`), and the document frequencies in
``story_terms`` (:func:`add_document_frequencies`).

The story stage calls :func:`save_assignments` once the store has committed the articles
concerned, inside one transaction of its own: a crash leaves either all of a batch's story
changes or none, and never a story id that names no story. Document frequencies are a
statistic that thousands of rows hold: the stage adds up several batches' worth
(:func:`document_frequencies`) before writing them.
"""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
from collections import Counter
from collections.abc import Iterable

from crawler.items import Story
from pipelines.clustering.engine import Assignment
from pipelines.clustering.features import DOCUMENTS

STORY_COLUMNS = tuple(f.name for f in dataclasses.fields(Story))
UPSERT_STORY = (
    f"INSERT INTO stories ({', '.join(STORY_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in STORY_COLUMNS)})"
    " ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in STORY_COLUMNS if name != "id")
)
COUNT_ARTICLES = (
    "UPDATE stories SET article_count = (SELECT count(*) FROM articles WHERE story_id = ?)"
    " WHERE id = ?"
)
ADD_DOCUMENT_FREQUENCY = (
    "INSERT INTO story_terms (term, df) VALUES (?, ?)"
    " ON CONFLICT(term) DO UPDATE SET df = df + excluded.df"
)


def save_assignments(connection: sqlite3.Connection, assignments: Iterable[Assignment]) -> int:
    """Write a batch of assignments; the number of articles given a story.

    Each story is written once, as the latest assignment left it; its ``article_count`` is
    then counted from ``articles``, so that it holds whatever happened to the articles'
    own writes.
    """
    latest: dict[str, Story] = {}
    placed: list[tuple[str, str]] = []
    for assignment in sorted(assignments, key=lambda assignment: assignment.seq):
        if assignment.story is None:
            continue
        latest[assignment.story.id] = assignment.story
        placed.append((assignment.story.id, assignment.article_id))
    if not latest:
        return 0
    connection.executemany(
        UPSERT_STORY,
        [[getattr(story, name) for name in STORY_COLUMNS] for story in latest.values()],
    )
    connection.executemany("UPDATE articles SET story_id = ? WHERE id = ?", placed)
    connection.executemany(COUNT_ARTICLES, [(story_id, story_id) for story_id in latest])
    return len(placed)


def document_frequencies(
    assignments: Iterable[Assignment], frequencies: Counter[int] | None = None
) -> Counter[int]:
    """How much the document frequency of each feature grows with ``assignments``
    (:data:`DOCUMENTS`: the number of documents).

    :param frequencies: counts to add them to (in place, and returned); by default, none.
    """
    if frequencies is None:
        frequencies = Counter()
    counted = [assignment.terms for assignment in assignments if assignment.story is not None]
    # One update over every term: a Counter counts an iterable in C, and adds another
    # Counter to a non-empty one a term at a time in Python.
    frequencies.update(itertools.chain.from_iterable(counted))
    if counted:
        frequencies[DOCUMENTS] += len(counted)
    return frequencies


def add_document_frequencies(connection: sqlite3.Connection, frequencies: Counter[int]) -> None:
    """Add ``frequencies`` to those in ``story_terms``."""
    connection.executemany(ADD_DOCUMENT_FREQUENCY, sorted(frequencies.items()))
