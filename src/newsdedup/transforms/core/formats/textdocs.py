"""Plain-text news documents and liveblogs ("newsblogs") parsed into articles.

A plain document is an optional ``date YYYY-MM-DD <section> <headline>`` line,
otherwise a title line, then the body. A newsblog is a document with at least
two day-heading lines (``Montag, 27. Oktober``, ``Tuesday, October 28, 2025``);
each entry under a day heading becomes its own article, so that a liveblog entry
can be matched against the wire story it repeats.

Everything here is linear in the input size: the regexes are anchored, have
bounded quantifiers only, and run on single, already whitespace-collapsed lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from newsdedup.schemas.records import InputArticle

__all__ = ["MAX_HEADLINE_CHARS", "clean_text", "is_newsblog", "parse_text_document"]

MAX_HEADLINE_CHARS = 200
# A block ending like a sentence or a lead-in is prose, not a headline.
_NON_HEADLINE_ENDINGS = (".", ",", ";", ":")
# Longest real heading is about 35 characters; the cap keeps the regex off long prose lines.
_MAX_HEADING_CHARS = 48


def _build_char_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)):
        table[code] = None
    # Controls that act as whitespace become a space so that removing them cannot glue words.
    for code in (0x09, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x1F, 0x85, 0x2028, 0x2029):
        table[code] = " "
    # Line structure is handled separately; by then \r no longer occurs.
    del table[0x0A]
    # A byte-order mark inside text is an artefact of concatenated files, never content.
    table[0xFEFF] = None
    # Lone surrogates (from surrogateescape decoding) cannot be written out as UTF-8.
    for code in range(0xD800, 0xE000):
        table[code] = None
    return table


_CHAR_TABLE = _build_char_table()
# Whitespace other than space and line feed (all of it is in the Basic Multilingual Plane).
_ODD_WHITESPACE = frozenset(
    code for code in range(0x10000) if chr(code).isspace() and chr(code) not in " \n"
)
# Characters that clean_text must replace: table characters and odd whitespace. str.translate
# looks every character up in the table, even in text without any (nearly all text): one
# search of this character class in C is far cheaper.
_UNTIDY_CHARACTERS = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in sorted({*_CHAR_TABLE, *_ODD_WHITESPACE})) + "]"
)
_UNTIDY_SPACING = ("  ", " \n", "\n ", "\n\n\n")
_BLANK_LINES = re.compile(r"\n\n\n+")


def _normalize_line_breaks(text: str) -> str:
    # Same line breaks as Python's universal newlines, so line numbers match an editor's.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean_text(text: str) -> str:
    """Readable stored form of ``text``.

    NFC; CRLF/CR become LF; control characters other than newline are removed
    (whitespace-like ones, tab included, become a space); runs of whitespace within
    a line collapse to one ASCII space; lines are stripped; paragraphs are separated
    by exactly one blank line; no leading or trailing whitespace. Quotes and case are
    kept: folding them is for matching only (see ``newsdedup.transforms.core.signals.normalize``).
    """
    prepared = _normalize_line_breaks(text)
    untidy = _UNTIDY_CHARACTERS.search(prepared) is not None
    if untidy:
        prepared = prepared.translate(_CHAR_TABLE)
    normalized = unicodedata.normalize("NFC", prepared)  # the same object if already NFC
    # Most text: the steps below would give it back unchanged.
    if (
        not untidy
        and (normalized is prepared or not _UNTIDY_CHARACTERS.search(normalized))
        and _is_tidy(normalized)
    ):
        return normalized
    prepared = normalized
    # Blank lines are "" here: runs of them become one paragraph break, and none lead or trail.
    lines = "\n".join([" ".join(line.split()) for line in prepared.split("\n")])
    return _BLANK_LINES.sub("\n\n", lines).strip("\n")


def _is_tidy(text: str) -> bool:
    """Whether text whose only whitespace is space and line feed is clean already:
    single spaces inside lines only, single blank lines between paragraphs only."""
    if text.startswith((" ", "\n")) or text.endswith((" ", "\n")):
        return False
    return not any(spacing in text for spacing in _UNTIDY_SPACING)


def _clean_lines(raw: str) -> list[str]:
    """Cleaned lines of ``raw``; index i is raw line i + 1, blank lines are ""."""
    return [clean_text(line) for line in _normalize_line_breaks(raw).split("\n")]


# --- dates -----------------------------------------------------------------------------------

_WEEKDAYS = (
    "montag",
    "dienstag",
    "mittwoch",
    "donnerstag",
    "freitag",
    "samstag",
    "sonnabend",
    "sonntag",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

_MONTHS: dict[str, int] = {
    "januar": 1,
    "jänner": 1,
    "january": 1,
    "februar": 2,
    "february": 2,
    "märz": 3,
    "maerz": 3,
    "marz": 3,
    "march": 3,
    "april": 4,
    "mai": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "juli": 7,
    "july": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "october": 10,
    "november": 11,
    "dezember": 12,
    "december": 12,
}

_WEEKDAY_RE = "|".join(_WEEKDAYS)
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR_RE = r"(?:,? (?P<year>[0-9]{4}))?"
# Patterns run on lower-cased, whitespace-collapsed lines, so no IGNORECASE: its Unicode
# folding would let e.g. a long s match "s" and produce month names missing from _MONTHS.
_DAY_FIRST = re.compile(
    rf"(?:{_WEEKDAY_RE})(?:, ?| )(?P<day>[0-9]{{1,2}})(?:\. ?|(?:st|nd|rd|th)? )"
    rf"(?P<month>{_MONTH_RE}){_YEAR_RE}"
)
_MONTH_FIRST = re.compile(
    rf"(?:{_WEEKDAY_RE})(?:, ?| )(?P<month>{_MONTH_RE}) (?P<day>[0-9]{{1,2}})(?:st|nd|rd|th)?"
    rf"{_YEAR_RE}"
)
_DATE_LINE = re.compile(
    r"date (?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})(?: (?P<rest>.*))?"
)
# A time of day as liveblogs print it: "14:32", "14.32 Uhr", "2:32 p.m.", "9.05 am".
_TIME_OF_DAY = (
    r"(?P<hour>[01]?[0-9]|2[0-3])(?P<separator>[:.])(?P<minute>[0-5][0-9])"
    r"(?: ?(?P<suffix>a\.m\.|p\.m\.|am|pm|uhr))?"
)
# An entry's time on a line of its own, or leading its headline ("14:32 Uhr: Radwerk ...").
# ASCII-only case folding: only "Uhr", "a.m." and "p.m." have letters.
_TIME_LINE = re.compile(_TIME_OF_DAY, re.IGNORECASE | re.ASCII)
_TIME_PREFIX = re.compile(
    _TIME_OF_DAY + r"(?: ?[:|–—-] ?| )(?P<rest>\S.*)", re.IGNORECASE | re.ASCII
)


@dataclass(frozen=True, slots=True)
class _DayHeading:
    day: int
    month: int
    year: int | None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _time_of_day(match: re.Match[str]) -> time | None:
    """The time a _TIME_OF_DAY match gives; None for an impossible one ("13:00 pm")."""
    hour, minute = int(match["hour"]), int(match["minute"])
    suffix = (match["suffix"] or "").lower()
    if suffix in {"am", "a.m.", "pm", "p.m."}:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix.startswith("p") else 0)
    return time(hour, minute)


def _time_line(line: str) -> time | None:
    """The time of day if the whole line is one, else None."""
    match = _TIME_LINE.fullmatch(line)
    return _time_of_day(match) if match else None


def _split_time_prefix(line: str) -> tuple[time | None, str]:
    """(time, the rest) of a headline that starts with its time, else (None, line)."""
    match = _TIME_PREFIX.fullmatch(line)
    # "3.14 Prozent mehr": a dot makes a time only with "Uhr", "am" or "pm" after it.
    if match is None or (match["separator"] == "." and not match["suffix"]):
        return None, line
    at = _time_of_day(match)
    return (at, match["rest"]) if at else (None, line)


def _parse_day_heading(line: str) -> _DayHeading | None:
    """The heading on a cleaned line, or None if the whole line is not one."""
    if len(line) > _MAX_HEADING_CHARS:
        return None
    lowered = line.lower()
    match = _DAY_FIRST.fullmatch(lowered) or _MONTH_FIRST.fullmatch(lowered)
    if match is None:
        return None
    year = match["year"]
    return _DayHeading(
        day=int(match["day"]),
        month=_MONTHS[match["month"]],
        year=int(year) if year is not None else None,
    )


def _day_exists(month: int, day: int) -> bool:
    # 2000 is a leap year, so 29 February counts as existing.
    return _make_date(2000, month, day) is not None


def _resolve_heading_date(
    heading: _DayHeading, doc_date: date | None, doc_date_invalid: bool
) -> tuple[datetime | None, bool]:
    """(published_at, timestamp_invalid) for entries under ``heading``."""
    if heading.year is not None:
        explicit = _make_date(heading.year, heading.month, heading.day)
        return (_midnight_utc(explicit), False) if explicit else (None, True)
    if not _day_exists(heading.month, heading.day):
        return None, True
    if doc_date is None:
        # Without a year the heading can only be dated through the document date; if that
        # date was given but broken, the entry inherits the problem.
        return None, doc_date_invalid
    # Liveblogs run across New Year, so the heading's year may differ from the document's.
    candidates = [
        candidate
        for year in (doc_date.year - 1, doc_date.year, doc_date.year + 1)
        if (candidate := _make_date(year, heading.month, heading.day)) is not None
    ]
    if not candidates:
        return None, True
    closest = min(candidates, key=lambda candidate: abs((candidate - doc_date).days))
    return _midnight_utc(closest), False


# --- document structure ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    title: str | None
    published_at: datetime | None
    timestamp_invalid: bool
    doc_date: date | None
    body_start: int  # index into the cleaned lines of the first line after the title


def _next_non_empty(lines: Sequence[str], start: int) -> int | None:
    for index in range(start, len(lines)):
        if lines[index]:
            return index
    return None


def _read_header(lines: Sequence[str]) -> _Header:
    first = _next_non_empty(lines, 0)
    if first is None:
        return _Header(None, None, False, None, len(lines))
    match = _DATE_LINE.fullmatch(lines[first])
    if match is None:
        return _Header(lines[first], None, False, None, first + 1)
    doc_date = _make_date(int(match["year"]), int(match["month"]), int(match["day"]))
    published_at = _midnight_utc(doc_date) if doc_date else None
    invalid = doc_date is None
    if match["rest"]:
        return _Header(match["rest"], published_at, invalid, doc_date, first + 1)
    # A bare date line: the title is then on the next line, as in an undated document.
    title_index = _next_non_empty(lines, first + 1)
    if title_index is None:
        return _Header(None, published_at, invalid, doc_date, len(lines))
    return _Header(lines[title_index], published_at, invalid, doc_date, title_index + 1)


def _find_headings(lines: Sequence[str], limit: int | None = None) -> dict[int, _DayHeading]:
    headings: dict[int, _DayHeading] = {}
    for index, line in enumerate(lines):
        heading = _parse_day_heading(line)
        if heading is not None:
            headings[index] = heading
            if limit is not None and len(headings) >= limit:
                break
    return headings


def is_newsblog(lines_or_text: str | Sequence[str]) -> bool:
    """Whether a document is a liveblog: at least two lines are each a day heading.

    Accepts the raw document text or its lines (raw or cleaned); each line is
    cleaned before the check, so indentation, CRLF and stray controls do not matter.
    """
    if isinstance(lines_or_text, str):
        lines = _clean_lines(lines_or_text)
    else:
        lines = [clean_text(line) for line in lines_or_text]
    return len(_find_headings(lines, limit=2)) >= 2


@dataclass(frozen=True, slots=True)
class _Block:
    line: int  # 1-based line number of the block's first line
    lines: tuple[str, ...]


@dataclass(slots=True)
class _Entry:
    line: int
    heading: _DayHeading
    title: str | None
    paragraphs: list[str] = field(default_factory=list)
    at: time | None = None  # the time of day the entry gives, if any


def _segments(
    lines: Sequence[str], headings: dict[int, _DayHeading], start: int
) -> Iterator[_DayHeading | _Block]:
    """Day headings and blank-line separated blocks from ``start`` on, in order.

    A heading ends the block before it even without a blank line in between.
    """
    block: list[str] = []
    block_start = start
    for index in range(start, len(lines)):
        heading = headings.get(index)
        if heading is None and lines[index]:
            if not block:
                block_start = index
            block.append(lines[index])
            continue
        if block:
            yield _Block(block_start + 1, tuple(block))
            block = []
        if heading is not None:
            yield heading
    if block:
        yield _Block(block_start + 1, tuple(block))


def _is_headline(block: _Block) -> bool:
    if len(block.lines) != 1:
        return False
    text = block.lines[0]
    return len(text) <= MAX_HEADLINE_CHARS and not text.endswith(_NON_HEADLINE_ENDINGS)


def _timed_headline(block: _Block) -> tuple[time, str] | None:
    """(time, headline) of a two-line block of a headline and a time, in either order."""
    if len(block.lines) != 2:
        return None
    for at_line, headline in (block.lines, reversed(block.lines)):
        at = _time_line(at_line)
        if at is not None and _is_headline(_Block(block.line, (headline,))):
            return at, headline
    return None


def _split_entries(lines: Sequence[str], headings: dict[int, _DayHeading]) -> list[_Entry]:
    entries: list[_Entry] = []
    current: _Entry | None = None
    day: _DayHeading | None = None
    pending: time | None = None  # a time on a line of its own, before its entry's headline
    # The preamble before the first heading (title, captions, teaser) is not an entry.
    for segment in _segments(lines, headings, min(headings)):
        if isinstance(segment, _DayHeading):
            day, current, pending = segment, None, None
            continue
        if day is None:
            continue
        at = _time_line(segment.lines[0]) if len(segment.lines) == 1 else None
        if at is not None:
            if current is not None and current.at is None and not current.paragraphs:
                current.at = at  # under its headline
            else:
                pending = at
        elif _is_headline(segment) or _timed_headline(segment):
            given, title = _timed_headline(segment) or _split_time_prefix(segment.lines[0])
            current = _Entry(segment.line, day, title, at=given or pending)
            entries.append(current)
            pending = None
        elif current is None:
            current = _Entry(segment.line, day, None, ["\n".join(segment.lines)], at=pending)
            entries.append(current)
            pending = None
        else:
            current.paragraphs.append("\n".join(segment.lines))
    return entries


def _entry_article(
    entry: _Entry, number: int, header: _Header, doc_id: str, source_file: str
) -> InputArticle:
    published_at, invalid = _resolve_heading_date(
        entry.heading, header.doc_date, header.timestamp_invalid
    )
    if published_at is not None and entry.at is not None:
        # Times without an offset are UTC, as everywhere in newsdedup's input.
        published_at = datetime.combine(published_at.date(), entry.at, tzinfo=UTC)
    return InputArticle(
        article_id=f"{doc_id}#{number}",
        text="\n\n".join(entry.paragraphs) or entry.title or "",
        title=entry.title,
        published_at=published_at,
        parent_id=doc_id,
        source_file=source_file,
        line=entry.line,
        timestamp_invalid=invalid,
        date_only=published_at is not None and entry.at is None,
    )


def _plain_article(
    lines: Sequence[str], header: _Header, doc_id: str, source_file: str
) -> list[InputArticle]:
    body = clean_text("\n".join(lines[header.body_start :]))
    text = body or header.title
    if not text:
        return []
    return [
        InputArticle(
            article_id=doc_id,
            text=text,
            title=header.title,
            published_at=header.published_at,
            source_file=source_file,
            timestamp_invalid=header.timestamp_invalid,
            # The date line gives the day only.
            date_only=header.published_at is not None,
        )
    ]


def parse_text_document(raw: str, doc_id: str, source_file: str) -> list[InputArticle]:
    """Articles of one plain-text document.

    A newsblog yields one article per entry (ids ``{doc_id}#1``, ``#2``... with
    ``parent_id=doc_id`` and ``line`` set); any other document yields one article with
    ``article_id=doc_id``. A newsblog without any entry is parsed as a plain document so
    that its text is not lost. Returns [] for a document without any text.
    """
    lines = _clean_lines(raw)
    header = _read_header(lines)
    headings = _find_headings(lines)
    if len(headings) >= 2:
        entries = _split_entries(lines, headings)
        if entries:
            return [
                _entry_article(entry, number, header, doc_id, source_file)
                for number, entry in enumerate(entries, start=1)
            ]
    return _plain_article(lines, header, doc_id, source_file)
