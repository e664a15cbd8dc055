"""Tests for core.formats.textdocs: plain documents, newsblogs and clean_text."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.schemas.records import InputArticle
from newsdedup.transforms.core.formats.textdocs import (
    MAX_HEADLINE_CHARS,
    clean_text,
    is_newsblog,
    parse_text_document,
)
from tests.conftest import SHARED_DATA

SEEDS = SHARED_DATA / "seeds"


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def parse(raw: str) -> list[InputArticle]:
    return parse_text_document(raw, "doc", "doc.txt")


def parse_one(raw: str) -> InputArticle:
    articles = parse(raw)
    assert len(articles) == 1
    return articles[0]


# --- clean_text ------------------------------------------------------------------------------


def test_clean_text_composes_to_nfc() -> None:
    assert clean_text("Cafe\u0301 in Mu\u0308nchen") == "Café in München"


def test_clean_text_turns_crlf_and_cr_into_lf() -> None:
    assert clean_text("eins\r\nzwei\rdrei") == "eins\nzwei\ndrei"


def test_clean_text_removes_nul_and_control_characters() -> None:
    assert clean_text("Bun\x00des\x07tag\x9b tagt\x7f") == "Bundestag tagt"


def test_clean_text_turns_whitespace_controls_into_spaces() -> None:
    # Deleting a vertical tab or form feed would glue the words around it together.
    assert clean_text("links\x0brechts\x0coben") == "links rechts oben"


def test_clean_text_collapses_tabs_spaces_and_nbsp_within_a_line() -> None:
    assert clean_text("Der\t\tRat  \u00a0 tagt\u00a0\u00a0heute") == "Der Rat tagt heute"


def test_clean_text_strips_lines_and_keeps_single_line_breaks() -> None:
    assert clean_text("  erste Zeile  \n\t zweite Zeile ") == "erste Zeile\nzweite Zeile"


def test_clean_text_separates_paragraphs_by_exactly_one_blank_line() -> None:
    raw = "\n\n  Absatz eins.\n \n\t\n\n\nAbsatz zwei.\n\nAbsatz drei.\n\n\n"
    assert clean_text(raw) == "Absatz eins.\n\nAbsatz zwei.\n\nAbsatz drei."


def test_clean_text_keeps_quotes_and_case() -> None:
    raw = "„Wir GEHEN“, sagte sie. «Non» – 'yes' \"OK\""
    assert clean_text(raw) == raw


def test_clean_text_drops_byte_order_marks() -> None:
    assert clean_text("\ufeffKopf\n\ufeffZeile") == "Kopf\nZeile"


def test_clean_text_of_whitespace_only_is_empty() -> None:
    assert clean_text(" \t\r\n\u00a0\x00\n ") == ""


# --- plain documents ---------------------------------------------------------------------------


def test_date_line_gives_date_title_and_body() -> None:
    raw = (
        "  date 2024-03-14 Wirtschaft Bäckereien heben Preise an\n"
        "\n"
        "Brot wird teurer.   Das liegt am Mehl.\n"
        "\n\n\n"
        "Kunden reagieren gelassen.\n"
    )
    article = parse_one(raw)
    assert article.published_at == utc(2024, 3, 14)
    assert article.published_at.tzinfo is UTC
    assert article.title == "Wirtschaft Bäckereien heben Preise an"
    assert article.text == "Brot wird teurer. Das liegt am Mehl.\n\nKunden reagieren gelassen."
    assert article.timestamp_invalid is False


def test_plain_article_identity_fields() -> None:
    article = parse_text_document("Titel\n\nText.", "abc_123", "in/abc_123.txt")[0]
    assert article.article_id == "abc_123"
    assert article.parent_id is None
    assert article.source_file == "in/abc_123.txt"
    assert article.line is None


def test_without_date_line_first_non_empty_line_is_title() -> None:
    raw = "\n\n   Harbour reopens after storm  \n\nShips returned on Monday.\nCranes resumed work."
    article = parse_one(raw)
    assert article.title == "Harbour reopens after storm"
    assert article.text == "Ships returned on Monday.\nCranes resumed work."
    assert article.published_at is None
    assert article.timestamp_invalid is False


def test_invalid_date_is_flagged_and_title_kept() -> None:
    article = parse_one("date 2025-13-45 Sport Pokal bleibt in der Stadt\n\nDer Text.")
    assert article.published_at is None
    assert article.timestamp_invalid is True
    assert article.title == "Sport Pokal bleibt in der Stadt"
    assert article.text == "Der Text."


def test_bare_date_line_takes_title_from_next_line() -> None:
    article = parse_one("date 2023-07-01\n\nSommerfest abgesagt\n\nWegen Regen.")
    assert article.published_at == utc(2023, 7, 1)
    assert article.title == "Sommerfest abgesagt"
    assert article.text == "Wegen Regen."


def test_date_must_start_the_document() -> None:
    article = parse_one("Rückblick\n\ndate 2024-01-01 steht hier nur im Text.")
    assert article.published_at is None
    assert article.title == "Rückblick"


def test_one_line_file_is_an_article_with_title_as_text() -> None:
    article = parse_one("Nur eine Überschrift\n")
    assert article.title == "Nur eine Überschrift"
    assert article.text == "Nur eine Überschrift"


@pytest.mark.parametrize("raw", ["", "\n\n", "  \t \r\n \x00 ", "date 2024-05-05\n\n"])
def test_document_without_text_gives_no_article(raw: str) -> None:
    assert parse(raw) == []


def test_crlf_plain_document() -> None:
    article = parse_one("date 2024-02-29 Schaltjahr\r\n\r\nEin Tag mehr.\r\nWirklich.\r\n")
    assert article.published_at == utc(2024, 2, 29)
    assert article.title == "Schaltjahr"
    assert article.text == "Ein Tag mehr.\nWirklich."


def test_nul_characters_are_removed() -> None:
    article = parse_one("Ti\x00tel\x00\n\nText\x00 mit\x00\x00 Nullen.")
    assert article.title == "Titel"
    assert article.text == "Text mit Nullen."


# --- newsblogs -----------------------------------------------------------------------------------

GERMAN_BLOG = """\
date 2024-11-06 Politik Newsblog zur Wahl

