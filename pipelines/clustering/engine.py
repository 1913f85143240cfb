"""Incremental story assignment: each new article joins the most similar recent story, or
starts one.

An article is compared with the stories that could hold it, never with the whole corpus:

- **Representation.** Its features (:mod:`pipelines.clustering.features`) weighted by
  inverse document frequency, ``ln((N + 1) / (df + 0.5))`` over the ``N`` articles seen so
  far (this one included), and scaled to unit length. Document frequencies grow with every
  article and are kept in the database (``story_terms``), so the next crawl goes on with
  them; weights are applied when articles are compared, so what a story holds (the sum of
  its articles' unit-length raw feature vectors, its *centroid*) never goes stale.
- **Similarity.** The cosine between the article and a story's centroid, both weighted by
  the current document frequencies. The article joins the best story whose similarity
  reaches ``threshold`` and that is close in time, else it starts a story of its own.
- **Time.** Close in time means published within ``window_days`` of the story's first to
  last publication date. An article or a story with no publication date is judged by first
  fetch times instead, so that a page without a date still joins the story its outlet's
  siblings make in the same crawl.
- **Candidates.** Stories with publication dates are indexed by the strongest
  :data:`SIGNATURE_TERMS` features of their centroid, in time buckets ``window_days`` wide:
  an article looks only in the three buckets around its date, at the stories that share one
  of its :data:`QUERY_TERMS` strongest features, and computes the cosine with the
  :data:`CANDIDATES` best of them. Stories without dates are found among the
  :data:`RECENT_STORIES` stories touched most recently. The cost of an assignment so depends
  on how many stories fall within the window, not on the size of the corpus.
- **Memory.** Stories are loaded from the database when an article needs their bucket (and,
  at start, those fetched within the window), and dropped again once written when more than
  :data:`STORIES_IN_MEMORY` are held, least recently used buckets first.
- **Label.** A story is labelled with the title of its most central article: the one whose
  vector is closest to the centroid, among the :data:`MEMBERS_KEPT` most recent articles
  and the current central one (for a story from an earlier crawl they are read back from
  ``articles`` the first time it grows).

The engine runs in one thread (the story stage gives it one): nothing here is locked. It
knows nothing of Scrapy, and only reads the database (:class:`StoryReader`); the stage
writes what it returns.
"""

from __future__ import annotations

import heapq
import math
import sqlite3
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from crawler.items import Story, utc_now
from pipelines.clustering.features import DOCUMENTS, FEATURE_SPACE, article_features

CENTROID_TERMS = 256
"""Features a story's centroid keeps (the strongest, weighted by inverse document frequency)."""
SIGNATURE_TERMS = 32
"""Features a dated story is indexed by."""
QUERY_TERMS = 32
"""Features of a new article looked up in the index."""
CANDIDATES = 24
"""Stories whose cosine with a new article is computed in full."""
MEMBER_TERMS = 64
"""Features kept of each article of a story in memory, to find its most central one."""
MEMBERS_KEPT = 48
"""Articles of a story kept in memory to choose its label from."""
RECENT_STORIES = 2000
"""Stories touched most recently, among which articles without a date look."""
STORIES_IN_MEMORY = 5_000
"""Past this many stories held, those in the least recently used time buckets are dropped
(they stay in the database and are read back when an article needs them)."""
DAY = 86_400.0
PRIOR_DOCUMENTS = 50
"""Documents assumed seen before the first, holding none of the features: in a corpus of a
handful of articles that all tell one story, the words they share would otherwise look as
common as "the"."""


def parse_time(value: str | None) -> float | None:
    """Seconds since the epoch of an ISO-8601 date or time (UTC when it states no offset);
    ``None`` when there is none or it cannot be read."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def iso(seconds: float) -> str:
    """UTC ISO-8601, to the second, with offset: how story times are written."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ArticleInput:
    """What story assignment needs of an article.

    :param published: its publication date, seconds since the epoch, if it states one.
    :param fetched: when it was first fetched, seconds since the epoch.
    :param stored_story: whether it may be stored in a story already (a new version of a
        stored article keeps its story); ``False`` spares looking it up.
    """

    id: str
    title: str | None
    text: str
    url: str
    fetched: float
    published: float | None = None
    features: dict[int, float] | None = None
    stored_story: bool = True

    @classmethod
    def of(
        cls,
        article_id: str,
        title: str | None,
        text: str,
        url: str,
        date_published: str | None,
        first_seen: str,
    ) -> ArticleInput:
        """From the columns of an ``articles`` row."""
        fetched = parse_time(first_seen)
        return cls(
            article_id,
            title,
            text,
            url,
            fetched if fetched is not None else datetime.now(UTC).timestamp(),
            parse_time(date_published),
        )

    @property
    def time(self) -> float:
        """Publication date, else first fetch."""
        return self.published if self.published is not None else self.fetched


