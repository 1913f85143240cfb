"""Clean a plain-text capture of a news page down to its article.

A capture is the text a browser or crawler kept of a page, without markup: either one line per
page element, or the whole page flattened onto one long line. :func:`clean_capture` cuts the
capture into blocks (lines; for a flattened line, sentence-like segments, with headlines and
captions that run unpunctuated into the next sentence cut off), labels every block (prose,
subheading, navigation, caption, ...), keeps the best-scoring contiguous run of blocks as the
article body and drops the chrome left inside that run.
"""

from __future__ import annotations

import importlib.metadata
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from itertools import islice, pairwise

from pipelines.extraction.result import Extraction, NotArticle

FLATTENED_LINE_CHARS = 1000  # a line this long is a flattened page, not one paragraph
MIN_PROSE_WORDS = 5
LONG_PROSE_WORDS = 20  # this many mostly lowercase words are prose even without a final stop
MAX_HEADLINE_WORDS = 25
MAX_HEADING_WORDS = 6  # a longer headline-like block inside the body is a teaser or a caption
MIN_TITLE_WORDS = 3
MAX_SITENAME_WORDS = 4
MAX_TEASER_WORDS = 10  # the longest headline that may run unpunctuated into a sentence
MIN_CAPTION_WORDS = 4  # the shortest caption that may run unpunctuated into a sentence
MAX_CAPTION_WORDS = 40
MIN_SENTENCE_WORDS = 6  # the shortest sentence a glued headline or caption is cut from
SAMPLE_WORDS = 30  # words read to tell English running text
MIN_FUNCTION_WORD_SHARE = 0.2
MAX_CREDIT_WORDS = 3
MIN_NAV_WORDS = 4
MIN_CAPITALISED_NAV_WORDS = 12
NAV_CAPITALISED_SHARE = 0.9  # title-case headlines keep some lowercase words
MIN_PROSE_LOWERCASE_SHARE = 0.4  # of the cased words of a sentence
MAX_BYLINE_WORDS = 10
INLINE_PENALTY = 3  # score of chrome that often sits inside a body (captions, share bars ...)
END_PENALTY = 50  # score of a block opening the after-article sections ("Most Read" ...)


def _word_set(words: str, separator: str | None = None) -> frozenset[str]:
    """The items of ``words`` split at ``separator`` (default: whitespace), as a set."""
    return frozenset(words.split(separator))


FUNCTION_WORDS = _word_set(
    "a an the of at as in on to for from by with into onto over under about after before since"
    " until while when where which who whom whose that this these those than then and or but"
    " nor so yet if because although though whether his her its their our your my he she it"
    " they we you i him them us me is are was were be been being has have had do does did will"
    " would shall should can could may might must not no up down out off said says say told"
    " tells added according also just only even very more most such there here what how why"
    " all any each some both other another per via against between among through during"
    " without within across around near upon"
)
CLAUSE_WORDS = _word_set(
    "is are was were be been being has have had will would shall should can could may might"
    " must he she it they we i you"
)  # a headline-like prefix holding one of these is the start of a sentence, not a headline
NAV_WORDS = _word_set(
    "home news sport sports weather menu more search close skip content accessibility help"
    " account login log sign subscribe video videos world business tech technology science"
    " health entertainment arts culture travel opinion politics lifestyle music tv radio"
    " podcasts live newsletters contact about privacy terms cookies homepage sections"
    " register games puzzles"
)
CHROME_PHRASES = _word_set(
    "skip to content|skip to main content|accessibility links|accessibility help|breaking news"
    "|download|share|share this|share this article|copy link|print|email|comments|advertisement"
    "|related|read more|menu|close|search|home|subscribe|sign in|log in|follow us|listen|watch"
    "|show more|load more|next|previous|back to top|please enter your name here"
    "|please enter your email address here|you have entered an incorrect email address",
    separator="|",
)
ABBREVIATIONS = _word_set(
    "Mr Mrs Ms Dr Prof St Gen Sen Rep Gov Lt Col Sgt Capt Jr Sr No vs Inc Co Corp Ltd"
)

