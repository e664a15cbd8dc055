"""Check that parsing, shingling and signing give a reference revision's results
bit for bit, and time both.

    python scripts/analysis_parity.py [--reference HEAD] [--corpora DIR]
        [--bench FILE] [--limit N] [--repeat N]

The reference revision's code (`src/`, or `transforms/` and `schemas/` before
the `src/newsdedup` layout) is extracted with `git archive` into a temporary
folder. The same dump (this script with `--dump`) then runs once on that tree
and once on this one, each in a subprocess: every JSON Lines record is parsed
(`parse_jsonl_record`), every article shingled and signed (`ArticleAnalyzer`
with the default configuration), and its lead entities listed. The records are
the real articles of ../shared/data/corpora (title, text and date as a JSON
object) and, when it exists, the bench corpus
/tmp/newsdedup-bench/corpus-7-10000/input/articles.jsonl (made by
scripts/bench.py), plus a few malformed lines that must be rejected alike.

Prints the number of records whose results differ (parsed article or reject,
shingled article, analysed article, lead entities) and, per function, the time
per record of the reference and of this tree (the best of `--repeat` runs over
all records). Exit code 1 if anything differs.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib
import importlib.util
import json
import pickle
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPORA = REPO_ROOT.parent / "shared" / "data" / "corpora"
DEFAULT_BENCH = Path("/tmp/newsdedup-bench/corpus-7-10000/input/articles.jsonl")
# Lines every parser revision must reject or clean the same way.
_TRICKY_LINES = (
    "not json",
    "[1, 2]",
    '{"id": "x"}',
    '{"id": 5, "text": "a"}',
    '{"id": "ws", "text": " \\t\\r\\n "}',
    '{"id": "ctl", "text": "a\\u0000b\\u0085c\\u2028d\\r\\ne\\r\\n\\n\\n\\u00a0 f\\ufeff"}',
    '{"id": "date", "text": "x", "published_at": "2024-02-30T10:00:00+02:00"}',
    '{"id": "date2", "text": "x", "published_at": "  2024-02-03 10:00:00Z "}',
    '{"id": "date3", "text": "x", "published_at": "0001-01-01T00:00:00+05:00"}',
)


def corpus_lines(corpora: Path, bench: Path) -> Iterator[str]:
    """JSON Lines records: the shared corpora's articles, the bench corpus, tricky lines."""
    csv.field_size_limit(1 << 30)
    english = corpora / "news_en.csv"
    if english.exists():
        with english.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                record = {
                    "id": f"en-{row['article_id']}",
                    "title": row["title"],
                    "text": row["text"],
                    "url": row["article_source_link"],
                    "published_at": row["publish_date"],
                }
                yield json.dumps(record, ensure_ascii=False)
    german = corpora / "news_de.csv"
    if german.exists():
        with german.open(encoding="utf-8", newline="") as handle:
            for number, fields in enumerate(csv.reader(handle, delimiter=";", quotechar="'")):
                record = {"id": f"de-{number}", "text": fields[1], "source": fields[0]}
                yield json.dumps(record, ensure_ascii=False)
    if bench.exists():
        with bench.open(encoding="utf-8") as handle:
            yield from (line.rstrip("\n") for line in handle)
    yield from _TRICKY_LINES


# The modules the dump uses, by their name before the `src/newsdedup` layout.
_NEW_LAYOUT = {
    "schemas.records": "newsdedup.schemas.records",
    "transforms.core.config": "newsdedup.transforms.core.config",
    "transforms.core.jsonl": "newsdedup.transforms.core.formats.jsonl",
    "transforms.core.textdocs": "newsdedup.transforms.core.formats.textdocs",
    "transforms.core.analysis": "newsdedup.transforms.core.signals.analysis",
    "transforms.core.entities": "newsdedup.transforms.core.signals.entities",
    "transforms.core.normalize": "newsdedup.transforms.core.signals.normalize",
}
_CORE_GROUPS = ("", "formats.", "signals.", "decide.")


