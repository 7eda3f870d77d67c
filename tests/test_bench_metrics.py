"""The benchmark arithmetic on hand-checked values: NDCG@k, P@k, qrels reading, label mapping."""

from __future__ import annotations

import math
import time

import pytest

from bench.criterion_level import combine_outcomes, label_for, section_text
from bench.trec import dcg, ndcg_at_k, precision_at_k, read_qrels
from matching.text_relevance import BM25Index, normalised, tokenize


def test_dcg_linear_gains_log2_discount():
    assert dcg([2, 1, 0]) == pytest.approx(2 / 1 + 1 / math.log2(3))
    assert dcg([]) == 0.0
    assert dcg([1] * 12, k=10) == pytest.approx(sum(1 / math.log2(i + 2) for i in range(10)))


def test_ndcg_known_values():
    judged = {"a": 2, "b": 1, "c": 0}
    assert ndcg_at_k(["a", "b", "c"], judged) == pytest.approx(1.0)
    # worst order: 0, 1, 2 -> (1/log2 3 + 2/log2 4) / (2 + 1/log2 3)
    assert ndcg_at_k(["c", "b", "a"], judged) == pytest.approx((1 / math.log2(3) + 1.0) / (2 + 1 / math.log2(3)))
    # excluded first, eligible second: (1 + 2/log2 3) / (2 + 1/log2 3) = 0.85972
    assert ndcg_at_k(["b", "a", "c"], judged) == pytest.approx(0.859719, abs=1e-6)
    # a judged trial missing from the ranking still counts in the ideal
    assert ndcg_at_k(["b"], judged) == pytest.approx(1 / (2 + 1 / math.log2(3)))
    assert ndcg_at_k(["x", "y"], {"x": 0}) == 0.0


def test_ndcg_cuts_at_k():
    judged = {f"d{i}": 0 for i in range(10)} | {"late": 2}
    ranked = [f"d{i}" for i in range(10)] + ["late"]
    assert ndcg_at_k(ranked, judged, k=10) == 0.0
    assert ndcg_at_k(ranked, judged, k=11) == pytest.approx((2 / math.log2(12)) / 2)


def test_precision_counts_eligible_only_and_divides_by_k():
    judged = {"a": 2, "b": 1, "c": 2, "d": 0}
    assert precision_at_k(["a", "b", "c", "d"], judged) == pytest.approx(0.2)
    assert precision_at_k(["a", "b", "c", "d"], judged, k=2) == pytest.approx(0.5)
    assert precision_at_k(["b", "d"], judged) == 0.0


def test_read_qrels_with_and_without_header(tmp_path):
    with_header = tmp_path / "a.tsv"
    with_header.write_text("query-id\tcorpus-id\tscore\nq1\tNCT1\t2\nq1\tNCT2\t0\nq2\tNCT1\t1\n")
    assert read_qrels(with_header) == {"q1": {"NCT1": 2, "NCT2": 0}, "q2": {"NCT1": 1}}
    trec_layout = tmp_path / "b.txt"
    trec_layout.write_text("q1 0 NCT1 2\nq1 0 NCT2 1\n")
    assert read_qrels(trec_layout) == {"q1": {"NCT1": 2, "NCT2": 1}}


@pytest.mark.parametrize("kind, outcomes, expected", [
    ("inclusion", ["met", "met"], "met"),
    ("inclusion", ["met", "unknown"], "unknown"),
    ("inclusion", ["unknown", "not_met"], "not_met"),
    ("inclusion", ["met", "not_applicable"], "met"),
    ("inclusion", ["not_applicable"], "not_applicable"),
    ("exclusion", ["not_met", "met"], "met"),
    ("exclusion", ["not_met", "unknown"], "unknown"),
    ("exclusion", ["not_met", "not_applicable"], "not_met"),
    ("exclusion", [], "unknown"),
])
def test_combine_outcomes(kind, outcomes, expected):
    assert combine_outcomes(kind, outcomes) == expected


