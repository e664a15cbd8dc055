"""Tests for scripts/make_corpus.py, the labelled corpus generator.

The corpus tests read the real articles in ../shared/data/corpora and are skipped
where it is absent. One small corpus is generated per argument set and shared by
the tests of this module.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from random import Random
from typing import Any

import pytest

from newsdedup.transforms.core.formats.textdocs import parse_text_document
from scripts.make_corpus import (
    KINDS,
    ONE_SOURCE,
    TRAP_KINDS,
    SourceArticle,
    day_heading,
    headline,
    is_blog_paragraph,
    main,
    paragraphs_of,
    restyle_quotes,
    split_sentences,
    synthesize_sources,
)

# A small corpus with the rare kinds made frequent enough to be present.
ARGS = (
    *("--size", "300", "--seed", "11"),
    *("--exact-copy-rate", "0.25", "--redelivery-rate", "0.05"),
    *("--short-page-rate", "0.15", "--background-rate", "0.4"),
)

_WORDS = re.compile(r"\w+")


def shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.casefold())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right) if left | right else 1.0


@dataclass
class Generated:
    out: Path

    @cached_property
    def lines(self) -> list[str]:
        return (self.out / "input" / "articles.jsonl").read_text(encoding="utf-8").splitlines()

    @cached_property
    def records(self) -> dict[str, dict[str, Any]]:
        return {record["id"]: record for record in map(json.loads, self.lines)}

    @cached_property
    def labels(self) -> dict[str, dict[str, str]]:
        rows = [json.loads(line) for line in (self.out / "labels.jsonl").open(encoding="utf-8")]
        return {row["article_id"]: row for row in rows}

    @cached_property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))

    @cached_property
    def blogs(self) -> dict[str, list[Any]]:
        return {
            path.stem: parse_text_document(path.read_text(encoding="utf-8"), path.stem, str(path))
            for path in sorted((self.out / "input" / "blogs").glob("*.txt"))
        }

    @cached_property
    def boilerplate(self) -> dict[str, set[str]]:
        """Per site: the paragraphs found on every one of its pages."""
        pages: dict[str, list[set[str]]] = defaultdict(list)
        for record in self.records.values():
            pages[record["source"]].append(set(record["text"].split("\n\n")))
        return {site: set.intersection(*sets) for site, sets in pages.items() if len(sets) >= 2}

    def content(self, article_id: str) -> list[str]:
        record = self.records[article_id]
        common = self.boilerplate.get(record["source"], set())
        return [p for p in record["text"].split("\n\n") if p not in common]

    def by_kind(self, kind: str) -> list[str]:
        return sorted(i for i, row in self.labels.items() if row["kind"] == kind)

    def agency_of(self, article_id: str) -> str:
        story = self.labels[article_id]["story"]
        (agency,) = (i for i in self.by_kind("agency") if self.labels[i]["story"] == story)
        return agency


_GENERATED: dict[tuple[str, ...], Generated] = {}


def generate(shared_data: Path, factory: pytest.TempPathFactory, *args: str) -> Generated:
    if args not in _GENERATED:
        out = factory.mktemp("corpus")
        corpora = str(shared_data / "corpora")
        assert main(["--out", str(out), "--corpora", corpora, *args]) == 0
        _GENERATED[args] = Generated(out)
    return _GENERATED[args]


@pytest.fixture
def corpus(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not (shared_data / "corpora").is_dir():
        pytest.skip("no corpora in the shared data")
    return generate(shared_data, tmp_path_factory, *ARGS)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# --- determinism -----------------------------------------------------------------------------


@pytest.mark.shared_data
def test_same_seed_gives_identical_bytes(
    corpus: Generated, shared_data: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    assert main(["--out", str(again), "--corpora", str(shared_data / "corpora"), *ARGS]) == 0
    assert files(again) == files(corpus.out)


@pytest.mark.shared_data
def test_different_seed_gives_different_corpus(
    corpus: Generated, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    args = list(ARGS)
    args[args.index("--seed") + 1] = "12"
    other = generate(shared_data, tmp_path_factory, *args)
    assert other.lines != corpus.lines
    assert set(other.records) != set(corpus.records)


# --- labels against the input ----------------------------------------------------------------


@pytest.mark.shared_data
def test_every_label_is_one_article_of_the_input(corpus: Generated) -> None:
    entry_ids = [article.article_id for articles in corpus.blogs.values() for article in articles]
    assert len(entry_ids) == len(set(entry_ids))
    assert set(corpus.records).isdisjoint(entry_ids)
    assert set(corpus.labels) == set(corpus.records) | set(entry_ids)
    for blog_id, articles in corpus.blogs.items():
        labelled = sorted(i for i in corpus.labels if i.startswith(f"{blog_id}#"))
        assert sorted(article.article_id for article in articles) == labelled
        assert [a.article_id for a in articles] == [
            f"{blog_id}#{n}" for n in range(1, len(labelled) + 1)
        ]
        assert all(corpus.labels[i]["kind"] == "blog_entry" for i in labelled)


@pytest.mark.shared_data
def test_json_records_are_complete(corpus: Generated) -> None:
    for record in corpus.records.values():
        assert list(record) == ["id", "title", "text", "url", "source", "published_at"]
        assert record["url"].startswith("https://") and ".test/" in record["url"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["published_at"])
        assert record["title"] and record["text"].strip()


@pytest.mark.shared_data
def test_redeliveries_repeat_identical_lines(corpus: Generated) -> None:
    ids = Counter(json.loads(line)["id"] for line in corpus.lines)
    repeated = sorted(i for i, n in ids.items() if n > 1)
    assert repeated
    assert max(ids.values()) == 2
    assert len(corpus.lines) - len(ids) == corpus.manifest["redeliveries"] == len(repeated)
    for article_id in repeated:
        lines = [line for line in corpus.lines if json.loads(line)["id"] == article_id]
        assert lines[0] == lines[1]


@pytest.mark.shared_data
def test_dup_groups_lie_within_one_story_and_language(corpus: Generated) -> None:
    stories: dict[str, set[str]] = defaultdict(set)
    languages: dict[str, set[str]] = defaultdict(set)
    for row in corpus.labels.values():
        stories[row["dup"]].add(row["story"])
        languages[row["story"]].add(row["language"])
    assert all(len(found) == 1 for found in stories.values())
    assert all(len(found) == 1 for found in languages.values())


@pytest.mark.shared_data
def test_all_kinds_and_languages_present(corpus: Generated) -> None:
    assert {row["kind"] for row in corpus.labels.values()} == set(KINDS) - set(TRAP_KINDS)
    assert {row["language"] for row in corpus.labels.values()} == {"en", "de"}
    assert 240 <= len(corpus.labels) <= 360


@pytest.mark.shared_data
def test_manifest_counts_match(corpus: Generated) -> None:
    manifest = corpus.manifest
    rows = list(corpus.labels.values())
    assert manifest["articles"] == len(rows)
    assert manifest["kinds"] == {kind: sum(r["kind"] == kind for r in rows) for kind in KINDS}
    assert manifest["stories"]["total"] == len({r["story"] for r in rows})
    assert manifest["dup_groups"]["total"] == len({r["dup"] for r in rows})
    story_sizes = Counter(r["story"] for r in rows)
    assert manifest["stories"]["with_2_or_more"] == sum(n >= 2 for n in story_sizes.values())
    assert manifest["json_lines"] == len(corpus.lines)
    assert manifest["json_records"] == len(corpus.records)
    entries = sum(len(articles) for articles in corpus.blogs.values())
    assert manifest["blog_entries"] == entries
    assert manifest["blog_documents"] == len(corpus.blogs)
    assert manifest["expected_records"] == len(corpus.lines) + entries
    assert manifest["arguments"]["seed"] == 11


# --- what the corpus models ------------------------------------------------------------------


@pytest.mark.shared_data
def test_boilerplate_sites_repeat_their_wrapper(corpus: Generated) -> None:
    sites = {site["name"]: site for site in corpus.manifest["sites"]}
    pages = Counter(record["source"] for record in corpus.records.values())
    wrapped = [name for name, site in sites.items() if site["boilerplate_words"]]
    assert len(wrapped) >= 8
    for name, site in sites.items():
        if pages[name] < 3:
            continue
        common = corpus.boilerplate[name]
        words = sum(len(paragraph.split()) for paragraph in common)
        assert words == site["boilerplate_words"], name
        if site["boilerplate_words"]:
            assert 60 <= words <= 150


@pytest.mark.shared_data
def test_reruns_and_copies_are_near_duplicates_of_the_original(corpus: Generated) -> None:
    reruns = corpus.by_kind("rerun")
    assert reruns
    for article_id in reruns:
        agency = corpus.agency_of(article_id)
        assert corpus.labels[article_id]["dup"] == corpus.labels[agency]["dup"]
        assert corpus.records[article_id]["source"] != corpus.records[agency]["source"]
        content, original = corpus.content(article_id), corpus.content(agency)
        assert jaccard("\n".join(content), "\n".join(original)) > 0.5, article_id
    for article_id in corpus.by_kind("exact_copy"):
        agency = corpus.agency_of(article_id)
        assert corpus.records[article_id]["text"] == corpus.records[agency]["text"]
        assert corpus.labels[article_id]["dup"] == corpus.labels[agency]["dup"]


@pytest.mark.shared_data
def test_followups_reuse_agency_paragraphs_without_being_duplicates(corpus: Generated) -> None:
    followups = corpus.by_kind("followup")
    assert followups
    for article_id in followups:
        agency = corpus.agency_of(article_id)
        assert corpus.labels[article_id]["dup"] != corpus.labels[agency]["dup"]
        content, original = corpus.content(article_id), corpus.content(agency)
        assert set(content) & set(original), article_id
        assert jaccard("\n".join(content), "\n".join(original)) < 0.6, article_id


@pytest.mark.shared_data
def test_story_members_follow_the_original_within_48_hours(corpus: Generated) -> None:
    for kind in ("rerun", "exact_copy", "followup"):
        for article_id in corpus.by_kind(kind):
            agency = corpus.agency_of(article_id)
            start = datetime.fromisoformat(corpus.records[agency]["published_at"])
            moment = datetime.fromisoformat(corpus.records[article_id]["published_at"])
            assert timedelta(0) < moment - start <= timedelta(hours=48)


@pytest.mark.shared_data
def test_only_background_paragraphs_cross_stories(corpus: Generated) -> None:
    """Apart from site boilerplate, stories share text only where the generator put it."""
    stories_of: dict[str, set[str]] = defaultdict(set)
    for article_id in corpus.records:
        for paragraph in corpus.content(article_id):
            stories_of[paragraph].add(corpus.labels[article_id]["story"])
    shared = [p for p, stories in stories_of.items() if len(stories) > 1]
    assert all(len(stories_of[p]) == 2 for p in shared)
    assert len(shared) == corpus.manifest["background_pairs"] > 0


@pytest.mark.shared_data
def test_short_pages_are_mostly_boilerplate(corpus: Generated) -> None:
    for article_id in corpus.by_kind("short_page"):
        record = corpus.records[article_id]
        content = corpus.content(article_id)
        assert len(content) == 1
        assert len(" ".join(content).split()) * 2 < len(record["text"].split())


@pytest.mark.shared_data
def test_newsblogs_follow_the_plain_text_format(corpus: Generated) -> None:
    assert len(corpus.blogs) == 4
    for blog_id, articles in corpus.blogs.items():
        raw = (corpus.out / "input" / "blogs" / f"{blog_id}.txt").read_text(encoding="utf-8")
        first = raw.splitlines()[0]
        assert re.fullmatch(r"date \d{4}-\d\d-\d\d Newsblog \S+ .+", first)
        doc_date = date.fromisoformat(first.split()[1])
        days = {article.published_at.date() for article in articles if article.published_at}
        assert len(days) >= 2 and min(days) == doc_date
        for article in articles:
            assert article.title and not article.title.endswith((".", ",", ";", ":"))
            assert article.text
            row = corpus.labels[article.article_id]
            members = [r for r in corpus.labels.values() if r["story"] == row["story"]]
            assert len(members) == 1 or any(r["kind"] == "agency" for r in members)


# --- helpers, no shared data needed ----------------------------------------------------------


def test_missing_corpora_is_a_usage_error(tmp_path: Path) -> None:
    argv = ["--out", str(tmp_path / "out"), "--size", "10", "--seed", "1"]
    assert main([*argv, "--corpora", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):
        main([*argv, "--languages", "fr"])


def test_split_sentences_keeps_abbreviations_and_ordinals() -> None:
    text = 'Mr. Smith went to the U.S. on Monday. "It was fine," he said. Then he left.'
    assert split_sentences(text, "en") == [
        "Mr. Smith went to the U.S. on Monday.",
        '"It was fine," he said.',
        "Then he left.",
    ]
    german = "Ab 1. August gilt die Regel. Das sagte Dr. Maier am Montag."
    assert split_sentences(german, "de") == [
        "Ab 1. August gilt die Regel.",
        "Das sagte Dr. Maier am Montag.",
    ]


def test_paragraphs_group_two_to_four_sentences() -> None:
    sentences = tuple(f"Sentence number {i} ends here." for i in range(17))
    article = SourceArticle("en:0", "en", "Title", sentences)
    for seed in range(20):
        paragraphs = paragraphs_of(article, Random(seed), 4)
        sizes = [len(split_sentences(p, "en")) for p in paragraphs]
        assert sum(sizes) == 17 and len(paragraphs) >= 4
        assert all(2 <= size <= 4 for size in sizes)


def test_day_headings_are_parsed_with_their_weekday() -> None:
    day = date(2026, 3, 3)
    for language in ("en", "de"):
        lines = [f"date {day.isoformat()} Newsblog Test Title", ""]
        for offset in (0, 1):
            current = day + timedelta(days=offset)
            lines += [day_heading(current, language), "", "Headline", "", "Body text here.", ""]
        articles = parse_text_document("\n".join(lines), "blog", "blog.txt")
        assert [a.published_at.date() for a in articles if a.published_at] == [
            day,
            day + timedelta(days=1),
        ]
    assert day_heading(day, "de") == "Dienstag, 3. März"
    assert day_heading(day, "en") == "Tuesday, March 3"


def test_headlines_and_blog_paragraphs_suit_the_splitter() -> None:
    assert headline("A long day ends.") == "A long day ends"
    assert headline("x" * 300).endswith("x") and len(headline("x " * 200)) <= 160
    assert is_blog_paragraph("Short but a sentence.")
    assert not is_blog_paragraph("Short and open-ended?")
    assert restyle_quotes('He said "yes" and it\'s done.', "german") == (
        "He said „yes“ and it’s done."
    )
    assert restyle_quotes("„ja“ sagt er", "straight") == '"ja" sagt er'


def _shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def test_synthetic_sources_share_no_passages_with_their_donors() -> None:
    rng = Random(3)
    vocabulary = [f"w{n}" for n in range(5000)]
    donors = [
        SourceArticle(
            f"en:{row}",
            "en",
            " ".join(rng.sample(vocabulary, 8)),
            tuple(" ".join(rng.sample(vocabulary, 20)) + "." for _ in range(rng.randint(8, 20))),
        )
        for row in range(30)
    ]
    made = synthesize_sources(donors, 40, Random(5))
    assert len(made) == 40 and len({a.key for a in made}) == 40
    donor_lengths = {len(d.sentences) for d in donors}
    donor_shingles = set().union(*(_shingles(" ".join(d.sentences)) for d in donors))
    shared, total = 0, 0
    for article in made:
        assert article.language == "en" and article.title
        assert len(article.sentences) in donor_lengths
        assert all(s.endswith(".") for s in article.sentences)  # punctuation kept
        shingles = _shingles(" ".join(article.sentences))
        shared += len(shingles & donor_shingles)
        total += len(shingles)
    # One word in five replaced: every 5-word shingle holds one, so hardly any survive
    # (only where a replacement happens to draw the word it replaces).
    assert shared <= 0.01 * total
    assert synthesize_sources(donors, 40, Random(5)) == made


def test_synthetic_sources_from_one_donor_name_different_people() -> None:
    rng = Random(4)
    # One donor whose every sentence names the same person; many other names elsewhere.
    names = [f"Name{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(400)]
    donor = SourceArticle(
        "en:donor", "en", "Title", tuple(f"Today Alpha met friend {n} again." for n in range(12))
    )
    others = [
        SourceArticle(
            f"en:{row}", "en", "Other", (f"Then {' and '.join(rng.sample(names, 3))} spoke.",) * 12
        )
        for row in range(40)
    ]
    made = synthesize_sources([donor, *others], 150, Random(6))
    # The name in each sentence taken from the donor ("Today <name> met ..."), per article.
    met = [Counter(s.split()[1] for s in a.sentences if s.startswith("Today ")) for a in made]
    met = [found for found in met if sum(found.values()) >= 3]
    assert len(met) >= 5
    # Alpha is replaced by a name drawn for the article: the same throughout it
    # (but where one word in five was respelled), different between articles.
    assert not any("Alpha" in found for found in met)
    assert all(found.most_common(1)[0][1] >= 0.6 * sum(found.values()) for found in met)
    assert len({found.most_common(1)[0][0] for found in met}) >= len(met) - 1


def test_synthetic_sources_fill_large_corpora(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "big"
    corpora = ("--corpora", str(shared_data / "corpora"))
    assert (
        main(["--out", str(out), "--size", "6000", "--seed", "3", *corpora, "--synthetic-sources"])
        == 0
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["articles"] >= 0.98 * 6000
    assert manifest["arguments"]["synthetic_sources"] == "names drawn per article"


TRAP_ARGS = (
    *("--size", "300", "--seed", "12", "--metadata-variants"),
    *("--aggregator-rate", "0.3", "--portal-rate", "0.3", "--short-wire-rate", "0.4"),
)


@pytest.fixture
def trap_corpus(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not (shared_data / "corpora").is_dir():
        pytest.skip("no corpora in the shared data")
    return generate(shared_data, tmp_path_factory, *TRAP_ARGS)


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.shared_data
def test_metadata_variants_differ_only_in_source_and_url(trap_corpus: Generated) -> None:
    full = _records(trap_corpus.out / "input" / "articles.jsonl")
    none = _records(trap_corpus.out / "input-none" / "articles.jsonl")
    one = _records(trap_corpus.out / "input-one-source" / "articles.jsonl")
    assert len(full) == len(none) == len(one)
    strip = ("source", "url")
    for f, n, o in zip(full, none, one, strict=True):
        assert (
            {k: v for k, v in f.items() if k not in strip}
            == n
            == {k: v for k, v in o.items() if k != "source"}
        )
        assert o["source"] == ONE_SOURCE and "url" not in o
    for variant in ("input-none", "input-one-source"):
        assert files(trap_corpus.out / variant / "blogs") == files(
            trap_corpus.out / "input" / "blogs"
        )


@pytest.mark.shared_data
def test_traps_are_present(trap_corpus: Generated) -> None:
    kinds = Counter(row["kind"] for row in trap_corpus.labels.values())
    assert kinds["aggregator_item"] >= 5 and kinds["portal_brief"] >= 5
    for article_id in trap_corpus.by_kind("portal_brief"):
        record = trap_corpus.records[article_id]
        assert "source" not in record and "url" not in record  # even with full metadata
    for article_id in trap_corpus.by_kind("aggregator_item"):
        text = trap_corpus.records[article_id]["text"]
        assert "Copyright 2026" in text and re.search(r"\((mw|ppa|ne|dm)\) [-–] ", text)
        assert re.search(r"(Read more|Mehr lesen): ", text)


@pytest.mark.shared_data
def test_follow_ups_of_short_wire_items_reuse_all_of_it(trap_corpus: Generated) -> None:
    reused = 0
    for article_id in trap_corpus.by_kind("followup"):
        agency = trap_corpus.records[trap_corpus.agency_of(article_id)]["text"]
        paragraphs = agency.split("\n\n")
        if len(paragraphs) == 2:
            text = trap_corpus.records[article_id]["text"]
            assert any(p in text for p in paragraphs)
            reused += all(p in text for p in paragraphs)
            # Reused whole, yet inside as much text of the follow-up's own: no near-duplicate.
            assert jaccard(agency, text) < 0.5
    assert reused >= 2