_END = (
    r"Related (?:Topics|Articles|Stories|Content|Coverage)|Top Stories|More on this story"
    r"|Most (?:Read|Popular|Viewed|Shared)|You (?:may|might) also like|Search Trends"
    r"|(?:Today['’]s |Latest )?Top News|Trending Now|Please enter your comment"
    r"|Leave a (?:Reply|Comment)|All rights reserved|Copyright ©|\S?©"
)
_CAPTION = r"(?i:image|media|video) caption,?|FILE [-–—] "
_CREDIT = r"(?i:image|photo) (?:copyright|source|credit),?"
_LINK = r"(?i:(?:read|see|watch|listen) (?:more|also)\b|also read\b|related:|click here\b)"
_PAGE_CHROME = r"Skip to (?:main )?content|Accessibility (?:Help|links)|Breaking News"
_SHARE = (
    r"(?:Share (?:close|page|this(?: article| story| page)?|on (?:Facebook|Twitter|WhatsApp|Email))"
    r"|Copy link|About sharing)"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?"
_DATE_TOKEN = (
    rf"(?:\d[\w:/.,-]*|{_MONTH}|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?|ago|at|on"
    r"|(?:second|minute|hour|day|week|month|year)s?|[AaPp]\.?[Mm]\.?|GMT|UTC|BST|[ECMP][SD]T)"
)
_DATELINE = (
    rf"(?:Published|Updated|Posted|Last updated|First published)(?: on| at)?:?(?: {_DATE_TOKEN})+"
)
_NAME = r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*){1,3}"

_END_RE = re.compile(_END)
_CAPTION_RE = re.compile(_CAPTION)
_CREDIT_RE = re.compile(_CREDIT)
_DATELINE_RE = re.compile(_DATELINE)
_CHROME_START_RE = re.compile(rf"{_LINK}|{_CAPTION}|{_CREDIT}")
_CHROME_WHOLE_RE = re.compile(rf"\d{{1,2}}:\d{{2}}(?::\d{{2}})?|{_DATELINE}|{_SHARE}(?: {_SHARE})*")
_BYLINE_RE = re.compile(rf"By (?P<name>{_NAME}(?: and {_NAME})?)(?: ?[,|] ?[\w .&-]{{1,40}})?")
_OPEN_MARKER_RE = re.compile(rf"{_END}|{_CAPTION}|{_CREDIT}|{_PAGE_CHROME}|\b{_LINK}")
_CLOSED_MARKER_RE = re.compile(rf"\b(?:{_DATELINE}|{_SHARE})")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"'”’)\]]*(?= [\"“‘'(\[]?[A-Z0-9])|[。！？]")
_INITIALS_RE = re.compile(r"(?:[A-Z]\.)*[A-Z]")
_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
MIN_URL_LIST_LINES = 3
URL_LIST_SHARE = 0.3
"""A text whose lines start with a URL this often (and at least ``MIN_URL_LIST_LINES``
times) is a list of links, such as a file of start URLs, not a capture of an article."""
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_TOKEN_RE = re.compile(r"\S+")
_UNSPACED_SCRIPT_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_LOWER_WORD_RE = re.compile(r"[a-z][a-z'’-]+")
_CAPITALISED_RE = re.compile(r"[A-Z](?:[a-z]+|\b)")  # "Speaking", "A"; not "US"
_PROPER_PAIR_RE = re.compile(r"\b[a-z][a-z'’-]* ([A-Z](?:[a-z]+|\b))")
_SITE_SEPARATOR_RE = re.compile(r" [-|–—] ")
_SITE_SUFFIX_RE = re.compile(r"(?P<title>.+) [-|–—] (?P<site>[A-Z][^-|–—]*)")
_CREDIT_WORDS_RE = re.compile(rf" ?[A-Z]\S*(?: [A-Z]\S*){{0,{MAX_CREDIT_WORDS - 1}}}")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DMY_RE = re.compile(r"(\d{1,2})[-/ ]([A-Za-z]{3,9})\.?[-/ ,]+(\d{4})")
_MDY_RE = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})")
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?: ?([ap])\.?m\b)?", re.IGNORECASE)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: n for n, m in enumerate(_MONTH_NAMES, 1)}
_TERMINALS = tuple(".!?…。！？")
_CLOSERS = "\"'”’)]»"
_PREFIX_BREAKERS = ',;"“”()'