Wahlhelfer zählen Stimmen in einer Turnhalle. (Foto: Agentur)

Alle Entwicklungen im Überblick.

Mittwoch, 6. November

Auszählung dauert bis in die Nacht

In mehreren Bezirken wurde noch gezählt.

Die Wahlleitung rechnet mit einem Ergebnis am Morgen.

Wer gewinnt?

Dienstag, 5 November

Wahllokale öffnen pünktlich
Die ersten Wähler standen schon vor sieben Uhr an.
"""


def test_german_newsblog_is_split_into_entries() -> None:
    articles = parse_text_document(GERMAN_BLOG, "blog1", "blogs/blog1.txt")
    assert [a.title for a in articles] == [
        "Auszählung dauert bis in die Nacht",
        "Wer gewinnt?",
        None,
    ]
    assert articles[0].text == (
        "In mehreren Bezirken wurde noch gezählt.\n\n"
        "Die Wahlleitung rechnet mit einem Ergebnis am Morgen."
    )
    assert [a.published_at for a in articles] == [
        utc(2024, 11, 6),
        utc(2024, 11, 6),
        utc(2024, 11, 5),
    ]


def test_newsblog_entry_identity_fields_and_line_numbers() -> None:
    articles = parse_text_document(GERMAN_BLOG, "blog1", "blogs/blog1.txt")
    assert [a.article_id for a in articles] == ["blog1#1", "blog1#2", "blog1#3"]
    assert {a.parent_id for a in articles} == {"blog1"}
    assert {a.source_file for a in articles} == {"blogs/blog1.txt"}
    assert [a.line for a in articles] == [9, 15, 19]
    lines = GERMAN_BLOG.split("\n")
    assert lines[9 - 1] == "Auszählung dauert bis in die Nacht"
    assert lines[15 - 1] == "Wer gewinnt?"


def test_newsblog_entry_without_body_uses_headline_as_text() -> None:
    articles = parse(GERMAN_BLOG)
    assert articles[1].title == "Wer gewinnt?"
    assert articles[1].text == "Wer gewinnt?"


def test_multi_line_block_is_body_not_headline() -> None:
    articles = parse(GERMAN_BLOG)
    assert articles[2].title is None
    assert articles[2].text == (
        "Wahllokale öffnen pünktlich\nDie ersten Wähler standen schon vor sieben Uhr an."
    )


def test_preamble_is_not_an_entry() -> None:
    texts = " ".join(a.text for a in parse(GERMAN_BLOG))
    assert "Turnhalle" not in texts
    assert "Überblick" not in texts


ENGLISH_BLOG = """\
date 2023-05-20 World Live updates

