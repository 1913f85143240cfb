"""A corpus of hostile inputs, written at test time, and a small HTTP server that serves it.

Every input is an :class:`Input`: a file name, the bytes to write (built on demand, so that
the 50 MB page exists only in a test's temporary folder), how the server sends it
(``Content-Type``, ``Content-Encoding``, with or without ``Content-Length``) and the outcome
each spider must record for it. Good article pages are mixed in: they must all be stored,
whatever the hostile pages around them do.

The server (:class:`HostileSite`) serves the files of a folder on 127.0.0.1, at ``/<name>``,
with the headers the input states, from a thread of the test's process; ``/robots.txt`` is a
404 (everything may be crawled).
"""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from types import TracebackType

from tests.newssite import LocalHTTPServer, QuietHandler

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = DATA / "html"

MB = 1024 * 1024
HUGE_PAGE_BYTES = 50 * MB
LONG_LINE_BYTES = 5 * MB
HUGE_TEXT_NODE_BYTES = 10_500_000
"""Over libxml2's limit on one text node (10,000,000 bytes), which stops its parse."""
NESTING_DEPTH = 100_000
BOMB_INFLATED_BYTES = 4 * 1024 * MB
"""What the gzip bomb inflates to: 4 GiB, from about 4 MB."""

STORY = [
    "The river authority said on Tuesday that repairs to the old stone bridge at Millbrook "
    "would begin in the spring and take about eighteen months, after engineers found cracks "
    "in two of its five arches during a routine inspection last autumn.",
    "Traffic will be diverted along the eastern ring road while the work goes on, and a "
    "temporary footbridge will keep the market square within reach of the houses on the far "
    "bank, the authority's chief engineer told reporters at a briefing in the town hall.",
    "Local traders have asked for the work to pause during the harvest festival in September, "
    "when the bridge carries most of the visitors who come into town, and the council has "
    "promised to consider the request at its next meeting.",
    "The repairs are expected to cost about four million pounds, most of it paid by a regional "
    "fund for historic structures; the rest will come from the council's own budget for roads, "
    "which has been cut twice in the past three years.",
    "Residents who want to comment on the plans can write to the authority until the end of "
    "the month, or attend one of the two public meetings it will hold in the library next "
    "week.",
]
"""Article paragraphs every synthetic page shares; each page adds a lead paragraph of its own,
so that no two pages give the same text (which the dedupe stage would drop)."""

CP1252_LEAD = (
    "À Millbrook, le café « Chez Noël » a dû fermer : la rénovation coûtera 4 millions d’euros "
    "(4 000 000 €), a déclaré l’ingénieure en chef — une somme « énorme » pour une commune "
    "de cette taille."
)
UTF8_LEAD = (
    "Die Brücke über die Öse wird für 4 Mio. € saniert; der Bürgermeister sprach von einem "
    "„großen Tag“ für Millbrook — Ελληνικά: γέφυρα, русский: мост, 日本語: 橋."
)
JAPANESE_STORY = [
    "川の管理当局は火曜日、ミルブルックの古い石橋の修理を春に始めると発表した。",
    "工事は約十八か月かかる見通しで、昨年秋の定期点検では、五つのアーチのうち二つに、"
    "ひびが見つかった。",
    "工事の間、車は東側の環状道路に迂回し、歩行者は、仮設の歩道橋を使って、市場の広場へ、"
    "行くことができる。",
    "地元の商店主らは、九月の収穫祭の期間中は、工事を止めるよう求めており、町議会は、"
    "次の会合で、この要望を検討すると約束した。",
    "修理費は、およそ四百万ポンドと見込まれ、その大半は、歴史的建造物のための、"
    "地域基金から支払われる。",
    "残りは、町の道路予算から賄われるが、この予算は、過去三年間に、二度削減されている。",
    "住民は、今月末まで、当局に意見を書面で送ることができ、来週には、図書館で、"
    "二回の説明会が開かれる。",
    "橋は、百五十年前に建てられ、町の人々にとって、大切な場所であり、祭りの日には、"
    "多くの観光客が、橋を渡って、広場に集まる。",
    "技術者によると、ひびは、冬の寒さと、重いトラックの通行によって、広がったという。",
    "当局は、修理の間も、橋の歴史的な姿を守るため、元の石を、できるだけ使うと説明した。",
]
SQL_DROP_TITLE = "'); DROP TABLE articles; --"
SQL_OR_TITLE = '" OR 1=1 --'
SCRIPT_WRITTEN = "Written by script: the bridge was sold to a private company overnight."
LITERAL_SCRIPT = "<script>alert(1)</script>"
DEEP_NESTING_LEAD = "Deeply nested: the bridge page sits inside a hundred thousand containers."


