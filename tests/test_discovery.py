"""Telling feeds, sitemaps, robots.txt and HTML apart, and reading the URLs they list."""

from __future__ import annotations

import codecs
import gzip
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.discovery import (
    Listing,
    document_kind,
    gunzip_if_compressed,
    normalise_date,
    parse_feed,
    parse_sitemap,
    sitemaps_in_robots,
)

BASE = "https://news.example.com/section/feed.xml"

RSS_20 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>Example News</title>
    <link>https://news.example.com/</link>
    <atom:link rel="self" href="https://news.example.com/feed.xml"/>
    <item>
      <title>  Storm hits the coast  </title>
      <link>
        https://news.example.com/2026/11/storm
      </link>
      <guid isPermaLink="false">storm-1234</guid>
      <pubDate>Fri, 20 Nov 2026 09:30:00 GMT</pubDate>
      <media:title>Not the title</media:title>
    </item>
    <item>
      <title>Second story</title>
      <link>https://news.example.com/2026/11/second</link>
      <dc:date>2026-11-19T08:00:00Z</dc:date>
    </item>
  </channel>
</rss>
"""

RSS_091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
 "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91">
  <channel>
    <title>Old news</title>
    <item>
      <title>Caf\xe9 opens</title>
      <link>http://old.example.com/cafe.html</link>
    </item>
  </channel>
</rss>
"""

RSS_10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example.com/">
    <title>RDF news</title>
    <link>https://rdf.example.com/</link>
    <items><rdf:Seq><rdf:li resource="https://rdf.example.com/one"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example.com/one">
    <title>One</title>
    <link>https://rdf.example.com/one</link>
    <dc:date>2026-11-20T10:30:00+01:00</dc:date>
  </item>
  <item rdf:about="https://rdf.example.com/two">
    <title>Two</title>
    <link>https://rdf.example.com/two</link>
  </item>
</rdf:RDF>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
  <title>Atom news</title>
  <link rel="self" href="https://atom.example.com/atom.xml"/>
  <entry>
    <title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title>
    <link rel="enclosure" type="audio/mpeg" href="https://atom.example.com/a.mp3"/>
    <link rel="alternate" type="application/pdf" href="https://atom.example.com/a.pdf"/>
    <link rel="alternate" type="text/html" href="https://atom.example.com/a"/>
    <id>tag:atom.example.com,2026:a</id>
    <published>2026-11-20T09:30:00Z</published>
    <updated>2026-11-21T10:00:00+02:00</updated>
  </entry>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <em>xhtml</em> title</div>
    </title>
    <link href="https://atom.example.com/b"/>
    <id>urn:uuid:b</id>
    <updated>2026-11-19T09:30:00.123Z</updated>
  </entry>
  <entry>
    <title>Only via feedburner</title>
    <link rel="replies" href="https://atom.example.com/c/comments"/>
    <feedburner:origLink>https://atom.example.com/c</feedburner:origLink>
  </entry>
</feed>
"""

ATOM_WITHOUT_NAMESPACE = b"""<feed>
  <entry><title>Plain</title><link href="https://plain.example.com/p"/><id>p</id></entry>
</feed>
"""

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">
  <url>
    <loc>  https://news.example.com/a  </loc>
    <lastmod>2026-11-20T09:30:00+00:00</lastmod>
    <news:news>
      <news:publication>
        <news:name>Example News</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-11-20T08:00:00Z</news:publication_date>
      <news:title>Storm &amp; rain</news:title>
    </news:news>
    <image:image><image:loc>https://img.example.com/a.jpg</image:loc>
      <image:title>Image title</image:title></image:image>
    <video:video><video:content_loc>https://vid.example.com/a.mp4</video:content_loc>
      <video:title>Video title</video:title></video:video>
  </url>
  <url><lastmod>2026-11-20</lastmod></url>
  <url><loc>/relative/b</loc></url>
  <url><loc>https://news.example.com/a</loc><lastmod>1999-01-01</lastmod></url>
  <url><loc>https://news.example.com/c</loc></url>
</urlset>
"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.com/sitemap-1.xml.gz</loc><lastmod>2026-11-20</lastmod></sitemap>
  <sitemap><loc>sitemap-2.xml</loc></sitemap>
</sitemapindex>
"""

