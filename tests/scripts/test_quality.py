"""scripts/quality.py: the sweep expansion, the report, and one small measured run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scripts import quality


def test_sweep_is_the_cartesian_product_in_order() -> None:
    configurations = quality.expand_sweep(
        ["story_threshold=0.15,0.3", "word-shingle-size=4,5,6", "dup_threshold=0.5"]
    )
    assert len(configurations) == 2 * 3 * 1
    assert [c.parameters for c in configurations[:3]] == [
        {"story_threshold": 0.15, "word_shingle_size": 4, "dup_threshold": 0.5},
        {"story_threshold": 0.15, "word_shingle_size": 5, "dup_threshold": 0.5},
        {"story_threshold": 0.15, "word_shingle_size": 6, "dup_threshold": 0.5},
    ]
    assert configurations[-1].parameters["story_threshold"] == 0.3
    assert len({c.name for c in configurations}) == len(configurations)
    assert configurations[0].flags() == [
        *("--story-threshold", "0.15", "--word-shingle-size", "4", "--dup-threshold", "0.5")
    ]


def test_sweep_types_values_by_the_dedup_config_field() -> None:
    (configuration,) = quality.expand_sweep(["num_perm=64", "story_window_hours=48"])
    assert configuration.parameters == {"num_perm": 64, "story_window_hours": 48.0}
    assert type(configuration.parameters["num_perm"]) is int
    assert type(configuration.parameters["story_window_hours"]) is float
    assert configuration.name == "num_perm=64,story_window_hours=48.0"


def test_no_set_means_the_defaults() -> None:
    assert quality.expand_sweep([]) == [quality.Configuration(quality.DEFAULTS)]
    assert quality.Configuration(quality.DEFAULTS).flags() == []


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (["no_such_parameter=1"], "unknown parameter 'no_such_parameter'"),
        (["num_perm=1.5"], "not a int"),
        (["dup_threshold=2"], "dup_threshold must be <= 1.0"),
        (["dup_threshold"], "expected NAME=V1,V2"),
        (["num_perm=64", "num_perm=128"], "given twice"),
    ],
)
def test_bad_sets_are_usage_errors(sets: list[str], message: str) -> None:
    with pytest.raises(quality.UsageError, match=message):
        quality.expand_sweep(sets)


def test_unknown_parameter_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = quality.main(["--workdir", str(tmp_path), "--set", "bogus=1,2"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unknown parameter 'bogus'" in err
    assert not any(tmp_path.iterdir())  # nothing was generated or run


def fake_run(seed: int, dup_f1: float, story_f1: float) -> dict[str, Any]:
    def level(f1: float) -> dict[str, Any]:
        return {
            "pairwise": {"precision": 1.0, "recall": f1, "f1": f1},
            "ari": f1,
            "bcubed": {"f1": f1},
        }

    return {"seed": seed, "wall_seconds": 2.0, "dup": level(dup_f1), "story": level(story_f1)}


def test_report_table_and_summary() -> None:
    runs = [fake_run(2, 0.9, 0.6), fake_run(3, 0.7, 0.8)]
    report = {
        "command": "python scripts/quality.py --seeds 2,3",
        "size": 100,
        "corpora": [{"seed": 2, "articles": 100}, {"seed": 3, "articles": 99}],
        "configurations": [
            {"name": "defaults", "runs": runs, "summary": quality.summarise(runs)},
        ],
    }
    text = quality.format_report(report)
    lines = text.splitlines()
    assert lines[0] == "$ python scripts/quality.py --seeds 2,3"
    assert (
        "| defaults | 2 | 1.000 | 0.900 | 0.900 | 1.000 | 0.600 | 0.600 | 0.600 | 0.600 | 2.0 |"
        in lines
    )
    assert "| defaults | 2 | 0.800 | 0.700 | 0.700 | 0.600 | 2.0 |" in lines


@pytest.mark.e2e
@pytest.mark.shared_data
def test_measures_a_sweep_and_the_baseline(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--seeds", "5", "--size", "150", "--workdir", str(tmp_path)]
    sweep = ["--baseline", "--set", "story_threshold=0.15,0.3", "--json"]
    assert quality.main([*argv, *sweep]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["command"] == "python scripts/quality.py " + " ".join([*argv, *sweep])
    names = [c["name"] for c in report["configurations"]]
    assert names == ["story_threshold=0.15", "story_threshold=0.3", "baseline"]
    for configuration in report["configurations"]:
        (run,) = configuration["runs"]
        assert run["seed"] == 5
        assert run["wall_seconds"] > 0
        for level in ("dup", "story"):
            assert run[level]["articles"] >= 140
            assert 0.0 <= run[level]["pairwise"]["f1"] <= 1.0
            assert 0.0 <= run[level]["bcubed"]["f1"] <= 1.0
        assert configuration["summary"]["dup_f1_min"] == run["dup"]["pairwise"]["f1"]
    default, _, baseline = (c["summary"] for c in report["configurations"])
    assert default["dup_f1_mean"] > baseline["dup_f1_mean"]
    assert report["corpora"][0]["reused"] is False

    corpus = tmp_path / "corpus-5-150"
    stamp = (corpus / "manifest.json").stat().st_mtime_ns
    assert quality.main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    second = json.loads(captured.out)
    assert second["corpora"][0]["reused"] is True
    assert "reused" in captured.err
    assert (corpus / "manifest.json").stat().st_mtime_ns == stamp
    assert [c["name"] for c in second["configurations"]] == [quality.DEFAULTS]
    assert (
        second["configurations"][0]["runs"][0]["dup"]
        == report["configurations"][0]["runs"][0]["dup"]
    )


@pytest.mark.e2e
@pytest.mark.shared_data
def test_every_metadata_variant_of_a_corpus_with_traps_is_scored(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One generated corpus (aggregator with agency lines, portal briefs without source,
    follow-ups of short wire items) delivered with full metadata, none, and one source
    for all, each scored. Full metadata scores well; the other two do not reach 0.95 yet
    (issue 16), but boilerplate found from the texts alone keeps them well above what
    site boilerplate alone gave (none: story F1 0.25, one source: dup F1 0.34)."""
    argv = ["--seeds", "7", "--size", "400", "--workdir", str(tmp_path), "--traps"]
    assert quality.main([*argv, "--variants", "full,none,one-source", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    names = [c["name"] for c in report["configurations"]]
    assert names == ["defaults [full]", "defaults [none]", "defaults [one-source]"]
    scores = {c["name"]: c["runs"][0] for c in report["configurations"]}
    assert scores["defaults [full]"]["dup"]["pairwise"]["f1"] >= 0.95
    assert scores["defaults [full]"]["story"]["pairwise"]["f1"] >= 0.95
    # Measured 0.973 / 0.755 (none) and 0.711 / 0.725 (one source): see docs/quality.md.
    assert scores["defaults [none]"]["dup"]["pairwise"]["f1"] >= 0.93
    assert scores["defaults [none]"]["story"]["pairwise"]["f1"] >= 0.70
    assert scores["defaults [one-source]"]["dup"]["pairwise"]["f1"] >= 0.65
    assert scores["defaults [one-source]"]["story"]["pairwise"]["f1"] >= 0.65
    corpus = next(tmp_path.glob("corpus-7-400-x*"))
    assert (corpus / "input-none" / "articles.jsonl").is_file()
    assert (corpus / "input-one-source" / "articles.jsonl").is_file()
    below = [
        name
        for name, run in scores.items()
        if min(run["dup"]["pairwise"]["f1"], run["story"]["pairwise"]["f1"]) < 0.95
    ]
    if below:
        pytest.xfail(f"issue 16: below 0.95 without full metadata: {below}")
