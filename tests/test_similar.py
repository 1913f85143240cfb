"""Copies and reuse (#8): MinHash signatures, the LSH index, and the pairs real crawls find."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml
from scrapy.exceptions import NotConfigured

from crawler.items import ArticleSignature, Crawl, SimilarPair, article_id
from pipelines import lsh
from pipelines.database import NewsDatabase
from pipelines.extraction.shingles import (
    BATCH,
    NUM_PERM,
    _permutations,
    fingerprint,
    from_bytes,
    minhash_signature,
    overlap,
    shingle_hashes,
)
from pipelines.extraction.shingles import SEED as MINHASH_SEED
from pipelines.lsh import MERGE_EVERY, BandIndex, candidate_probability, lsh_params
from pipelines.similar import Compared, SimilarityPipeline, SimilarityTables
from tests.conftest import DEV, ROOT, SEED_CAPTURES, crawl, needs_benchmark, project_crawler
from tests.test_database import make_page

METADATA = yaml.safe_load((ROOT / "data" / "corpus.yml").read_text())
SEED = {capture.name[:3]: capture for capture in SEED_CAPTURES}


def label(uri: str) -> str:
    """A page's file name without its extension; a seed's number (``000``)."""
    name = Path(urlsplit(uri).path).name
    return name[:3] if name[:3] in SEED else name.split(".")[0]


def pairs(db_path: Path) -> set[tuple[str, str, str]]:
    """The stored pairs, each as its two pages' labels (in order) and its kind."""
    with sqlite3.connect(db_path) as connection:
        names = dict(
            connection.execute(
                "select article_id, uri from fetches where outcome = 'article' order by id"
            )
        )
        rows = connection.execute("select a_id, b_id, kind from similar_articles").fetchall()
        assert connection.execute("pragma foreign_key_check").fetchall() == []
    connection.close()
    found = set()
    for a_id, b_id, kind in rows:
        one, other = sorted((label(names[a_id]), label(names[b_id])))
        found.add((one, other, kind))
    assert len(found) == len(rows), "one row per pair"
    return found


def seeds(*numbers: str) -> str:
    return "path=" + ",".join(str(SEED[number]) for number in numbers)


# The signature and the index


def test_containment_is_the_share_of_the_smaller_set_in_the_other() -> None:
    small = shingle_hashes("one two three four five")
    large = shingle_hashes("one two three four five six seven eight nine ten")
    jaccard, containment = overlap(small, large)
    assert small.size == 3 and large.size == 8
    assert containment == 1.0 and jaccard == pytest.approx(3 / 8)
    assert overlap(small, shingle_hashes("")) == (0.0, 0.0)


def test_a_text_without_words_has_no_fingerprint() -> None:
    assert fingerprint(" ... !!! ") == (b"", b"")
    signature, hashes = fingerprint("Troops will leave Iraq by the end of the year.")
    assert from_bytes(signature).size == NUM_PERM and from_bytes(hashes).size == 8


def test_signatures_are_those_datasketch_makes() -> None:
    from datasketch import MinHash

    permutations = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED).permutations
    assert _permutations(NUM_PERM, MINHASH_SEED).tolist() == permutations.tolist()
    a, b = permutations.tolist()
    # Hashes that make a permuted value's low 32 bits, read the fast way, 0xFFFFFFFF or at
    # most 6: the values minhash_signature works out again datasketch's way.
    edge = []
    for j in range(NUM_PERM):
        if a[j] % 2 == 0:
            continue
        for target in (0xFFFFFFFF, 0, 6):
            for high in range(8):
                value = (target - high - b[j]) * pow(a[j], -1, 1 << 32) % (1 << 32)
                x = (a[j] * value + b[j]) % (1 << 64)
                if x >> 61 == high:
                    edge.append(value)
    assert len(edge) > 100
    rng = np.random.default_rng(3)
    hash_sets = [
        np.unique(rng.integers(0, 2**32, size=size, dtype=np.uint64)).astype(np.uint32)
        for size in (1, 2, BATCH - 1, BATCH + 1, 3 * BATCH + 5)
    ]
    hash_sets += [np.unique(np.array(edge, dtype=np.uint32))]
    hash_sets += [shingle_hashes(SEED_CAPTURES[0].read_text(encoding="utf-8"))]
    for hashes in hash_sets:
        minhash = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, hashfunc=lambda value: value)
        for value in hashes.tolist():
            minhash.update(value)
        assert minhash_signature(hashes).tolist() == minhash.hashvalues.tolist()