Thursday, May 18

Markets rally on upbeat jobs data.

Analysts had expected weaker numbers.

Central bank holds rates

The decision was unanimous.

Friday, 19 May 2023

Stocks slip in early trading
"""


def test_english_newsblog_with_body_before_headline() -> None:
    articles = parse_text_document(ENGLISH_BLOG, "live", "live.txt")
    assert [(a.title, a.line) for a in articles] == [
        (None, 5),
        ("Central bank holds rates", 9),
        ("Stocks slip in early trading", 15),
    ]
    assert articles[0].text == (
        "Markets rally on upbeat jobs data.\n\nAnalysts had expected weaker numbers."
    )
    assert articles[2].text == "Stocks slip in early trading"
    assert [a.published_at for a in articles] == [
        utc(2023, 5, 18),
        utc(2023, 5, 18),
        utc(2023, 5, 19),
    ]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Dienstag, 28 Oktober", utc(2025, 10, 28)),
        ("Montag, 27. Oktober", utc(2025, 10, 27)),
        ("Montag, 27. Oktober 2025", utc(2025, 10, 27)),
        ("Sonntag, 26. Oktober 2014", utc(2014, 10, 26)),
        ("Tuesday, 28 October", utc(2025, 10, 28)),
        ("Tuesday, October 28", utc(2025, 10, 28)),
        ("Tuesday, October 28, 2025", utc(2025, 10, 28)),
        ("Tuesday October 28th", utc(2025, 10, 28)),
        ("Mittwoch, 1. Januar", utc(2026, 1, 1)),
        ("Samstag, 8. März", utc(2026, 3, 8)),
        ("Samstag, 8. Maerz", utc(2026, 3, 8)),
        ("Samstag, 8. Marz", utc(2026, 3, 8)),
        ("Sonnabend, 8. Mai", utc(2025, 5, 8)),
        ("DONNERSTAG, 4. DEZEMBER", utc(2025, 12, 4)),
        ("samstag, 8. MÄRZ", utc(2026, 3, 8)),
        ("  Freitag,  3.  Oktober  ", utc(2025, 10, 3)),
        ("Samstag, 8. Ma\u0308rz", utc(2026, 3, 8)),
    ],
)
def test_day_heading_variants(heading: str, expected: datetime) -> None:
    raw = (
        "date 2025-10-28 Live Ticker\n\n"
        f"{heading}\n\nEintrag eins\n\nText eins.\n\n"
        "Montag, 27. Oktober\n\nEintrag zwei\n\nText zwei.\n"
    )
    assert is_newsblog(raw)
    articles = parse(raw)
    assert [a.title for a in articles] == ["Eintrag eins", "Eintrag zwei"]
    assert articles[0].published_at == expected
    assert articles[0].timestamp_invalid is False


@pytest.mark.parametrize(
    "line",
    [
        "Montag, 27. Oktober war ein schwieriger Tag für alle.",
        "Tuesday, October 28 was the day the markets fell",
        "Tuesday, October 28, 2025, will be remembered",
        "Am Montag, 27. Oktober",
        "Montag, 27. Oktobers",
        "Montag 27 Oktober 20255",
        "Montag, 127. Oktober",
        "Montag",
        "27. Oktober",
        "Oktober 2025",
        "Mondays, 27 October",
    ],
)
def test_lines_that_only_look_like_headings_are_not_headings(line: str) -> None:
    raw = f"Titel\n\n{line}\n\nAbsatz.\n\n{line}\n\nNoch ein Absatz.\n"
    assert not is_newsblog(raw)
    article = parse_one(raw)
    assert article.article_id == "doc"
    assert line.strip() in article.text


def test_prose_line_starting_with_weekday_stays_in_its_entry() -> None:
    raw = (
        "Montag, 3. März\n\nStreik legt Bahn lahm\n\n"
        "Montag, 3. März wird als Tag des Stillstands in Erinnerung bleiben.\n\n"
        "Sonntag, 2. März\n\nGewerkschaft kündigt Streik an\n"
    )
    articles = parse(raw)
    assert [a.title for a in articles] == [
        "Streik legt Bahn lahm",
        "Gewerkschaft kündigt Streik an",
    ]
    assert articles[0].text == "Montag, 3. März wird als Tag des Stillstands in Erinnerung bleiben."


def test_single_day_heading_is_not_a_newsblog() -> None:
    raw = "Ticker zum Gipfel\n\nFreitag, 14. Juni\n\nErste Meldung\n\nDer Gipfel beginnt.\n"
    assert not is_newsblog(raw)
    article = parse_one(raw)
    assert article.article_id == "doc"
    assert article.title == "Ticker zum Gipfel"
    assert article.text == "Freitag, 14. Juni\n\nErste Meldung\n\nDer Gipfel beginnt."


def test_is_newsblog_accepts_lines() -> None:
    assert is_newsblog(["Intro", "  Montag, 1. Juli ", "x", "Sunday, June 30\r"])
    assert not is_newsblog(["Intro", "Montag, 1. Juli", "x"])


def test_year_is_inferred_across_new_year() -> None:
    raw = (
        "date 2025-12-30 Silvester-Ticker\n\n"
        "Freitag, 2. Januar\n\nNeujahrsbilanz gezogen\n\nWenig Einsätze.\n\n"
        "Dienstag, 30. Dezember\n\nFeuerwerk ausverkauft\n\nHändler melden Rekord.\n"
    )
    articles = parse(raw)
    assert [a.published_at for a in articles] == [utc(2026, 1, 2), utc(2025, 12, 30)]


def test_year_is_inferred_backwards_from_january_document() -> None:
    raw = (
        "date 2026-01-01 Ticker\n\n"
        "Donnerstag, 1. Januar\n\nA kommt\n\n"
        "Mittwoch, 31. Dezember\n\nB geht\n"
    )
    assert [a.published_at for a in parse(raw)] == [utc(2026, 1, 1), utc(2025, 12, 31)]


def test_explicit_heading_year_wins_over_document_year() -> None:
    raw = "date 2025-10-28 T\n\nSonntag, 27. Oktober 2024\n\nA\n\nMontag, 27. Oktober\n\nB\n"
    assert [a.published_at for a in parse(raw)] == [utc(2024, 10, 27), utc(2025, 10, 27)]


def test_headings_without_year_or_document_date_are_undated() -> None:
    raw = "Ticker\n\nMontag, 27. Oktober\n\nA\n\nSunday, October 26\n\nB\n"
    articles = parse(raw)
    assert [a.title for a in articles] == ["A", "B"]
    assert [a.published_at for a in articles] == [None, None]
    assert [a.timestamp_invalid for a in articles] == [False, False]


def test_broken_document_date_makes_yearless_headings_invalid() -> None:
    raw = "date 2025-02-30 T\n\nMontag, 3. März\n\nA\n\nMontag, 3. März 2025\n\nB\n"
    articles = parse(raw)
    assert [(a.published_at, a.timestamp_invalid) for a in articles] == [
        (None, True),
        (utc(2025, 3, 3), False),
    ]


def test_impossible_heading_date_is_flagged() -> None:
    raw = (
        "date 2025-03-02 T\n\n"
        "Montag, 31. Februar\n\nA\n\n"
        "Sonntag, 30. Februar 2025\n\nB\n\n"
        "Samstag, 1. März\n\nC\n"
    )
    articles = parse(raw)
    assert [(a.published_at, a.timestamp_invalid) for a in articles] == [
        (None, True),
        (None, True),
        (utc(2025, 3, 1), False),
    ]


def test_headline_rules() -> None:
    long_line = "Langer Titel " * 20
    assert len(long_line.strip()) > MAX_HEADLINE_CHARS
    raw = (
        "Montag, 1. Juli\n\n"
        "Das ist ein Satz.\n\n"
        "Ruft er: Hilfe!\n\n"
        "Zitat am Ende: „Nie wieder“\n\n"
        "Aufzählung folgt:\n\n"
        f"{long_line}\n\n"
        "Sonntag, 30. Juni\n\n"
        "Bilanz 2024\n"
    )
    articles = parse(raw)
    assert [a.title for a in articles] == [
        None,
        "Ruft er: Hilfe!",
        "Zitat am Ende: „Nie wieder“",
        "Bilanz 2024",
    ]
    assert articles[0].text == "Das ist ein Satz."
    assert articles[2].text == f"Aufzählung folgt:\n\n{long_line.strip()}"


def test_heading_directly_followed_by_text_without_blank_line() -> None:
    raw = "Montag, 1. Juli\nErste Meldung\nSonntag, 30. Juni\nZweite Meldung\n"
    articles = parse(raw)
    assert [(a.title, a.line) for a in articles] == [("Erste Meldung", 2), ("Zweite Meldung", 4)]


def test_newsblog_without_entries_falls_back_to_plain_article() -> None:
    raw = "Montag, 1. Juli\n\nSonntag, 30. Juni\n"
    article = parse_one(raw)
    assert article.article_id == "doc"
    assert article.title == "Montag, 1. Juli"
    assert article.text == "Sonntag, 30. Juni"


def test_crlf_newsblog_matches_lf_newsblog() -> None:
    crlf = parse(GERMAN_BLOG.replace("\n", "\r\n"))
    assert crlf == parse(GERMAN_BLOG)
    assert [a.line for a in crlf] == [9, 15, 19]


def test_nul_inside_heading_and_headline() -> None:
    raw = "Mon\x00tag, 1. Juli\n\nEr\x00ste\n\nSonntag, 30. Juni\x00\n\nZweite\n"
    articles = parse(raw)
    assert [a.title for a in articles] == ["Erste", "Zweite"]


# --- seeds ---------------------------------------------------------------------------------------


def read_seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"seed {path} is absent")
    return path.read_text(encoding="utf-8")


@pytest.mark.shared_data
def test_seed_newsblog() -> None:
    raw = read_seed("000_6b53657df75b1364.txt")
    assert is_newsblog(raw)
    articles = parse_text_document(raw, "000", "000.txt")
    assert [(a.title, a.published_at) for a in articles] == [
        ('Japan will "goldenes Zeitalter" mit USA', utc(2025, 10, 28)),
        ("USA und Japan unterzeichnen Vereinbarung zu Seltenen Erden", utc(2025, 10, 28)),
        ("Trump: Werde nicht 2028 als Vizepräsident antreten", utc(2025, 10, 27)),
        ('"Es gibt einen Plan": Trump-Vertrauter glaubt an dritte Amtszeit', utc(2025, 10, 27)),
    ]
    assert [a.article_id for a in articles] == ["000#1", "000#2", "000#3", "000#4"]
    lines = raw.replace("\r\n", "\n").split("\n")
    for article in articles:
        assert article.line is not None
        assert lines[article.line - 1].strip() == article.title
        assert article.text != article.title


@pytest.mark.shared_data
def test_seed_plain_article() -> None:
    raw = read_seed("002_4c3213fa3034c7ae.txt")
    assert not is_newsblog(raw)
    article = parse_text_document(raw, "002", "002.txt")
    assert len(article) == 1
    assert article[0].title == "Trump in Japan: Abkommen zu seltenen Erden unterzeichnet"
    assert article[0].published_at is None
    assert "\n\n" in article[0].text


# --- properties ----------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "date 2025-12-30 Ticker Titel",
        "date 2025-02-31 Kaputt",
        "Freitag, 2. Januar",
        "Montag, 31. Februar",
        "Tuesday, October 28, 2025",
        "Sunday, 29 February",
        "Kurze Überschrift",
        "Ein Satz mit Punkt.",
        "Frage?",
        "",
        " ",
        "\t\u00a0",
        "\x00",
        "x" * 250,
    ]
)


@st.composite
def structured_documents(draw: st.DrawFn) -> str:
    """Documents assembled from heading, headline and prose lines, so that the newsblog
    path is exercised far more often than arbitrary text would."""
    parts = draw(st.lists(st.one_of(_PIECES, st.text(max_size=30)), max_size=30))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(parts)


def check_articles(articles: list[InputArticle], raw: str) -> None:
    ids = [a.article_id for a in articles]
    assert len(ids) == len(set(ids))
    line_count = raw.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
    for article in articles:
        assert article.text.strip()
        assert clean_text(article.text) == article.text
        assert article.title is None or article.title.strip()
        assert article.line is None or 1 <= article.line <= line_count
        assert article.published_at is None or article.published_at.tzinfo is UTC


@given(st.text())
def test_parse_arbitrary_text(raw: str) -> None:
    check_articles(parse(raw), raw)


@settings(max_examples=300)
@given(structured_documents())
def test_parse_structured_documents(raw: str) -> None:
    articles = parse(raw)
    check_articles(articles, raw)
    assert len({a.parent_id for a in articles}) <= 1


@given(st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\x00\x0b\u00a0\u0301\u2028e")))
def test_clean_text_output_invariants(text: str) -> None:
    cleaned = clean_text(text)
    assert "\r" not in cleaned
    assert "\x00" not in cleaned
    assert "\n\n\n" not in cleaned
    assert "  " not in cleaned
    assert cleaned == cleaned.strip()
    assert clean_text(cleaned) == cleaned


# --- adversarial input -----------------------------------------------------------------------


def test_long_line_and_many_heading_look_alikes_are_fast() -> None:
    long_line = ("1 " * 50_000 + " 2" * 50_000)[:200_000]
    look_alikes = "\n".join(
        f"Montag, {i % 31 + 1}. Oktober {'2' * (i % 7)}{' x' * (i % 3)}" for i in range(10_000)
    )
    for raw in (long_line, look_alikes, "Montag, " + "1" * 200_000):
        started = time.perf_counter()
        articles = parse(raw)
        elapsed = time.perf_counter() - started
        assert len(articles) >= 1
        assert elapsed < 5.0


# --- times of newsblog entries -------------------------------------------------------------------

TIMED_BLOG = """\
date 2026-03-03 Wirtschaft Newsblog