ROBOTS = b"""# robots.txt for news.example.com
User-agent: *
Disallow: /private/
Allow: /private/public
Crawl-delay: 5

sitemap: https://news.example.com/sitemap.xml
SITEMAP:/news-sitemap.xml   # the news one
User-agent: BadBot
Disallow: /
   Sitemap: https://news.example.com/sitemap.xml
Host: news.example.com
"""


def urls(listings: list[Listing]) -> list[str]:
    return [listing.url for listing in listings]


# document_kind


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (RSS_20, "feed"),
        (RSS_091, "feed"),
        (RSS_10, "feed"),
        (ATOM, "feed"),
        (ATOM_WITHOUT_NAMESPACE, "feed"),
        (b'<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry/></a:feed>', "feed"),
        (b'<feed xmlns="http://purl.org/atom/ns#" version="0.3">', "feed"),
        (b'<feed xmlns="urn:example:not-atom"><x/></feed>', "other"),
        (SITEMAP, "sitemap"),
        (SITEMAP_INDEX, "sitemap_index"),
        (b"<urlset><url><loc>https://a.example/</loc></url></urlset>", "sitemap"),
        (ROBOTS, "robots"),
        (b"user-agent: *\r\ndisallow:\r\n", "robots"),
        (b"Sitemap: https://a.example/s.xml", "robots"),
        (b"<html><head><title>t</title></head><body>x</body></html>", "html"),
        (b"<HTML><BODY>shouting</BODY></HTML>", "html"),
        (
            b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
            "html",
        ),
        (b"<!DOCTYPE html>\n<title>no html element</title><p>text", "html"),
        (b"<!doctype html>", "html"),
        (b"<head><meta charset=utf-8></head>", "html"),
        (b"<body><p>fragment</p></body>", "html"),
        (b"<div class='x'>fragment</div>", "html"),
        (b"<p>fragment", "html"),
        (b"", "other"),
        (b"   \n\t  ", "other"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "other"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "other"),
        (b'{"rss": "not really"}', "json"),
        (b'[{"title": "An API answer"}]', "json"),
        (b"{not json at all", "other"),
        (b"Just some prose.\nUser-agent: mentioned in passing\nMore prose.\n", "other"),
        (b'<?xml version="1.0"?>', "other"),
        (b'<?xml version="1.0"?><!-- only a comment -->', "other"),
        (b"<rss", "feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut', "feed"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "other"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "other"),
    ],
    ids=[
        "rss-2.0",
        "rss-0.91-doctype",
        "rss-1.0-rdf",
        "atom",
        "atom-no-namespace",
        "atom-prefixed",
        "atom-0.3",
        "feed-other-namespace",
        "sitemap",
        "sitemap-index",
        "sitemap-no-namespace",
        "robots",
        "robots-lowercase-crlf",
        "robots-one-line",
        "html",
        "html-uppercase",
        "xhtml-with-declaration",
        "doctype-fragment",
        "doctype-only",
        "head-fragment",
        "body-fragment",
        "div-fragment",
        "p-fragment",
        "empty",
        "blank",
        "png",
        "pdf",
        "json",
        "json-array",
        "brace-not-json",
        "prose",
        "declaration-only",
        "comment-only",
        "truncated-root",
        "truncated-feed",
        "svg",
        "gzip",
    ],
)
def test_document_kind_from_content(body: bytes, expected: str) -> None:
    assert document_kind(body) == expected


@pytest.mark.parametrize(
    "prolog",
    [
        codecs.BOM_UTF8,
        b"\n\n   \t",
        b'<?xml version="1.0" encoding="utf-8"?>\n',
        b'<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>',
        b"<!-- generated by <cms> at 09:30 -->\n",
        b'<!DOCTYPE rss [<!ENTITY nbsp "&#160;"> <!ENTITY copy "&#169;">]>',
        codecs.BOM_UTF8
        + b' <?xml version="1.0"?><!-- a --><?pi x?>\n<!DOCTYPE rss SYSTEM "rss.dtd"><!-- b -->',
    ],
    ids=["bom", "whitespace", "declaration", "stylesheet-pi", "comment", "internal-dtd", "all"],
)
def test_document_kind_skips_the_prolog(prolog: bytes) -> None:
    assert document_kind(prolog + b'<rss version="2.0"><channel/></rss>') == "feed"
    assert document_kind(prolog + b"<urlset/>") == "sitemap"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_document_kind_reads_utf16_with_bom(encoding: str) -> None:
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    assert document_kind(bom + '<?xml version="1.0"?><rss/>'.encode(encoding)) == "feed"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"random unrecognisable text", "text/html; charset=utf-8", "html"),
        (b"", "text/html", "html"),
        (b"\x00\x01\x02", "TEXT/HTML", "html"),
        (b"random unrecognisable text", "text/plain", "other"),
        (b"random unrecognisable text", None, "other"),
        (RSS_20, "text/html", "feed"),
        (SITEMAP, "text/html", "sitemap"),
        (ROBOTS, "text/html", "robots"),
        (b"<html><body/></html>", "application/rss+xml", "html"),
        (ATOM, "application/octet-stream", "feed"),
    ],
)
def test_content_type_only_decides_unrecognisable_content(
    body: bytes, content_type: str | None, expected: str
) -> None:
    assert document_kind(body, content_type) == expected


