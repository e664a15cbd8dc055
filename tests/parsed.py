"""Helpers shared by the parser tests of transforms/core/formats: results split into articles
and rejects, the record limit, the content of a file no parser may read."""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import settings

from newsdedup.schemas.records import InputArticle, Reject

LIMIT = 1_000_000
SECRET = "LOCAL-FILE-CONTENT-7f3a"


def split(results: Iterable[InputArticle | Reject]) -> tuple[list[InputArticle], list[Reject]]:
    done = list(results)
    return (
        [r for r in done if isinstance(r, InputArticle)],
        [r for r in done if isinstance(r, Reject)],
    )


def everything(article: InputArticle) -> str:
    return repr(article)


HOSTILE = settings(max_examples=60, deadline=None)
