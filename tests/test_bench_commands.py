"""`eligo bench criteria` and `eligo bench trec` end to end on tiny files written here:
the real compiler, note extractor, importer (SQLite) and engine; the output format and
the metrics recomputed from the per-row dumps. The ../shared data is not needed."""

from __future__ import annotations

import json
import re

import pytest

from bench.trec import ndcg_at_k, precision_at_k

NOTE_MAN = ("0. A 45-year-old man presents with cough and fever for 3 days.\n"
            "1. He has a history of hypertension treated with lisinopril.\n"
            "2. He denies smoking.")
NOTE_WOMAN = ("0. A 30-year-old woman presents with pelvic pain.\n"
              "1. She is not pregnant.")
CRITERIA_ROWS = [
    (NOTE_MAN, "inclusion", "Age 18 years or older", "included"),
    (NOTE_MAN, "exclusion", "Pregnancy", "not applicable"),
    (NOTE_MAN, "inclusion", "Signed informed consent", "not enough information"),
    (NOTE_WOMAN, "exclusion", "Diabetes mellitus", "not excluded"),
    (NOTE_WOMAN, "inclusion", "Women aged 18 to 65 years", "included"),
]
LAST_CRITERIA = re.compile(r"^accuracy=(\d\.\d{3}) n=(\d+)$")
LAST_TREC = re.compile(r"^ndcg@10=(\S+) p@10=(\S+) bm25_ndcg@10=(\S+) bm25_p@10=(\S+) topics=(\d+)$")


def _last_line(output: str) -> str:
    return [line for line in output.splitlines() if line.strip()][-1]


def test_bench_criteria_end_to_end(tmp_path, run_cli):
    data = tmp_path / "dev.jsonl"
    data.write_text("".join(json.dumps({"annotation_id": n, "note": note, "criterion_type": kind,
                                        "criterion_text": text, "expert_eligibility": gold}) + "\n"
                            for n, (note, kind, text, gold) in enumerate(CRITERIA_ROWS)))
    dump = tmp_path / "rows.jsonl"
    result = run_cli(["bench", "criteria", "--data", data, "--dump", dump])
    assert result.exit_code == 0, result.output
    match = LAST_CRITERIA.match(_last_line(result.output))
    assert match, _last_line(result.output)
    assert int(match.group(2)) == 5
    rows = [json.loads(line) for line in dump.read_text().splitlines()]
    assert [r["gold"] for r in rows] == [r[3] for r in CRITERIA_ROWS]
    assert float(match.group(1)) == pytest.approx(sum(r["predicted"] == r["gold"] for r in rows) / 5, abs=5e-4)
    assert "inclusion: expert label" in result.output and "exclusion: expert label" in result.output
    # an age limit against a stated age is the one thing every version must get right
    assert rows[0]["predicted"] == "included"
    assert rows[0]["failure"] is None


def test_bench_criteria_rejects_a_bad_row(tmp_path, run_cli):
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps({"note": "x", "criterion_type": "inclusion", "criterion_text": "y",
                                "expert_eligibility": "maybe"}) + "\n")
    result = run_cli(["bench", "criteria", "--data", data])
    assert result.exit_code == 2
    assert "bad.jsonl:1" in result.output


def _study(nct_id: str, criteria: str, title: str = "", conditions=()) -> dict:
    protocol = {"identificationModule": {"nctId": nct_id, **({"briefTitle": title} if title else {})},
                "eligibilityModule": {"eligibilityCriteria": criteria}}
    if conditions:
        protocol["conditionsModule"] = {"conditions": list(conditions)}
    return {"protocolSection": protocol}


def test_bench_trec_end_to_end(tmp_path, run_cli):
    data = tmp_path / "trec"
    data.mkdir()
    trials = [
        _study("NCT00000001", "Inclusion Criteria:\n- Asthma treated with inhaled corticosteroids\n"
                              "Exclusion Criteria:\n- Pregnancy", "Inhaled therapy for asthma", ["Asthma"]),
        _study("NCT00000002", "Inclusion Criteria:\n- Healthy volunteers\nExclusion Criteria:\n- Any chronic illness"),
        _study("NCT00000003", "Inclusion Criteria:\n- Type 2 diabetes with neuropathy and retinopathy\n"
                              "Exclusion Criteria:\n- Dialysis"),
        _study("NCT00000004", "Inclusion Criteria:\n- Diabetes treated with insulin\n"
                              "Exclusion Criteria:\n- Heart failure"),
    ]
    (data / "trials.jsonl").write_text("".join(json.dumps(t) + "\n" for t in trials))
    (data / "topics.jsonl").write_text(
        json.dumps({"id": "t1", "text": "A 30-year-old woman with asthma uses inhaled corticosteroids daily."}) + "\n"
        + json.dumps({"id": "t2", "text": "A 60-year-old man with type 2 diabetes, on insulin, with peripheral "
                                          "neuropathy and retinopathy."}) + "\n")
    (data / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\n"
                                    "t1\tNCT00000001\t2\nt1\tNCT00000002\t0\n"
                                    "t2\tNCT00000003\t1\nt2\tNCT00000004\t2\nt2\tNCT00000002\t0\n")
    dump = tmp_path / "pairs.jsonl"
    result = run_cli(["bench", "trec", "--data", data, "--dump", dump])
    assert result.exit_code == 0, result.output
    match = LAST_TREC.match(_last_line(result.output))
    assert match, _last_line(result.output)
    ndcg, p10, bm25_ndcg, bm25_p10, topics = match.groups()
    assert int(topics) == 2
    # BM25 by hand: t1 puts NCT00000001 (eligible) first -> 1.0; t2 puts NCT00000003 (all
    # of neuropathy, retinopathy, type 2) above NCT00000004 (insulin) above the healthy-volunteer
    # trial -> (1 + 2/log2 3) / (2 + 1/log2 3) = 0.85972. Mean 0.92986; one eligible in each top 10.
    assert float(bm25_ndcg) == pytest.approx(0.9299, abs=1e-4)
    assert float(bm25_p10) == pytest.approx(0.1)
    # the engine's figures are the metric of its own ranking, as dumped
    pairs = [json.loads(line) for line in dump.read_text().splitlines()]
    judged = {"t1": {"NCT00000001": 2, "NCT00000002": 0},
              "t2": {"NCT00000003": 1, "NCT00000004": 2, "NCT00000002": 0}}
    rankings = {t: [p["nct_id"] for p in sorted(pairs, key=lambda p: p["rank"]) if p["topic"] == t] for t in judged}
    assert sorted(rankings["t2"]) == sorted(judged["t2"])
    expected_ndcg = sum(ndcg_at_k(rankings[t], judged[t]) for t in judged) / 2
    expected_p10 = sum(precision_at_k(rankings[t], judged[t]) for t in judged) / 2
    assert float(ndcg) == pytest.approx(expected_ndcg, abs=1e-4)
    assert float(p10) == pytest.approx(expected_p10, abs=1e-4)
    assert "what the ranking gets wrong" in result.output


def test_bench_trec_needs_the_three_files(tmp_path, run_cli):
    (tmp_path / "topics.jsonl").write_text("")
    result = run_cli(["bench", "trec", "--data", tmp_path])
    assert result.exit_code == 2
    assert "qrels.tsv is missing" in result.output
