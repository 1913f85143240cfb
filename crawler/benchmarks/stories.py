"""Story clustering, its quality and its cost: what ``scrapy stories_benchmark`` runs.

**Quality** (``--pages FOLDER --labels FILE``): the pages of a folder laid out like
``article-extraction-benchmark`` (``html/<id>.html.gz``, ``ground-truth.json``) are extracted
as the crawl extracts them and assigned to stories by :class:`StoryEngine` with the
``STORIES_*`` settings, in page-id order and in shuffled orders; the result is scored against
a labelled set (``tests/data/stories_dev.json`` is the one for the dev pages) by pairwise
precision and recall: of the pairs of articles put in one story, the share that the labels
put in one story, and of the pairs the labels put in one story, the share found.

**Cost** (``--sizes N [N ...]``): a synthetic corpus of the largest ``N`` articles is
assigned one article after the other, as the story stage does it, into a fresh database:
assignments in this thread, written every ``SQLITE_BATCH_SIZE`` articles with their articles
rows, then the engine's memory trimmed. For each ``N`` it prints the time per article of the
200 assignments before the corpus reached ``N`` articles, and of their writes. Each synthetic
event takes the text of a source page with its words replaced by ones of its own (so that no
two events share more than common words) and is told by one to four outlets, each keeping a
different three quarters of its sentences; events come :data:`EVENTS_PER_DAY` a day, so the
stories within the time window are as many at any corpus size.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import resource
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from crawler.items import Article, utc_now
from pipelines.clustering.engine import ArticleInput, StoryEngine, StoryReader, parse_time
from pipelines.clustering.features import STOPWORDS
from pipelines.clustering.state import (
    add_document_frequencies,
    document_frequencies,
    save_assignments,
)
from pipelines.database import INSERT_ARTICLE, NewsDatabase
from pipelines.extraction.options import HtmlExtractionOptions
from pipelines.extraction.page import extract_page
from pipelines.extraction.result import Rejected

FETCHED = "2026-01-01T00:00:00+00:00"
"""The fetch time given to every labelled page: they were not fetched by a crawl."""
EVENTS_PER_DAY = 200
MEASURED = 200
"""Assignments timed before each corpus size is reached."""
WORD = re.compile(r"\w+")


def labelled_articles(folder: Path) -> list[ArticleInput]:
    """The pages of a benchmark folder, in id order, as story assignment sees them."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    articles = []
    for page_id in sorted(truth):
        body = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        url = truth[page_id].get("url") or f"https://example.invalid/{page_id}"
        try:
            found = extract_page(body, "html", url, None, HtmlExtractionOptions())
        except Rejected:
            continue
        articles.append(
            ArticleInput.of(page_id, found.title, found.text, url, found.date_published, FETCHED)
        )
    return articles


def load_labels(path: Path, merge_borderline: bool = False) -> dict[str, str]:
    """Page id to labelled story, for the pages listed in a labels file (others are each a
    story of their own); with ``merge_borderline``, the borderline groups are stories too."""
    labels = json.loads(path.read_text(encoding="utf-8"))
    groups = [story["pages"] for story in labels["stories"]]
    if merge_borderline:
        groups += [story["pages"] for story in labels.get("borderline", [])]
    story_of: dict[str, str] = {}
    for pages in groups:
        merged = {story_of.get(page, page) for page in pages}
        name = min(merged)
        for page, story in list(story_of.items()):
            if story in merged:
                story_of[page] = name
        for page in pages:
            story_of[page] = name
    return story_of


def cluster(articles: list[ArticleInput], threshold: float, window_days: float) -> dict[str, str]:
    """Story of each article, assigned in the order given, from nothing."""
    engine = StoryEngine(threshold, window_days)
    found: dict[str, str] = {}
    for article in articles:
        assignment = engine.assign(article)
        assert assignment is not None and assignment.story_id is not None
        found[article.id] = assignment.story_id
    return found


@dataclass(frozen=True)
class Score:
    """Pairwise precision and recall of a clustering against labels."""

    precision: float
    recall: float
    true_positives: int
    predicted_pairs: int
    labelled_pairs: int


def pairwise(predicted: dict[str, str], labels: dict[str, str]) -> Score:
    """Score ``predicted`` (article to story) against ``labels`` (article to story; an
    article not in ``labels`` is a story of its own)."""
    tp = predicted_pairs = labelled_pairs = 0
    for one, other in combinations(sorted(predicted), 2):
        same_predicted = predicted[one] == predicted[other]
        same_labelled = labels.get(one, one) == labels.get(other, other)
        predicted_pairs += same_predicted
        labelled_pairs += same_labelled
        tp += same_predicted and same_labelled
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / labelled_pairs if labelled_pairs else 1.0
    return Score(precision, recall, tp, predicted_pairs, labelled_pairs)


def evaluate(
    articles: list[ArticleInput],
    labels: dict[str, str],
    threshold: float,
    window_days: float,
    shuffles: int,
) -> tuple[Score, list[Score]]:
    """Scores in the order given, then in ``shuffles`` shuffled orders (seeds 0, 1 ...)."""
    ordered = pairwise(cluster(articles, threshold, window_days), labels)
    shuffled = []
    for seed in range(shuffles):
        order = random.Random(seed).sample(articles, len(articles))
        shuffled.append(pairwise(cluster(order, threshold, window_days), labels))
    return ordered, shuffled


