"""The plain loop a user would write instead of newsdedup: the reference point.

    python scripts/baseline.py --input PATH [--input ...] --output OUT
        [--threshold 0.7] [--num-perm 128] [--shingle-size 5] [--language-backend langdetect]

This is deliberately "a 30-line loop", the obvious way to find near-duplicates
with the same libraries, kept honest and simple so that newsdedup's quality and
speed can be compared against it (`scripts/evaluate.py OUT LABELS` scores both):

1. read the inputs with newsdedup's own parsers, so both see the same articles
   (rejected records are skipped; the first record of an id is kept);
2. per article, in one process: `langdetect.detect` (seeded; `--language-backend
   langdetect_rs` swaps in its bit-identical Rust port, as newsdedup uses, so that
   speed is compared with the same detector), 5-word shingles of the lower-cased
   whitespace-split text, a `datasketch.MinHash` of them;
3. `datasketch.MinHashLSH`: query each signature, then insert it; every hit is
   joined with union-find.

The clusters serve as both `dup_group_id` and `story_id` (the loop has no notion
of stories), named after their smallest article id. It writes
`OUT/articles/part-00000.parquet` (article_id, language, dup_group_id, story_id;
not partitioned) and prints the throughput, timed from reading the inputs to
writing the file. No text normalisation, no boilerplate handling, no passage
fingerprints, no parallelism: that is the point of the comparison.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow as pa
import pyarrow.parquet as pq
from datasketch import MinHash, MinHashLSH

from newsdedup.pipelines.options import DEFAULT_MAX_RECORD_BYTES
from newsdedup.schemas.records import InputArticle, Reject
from newsdedup.transforms.io.inputs import resolve_inputs
from newsdedup.transforms.io.read import (
    JSONL_EXTENSIONS,
    TEXT_EXTENSIONS,
    extension_of,
    parse_jsonl_stream,
    parse_text_bytes,
)
from newsdedup.transforms.runtime.errors import UsageError

OUTPUT_FILE = "part-00000.parquet"


def parse_file(path: str) -> Iterator[InputArticle | Reject]:
    """Records of one input file, by extension; other files yield nothing."""
    extension = extension_of(path)
    if extension in JSONL_EXTENSIONS:
        with Path(path).open("rb") as stream:
            yield from parse_jsonl_stream(stream, path, DEFAULT_MAX_RECORD_BYTES)
    elif extension in TEXT_EXTENSIONS:
        yield from parse_text_bytes(Path(path).read_bytes(), path, DEFAULT_MAX_RECORD_BYTES)


def read_articles(inputs: list[str]) -> list[InputArticle]:
    """Articles of all inputs (files in sorted order), the first record per id."""
    articles: dict[str, InputArticle] = {}
    for path in resolve_inputs(inputs):
        for record in parse_file(path):
            if isinstance(record, InputArticle) and record.article_id not in articles:
                articles[record.article_id] = record
    return list(articles.values())


LANGUAGE_BACKENDS = ("langdetect", "langdetect_rs")


def seeded_backend(name: str = "langdetect") -> ModuleType:
    """The langdetect module (or its drop-in port), seeded: langdetect is random unless seeded."""
    module = importlib.import_module(name)
    module.DetectorFactory.seed = 0
    return module


def detect_language(text: str, backend: ModuleType) -> str:
    """langdetect's best language, `und` when it finds no features."""
    try:
        return str(backend.detect(text))
    except backend.LangDetectException:
        return "und"


def shingles(text: str, size: int) -> list[str]:
    """Word n-grams of the lower-cased, whitespace-split text (one if it is shorter)."""
    words = text.lower().split()
    return [" ".join(words[i : i + size]) for i in range(max(1, len(words) - size + 1))]


def find(parent: dict[str, str], item: str) -> str:
    """Union-find root, with path halving."""
    while parent[item] != item:
        parent[item] = parent[parent[item]]
        item = parent[item]
    return item


def cluster(
    articles: list[InputArticle], threshold: float, num_perm: int, shingle_size: int
) -> dict[str, str]:
    """Article id -> cluster id (its smallest member id), via MinHash LSH and union-find."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent: dict[str, str] = {}
    for article in articles:
        minhash = MinHash(num_perm=num_perm)
        minhash.update_batch([s.encode("utf-8") for s in shingles(article.text, shingle_size)])
        parent[article.article_id] = article.article_id
        for hit in lsh.query(minhash):
            a, b = find(parent, article.article_id), find(parent, hit)
            parent[max(a, b)] = min(a, b)  # the smaller id stays root: the cluster's name
        lsh.insert(article.article_id, minhash)
    return {article_id: find(parent, article_id) for article_id in parent}


def write_output(
    out: Path, articles: list[InputArticle], languages: list[str], clusters: dict[str, str]
) -> Path:
    """`OUT/articles/part-00000.parquet`: article_id, language, dup_group_id, story_id."""
    folder = out / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    ids = [article.article_id for article in articles]
    table = pa.table(
        {
            "article_id": pa.array(ids, pa.string()),
            "language": pa.array(languages, pa.string()),
            "dup_group_id": pa.array([clusters[i] for i in ids], pa.string()),
            "story_id": pa.array([clusters[i] for i in ids], pa.string()),
        }
    )
    pq.write_table(table, folder / OUTPUT_FILE)
    return folder / OUTPUT_FILE


def check_output(out: Path) -> None:
    """Refuse an output whose articles/ holds other files (e.g. a newsdedup run's)."""
    folder = out / "articles"
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output {out} is not a folder")
    if folder.is_dir() and any(p.name != OUTPUT_FILE for p in folder.iterdir()):
        raise UsageError(f"{folder} holds other files; use an empty or baseline --output")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="baseline.py", description="The plain-loop baseline.")
    parser.add_argument("--input", dest="inputs", action="append", help="file, folder or glob")
    parser.add_argument("--output", type=Path, required=True, help="output folder")
    parser.add_argument("--threshold", type=float, default=0.7, help="MinHashLSH threshold")
    parser.add_argument("--num-perm", type=int, default=128, help="MinHash permutations")
    parser.add_argument("--shingle-size", type=int, default=5, help="words per shingle")
    parser.add_argument(
        "--language-backend",
        choices=LANGUAGE_BACKENDS,
        default="langdetect",
        help="langdetect, or langdetect_rs (same results, faster)",
    )
    args = parser.parse_args(argv)
    if not 0.0 < args.threshold < 1.0 or args.num_perm < 2 or args.shingle_size < 1:
        parser.error("need 0 < --threshold < 1, --num-perm >= 2, --shingle-size >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend = seeded_backend(args.language_backend)
    started = time.perf_counter()
    try:
        check_output(args.output)
        articles = read_articles(args.inputs)
    except UsageError as error:
        print(f"baseline.py: {error}", file=sys.stderr)
        return 2
    languages = [detect_language(article.text, backend) for article in articles]
    clusters = cluster(articles, args.threshold, args.num_perm, args.shingle_size)
    path = write_output(args.output, articles, languages, clusters)
    seconds = time.perf_counter() - started
    groups = len(set(clusters.values()))
    print(f"articles {len(articles)}, clusters {groups}, written to {path}")
    print(f"{seconds:.2f} s, {len(articles) / max(seconds, 1e-9):.1f} articles/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
