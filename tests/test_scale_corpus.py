"""The scale corpus (``bench.corpus`` / ``eligo bench make-corpus``): deterministic per
seed, API v2 records the importer accepts, synthetic ids, real texts, never in the repo."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from app.ctgov import parse_study
from bench.corpus import SYNTHETIC_ID_BASE, CorpusError, iter_corpus, load_base_trials, write_corpus


@pytest.fixture(scope="module")
def shared(shared_file):
    shared_file("data/ctgov/msc-trials.jsonl")
    shared_file("data/criteria/criteria-corpus.jsonl")
    return True


def test_same_seed_same_bytes_other_seed_other_corpus(shared, tmp_path):
    first = write_corpus(40, tmp_path / "a.jsonl", seed=7)
    again = write_corpus(40, tmp_path / "b.jsonl", seed=7)
    other = write_corpus(40, tmp_path / "c.jsonl", seed=8)
    assert first == again and (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert other != first
    # Trial i does not depend on the corpus size: a small corpus is a prefix of a larger one.
    small = list(iter_corpus(10, seed=7))
    lines = (tmp_path / "a.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines[:10]] == small


def test_records_are_v2_studies_with_synthetic_ids_real_texts_and_sites(shared, tmp_path):
    path = tmp_path / "corpus.jsonl"
    write_corpus(120, path)
    studies = [parse_study(json.loads(line)) for line in path.read_text().splitlines()]
    assert len(studies) == 120
    ids = [s.nct_id for s in studies]
    assert len(set(ids)) == 120 and all(i.startswith("NCT9") and int(i[3:]) >= SYNTHETIC_ID_BASE for i in ids)
    real_texts = {base.text for base in load_base_trials()}
    assert all(s.eligibility_criteria in real_texts for s in studies)
    assert len({s.eligibility_criteria for s in studies}) == 120  # distinct texts first
    statuses = Counter(s.overall_status for s in studies)
    assert statuses["RECRUITING"] + statuses["NOT_YET_RECRUITING"] > 0.6 * 120
    assert all(s.sites and s.conditions and s.last_update_posted for s in studies)
    sites = [site for s in studies for site in s.sites]
    assert all(site.city and site.country and site.latitude is not None and site.longitude is not None
               for site in sites)
    assert len({site.country for site in sites}) > 5


def test_refuses_to_write_inside_the_repository(shared, repo_root):
    with pytest.raises(CorpusError, match="outside the repository"):
        write_corpus(5, repo_root / "bench" / "corpus.jsonl")
    assert not (repo_root / "bench" / "corpus.jsonl").exists()


def test_make_corpus_command(shared, run_cli, tmp_path, repo_root):
    out = tmp_path / "cli.jsonl"
    result = run_cli(["bench", "make-corpus", "--size", "15", "--out", out, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert f"path={out} size=15 seed=3 sha256=" in result.stdout.strip().splitlines()[-1]
    assert len(out.read_text().splitlines()) == 15
    refused = run_cli(["bench", "make-corpus", "--size", "5", "--out", repo_root / "x.jsonl"])
    assert refused.exit_code == 2 and not (repo_root / "x.jsonl").exists()
