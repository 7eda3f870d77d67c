"""``eligo bench speed`` runs end to end on a tiny corpus and ends with its key=value
line. Figures are not asserted: speed is measured by benchmarks, never by tests."""

from __future__ import annotations

import pytest

from app import rules


@pytest.mark.skipif(not rules.compiler_available(), reason="criteria compiler not installed")
def test_speed_bench_quick_run(run_cli, shared_file, tmp_path):
    shared_file("data/ctgov/msc-trials.jsonl")
    work = tmp_path / "bench"
    result = run_cli(["bench", "speed", "--quick", "--skip-http", "--work-dir", work, "--sizes", "20,40",
                      "--compile-sample", "4", "--requests", "6", "--workers", "1"])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    values = dict(item.split("=", 1) for item in last.split())
    for key in ("compile_per_core", "p50_ms_20", "p95_ms_20", "p50_ms_40", "p95_ms_40", "rss_mb_40_shared",
                "settled_mb_40_shared"):
        assert float(values[key]) > 0, key
    assert "Speed and scale" in result.stdout
    assert (work / "corpus-40-seed0.jsonl").is_file()  # the corpus went to the work dir, not the repo


def test_speed_bench_refuses_a_work_dir_in_the_repository(run_cli, repo_root):
    result = run_cli(["bench", "speed", "--quick", "--skip-http", "--work-dir", repo_root / "var-bench"])
    assert result.exit_code == 2 and not (repo_root / "var-bench").exists()


@pytest.mark.skipif(not rules.compiler_available(), reason="criteria compiler not installed")
def test_speed_bench_compile_only(run_cli, shared_file, tmp_path):
    """``--compile-only`` measures the first distinct inputs of a small corpus and nothing else."""
    shared_file("data/ctgov/msc-trials.jsonl")
    work = tmp_path / "bench"
    result = run_cli(["bench", "speed", "--compile-only", "--work-dir", work, "--compile-sample", "3"])
    assert result.exit_code == 0, result.output
    values = dict(item.split("=", 1) for item in result.stdout.strip().splitlines()[-1].split())
    assert values["compile_sample"] == "3"
    assert float(values["compile_per_core"]) > 0 and float(values["compile_cpu_s"]) > 0
    assert "Compile throughput" in result.stdout and "match p50" not in result.stdout
    assert (work / "corpus-100-seed0.jsonl").is_file()


def test_distinct_inputs_stops_at_the_limit():
    """The compile-only sample is the full run's first distinct inputs: first-seen order,
    repeats skipped, and nothing read past the limit."""
    from types import SimpleNamespace

    from bench.speed import distinct_inputs

    def study(text):
        return SimpleNamespace(eligibility_criteria=text, sex="ALL", min_age_years=None, max_age_years=None,
                               healthy_volunteers=None)

    def studies():
        yield from (study("a"), study("a"), study("b"), study("c"))
        raise AssertionError("read past the limit")

    assert [text for text, _ in distinct_inputs(studies(), 3).values()] == ["a", "b", "c"]