def paragraphs(lead: str, story: list[str] = STORY) -> str:
    """``<p>`` elements for ``lead`` and the ``story`` paragraphs, escaped."""
    return "".join(f"<p>{escape(text, quote=False)}</p>" for text in [lead, *story])


def article_html(
    title: str,
    lead: str,
    *,
    head: str = '<meta charset="utf-8">',
    story: list[str] = STORY,
    body: str | None = None,
) -> str:
    """A small news page: navigation, an ``<article>`` with a headline and paragraphs (``body``
    in place of them if given), a footer."""
    inner = body if body is not None else paragraphs(lead, story)
    return (
        f"<!DOCTYPE html><html lang='en'><head>{head}<title>{escape(title)}</title>"
        f'<meta property="og:type" content="article"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{escape(title)}</h1>{inner}</article>"
        "<footer>The Millbrook Courier</footer></body></html>"
    )


def gzip_bomb(inflated: int = BOMB_INFLATED_BYTES) -> bytes:
    """Gzip data that inflates to ``inflated`` bytes of an HTML page full of spaces.

    Concatenated gzip members (a valid gzip stream), the same 1 MB member repeated, so that it
    is built in milliseconds: deflate compresses a run of spaces about a thousand to one.
    """
    head = gzip.compress(b"<html><body><p>", mtime=0)
    member = gzip.compress(b" " * MB, compresslevel=9, mtime=0)
    return head + member * (inflated // MB)


def truncated() -> bytes:
    page = article_html("Bridge repairs cut short", "Truncated: the page ends in the middle.")
    cut = page.index("which has been cut twice")
    return (page[:cut] + "which has been cut twice</p><p>Readers wrote <a hre").encode()


def malformed() -> bytes:
    lead = "Malformed: the markup of this page is broken in many places."
    story = "".join(
        f"<p class=story id=p{index}>{text}<b>  <i>{index}" for index, text in enumerate(STORY)
    )
    return (
        "<html><head><meta charset=utf-8><title>Bridge repairs, badly marked up</title>"
        "</head></div></div><body bgcolor=white><div class=main <article>"
        f"<h1>Bridge repairs, badly marked up</h1></div></span><p>{lead}{story}"
        "</td></tr></table></div><footer>The Millbrook Courier"
    ).encode()


def huge_page() -> bytes:
    filler = paragraphs("Huge: fifty megabytes of the same paragraphs.")
    head = article_html("A fifty megabyte page", "", body="").split("<article>")[0]
    repeat = HUGE_PAGE_BYTES // len(filler) + 1
    return (head + "<article>" + filler * repeat + "</article></body></html>").encode()


def deep_nesting() -> bytes:
    inner = "<div>" * NESTING_DEPTH + paragraphs(DEEP_NESTING_LEAD) + "</div>" * NESTING_DEPTH
    return article_html("Bridge repairs, deeply nested", "", body=inner).encode()


def png() -> bytes:
    chunk = zlib.compress(bytes(range(256)) * 64)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + chunk + b"IEND\xaeB`\x82"


def pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 4096 >>\nstream\n" + zlib.compress(
        b"BT /F1 12 Tf (The bridge) Tj ET " * 400
    )


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", article_html("Zipped", "Zipped: an archive."))
    return buffer.getvalue()


def cp1252_declared_utf8() -> bytes:
    page = article_html("Le pont de Millbrook", CP1252_LEAD)
    return page.encode("cp1252")


def utf8_declared_latin1() -> bytes:
    head = '<meta charset="iso-8859-1">'
    return article_html("Die Brücke von Millbrook", UTF8_LEAD, head=head).encode("utf-8")


def shift_jis_declared_latin1() -> bytes:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
    page = article_html(
        "ミルブルックの石橋", JAPANESE_STORY[0], head=head, story=JAPANESE_STORY[1:]
    )
    return page.replace("lang='en'", "lang='ja'").encode("shift_jis")