def test_a_feed_is_a_feed_whatever_its_url() -> None:
    assert document_kind(RSS_20, "application/xml") == "feed"
    assert urls(parse_feed(RSS_20, "https://news.example.com/sitemap.xml"))[0].endswith("storm")
    assert document_kind(SITEMAP) == "sitemap"
    assert urls(parse_sitemap(SITEMAP, "https://news.example.com/feed.rss"))[0].endswith("/a")


def test_document_kind_looks_at_the_first_64_kib_only() -> None:
    padding = b"<!--" + b"x" * 70_000 + b"-->"
    assert document_kind(padding + b"<rss/>") == "other"
    started = time.perf_counter()
    assert document_kind(b"<rss>" + b"<item/>" * 2_000_000) == "feed"
    assert document_kind(b"User-agent: *\n" * 1_000_000) == "robots"
    assert time.perf_counter() - started < 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.none() | st.sampled_from(["text/html", "text/xml", "x/y"]))
def test_document_kind_never_raises(body: bytes, content_type: str | None) -> None:
    assert document_kind(body, content_type) in {
        "feed",
        "sitemap",
        "sitemap_index",
        "robots",
        "html",
        "other",
    }


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000) | st.text(alphabet="<>/&;![]?:=\"' abcdefrsurlitem\n"))
def test_parsers_never_raise_on_garbage(data: bytes | str) -> None:
    body = data.encode("utf-8") if isinstance(data, str) else data
    for prefix in (b"", b"<rss><channel><item><link>", b"<urlset><url><loc>", b"<feed><entry>"):
        assert isinstance(parse_feed(prefix + body, BASE), list)
        assert isinstance(parse_sitemap(prefix + body, BASE), list)
    assert isinstance(sitemaps_in_robots(body, BASE), list)
    normalise_date(body.decode("utf-8", "replace"))


# normalise_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fri, 20 Nov 2026 09:30:00 GMT", "2026-11-20T09:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 UT", "2026-11-20T09:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 +0100", "2026-11-20T08:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 -0530", "2026-11-20T15:00:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 EST", "2026-11-20T14:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 PDT", "2026-11-20T16:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 CET", "2026-11-20T08:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 cest", "2026-11-20T07:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00 AEDT", "2026-11-19T22:30:00+00:00"),
        ("20 Nov 2026 09:30 GMT", "2026-11-20T09:30:00+00:00"),
        ("Fri, 20 Nov 26 09:30:00 GMT", "2026-11-20T09:30:00+00:00"),
        ("Fri, 20 November 2026 09:30:00 GMT", "2026-11-20T09:30:00+00:00"),
        ("Fri,  20 Nov 2026\n 09:30:00   GMT ", "2026-11-20T09:30:00+00:00"),
        ("Fri, 20 Nov 2026 09:30:00", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20T09:30:00Z", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20t09:30:00z", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20T09:30:00+01:00", "2026-11-20T08:30:00+00:00"),
        ("2026-11-20T09:30:00-0500", "2026-11-20T14:30:00+00:00"),
        ("2026-11-20T09:30:00+05", "2026-11-20T04:30:00+00:00"),
        ("2026-11-20T09:30:00.123456789Z", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20T09:30:00,5+00:00", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20T09:30Z", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20T09:30+02:00", "2026-11-20T07:30:00+00:00"),
        ("2026-11-20 09:30:00", "2026-11-20T09:30:00+00:00"),
        ("2026-11-20 09:30:00 +01:00", "2026-11-20T08:30:00+00:00"),
        ("2026-11-20T00:30:00+01:00", "2026-11-19T23:30:00+00:00"),
        ("  2026-11-20  ", "2026-11-20T00:00:00+00:00"),
        ("2026-11", "2026-11-01T00:00:00+00:00"),
        ("2026", "2026-01-01T00:00:00+00:00"),
    ],
)
def test_normalise_date_reads_feed_and_sitemap_dates(value: str, expected: str) -> None:
    assert normalise_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "yesterday",
        "2026-13-01",
        "2026-02-30",
        "2026-11-20T25:00:00Z",
        "2026-11-20T09:30:00+25:00",
        "Fri, 32 Nov 2026 09:30:00 GMT",
        "Fri, 20 Nov 2026 24:30:00 GMT",
        "0000-01-01",
        "0001-01-01T00:00:00+01:00",
        "\x00\xff",
    ],
)
def test_normalise_date_gives_none_for_what_is_not_a_date(value: str | None) -> None:
    assert normalise_date(value) is None