class Kind(Enum):
    """What a block of the capture is."""

    PROSE = "prose"
    HEADING = "heading"  # a short headline-like block: a subheading when inside the body
    FRAGMENT = "fragment"  # a short non-headline block, kept when inside the body
    TEASER = "teaser"  # a longer headline-like block: a title, link teaser or caption
    CHROME = "chrome"  # recognised page furniture: captions, share bars, datelines ...
    TITLE = "title"
    NAV = "nav"
    END = "end"  # the start of the after-article sections: "Most Read", comment forms ...


KEPT = frozenset({Kind.PROSE, Kind.HEADING, Kind.FRAGMENT})


@dataclass(slots=True)
class _Block:
    """One unit of the capture: a line, or a segment of a flattened line."""

    text: str
    line: int
    kind: Kind | None = None


def extractor_version() -> str:
    """The installed cleanwire version, or "0" when the package is not installed."""
    try:
        return importlib.metadata.version("cleanwire")
    except importlib.metadata.PackageNotFoundError:
        return "0"


def _url_list_share(lines: list[str]) -> tuple[int, int]:
    """How many of the non-empty lines start with a URL, and how many there are."""
    filled = [line for line in lines if line]
    return sum(bool(_URL_RE.match(line)) for line in filled), len(filled)


def clean_capture(text: str) -> Extraction:
    """Return the article of a plain-text page capture; raise :class:`NotArticle` if none."""
    lines = [" ".join(line.split()) for line in _CONTROL_RE.sub(" ", text).splitlines()]
    url_lines, filled = _url_list_share(lines)
    if url_lines >= MIN_URL_LIST_LINES and url_lines >= URL_LIST_SHARE * filled:
        raise NotArticle("link_list", f"{url_lines} of {filled} lines are URLs")
    url = _take_url(lines)
    proper = Counter(m.group(1) for m in _PROPER_PAIR_RE.finditer(" ".join(lines)))
    title = sitename = None
    blocks: list[_Block] = []
    for number, line in enumerate(lines):
        if len(line) < FLATTENED_LINE_CHARS:
            blocks.extend([_Block(line, number)] if line else [])
            continue
        head = None if blocks else _title_from_prefix(line)
        if head is not None:
            title, sitename, head_end = head
            blocks.append(_Block(line[:head_end], number, Kind.TITLE))
            line = line[head_end:]
        blocks.extend(_segment(line, number, title, proper))
    kinds: dict[str, Kind] = {}  # captures repeat blocks; classify each text once
    for block in blocks:
        if block.kind is None:
            if block.text not in kinds:
                kinds[block.text] = _classify(block.text)
            block.kind = kinds[block.text]
    if title is None:
        title_line = _pick_title(blocks)
        title, sitename = _split_site_suffix(title_line) if title_line else (None, None)
        _mark_title_repeats(blocks, {title_line, title})
    else:
        _mark_title_repeats(blocks, {title})
    _mark_duplicates(blocks)
    body = _assemble(_best_run(blocks))
    if not body:
        raise NotArticle("no_main_text")
    date = _find_date(blocks)
    return Extraction(
        text=body,
        extractor=f"cleanwire-text {extractor_version()}",
        title=title,
        author=_find_author(blocks),
        date_published=date,
        date_source="text" if date else None,
        sitename=sitename,
        url=url,
    )


def _take_url(lines: list[str]) -> str | None:
    """Remove and return the first non-empty line when it is a lone absolute URL."""
    for index, line in enumerate(lines):
        if line:
            if _URL_RE.fullmatch(line):
                lines[index] = ""
                return line
            return None
    return None


def _longest_recurring(line: str, start: int, min_words: int, max_words: int) -> int | None:
    """End of the longest run of words from ``start`` that occurs again later in ``line``."""
    best = None
    for count, word in enumerate(islice(_TOKEN_RE.finditer(line, start), max_words), 1):
        if count < min_words:
            continue
        if line.find(line[start : word.end()], word.end()) < 0:
            break
        best = word.end()
    return best