Terms = npt.NDArray[np.int64]
Weights = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Vector:
    """A sparse vector being worked on: feature ids and their weights, in two arrays."""

    terms: Terms
    weights: Weights

    @classmethod
    def of(cls, vector: dict[int, float]) -> Vector:
        count = len(vector)
        return cls(
            np.fromiter(vector.keys(), np.int64, count),
            np.fromiter(vector.values(), np.float64, count),
        )

    def unit(self) -> Vector:
        """This vector scaled to length 1 (empty if it has no length)."""
        norm = math.sqrt(float(self.weights @ self.weights))
        if not norm:
            return Vector(self.terms[:0], self.weights[:0])
        return Vector(self.terms, self.weights / norm)

    def strongest(self, count: int, key: Weights | None = None) -> Vector:
        """The ``count`` terms of largest ``key`` (default: weight), largest first; equal
        ones in the order they are in."""
        order = np.argsort(-(self.weights if key is None else key), kind="stable")[:count]
        return Vector(self.terms[order], self.weights[order])

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.terms.tolist(), self.weights.tolist(), strict=True))


class Sparse:
    """A sparse vector held compactly (feature ids and float32 weights in two arrays): what
    stories and their articles keep in memory."""

    __slots__ = ("terms", "weights")

    def __init__(self, vector: dict[int, float] | Vector) -> None:
        if isinstance(vector, dict):
            vector = Vector.of(vector)
        self.terms = vector.terms.astype(np.int32)
        self.weights = vector.weights.astype(np.float32)

    def vector(self) -> Vector:
        return Vector(self.terms.astype(np.int64), self.weights.astype(np.float64))

    def packed(self) -> bytes:
        """As stored (``stories.centroid``): its feature ids (int32) then their weights
        (float32), little-endian."""
        return self.terms.astype("<i4").tobytes() + self.weights.astype("<f4").tobytes()

    @classmethod
    def unpacked(cls, blob: bytes) -> Sparse:
        """The inverse of :meth:`packed`."""
        half = len(blob) // 2
        sparse = cls.__new__(cls)
        sparse.terms = np.frombuffer(blob[:half], dtype="<i4").astype(np.int32)
        sparse.weights = np.frombuffer(blob[half:], dtype="<f4").astype(np.float32)
        return sparse

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.terms.tolist(), self.weights.tolist(), strict=True))

    def plus(self, vector: Vector) -> Vector:
        """The sum of this vector and ``vector`` (whose terms are distinct): this one's terms
        in their order, then ``vector``'s others in theirs, as adding ``vector`` to
        :meth:`as_dict` a term at a time would give them."""
        terms = self.terms.astype(np.int64)
        weights = self.weights.astype(np.float64)
        if not len(terms):
            return Vector(vector.terms, vector.weights)
        order = np.argsort(terms)
        at = order[np.searchsorted(terms, vector.terms, sorter=order).clip(max=len(terms) - 1)]
        shared = terms[at] == vector.terms
        weights[at[shared]] += vector.weights[shared]
        added = ~shared
        return Vector(
            np.concatenate([terms, vector.terms[added]]),
            np.concatenate([weights, vector.weights[added]]),
        )

    def __len__(self) -> int:
        return len(self.terms)


@dataclass
class _Member:
    """An article of a story in memory: its title and its strongest unit-length raw
    features."""

    title: str
    features: Sparse