# parse_feed


def test_rss_20() -> None:
    assert parse_feed(RSS_20, BASE) == [
        Listing(
            url="https://news.example.com/2026/11/storm",
            title="Storm hits the coast",
            guid="storm-1234",
            published="Fri, 20 Nov 2026 09:30:00 GMT",
        ),
        Listing(
            url="https://news.example.com/2026/11/second",
            title="Second story",
            published="2026-11-19T08:00:00Z",
        ),
    ]


def test_rss_091_with_doctype_and_latin1() -> None:
    assert parse_feed(RSS_091, BASE) == [
        Listing(url="http://old.example.com/cafe.html", title="Café opens")
    ]


def test_rss_10_items_beside_the_channel() -> None:
    assert parse_feed(RSS_10, BASE) == [
        Listing(
            url="https://rdf.example.com/one",
            title="One",
            published="2026-11-20T10:30:00+01:00",
        ),
        Listing(url="https://rdf.example.com/two", title="Two"),
    ]


def test_atom_10() -> None:
    assert parse_feed(ATOM, BASE) == [
        Listing(
            url="https://atom.example.com/a",
            title="Bold move",
            guid="tag:atom.example.com,2026:a",
            published="2026-11-20T09:30:00Z",
            updated="2026-11-21T10:00:00+02:00",
        ),
        Listing(
            url="https://atom.example.com/b",
            title="An xhtml title",
            guid="urn:uuid:b",
            updated="2026-11-19T09:30:00.123Z",
        ),
        Listing(url="https://atom.example.com/c", title="Only via feedburner"),
    ]