def test_label_mapping_follows_the_expert_vocabulary():
    assert [label_for("inclusion", o) for o in ("met", "not_met", "unknown", "not_applicable")] == [
        "included", "not included", "not enough information", "not applicable"]
    assert [label_for("exclusion", o) for o in ("met", "not_met", "unknown", "not_applicable")] == [
        "excluded", "not excluded", "not enough information", "not applicable"]
    assert section_text("exclusion", " Pregnancy ").startswith("Exclusion Criteria:")


def test_bm25_prefers_the_document_with_rare_query_words():
    index = BM25Index.build({"t1": "asthma inhaled corticosteroids", "t2": "type 2 diabetes insulin",
                             "t3": "diabetic neuropathy and retinopathy", "t4": "healthy volunteers"})
    scores = index.scores("Patient with diabetes on insulin", ["t1", "t2", "t3", "t9"])
    assert scores["t2"] > scores["t1"] == 0.0 and scores["t9"] == 0.0
    assert normalised(scores)["t2"] == 1.0
    assert tokenize("The patients' tumors, Metastases") == ["tumor", "metastasis"]


def test_trec_error_types_name_why_a_pair_is_misplaced():
    from bench.trec import Ranked, classify

    off_topic = Ranked("NCT1", "possibly_eligible", relevance=0.6, score=0.6, text_relevance=0.6,
                       concept_relevance=0.0, concepts_compared=False)
    same_disease = Ranked("NCT2", "possibly_eligible", relevance=0.8, score=0.8, text_relevance=0.6,
                          concept_relevance=1.0)
    assert "secondary words" in classify(off_topic, 0, True)
    assert "another population" in classify(same_disease, 0, True)
    ruled_out = Ranked("NCT3", "ineligible", relevance=0.7, score=0.5, text_relevance=0.7,
                       blocking=["exclusion:condition"])
    assert "ruled out (by an exclusion)" in classify(ruled_out, 2, False, [off_topic])
    weak = Ranked("NCT4", "possibly_eligible", relevance=0.2, score=0.2, text_relevance=0.1)
    assert "weak text match" in classify(weak, 1, False, [off_topic])
    assert classify(weak, 1, False, [off_topic]).startswith("excluded below not relevant")


def test_server_cpu_reads_a_real_process_and_divides_by_requests():
    """``bench.http_load``'s load-independent figure: CPU a process used between two
    readings of /proc/<pid>/stat, per request. A child that spins for ~0.3 s of CPU."""
    import subprocess
    import sys

    from bench.http_load import ServerCpu, cpu_seconds_of, process_cpu_seconds, server_cpu

    spinner = subprocess.Popen([sys.executable, "-c", "import sys,time\nsys.stdin.readline()\n"
                                "t=time.process_time()\nwhile time.process_time()-t<0.3: pass\nsys.stdin.readline()"],
                               stdin=subprocess.PIPE, text=True)
    try:
        before = cpu_seconds_of([spinner.pid])
        spinner.stdin.write("go\n")
        spinner.stdin.flush()
        deadline = time.monotonic() + 60
        while process_cpu_seconds(spinner.pid) - before[spinner.pid] < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        cpu = server_cpu(before, cpu_seconds_of([spinner.pid]), requests=10)
    finally:
        spinner.stdin.write("done\n")
        spinner.stdin.flush()
        spinner.wait(30)
    assert 0.28 <= cpu.cpu_seconds <= 0.6
    assert cpu.ms_per_request == pytest.approx(100 * cpu.cpu_seconds)  # 1000 ms / 10 requests
    assert cpu.ceiling_per_second(2) == pytest.approx(2000 / cpu.ms_per_request)
    assert process_cpu_seconds(spinner.pid) == 0.0  # gone: read as nothing, not an error
    # a worker that died (or was replaced) between readings adds nothing, never a negative
    assert server_cpu({1: 5.0, 2: 3.0}, {1: 6.5}, requests=3) == ServerCpu(cpu_seconds=1.5, requests=3)
    assert ServerCpu(0.0, 0).ms_per_request == 0.0 and ServerCpu(0.0, 0).ceiling_per_second() == 0.0
