"""The plain-text capture cleaner on the five seed captures, on its gold and on hostile input."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.extraction.metric import score_corpus, score_page
from pipelines.extraction.result import Extraction, NotArticle
from pipelines.extraction.text import clean_capture
from tests.conftest import DATA, SEED_CAPTURES, SEEDS

GOLD = DATA / "seeds_gold"
SEED_NAMES = [path.name for path in SEED_CAPTURES]
TITLES = json.loads((GOLD / "titles.json").read_text(encoding="utf-8"))

# name -> (first body sentence, last body sentence, subheadings, chrome that must be gone)
EXPECTED = {
    "000_b870438c2cbdb1dd.txt": (
        "President Joe Biden says US forces will end their combat mission in Iraq",
        "will be seen by many in Tehran as a step in the right direction.",
        ["Advantage Iran?"],
        [
            "Iraqis suffer as US-Iran shadow war shifts gear",
            "Who was Qasem Soleimani?",
            "no need for any foreign combat forces on Iraqi soil",
            "Anadolu Agency",
            "image caption",
            "media caption",
            "Read more from Frank",
            "Skip to content",
            "Most Read",
            "Top Stories",
            "Related Topics",
            "Published 2 hours ago",
            "Copy link",
            "Share page",
            "How the Taliban retook half of Afghanistan",
            "The BBC is not responsible for the content of external sites.",
        ],
    ),
    "001_27a6ac5fe9030e41.txt": (
        "President Joe Biden has said the U.S. military will leave Iraq later this year",
        "“But we will not, at the end of the year, be in a campaign to fight.”",
        [],
        [
            "Iraq’s prime minister says foreign combat forces are not needed on its soil",
            "Please enter your comment!",
            "Please enter your name here",
        ],
    ),
    "002_dcdca312d99efd07.txt": (
        "U.S. President Joe Biden said on Monday the U.S. military will end its combat mission",
        "have already been taking training and advising roles for the Iraqi forces.",
        [],
        ["Search Trends", "01:41", "Download", "Updated 12:21", "CGTN"],
    ),
    "003_ba733785e354af19.txt": (
        "Within months, U.S. forces in Iraq will end their combat duties there",
        "Carla Babb in Singapore and Jeff Seldin contributed to this report.",
        [],
        [
            "FILE - U.S. Marines prepare to build a military site",
            "President Joe Biden, right, speaks as Iraqi Prime Minister Mustafa al-Kadhimi listens",
            "Accessibility links",
            "Breaking News",
        ],
    ),
    "004_3592a57944689d53.txt": (
        "WASHINGTON-US President Joe Biden and Iraqi Prime Minister Mustafa al-Kadhimi sealed",
        "calling it a violation of Iraqi sovereignty.",
        ["Unproved claim"],
        [
            "Today's Top News",
            "Stronger RMB points to resilience",
            "China sets a world record in maglev technology",
            "Agencies - Xinhua",
        ],
    ),
}


def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def gold(name: str) -> str:
    return (GOLD / name).read_text(encoding="utf-8")


def test_every_seed_is_covered() -> None:
    assert SEED_NAMES == sorted(EXPECTED) == sorted(TITLES)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_title_and_extractor(name: str) -> None:
    result = clean_capture(seed(name))
    assert result.title == TITLES[name]
    assert result.extractor.startswith("cleanwire-text ")
    assert result.author is None


@pytest.mark.parametrize("name", SEED_NAMES)
def test_body_starts_and_ends_with_the_article(name: str) -> None:
    first, last, _, _ = EXPECTED[name]
    text = clean_capture(seed(name)).text
    assert text.startswith(first)
    assert text.endswith(last)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_chrome_is_gone(name: str) -> None:
    text = clean_capture(seed(name)).text
    for chrome in EXPECTED[name][3]:
        assert chrome not in text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_subheadings_stay_on_lines_of_their_own(name: str) -> None:
    lines = clean_capture(seed(name)).text.split("\n")
    for heading in EXPECTED[name][2]:
        assert heading in lines


@pytest.mark.parametrize("name", SEED_NAMES)
def test_title_is_not_repeated_in_the_body(name: str) -> None:
    result = clean_capture(seed(name))
    assert result.title is not None
    assert result.title not in result.text


@pytest.mark.parametrize("name", SEED_NAMES)
def test_text_is_normalised(name: str) -> None:
    text = clean_capture(seed(name)).text
    assert "\n\n" not in text
    assert all(line == " ".join(line.split()) and line for line in text.split("\n"))


def test_flattened_bbc_page_metadata() -> None:
    result = clean_capture(seed("000_b870438c2cbdb1dd.txt"))
    assert result.url == "https://www.bbc.co.uk/news/world-us-canada-57970464"
    assert result.sitename == "BBC News"
    assert result.date_published is None  # "Published 2 hours ago" is no date
    assert "bbc.co.uk" not in result.text


def test_flattened_page_paragraphs_break_where_chrome_was_removed() -> None:
    lines = clean_capture(seed("000_b870438c2cbdb1dd.txt")).text.split("\n")
    assert lines[0].endswith("This year he said US troops would leave Afghanistan.")
    assert lines[1].startswith("Speaking at the White House, Mr Biden told his Iraqi counterpart")


def test_absolute_dateline_gives_the_publication_date() -> None:
    result = clean_capture(seed("002_dcdca312d99efd07.txt"))
    assert result.date_published == "2021-07-27T12:21:00"
    assert result.url is None


@pytest.mark.parametrize("name", ["000_b870438c2cbdb1dd.txt", *SEED_NAMES[2:]])
def test_no_sitename_without_a_title_suffix(name: str) -> None:
    expected = "BBC News" if name.startswith("000") else None
    assert clean_capture(seed(name)).sitename == expected


@pytest.mark.parametrize("name", SEED_NAMES)
def test_f1_against_gold_per_seed(name: str) -> None:
    _, _, f1 = score_page(clean_capture(seed(name)).text, gold(name))
    assert f1 >= 0.96


def test_f1_against_gold_overall() -> None:
    pairs = [(clean_capture(seed(name)).text, gold(name)) for name in SEED_NAMES]
    _, _, f1 = score_corpus(pairs)
    assert f1 >= 0.98


STORM_BODY = [
    "A powerful storm closed every port along the northern coast on Tuesday, officials said.",
    "Ferries were cancelled and fishing boats stayed in harbour as winds reached 120km/h.",
    "What happens next?",
    "Forecasters expect the wind to drop by Thursday, when the ports should reopen.",
    '"We are ready to reopen as soon as it is safe," the harbour master told reporters.',
]


def test_rules_are_generic_on_a_line_based_page() -> None:
    capture = "\n".join(
        [
            "Home",
            "World",
            "Skip to main content",
            "Storm closes ports along the coast | Daily Planet",
            "By Lois Lane",
            "Published 14 March 2023, 09:05",
            "Image caption, Waves hit the harbour wall on Tuesday",
            *STORM_BODY[:2],
            "Advertisement",
            "Read more: Why storms are getting stronger",
            *STORM_BODY[2:],
            "Share this article",
            "Related Articles",
            "- Storm season starts early",
            "© 2023 Daily Planet. All rights reserved.",
        ]
    )
    result = clean_capture(capture)
    assert result.text == "\n".join(STORM_BODY)
    assert (result.title, result.sitename) == ("Storm closes ports along the coast", "Daily Planet")
    assert (result.author, result.date_published) == ("Lois Lane", "2023-03-14T09:05:00")


FOOTER = " ".join(
    ["Home News Sport Weather Travel Culture Music TV Radio Podcasts Games Puzzles"] * 4
    + ["Terms of Use About Planet News Privacy Policy Cookies Accessibility Help Contact us"]
)


def test_rules_are_generic_on_a_flattened_page() -> None:
    capture = (
        "https://news.example.com/storm\n"
        "Storm closes ports along the coast - Planet News Planet Homepage Skip to content Home "
        "News Sport Weather Menu Storm closes ports along the coast Published 3 hours ago "
        "Share close Share page Copy linkAbout sharing image copyrightGetty Images image "
        "captionWaves hit the harbour wall at Whitby on Tuesday morning " + STORM_BODY[0] + " "
        "Coastal towns count the cost of winter floods "
        + STORM_BODY[1]
        + " "
        + " ".join(STORM_BODY[2:])
        + " Read more about the storm season Related Topics Weather Top Stories Floods hit "
        "the south Published 1 hour ago Planet News Services Contact Planet News " + FOOTER
    )
    assert len(capture) > 1000  # flattened pages are long: menus and footers come along
    result = clean_capture(capture)
    assert result.text.split("\n") == [
        STORM_BODY[0],
        STORM_BODY[1],
        STORM_BODY[2],
        " ".join(STORM_BODY[3:]),
    ]
    assert (result.title, result.sitename) == ("Storm closes ports along the coast", "Planet News")
    assert result.url == "https://news.example.com/storm"


def test_byline_gives_the_author_and_leaves_the_body() -> None:
    capture = (
        "Troops to leave Iraq\nBy Jane Smith\n" + "The troops will leave the country soon. " * 5
    )
    result = clean_capture(capture)
    assert result.author == "Jane Smith"
    assert "Jane Smith" not in result.text
    assert result.title == "Troops to leave Iraq"


def test_relative_and_caption_dates_give_no_date() -> None:
    capture = (
        "Troops to leave Iraq\nPublished 2 hours ago\n"
        "FILE - Marines in Anbar, Iraq, Nov. 7, 2017.\n"
        "The troops will leave the country by the end of the year, officials said.\n"
    )
    assert clean_capture(capture).date_published is None


@pytest.mark.parametrize(
    "capture",
    [
        "",
        "   \n\t\n  ",
        "Home\nNews\nSport\nSkip to content\nMenu\nSearch\nMost Read\n",
        "Home News Sport Weather Business Tech Science Health Contact us Privacy Terms of Use",
        "https://www.example.com/news/article-1\n",
        "https://www.example.com/news/article-1",
        "!!! ??? ... ,,, ;;; --- ***",
        "\x00\x00\x00\x00",
        "01:41\nPublished 2 hours ago\nShare\nCopy link\n",
    ],
)
def test_captures_without_an_article_are_rejected(capture: str) -> None:
    with pytest.raises(NotArticle) as raised:
        clean_capture(capture)
    assert raised.value.reason == "no_main_text"


def test_a_list_of_urls_is_not_an_article() -> None:
    sites = (Path(__file__).resolve().parent.parent / "sites.txt").read_text()
    with pytest.raises(NotArticle) as raised:
        clean_capture(sites)
    assert raised.value.reason == "link_list"
    prose = " ".join(["The council met on Tuesday to discuss the new budget."] * 8)
    with_links = f"https://a.example/1\n{prose}\nSee https://b.example/2 for the report.\n"
    assert clean_capture(with_links).text, "an article quoting a URL or two is still one"


def assert_article_or_rejected(capture: str) -> None:
    try:
        result = clean_capture(capture)
    except NotArticle:
        return
    assert isinstance(result, Extraction)
    assert result.text.strip()


def random_junk(rng: random.Random, size: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ .,!?\n\t\x00-:;'\"“”’é漢Ж\u00a0\u2028"
    return "".join(rng.choice(alphabet) for _ in range(size))


@pytest.mark.parametrize("seed_value", range(20))
def test_random_junk_never_crashes(seed_value: int) -> None:
    assert_article_or_rejected(random_junk(random.Random(seed_value), 5000))


@pytest.mark.parametrize(
    "capture",
    [
        "word " * 200_000,
        "x" * 1_000_000,
        ("The troops will leave Iraq by the end of the year. " * 20_000),
        ("Share close Share page Copy link image caption Foo bar baz " * 20_000),
        ("Home News Sport " * 70_000),
        ("a\n" * 500_000),
        ("Published 2 hours ago " * 50_000),
        seed("000_b870438c2cbdb1dd.txt").replace("\n", " ") * 140,
    ],
    ids=["words", "one-token", "sentences", "captions", "nav", "lines", "datelines", "bbc"],
)
def test_megabyte_inputs_do_not_hang(capture: str) -> None:
    # A guard against runaway (quadratic, backtracking) rules, not a speed measurement:
    # these take about a second each; the bound only catches minutes.
    started = time.perf_counter()
    assert_article_or_rejected(capture)
    assert time.perf_counter() - started < 30.0


def test_nul_bytes_inside_an_article_are_ignored() -> None:
    capture = seed("003_ba733785e354af19.txt").replace("Iraq", "Ir\x00aq")
    text = clean_capture(capture).text
    assert "\x00" not in text
    assert text.endswith("Carla Babb in Singapore and Jeff Seldin contributed to this report.")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_an_article_or_not_article(capture: str) -> None:
    assert_article_or_rejected(capture)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Published 2 hours ago",
                "image caption",
                "Share page",
                "Most Read",
                "Read more",
                "The troops will leave Iraq by the end of the year.",
                "Advantage Iran?",
                "Iraqis suffer as US-Iran shadow war shifts gear",
                "https://example.com/a",
                "\n",
                " ",
                "©",
            ]
        ),
        max_size=60,
    )
)
def test_any_mix_of_chrome_and_prose_gives_an_article_or_not_article(parts: list[str]) -> None:
    assert_article_or_rejected(" ".join(parts))
