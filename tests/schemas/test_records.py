"""The records of schemas/records.py: frozen, and pickled as (class, field values)."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from newsdedup.schemas.records import InputArticle, Reject, RejectReason, record


@record
@dataclass(frozen=True, slots=True)
class OneField:
    """A record of one field: its values are a tuple of one, not the bare value."""

    value: int


def test_a_record_pickles_as_its_class_and_field_values() -> None:
    article = InputArticle(
        "a1",
        "Text.",
        title="Title",
        published_at=datetime(2026, 3, 1, 8, tzinfo=UTC),
        line=3,
        date_only=True,
    )
    cls, values = article.__reduce__()
    assert cls is InputArticle
    assert values == tuple(getattr(article, f.name) for f in dataclasses.fields(InputArticle))
    assert pickle.loads(pickle.dumps(article)) == article


def test_a_record_of_one_field_pickles_too() -> None:
    assert OneField(7).__reduce__() == (OneField, (7,))
    assert pickle.loads(pickle.dumps(OneField(7))) == OneField(7)


def test_records_are_frozen() -> None:
    reject = Reject("f.jsonl", 4, RejectReason.MALFORMED_JSON, "invalid JSON", "{x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        reject.line = 5  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(reject)).reason is RejectReason.MALFORMED_JSON
