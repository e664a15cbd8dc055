"""Where a stream's stories differ from one run's over the same articles.

    python scripts/stream_diff.py STREAM_OUT RUN_OUT LABELS

Prints, by the labels: the pairs of articles each output wrongly puts in one
story (a story merged into another counts as that one) and how many of the
stream's are its own; and the stream's story merges (OUT/story_merges/), how
many join stories the run keeps apart, and how many of those join different
labelled stories. `scripts/watch_bench.py` leaves both outputs in
`<workdir>/watch-<seed>-<size>-<files>/{watch,batch}`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import pyarrow.dataset as ds

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as `python scripts/stream_diff.py`
    sys.path.insert(0, str(REPO_ROOT))

from scripts.evaluate import load_labels, load_output  # noqa: E402

ArticlePair = tuple[str, str]


def wrongly_joined(stories: Mapping[str, str], truth: Mapping[str, str]) -> set[ArticlePair]:
    """Pairs of articles in one story whose labelled stories differ."""
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, story in stories.items():
        members[story].append(article_id)
    return {
        (left, right)
        for articles in members.values()
        for left, right in itertools.combinations(sorted(articles), 2)
        if truth[left] != truth[right]
    }


def merge_verdicts(
    stream: Path, run_stories: Mapping[str, str], truth: Mapping[str, str]
) -> Counter[str]:
    """Each story merge of `stream`: whether the run keeps its two stories
    apart, and then whether their labelled stories (each side's most common)
    differ."""
    merges = ds.dataset(stream / "story_merges", format="parquet").to_table().to_pydict()
    written = ds.dataset(stream / "articles", format="parquet", partitioning="hive")
    table = written.to_table(columns=["article_id", "story_id"]).to_pydict()
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, story in zip(table["article_id"], table["story_id"], strict=True):
        members[story].append(article_id)
    verdicts: Counter[str] = Counter()
    for story, merged_into in zip(merges["story_id"], merges["merged_into"], strict=True):
        sides = [members[story], members[merged_into]]
        verdicts["merges"] += 1
        if {run_stories[a] for a in sides[0]} & {run_stories[a] for a in sides[1]}:
            continue
        verdicts["apart in the run"] += 1
        labelled = [Counter(truth[a] for a in side).most_common(1)[0][0] for side in sides]
        verdicts["apart in the run, different labels"] += labelled[0] != labelled[1]
    return verdicts


def report(stream: Path, run: Path, labels_path: Path) -> list[str]:
    truth = {article_id: label["story"] for article_id, label in load_labels(labels_path).items()}
    stream_stories = load_output(stream)[0]["story"]
    run_stories = load_output(run)[0]["story"]
    stream_wrong = wrongly_joined(stream_stories, truth)
    run_wrong = wrongly_joined(run_stories, truth)
    verdicts = merge_verdicts(stream, run_stories, truth)
    return [
        f"wrongly joined pairs: stream {len(stream_wrong)} ({len(stream_wrong - run_wrong)} "
        f"its own), run {len(run_wrong)} ({len(run_wrong - stream_wrong)} its own)",
        f"stream story merges: {verdicts['merges']}, {verdicts['apart in the run']} join "
        f"stories the run keeps apart, {verdicts['apart in the run, different labels']} "
        "of them stories of different labels",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stream", type=Path, help="the stream's output folder")
    parser.add_argument("run", type=Path, help="one run's output folder")
    parser.add_argument("labels", type=Path, help='JSON Lines: {"article_id", "story"}')
    args = parser.parse_args(argv)
    print("\n".join(report(args.stream, args.run, args.labels)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