def _title_from_prefix(line: str) -> tuple[str, str | None, int] | None:
    """Title, site name and end of the page-title head of a flattened line, if it has one.

    A flattened page opens with its ``<title>``, whose headline part recurs above the article.
    """
    end = _longest_recurring(line, 0, MIN_TITLE_WORDS, MAX_HEADLINE_WORDS)
    if (
        end is None
        or not _ends_headline(line, end)
        or _classify(line[:end]) not in (Kind.HEADING, Kind.TEASER)
    ):
        return None
    title, sitename = _split_site_suffix(line[:end])
    separator = _SITE_SEPARATOR_RE.match(line, end)
    if sitename is None and separator and line[separator.end() :][:1].isupper():
        site_end = _longest_recurring(line, separator.end(), 1, MAX_SITENAME_WORDS)
        if site_end is not None:
            return title, line[separator.end() : site_end], site_end
    return title, sitename, end


def _ends_headline(line: str, end: int) -> bool:
    """Whether text ending at ``end`` is followed by something other than its own sentence."""
    following = line[end : end + 2]
    return not following or (following[0] == " " and not following[1:].islower())


def _split_site_suffix(title: str) -> tuple[str, str | None]:
    """Split "Headline - Site" or "Headline | Site" into headline and site name."""
    match = _SITE_SUFFIX_RE.fullmatch(title)
    if (
        match
        and len(match["site"].split()) <= MAX_SITENAME_WORDS
        and len(match["title"].split()) >= MIN_TITLE_WORDS
    ):
        return match["title"], match["site"]
    return title, None


def _segment(line: str, number: int, title: str | None, proper: Counter[str]) -> list[_Block]:
    """Cut a flattened line into blocks at sentence ends, chrome markers and title repeats."""
    cuts = {0, len(line)}
    cuts.update(m.start() for m in _OPEN_MARKER_RE.finditer(line))
    for match in _CLOSED_MARKER_RE.finditer(line):
        cuts.update(match.span())
    cuts.update(
        m.end() for m in _SENTENCE_END_RE.finditer(line) if not _after_abbreviation(line, m.start())
    )
    start = line.find(title) if title else -1
    while title and start >= 0:
        end = start + len(title)
        if _ends_headline(line, end):
            cuts.update((start, end))
        start = line.find(title, end)
    bounds = sorted(cuts)
    blocks: list[_Block] = []
    for piece in (line[a:b].strip() for a, b in pairwise(bounds)):
        if piece == title:
            blocks.append(_Block(piece, number, Kind.TITLE))
        elif piece:
            blocks.extend(_unglue(piece, number, proper))
    return blocks


def _after_abbreviation(line: str, dot: int) -> bool:
    """Whether the full stop at ``dot`` ends an abbreviation or initials rather than a sentence."""
    if line[dot] != ".":
        return False
    word = line[line.rfind(" ", 0, dot) + 1 : dot].lstrip("\"“‘'([")
    return word in ABBREVIATIONS or _INITIALS_RE.fullmatch(word) is not None


def _unglue(piece: str, number: int, proper: Counter[str]) -> list[_Block]:
    """Split a caption, credit or headline that runs unpunctuated into the next sentence."""
    marker = _CAPTION_RE.match(piece) or _CREDIT_RE.match(piece)
    if marker:
        rest = piece[marker.end() :]
        if marker.re is _CREDIT_RE:
            credit = _CREDIT_WORDS_RE.match(rest)
            cut = credit.end() if credit else None
        else:
            cut = _glued_boundary(rest, MIN_CAPTION_WORDS, MAX_CAPTION_WORDS, None)
        if cut is None or not rest[cut:].strip():
            return [_Block(piece, number, Kind.CHROME)]
        head = piece[: marker.end() + cut].strip()
        return [_Block(head, number, Kind.CHROME), _Block(rest[cut:].strip(), number)]
    cut = _glued_boundary(piece, 2, MAX_TEASER_WORDS, proper)
    if cut is None:
        return [_Block(piece, number)]
    return [_Block(piece[:cut].strip(), number), _Block(piece[cut:], number)]