def test_atom_without_namespace() -> None:
    assert parse_feed(ATOM_WITHOUT_NAMESPACE, BASE) == [
        Listing(url="https://plain.example.com/p", title="Plain", guid="p")
    ]


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        ('<link href="https://a.example/x"/>', "https://a.example/x"),
        ('<link rel="alternate" href="https://a.example/x"/>', "https://a.example/x"),
        ('<link rel=" Alternate " href="https://a.example/x"/>', "https://a.example/x"),
        (
            '<link rel="alternate" type="application/json" href="https://a.example/j"/>'
            '<link rel="alternate" type="text/html" href="https://a.example/h"/>',
            "https://a.example/h",
        ),
        (
            '<link rel="alternate" href="https://a.example/first"/>'
            '<link rel="alternate" href="https://a.example/second"/>',
            "https://a.example/first",
        ),
        (
            '<link rel="self" href="https://a.example/self"/>'
            '<link rel="edit" href="https://a.example/edit"/>',
            None,
        ),
        ('<link rel="alternate" href="javascript:alert(1)"/>', None),
        (
            '<link rel="alternate" href="mailto:x@a.example"/>'
            '<link rel="alternate" href="https://a.example/ok"/>',
            "https://a.example/ok",
        ),
        ('<link rel="alternate" href="/relative"/>', "https://news.example.com/relative"),
    ],
)
def test_atom_link_choice(links: str, expected: str | None) -> None:
    body = f'<feed xmlns="http://www.w3.org/2005/Atom"><entry>{links}</entry></feed>'.encode()
    assert urls(parse_feed(body, BASE)) == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("<link>https://a.example/l</link><guid>https://a.example/g</guid>", "https://a.example/l"),
        ("<guid>https://a.example/g</guid>", "https://a.example/g"),
        ('<guid isPermaLink="true">http://a.example/g</guid>', "http://a.example/g"),
        ('<guid isPermaLink="false">https://a.example/g</guid>', None),
        ('<guid isPermaLink=" FALSE ">https://a.example/g</guid>', None),
        ("<guid>12345</guid>", None),
        ("<guid>/relative-guid</guid>", None),
        ("<link>  </link><guid>https://a.example/g</guid>", "https://a.example/g"),
        ("<link>relative/page.html</link>", "https://news.example.com/section/relative/page.html"),
        ("<link>//cdn.example.net/p</link>", "https://cdn.example.net/p"),
        ("<link>../up</link>", "https://news.example.com/up"),
        ("<link>https://a.example/p?a=1&amp;b=2</link>", "https://a.example/p?a=1&b=2"),
        ("<link>https://a.example/p?a=1&b=2</link>", "https://a.example/p?a=1&b=2"),
        ("<link><![CDATA[https://a.example/p?a=1&b=2]]></link>", "https://a.example/p?a=1&b=2"),
        ("<link>javascript:alert(1)</link>", None),
        ("<link>mailto:editor@a.example</link>", None),
        ("<link>file:///etc/passwd</link>", None),
        ("<link>ftp://a.example/file</link>", None),
        ("<link>data:text/html,hi</link>", None),
        ("<link>https://</link>", None),
        ("<title>no link</title>", None),
        (
            '<link>https://feeds.feedburner.example/~r/x</link><feedburner:origLink xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">https://a.example/o</feedburner:origLink>',
            "https://feeds.feedburner.example/~r/x",
        ),
        (
            '<feedburner:origLink xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">https://a.example/o</feedburner:origLink>',
            "https://a.example/o",
        ),
    ],
)
def test_rss_item_url(item: str, expected: str | None) -> None:
    body = f'<rss version="2.0"><channel><item>{item}</item></channel></rss>'.encode()
    assert urls(parse_feed(body, BASE)) == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Plain title", "Plain title"),
        ("  \n  Spaced \n\t out  \n", "Spaced out"),
        ("<![CDATA[Cats & <b>dogs</b>]]>", "Cats & dogs"),
        ("&lt;em&gt;Escaped&lt;/em&gt; HTML &amp;amp; more", "Escaped HTML & more"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("Caf&#233; &#x2014; bar", "Café — bar"),
        ("A&nbsp;B &mdash; C &amp; D &lt; E", "A B — C & D < E"),
        ("AT&T cuts prices", "AT&T cuts prices"),
        ("1 &lt; 2 and 3 &gt; 2", "1 < 2 and 3 > 2"),
        ("<![CDATA[]]>", None),
        ("   ", None),
    ],
)
def test_feed_titles_are_plain_text(title: str, expected: str | None) -> None:
    body = (
        '<rss version="2.0"><channel><item>'
        f"<title>{title}</title><link>https://a.example/x</link>"
        "</item></channel></rss>"
    ).encode()
    assert parse_feed(body, BASE)[0].title == expected


def test_xml_base_on_the_feed_and_the_entry() -> None:
    body = b"""<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://base.example.org/blog/">
      <entry><link href="posts/1"/></entry>
      <entry xml:base="/other/"><link href="2"/></entry>
      <entry><link xml:base="https://elsewhere.example/" href="3"/></entry>
      <entry><link href="https://absolute.example/4"/></entry>
    </feed>"""
    assert urls(parse_feed(body, BASE)) == [
        "https://base.example.org/blog/posts/1",
        "https://base.example.org/other/2",
        "https://elsewhere.example/3",
        "https://absolute.example/4",
    ]


def test_relative_xml_base_resolves_against_the_document_url() -> None:
    body = b'<rss xml:base="/news/"><channel><item><link>a</link></item></channel></rss>'
    assert urls(parse_feed(body, BASE)) == ["https://news.example.com/news/a"]


def test_feed_urls_are_listed_once_in_feed_order() -> None:
    body = b"""<rss><channel>
      <item><title>first</title><link>https://a.example/2</link></item>
      <item><title>second</title><link>https://a.example/1</link></item>
      <item><title>again</title><link>https://a.example/2</link></item>
    </channel></rss>"""
    listings = parse_feed(body, BASE)
    assert urls(listings) == ["https://a.example/2", "https://a.example/1"]
    assert listings[0].title == "first"


def test_truncated_feed_keeps_the_items_before_the_break() -> None:
    whole = RSS_20.replace(b"</channel>", b"<item><link>https://news.example.com/3</link></item>")
    cut = whole[: whole.index(b"https://news.example.com/3") + 10]
    assert urls(parse_feed(cut, BASE))[:2] == [
        "https://news.example.com/2026/11/storm",
        "https://news.example.com/2026/11/second",
    ]


