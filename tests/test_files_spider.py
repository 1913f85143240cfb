"""The files spider end to end: real files in, a real SQLite database out, bad inputs counted."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path

import pytest
from w3lib.url import file_uri_to_path

from crawler.spiders.files import input_files
from tests.conftest import SEED_CAPTURES, SEED_PAGES, SEEDS, crawl

SEED_NAMES = [path.name for path in SEED_CAPTURES + SEED_PAGES]
ARTICLE_PARAGRAPH = (
    "Le président a déclaré lundi que les troupes américaines quitteraient l'Irak à la fin de "
    "l'année, tout en continuant à former et à conseiller l'armée irakienne, selon un communiqué "
    "publié après la rencontre à la Maison Blanche avec le Premier ministre irakien. "
)


def article_html(charset_meta: str, title: str) -> str:
    body = "".join(f"<p>{ARTICLE_PARAGRAPH * 2}</p>" for _ in range(4))
    head = f"<head>{charset_meta}<title>{title}</title></head>"
    return f"<html>{head}<body><article><h1>{title}</h1>{body}</article></body></html>"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The seeds, plus every kind of bad input a folder of saved pages holds."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder / "seeds")
    nested = folder / "nested" / "deeper"
    nested.mkdir(parents=True)
    (nested / "undeclared-cp1252.html").write_bytes(
        article_html("", "Sans déclaration").encode("cp1252")
    )
    (nested / "wrong-charset.html").write_bytes(
        article_html('<meta charset="utf-8">', "Mauvais jeu de caractères").encode("cp1252")
    )
    (folder / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4096))
    (folder / "nul-bytes.txt").write_bytes(b"text\x00\x00\x00\x00" * 100)
    undecodable = bytes(random.Random(7).randrange(0x80, 0x100) for _ in range(5000))
    (folder / "undecodable.txt").write_bytes(undecodable)
    (folder / "undecodable.html").write_bytes(undecodable)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.txt").write_text("   \n\n\t  \n")
    (folder / "too-large.html").write_text("<p>" + "big " * 70_000 + "</p>")
    (folder / "report.pdf").write_bytes(b"%PDF-1.7\n" + bytes(100))
    (folder / "broken.html").write_text(
        "<html><body><div><p>" + ARTICLE_PARAGRAPH * 6 + "<p><b>unclosed <i>tags"
    )
    (folder / "navigation.html").write_text(
        "<html><body><nav>"
        + "".join(f"<a href='/s{i}'>Section {i}</a>" for i in range(40))
        + "</nav></body></html>"
    )
    (folder / ".hidden.txt").write_text("never read")
    return folder


def test_input_files_walks_directories_globs_and_single_files(corpus: Path) -> None:
    walked = [p.name for p in input_files(str(corpus))]
    assert ".hidden.txt" not in walked
    assert {"undeclared-cp1252.html", "binary.html", *SEED_NAMES} <= set(walked)
    captures = [path.name for path in SEED_CAPTURES]
    assert [p.name for p in input_files(str(corpus / "seeds" / "0*.txt"))] == captures
    assert [p.name for p in input_files(str(corpus / "**" / "*cp1252*"))] == [
        "undeclared-cp1252.html"
    ]
    assert [p.name for p in input_files(str(corpus / "empty.txt"))] == ["empty.txt"]
    with pytest.raises(FileNotFoundError):
        list(input_files(str(corpus / "missing")))


def outcomes(db, crawl_id: int) -> dict[str, str]:
    return {
        Path(row["uri"]).name: row["outcome"]
        for row in db.query("select uri, outcome from fetches where crawl_id = ?", [crawl_id])
    }


def test_a_folder_with_bad_inputs_is_crawled_to_the_end(
    corpus: Path, db_path: Path, read_db
) -> None:
    result = crawl(
        db_path, "files", f"path={corpus},{corpus / 'missing-folder'}", FILES_MAX_BYTES=250_000
    )
    db = read_db(db_path)
    assert outcomes(db, 1) == {
        **{name: "article" for name in SEED_NAMES},
        "undeclared-cp1252.html": "article",
        "wrong-charset.html": "article",
        "broken.html": "article",
        "binary.html": "skipped: binary",
        "nul-bytes.txt": "skipped: binary",
        "empty.txt": "skipped: empty",
        "blank.txt": "skipped: empty",
        "too-large.html": "skipped: too_large",
        "report.pdf": "skipped: unsupported_type",
        "navigation.html": "not_article",
        "undecodable.txt": "not_article",
        "undecodable.html": "not_article",
    }
    texts = {row["title"]: row["text"] for row in db["articles"].rows}
    assert ARTICLE_PARAGRAPH.strip() in texts["Sans déclaration"]
    assert ARTICLE_PARAGRAPH.strip() in texts["Mauvais jeu de caractères"]
    (crawl_row,) = db["crawls"].rows
    stats = json.loads(crawl_row["stats"])
    assert stats["pages/skipped/binary"] == 2
    assert stats["pages/skipped/empty"] == 2
    assert stats["pages/skipped/too_large"] == 1
    assert stats["pages/skipped/unsupported_type"] == 1
    assert stats["pages/not_article/link_list"] == 1, "navigation.html"
    assert stats["files/missing_path"] == 1
    assert crawl_row["finish_reason"] == "finished"
    assert f"Dropped {(corpus / 'binary.html').as_uri()}: skipped: binary (png)" in result.stderr
    assert "Nothing to read: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_seed_becomes_one_traceable_article(seeds_db: Path, read_db) -> None:
    db = read_db(seeds_db)
    rows = list(
        db.query(
            """select a.*, f.uri, f.body_sha256, f.crawl_id, c.spider from articles a
            join fetches f on f.id = a.fetch_id join crawls c on c.id = f.crawl_id"""
        )
    )
    assert sorted(Path(row["uri"]).name for row in rows) == SEED_NAMES
    for row in rows:
        raw = Path(file_uri_to_path(row["uri"])).read_bytes()
        assert row["body_sha256"] == hashlib.sha256(raw).hexdigest()
        assert row["spider"] == "files" and row["title"] and row["language"] == "en"
        if row["uri"].endswith(".txt"):
            assert row["word_count"] > 200 and row["extractor"].startswith("cleanwire-text")
        else:  # the HTML pages state their authors and dates
            assert row["word_count"] > 150 and row["extractor"].startswith("cleanwire-html")
            assert row["author"] and row["date_published"].startswith("2019-11-")
    by_name = {Path(row["uri"]).name: row for row in rows}
    assert (
        by_name["000_b870438c2cbdb1dd.txt"]["url"]
        == "https://www.bbc.co.uk/news/world-us-canada-57970464"
    )
    assert by_name["001_27a6ac5fe9030e41.txt"]["url"].startswith("file:///")


def test_a_second_run_reads_every_file_as_unchanged(tmp_path: Path, read_db) -> None:
    db_path = tmp_path / "rerun.db"
    crawl(db_path, "files", f"path={SEEDS}")
    crawl(db_path, "files", f"path={SEEDS}")
    db = read_db(db_path)
    assert db["crawls"].count == 2
    assert db["articles"].count == 10
    assert db["fetches"].count == 20, "ten pages, twice: nothing else in seeds/ is read"
    assert set(outcomes(db, 2).values()) == {"unchanged"}
    second_fetch_times = {
        row["article_id"]: row["fetched_at"]
        for row in db.query("select * from fetches where crawl_id = 2 and article_id is not null")
    }
    for article in db["articles"].rows:
        assert article["last_seen"] == second_fetch_times[article["id"]]
        assert (
            article["first_seen"] < article["last_seen"]
            or article["first_seen"] == article["last_seen"]
        )
        assert db["fetches"].get(article["fetch_id"])["crawl_id"] == 1, (
            "text still comes from its first fetch"
        )
    stats = json.loads(db["crawls"].get(2)["stats"])
    assert stats["pages/unchanged/same_body"] == 10
    assert "extract/pages" not in stats, "unchanged files are not extracted again"


def test_a_missing_path_argument_is_a_clear_error(db_path: Path) -> None:
    result = crawl(db_path, "files", check=False)
    assert result.returncode != 0 or "needs -a path=" in result.stderr
    assert "needs -a path=" in result.stderr
