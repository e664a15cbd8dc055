"""Tests for scripts/bench.py's measuring and reporting (not for any speed: that is its output)."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsdedup.transforms.core.signals.language import LanguageDetector
from scripts import bench
from tests.conftest import REPO_ROOT, SAMPLE_DIR


def test_every_stage_function_exists() -> None:
    # A renamed DoFn would silently move its time to "Beam"; fail here instead.
    for specs in bench.STAGES.values():
        for spec in specs:
            file, first_line, name = bench.function_keys(spec)
            if first_line is None:  # a local function: its name must be in its module
                assert f"def {name}(" in Path(file).read_text(encoding="utf-8"), spec
            else:
                assert name == spec.partition(":")[2].rsplit(".", 1)[-1], spec


def test_profile_stages_attributes_time_to_its_stage() -> None:
    detector = LanguageDetector(seed=0, sample_chars=2000, min_letters=20)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        detector.detect("Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen.")
    profiler.disable()
    stages = bench.profile_stages(pstats.Stats(profiler))
    assert stages["language detection"] > 0
    assert stages["clustering"] == 0 and stages["writing (rows, Parquet)"] == 0
    total = pstats.Stats(profiler).total_tt  # type: ignore[attr-defined]
    assert sum(stages.values()) == pytest.approx(total)


def test_tree_rss_counts_children() -> None:
    own = bench.tree_rss(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; b = bytearray(200 * 1024 * 1024); time.sleep(30)"]
    )
    try:
        deadline = time.monotonic() + 20
        while bench.tree_rss(child.pid) < 150 * bench.MIB and time.monotonic() < deadline:
            time.sleep(0.1)
        assert bench.tree_rss(os.getpid()) >= own + 150 * bench.MIB
    finally:
        child.kill()
        child.wait()
    assert bench.tree_rss(child.pid) == 0  # gone


def test_run_measured_reports_output_and_failures(tmp_path: Path) -> None:
    code = "import time; t = time.process_time() + 0.3\nwhile time.process_time() < t: pass\n"
    code += f"open({str(tmp_path / 'out.bin')!r}, 'wb').write(bytes(5000))\n"
    code += "print('articles written 42')"
    measured = bench.run_measured([sys.executable, "-c", code], "busy loop", tmp_path)
    assert bench.articles_written(measured.stdout, "articles written") == 42
    assert measured.cpu_seconds >= 0.3 and measured.seconds >= measured.cpu_seconds * 0.9
    assert measured.peak_rss > 0
    assert measured.peak_disk == 5000  # the file written, measured after the run at least
    with pytest.raises(bench.RunError, match="exited with 3"):
        bench.run_measured([sys.executable, "-c", "raise SystemExit(3)"], "failing")


def test_a_peer_is_scored_on_its_clusters_with_left_out_articles_alone(tmp_path: Path) -> None:
    fake_peer = tmp_path / "fake-python"
    fake_peer.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "target = sys.argv[sys.argv.index('--assignments') + 1]\n"
        "lines = [json.dumps({'id': i, 'cluster': 7}) for i in ('a', 'b')]\n"
        "open(target, 'w').write('\\n'.join(lines) + '\\n')\n"
    )
    fake_peer.chmod(0o755)
    labels = {"dup": {"a": "g1", "b": "g1", "c": "g2"}, "story": {"a": "s", "b": "s", "c": "s"}}
    articles = tmp_path / "articles.jsonl"
    result = bench.measure_peer("datatrove", str(fake_peer), articles, tmp_path / "w", labels)
    assert result["dup_f1"] == 1.0
    assert result["story_f1"] == pytest.approx(0.5)  # c left out: 1 of 3 story pairs found
    assert result["articles"] == 3


def test_peer_input_holds_each_article_once(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "input").symlink_to(SAMPLE_DIR)
    articles = bench.peer_input(tmp_path / "corpus", tmp_path / "articles.jsonl")
    ids = [json.loads(line)["id"] for line in articles.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 35


def _run(articles: int, seconds: float) -> dict[str, float]:
    return {
        "articles": articles,
        "seconds": seconds,
        "articles_per_second": articles / seconds,
        "cpu_seconds": seconds * 1.5,
        "peak_rss_mib": 500.0,
        "peak_disk_mib": 42.0,
        "dup_f1": 0.99,
        "story_f1": 0.98,
    }


def test_report_has_ratios_growth_and_profile() -> None:
    sizes = [
        {"size": 10_000, "results": {"inprocess": _run(10_000, 5.0), "loop": _run(10_000, 20.0)}},
        {"size": 100_000, "results": {"inprocess": _run(100_000, 60.0)}},
    ]
    stages = dict.fromkeys([*bench.STAGES, bench.OTHER_STAGE], 1.0)
    report = {
        "command": "python scripts/bench.py",
        "machine": {"cores": "2"},
        "sizes": sizes,
        "profile": {"size": 10_000, "profiled_seconds": 8.0, "cpu_seconds": 4.0, "stages": stages},
    }
    text = bench.format_report(report)
    assert "| 10k | inprocess | 10000 | 5.0 | 2000 | 4.0x | 7.5 | 0.75 | 500 | 42 |" in text
    assert "| inprocess | 10k -> 100k | 10.0x | 12.0x | 12.0x |" in text
    assert "| language detection | 1.0 | 12 % | 0.5 |" in text


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(SystemExit) as raised:
        bench.build_parser().parse_args(["--runners", "inprocess,spark"])
    assert raised.value.code == 2
    assert bench.build_parser().parse_args(["--sizes", "5000,1000"]).sizes == (1000, 5000)


def test_stage_memory_prints_stages_and_peak(tmp_path: Path) -> None:
    from scripts import stage_memory

    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.stage_memory",
            "--input",
            str(SAMPLE_DIR),
            "--output",
            str(out),
            "--min-seconds",
            "0",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_ROOT,
    )
    lines = result.stdout.splitlines()
    assert any("ReadArticles" in line for line in lines)
    assert lines[-1].startswith("total ") and "peak resident memory" in lines[-1]
    assert (out / "articles").is_dir()
    assert stage_memory.resident_mib() > 0