def test_lsh_parameters_are_those_datasketch_picks() -> None:
    from datasketch import MinHashLSH

    for threshold, num_perm in ((0.08, 256), (0.1, 256), (0.5, 128), (0.9, 64)):
        index = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert lsh_params(threshold, num_perm) == (index.b, index.r)
    assert lsh_params(0.08, NUM_PERM) == (128, 2)
    assert candidate_probability(0.188, 128, 2) > 0.98, "the seeds' reworded copy"


def test_the_index_finds_signatures_sharing_a_band_and_forgets_replaced_ones() -> None:
    rng = np.random.default_rng(8)
    signatures = rng.integers(0, 2**32, size=(3000, NUM_PERM), dtype=np.uint64)
    signatures = signatures.astype(np.uint32)
    index = BandIndex(128, 2)
    index.add_all([f"old{n}" for n in range(2000)], signatures[:2000])
    for n in range(2000, 3000):  # past a merge of the recent keys
        index.add(f"new{n}", signatures[n])
    assert len(index) == 3000
    for name, row in (("old5", 5), ("new2500", 2500), ("new2999", 2999)):
        near = signatures[row].copy()
        near[::2] = 7  # one value of each band changed: no band shared
        assert index.query(near) == {}
        near[:20] = signatures[row][:20]  # ten bands shared
        assert index.query(near) == {name: 10}
    index.add("old5", signatures[2999])
    assert index.query(signatures[5]) == {}
    assert index.query(signatures[2999]) == {"old5": 128, "new2999": 128}


def merge_peak_share(groups: int, monkeypatch: pytest.MonkeyPatch) -> float:
    """The memory a merge of recent keys holds beyond the index, at its peak, as a share of
    the index's."""
    monkeypatch.setattr(lsh, "GROUPS", groups)
    rng = np.random.default_rng(9)
    signatures = rng.integers(0, 2**32, size=(16_000 + MERGE_EVERY, NUM_PERM), dtype=np.uint64)
    signatures = signatures.astype(np.uint32)
    tracemalloc.start()
    try:
        index = BandIndex(128, 2)
        index.add_all([f"old{n}" for n in range(16_000)], signatures[:16_000])
        for n in range(16_000, 16_000 + MERGE_EVERY - 1):
            index.add(f"new{n}", signatures[n])
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        index.add("last", signatures[-1])  # the merge
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - max(before, after)) / index.memory_bytes()


def test_a_merge_copies_a_group_of_bands_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    groups = lsh.GROUPS
    assert merge_peak_share(1, monkeypatch) > 0.6, "one array: the merge copies all of it"
    assert merge_peak_share(groups, monkeypatch) < 0.2


def test_rows_are_written_only_for_articles_stored_with_that_text(db_path: Path) -> None:
    database = NewsDatabase(db_path)
    try:
        crawl_id = database.start_crawl(Crawl(spider="t", args="{}", started_at="t", versions=""))
        with database.transaction():
            for url in ("https://news.example/a", "https://news.example/b"):
                database.save_page(make_page(url, f"Text of {url}", "t"), crawl_id)
        a_id, b_id = article_id("https://news.example/a"), article_id("https://news.example/b")
        missing = article_id("https://news.example/never-stored")
        tables = SimilarityTables(database)

        def compared(own: str, sha: str, *others: str) -> Compared:
            signature = ArticleSignature(own, sha, NUM_PERM, 3, b"\0" * 4 * NUM_PERM, "t")
            pairs = [SimilarPair(*sorted((own, other)), 0.5, 0.5, "reuse", "t") for other in others]
            return Compared(signature, pairs)

        (a_sha,) = database.db.execute("select text_sha256 from articles where id = ?", [a_id])
        with database.transaction():
            assert tables.write(compared(a_id, a_sha[0], b_id, missing)) == 1
            assert tables.write(compared(b_id, "an earlier text", a_id)) == -1
            assert tables.write(compared(missing, "any", a_id)) == -1
        rows = database.db.execute("select a_id, b_id from similar_articles").fetchall()
        assert rows == [tuple(sorted((a_id, b_id)))]
        signed = database.db.execute("select article_id from article_signatures").fetchall()
        assert signed == [(a_id,)]
        assert database.db.execute("pragma foreign_key_check").fetchall() == []
    finally:
        database.close()