def quality_report(ordered: Score, shuffled: list[Score], name: str) -> list[str]:
    """The printed lines for one labelling."""
    lines = [
        f"{name}: page-id order: precision {ordered.precision:.3f} recall {ordered.recall:.3f}"
        f" ({ordered.true_positives} of {ordered.predicted_pairs} pairs found right,"
        f" {ordered.labelled_pairs} labelled)"
    ]
    if shuffled:
        precisions = [score.precision for score in shuffled]
        recalls = [score.recall for score in shuffled]
        lines.append(
            f"{name}: {len(shuffled)} shuffled orders: precision mean"
            f" {sum(precisions) / len(precisions):.3f} min {min(precisions):.3f},"
            f" recall mean {sum(recalls) / len(recalls):.3f} min {min(recalls):.3f}"
        )
    return lines


# Cost


def _variant(word: str, event: int) -> str:
    """The word ``event`` uses in place of ``word``: a stable made-up word."""
    code = zlib.crc32(f"{event}:{word.lower()}".encode())
    made_up = word[:2] + format(code, "x")[:5]
    return made_up.capitalize() if word[:1].isupper() else made_up


def _retell(text: str, event: int) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group()
        return word if word.lower() in STOPWORDS or word.isdigit() else _variant(word, event)

    return WORD.sub(swap, text)


def synthetic_corpus(
    sources: list[ArticleInput], count: int, seed: int = 0
) -> Iterator[ArticleInput]:
    """``count`` articles: events made from ``sources``, each told by one to four outlets,
    :data:`EVENTS_PER_DAY` events a day."""
    chance = random.Random(seed)
    start = parse_time(FETCHED) or 0.0
    made = event = 0
    while made < count:
        source = sources[event % len(sources)]
        title = _retell(source.title or "", event)
        sentences = re.split(r"(?<=[.!?])\s+", _retell(source.text, event))
        moment = start + event * 86_400 / EVENTS_PER_DAY
        for outlet in range(min(chance.randint(1, 4), count - made)):
            kept = [sentence for sentence in sentences if chance.random() < 0.75] or sentences
            published = moment + chance.uniform(0, 6 * 3600)
            yield ArticleInput(
                f"{event:06d}-{outlet}",
                title,
                " ".join(kept),
                f"https://outlet{outlet}.example/{event}",
                published,
                published,
            )
            made += 1
        event += 1


@dataclass(frozen=True)
class Cost:
    """Milliseconds per article of the :data:`MEASURED` assignments before ``size``, and of
    their writes (the stories, the articles' ``story_id`` and the document frequencies, not
    the articles themselves); the stories held in memory and in the database then, and the
    process's peak resident memory."""

    size: int
    assign_ms: float
    write_ms: float
    in_memory: int
    stories: int
    peak_mib: float


def measure_cost(
    sources: list[ArticleInput],
    sizes: list[int],
    threshold: float,
    window_days: float,
    batch_size: int,
    folder: Path | None = None,
) -> list[Cost]:
    """Assign a synthetic corpus of ``max(sizes)`` articles into a fresh database, as the
    story stage does, timing the assignments and writes before each size."""
    with tempfile.TemporaryDirectory(prefix="cleanwire-stories-") as scratch:
        database = NewsDatabase(Path(folder or scratch) / "stories.db")
        reader = StoryReader(database.path)
        engine = StoryEngine(threshold, window_days, reader)
        costs: list[Cost] = []
        assign_seconds: list[float] = []
        write_seconds: list[float] = []
        pending, articles = [], []
        for number, article in enumerate(synthetic_corpus(sources, max(sizes)), start=1):
            articles.append(article)
            started = time.perf_counter()
            assignment = engine.assign(article)
            assign_seconds.append(time.perf_counter() - started)
            if assignment is not None:
                pending.append(assignment)
            if len(pending) >= batch_size or number in sizes:
                with database.transaction():  # the store's part, not timed
                    for stored in articles:
                        INSERT_ARTICLE.run(database.db.conn, _article_row(stored))
                started = time.perf_counter()
                with database.transaction():
                    # The stage writes frequencies every minute; each batch is the worst case.
                    save_assignments(database.db.conn, pending)
                    add_document_frequencies(database.db.conn, document_frequencies(pending))
                engine.evict(max(a.seq for a in pending))
                write_seconds.append((time.perf_counter() - started) / len(pending))
                write_seconds.extend([write_seconds[-1]] * (len(pending) - 1))
                pending, articles = [], []
            if number in sizes:
                recent = min(MEASURED, number)
                stories = database.db.execute("SELECT count(*) FROM stories").fetchone()[0]
                costs.append(
                    Cost(
                        number,
                        1000 * sum(assign_seconds[-recent:]) / recent,
                        1000 * sum(write_seconds[-recent:]) / recent,
                        len(engine.stories),
                        stories,
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                    )
                )
        reader.close()
        database.close()
    return costs


def _article_row(article: ArticleInput) -> Article:
    words = len(WORD.findall(article.text))
    return Article(
        id=article.id,
        url=article.url,
        text=article.text,
        text_sha256=str(zlib.crc32(article.text.encode())),
        word_count=words,
        extractor="stories_benchmark",
        extracted_at=utc_now(),
        first_seen=FETCHED,
        last_seen=FETCHED,
        title=article.title,
    )


def cost_report(costs: list[Cost]) -> list[str]:
    """The printed lines for the cost measurement."""
    lines = [
        f"N = {cost.size}: {cost.assign_ms:.2f} ms to assign and {cost.write_ms:.2f} ms to write"
        f" per article (last {min(MEASURED, cost.size)}); {cost.stories} stories,"
        f" {cost.in_memory} in memory; peak memory {cost.peak_mib:.0f} MiB"
        for cost in costs
    ]
    first, last = costs[0], costs[-1]
    if len(costs) > 1 and first.assign_ms:
        lines.append(
            f"assignment cost from N = {first.size} to N = {last.size}:"
            f" x{last.assign_ms / first.assign_ms:.2f} (corpus x{last.size / first.size:.0f})"
        )
    return lines