def test_broken_feed_keeps_what_can_be_read() -> None:
    body = b"""<rss><channel>
      <item><title>Bare & ampersand, &nbsp;entity</title><link>https://a.example/1?a=1&b=2</link>
      </item>
      <item><title>Stray </div> end tag</title><link>https://a.example/2</link></item>
      <item><title>After the break &amp; &lt;i&gt;on&lt;/i&gt;</title><link>https://a.example/3</link>
      </item>
      <item><title>Unclosed <b>bold</title><link>https://a.example/4</link></item>
      <item><link>https://a.example/5</link><description>x</descr></item>
    </channel></rss>"""
    listings = parse_feed(body, BASE)
    assert listings[0] == Listing(
        url="https://a.example/1?a=1&b=2", title="Bare & ampersand, entity"
    )
    assert Listing(url="https://a.example/3", title="After the break & on") in listings
    assert "https://a.example/5" in urls(listings)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"\x00\x01\x02\xff\xfe garbage",
        b"<html><body><a href='https://a.example/x'>x</a></body></html>",
        b"<<<<>>>>",
        b"<rss><channel>",
        SITEMAP,
        ROBOTS,
        gzip.compress(RSS_20),
    ],
    ids=["empty", "blank", "binary", "html", "brackets", "no-items", "sitemap", "robots", "gzip"],
)
def test_parse_feed_of_what_is_no_feed_is_empty(body: bytes) -> None:
    assert parse_feed(body, BASE) == []


# parse_sitemap


def test_news_sitemap() -> None:
    assert parse_sitemap(SITEMAP, "https://news.example.com/sitemaps/news.xml") == [
        Listing(
            url="https://news.example.com/a",
            lastmod="2026-11-20T09:30:00+00:00",
            news_publication_date="2026-11-20T08:00:00Z",
            news_title="Storm & rain",
        ),
        Listing(url="https://news.example.com/relative/b"),
        Listing(url="https://news.example.com/c"),
    ]


def test_sitemap_index_lists_child_sitemaps() -> None:
    assert parse_sitemap(SITEMAP_INDEX, "https://news.example.com/sitemaps/index.xml") == [
        Listing(url="https://news.example.com/sitemap-1.xml.gz", lastmod="2026-11-20"),
        Listing(url="https://news.example.com/sitemaps/sitemap-2.xml"),
    ]


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("\n\t https://a.example/x \n", "https://a.example/x"),
        ("HTTPS://A.example/x", "HTTPS://A.example/x"),
        ("/root", "https://news.example.com/root"),
        ("here", "https://news.example.com/section/here"),
        ("https://a.example/p?a=1&amp;b=2", "https://a.example/p?a=1&b=2"),
        ("https://a.example/p?a=1&b=2", "https://a.example/p?a=1&b=2"),
        ("javascript:void(0)", None),
        ("mailto:x@a.example", None),
        ("file:///etc/passwd", None),
        ("ftp://a.example/x", None),
        ("data:,x", None),
        ("", None),
        ("   ", None),
    ],
)
def test_sitemap_loc(loc: str, expected: str | None) -> None:
    body = f"<urlset><url><loc>{loc}</loc></url></urlset>".encode()
    assert urls(parse_sitemap(body, BASE)) == ([expected] if expected else [])


def test_sitemap_keeps_order_and_first_of_duplicates() -> None:
    locs = ["https://a.example/3", "https://a.example/1", "https://a.example/3", "/2"]
    entries = "".join(
        f"<url><loc>{loc}</loc><lastmod>2026-11-0{n}</lastmod></url>"
        for n, loc in enumerate(locs, 1)
    )
    listings = parse_sitemap(f"<urlset>{entries}</urlset>".encode(), "https://a.example/s.xml")
    assert urls(listings) == ["https://a.example/3", "https://a.example/1", "https://a.example/2"]
    assert listings[0].lastmod == "2026-11-01"


def test_truncated_sitemap_keeps_the_entries_before_the_break() -> None:
    entries = b"".join(b"<url><loc>https://a.example/%d</loc></url>" % n for n in range(5))
    body = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    listed = urls(parse_sitemap(body + entries + b"<url><loc>https://a.exa", BASE))
    assert listed[:5] == [f"https://a.example/{n}" for n in range(5)]