@dataclass
class _Story:
    """A story held in memory."""

    id: str
    label: str
    central: str
    count: int
    first_time: float
    last_time: float
    first_fetched: float
    last_fetched: float
    first_published: float | None
    last_published: float | None
    centroid: Sparse
    members: OrderedDict[str, _Member] | None = None
    """``None`` for a story read from the database whose articles are not read yet."""
    seq: int = 0
    posted_terms: set[int] = field(default_factory=set)
    posted_buckets: set[int] = field(default_factory=set)
    signature: frozenset[int] = frozenset()

    @property
    def dated(self) -> bool:
        return self.last_published is not None

    def record(self, updated_at: str) -> Story:
        """The ``stories`` row of this story as it is now."""
        return Story(
            id=self.id,
            label=self.label,
            central_article_id=self.central,
            first_time=iso(self.first_time),
            last_time=iso(self.last_time),
            article_count=self.count,
            first_fetched=iso(self.first_fetched),
            last_fetched=iso(self.last_fetched),
            centroid=self.centroid.packed(),
            updated_at=updated_at,
            first_published=None if self.first_published is None else iso(self.first_published),
            last_published=None if self.last_published is None else iso(self.last_published),
        )


@dataclass(frozen=True)
class Assignment:
    """What assigning one article changed, for the stage to write.

    :param story: the story's row as it is after this article (``None`` when the article
        was in a story already: a new version keeps its story).
    :param terms: the article's distinct features, whose document frequencies grow by one.
    :param seq: the engine's count of changes, for writing only the latest state of a story.
    :param similarity: the cosine with the story joined; 0 for a new story.
    """

    article_id: str
    story: Story | None
    terms: tuple[int, ...]
    seq: int
    similarity: float = 0.0

    @property
    def story_id(self) -> str | None:
        return None if self.story is None else self.story.id