def test_the_stage_can_be_turned_off() -> None:
    with pytest.raises(NotConfigured):
        SimilarityPipeline.from_crawler(project_crawler(SIMILAR_ENABLED=False))


# Real crawls


def test_the_seeds_reuse_pairs_are_found_and_no_other(seeds_db: Path) -> None:
    assert pairs(seeds_db) == {("000", "001", "reuse"), ("002", "004", "reuse")}
    with sqlite3.connect(seeds_db) as connection:
        (signed,) = connection.execute("select count(*) from article_signatures").fetchone()
        scores = connection.execute(
            "select jaccard, containment from similar_articles order by containment desc"
        ).fetchall()
    connection.close()
    assert signed == 10
    assert [(round(j, 2), round(c, 2)) for j, c in scores] == [(0.19, 0.46), (0.19, 0.42)]


def test_the_reused_text_query_names_both_articles(seeds_db: Path) -> None:
    with sqlite3.connect(seeds_db) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(METADATA["queries"]["reused_text"]["sql"]).fetchall()
    connection.close()
    assert [row["kind"] for row in rows] == ["reuse", "reuse"]
    assert rows[0]["containment"] >= rows[1]["containment"]
    first, second = rows
    assert {first["earlier_site"], first["later_site"]} == {"BBC News", None}
    assert {label(first["earlier_url"]), label(first["later_url"])} == {
        "world-us-canada-57970464",
        "001",
    }
    # 002 states its publication date; 004 states none and was first seen today.
    assert (label(second["earlier_url"]), label(second["later_url"])) == ("002", "004")
    assert second["earlier_published"] < second["later_published"]
    assert all(row["earlier_title"] and row["later_title"] for row in rows)


def test_every_column_of_the_new_tables_is_described(seeds_db: Path) -> None:
    with sqlite3.connect(seeds_db) as connection:
        for table in ("similar_articles", "article_signatures"):
            columns = {row[1] for row in connection.execute(f"pragma table_info({table})")}
            described = METADATA["tables"][table]
            assert described["description"].strip(), table
            assert set(described["columns"]) == columns, table
            assert all(text.strip() for text in described["columns"].values()), table
    connection.close()


@needs_benchmark
def test_the_benchmark_pages_give_no_pair(tmp_path: Path) -> None:
    """91 articles of all kinds: three pairs share a passage (two companies' press releases
    with the same boilerplate paragraphs, two reviews quoting a band's tour dates), all
    below the reuse threshold; no other pair shares anything."""
    pages = tmp_path / "pages"
    pages.mkdir()
    for source in (DEV / "html").glob("*.html.gz"):
        (pages / source.name.removesuffix(".gz")).write_bytes(gzip.decompress(source.read_bytes()))
    db_path = tmp_path / "news.db"
    result = crawl(db_path, "files", f"path={pages}")
    assert pairs(db_path) == set()
    with sqlite3.connect(db_path) as connection:
        (signed,) = connection.execute("select count(*) from article_signatures").fetchone()
    connection.close()
    assert signed == 91
    assert "'similar/articles': 91" in result.stderr


def test_pairs_are_found_across_crawls(tmp_path: Path) -> None:
    db_path = tmp_path / "news.db"
    crawl(db_path, "files", seeds("000", "002"))
    assert pairs(db_path) == set()
    second = crawl(db_path, "files", seeds("001", "004"))
    assert "Similarity index: 2 articles" in second.stderr, "rebuilt from the stored signatures"
    assert pairs(db_path) == {("000", "001", "reuse"), ("002", "004", "reuse")}