def test_gzipped_sitemap_after_gunzip() -> None:
    body = gunzip_if_compressed(gzip.compress(SITEMAP_INDEX), 10_000_000)
    assert document_kind(body) == "sitemap_index"
    assert len(parse_sitemap(body, BASE)) == 2


@pytest.mark.parametrize(
    "body",
    [b"", b"\xff\xfe\x00garbage", RSS_20, ATOM, b"<html><body/></html>", ROBOTS, b"<urlset"],
)
def test_parse_sitemap_of_what_is_no_sitemap_is_empty(body: bytes) -> None:
    assert parse_sitemap(body, BASE) == []


def test_large_sitemap_is_read_quickly() -> None:
    entries = b"".join(
        b"<url><loc>https://a.example/%d?x=1&amp;y=2</loc><lastmod>2026-11-20</lastmod></url>" % n
        for n in range(50_000)
    )
    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + entries + b"</urlset>"
    started = time.perf_counter()
    listings = parse_sitemap(body, BASE)
    assert len(listings) == 50_000
    assert listings[-1].url == "https://a.example/49999?x=1&y=2"
    assert time.perf_counter() - started < 10


# sitemaps_in_robots


def test_sitemaps_in_robots() -> None:
    assert sitemaps_in_robots(ROBOTS, "https://news.example.com/robots.txt") == [
        "https://news.example.com/sitemap.xml",
        "https://news.example.com/news-sitemap.xml",
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"Sitemap: https://a.example/s.xml", ["https://a.example/s.xml"]),
        (b"sItEmAp  :  https://a.example/s.xml\r\n", ["https://a.example/s.xml"]),
        (b"Sitemap: sitemaps/s.xml", ["https://news.example.com/sitemaps/s.xml"]),
        (b"\xef\xbb\xbfSitemap: /s.xml", ["https://news.example.com/s.xml"]),
        (
            b"Sitemap: /caf\xe9.xml\nSitemap: /b.xml",
            ["https://news.example.com/caf\ufffd.xml", "https://news.example.com/b.xml"],
        ),
        (
            b"Sitemap: /a.xml\rSitemap: /b.xml",
            ["https://news.example.com/a.xml", "https://news.example.com/b.xml"],
        ),
        (b"# Sitemap: https://a.example/commented.xml", []),
        (b"Disallow: /sitemap: https://a.example/x", []),
        (b"Sitemap:", []),
        (b"Sitemap: javascript:alert(1)\nSitemap: ftp://a.example/s.xml", []),
        (b"Sitemap: file:///etc/passwd", []),
        (b"", []),
        (b"\x00\xff\x00\xfe", []),
    ],
)
def test_sitemap_lines(body: bytes, expected: list[str]) -> None:
    assert sitemaps_in_robots(body, "https://news.example.com/robots.txt") == expected


# gunzip_if_compressed


@pytest.mark.parametrize("body", [b"", b"plain", RSS_20, b"\x1f", b"\x8b\x1f"])
def test_uncompressed_bodies_are_returned_as_they_are(body: bytes) -> None:
    assert gunzip_if_compressed(body, 10) is body


def test_gzip_is_decompressed() -> None:
    assert gunzip_if_compressed(gzip.compress(SITEMAP), len(SITEMAP)) == SITEMAP


def test_concatenated_gzip_members_are_all_decompressed() -> None:
    assert gunzip_if_compressed(gzip.compress(b"one ") + gzip.compress(b"two"), 100) == b"one two"


def test_gzip_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="more than"):
        gunzip_if_compressed(gzip.compress(SITEMAP), len(SITEMAP) - 1)


def test_gzip_limit_of_zero() -> None:
    assert gunzip_if_compressed(gzip.compress(b""), 0) == b""
    with pytest.raises(ValueError):
        gunzip_if_compressed(gzip.compress(b"x"), 0)


def test_gzip_bomb_is_refused_quickly() -> None:
    bomb = gzip.compress(b"\0" * 10_000_000)
    started = time.perf_counter()
    with pytest.raises(ValueError, match="more than 1000000 bytes"):
        gunzip_if_compressed(bomb, 1_000_000)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    "body",
    [
        b"\x1f\x8b",
        b"\x1f\x8b\x08\x00",
        b"\x1f\x8bnot deflate at all",
        gzip.compress(RSS_20)[:40],
        gzip.compress(RSS_20)[:-4],
        gzip.compress(RSS_20)[:20] + b"\xff" * 30 + gzip.compress(RSS_20)[50:],
    ],
    ids=["magic-only", "header-cut", "not-deflate", "truncated", "no-size", "corrupt"],
)
def test_corrupt_gzip_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        gunzip_if_compressed(body, 10_000_000)


