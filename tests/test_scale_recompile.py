"""``eligo recompile --workers N``: the same RuleSets as a serial run, one compilation per
distinct input, and a rerun after an interruption continues where it stopped. On SQLite
(only the parent writes) and PostgreSQL, with the real compiler in spawned workers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select

from app import rules
from app.importer import import_records
from app.models import TrialRules
from app.sources import iter_path

pytestmark = pytest.mark.skipif(not rules.compiler_available(), reason="criteria compiler not installed")

UNIQUE = 18
COPIES = 6  # records whose text and facts repeat an earlier one under another id


@pytest.fixture
def corpus_file(shared_file, tmp_path):
    from bench.corpus import iter_corpus

    shared_file("data/ctgov/msc-trials.jsonl")
    records = list(iter_corpus(UNIQUE, seed=11))
    for n, original in enumerate(records[:COPIES]):
        copy = json.loads(json.dumps(original))
        copy["protocolSection"]["identificationModule"]["nctId"] = f"NCT98{n:06d}"
        records.append(copy)
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def stored_rules(factory) -> dict[str, dict]:
    with factory() as session:
        return {r.nct_id: r.ruleset for r in session.scalars(select(TrialRules))}


class Interrupt(KeyboardInterrupt):
    pass


def test_parallel_recompile_matches_serial_and_resumes(session_factory, corpus_file):
    report = import_records(session_factory, iter_path(corpus_file), compile_rules=False)
    assert report.inserted == UNIQUE + COPIES

    serial = rules.recompile_stale(session_factory, batch_size=5)
    assert serial.compiled == UNIQUE + COPIES and not serial.failures
    assert serial.reused == COPIES  # identical inputs compiled once
    expected = stored_rules(session_factory)
    for n in range(COPIES):
        original = sorted(expected)[n]
        assert expected[f"NCT98{n:06d}"] == expected[original]

    parallel = rules.recompile_stale(session_factory, batch_size=5, workers=2, force=True)
    assert parallel.compiled == UNIQUE + COPIES and parallel.reused == COPIES and not parallel.failures
    assert stored_rules(session_factory) == expected

    # Interrupt a parallel run after its second batch is written ...
    with session_factory.begin() as session:
        session.execute(delete(TrialRules))
    written = []

    def stop_after_two(n: int) -> None:
        written.append(n)
        if len(written) == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        rules.recompile_stale(session_factory, batch_size=5, workers=2, on_progress=stop_after_two)
    with session_factory() as session:
        kept = session.scalar(select(func.count()).select_from(TrialRules))
    assert kept == 10  # two whole batches committed, nothing half-written

    # ... and a rerun compiles only what is still missing.
    resumed = rules.recompile_stale(session_factory, batch_size=5, workers=2)
    assert resumed.skipped == 10 and resumed.compiled == UNIQUE + COPIES - 10 and not resumed.failures
    assert stored_rules(session_factory) == expected
    again = rules.recompile_stale(session_factory, workers=2)
    assert again.compiled == 0 and again.skipped == UNIQUE + COPIES


def test_recompile_command_with_workers(run_cli, db_url, corpus_file, session_factory_for):
    env = {"DATABASE_URL": db_url, "ELIGO_COMPILE_ON_IMPORT": "false"}
    assert run_cli(["import", corpus_file], env=env).exit_code == 0
    first = run_cli(["recompile", "--workers", "2", "--batch-size", "8"], env=env)
    assert first.exit_code == 0, first.output
    assert f"{UNIQUE + COPIES} compiled, 0 up to date, 0 failed" in first.output
    assert f"({COPIES} shared an identical text)" in first.output
    second = run_cli(["recompile", "--workers", "2"], env=env)
    assert f"0 compiled, {UNIQUE + COPIES} up to date" in second.output

    # A big import compiles after landing, in parallel: here one record is newer.
    record = json.loads(corpus_file.read_text().splitlines()[0])
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2030-01-01"
    record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] += "\n* Able to swallow tablets"
    newer = corpus_file.with_name("newer.jsonl")
    newer.write_text(json.dumps(record) + "\n")
    imported = run_cli(["import", "--workers", "2", newer], env={**env, "ELIGO_COMPILE_ON_IMPORT": "true"})
    assert imported.exit_code == 0, imported.output
    assert "1 updated" in imported.output and "1 rule sets compiled" in imported.output
    third = run_cli(["recompile"], env=env)
    assert f"0 compiled, {UNIQUE + COPIES} up to date" in third.output