class _AnyLayoutUnpickler(pickle.Unpickler):
    """Loads a dump of either layout into this tree's classes: a reference from
    before the `src/newsdedup` layout pickled `schemas.records.InputArticle`."""

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in {"schemas", "transforms"}:
            package, _, leaf = module.rpartition(".")
            candidates = [f"newsdedup.{module}"]
            if package == "transforms.core":
                candidates = [f"newsdedup.transforms.core.{g}{leaf}" for g in _CORE_GROUPS]
            for candidate in candidates:
                if importlib.util.find_spec(candidate) is not None:
                    module = candidate
                    break
        return super().find_class(module, name)


def _core_modules(tree: Path) -> SimpleNamespace:
    """The functions the dump times, imported from the code in `tree` (either layout)."""
    new_layout = (tree / "src" / "newsdedup").is_dir()
    sys.path.insert(0, str(tree / "src" if new_layout else tree))

    def core(name: str) -> Any:
        module = importlib.import_module(_NEW_LAYOUT[name] if new_layout else name)
        assert Path(str(module.__file__)).resolve().is_relative_to(tree.resolve())
        return module

    normalize = core("transforms.core.normalize")
    return SimpleNamespace(
        InputArticle=core("schemas.records").InputArticle,
        DedupConfig=core("transforms.core.config").DedupConfig,
        parse_jsonl_record=core("transforms.core.jsonl").parse_jsonl_record,
        clean_text=core("transforms.core.textdocs").clean_text,
        ArticleAnalyzer=core("transforms.core.analysis").ArticleAnalyzer,
        lead_entities=core("transforms.core.entities").lead_entities,
        normalize_for_matching=normalize.normalize_for_matching,
        words=normalize.words,
    )


def _results(
    parsed: list[Any],
    entities: list[Any],
    shingled: list[Any],
    analyzed: list[Any],
    with_boilerplate: list[Any],
) -> dict[str, list[Any]]:
    """What two trees must agree on: the fields every version of the records has."""
    return {
        "parsed": parsed,
        "entities": entities,
        # The fields every version of ShingledArticle has.
        "shingled": [
            (
                s.article,
                s.article_key,
                s.language,
                s.language_probability,
                s.content_hash,
                s.site_key,
                s.raw_fingerprints,
                s.entities,
            )
            for s in shingled
        ],
        # The fields every version of AnalyzedArticle has.
        "analyzed": [(a.article, a.language_probability, a.sketch) for a in analyzed],
        "analyzed with boilerplate": [
            (a.article, a.language_probability, a.sketch) for a in with_boilerplate
        ],
    }


def dump(tree: Path, lines: list[str], output: Path, repeat: int) -> None:
    """Results and timings of the code in `tree`, pickled to `output`."""
    import numpy as np

    def _timed(function: Callable[[Any], Any], values: list[Any]) -> tuple[list[Any], float]:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            results = [function(value) for value in values]
            best = min(best, time.perf_counter() - started)
        return results, best

    code = _core_modules(tree)
    config = code.DedupConfig()
    analyzer = code.ArticleAnalyzer(config)
    timings: dict[str, float] = {}
    numbered = list(enumerate(lines, start=1))
    parsed, timings["parse_jsonl_record"] = _timed(
        lambda item: code.parse_jsonl_record(item[1], "corpus.jsonl", item[0]), numbered
    )
    articles = [result for result in parsed if isinstance(result, code.InputArticle)]
    raw_texts = [json.loads(line)["text"] for line in lines if '"text": "' in line]
    _, timings["clean_text"] = _timed(code.clean_text, raw_texts)
    detection_texts = [f"{a.title}\n{a.text}" if a.title else a.text for a in articles]
    _, timings["LanguageDetector.detect"] = _timed(analyzer.detector.detect, detection_texts)
    entities, timings["lead_entities"] = _timed(
        lambda text: code.lead_entities(text, config.entity_lead_words), detection_texts
    )
    _, timings["normalize + words"] = _timed(
        lambda a: code.words(code.normalize_for_matching(a.text)), articles
    )
    shingled, timings["ArticleAnalyzer.shingle"] = _timed(analyzer.shingle, articles)
    analyzed, timings["ArticleAnalyzer.sign"] = _timed(analyzer.sign, shingled)
    # Every third passage of each page taken as its site's boilerplate: signing
    # that removes boilerplate must agree too.
    with_boilerplate = [
        analyzer.sign(s, np.unique(np.frombuffer(s.raw_fingerprints, dtype="<u8")[::3]))
        for s in shingled
    ]
    counts = {"parse_jsonl_record": len(lines), "clean_text": len(raw_texts)}
    results = _results(parsed, entities, shingled, analyzed, with_boilerplate)
    with output.open("wb") as handle:
        pickle.dump(
            {**results, "seconds": timings, "counts": counts, "articles": len(articles)}, handle
        )


