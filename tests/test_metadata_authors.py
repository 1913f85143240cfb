"""Authors (``pipelines.extraction.metadata.authors``)."""

from __future__ import annotations

import json

import pytest

from tests.metadata_pages import from_html, read


@pytest.mark.parametrize(
    ("fixture", "authors"),
    [
        ("authors_json_ld_list.html", ["Jane Doe", "John Roe"]),
        ("authors_json_ld_graph.html", ["Jane Doe"]),
        ("authors_meta.html", ["Jane Doe"]),
        ("authors_meta_parsely.html", ["Jane Doe", "John Roe"]),
        ("authors_byline.html", ["Jane Doe", "John Roe"]),
        ("authors_rel_author.html", ["Jane Doe", "John Roe", "Ann Poe"]),
        ("authors_by_line_text.html", ["Jane Doe", "John Roe"]),
        ("authors_organization_only.html", ["Example News"]),
        ("authors_organization_and_byline.html", ["Jane Doe"]),
        ("authors_junk.html", []),
        ("authors_email_url.html", ["Jane Doe"]),
        ("authors_comments_only.html", []),
    ],
)
def test_authors(fixture: str, authors: list[str]) -> None:
    assert read(fixture).authors == authors


def with_head(head: str, body: str = "<h1>Council approves the city budget</h1>") -> str:
    return (
        f"<html><head>{head}</head><body><article>{body}"
        "<p>The council approved the budget on Monday after a long debate.</p>"
        "</article></body></html>"
    )


def json_ld(node: dict[str, object]) -> str:
    node = {"@context": "https://schema.org", "@type": "NewsArticle", **node}
    return f'<script type="application/ld+json">{json.dumps(node)}</script>'


@pytest.mark.parametrize(
    ("author", "names"),
    [
        ("Autor: Monika Bolliger", ["Monika Bolliger"]),
        ("Von Seb Dumitru, Lille", ["Seb Dumitru", "Lille"]),
        ("Par Jean Dupont et Marie Curie", ["Jean Dupont", "Marie Curie"]),
        ("Av Per Olsen og Kari Nordmann", ["Per Olsen", "Kari Nordmann"]),
        ("Por Ana García y Juan Pérez", ["Ana García", "Juan Pérez"]),
        ("Di Marco Rossi e Giulia Bianchi", ["Marco Rossi", "Giulia Bianchi"]),
        ("Di Maio", ["Di Maio"]),
        # A conjunction inside one name is no separator: each part must be a name of its own.
        ("Por José Ortega y Gasset", ["José Ortega y Gasset"]),
        ("Maria da Silva e Sousa", ["Maria da Silva e Sousa"]),
        ("Camille Martin et AFP", ["Camille Martin", "AFP"]),
        ("John E Smith", ["John E Smith"]),
        ("JANE DOE AND JOHN ROE", ["Jane Doe", "John Roe"]),
        ("Jane Doe, Reuters", ["Jane Doe", "Reuters"]),
    ],
)
def test_byline_prefixes_labels_and_conjunctions_in_several_languages(
    author: str, names: list[str]
) -> None:
    assert from_html(with_head(f'<meta name="author" content="{author}">')).authors == names


def test_an_outlet_named_as_author_gives_way_to_a_personal_byline() -> None:
    head = (
        '<meta name="author" content="LTO">'
        '<meta property="og:site_name" content="Legal Tribune Online">'
    )
    body = (
        "<h1>Verfassungsbeschwerde eingelegt</h1>"
        '<p>von <a href="/autoren/max-kolter">Dr. Max Kolter</a></p>'
    )
    assert from_html(with_head(head, body)).authors == ["Dr. Max Kolter"]
    agency = '<h1>Liverpool verliert bei Everton</h1><p class="byline">Quelle: sid</p>'
    head = (
        '<meta name="author" content="sportschau.de">'
        '<meta property="og:site_name" content="sportschau.de">'
    )
    assert from_html(with_head(head, agency)).authors == ["sportschau.de"]


def test_a_newsroom_and_an_agency_named_in_json_ld_are_authors() -> None:
    desk = json_ld({"author": {"@type": "Person", "name": "MND Staff"}})
    assert from_html(with_head(desk)).authors == ["MND Staff"]
    assert from_html(with_head("", '<h1>Budget</h1><p class="byline">Staff</p>')).authors == []
    both = json_ld(
        {
            "author": [
                {"@type": "Organization", "name": "Deutsche Presse-Agentur"},
                {"@type": "Person", "name": "MM-Redaktion"},
            ],
            "publisher": {"@type": "Organization", "name": "Mallorca Magazin"},
        }
    )
    assert from_html(with_head(both)).authors == ["MM-Redaktion", "Deutsche Presse-Agentur"]


def test_a_storyline_is_no_byline_and_a_section_ends_one() -> None:
    storyline = (
        '<h1>Budget</h1><h2 class="storyline_subheadline">Leavitt stellt Zusammenhang her</h2>'
    )
    assert from_html(with_head("", storyline)).authors == []
    filed = "<h1>Portugal emerges as an investment</h1><p>By TPN, in News, Business</p>"
    assert from_html(with_head("", filed)).authors == ["TPN"]


def test_a_labelled_author_away_from_the_headline_replaces_the_outlet() -> None:
    head = (
        '<meta name="author" content="Deutsche Welle">'
        '<meta property="og:site_name" content="DW.COM">'
    )
    facts = (
        "<ul><li><strong>Datum</strong> 28.04.2023</li>"
        "<li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>"
    )
    body = f"<h1>Ziele, Chancen, Risiken</h1><p>Text.</p>{facts}"
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    assert from_html(html).authors == ["Roman Goncharenko"]
    about = html.replace("Autorin/Autor</strong> Roman", "Über den Autor</strong> Roman")
    assert from_html(about).authors == ["Deutsche Welle"]


def test_a_name_the_article_labels_as_its_editor_is_no_author() -> None:
    node = json_ld({"author": {"@type": "Person", "name": "Heryadi"}})
    body = (
        "<h1>Pesan Kuat di Wisuda</h1>"
        '<div class="info"><div class="author-2">Naufal Zuhdi</div></div>'
        '<div class="info-author">Editor : <a href="/author/112/heryadi">Heryadi</a></div>'
    )
    assert from_html(with_head(node, body)).authors == ["Naufal Zuhdi"]
    editorial = body.replace("Editor : ", "Editorial ")
    assert from_html(with_head(node, editorial)).authors == ["Heryadi"]


def test_the_page_nodes_authors_count_only_when_the_article_names_none() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "headline": "Oman",
                "author": {"@type": "Person", "name": "Laura Jedeed"},
            },
            {"@type": "WebPage", "author": {"@type": "Person", "name": "Kate Bubacz"}},
        ],
    }
    script = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    assert from_html(with_head(script)).authors == ["Laura Jedeed"]
    del graph["@graph"][0]["author"]
    script = f'<script type="application/ld+json">{json.dumps(graph)}</script>'
    assert from_html(with_head(script)).authors == ["Kate Bubacz"]


def test_a_label_in_a_script_is_no_byline() -> None:
    script = "<script>var x = 1;\nAutor: Jane Doe</script><style>Autor: Ann Poe</style>"
    assert from_html(with_head("", f"<h1>Budget</h1>{script}<p>Text.</p>")).authors == []
    assert from_html(with_head("", "<h1>Budget</h1><p>Autor: Jane Doe</p>")).authors == ["Jane Doe"]