# Hostile XML


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT")
    return path


def test_external_entities_are_not_expanded(secret_file: Path) -> None:
    uri = secret_file.as_uri()
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE rss [
      <!ENTITY xxe SYSTEM "{uri}">
      <!ENTITY % remote SYSTEM "{uri}">
      %remote;
    ]>
    <rss version="2.0"><channel>
      <item><title>before &xxe; after</title><link>https://a.example/&xxe;</link>
        <guid isPermaLink="false">&xxe;</guid></item>
    </channel></rss>""".encode()
    assert document_kind(body) == "feed"
    listings = parse_feed(body, BASE)
    assert "TOP-SECRET" not in repr(listings)
    assert listings and listings[0].title == "before after"


def test_external_entities_in_sitemaps_are_not_expanded(secret_file: Path) -> None:
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE urlset [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>
    <urlset><url><loc>https://a.example/?q=&xxe;</loc><lastmod>&xxe;</lastmod></url></urlset>
    """.encode()
    assert "TOP-SECRET" not in repr(parse_sitemap(body, BASE))


def test_billion_laughs_is_not_expanded() -> None:
    entities = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    body = f"""<?xml version="1.0"?>
    <!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>
    <rss><channel><item><link>https://a.example/x</link><title>&lol9;</title></item>
    </channel></rss>""".encode()
    started = time.perf_counter()
    listings = parse_feed(body, BASE)
    assert time.perf_counter() - started < 1
    assert "lollol" not in repr(listings)
    assert urls(listings) == ["https://a.example/x"]


# Listing


def test_provenance_holds_the_non_empty_fields_but_the_url() -> None:
    listing = Listing(
        url="https://a.example/x",
        title="T",
        guid="",
        lastmod="2026-11-20",
        news_title="N",
    )
    assert listing.provenance() == {"title": "T", "lastmod": "2026-11-20", "news_title": "N"}
    assert Listing(url="https://a.example/x").provenance() == {}


def test_provenance_of_parsed_listings() -> None:
    assert parse_sitemap(SITEMAP, BASE)[0].provenance() == {
        "lastmod": "2026-11-20T09:30:00+00:00",
        "news_publication_date": "2026-11-20T08:00:00Z",
        "news_title": "Storm & rain",
    }
    assert parse_feed(RSS_20, BASE)[0].provenance() == {
        "title": "Storm hits the coast",
        "guid": "storm-1234",
        "published": "Fri, 20 Nov 2026 09:30:00 GMT",
    }


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ({}, None),
        ({"published": "Fri, 20 Nov 2026 09:30:00 GMT"}, "2026-11-20T09:30:00+00:00"),
        ({"lastmod": "2026-11-20"}, "2026-11-20T00:00:00+00:00"),
        (
            {"published": "2026-11-20T09:30:00Z", "updated": "2026-11-21T10:00:00+02:00"},
            "2026-11-21T08:00:00+00:00",
        ),
        (
            {"lastmod": "2026-11-20T23:00:00-05:00", "news_publication_date": "2026-11-21"},
            "2026-11-21T04:00:00+00:00",
        ),
        (
            {"published": "Sat, 21 Nov 2026 00:30:00 +0100", "updated": "2026-11-20T23:45Z"},
            "2026-11-20T23:45:00+00:00",
        ),
        (
            {"lastmod": "not a date", "published": "2026-11-20T09:30:00Z"},
            "2026-11-20T09:30:00+00:00",
        ),
        ({"lastmod": "not a date"}, None),
        ({"news_title": "2030-01-01"}, None),
    ],
)
def test_modified_is_the_latest_date_in_utc(dates: dict[str, str], expected: str | None) -> None:
    assert Listing(url="https://a.example/x", **dates).modified() == expected


def test_modified_of_parsed_listings() -> None:
    assert [listing.modified() for listing in parse_feed(ATOM, BASE)] == [
        "2026-11-21T08:00:00+00:00",
        "2026-11-19T09:30:00+00:00",
        None,
    ]


def test_listing_is_frozen() -> None:
    listing = Listing(url="https://a.example/x")
    with pytest.raises(AttributeError):
        listing.url = "https://a.example/y"  # type: ignore[misc]