Dienstag, 3. März

14:32 Uhr: Radwerk meldet Insolvenz an

Der Fahrradhersteller hat Insolvenz beantragt.

11.05 Uhr

Bauzinsen steigen wieder

Die Zinsen für Baudarlehen sind gestiegen.

Börse schließt fester
2:32 p.m.

Der Leitindex legte zu.

Ohne Uhrzeit

Dieser Eintrag nennt keine Zeit, nur 3.14 Prozent mehr.

3.14 Prozent mehr Umsatz

Ein Eintrag, dessen Überschrift mit einer Zahl beginnt.

Montag, 2. März

9:05 am – Frühe Meldung

Der Tag beginnt.
"""


def test_newsblog_entries_take_the_time_of_day_they_give() -> None:
    articles = parse(TIMED_BLOG)
    assert [a.title for a in articles] == [
        "Radwerk meldet Insolvenz an",
        "Bauzinsen steigen wieder",
        "Börse schließt fester",
        "Ohne Uhrzeit",
        "3.14 Prozent mehr Umsatz",
        "Frühe Meldung",
    ]
    assert [a.published_at for a in articles] == [
        datetime(2026, 3, 3, 14, 32, tzinfo=UTC),  # "14:32 Uhr:" before the headline
        datetime(2026, 3, 3, 11, 5, tzinfo=UTC),  # "11.05 Uhr" on a line of its own
        datetime(2026, 3, 3, 14, 32, tzinfo=UTC),  # "2:32 p.m." under the headline
        utc(2026, 3, 3),
        utc(2026, 3, 3),  # "3.14 Prozent" is not a time
        datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
    ]
    assert [a.date_only for a in articles] == [False, False, False, True, True, False]
    assert "Der Leitindex legte zu." in articles[2].text


def test_entries_without_a_time_and_date_lines_give_the_day_only() -> None:
    assert all(a.date_only for a in parse(GERMAN_BLOG))
    assert parse_one("date 2026-03-01 Politik Titel\n\nText.").date_only
    assert not parse_one("Titel\n\nText.").date_only  # no date at all