def _code_folders(args: argparse.Namespace) -> list[str]:
    """`src` at a revision with the `src/newsdedup` layout, else the old top folders."""
    listed = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-tree", "--name-only", args.reference],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return ["src"] if "src" in listed else ["transforms", "schemas"]


def _run_dump(tree: Path, args: argparse.Namespace, output: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--dump", str(output), "--tree", str(tree)]
    command += ["--corpora", str(args.corpora), "--bench", str(args.bench)]
    command += ["--limit", str(args.limit), "--repeat", str(args.repeat)]
    subprocess.run(command, check=True)
    with output.open("rb") as handle:
        result: dict[str, Any] = _AnyLayoutUnpickler(handle).load()
    return result


def _comparable(value: Any) -> Any:
    """Records as (field, value) tuples: a field the reference's records do not
    have yet (unpickled without it) counts as its default."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (f.name, _comparable(getattr(value, f.name, f.default)))
            for f in dataclasses.fields(value)
        )
    if isinstance(value, list | tuple):
        return tuple(_comparable(item) for item in value)
    return value


def _differences(reference: list[Any], current: list[Any]) -> int:
    if len(reference) != len(current):
        return max(len(reference), len(current))
    return sum(
        1
        for old, new in zip(reference, current, strict=True)
        if _comparable(old) != _comparable(new)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reference", default="HEAD", help="git revision to compare with")
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--limit", type=int, default=0, help="only the first N records (0: all)")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per function")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=REPO_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    lines = list(corpus_lines(args.corpora, args.bench))
    if args.limit:
        lines = lines[: args.limit]
    if args.dump:
        dump(args.tree, lines, args.dump, max(args.repeat, 1))
        return 0
    with tempfile.TemporaryDirectory(prefix="analysis-parity-") as folder:
        reference_tree = Path(folder) / "reference"
        reference_tree.mkdir()
        archive = Path(folder) / "reference.tar"
        with archive.open("wb") as handle:
            subprocess.run(
                ["git", "-C", str(REPO_ROOT), "archive", args.reference, *_code_folders(args)],
                stdout=handle,
                check=True,
            )
        with tarfile.open(archive) as tar:
            tar.extractall(reference_tree, filter="data")
        reference = _run_dump(reference_tree, args, Path(folder) / "reference.pickle")
        current = _run_dump(REPO_ROOT, args, Path(folder) / "current.pickle")
    articles = current["articles"]
    print(f"{len(lines)} records, {articles} articles; reference {args.reference}")
    differing = 0
    for name in ("parsed", "entities", "shingled", "analyzed", "analyzed with boilerplate"):
        count = _differences(reference[name], current[name])
        differing += count
        print(f"{name:26s} results differing: {count}")
    print(f"{'per record, ms':26s} {'reference':>10s} {'this tree':>10s} {'speed-up':>9s}")
    for name, seconds in reference["seconds"].items():
        count = reference["counts"].get(name, articles)
        before, after = seconds / count * 1e3, current["seconds"][name] / count * 1e3
        print(f"{name:26s} {before:10.4f} {after:10.4f} {before / after:8.2f}x")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
