"""`eligo import`, `compile` and `recompile` through the real CLI, incl. the full
ClinicalTrials.gov corpus in ../shared on both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import ImportRun, Site, Trial
from app.rules import compiler_available

CORPUS = "data/ctgov/msc-trials.jsonl"


def _counts(factory) -> tuple[int, int]:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Trial)),
            session.scalar(select(func.count()).select_from(Site)),
        )


@pytest.mark.corpus
def test_import_the_msc_corpus_twice(run_cli, db_url, shared_file, session_factory_for):
    corpus = shared_file(CORPUS)
    env = {"DATABASE_URL": db_url, "ELIGO_COMPILE_ON_IMPORT": "false"}

    first = run_cli(["import", corpus], env=env)
    assert first.exit_code == 0, first.output
    # 1,536 records; NCT02421484 appears twice, identically, so the second copy is a no-op.
    assert "1536 records" in first.output and "1535 inserted" in first.output and "1 unchanged" in first.output
    factory = session_factory_for(db_url)
    counts = _counts(factory)
    assert counts[0] == 1535
    with factory() as session:
        stamps = dict(session.execute(select(Trial.nct_id, Trial.updated_at)).all())

    second = run_cli(["import", corpus], env=env)
    assert second.exit_code == 0, second.output
    assert "0 inserted, 0 updated, 1536 unchanged, 0 failed" in second.output
    assert _counts(factory) == counts
    with factory() as session:
        assert dict(session.execute(select(Trial.nct_id, Trial.updated_at)).all()) == stamps
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.status, r.inserted, r.unchanged) for r in runs] == [("ok", 1535, 1), ("ok", 0, 1536)]


@pytest.mark.corpus
def test_a_corpus_file_with_broken_records(run_cli, db_url, shared_file, tmp_path, session_factory_for):
    lines = shared_file(CORPUS).read_text(encoding="utf-8").splitlines()[:40]
    record = json.loads(lines[5])
    record["protocolSection"]["eligibilityModule"]["healthyVolunteers"] = "yes"
    broken_id = record["protocolSection"]["identificationModule"]["nctId"]
    lines[5] = json.dumps(record)
    lines[10] = lines[10][: len(lines[10]) // 2]  # truncated
    lines[20] = json.dumps({"protocolSection": {"identificationModule": {"briefTitle": "no id"}}})
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_cli(["import", path], env={"DATABASE_URL": db_url, "ELIGO_COMPILE_ON_IMPORT": "false"})

    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"broken.jsonl:line 6 ({broken_id}): eligibilityModule.healthyVolunteers should be true or false" in output
    assert "broken.jsonl:line 11 (no id): not valid JSON" in output
    assert "broken.jsonl:line 21 (no id): no identificationModule.nctId" in output
    assert "37 inserted" in output and "3 failed" in output
    assert _counts(session_factory_for(db_url))[0] == 37


def test_import_demo_files_and_missing_paths(run_cli, db_url, repo_root):
    demo = sorted((repo_root / "app" / "demo").glob("*.json"))
    result = run_cli(["import", *demo], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert "5 inserted" in result.output
    missing = run_cli(["import", "/nonexistent/file.jsonl"], env={"DATABASE_URL": db_url})
    assert missing.exit_code == 2 and "not a file" in missing.output


def test_serve_and_migrate_are_registered(run_cli, db_url):
    help_text = run_cli(["--help"]).output
    for command in ("serve", "import", "sync", "compile", "recompile", "migrate"):
        assert command in help_text
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    result = run_cli(["migrate"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0 and f"at revision {head}" in result.output


@pytest.mark.skipif(not compiler_available(), reason="criteria compiler not installed yet")
def test_compile_a_record_and_plain_text(run_cli, repo_root):
    record = repo_root / "app" / "demo" / "NCT06536712.json"
    result = run_cli(["compile", record])
    assert result.exit_code == 0, result.output
    ruleset = json.loads(result.stdout)
    assert ruleset["facts"]["max_age_years"] == 75 and ruleset["criteria"]
    text = run_cli(["compile", "-"], input="Inclusion Criteria:\n\n* Age 18 years or older\n")
    assert text.exit_code == 0 and json.loads(text.stdout)["criteria"]
    empty = run_cli(["compile", repo_root / "app" / "demo" / "LOCAL-RIOM-0001.json"])
    assert empty.exit_code == 0 and json.loads(empty.stdout)["criteria"] == []
    explained = run_cli(["compile", "--explain", record])
    assert explained.exit_code == 0 and explained.stdout.strip()


@pytest.mark.skipif(not compiler_available(), reason="criteria compiler not installed yet")
def test_recompile_only_touches_stale_trials(run_cli, db_url, repo_root, session_factory_for):
    env = {"DATABASE_URL": db_url, "ELIGO_COMPILE_ON_IMPORT": "false"}
    demo = sorted((repo_root / "app" / "demo").glob("*.json"))
    assert run_cli(["import", *demo], env=env).exit_code == 0
    first = run_cli(["recompile"], env=env)
    assert first.exit_code == 0 and "5 compiled, 0 up to date" in first.output
    second = run_cli(["recompile"], env=env)
    assert "0 compiled, 5 up to date" in second.output
    factory = session_factory_for(db_url)
    with factory.begin() as session:
        trial = session.get(Trial, "NCT03876197")
        trial.eligibility_criteria += "\n2. Subjects who cannot attend"
    third = run_cli(["recompile"], env=env)
    assert "1 compiled, 4 up to date" in third.output
    forced = run_cli(["recompile", "--force"], env=env)
    assert "5 compiled" in forced.output