def nul_bytes() -> bytes:
    lead = "NUL bytes: a few stray zero bytes are scattered through this article."
    page = article_html("Bridge repairs with stray bytes", lead)
    page = page.replace("stone bridge", "stone\x00 bridge").replace("footbridge", "foot\x00bridge")
    return page.replace("<footer>", "\x00\x00<footer>").encode()


def long_line(spaces: bool) -> bytes:
    if spaces:
        unit = "the bridge will be repaired in spring and the work will take eighteen months "
        lead = "One long line: five megabytes of words without a single line break."
    else:
        unit = "bridgerepairs"
        lead = "One long word: five megabytes of letters without a single space."
    text = unit * (LONG_LINE_BYTES // len(unit))
    return (
        article_html(f"Long line {'with' if spaces else 'without'} spaces", lead)
        .replace("</article>", f"<p>{text}</p></article>")
        .encode()
    )


def huge_text_node() -> bytes:
    """A page whose one paragraph is longer than libxml2 reads without its huge option."""
    unit = "the bridge will be repaired "
    text = unit * (HUGE_TEXT_NODE_BYTES // len(unit))
    lead = "Huge paragraph: ten and a half megabytes of words in one text node."
    return (
        article_html("Bridge repairs, one huge paragraph", lead)
        .replace("<h1>", f"<p>{text}</p><h1>")
        .encode()
    )


def long_capture(spaces: bool) -> bytes:
    """A plain-text capture whose last line is :data:`LONG_LINE_BYTES` long."""
    unit = "the bridge will be repaired in spring " if spaces else "bridgerepairs"
    lead = f"A capture with one long {'line' if spaces else 'word'} at its end."
    text = unit * (LONG_LINE_BYTES // len(unit))
    title = f"Long capture {'with' if spaces else 'without'} spaces"
    return "\n".join([title, lead, *STORY, text]).encode()


def nul_capture() -> bytes:
    lead = "A capture with stray NUL bytes inside its words and between its lines."
    text = "\n".join(["Bridge repairs, captured with stray bytes", lead, *STORY])
    return text.replace("stone bridge", "stone\x00 bridge").replace("\n", "\n\x00").encode()


def deep_json_ld() -> bytes:
    """A page whose JSON-LD nests deeper than Python's JSON parser can go."""
    data = "[" * NESTING_DEPTH + '{"@type": "NewsArticle"}' + "]" * NESTING_DEPTH
    head = f'<meta charset="utf-8"><script type="application/ld+json">{data}</script>'
    lead = "Deep JSON-LD: the page's structured data nests a hundred thousand lists deep."
    return article_html("Bridge repairs, deep data", lead, head=head).encode()


def script_injected() -> bytes:
    """Text a script writes (not article text), and markup shown as text, escaped."""
    lead = f"Script: a reader posted {LITERAL_SCRIPT} in the comments, shown here as text."
    script = f'<script>document.write("<p>{SCRIPT_WRITTEN}</p>");</script>'
    page = article_html("Bridge repairs and a script", "", body=paragraphs(lead) + script)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    return page.encode()


def sql_title(title: str, lead: str) -> Callable[[], bytes]:
    return lambda: article_html(title, lead).encode()


def fixture(name: str) -> Callable[[], bytes]:
    return lambda: (FIXTURES / f"{name}.html").read_bytes()


@dataclass(frozen=True)
class Input:
    """One page of the corpus.

    :param name: its file name, and its path on the server (``/<name>``).
    :param build: makes its bytes.
    :param files: the outcome the ``files`` spider records (``fetches.outcome``).
    :param http: the outcome the ``news`` spider records when the server sends it.
    :param content_type: the ``Content-Type`` the server sends.
    :param content_encoding: the ``Content-Encoding`` the server sends, if any.
    :param content_length: whether the server sends a ``Content-Length``.
    :param source: the file whose bytes the server sends, when another input's (``name`` is
        then a path the server alone knows).
    """

    name: str
    build: Callable[[], bytes]
    files: str
    http: str
    content_type: str = "text/html"
    content_encoding: str | None = None
    content_length: bool = True
    source: str | None = None

    @property
    def good(self) -> bool:
        return self.name.startswith("good-")


HTML_UTF8 = "text/html; charset=utf-8"
TEXT_UTF8 = "text/plain; charset=utf-8"

CORPUS: tuple[Input, ...] = (
    *(
        Input(f"good-{name}.html", fixture(name), "article", "article", HTML_UTF8)
        for name in ("000_bbc", "001_wordpress", "002_cgtn", "003_voa", "004_chinadaily")
    ),
    Input("truncated.html", truncated, "article", "article", HTML_UTF8),
    Input("malformed.html", malformed, "article", "article", HTML_UTF8),
    Input("huge.html", huge_page, "skipped: too_large", "skipped: too_large", HTML_UTF8),
    Input(
        "huge-unannounced.html",
        huge_page,
        "-",
        "skipped: too_large",
        HTML_UTF8,
        content_length=False,
        source="huge.html",
    ),
    Input(
        "gzip-bomb.html",
        gzip_bomb,
        "skipped: binary",
        "skipped: too_large",
        HTML_UTF8,
        content_encoding="gzip",
    ),
    Input(
        "gzip-bomb-raw.html",
        gzip_bomb,
        "-",
        "skipped: bad_gzip",
        HTML_UTF8,
        source="gzip-bomb.html",
    ),
    Input("deep-nesting.html", deep_nesting, "article", "article", HTML_UTF8),
    Input("deep-json-ld.html", deep_json_ld, "article", "article", HTML_UTF8),
    Input("png.html", png, "skipped: binary", "skipped: binary"),
    Input("pdf.html", pdf, "skipped: binary", "skipped: binary"),
    Input("zip.html", zip_archive, "skipped: binary", "skipped: binary"),
    Input("cp1252-as-utf8.html", cp1252_declared_utf8, "article", "article", HTML_UTF8),
    Input(
        "utf8-as-latin1.html",
        utf8_declared_latin1,
        "article",
        "article",
        "text/html; charset=iso-8859-1",
    ),
    Input(
        "shift-jis-as-latin1.html",
        shift_jis_declared_latin1,
        "article",
        "article",
        "text/html; charset=iso-8859-1",
    ),
    Input("nul-bytes.html", nul_bytes, "article", "article", HTML_UTF8),
    Input("long-line-spaces.html", lambda: long_line(True), "article", "article", HTML_UTF8),
    Input("long-line-word.html", lambda: long_line(False), "article", "article", HTML_UTF8),
    Input("huge-text-node.html", huge_text_node, "article", "article", HTML_UTF8),
    Input("long-line-spaces.txt", lambda: long_capture(True), "article", "article", TEXT_UTF8),
    Input("long-line-word.txt", lambda: long_capture(False), "article", "article", TEXT_UTF8),
    Input("nul-bytes.txt", nul_capture, "article", "article", TEXT_UTF8),
    Input("script-injected.html", script_injected, "article", "article", HTML_UTF8),
    Input(
        "sql-drop-title.html",
        sql_title(SQL_DROP_TITLE, "SQL: a headline that reads like an attack on a database."),
        "article",
        "article",
        HTML_UTF8,
    ),
    Input(
        "sql-or-title.html",
        sql_title(SQL_OR_TITLE, "SQL: another headline that reads like a query."),
        "article",
        "article",
        HTML_UTF8,
    ),
)
"""Every input, good pages first. ``files`` is ``-`` for an input only the server has."""


def write_corpus(folder: Path) -> Path:
    """Write every input that is a file to ``folder``; return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in CORPUS:
        if item.source is None:
            (folder / item.name).write_bytes(item.build())
    return folder


class HostileSite:
    """Serves a folder written by :func:`write_corpus` on 127.0.0.1, as :data:`CORPUS` says."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.inputs = {f"/{item.name}": item for item in CORPUS}
        self._server = _Server(self)
        self.url = self._server.url
        self._server.start()

    def urls(self) -> list[str]:
        """The URL of every input."""
        return [f"{self.url}/{item.name}" for item in CORPUS]

    def close(self) -> None:
        self._server.stop()

    def __enter__(self) -> HostileSite:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class _Handler(QuietHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        item = self.server.site.inputs.get(self.path.partition("?")[0])
        if item is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"not found")
            return
        file = self.server.site.folder / (item.source or item.name)
        self.send_response(200)
        self.send_header("Content-Type", item.content_type)
        if item.content_encoding:
            self.send_header("Content-Encoding", item.content_encoding)
        if item.content_length:
            self.send_header("Content-Length", str(file.stat().st_size))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        with file.open("rb") as stream:
            shutil.copyfileobj(stream, self.wfile, 1024 * 1024)


class _Server(LocalHTTPServer):
    def __init__(self, site: HostileSite) -> None:
        self.site = site
        super().__init__(_Handler)
