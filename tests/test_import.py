"""The importer against real databases (SQLite file and PostgreSQL): every input shape,
bad records, idempotence, newer / not-newer records, per-batch atomicity, demo data."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.demo import load_demo_if_empty
from app.importer import import_records
from app.models import ImportRun, Site, Trial
from app.sources import SourceRecord, iter_path


def _import(factory, *paths: Path, batch_size: int = 2):
    records = (record for path in paths for record in iter_path(path))
    return import_records(factory, records, source="test", batch_size=batch_size)


def _trials(factory) -> dict[str, Trial]:
    with factory() as session:
        return {t.nct_id: t for t in session.scalars(select(Trial))}


def _count(factory, model) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


# --- input shapes --------------------------------------------------------------------


def test_single_study_json(session_factory, make_study, tmp_path):
    path = tmp_path / "NCT00000001.json"
    path.write_text(json.dumps(make_study()))
    report = _import(session_factory, path)
    assert (report.inserted, report.failed) == (1, 0)
    trial = _trials(session_factory)["NCT00000001"]
    assert trial.min_age_years == 18.0 and trial.sex == "ALL"


def test_json_list(session_factory, make_study, tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([make_study(f"NCT0000000{i}") for i in range(1, 6)]))
    report = _import(session_factory, path)
    assert (report.seen, report.inserted) == (5, 5)
    assert _count(session_factory, Site) == 5


def test_json_list_is_read_one_element_at_a_time(make_study, tmp_path):
    """Streamed: the elements before a cut-off end arrive, which a whole-file parse could
    not give (it would fail on the file as a whole)."""
    path = tmp_path / "cut.json"
    whole = json.dumps([make_study("NCT00000001"), make_study("NCT00000002"), make_study("NCT00000003")])
    path.write_text(" \n" + whole[: len(whole) - 40])  # the third study is cut short
    records = list(iter_path(path))
    assert [r.position for r in records] == ["cut.json[0]", "cut.json[1]", "cut.json[2]"]
    assert [r.payload["protocolSection"]["identificationModule"]["nctId"] for r in records[:2]] == [
        "NCT00000001", "NCT00000002"]
    assert records[2].payload is None
    assert records[2].error.startswith("not valid JSON (") and "\n" not in records[2].error
    assert "rest of the file was not read" in records[2].error


def test_json_list_keeps_numbers_as_json_numbers(make_study, tmp_path):
    study = make_study("NCT00000001")
    study["protocolSection"]["designModule"] = {"enrollmentInfo": {"count": 40}, "x-score": 0.25}
    path = tmp_path / "list.json"
    path.write_text(json.dumps([study]))
    (record,) = iter_path(path)
    assert record.payload == study
    assert type(record.payload["protocolSection"]["designModule"]["x-score"]) is float


def test_bad_elements_of_a_json_list_are_named_and_the_rest_import(session_factory, make_study, tmp_path):
    no_id = make_study()
    del no_id["protocolSection"]["identificationModule"]["nctId"]
    wrong_type = make_study("NCT00000004")
    wrong_type["protocolSection"]["eligibilityModule"]["minimumAge"] = 18
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([make_study("NCT00000001"), no_id, "not a study", wrong_type,
                                make_study("NCT00000002")]))

    report = _import(session_factory, path)

    assert (report.seen, report.inserted, report.failed) == (5, 2, 3)
    issues = {issue.position: issue for issue in report.errors}
    assert set(issues) == {"mixed.json[1]", "mixed.json[2]", "mixed.json[3]"}
    assert "nctId" in issues["mixed.json[1]"].reason
    assert issues["mixed.json[3]"].nct_id == "NCT00000004"
    assert set(_trials(session_factory)) == {"NCT00000001", "NCT00000002"}


def test_a_syntax_error_in_a_json_list_keeps_the_elements_before_it(session_factory, make_study, tmp_path):
    path = tmp_path / "broken.json"
    good = ",".join(json.dumps(make_study(f"NCT0000000{i}")) for i in range(1, 4))
    path.write_text(f"[{good}, {{\"protocolSection\": nope}}, {json.dumps(make_study('NCT00000009'))}]")

    report = _import(session_factory, path)

    assert (report.inserted, report.failed) == (3, 1)
    assert report.errors[0].position == "broken.json[3]"
    assert "not valid JSON" in report.errors[0].reason
    assert set(_trials(session_factory)) == {"NCT00000001", "NCT00000002", "NCT00000003"}


def test_saved_api_page(session_factory, make_study, tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"studies": [make_study("NCT00000001"), make_study("NCT00000002")], "nextPageToken": "x"}))
    assert _import(session_factory, path).inserted == 2


def test_json_lines(session_factory, make_study, tmp_path):
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(json.dumps(make_study(f"NCT0000000{i}")) for i in range(1, 4)) + "\n\n")
    assert _import(session_factory, path).inserted == 3


def test_bulk_zip_of_per_study_files(session_factory, make_study, tmp_path):
    path = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i in range(1, 4):
            archive.writestr(f"ctg-studies/NCT0000000{i}.json", json.dumps(make_study(f"NCT0000000{i}")))
        archive.writestr("ctg-studies/README.txt", "not a study")
    report = _import(session_factory, path)
    assert (report.seen, report.inserted, report.failed) == (3, 3, 0)


# --- bad records ---------------------------------------------------------------------


def test_bad_records_are_named_and_the_rest_import(session_factory, make_study, tmp_path):
    wrong_type = make_study("NCT00000004")
    wrong_type["protocolSection"]["eligibilityModule"]["minimumAge"] = 18
    no_id = make_study()
    del no_id["protocolSection"]["identificationModule"]["nctId"]
    lines = [
        json.dumps(make_study("NCT00000001")),
        '{"protocolSection": {"identificationModule": ',  # truncated line
        json.dumps(no_id),
        json.dumps(make_study("NCT00000002")),
        json.dumps(wrong_type),
        json.dumps(make_study("NCT00000003")),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")

    report = _import(session_factory, path)

    assert (report.seen, report.inserted, report.failed) == (6, 3, 3)
    issues = {issue.position: issue for issue in report.errors}
    assert set(issues) == {"mixed.jsonl:line 2", "mixed.jsonl:line 3", "mixed.jsonl:line 5"}
    assert "not valid JSON" in issues["mixed.jsonl:line 2"].reason
    assert "nctId" in issues["mixed.jsonl:line 3"].reason
    assert issues["mixed.jsonl:line 5"].nct_id == "NCT00000004"
    assert "minimumAge" in issues["mixed.jsonl:line 5"].reason
    assert set(_trials(session_factory)) == {"NCT00000001", "NCT00000002", "NCT00000003"}
    with session_factory() as session:
        run = session.get(ImportRun, report.run_id)
        assert run.status == "with_errors" and run.failed == 3 and len(run.errors) == 3


def test_a_value_the_database_rejects_fails_only_that_record(session_factory, migrated_db_url, make_study):
    """PostgreSQL enforces column lengths; the batch is redone record by record so only
    the offending record is reported."""
    if migrated_db_url.startswith("sqlite"):
        pytest.skip("SQLite does not enforce column lengths")
    records = [
        SourceRecord("r1", make_study("NCT00000001")),
        SourceRecord("r2", make_study("NCT00000002", status="X" * 100)),
        SourceRecord("r3", make_study("NCT00000003")),
    ]
    report = import_records(session_factory, records, source="test", batch_size=10)
    assert (report.inserted, report.failed) == (2, 1)
    assert report.errors[0].position == "r2" and report.errors[0].nct_id == "NCT00000002"
    assert "database rejected it" in report.errors[0].reason
    assert set(_trials(session_factory)) == {"NCT00000001", "NCT00000003"}


# --- idempotence and versions -----------------------------------------------------------


def test_second_import_changes_nothing(session_factory, make_study, tmp_path):
    path = tmp_path / "studies.jsonl"
    path.write_text("\n".join(json.dumps(make_study(f"NCT0000000{i}")) for i in range(1, 6)))
    first = _import(session_factory, path)
    before = {k: (t.updated_at, t.record_sha256) for k, t in _trials(session_factory).items()}
    sites_before = _count(session_factory, Site)

    second = _import(session_factory, path)

    assert (first.inserted, second.inserted, second.updated, second.unchanged) == (5, 0, 0, 5)
    after = {k: (t.updated_at, t.record_sha256) for k, t in _trials(session_factory).items()}
    assert after == before
    assert _count(session_factory, Site) == sites_before


def test_not_newer_is_skipped_and_newer_updates(session_factory, make_study, tmp_path):
    original = tmp_path / "v1.json"
    original.write_text(json.dumps(make_study(updated="2024-03-01", title="Original")))
    _import(session_factory, original)
    stamp = _trials(session_factory)["NCT00000001"].updated_at

    older = tmp_path / "v0.json"
    older.write_text(json.dumps(make_study(updated="2023-01-01", title="Older")))
    same_day = tmp_path / "v1b.json"
    same_day.write_text(json.dumps(make_study(updated="March 1, 2024", title="Same day, edited")))
    skipped = _import(session_factory, older, same_day)
    assert (skipped.unchanged, skipped.updated) == (2, 0)
    trial = _trials(session_factory)["NCT00000001"]
    assert (trial.brief_title, trial.updated_at) == ("Original", stamp)

    newer = tmp_path / "v2.json"
    newer.write_text(json.dumps(make_study(
        updated="2024-06-01", title="Newer", status="COMPLETED",
        locations=[{"facility": "A", "city": "Aarhus", "country": "Denmark"},
                   {"facility": "B", "city": "Odense", "country": "Denmark"}],
    )))
    updated = _import(session_factory, newer)
    assert updated.updated == 1
    trial = _trials(session_factory)["NCT00000001"]
    assert (trial.brief_title, trial.overall_status) == ("Newer", "COMPLETED")
    assert trial.updated_at > stamp
    with session_factory() as session:
        cities = session.scalars(select(Site.city).order_by(Site.position)).all()
    assert cities == ["Aarhus", "Odense"]  # old sites replaced, not appended


def test_duplicate_in_one_file_keeps_the_newest(session_factory, make_study, tmp_path):
    path = tmp_path / "dupes.json"
    path.write_text(json.dumps([
        make_study(updated="2024-01-01", title="first"),
        make_study(updated="2024-02-01", title="second"),
        make_study(updated="2024-01-15", title="stale"),
    ]))
    report = _import(session_factory, path, batch_size=10)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    assert _trials(session_factory)["NCT00000001"].brief_title == "second"


# --- atomicity -----------------------------------------------------------------------


def test_a_crash_mid_import_keeps_committed_batches_only(session_factory, make_study):
    def records():
        for i in range(1, 4):
            yield SourceRecord(f"r{i}", make_study(f"NCT0000000{i}"))
        raise RuntimeError("disk on fire")  # in the middle of the second batch

    with pytest.raises(RuntimeError):
        import_records(session_factory, records(), source="test", batch_size=2)

    assert set(_trials(session_factory)) == {"NCT00000001", "NCT00000002"}
    assert _count(session_factory, Site) == 2  # no orphan or half-written sites
    with session_factory() as session:
        run = session.scalars(select(ImportRun)).one()
        assert run.status == "failed" and "disk on fire" in run.message


def test_ctrl_c_marks_the_run_interrupted(session_factory, make_study):
    def records():
        yield SourceRecord("r1", make_study("NCT00000001"))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_records(session_factory, records(), source="test", batch_size=5)
    assert _trials(session_factory) == {}
    with session_factory() as session:
        assert session.scalars(select(ImportRun.status)).one() == "interrupted"


# --- demo data ------------------------------------------------------------------------


def test_demo_trials_load_into_an_empty_database_only(session_factory):
    report = load_demo_if_empty(session_factory)
    assert (report.inserted, report.failed) == (5, 0)
    assert load_demo_if_empty(session_factory) is None

    trials = _trials(session_factory)
    assert set(trials) == {"LOCAL-RIOM-0001", "NCT06599346", "NCT03876197", "NCT06536712", "NCT05862675"}
    riom = trials["LOCAL-RIOM-0001"]
    assert riom.eligibility_criteria == "" and riom.min_age_years is None
    assert trials["NCT06599346"].min_age_years == 18 and trials["NCT06599346"].max_age_years is None
    assert (trials["NCT03876197"].min_age_years, trials["NCT03876197"].max_age_years) == (18, 99)
    assert (trials["NCT06536712"].overall_status, trials["NCT06536712"].phases) == ("NOT_YET_RECRUITING", ["PHASE1"])
    child = trials["NCT05862675"]
    assert (child.min_age_years, child.max_age_years, child.healthy_volunteers) == (1, 14, True)
    assert child.study_type == "OBSERVATIONAL"
    with session_factory() as session:
        chengdu = session.scalars(select(Site).where(Site.nct_id == "NCT06599346")).one()
    assert chengdu.city == "Chengdu" and chengdu.latitude is not None


def test_demo_criteria_are_published_ctgov_text():
    from app.demo import demo_paths

    for path in demo_paths():
        criteria = json.loads(path.read_text())["protocolSection"]["eligibilityModule"].get("eligibilityCriteria")
        if path.stem == "LOCAL-RIOM-0001":
            assert criteria is None
        else:
            assert criteria.startswith("Inclusion Criteria:") and "\n\nExclusion Criteria:\n\n" in criteria