def _glued_boundary(
    text: str, min_words: int, max_words: int, proper: Counter[str] | None
) -> int | None:
    """Where a sentence starts right after an unpunctuated headline or caption, if anywhere.

    The boundary is a lowercase content word directly followed by a capitalised word, after
    ``min_words`` to ``max_words`` words, and the rest must be a whole sentence. With ``proper``
    (headlines), the prefix must not read as a clause (no commas, quotes, auxiliaries or
    pronouns), and the capitalised word must not be a name seen mid-sentence elsewhere.
    """
    tokens = list(islice(_TOKEN_RE.finditer(text), max_words + 1))
    for count, (word, following) in enumerate(pairwise(tokens), 1):
        current = word.group()
        if proper is not None and (
            current.lower() in CLAUSE_WORDS or any(c in current for c in _PREFIX_BREAKERS)
        ):
            return None
        if count < min_words or current in FUNCTION_WORDS or not _LOWER_WORD_RE.fullmatch(current):
            continue
        name = _CAPITALISED_RE.match(following.group())
        if name is None or (proper is not None and proper[name.group()] > 1):
            continue
        if _is_english_sentence(text[following.start() :]):
            return following.start()
    return None


def _is_english_sentence(text: str) -> bool:
    """Whether ``text`` is at least one whole sentence of English running text.

    Cutting glued headlines relies on English capitalisation; in German, say, every noun
    would look like the start of a new sentence.
    """
    head = text.split(None, SAMPLE_WORDS)[:SAMPLE_WORDS]
    function_words = sum(word.lower() in FUNCTION_WORDS for word in head)
    return (
        _ends_sentence(text)
        and len(head) >= MIN_SENTENCE_WORDS
        and function_words >= MIN_FUNCTION_WORD_SHARE * len(head)
    )


