"""Tests for core.signals.attribution: credits, copyright and "Read more" lines
are left out of what is matched, sentences that mention an agency are not."""

from __future__ import annotations

import pytest

from newsdedup.schemas.records import InputArticle
from newsdedup.transforms.core.config import DedupConfig
from newsdedup.transforms.core.signals.analysis import ArticleAnalyzer
from newsdedup.transforms.core.signals.attribution import (
    is_attribution_line,
    without_attribution,
    without_dateline_credit,
)

STORY = (
    "The finance ministers agreed on Tuesday to extend the emergency credit line for "
    "another two years, officials said after a meeting that ran late into the night.\n"
    "The agreement still needs the approval of three national parliaments."
)


@pytest.mark.parametrize(
    "line",
    [
        "(dpa)",
        "(AFP)",
        "Reuters",
        "dpa/AFP",
        "AP and Reuters.",
        "(dpa/lno)",
        "Copyright 2026 Meridian Wire. All rights reserved.",
        "Copyright: AFP",
        "© 2026 dpa Deutsche Presse-Agentur GmbH",
        "Alle Rechte vorbehalten.",
        "Read more: Parliament votes on the budget",
        "Mehr lesen: Bundestag stimmt über den Haushalt ab",
        "Mehr zum Thema: Haushalt 2026",
        "Lesen Sie auch: Was die Reform bedeutet",
        "Quelle: dpa, AFP",
        "Foto: picture alliance / ASSOCIATED PRESS",
        "Reporting by Ben Hartmann; editing by David Ibsen",
        "Mit Material von dpa",
    ],
)
def test_attribution_lines_are_recognised(line: str) -> None:
    assert is_attribution_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Reuters reported that the talks had failed.",
        "Die dpa berichtete, die Gespräche seien gescheitert.",
        "The court ruled on copyright law on Monday.",
        "Read the full report of the committee before voting, the chair said.",
        "(The meeting was moved to Friday because the minister was ill again.)",
        "Apple",
        "",
        # A long paragraph is prose whatever it mentions.
        "All rights reserved, " + "the lawyer said, " * 30,
    ],
)
def test_other_lines_are_not(line: str) -> None:
    assert not is_attribution_line(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Brussels (mw) - The ministers met.", "The ministers met."),
        ("Berlin (dpa) – Die Minister trafen sich.", "Die Minister trafen sich."),
        ("WASHINGTON, Dec 5 (Reuters) - Talks resumed.", "Talks resumed."),
        ("(dpa) - Die Minister trafen sich.", "Die Minister trafen sich."),
        # No dash after the parentheses, or too long a remark in them: no dateline.
        ("Angela Merkel (CDU) sagte am Montag ...", "Angela Merkel (CDU) sagte am Montag ..."),
        (
            "The talks (which began in May last year) - a marathon - ended.",
            "The talks (which began in May last year) - a marathon - ended.",
        ),
    ],
)
def test_only_the_dateline_credit_is_taken_off(line: str, expected: str) -> None:
    assert without_dateline_credit(line) == expected


def test_an_aggregator_item_keeps_its_news_only() -> None:
    item = (
        f"Brussels (mw) - {STORY}\n\n"
        "Copyright 2026 Meridian Wire. All rights reserved.\n"
        "Read more: Parliament votes on the budget"
    )
    assert without_attribution(item) == STORY


def test_a_text_with_nothing_to_drop_is_returned_as_given() -> None:
    assert without_attribution(STORY) is STORY


def test_a_text_of_attribution_only_is_kept_whole() -> None:
    assert without_attribution("(dpa)\nReuters") == "(dpa)\nReuters"


def test_attribution_lines_leave_shingles_and_lead_entities_alone() -> None:
    analyzer = ArticleAnalyzer(DedupConfig())
    plain = analyzer.shingle(InputArticle("a1", STORY, title="Credit line extended"))
    credited = analyzer.shingle(
        InputArticle(
            "a2",
            f"Brussels (AFP) - {STORY}\n(AFP)\nCopyright 2026 AFP. All rights reserved.\n"
            "Read more: Zebras Escape From Zoo In Ulm",
            title="Credit line extended",
        )
    )
    assert credited.shingle_hashes == plain.shingle_hashes
    assert credited.raw_fingerprints == plain.raw_fingerprints
    assert credited.raw_signature == plain.raw_signature
    assert credited.entities == plain.entities
    # The stored text and its hash stay as given.
    assert credited.article.text.endswith("Ulm")
    assert credited.content_hash != plain.content_hash