def test_an_earlier_crawls_article_is_compared_by_the_shingles_kept_with_its_signature(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "news.db"
    crawl(db_path, "files", seeds("000", "002"))
    with sqlite3.connect(db_path) as connection:
        kept = connection.execute(
            "select a.text, s.shingles from articles a"
            " join article_signatures s on s.article_id = a.id"
        ).fetchall()
        assert len(kept) == 2
        for text, shingles in kept:
            assert np.array_equal(from_bytes(shingles), shingle_hashes(text))
        # The stored texts are changed behind the stage's back (their SHA-256 kept): only the
        # shingles kept with the signatures still tell what they were.
        connection.execute("update articles set text = 'Nothing of the article is left.'")
    connection.close()
    crawl(db_path, "files", seeds("001", "004"))
    assert pairs(db_path) == {("000", "001", "reuse"), ("002", "004", "reuse")}


def test_a_changed_text_replaces_its_pairs_and_a_near_copy_is_a_duplicate(
    tmp_path: Path,
) -> None:
    corpus, db_path = tmp_path / "corpus", tmp_path / "news.db"
    corpus.mkdir()
    for number in ("000", "002"):
        shutil.copy(SEED[number], corpus)
    wire = corpus / "wire.txt"
    # The text of 002 at another URL, one sentence reworded: a near-identical copy.
    wire.write_text(
        "https://news.example/wire\n"
        + SEED["002"]
        .read_text()
        .replace(
            "Our counter-terrorism cooperation will continue even as we shift to this new phase",
            "Our work together against terrorism goes on as we move into this next phase",
        )
    )
    crawl(db_path, "files", f"path={corpus}")
    assert pairs(db_path) == {("002", "wire", "duplicate")}
    # The wire page now carries the text of 000, one sentence reworded: a new version.
    lines = SEED["000"].read_text().split("\n")
    wire.write_text(
        "\n".join(["https://news.example/wire", *lines[1:]]).replace(
            "There are currently 2,500 US troops in Iraq",
            "About 2,500 American soldiers are in Iraq today",
        )
    )
    crawl(db_path, "files", f"path={corpus}")
    assert pairs(db_path) == {("000", "wire", "duplicate")}
    with sqlite3.connect(db_path) as connection:
        versions = connection.execute(
            "select a.version, s.text_sha256 = a.text_sha256 from articles a"
            " join article_signatures s on s.article_id = a.id where a.url = ?",
            ["https://news.example/wire"],
        ).fetchall()
    connection.close()
    assert versions == [(2, 1)], "one signature, of the current text"


def test_articles_stored_without_signatures_are_compared_at_the_next_start(
    tmp_path: Path, seeds_db: Path
) -> None:
    db_path = tmp_path / "news.db"
    with sqlite3.connect(seeds_db) as source, sqlite3.connect(db_path) as copy:
        source.backup(copy)
        copy.execute("delete from similar_articles")
        copy.execute(
            "delete from article_signatures where article_id in"
            " (select id from articles where url like '%/001_%' or url like '%/004_%')"
        )
    source.close()
    copy.close()
    empty = tmp_path / "nothing"
    empty.mkdir()
    result = crawl(db_path, "files", f"path={empty}", check=False)
    assert "Comparing 2 stored articles that have no signature yet" in result.stderr
    assert pairs(db_path) == {("000", "001", "reuse"), ("002", "004", "reuse")}


def test_the_same_text_at_other_urls_is_a_duplicate_of_each_also_across_crawls(
    tmp_path: Path,
) -> None:
    corpus, later, db_path = tmp_path / "corpus", tmp_path / "later", tmp_path / "news.db"
    corpus.mkdir()
    later.mkdir()
    text = SEED["002"].read_text().split("\n", 1)[1]
    for name, folder in (("wire-a", corpus), ("wire-b", corpus), ("wire-c", later)):
        (folder / f"{name}.txt").write_text(f"https://news.example/{name}\n{text}")
    crawl(db_path, "files", f"path={corpus}")
    crawl(db_path, "files", f"path={later}")
    assert pairs(db_path) == {
        ("wire-a", "wire-b", "duplicate"),
        ("wire-a", "wire-c", "duplicate"),
        ("wire-b", "wire-c", "duplicate"),
    }
    with sqlite3.connect(db_path) as connection:
        measures = connection.execute(
            "select distinct jaccard, containment from similar_articles"
        ).fetchall()
    connection.close()
    assert measures == [(1.0, 1.0)]