class StoryReader:
    """Reads story state from a cleanwire database, on a read-only connection of its own,
    opened in the thread that first uses it.

    :param path: the SQLite file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._connection.execute("PRAGMA busy_timeout = 10000")
        return self._connection

    def document_frequencies(self) -> Iterator[tuple[int, int]]:
        """Every ``(term, df)`` pair; ``term`` 0 is the number of documents."""
        yield from self.connection.execute("SELECT term, df FROM story_terms")

    def stories(self, where: str, parameters: Iterable[object]) -> list[sqlite3.Row]:
        """``stories`` rows matching ``where``."""
        cursor = self.connection.execute(
            "SELECT id, label, central_article_id, article_count, first_time, last_time,"
            " first_fetched, last_fetched, first_published, last_published, centroid"
            f" FROM stories WHERE {where}",
            list(parameters),
        )
        return list(cursor)

    def story_of(self, article_id: str) -> str | None:
        """The story a stored article is in, if any."""
        row = self.connection.execute(
            "SELECT story_id FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        return None if row is None else row[0]

    def members(self, story_id: str, central: str, limit: int) -> list[ArticleInput]:
        """The central article of a story and its most recently fetched others."""
        rows = self.connection.execute(
            "SELECT id, title, text, url, date_published, first_seen FROM articles"
            " WHERE story_id = ? ORDER BY id = ? DESC, first_seen DESC LIMIT ?",
            [story_id, central, limit],
        )
        return [ArticleInput.of(*row) for row in rows]

    def unassigned(self, after: int, limit: int) -> list[tuple[int, ArticleInput]]:
        """Stored articles in no story (stored before stories existed, or whose assignment a
        crash lost), by ``rowid`` after ``after``."""
        rows = self.connection.execute(
            "SELECT rowid, id, title, text, url, date_published, first_seen FROM articles"
            " WHERE story_id IS NULL AND rowid > ? ORDER BY rowid LIMIT ?",
            [after, limit],
        )
        return [(row[0], ArticleInput.of(*row[1:])) for row in rows]

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class StoryEngine:
    """Assigns articles to stories, one at a time, in the order they come.

    :param threshold: the cosine an article needs with a story to join it.
    :param window_days: how far in time an article may be from a story it joins.
    :param reader: where earlier crawls' stories and document frequencies are read from;
        ``None`` to start from nothing and keep everything in memory.
    :param now: seconds since the epoch: stories fetched within the window before it are
        loaded at start (default: the current time).
    """

    def __init__(
        self,
        threshold: float,
        window_days: float,
        reader: StoryReader | None = None,
        now: float | None = None,
    ) -> None:
        self.threshold = threshold
        self.window = window_days * DAY
        self.reader = reader
        self.now = datetime.now(UTC).timestamp() if now is None else now
        self.documents = 0
        self.df = np.zeros(FEATURE_SPACE, dtype=np.int32)
        self.stories: dict[str, _Story] = {}
        self.story_of: dict[str, str] = {}
        """Story of each article assigned in this run."""
        self.seq = 0
        self._postings: dict[int, dict[int, list[str]]] = {}
        self._loaded: set[int] = set()
        self._bucket_used: dict[int, int] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._recent_undated: OrderedDict[str, None] = OrderedDict()
        self._started = False

    # State from earlier crawls

    def _start(self) -> None:
        self._started = True
        if self.reader is None:
            return
        for term, count in self.reader.document_frequencies():
            if term == DOCUMENTS:
                self.documents = count
            elif 0 < term < FEATURE_SPACE:
                self.df[term] = count
        since = self.now - self.window
        rows = self.reader.stories(
            "last_fetched >= ? ORDER BY last_fetched DESC LIMIT ?", [iso(since), RECENT_STORIES]
        )
        for row in reversed(rows):
            self._touch(self._from_row(row))

    def _from_row(self, row: sqlite3.Row | tuple[object, ...]) -> _Story:
        """The story of a ``stories`` row: the one in memory if it is there."""
        story_id = str(row[0])
        held = self.stories.get(story_id)
        if held is not None:
            return held
        (_, label, central, count, first, last, first_f, last_f, first_p, last_p, blob) = row
        story = _Story(
            id=story_id,
            label=str(label),
            central=str(central),
            count=int(str(count)),
            first_time=parse_time(str(first)) or 0.0,
            last_time=parse_time(str(last)) or 0.0,
            first_fetched=parse_time(str(first_f)) or 0.0,
            last_fetched=parse_time(str(last_f)) or 0.0,
            first_published=parse_time(first_p) if isinstance(first_p, str) else None,
            last_published=parse_time(last_p) if isinstance(last_p, str) else None,
            centroid=Sparse.unpacked(blob) if isinstance(blob, bytes) else Sparse({}),
        )
        self.stories[story_id] = story
        self._index(story)
        return story

    def _bucket(self, seconds: float) -> int:
        return math.floor(seconds / self.window) if self.window > 0 else 0

    def _load_bucket(self, bucket: int) -> None:
        self._bucket_used[bucket] = self.seq
        if bucket in self._loaded:
            return
        self._loaded.add(bucket)
        if self.reader is None:
            return
        start, end = bucket * self.window, (bucket + 1) * self.window
        rows = self.reader.stories(
            "last_published >= ? AND first_published < ?", [iso(start), iso(end)]
        )
        for row in rows:
            self._post(self._from_row(row), {bucket})

    # The index

    def _idf(self, terms: Terms | npt.NDArray[np.int32]) -> Weights:
        idf: Weights = np.log((self.documents + PRIOR_DOCUMENTS + 1) / (self.df[terms] + 0.5))
        return idf

    def _weighted(self, vector: Vector) -> Vector:
        return Vector(vector.terms, vector.weights * self._idf(vector.terms)).unit()

    def _cosines(self, vector: Vector, others: list[Sparse]) -> Weights:
        """Cosines of a weighted unit vector with each of ``others`` weighted by the current
        document frequencies (0 with an empty one)."""
        cosines = np.zeros(len(others))
        kept = [n for n, other in enumerate(others) if len(other)]
        if not kept or not len(vector.terms):
            return cosines
        terms = np.concatenate([others[n].terms for n in kept])
        values = np.concatenate([others[n].weights for n in kept]) * self._idf(terms)
        starts = np.cumsum([0] + [len(others[n]) for n in kept[:-1]])
        order = np.argsort(vector.terms)
        keys, weights = vector.terms[order], vector.weights[order]
        position = np.searchsorted(keys, terms).clip(max=len(keys) - 1)
        own = np.where(keys[position] == terms, weights[position], 0.0)
        dots = np.add.reduceat(own * values, starts)
        norms = np.sqrt(np.add.reduceat(values * values, starts))
        cosines[kept] = np.divide(dots, norms, out=np.zeros(len(kept)), where=norms > 0)
        return cosines

    def _buckets_of(self, story: _Story) -> set[int]:
        if story.first_published is None or story.last_published is None:
            return set()
        first, last = self._bucket(story.first_published), self._bucket(story.last_published)
        return set(range(first, last + 1))

    def _post(self, story: _Story, buckets: set[int]) -> None:
        """Index ``story`` by its signature in ``buckets``."""
        for bucket in buckets:
            terms = story.signature if bucket in story.posted_buckets else None
            postings = self._postings.setdefault(bucket, {})
            for term in story.signature:
                if terms is None or term not in story.posted_terms:
                    postings.setdefault(term, []).append(story.id)
            story.posted_buckets.add(bucket)

    def _index(self, story: _Story) -> None:
        """Recompute the story's signature and index it where its dates put it."""
        if not len(story.centroid):
            return
        centroid = story.centroid.vector()
        weights = centroid.weights * self._idf(centroid.terms)
        signature = frozenset(centroid.strongest(SIGNATURE_TERMS, key=weights).terms.tolist())
        story.signature = signature
        buckets = self._buckets_of(story)
        new_buckets = buckets - story.posted_buckets
        old_buckets = buckets & story.posted_buckets
        self._post(story, new_buckets)
        fresh = signature - story.posted_terms
        for bucket in old_buckets:
            postings = self._postings.setdefault(bucket, {})
            for term in fresh:
                postings.setdefault(term, []).append(story.id)
        story.posted_terms |= signature

    def _touch(self, story: _Story) -> None:
        self._recent[story.id] = None
        self._recent.move_to_end(story.id)
        if story.dated:
            self._recent_undated.pop(story.id, None)
        else:
            self._recent_undated[story.id] = None
            self._recent_undated.move_to_end(story.id)
        for recent in (self._recent, self._recent_undated):
            while len(recent) > RECENT_STORIES:
                recent.popitem(last=False)

    # Assignment

    def _close_in_time(self, article: ArticleInput, story: _Story) -> bool:
        if (
            article.published is not None
            and story.first_published is not None
            and story.last_published is not None
        ):
            return (
                story.first_published - self.window
                <= article.published
                <= story.last_published + self.window
            )
        return (
            story.first_fetched - self.window <= article.fetched <= story.last_fetched + self.window
        )

    def _candidates(self, article: ArticleInput, vector: Vector) -> list[_Story]:
        query = vector.strongest(QUERY_TERMS).as_dict()
        scores: dict[str, float] = {}
        if article.published is not None:
            middle = self._bucket(article.published)
            for bucket in (middle - 1, middle, middle + 1):
                self._load_bucket(bucket)
                postings = self._postings.get(bucket, {})
                for term, weight in query.items():
                    for story_id in postings.get(term, ()):
                        scores[story_id] = scores.get(story_id, 0.0) + weight
            recent: Iterable[str] = self._recent_undated
        else:
            recent = self._recent
        query_set = frozenset(query)
        for story_id in recent:
            story = self.stories.get(story_id)
            if story is not None and story_id not in scores:
                shared = story.signature & query_set
                if shared:
                    scores[story_id] = sum(query[term] for term in shared)
        best = heapq.nlargest(CANDIDATES, scores, key=scores.__getitem__)
        found = [self.stories[story_id] for story_id in best if story_id in self.stories]
        return [story for story in found if self._close_in_time(article, story)]

    def assign(self, article: ArticleInput) -> Assignment | None:
        """Put ``article`` in a story: the best close one above the threshold, else a new one.

        :returns: what changed, or ``None`` when the article is in a story already (a new
            version of a stored article keeps its story).
        """
        if not self._started:
            self._start()
        if article.id in self.story_of:
            return None
        if (
            article.stored_story
            and self.reader is not None
            and self.reader.story_of(article.id) is not None
        ):
            return None
        raw = article.features
        if raw is None:
            raw = article_features(article.title, article.text)
        self.seq += 1
        self.documents += 1
        raw_vector = Vector.of(raw)
        self.df[raw_vector.terms] += 1
        vector = self._weighted(raw_vector)
        best: _Story | None = None
        best_similarity = 0.0
        candidates = self._candidates(article, vector)
        if candidates:
            cosines = self._cosines(vector, [story.centroid for story in candidates])
            nearest = int(np.argmax(cosines))
            if cosines[nearest] > 0:
                best, best_similarity = candidates[nearest], float(cosines[nearest])
        unit_raw = raw_vector.unit()
        if best is not None and best_similarity >= self.threshold:
            story = self._join(best, article, unit_raw)
        else:
            story = self._new(article, unit_raw)
            best_similarity = 0.0
        self.story_of[article.id] = story.id
        self._touch(story)
        return Assignment(
            article.id, story.record(utc_now()), tuple(raw), self.seq, best_similarity
        )

    def _member(self, article: ArticleInput, unit_raw: Vector) -> _Member:
        return _Member(article.title or article.url, Sparse(unit_raw.strongest(MEMBER_TERMS)))

    def _new(self, article: ArticleInput, unit_raw: Vector) -> _Story:
        story = _Story(
            id=article.id,
            label=article.title or article.url,
            central=article.id,
            count=1,
            first_time=article.time,
            last_time=article.time,
            first_fetched=article.fetched,
            last_fetched=article.fetched,
            first_published=article.published,
            last_published=article.published,
            centroid=Sparse(self._truncate(unit_raw)),
            members=OrderedDict({article.id: self._member(article, unit_raw)}),
            seq=self.seq,
        )
        self.stories[story.id] = story
        self._index(story)
        return story

    def _truncate(self, centroid: Vector) -> Vector:
        if len(centroid.terms) <= CENTROID_TERMS:
            return centroid
        weights = centroid.weights * self._idf(centroid.terms)
        return centroid.strongest(CENTROID_TERMS, key=weights)

    def _join(self, story: _Story, article: ArticleInput, unit_raw: Vector) -> _Story:
        if story.members is None:
            story.members = OrderedDict()
            if self.reader is not None:
                for stored in self.reader.members(story.id, story.central, MEMBERS_KEPT):
                    features = Vector.of(article_features(stored.title, stored.text)).unit()
                    story.members[stored.id] = self._member(stored, features)
        story.centroid = Sparse(self._truncate(story.centroid.plus(unit_raw)))
        story.count += 1
        story.first_time = min(story.first_time, article.time)
        story.last_time = max(story.last_time, article.time)
        story.first_fetched = min(story.first_fetched, article.fetched)
        story.last_fetched = max(story.last_fetched, article.fetched)
        if article.published is not None:
            story.first_published = min(
                story.first_published or article.published, article.published
            )
            story.last_published = max(story.last_published or article.published, article.published)
        story.members[article.id] = self._member(article, unit_raw)
        while len(story.members) > MEMBERS_KEPT:
            oldest = next(member for member in story.members if member != story.central)
            del story.members[oldest]
        centroid_weighted = self._weighted(story.centroid.vector())
        member_ids = list(story.members)
        cosines = self._cosines(
            centroid_weighted, [member.features for member in story.members.values()]
        )
        central = member_ids[int(np.argmax(cosines))]
        story.central = central
        story.label = story.members[central].title
        story.seq = self.seq
        self._index(story)
        return story

    # Memory

    def evict(self, committed_seq: int) -> int:
        """Drop stories from memory, once more than :data:`STORIES_IN_MEMORY` are held: those
        only in the least recently used time buckets, written already (changed at or before
        ``committed_seq``) and not among the recent ones. The number dropped."""
        if len(self.stories) <= STORIES_IN_MEMORY or self.reader is None:
            return 0
        buckets = sorted(self._postings, key=lambda bucket: self._bucket_used.get(bucket, -1))
        dropped = 0
        for bucket in buckets[: max(1, len(buckets) // 2)]:
            postings = self._postings.pop(bucket)
            self._loaded.discard(bucket)
            self._bucket_used.pop(bucket, None)
            candidates = {story_id for ids in postings.values() for story_id in ids}
            for story_id in candidates:
                story = self.stories.get(story_id)
                if story is not None:
                    story.posted_buckets.discard(bucket)
        for story_id, story in list(self.stories.items()):
            if story.posted_buckets:
                continue
            story.posted_terms = set()
            if story.seq <= committed_seq and story_id not in self._recent:
                del self.stories[story_id]
                dropped += 1
        return dropped
