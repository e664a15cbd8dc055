"""Near-duplicate clusters from two peers of newsdedup, with their own defaults: the half
of scripts/peers.py that runs in the peers' virtualenv (it imports nothing of newsdedup).

    python scripts/peer_dedup.py datatrove|text-dedup --input ARTICLES.jsonl \
        --work FOLDER --assignments OUT.jsonl

ARTICLES.jsonl holds one {"id", "text"} per line; OUT.jsonl gets one {"id", "cluster"}
per article the peer kept in its index (an article missing there is alone).

- datatrove (HuggingFace): its four MinHash steps (signatures, buckets, clusters,
  filter) on a LocalPipelineExecutor with one task, MinhashConfig() (5-grams of
  words, 14 bands of 8 hashes), the filter keeping each document's cluster id;
- text-dedup: `python -m text_dedup.minhash` (5-grams, 256 permutations, threshold
  0.7 by default) with its union-find dumped (`--debug`), ids from `--idx_column`.

Install them apart from newsdedup (their pins differ):
    python -m venv /tmp/peers && /tmp/peers/bin/pip install datatrove text-dedup
"""

from __future__ import annotations

import argparse
import json
import pickle
import subprocess
import sys
from pathlib import Path


def datatrove_clusters(articles: Path, work: Path) -> dict[str, int]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter

    config = MinhashConfig()

    def reader() -> JsonlReader:
        return JsonlReader(str(articles.parent), glob_pattern=articles.name)

    steps = [
        [reader(), MinhashDedupSignature(output_folder=str(work / "signatures"), config=config)],
        [
            MinhashDedupBuckets(
                input_folder=str(work / "signatures"),
                output_folder=str(work / "buckets"),
                config=config,
            )
        ],
        [
            MinhashDedupCluster(
                input_folder=str(work / "buckets"),
                output_folder=str(work / "remove"),
                config=config,
                save_cluster_id=True,
            )
        ],
        [
            reader(),
            MinhashDedupFilter(
                input_folder=str(work / "remove"),
                load_cluster_ids=True,
                exclusion_writer=JsonlWriter(str(work / "removed"), compression=None),
            ),
            JsonlWriter(str(work / "kept"), compression=None),
        ],
    ]
    tasks = [1, config.num_buckets, 1, 1]
    for number, (pipeline, task_count) in enumerate(zip(steps, tasks, strict=True)):
        executor = LocalPipelineExecutor(
            pipeline=pipeline,
            tasks=task_count,
            workers=1,
            logging_dir=str(work / f"logs-{number}"),
        )
        executor.run()
    return _datatrove_cluster_ids(work)


def _datatrove_cluster_ids(work: Path) -> dict[str, int]:
    """Article id -> datatrove's cluster id, for the articles it put in a cluster."""
    clusters: dict[str, int] = {}
    for path in sorted((work / "kept").glob("*.jsonl")) + sorted((work / "removed").glob("*")):
        for line in path.read_text(encoding="utf-8").splitlines():
            document = json.loads(line)
            cluster = document["metadata"].get("minhash_cluster_id", -1)
            if cluster >= 0:
                clusters[document["id"]] = cluster
    return clusters


def text_dedup_clusters(articles: Path, work: Path) -> dict[str, int]:
    command = [
        sys.executable,
        "-m",
        "text_dedup.minhash",
        "--path=json",
        f"--data_files={articles}",
        "--split=train",
        f"--cache_dir={work / 'cache'}",
        f"--output={work / 'output'}",
        "--column=text",
        "--idx_column=id",
        "--num_proc=1",
        "--debug",
    ]
    subprocess.run(command, check=True)
    with (work / "output" / "uf.pkl").open("rb") as file:
        union_find = pickle.load(file)
    roots: dict[str, int] = {}
    return {
        article_id: roots.setdefault(union_find.find(article_id), len(roots))
        for article_id in union_find.parent
    }


PEERS = {"datatrove": datatrove_clusters, "text-dedup": text_dedup_clusters}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=sorted(PEERS))
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--assignments", type=Path, required=True)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    clusters = PEERS[args.peer](args.input.resolve(), args.work.resolve())
    with args.assignments.open("w", encoding="utf-8") as sink:
        for article_id, cluster in sorted(clusters.items()):
            sink.write(json.dumps({"id": article_id, "cluster": cluster}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