def _ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with sentence punctuation, closing quotes aside."""
    return text.rstrip(_CLOSERS).endswith(_TERMINALS)


def _classify(text: str) -> Kind:
    """Label one block by its own text."""
    words = text.split()
    count = _count_words(text)
    if _END_RE.match(text):
        return Kind.END
    if _is_chrome(text, count):
        return Kind.CHROME
    if _is_nav(words):
        return Kind.NAV
    if _is_prose(text, words, count):
        return Kind.PROSE
    if (
        count <= MAX_HEADLINE_WORDS
        and not text.rstrip(_CLOSERS).endswith(".")
        and (text[0].isupper() or text[0].isdigit() or text[0] in "\"“‘'")
    ):
        return Kind.HEADING if count <= MAX_HEADING_WORDS else Kind.TEASER
    return Kind.FRAGMENT


def _count_words(text: str) -> int:
    """Words in ``text``; unspaced Chinese and Japanese count one word per two characters."""
    words = len(text.split())
    return words if text.isascii() else words + len(_UNSPACED_SCRIPT_RE.findall(text)) // 2


def _is_chrome(text: str, words: int) -> bool:
    """Whether a block is a known piece of page furniture."""
    phrase = text.strip(" :!.|»›>").lower().replace("’", "'") if len(text) < 60 else ""
    return (
        phrase in CHROME_PHRASES
        or _CHROME_START_RE.match(text) is not None
        or _CHROME_WHOLE_RE.fullmatch(text) is not None
        or (words <= MAX_BYLINE_WORDS and _BYLINE_RE.fullmatch(text) is not None)
    )


def _is_nav(words: list[str]) -> bool:
    """Whether a block is a run of menu entries: menu words, or a long run of capitalised ones."""
    if len(words) < MIN_NAV_WORDS:
        return False
    nav = sum(word.lower() in NAV_WORDS for word in words)
    capitalised = sum(not word[0].islower() for word in words)
    return 2 * nav >= len(words) or (
        len(words) >= MIN_CAPITALISED_NAV_WORDS
        and capitalised >= NAV_CAPITALISED_SHARE * len(words)
    )


def _is_prose(text: str, words: list[str], count: int) -> bool:
    """Whether a block reads as running text: mostly lowercase words, or an uncased script."""
    lowercase = sum(word[0].islower() for word in words)
    cased = lowercase + sum(word[0].isupper() for word in words)
    unspaced = count >= 2 * len(words)  # Chinese or Japanese: neither case nor spaces
    if not _ends_sentence(text):
        return count >= LONG_PROSE_WORDS and (unspaced or 2 * lowercase >= cased)
    return count >= MIN_PROSE_WORDS and (unspaced or lowercase >= MIN_PROSE_LOWERCASE_SHARE * cased)


def _pick_title(blocks: list[_Block]) -> str | None:
    """The first headline-like block of at least three words before the first prose block."""
    for block in blocks:
        if block.kind is Kind.PROSE:
            return None
        if (
            block.kind in (Kind.HEADING, Kind.TEASER)
            and _count_words(block.text) >= MIN_TITLE_WORDS
        ):
            return block.text
    return None


def _mark_title_repeats(blocks: list[_Block], titles: set[str | None]) -> None:
    """Mark copies of the title, and a headline-like caption right after one, as chrome."""
    folded = {title.casefold() for title in titles if title}
    if not folded:
        return
    for index, block in enumerate(blocks):
        if block.text.casefold() in folded:
            block.kind = Kind.TITLE
            following = blocks[index + 1] if index + 1 < len(blocks) else None
            if following and following.kind in (Kind.HEADING, Kind.TEASER):
                following.kind = Kind.CHROME


def _mark_duplicates(blocks: list[_Block]) -> None:
    """Mark blocks repeated back to back (image captions printed twice) as chrome."""
    for first, second in pairwise(blocks):
        if first.text == second.text and first.kind is not Kind.TITLE:
            first.kind = second.kind = Kind.CHROME


def _score(block: _Block) -> int:
    """How much a block speaks for the article body (positive) or against it."""
    kind = block.kind
    if kind is Kind.PROSE:
        return _count_words(block.text)
    if kind is Kind.NAV:
        return -max(_count_words(block.text), INLINE_PENALTY)
    if kind is Kind.END:
        return -max(_count_words(block.text), END_PENALTY)
    if kind is Kind.HEADING or kind is Kind.FRAGMENT:
        return -1
    return -INLINE_PENALTY


def _best_run(blocks: list[_Block]) -> list[_Block]:
    """The contiguous run of blocks with the highest total score (empty if none is positive)."""
    best, best_span = 0, (0, 0)
    total, start = 0, 0
    for index, score in enumerate(map(_score, blocks)):
        if total <= 0:
            total, start = 0, index
        total += score
        if total > best:
            best, best_span = total, (start, index + 1)
    return blocks[best_span[0] : best_span[1]]


def _assemble(run: list[_Block]) -> str:
    """Join the kept blocks of the body; a paragraph breaks at a new line or dropped chrome."""
    paragraphs: list[list[str]] = []
    previous: _Block | None = None
    for block in run:
        if block.kind not in KEPT:
            previous = None
            continue
        if (
            previous is not None
            and previous.line == block.line
            and previous.kind is not Kind.HEADING
            and block.kind is not Kind.HEADING
        ):
            paragraphs[-1].append(block.text)
        else:
            paragraphs.append([block.text])
        previous = block
    return "\n".join(" ".join(paragraph) for paragraph in paragraphs).strip()


def _find_author(blocks: list[_Block]) -> str | None:
    """The name of the first "By Name" byline block, if any."""
    for block in blocks:
        match = _BYLINE_RE.fullmatch(block.text) if block.kind is Kind.CHROME else None
        if match:
            return match["name"]
    return None


def _find_date(blocks: list[_Block]) -> str | None:
    """The first absolute date (and time) stated by a dateline block, in ISO 8601."""
    for block in blocks:
        if block.kind is Kind.CHROME and _DATELINE_RE.fullmatch(block.text):
            parsed = _parse_date(block.text)
            if parsed:
                return parsed
    return None


def _parse_date(text: str) -> str | None:
    """ISO 8601 form of the date (and time, without offset) written in ``text``, if any."""
    ymd = _find_ymd(text)
    if ymd is None:
        return None
    time = _TIME_RE.search(text)
    try:
        if time is None:
            return datetime(*ymd).date().isoformat()
        hour = (
            int(time[1]) % 12 + (12 if time[3].lower() == "p" else 0) if time[3] else int(time[1])
        )
        return datetime(*ymd, hour, int(time[2])).isoformat()
    except ValueError:
        return None


def _find_ymd(text: str) -> tuple[int, int, int] | None:
    """Year, month and day of the first ISO, day-month-year or month-day-year date in ``text``."""
    if match := _ISO_DATE_RE.search(text):
        return int(match[1]), int(match[2]), int(match[3])
    for regex, day_group, month_group in ((_DMY_RE, 1, 2), (_MDY_RE, 2, 1)):
        for match in regex.finditer(text):
            month = _MONTHS.get(match[month_group][:3].lower())
            if month:
                return int(match[3]), month, int(match[day_group])
    return None
